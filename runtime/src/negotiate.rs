//! Content negotiation: which representation a client accepts, and which request bodies krest
//! reads.

use crate::status::Status;

/// Media types krest can answer with.
pub const RESPONSE_TYPES: [&str; 2] = ["application/json", "application/yaml"];

/// Media types krest reads request bodies in.
pub const BODY_TYPES: [&str; 2] = ["application/json", "application/yaml"];

/// How a response body is written, beyond what it holds: YAML instead of JSON, and pretty
/// printing (`?pretty=true`, or a `curl`, `Wget` or browser `User-Agent`, as kube-apiserver
/// does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// `application/yaml` won the negotiation.
    pub yaml: bool,
    /// Indent the JSON.
    pub pretty: bool,
    /// The `Accept` header asked for the object itself (JSON or YAML), not a Table or its
    /// metadata: handlers need not negotiate again.
    pub object: bool,
}

impl Output {
    /// The output a request asks for.
    pub fn of<B>(request: &http::Request<B>) -> Output {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
        };
        let negotiated = negotiate(header(http::header::ACCEPT), true, IncludeObject::Metadata);
        let yaml = negotiated.as_ref().is_ok_and(|(_, yaml)| *yaml);
        let object = matches!(negotiated, Ok((Format::Json, _)));
        let query = crate::query::Query::of(request.uri());
        let pretty = match query.get("pretty") {
            Some(_) => query.flag("pretty"),
            None => header(http::header::USER_AGENT).is_some_and(|agent| {
                ["curl", "Wget", "Mozilla/5.0"]
                    .iter()
                    .any(|p| agent.starts_with(p))
            }),
        };
        Output {
            yaml,
            pretty,
            object,
        }
    }

    /// Whether the handler's JSON goes out as it is.
    pub fn is_plain(self) -> bool {
        !self.yaml && !self.pretty
    }
}

/// The representation a response is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The object or list as JSON.
    Json,
    /// A `meta.k8s.io/v1` Table, for `kubectl get`.
    Table(IncludeObject),
    /// `as=PartialObjectMetadata`: an object's metadata only, as a `meta.k8s.io`
    /// `PartialObjectMetadata` (client-go's metadata client, kube-rs' `get_metadata` and
    /// `watch_metadata`). A list asked for this way is a 406, as kube-apiserver answers.
    Metadata(MetaVersion),
    /// `as=PartialObjectMetadataList`: a list's items' metadata only. A single object asked for
    /// this way is a 406; a watch asked for it sends whole objects (kube-apiserver's watch
    /// falls back to the object when the conversion does not apply).
    MetadataList(MetaVersion),
}

/// The `meta.k8s.io` version a `PartialObjectMetadata` is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaVersion {
    /// `meta.k8s.io/v1`.
    V1,
    /// `meta.k8s.io/v1beta1`.
    V1beta1,
}

impl MetaVersion {
    /// `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    pub fn api_version(self) -> &'static str {
        match self {
            MetaVersion::V1 => "meta.k8s.io/v1",
            MetaVersion::V1beta1 => "meta.k8s.io/v1beta1",
        }
    }
}

/// What a Table row carries (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    /// No object.
    None,
    /// A `PartialObjectMetadata` (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses `includeObject`; anything unknown is a 400.
    pub fn parse(value: Option<&str>) -> Result<IncludeObject, Status> {
        match value {
            None | Some("") | Some("Metadata") => Ok(IncludeObject::Metadata),
            Some("None") => Ok(IncludeObject::None),
            Some("Object") => Ok(IncludeObject::Object),
            Some(other) => Err(Status::bad_request(format!(
                "includeObject: Unsupported value: {other:?}: supported values: \"Metadata\", \"None\", \"Object\""
            ))),
        }
    }
}

/// Picks the response format from `Accept`, in the client's order of preference. `table` says
/// whether the route can produce a Table. A clause krest cannot produce is skipped; when none is
/// left, 406.
pub fn response_format(
    accept: Option<&str>,
    table: bool,
    include: IncludeObject,
) -> Result<Format, Status> {
    negotiate(accept, table, include).map(|(format, _)| format)
}

/// [`response_format`], and whether the representation is to be written as YAML. One pass over
/// the header, without allocating.
///
/// The clause chosen is the first served one in the order kube-apiserver tries them (goautoneg's
/// sort: higher quality first, then a concrete type before `*`, a concrete subtype before `*`,
/// otherwise in the header's order). A clause is served when krest writes its media type (JSON
/// or YAML; `application/*` and `*/*` mean JSON) and its conversion, if it asks for one (`as`,
/// `g`, `v`), is a `meta.k8s.io/v1` or `v1beta1` `Table` (where the route has one),
/// `PartialObjectMetadata` or `PartialObjectMetadataList`. Whether the conversion fits the
/// response (a list, an object) is not part of the choice: kube-apiserver settles that after
/// reading, with a 406.
fn negotiate(
    accept: Option<&str>,
    table: bool,
    include: IncludeObject,
) -> Result<(Format, bool), Status> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok((Format::Json, false));
    };
    // One media type without parameters, as most clients send: no clauses to weigh.
    if !accept.bytes().any(|b| b == b',' || b == b';') {
        let media = accept.trim();
        if media == "application/json"
            || media.eq_ignore_ascii_case("application/json")
            || media.eq_ignore_ascii_case("application/*")
            || media == "*/*"
            || media == "*"
        {
            return Ok((Format::Json, false));
        }
        if media.eq_ignore_ascii_case("application/yaml") {
            return Ok((Format::Json, true));
        }
        return Err(Status::not_acceptable(&RESPONSE_TYPES));
    }
    // The best clause so far: its format, and its rank (quality, concrete type, concrete
    // subtype).
    let mut best: Option<(Format, bool)> = None;
    let mut best_rank = (0.0f32, false, false);
    for clause in accept.split(',') {
        let mut parts = clause.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let mut quality = 1.0f32;
        let mut convert = false;
        let (mut as_, mut group, mut version) = ("", "", "");
        for param in parts {
            let (k, v) = param.split_once('=').unwrap_or((param, ""));
            let v = v.trim().trim_matches('"');
            match k.trim() {
                "q" => quality = v.parse().unwrap_or(0.0),
                "as" => (as_, convert) = (v, true),
                "g" => (group, convert) = (v, true),
                "v" => (version, convert) = (v, true),
                _ => {}
            }
        }
        if quality <= 0.0 {
            continue;
        }
        let (type_, subtype) = match media.split_once('/') {
            Some((t, s)) => (t.trim(), s.trim()),
            None if media == "*" => ("*", "*"),
            None => continue,
        };
        let application = type_.eq_ignore_ascii_case("application");
        let yaml = application && subtype.eq_ignore_ascii_case("yaml");
        let served = yaml
            || (application && (subtype.eq_ignore_ascii_case("json") || subtype == "*"))
            || (type_ == "*" && subtype == "*");
        if !served {
            continue;
        }
        let format = if !convert {
            Format::Json
        } else {
            let meta = match (group, version) {
                ("meta.k8s.io", "v1") => MetaVersion::V1,
                ("meta.k8s.io", "v1beta1") => MetaVersion::V1beta1,
                _ => continue,
            };
            match as_ {
                "Table" if table => Format::Table(include),
                "PartialObjectMetadata" => Format::Metadata(meta),
                "PartialObjectMetadataList" => Format::MetadataList(meta),
                _ => continue,
            }
        };
        let rank = (quality, type_ != "*", subtype != "*");
        let better = best.is_none()
            || quality
                .total_cmp(&best_rank.0)
                .then((rank.1, rank.2).cmp(&(best_rank.1, best_rank.2)))
                .is_gt();
        if better {
            best = Some((format, yaml));
            best_rank = rank;
        }
    }
    best.ok_or_else(|| Status::not_acceptable(&RESPONSE_TYPES))
}

/// The media type of a `Content-Type` value, lower case, without parameters; empty when absent.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Whether a request body's `Content-Type` is `application/yaml`.
pub fn is_yaml(content_type: Option<&str>) -> bool {
    media_type(content_type) == "application/yaml"
}

/// Checks that a request body's type is one of `accepted` (no content type means JSON);
/// anything else is a 415 listing `accepted`.
pub fn check_content_type(content_type: Option<&str>, accepted: &[&str]) -> Result<(), Status> {
    let media = media_type(content_type);
    if media.is_empty() || accepted.contains(&media.as_str()) {
        Ok(())
    } else {
        Err(Status::unsupported_media_type(accepted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECTL: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    #[test]
    fn kubectl_gets_a_table_only_where_one_exists() {
        let m = IncludeObject::Metadata;
        assert_eq!(
            response_format(Some(KUBECTL), true, m).unwrap(),
            Format::Table(m)
        );
        assert_eq!(
            response_format(Some(KUBECTL), false, m).unwrap(),
            Format::Json
        );
        assert_eq!(response_format(None, true, m).unwrap(), Format::Json);
        assert_eq!(response_format(Some("*/*"), true, m).unwrap(), Format::Json);
        assert_eq!(
            negotiate(
                Some("application/yaml;q=1, application/json;q=0.5"),
                true,
                m
            )
            .unwrap(),
            (Format::Json, true)
        );
        assert_eq!(
            negotiate(Some("application/yaml;q=0.5, application/json"), true, m).unwrap(),
            (Format::Json, false)
        );
        assert_eq!(
            negotiate(Some(KUBECTL), true, m).unwrap(),
            (Format::Table(m), false)
        );
        let e = response_format(Some("application/vnd.kubernetes.protobuf"), true, m).unwrap_err();
        assert_eq!((e.code, e.reason), (406, "NotAcceptable"));
        let e = response_format(
            Some("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v2"),
            true,
            m,
        )
        .unwrap_err();
        assert_eq!(e.code, 406);
    }

    #[test]
    fn partial_object_metadata_is_negotiated_as_kube_apiserver_does() {
        let m = IncludeObject::Metadata;
        let pom = |v| Format::Metadata(v);
        // kube-rs, client-go's metadata client (protobuf first: krest skips it), YAML, v1beta1.
        for (accept, expected) in [
            ("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", (pom(MetaVersion::V1), false)),
            ("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
             (Format::MetadataList(MetaVersion::V1), false)),
            ("application/yaml;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1", (pom(MetaVersion::V1beta1), true)),
            ("application/json; as=PartialObjectMetadata; v=v1; g=meta.k8s.io", (pom(MetaVersion::V1), false)),
            // An unserved conversion is skipped for the next clause.
            ("application/json;as=Widget;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", (pom(MetaVersion::V1), false)),
            ("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v2,application/yaml", (Format::Json, true)),
            ("application/json;as=PartialObjectMetadata;g=meta.k8s.io,application/json", (Format::Json, false)),
            ("application/json;g=meta.k8s.io;v=v1,application/yaml", (Format::Json, true)),
            // Quality first, then a concrete media type before a wildcard, then the header's order.
            ("application/json;q=0.5,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", (pom(MetaVersion::V1), false)),
            ("*/*,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", (pom(MetaVersion::V1), false)),
            ("application/json,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", (Format::Json, false)),
            ("*/*;as=PartialObjectMetadata;g=meta.k8s.io;v=v1;q=0.9,text/html", (pom(MetaVersion::V1), false)),
            // The kind of response is not part of the choice (a list still picks this).
            ("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json", (pom(MetaVersion::V1), false)),
        ] {
            assert_eq!(negotiate(Some(accept), true, m).unwrap(), expected, "{accept}");
        }
        for accept in [
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v2",
            "application/json;as=PartialObjectMetadata;g=apps;v=v1",
            "application/json;as=Secret;g=meta.k8s.io;v=v1",
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1;q=0",
        ] {
            let e = negotiate(Some(accept), true, m).unwrap_err();
            assert_eq!((e.code, e.reason), (406, "NotAcceptable"), "{accept}");
        }
    }

    #[test]
    fn content_types() {
        let json = ["application/json"];
        assert!(check_content_type(None, &json).is_ok());
        assert!(check_content_type(Some("application/json; charset=utf-8"), &json).is_ok());
        let e = check_content_type(Some("application/vnd.kubernetes.protobuf"), &json).unwrap_err();
        assert_eq!((e.code, e.reason), (415, "UnsupportedMediaType"));
    }
}
