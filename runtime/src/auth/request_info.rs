//! What a request asks to do, in the terms authorizers decide on: kube-apiserver's
//! `RequestInfo`, computed from the method, the path and the query alone, before routing, so
//! that a path no route serves is still authorized (403 before 404, as in Kubernetes).

/// The attributes of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the request is for a resource (`/api/v1/...`, `/apis/g/v/...` with a resource),
    /// rather than a path such as `/healthz`, `/metrics` or a discovery document.
    pub is_resource_request: bool,
    /// The request path, as sent.
    pub path: String,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection` (or
    /// `proxy`) for resource requests; the lowercased method for the others.
    pub verb: String,
    /// `api` or `apis`.
    pub api_prefix: String,
    /// The API group (empty for the core group).
    pub api_group: String,
    /// The API version.
    pub api_version: String,
    /// The namespace (empty for cluster-scoped requests).
    pub namespace: String,
    /// The resource (plural).
    pub resource: String,
    /// The subresource: `status`, `scale`, ...
    pub subresource: String,
    /// The object's name (also from a `metadata.name=` field selector on a list or watch).
    pub name: String,
    /// The path's parts from the resource on.
    pub parts: Vec<String>,
}

impl RequestInfo {
    /// The attributes of `method` on `path` with `query`, as kube-apiserver's
    /// `RequestInfoFactory` computes them. Never fails: anything it cannot read as a resource
    /// request is a non-resource request.
    pub fn parse(method: &str, path: &str, query: Option<&str>) -> RequestInfo {
        let mut info = RequestInfo {
            path: path.to_string(),
            verb: method.to_ascii_lowercase(),
            ..RequestInfo::default()
        };
        let trimmed = path.trim_matches('/');
        let mut parts: Vec<String> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').map(decode).collect()
        };
        if parts.len() < 3 || !matches!(parts[0].as_str(), "api" | "apis") {
            return info;
        }
        info.api_prefix = parts.remove(0);
        if info.api_prefix == "apis" {
            if parts.len() < 3 {
                return info;
            }
            info.api_group = parts.remove(0);
        }
        info.is_resource_request = true;
        info.api_version = parts.remove(0);
        let special = matches!(parts[0].as_str(), "watch" | "proxy");
        if special {
            if parts.len() < 2 {
                // Go answers an error here, which kube-apiserver turns into a 500; a request
                // naming no resource is a non-resource request instead.
                return RequestInfo {
                    is_resource_request: false,
                    ..info
                };
            }
            info.verb = parts.remove(0);
        } else {
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
        if parts[0] == "namespaces" && parts.len() > 1 {
            info.namespace = parts[1].clone();
            // `namespaces/{ns}/{resource}...`, unless the third part is a subresource of the
            // namespace itself.
            if parts.len() > 2 && !matches!(parts[2].as_str(), "status" | "finalize") {
                parts.drain(..2);
            }
        }
        if parts.len() >= 3 && info.verb != "proxy" {
            info.subresource = parts[2].clone();
        }
        if parts.len() >= 2 {
            info.name = parts[1].clone();
        }
        info.resource = parts[0].clone();
        info.parts = parts;
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

/// The query's values of `key`, decoded.
fn values<'q>(query: &'q str, key: &'q str) -> impl Iterator<Item = String> + 'q {
    query.split('&').filter_map(move |pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_query(k) == key).then(|| decode_query(v))
    })
}

/// `?watch=`: any first value but a false one (Go's `ParseBool` false values) asks to watch.
fn watch_requested(query: &str) -> bool {
    values(query, "watch")
        .next()
        .is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "false" | "0" | "f"))
}

/// `fieldSelector=metadata.name=x` (or `==`) names one object.
fn name_from_field_selector(query: &str) -> Option<String> {
    let selector = values(query, "fieldSelector").next()?;
    selector.split(',').find_map(|requirement| {
        let requirement = requirement.trim();
        let (field, value) = requirement
            .split_once("==")
            .or_else(|| requirement.split_once('='))?;
        if field.trim() != "metadata.name" || value.starts_with('=') {
            return None;
        }
        let value = value.trim();
        let valid =
            !value.is_empty() && value != "." && value != ".." && !value.contains(['/', '%']);
        valid.then(|| value.to_string())
    })
}

/// Percent-decodes one path segment (splitting first keeps `%2F` inside its segment, as the
/// router sees it).
fn decode(segment: &str) -> String {
    percent_decode(segment.as_bytes(), false)
}

/// Decodes a query key or value: `+` is a space, `%XX` a byte.
fn decode_query(text: &str) -> String {
    percent_decode(text.as_bytes(), true)
}

fn percent_decode(bytes: &[u8], plus_is_space: bool) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
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
                (false, "get", "", "v1", "", "", "", ""),
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
    }
}
