//! Entry points for the fuzz targets in `fuzz/`, and for `tests/fuzz_corpus.rs`, which replays
//! their corpora and random inputs on stable. Not public API.
//!
//! Each entry point takes the raw bytes of one input, reaches the crate-private code that reads
//! bytes from the network, and asserts its invariants itself: any panic, a failed assertion or a
//! 5xx turned into a panic, is a bug found. Inputs that need a server get a fresh one each
//! (an in-memory store, seeded the same way every time), so that a crashing input replays alone.
//! Bodies are decoded and requests served on a thread with a tokio worker's 2 MiB stack, as in
//! the server.
//!
//! Input formats, so that corpus files stay readable:
//! - `request_path`: `METHOD path?query`, a request line without the version.
//! - `server_request`: a request line, `Name: value` header lines, an empty line, the body.
//! - `body_decode`, `json_patch`: a request body.
//! - `label_selector`, `field_selector`, `continue_token`: the decoded query parameter.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::codegen::Method;
use crate::router::{Match, Router};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::{Resource as _, Server};

/// A fuzz target's entry point.
pub type Entry = fn(&[u8]);

/// Every fuzz target: its name (`fuzz/fuzz_targets/<name>.rs`, `fuzz/corpus/<name>/`) and its
/// entry point.
pub const TARGETS: [(&str, Entry); 7] = [
    ("request_path", request_path),
    ("server_request", server_request),
    ("body_decode", body_decode),
    ("label_selector", label_selector),
    ("field_selector", field_selector),
    ("continue_token", continue_token),
    ("json_patch", json_patch),
];

/// The spec of the fuzzed namespaced resource: `widgets-server`'s Widget.
#[derive(crate::Resource, schemars::JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(
    crate = "crate",
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    short_names("wd"),
    categories("all"),
    status = WidgetStatus,
    scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"),
    printer_column(name = "Color", type = "string", json_path = ".spec.color"),
    printer_column(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
    printer_column(name = "Size", type = "string", json_path = ".spec.size", priority = 1)
)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSpec {
    /// The color.
    pub color: String,
    /// How many replicas.
    #[schemars(range(min = 0))]
    pub replicas: i32,
    /// An optional size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

/// The status of the fuzzed namespaced resource.
#[derive(schemars::JsonSchema, Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    /// Ready replicas.
    #[serde(default)]
    pub ready_replicas: i32,
    /// The phase.
    #[serde(default)]
    pub phase: String,
}

/// The spec of the fuzzed cluster-scoped resource: `widgets-server`'s Gadget.
#[derive(crate::Resource, schemars::JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(crate = "crate", group = "demo.krest.dev", version = "v1", cluster)]
pub struct GadgetSpec {
    /// The vendor.
    pub vendor: String,
    /// Ports.
    #[serde(default)]
    pub ports: Vec<i32>,
}

const WIDGETS: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

// ---------------------------------------------------------------------------------------------
// request_path

/// A route of the fuzzed router.
struct Template {
    method: Method,
    path: String,
    /// For a resource route: the route and the resource's plural.
    resource: Option<(&'static crate::Route, String)>,
}

thread_local! {
    /// The router of `widgets-server`, and its templates in insertion order.
    static ROUTER: (Router, Vec<Template>) = k8s_router();
}

fn k8s_router() -> (Router, Vec<Template>) {
    let models = [Widget::MODEL, Gadget::MODEL, crate::Namespace::MODEL];
    let resources = [Widget::ROUTES, Gadget::ROUTES, crate::Namespace::ROUTES];
    let mut templates: Vec<Template> = models
        .iter()
        .zip(resources)
        .flat_map(|(model, routes)| {
            routes.iter().map(|route| Template {
                method: route.action.method,
                path: route.action.path.to_string(),
                resource: Some((route, model.plural.to_string())),
            })
        })
        .collect();
    let discovery = crate::discovery::Discovery::new(models.iter());
    let mut others: Vec<String> = discovery.paths().map(str::to_string).collect();
    others.extend(
        [
            "/openapi/v3",
            "/openapi/v3/api/v1",
            "/openapi/v3/apis/demo.krest.dev/v1",
            "/healthz",
            "/livez",
            "/readyz",
            "/version",
            "/metrics",
            // A user route with a trailing wildcard, as `ServerBuilder::route` allows.
            "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/proxy/{path:*}",
        ]
        .map(str::to_string),
    );
    templates.extend(others.into_iter().map(|path| Template {
        method: Method::Get,
        path,
        resource: None,
    }));
    let mut router = Router::new();
    for template in &templates {
        router
            .insert(template.method, &template.path)
            .expect("the k8s routes build");
    }
    (router, templates)
}

/// `METHOD path?query` into the router and the request-info parser: what matches must be the
/// template with the captures put back, a path answers the same methods whatever the method
/// asked, and what the authorizer is told (`RequestInfo`) is what the handler serves.
pub fn request_path(input: &[u8]) {
    let (method, rest) = split_once(input, b' ').unwrap_or((b"GET", input));
    let method = String::from_utf8_lossy(method);
    let (path, query) = match split_once(rest, b'?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let path = String::from_utf8_lossy(path);
    let query = query.map(String::from_utf8_lossy);
    check_path(&method, &path, query.as_deref());
    // What the server sees: the URI hyper parsed.
    if let Ok(uri) = http::Uri::try_from(rest) {
        if uri.path() != path || uri.query() != query.as_deref() {
            check_path(&method, uri.path(), uri.query());
        }
        check_request_info(&method, &uri);
    }
}

fn check_path(method: &str, path: &str, query: Option<&str>) {
    let info = crate::auth::RequestInfo::parse(method, path, query);
    assert_eq!(info.path, path);
    if info.is_resource_request {
        assert!(
            matches!(info.api_prefix.as_str(), "api" | "apis"),
            "{info:?}"
        );
        assert_eq!(info.parts.first(), Some(&info.resource), "{info:?}");
        let verbs = [
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
            "proxy",
            "",
        ];
        assert!(verbs.contains(&info.verb.as_str()), "{info:?}");
    }
    ROUTER.with(|(router, templates)| {
        let results: Vec<(Method, Match)> = Method::ALL
            .into_iter()
            .map(|m| (m, router.find(m, path)))
            .collect();
        if let Some(m) = Method::parse(method) {
            assert_eq!(router.find(m, path), results[m as usize].1);
        }
        if !path.starts_with('/') || path.len() > usize::from(u16::MAX) {
            assert!(
                results.iter().all(|(_, r)| *r == Match::NotFound),
                "{path:?}"
            );
            return;
        }
        let known = results.iter().any(|(_, r)| *r != Match::NotFound);
        for (method, result) in &results {
            match result {
                Match::Found {
                    route,
                    captures,
                    len,
                } => {
                    let Template {
                        method: route_method,
                        path: template,
                        ..
                    } = &templates[*route];
                    assert!(
                        route_method == method
                            || (*method == Method::Head && *route_method == Method::Get),
                        "{method} {path:?} matched {route_method} {template}"
                    );
                    let filled = fill_template(template, path, &captures[..*len]);
                    // One trailing slash is dropped; so is a second (`/api//` is `/api`), an
                    // oddity of the router (reported), harmless.
                    let once = unslash(path);
                    assert!(
                        filled == once || filled == unslash(once),
                        "{method} {path:?} matched {template} as {filled:?}"
                    );
                }
                Match::MethodNotAllowed(allowed) => {
                    assert!(!allowed.is_empty(), "{path:?}");
                    assert!(!allowed.contains(method), "{method} {path:?} {allowed:?}");
                    let head_as_get = *method == Method::Head && allowed.contains(&Method::Get);
                    assert!(!head_as_get, "{path:?}: HEAD is not answered as GET");
                }
                Match::NotFound => assert!(!known, "{method} {path:?}: a path known to others"),
            }
        }
        // A trailing slash names the same resource.
        if !path.ends_with('/') && path.len() < usize::from(u16::MAX) {
            let slashed = format!("{path}/");
            for (method, result) in &results {
                assert_eq!(router.find(*method, &slashed), *result, "{slashed:?}");
            }
        }
    });
}

/// A request the router gives to a resource route is authorized as what that route serves:
/// the same resource, subresource, namespace, name and verb (`list` or `watch` for a LIST route,
/// as the handler reads `?watch`).
fn check_request_info(method: &str, uri: &http::Uri) {
    let Some(m) = Method::parse(method) else {
        return;
    };
    let path = uri.path();
    ROUTER.with(|(router, templates)| {
        let Match::Found {
            route,
            captures,
            len,
        } = router.find(m, path)
        else {
            return;
        };
        let Some((resource, plural)) = &templates[route].resource else {
            return;
        };
        let action = &resource.action;
        let info = crate::auth::RequestInfo::parse(method, path, uri.query());
        let line = format!("{method} {uri}: {info:?}");
        assert!(info.is_resource_request, "{line}");
        assert_eq!(info.resource, *plural, "{line}");
        assert_eq!(
            info.subresource,
            action.subresource.as_deref().unwrap_or(""),
            "{line}"
        );
        let params = action
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'));
        for (param, &(start, end)) in params.zip(&captures[..len]) {
            // What `Call::param` gives the handler.
            let value = percent_decode(&path[usize::from(start)..usize::from(end)]);
            match param {
                "namespace" => assert_eq!(info.namespace, value, "{line}"),
                "name" => assert_eq!(info.name, value, "{line}"),
                _ => {}
            }
        }
        let query = crate::query::Query::of(uri);
        let expected = match action.kube_verb.map(|v| v.as_str()) {
            Some("list") if query.flag("watch") => "watch",
            Some(verb) => verb,
            None => return,
        };
        // `?watch=f` once was `list` to the authorizer and a watch to the handler (corpus seed
        // request_path/watch-go-false).
        assert_eq!(info.verb, expected, "{line}: served as {expected}");
    });
}

/// `%XX` decoded, malformed escapes left as they are, as `Call::param` decodes a capture.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or_default());
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path` without its trailing slash, unless it is `/`.
fn unslash(path: &str) -> &str {
    path.strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path)
}

/// The template with each parameter replaced by its capture from `path`.
fn fill_template(template: &str, path: &str, captures: &[(u16, u16)]) -> String {
    let mut captures = captures.iter();
    let mut out = String::new();
    for segment in template.split('/').skip(1) {
        out.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                let &(start, end) = captures.next().expect("a capture per parameter");
                let text = path
                    .get(usize::from(start)..usize::from(end))
                    .expect("captures are in bounds, on character boundaries");
                assert!(!text.is_empty(), "empty capture for {param} in {path:?}");
                if !param.ends_with(":*") {
                    assert!(!text.contains('/'), "{param} captured {text:?}");
                }
                out.push_str(text);
            }
            None => out.push_str(segment),
        }
    }
    assert!(captures.next().is_none(), "more captures than parameters");
    if out.is_empty() {
        out.push('/');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// server_request, continue_token, json_patch: whole requests through `Server::handle`

/// A fresh server (memory store, Widget, Gadget, Namespaces) and the runtime to drive it.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    server: Server,
}

/// What came back.
struct Reply {
    code: u16,
    body: Bytes,
}

impl Fixture {
    /// A server holding namespaces `default` and `other`, widgets `w1`, `w2`, `w3` in
    /// `default` (`w1` with a status), `w9` in `other`, and gadget `g1`.
    fn new() -> Fixture {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime");
        let server = Server::builder()
            .namespaces()
            .resource::<Widget>()
            .resource::<Gadget>()
            .build()
            .expect("the fuzz server builds");
        let fixture = Fixture { runtime, server };
        let widget = |name: &str, color: &str| {
            json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget",
                "metadata": {"name": name, "labels": {"app": "web", "tier": color}},
                "spec": {"color": color, "replicas": 1}})
        };
        let seeds = [
            (
                "POST",
                "/api/v1/namespaces",
                json!({"metadata": {"name": "other"}}),
            ),
            ("POST", WIDGETS, widget("w1", "red")),
            ("POST", WIDGETS, widget("w2", "blue")),
            ("POST", WIDGETS, widget("w3", "red")),
            (
                "POST",
                "/apis/demo.krest.dev/v1/namespaces/other/widgets",
                widget("w9", "green"),
            ),
            (
                "POST",
                "/apis/demo.krest.dev/v1/gadgets",
                json!({"metadata": {"name": "g1"}, "spec": {"vendor": "acme", "ports": [80]}}),
            ),
        ];
        for (method, uri, body) in seeds {
            let reply = fixture.send(request(method, uri, "application/json", body.to_string()));
            assert_eq!(reply.code, 201, "seeding {uri}: {:?}", reply.body);
        }
        let status = r#"[{"op": "add", "path": "/status", "value": {"readyReplicas": 1, "phase": "Running"}}]"#;
        let uri = format!("{WIDGETS}/w1/status");
        let reply = fixture.send(request("PATCH", &uri, JSON_PATCH, status));
        assert_eq!(reply.code, 200, "seeding w1's status: {:?}", reply.body);
        fixture
    }

    /// Sends `request`; asserts that the answer is not a 5xx, that it came in time, and that an
    /// error is a `metav1.Status` with the response's code.
    fn send(&self, request: http::Request<crate::Body>) -> Reply {
        let stream = is_watch(&request);
        let head = request.method() == http::Method::HEAD;
        let line = format!("{} {}", request.method(), request.uri());
        self.runtime.block_on(async {
            let response =
                tokio::time::timeout(Duration::from_secs(10), self.server.handle(request))
                    .await
                    .unwrap_or_else(|_| panic!("{line}: no response within 10 s"));
            let code = response.status().as_u16();
            let json = response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
            let body = read_body(response.into_body(), stream, &line).await;
            assert!(
                code < 500 || too_large_resource_version(code, &body),
                "{line}: answered {code}: {}",
                String::from_utf8_lossy(&body)
            );
            if code >= 400 && json && !head {
                let status: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
                    panic!("{line}: the {code} body is not JSON ({e}): {body:?}")
                });
                assert_eq!(status["kind"], "Status", "{line}: {status}");
                assert_eq!(status["code"], code, "{line}: {status}");
            }
            Reply { code, body }
        })
    }
}

/// The one 5xx Kubernetes answers a client's mistake with: 504 `Timeout` for a
/// `resourceVersion` (or a continue token's) newer than the store's, with cause
/// `ResourceVersionTooLarge` and `Retry-After`, as kube-apiserver's `NewTooLargeResourceVersionError`.
fn too_large_resource_version(code: u16, body: &[u8]) -> bool {
    let status: Value = serde_json::from_slice(body).unwrap_or_default();
    code == 504 && status["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
}

/// Reads a response body: whole, or, for a watch stream, what comes within 20 ms.
async fn read_body(mut body: crate::Body, stream: bool, line: &str) -> Bytes {
    if !stream {
        let collected = tokio::time::timeout(Duration::from_secs(10), body.collect())
            .await
            .unwrap_or_else(|_| panic!("{line}: the body did not end within 10 s"));
        return match collected {
            Ok(collected) => collected.to_bytes(),
            Err(e) => panic!("{line}: the body failed: {e}"),
        };
    }
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(20);
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, body.frame()).await {
        match frame {
            Ok(frame) => out.extend_from_slice(frame.data_ref().map_or(&[][..], |d| &d[..])),
            Err(e) => panic!("{line}: the watch stream failed: {e}"),
        }
    }
    out.into()
}

fn is_watch<B>(request: &http::Request<B>) -> bool {
    request.uri().path().contains("/watch/") || crate::query::Query::of(request.uri()).flag("watch")
}

const JSON_PATCH: &str = "application/json-patch+json";

fn request(
    method: &str,
    uri: &str,
    content_type: &str,
    body: impl Into<Bytes>,
) -> http::Request<crate::Body> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(crate::response::full(body))
        .expect("a valid request")
}

/// One request, written as HTTP/1 writes it (without the version): it must not get a 5xx.
/// Inputs hyper would refuse before krest sees them (a bad method or URI) are skipped, as are
/// header lines that are not valid headers.
pub fn server_request(input: &[u8]) {
    let Some(request) = parse_request(input) else {
        return;
    };
    on_worker_stack(|| {
        Fixture::new().send(request);
    });
}

fn parse_request(input: &[u8]) -> Option<http::Request<crate::Body>> {
    let (head, body) = match find(input, b"\r\n\r\n") {
        Some(at) => (&input[..at], &input[at + 4..]),
        None => match find(input, b"\n\n") {
            Some(at) => (&input[..at], &input[at + 2..]),
            None => (input, &[][..]),
        },
    };
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let (method, target) = split_once(lines.next()?, b' ')?;
    let mut builder = http::Request::builder()
        .method(http::Method::from_bytes(method).ok()?)
        .uri(http::Uri::try_from(target).ok()?);
    for line in lines {
        let Some((name, value)) = split_once(line, b':') else {
            continue;
        };
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            builder = builder.header(name, value);
        }
    }
    let request = builder
        .body(crate::response::full(Bytes::copy_from_slice(body)))
        .ok()?;
    // hyper answers these itself.
    (request.uri().path().starts_with('/')).then_some(request)
}

/// A `continue` token on a paged list of `default`'s widgets: a 200 lists only that namespace,
/// anything else is a 400, a 410 or (a revision past the store's) a 504.
pub fn continue_token(input: &[u8]) {
    on_worker_stack(|| list_after(input));
}

fn list_after(input: &[u8]) {
    let fixture = Fixture::new();
    let uri = format!("{WIDGETS}?limit=2&continue={}", percent_encode(input));
    let reply = fixture.send(request("GET", &uri, "application/json", ""));
    match reply.code {
        200 => {
            let list: Value = serde_json::from_slice(&reply.body).expect("a JSON list");
            for item in list["items"].as_array().expect("items") {
                assert_eq!(
                    item["metadata"]["namespace"], "default",
                    "{input:?} escaped its collection: {item}"
                );
            }
        }
        400 | 410 | 504 => {}
        code => panic!("{input:?}: unexpected {code}: {:?}", reply.body),
    }
}

/// A JSON patch of widget `w1`, as `kubectl patch --type=json` sends it: more than 10,000
/// operations are refused (413), and a patch the handler accepts is one krest's JSON patch
/// (kube-apiserver's semantics) applies to the object.
pub fn json_patch(input: &[u8]) {
    patch_widget(input);
}

/// The `json_patch` target, answering the PATCH's status code.
pub fn patch_widget(input: &[u8]) -> u16 {
    on_worker_stack(|| patch_w1(input))
}

fn patch_w1(input: &[u8]) -> u16 {
    let fixture = Fixture::new();
    let uri = format!("{WIDGETS}/w1");
    let before = fixture.send(request("GET", &uri, "application/json", ""));
    let reply = fixture.send(request(
        "PATCH",
        &uri,
        JSON_PATCH,
        Bytes::copy_from_slice(input),
    ));
    let operations = serde_json::from_slice::<Value>(input)
        .ok()
        .and_then(|v| v.as_array().map(Vec::len));
    if operations.is_some_and(|n| n > 10_000) {
        assert_eq!(reply.code, 413, "a patch of more than 10,000 operations");
        return reply.code;
    }
    if reply.code == 200 {
        // As the handler reads it: a JSON value first (the last of duplicate keys wins).
        let value: Value = serde_json::from_slice(input).expect("an accepted patch is JSON");
        let patch = crate::patch::JsonPatch::parse(value).expect("an accepted patch parses");
        let mut object: Value = serde_json::from_slice(&before.body).expect("w1 is JSON");
        patch
            .apply(&mut object, crate::request_body::MAX_BODY_BYTES)
            .expect("an accepted patch applies");
        let after = fixture.send(request("GET", &uri, "application/json", ""));
        let answered: Value = serde_json::from_slice(&reply.body).expect("a JSON object");
        let stored: Value = serde_json::from_slice(&after.body).expect("a JSON object");
        assert_eq!(stored, answered, "the stored object is the one answered");
    }
    reply.code
}

// ---------------------------------------------------------------------------------------------
// body_decode

/// A request body as every decoder reads it: JSON (with duplicate fields noted), YAML, merge
/// patch, strategic merge patch, JSON patch, protobuf Namespace and review kinds.
pub fn body_decode(input: &[u8]) {
    on_worker_stack(|| decode_body(input));
}

fn decode_body(input: &[u8]) {
    json_body(input);
    if let Ok(value) = crate::yaml::from_slice(input) {
        check_yaml_round_trip(&value);
    }
    patches(input);
    if let Ok(namespace) = crate::builtin::namespace::from_protobuf(input) {
        assert_eq!(namespace["kind"], "Namespace", "{namespace}");
        // The typed round trip a create makes next.
        let _ = crate::decode::Decoder::of::<crate::Namespace>().canonical(&namespace);
    }
    for review in crate::builtin::reviews::RESOURCES {
        if let Ok(object) = crate::builtin::reviews::protobuf::review_to_json(input, review.kind) {
            assert_eq!(object["kind"], review.kind, "{object:?}");
        }
    }
}

/// The duplicate-noting JSON parser accepts what `serde_json` accepts, builds the same value,
/// and a printed value parses back to itself without duplicates.
fn json_body(input: &[u8]) {
    let plain = serde_json::from_slice::<Value>(input);
    match crate::json::parse(input) {
        Ok((value, duplicates)) => {
            assert_eq!(Some(&value), plain.as_ref().ok(), "serde_json disagrees");
            let printed = serde_json::to_vec(&value).expect("a value prints");
            let (again, none) = crate::json::parse(&printed).expect("printed JSON parses");
            assert!(
                same(&again, &value),
                "{value} printed and parsed is {again}"
            );
            assert!(none.is_empty(), "duplicates in printed JSON: {none:?}");
            check_yaml_round_trip(&value);
            if duplicates.is_empty() {
                return;
            }
            assert!(value.is_object() || value.is_array(), "{duplicates:?}");
        }
        Err(_) => assert!(
            plain.is_err(),
            "serde_json accepts what json::parse refuses"
        ),
    }
}

/// A merge patch applied twice is applied once; a strategic merge patch of a Namespace leaves
/// an object; a JSON patch parses and applies without panicking.
fn patches(input: &[u8]) {
    let Ok(patch) = serde_json::from_slice::<Value>(input) else {
        return;
    };
    let object = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "w1", "namespace": "default", "labels": {"app": "web"},
            "finalizers": ["a"], "ownerReferences": [{"uid": "u1", "name": "o"}]},
        "spec": {"color": "red", "replicas": 1, "list": [1, 2]},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    if patch.is_object() {
        let mut once = object.clone();
        crate::patch::merge(&mut once, &patch);
        let mut twice = once.clone();
        crate::patch::merge(&mut twice, &patch);
        assert_eq!(once, twice, "a merge patch is idempotent");

        let mut namespace = object.clone();
        crate::builtin::namespace::strategic_merge(&mut namespace, &patch);
        if patch.get("$patch").is_none() {
            assert!(namespace.is_object(), "{patch} made {namespace}");
        }
        let _ = crate::decode::Decoder::of::<crate::Namespace>().canonical(&namespace);
    }
    if let Ok(operations) = crate::patch::JsonPatch::parse(patch) {
        let mut target = object;
        // A patch that fails leaves a document the caller discards; either way no panic, and
        // the copies stay within the bound.
        let _ = operations.apply(&mut target, 64 * 1024);
    }
}

/// A YAML value prints as YAML that parses back to itself: krest answers in YAML what it read
/// as JSON or YAML, and kubectl reads it.
fn check_yaml_round_trip(value: &Value) {
    let text = crate::yaml::to_string(value).unwrap_or_else(|e| panic!("{value} prints: {e}"));
    // Aliases expand when printed: past the body limit, parsing it again may fairly fail. So
    // may JSON nested deeper (up to serde_json's 128) than the YAML reader's limit of 64.
    if text.len() > 1024 * 1024 || depth(value) > 64 {
        return;
    }
    let again = crate::yaml::from_slice(text.as_bytes())
        .unwrap_or_else(|e| panic!("{value} printed as {text:?} does not parse: {e}"));
    assert!(
        same(&again, value),
        "{value} printed as {text:?} parses as {again}"
    );
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(fields) => 1 + fields.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Equal JSON values, floats within a few ulps (printing and parsing floats may round).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15,
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// selectors

/// A label selector: what parses prints in a canonical form that parses back to the same
/// selector, and matching does not panic.
pub fn label_selector(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let Ok(selector) = LabelSelector::parse(&text) else {
        return;
    };
    let printed = selector.to_string();
    let again = LabelSelector::parse(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} does not parse: {e}"));
    assert_eq!(again, selector, "{text:?} printed as {printed:?}");
    assert_eq!(again.to_string(), printed);
    let labels: serde_json::Map<String, Value> = selector
        .requirements()
        .iter()
        .filter_map(|r| Some((r.key().to_string(), json!(r.values().first()?))))
        .collect();
    let _ = selector.matches_object(&json!({"metadata": {"labels": labels}}));
}

/// A field selector: as for labels, and the checks a list makes do not panic.
pub fn field_selector(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let Ok(selector) = FieldSelector::parse(&text) else {
        return;
    };
    let printed = selector.to_string();
    let again = FieldSelector::parse(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} does not parse: {e}"));
    assert_eq!(again, selector, "{text:?} printed as {printed:?}");
    assert_eq!(again.to_string(), printed);
    let _ = selector.check_fields(&["metadata.name", "metadata.namespace"]);
    let object = json!({"metadata": {"name": selector.exact_name().unwrap_or("a"),
        "namespace": "default"}, "spec": {"replicas": 2, "on": true}});
    let _ = selector.matches(&object);
}

// ---------------------------------------------------------------------------------------------
// helpers

/// Runs `f` on a thread with the stack of a tokio worker (2 MiB), where the server runs
/// handlers, rather than on the fuzzer's larger main stack: a recursion that would overflow a
/// worker, and so abort the server, aborts here too.
fn on_worker_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn_scoped(scope, f)
            .expect("a worker thread");
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn split_once(bytes: &[u8], at: u8) -> Option<(&[u8], &[u8])> {
    let i = bytes.iter().position(|b| *b == at)?;
    Some((&bytes[..i], &bytes[i + 1..]))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every byte but the unreserved ones as `%XX`, so the query decodes back to `bytes`.
fn percent_encode(bytes: &[u8]) -> Cow<'_, str> {
    if bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(b))
    {
        return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
    }
    let mut out = String::with_capacity(bytes.len() * 3);
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
            out.push(char::from(*b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}
