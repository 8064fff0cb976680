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
    /// The `Accept` header asked for the object itself (JSON or YAML), not a Table: handlers
    /// need not negotiate again.
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
/// the header, without allocating: the best clause so far is kept (the highest quality, the
/// first of equals).
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
        {
            return Ok((Format::Json, false));
        }
        if media.eq_ignore_ascii_case("application/yaml") {
            return Ok((Format::Json, true));
        }
        return Err(Status::not_acceptable(&RESPONSE_TYPES));
    }
    let mut best: Option<(f32, (Format, bool))> = None;
    for clause in accept.split(',') {
        let mut parts = clause.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let mut quality = 1.0f32;
        let (mut as_, mut group, mut version) = (None, None, None);
        for param in parts {
            let (k, v) = param.split_once('=').unwrap_or((param, ""));
            let v = v.trim_matches('"');
            match k.trim() {
                "q" => quality = v.parse().unwrap_or(0.0),
                "as" => as_ = Some(v),
                "g" => group = Some(v),
                "v" => version = Some(v),
                _ => {}
            }
        }
        if quality <= 0.0 {
            continue;
        }
        let yaml = media.eq_ignore_ascii_case("application/yaml");
        let typed = yaml || media.eq_ignore_ascii_case("application/json");
        let any = media.eq_ignore_ascii_case("application/*") || media == "*/*";
        let format = match as_ {
            None if typed || any => Some((Format::Json, yaml)),
            Some("Table")
                if typed
                    && table
                    && group == Some("meta.k8s.io")
                    && matches!(version, Some("v1" | "v1beta1")) =>
            {
                Some((Format::Table(include), yaml))
            }
            _ => None,
        };
        if let Some(format) = format {
            if best.is_none_or(|(q, _)| quality.total_cmp(&q).is_gt()) {
                best = Some((quality, format));
            }
        }
    }
    best.map(|(_, format)| format)
        .ok_or_else(|| Status::not_acceptable(&RESPONSE_TYPES))
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
            Some("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
            true,
            m,
        )
        .unwrap_err();
        assert_eq!(e.code, 406);
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
