//! What a request asks to do, in the terms authorizers decide on: kube-apiserver's
//! `RequestInfo` (`k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`), computed from the
//! method, the path and the query alone, before routing, so that a path no route serves is still
//! authorized (403 before 404, as in Kubernetes).
//!
//! Two choices make the attributes agree with what krest's router and handlers serve, which is
//! what authorization must see:
//! - The path is split at `/` before each segment is percent-decoded, as the router captures
//!   `{namespace}` and `{name}` (Go decodes the whole path first, so that `%2F` splits there).
//! - `?watch` is read as the list handler reads it: only `0` and `false` (any case) are false.
//!   A `metadata.name` field selector is read with the handlers' own field selector parser.

use crate::selectors::FieldSelector;

/// The attributes of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the request is for a resource (`/api/v1/...`, `/apis/g/v/...` with a resource),
    /// rather than a path such as `/healthz`, `/metrics` or a discovery document.
    pub is_resource_request: bool,
    /// The request path, as sent (not decoded): what non-resource URL rules are matched with.
    pub path: String,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection` (or
    /// `proxy`, or empty for another method) for resource requests; the lowercased method for
    /// the others.
    pub verb: String,
    /// `api` or `apis`.
    pub api_prefix: String,
    /// The API group (empty for the core group).
    pub api_group: String,
    /// The API version.
    pub api_version: String,
    /// The namespace (empty for cluster-scoped requests). `/api/v1/namespaces/{name}` is in the
    /// namespace `{name}`, as in Kubernetes.
    pub namespace: String,
    /// The resource (plural).
    pub resource: String,
    /// The subresource: `status`, `scale`, ...
    pub subresource: String,
    /// The object's name (also from a `metadata.name=` field selector on a list or watch).
    pub name: String,
    /// The path's parts from the resource on, decoded.
    pub parts: Vec<String>,
}

impl RequestInfo {
    /// The attributes of `method` on `path` with `query`, as kube-apiserver's
    /// `RequestInfoFactory` computes them. Never fails and never panics: anything it cannot read
    /// as a resource request is a non-resource request.
    ///
    /// ```
    /// # use krest::auth::RequestInfo;
    /// let info = RequestInfo::parse("GET", "/apis/demo.krest.dev/v1/namespaces/a/widgets", Some("watch=1"));
    /// assert_eq!(
    ///     (info.verb.as_str(), info.api_group.as_str(), info.namespace.as_str(), info.resource.as_str()),
    ///     ("watch", "demo.krest.dev", "a", "widgets")
    /// );
    /// let info = RequestInfo::parse("GET", "/healthz", None);
    /// assert!(!info.is_resource_request);
    /// assert_eq!((info.verb.as_str(), info.path.as_str()), ("get", "/healthz"));
    /// ```
    pub fn parse(method: &str, path: &str, query: Option<&str>) -> RequestInfo {
        let plain = RequestInfo {
            path: path.to_string(),
            verb: method.to_ascii_lowercase(),
            ..RequestInfo::default()
        };
        let trimmed = path.trim_matches('/');
        let decoded: Vec<String> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').map(decode).collect()
        };
        let all: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let mut parts = all.as_slice();
        // `/api/{version}/...` (the core group) or `/apis/{group}/{version}/...`, with at least
        // one part after the version.
        let mut info = match parts {
            ["api", version, rest @ ..] if !rest.is_empty() => {
                parts = rest;
                RequestInfo {
                    api_prefix: "api".into(),
                    api_version: (*version).to_string(),
                    ..plain.clone()
                }
            }
            ["apis", group, version, rest @ ..] if !rest.is_empty() => {
                parts = rest;
                RequestInfo {
                    api_prefix: "apis".into(),
                    api_group: (*group).to_string(),
                    api_version: (*version).to_string(),
                    ..plain.clone()
                }
            }
            _ => return plain,
        };
        info.is_resource_request = true;
        // The deprecated `/watch/...` and `/proxy/...` forms name the verb in the path.
        match parts {
            [special @ ("watch" | "proxy"), rest @ ..] => {
                if rest.is_empty() {
                    // Go answers an error here, which kube-apiserver turns into a 500; a path
                    // naming no resource is a non-resource request instead (the router has no
                    // such route: 404, or 403 first).
                    return plain;
                }
                info.verb = (*special).to_string();
                parts = rest;
            }
            _ => {
                info.verb = match method {
                    "POST" => "create",
                    "GET" | "HEAD" => "get",
                    "PUT" => "update",
                    "PATCH" => "patch",
                    "DELETE" => "delete",
                    _ => "",
                }
                .to_string();
            }
        }
        // `namespaces/{namespace}/{resource}/...`, unless the part after the namespace is one of
        // the namespace's own subresources (`namespaces/{name}/status`, `/finalize`).
        if let ["namespaces", namespace, rest @ ..] = parts {
            info.namespace = (*namespace).to_string();
            if !matches!(rest, [] | ["status" | "finalize", ..]) {
                parts = rest;
            }
        }
        info.parts = parts.iter().map(|p| (*p).to_string()).collect();
        // resource/name/subresource/anything/else
        if let Some(resource) = info.parts.first() {
            info.resource.clone_from(resource);
        }
        if let Some(name) = info.parts.get(1) {
            info.name.clone_from(name);
        }
        if info.verb != "proxy" {
            if let Some(subresource) = info.parts.get(2) {
                info.subresource.clone_from(subresource);
            }
        }
        if info.name.is_empty() && info.verb == "get" {
            let query = query.unwrap_or("");
            info.verb = if watch_requested(query) {
                "watch"
            } else {
                "list"
            }
            .to_string();
            if let Some(name) = name_from_field_selector(query) {
                info.name = name;
            }
        }
        if info.name.is_empty() && info.verb == "delete" {
            info.verb = "deletecollection".to_string();
        }
        info
    }
}

/// The first value of `key` in `query`, decoded, as the handlers' query reader finds it.
fn first_value(query: &str, key: &str) -> Option<String> {
    if query.is_empty() {
        return None;
    }
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_query(k) == key).then(|| decode_query(v))
    })
}

/// `?watch`: present and neither `0` nor `false` (any case), as apimachinery converts a query
/// boolean (and as the list handler reads it). A bare `?watch` is true.
fn watch_requested(query: &str) -> bool {
    first_value(query, "watch").is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The name a `fieldSelector` pins with `metadata.name=x` (or `==`), read by the field selector
/// parser the handlers filter with, and kept only when it is a valid path segment name (not
/// `.` or `..`, no `/` or `%`), as kube-apiserver keeps it. A malformed selector names nothing.
fn name_from_field_selector(query: &str) -> Option<String> {
    let selector = first_value(query, "fieldSelector").filter(|s| !s.is_empty())?;
    let selector = FieldSelector::parse(&selector).ok()?;
    let name = selector.exact_name()?;
    let valid = name != "." && name != ".." && !name.contains(['/', '%']);
    valid.then(|| name.to_string())
}

/// Percent-decodes one path segment (split first, so `%2F` stays inside its segment, as the
/// router captures it).
fn decode(segment: &str) -> String {
    percent_decode(segment.as_bytes(), false)
}

/// Decodes a query key or value: `+` is a space, `%XX` a byte.
fn decode_query(text: &str) -> String {
    percent_decode(text.as_bytes(), true)
}

/// `%XX` is the byte `XX`; a `%` not followed by two hex digits stays as it is. Bytes that are
/// not UTF-8 become U+FFFD.
fn percent_decode(bytes: &[u8], plus_is_space: bool) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        i += 1;
        match byte {
            b'%' => match (
                bytes.get(i).and_then(|&b| hex(b)),
                bytes.get(i + 1).and_then(|&b| hex(b)),
            ) {
                (Some(high), Some(low)) => {
                    // Two hex digits: at most 0xff.
                    out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resource request, verb, group, version, namespace, resource, subresource, name.
    type Expected = (
        bool,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );

    /// (method, path, query) -> what kube-apiserver makes of it.
    #[test]
    fn kube_apiserver_table() {
        let rows: &[(&str, &str, &str, Expected)] = &[
            (
                "GET",
                "/api/v1/namespaces/default/pods",
                "",
                (true, "list", "", "v1", "default", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/namespaces/default/pods/p",
                "",
                (true, "get", "", "v1", "default", "pods", "", "p"),
            ),
            (
                "GET",
                "/api/v1/namespaces/default/pods/p/log",
                "",
                (true, "get", "", "v1", "default", "pods", "log", "p"),
            ),
            (
                "GET",
                "/api/v1/pods",
                "",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "watch=true",
                (true, "watch", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "watch=1&resourceVersion=5",
                (true, "watch", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "watch=false",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/watch/namespaces/default/pods",
                "",
                (true, "watch", "", "v1", "default", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/watch/namespaces/default/pods/p",
                "",
                (true, "watch", "", "v1", "default", "pods", "", "p"),
            ),
            (
                "POST",
                "/api/v1/namespaces/default/pods",
                "",
                (true, "create", "", "v1", "default", "pods", "", ""),
            ),
            (
                "PUT",
                "/api/v1/namespaces/default/pods/p",
                "",
                (true, "update", "", "v1", "default", "pods", "", "p"),
            ),
            (
                "PATCH",
                "/api/v1/namespaces/default/pods/p",
                "",
                (true, "patch", "", "v1", "default", "pods", "", "p"),
            ),
            (
                "DELETE",
                "/api/v1/namespaces/default/pods/p",
                "",
                (true, "delete", "", "v1", "default", "pods", "", "p"),
            ),
            (
                "DELETE",
                "/api/v1/namespaces/default/pods",
                "",
                (
                    true,
                    "deletecollection",
                    "",
                    "v1",
                    "default",
                    "pods",
                    "",
                    "",
                ),
            ),
            (
                "GET",
                "/api/v1/namespaces",
                "",
                (true, "list", "", "v1", "", "namespaces", "", ""),
            ),
            (
                "GET",
                "/api/v1/namespaces/team",
                "",
                (true, "get", "", "v1", "team", "namespaces", "", "team"),
            ),
            (
                "PUT",
                "/api/v1/namespaces/team/finalize",
                "",
                (
                    true,
                    "update",
                    "",
                    "v1",
                    "team",
                    "namespaces",
                    "finalize",
                    "team",
                ),
            ),
            (
                "PUT",
                "/api/v1/namespaces/team/status",
                "",
                (
                    true,
                    "update",
                    "",
                    "v1",
                    "team",
                    "namespaces",
                    "status",
                    "team",
                ),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1/namespaces/default/widgets",
                "",
                (
                    true,
                    "list",
                    "demo.krest.dev",
                    "v1",
                    "default",
                    "widgets",
                    "",
                    "",
                ),
            ),
            (
                "PUT",
                "/apis/demo.krest.dev/v1/namespaces/default/widgets/w/scale",
                "",
                (
                    true,
                    "update",
                    "demo.krest.dev",
                    "v1",
                    "default",
                    "widgets",
                    "scale",
                    "w",
                ),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1/gadgets/g/status",
                "",
                (
                    true,
                    "get",
                    "demo.krest.dev",
                    "v1",
                    "",
                    "gadgets",
                    "status",
                    "g",
                ),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1/widgets",
                "fieldSelector=metadata.name%3Dw",
                (true, "list", "demo.krest.dev", "v1", "", "widgets", "", "w"),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1/widgets",
                "fieldSelector=metadata.name!=w",
                (true, "list", "demo.krest.dev", "v1", "", "widgets", "", ""),
            ),
            (
                "GET",
                "/api/v1/namespaces/default/services/s/proxy/a/b",
                "",
                (true, "get", "", "v1", "default", "services", "proxy", "s"),
            ),
            (
                "GET",
                "/api/v1/proxy/namespaces/default/services/s/a",
                "",
                (true, "proxy", "", "v1", "default", "services", "", "s"),
            ),
            // Non-resource requests.
            ("GET", "/api", "", (false, "get", "", "", "", "", "", "")),
            ("GET", "/api/v1", "", (false, "get", "", "", "", "", "", "")),
            ("GET", "/apis", "", (false, "get", "", "", "", "", "", "")),
            (
                "GET",
                "/apis/demo.krest.dev",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
            (
                "GET",
                "/healthz",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
            (
                "POST",
                "/metrics",
                "",
                (false, "post", "", "", "", "", "", ""),
            ),
            (
                "GET",
                "/openapi/v3/apis/demo.krest.dev/v1",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
            ("GET", "/", "", (false, "get", "", "", "", "", "", "")),
            ("GET", "", "", (false, "get", "", "", "", "", "", "")),
            (
                "GET",
                "/api/v1/watch",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1/proxy",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
            // `?watch` as the list handler reads it: only `0` and `false` are false.
            (
                "GET",
                "/api/v1/pods",
                "watch",
                (true, "watch", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "watch=f",
                (true, "watch", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "watch=FALSE&watch=true",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "w%61tch=0",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            // `?watch` on a named get is still a get.
            (
                "GET",
                "/api/v1/namespaces/n/pods/p",
                "watch=1",
                (true, "get", "", "v1", "n", "pods", "", "p"),
            ),
            (
                "HEAD",
                "/api/v1/namespaces/n/pods",
                "",
                (true, "list", "", "v1", "n", "pods", "", ""),
            ),
            (
                "OPTIONS",
                "/api/v1/namespaces/n/pods/p",
                "",
                (true, "", "", "v1", "n", "pods", "", "p"),
            ),
            (
                "DELETE",
                "/api/v1/namespaces/n/pods",
                "fieldSelector=metadata.name%3Dp",
                (true, "deletecollection", "", "v1", "n", "pods", "", ""),
            ),
            // Field selectors name an object only when they pin `metadata.name` to a valid
            // path segment name.
            (
                "GET",
                "/api/v1/pods",
                "watch=1&fieldSelector=metadata.name%3D%3Dp%2Cspec.x%3Dy",
                (true, "watch", "", "v1", "", "pods", "", "p"),
            ),
            (
                "GET",
                "/api/v1/pods",
                "fieldSelector=metadata.name%3Da%5C%2Cb",
                (true, "list", "", "v1", "", "pods", "", "a,b"),
            ),
            (
                "GET",
                "/api/v1/pods",
                "fieldSelector=metadata.name%3D..",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "fieldSelector=metadata.name%3Da%2525",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "fieldSelector=metadata.name%3Da%5Cx",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            (
                "GET",
                "/api/v1/pods",
                "fieldSelector=&fieldSelector=metadata.name%3Dp",
                (true, "list", "", "v1", "", "pods", "", ""),
            ),
            // Segments are decoded after the split.
            (
                "GET",
                "/api/v1/n%61mespaces/a%2Fb/pods/p%20q",
                "",
                (true, "get", "", "v1", "a/b", "pods", "", "p q"),
            ),
            (
                "GET",
                "/apis/demo.krest.dev/v1/widgets/",
                "",
                (true, "list", "demo.krest.dev", "v1", "", "widgets", "", ""),
            ),
            (
                "GET",
                "/metrics",
                "watch=1",
                (false, "get", "", "", "", "", "", ""),
            ),
            (
                "GET",
                "/version",
                "",
                (false, "get", "", "", "", "", "", ""),
            ),
        ];
        for (method, path, query, want) in rows {
            let i = RequestInfo::parse(method, path, Some(query));
            let got = (
                i.is_resource_request,
                i.verb.as_str(),
                i.api_group.as_str(),
                i.api_version.as_str(),
                i.namespace.as_str(),
                i.resource.as_str(),
                i.subresource.as_str(),
                i.name.as_str(),
            );
            assert_eq!(&got, want, "{method} {path}?{query}");
            assert_eq!(i.path, *path);
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for path in [
            "//",
            "/api//v1",
            "/apis/%zz/v1/x",
            "/api/v1/%ff%fe",
            "/api/v1/namespaces/",
            "/%",
            "/api/v1/x%",
            "/api/v1/x%2",
            "/apis/g/v/watch",
            "/apis/g/v/namespaces/%2F/w",
        ] {
            let i = RequestInfo::parse("GET", path, Some("watch&fieldSelector=&=&%"));
            assert_eq!(i.path, path);
        }
        let i = RequestInfo::parse("GET", "/apis/g/v/namespaces/a%2Fb/widgets", None);
        assert_eq!(
            (i.namespace.as_str(), i.resource.as_str()),
            ("a/b", "widgets")
        );
        let i = RequestInfo::parse("GET", "/api/v1/pods/%ff%fe", None);
        assert_eq!(i.name, "\u{fffd}\u{fffd}");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(decode_query("a+b%20c%2"), "a b c%2");
        assert_eq!(decode("a+b%2Fc%"), "a+b/c%");
        assert_eq!(decode("%%41%4"), "%A%4");
        assert_eq!(decode("%zz%e2%82%ac"), "%zz\u{20ac}");
    }

    proptest::proptest! {
        /// Whatever the input, parsing ends, keeps the path, and a resource request has a
        /// prefix, a version and a resource as the first of its parts.
        #[test]
        fn any_input_parses(method in "[A-Z]{0,8}|\\PC{0,8}", path in "\\PC{0,64}", query in proptest::option::of("\\PC{0,64}")) {
            let i = RequestInfo::parse(&method, &path, query.as_deref());
            proptest::prop_assert_eq!(&i.path, &path);
            if i.is_resource_request {
                proptest::prop_assert!(matches!(i.api_prefix.as_str(), "api" | "apis"));
                proptest::prop_assert_eq!(i.parts.first(), Some(&i.resource));
            } else {
                proptest::prop_assert_eq!(i.verb, method.to_ascii_lowercase());
                proptest::prop_assert!(i.api_version.is_empty() && i.resource.is_empty());
            }
        }

        #[test]
        fn api_shaped_paths_parse(segments in proptest::collection::vec("[a-z%/.]{0,6}|namespaces|watch|proxy|status|finalize", 0..8), prefix in "/api|/apis/g|/apis") {
            let path = format!("{prefix}/{}", segments.join("/"));
            let i = RequestInfo::parse("GET", &path, Some("watch=1&fieldSelector=metadata.name%3Dx"));
            proptest::prop_assert_eq!(&i.path, &path);
        }
    }
}
