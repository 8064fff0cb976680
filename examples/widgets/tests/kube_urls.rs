//! Every request kube-rs builds for the example kinds lands on exactly one generated route, with
//! the right HTTP method and Kubernetes verb.
//!
//! The requests come from `kube_core::Request`, the builder behind `kube::Api`, on the URL path
//! `kube_core::Resource::url_path` gives for the kind. The route tables are `Widget::ROUTES` and
//! `Gadget::ROUTES`; no server runs.

use kube_core::params::{
    DeleteParams, GetParams, ListParams, Patch, PatchParams, PostParams, WatchParams,
};
use kube_core::{ApiResource, DynamicObject, GroupVersionKind, Request, Resource as KubeResource};
use serde_json::json;

use krest::codegen::{ActionVerb, ResourceModel, Verb};
use krest::{Resource, Route};
use krest_example_widgets::{Gadget, Widget};

/// The URL path kube-rs uses for a kind, in a namespace or across all of them (cluster-scoped
/// kinds: `None`).
fn url_path(model: &ResourceModel, namespace: Option<&str>) -> String {
    let gvk = GroupVersionKind::gvk(&model.group, &model.version, &model.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, &model.plural);
    DynamicObject::url_path(&resource, namespace)
}

/// Whether `path` fits a route template: `{x}` matches one non-empty segment, `{x:*}` one or
/// more remaining segments, anything else itself.
fn matches(template: &str, path: &str) -> bool {
    let mut path = path.split('/');
    for want in template.split('/') {
        if want.starts_with('{') && want.ends_with(":*}") {
            let rest: Vec<&str> = path.by_ref().collect();
            return !rest.is_empty() && rest.iter().all(|s| !s.is_empty());
        }
        match path.next() {
            Some(got) if want.starts_with('{') && want.ends_with('}') => {
                if got.is_empty() {
                    return false;
                }
            }
            Some(got) if got == want => {}
            _ => return false,
        }
    }
    path.next().is_none()
}

/// The query string as pairs (kube-rs only sends plain ASCII values here).
fn query_pairs(query: &str) -> Vec<(&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect()
}

/// A query boolean as kube-apiserver decodes it: only `0` and `false` (any case) are false.
fn truthy(value: &str) -> bool {
    !(value == "0" || value.eq_ignore_ascii_case("false"))
}

/// The routes of every example kind, labelled by kind.
fn all_routes() -> Vec<(&'static str, &'static Route)> {
    Widget::ROUTES
        .iter()
        .map(|r| ("Widget", r))
        .chain(Gadget::ROUTES.iter().map(|r| ("Gadget", r)))
        .collect()
}

/// The routes of every example kind that `request` matches (path and method).
fn matching_routes(request: &http::Request<Vec<u8>>) -> Vec<(&'static str, &'static Route)> {
    let path = request.uri().path();
    all_routes()
        .into_iter()
        .filter(|(_, r)| {
            r.action.method.as_str() == request.method().as_str() && matches(&r.action.path, path)
        })
        .collect()
}

/// Checks that `request` (built by kube-rs) is served by exactly one route, of `kind`, for
/// `subresource`, and that the request means `verb` there.
#[track_caller]
fn assert_served(
    request: &http::Request<Vec<u8>>,
    kind: &str,
    subresource: Option<&str>,
    verb: Verb,
) {
    let shown = format!("{} {}", request.method(), request.uri());
    let found = matching_routes(request);
    let [(found_kind, route)] = found.as_slice() else {
        let paths: Vec<String> = found
            .iter()
            .map(|(k, r)| format!("{k}: {} {}", r.action.method, r.action.path))
            .collect();
        panic!(
            "{shown} must match exactly one route, matched {}: {paths:#?}",
            found.len()
        );
    };
    let action = &route.action;
    assert_eq!(*found_kind, kind, "{shown} is served by the wrong kind");
    assert_eq!(
        action.subresource.as_deref(),
        subresource,
        "{shown} is served by {} {}",
        action.method,
        action.path
    );

    let query = query_pairs(request.uri().query().unwrap_or(""));
    let watching = query.iter().any(|(k, v)| *k == "watch" && truthy(v));
    let effective = if action.verb == ActionVerb::List && watching {
        Some(Verb::Watch)
    } else {
        action.kube_verb
    };
    assert_eq!(
        effective,
        Some(verb),
        "{shown} is served by {} {} ({})",
        action.method,
        action.path,
        action.operation_id
    );

    // Every parameter kube-rs sends is one the route documents (section 2.3 of the reference);
    // a plain GET also decodes `GetOptions.resourceVersion`, which OpenAPI does not list.
    for (key, _) in &query {
        let documented = action.params.iter().any(|p| p.as_str() == *key);
        let get_options = action.verb == ActionVerb::Get && *key == "resourceVersion";
        assert!(
            documented || get_options,
            "{shown}: `{key}` is not a parameter of {} ({})",
            action.operation_id,
            action.verb
        );
    }
}

#[track_caller]
fn assert_unserved(request: &http::Request<Vec<u8>>) {
    let found = matching_routes(request);
    assert!(
        found.is_empty(),
        "{} {} must match no route, matched {:?}",
        request.method(),
        request.uri(),
        found
            .iter()
            .map(|(_, r)| r.action.operation_id.to_string())
            .collect::<Vec<_>>()
    );
}

fn merge() -> Patch<serde_json::Value> {
    Patch::Merge(json!({"spec": {"replicas": 3}}))
}

fn apply() -> Patch<serde_json::Value> {
    Patch::Apply(json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget"}))
}

fn body() -> Vec<u8> {
    br#"{"apiVersion":"demo.krest.dev/v1"}"#.to_vec()
}

/// Names and namespaces, including ones spelled like the routes' literal segments.
const PLACES: [(&str, &str); 3] = [
    ("default", "a"),
    ("watch", "status"),
    ("namespaces", "scale"),
];

#[test]
fn widget_requests_in_a_namespace() {
    for (namespace, name) in PLACES {
        let r = Request::new(url_path(&Widget::MODEL, Some(namespace)));
        let lp = ListParams::default().labels("app=web").limit(10);
        let wp = WatchParams::default().labels("app=web").timeout(30);
        let pp = PostParams::default();
        let dp = DeleteParams::background().grace_period(5);

        let served = [
            (r.list(&lp).unwrap(), None, Verb::List),
            (
                r.list(&ListParams::default().match_any()).unwrap(),
                None,
                Verb::List,
            ),
            (r.watch(&wp, "0").unwrap(), None, Verb::Watch),
            (
                r.watch(&WatchParams::default().initial_events(), "")
                    .unwrap(),
                None,
                Verb::Watch,
            ),
            (r.get(name, &GetParams::default()).unwrap(), None, Verb::Get),
            (r.get(name, &GetParams::any()).unwrap(), None, Verb::Get),
            (r.create(&pp, body()).unwrap(), None, Verb::Create),
            (r.replace(name, &pp, body()).unwrap(), None, Verb::Update),
            (
                r.patch(name, &PatchParams::default(), &merge()).unwrap(),
                None,
                Verb::Patch,
            ),
            (
                r.patch(name, &PatchParams::apply("krest-test").force(), &apply())
                    .unwrap(),
                None,
                Verb::Patch,
            ),
            (r.delete(name, &dp).unwrap(), None, Verb::Delete),
            (
                r.delete_collection(&DeleteParams::default(), &lp).unwrap(),
                None,
                Verb::DeleteCollection,
            ),
            (
                r.get_subresource("status", name).unwrap(),
                Some("status"),
                Verb::Get,
            ),
            (
                r.replace_subresource("status", name, &pp, body()).unwrap(),
                Some("status"),
                Verb::Update,
            ),
            (
                r.patch_subresource("status", name, &PatchParams::default(), &merge())
                    .unwrap(),
                Some("status"),
                Verb::Patch,
            ),
            (
                r.get_subresource("scale", name).unwrap(),
                Some("scale"),
                Verb::Get,
            ),
            (
                r.replace_subresource("scale", name, &pp, body()).unwrap(),
                Some("scale"),
                Verb::Update,
            ),
            (
                r.patch_subresource("scale", name, &PatchParams::apply("krest-test"), &apply())
                    .unwrap(),
                Some("scale"),
                Verb::Patch,
            ),
        ];
        for (request, subresource, verb) in &served {
            assert_served(request, "Widget", *subresource, *verb);
        }
    }
}

#[test]
fn widget_requests_across_all_namespaces() {
    let r = Request::new(url_path(&Widget::MODEL, None));
    assert_eq!(r.url_path, "/apis/demo.krest.dev/v1/widgets");
    let list = r.list(&ListParams::default()).unwrap();
    assert_served(&list, "Widget", None, Verb::List);
    let watch = r.watch(&WatchParams::default(), "42").unwrap();
    assert_served(&watch, "Widget", None, Verb::Watch);

    // kube-apiserver serves only list and watch without a namespace (section 1.4).
    assert_unserved(&r.create(&PostParams::default(), body()).unwrap());
    assert_unserved(&r.get("a", &GetParams::default()).unwrap());
    assert_unserved(&r.delete("a", &DeleteParams::default()).unwrap());
    assert_unserved(
        &r.delete_collection(&DeleteParams::default(), &ListParams::default())
            .unwrap(),
    );
    assert_unserved(&r.get_subresource("status", "a").unwrap());
}

#[test]
fn gadget_requests() {
    let r = Request::new(url_path(&Gadget::MODEL, None));
    assert_eq!(r.url_path, "/apis/demo.krest.dev/v1/gadgets");
    let pp = PostParams::default();
    for name in ["g", "status", "watch"] {
        let served = [
            (
                r.list(&ListParams::default().fields("metadata.name=g"))
                    .unwrap(),
                Verb::List,
            ),
            (
                r.watch(&WatchParams::default().disable_bookmarks(), "7")
                    .unwrap(),
                Verb::Watch,
            ),
            (r.get(name, &GetParams::default()).unwrap(), Verb::Get),
            (r.create(&pp, body()).unwrap(), Verb::Create),
            (r.replace(name, &pp, body()).unwrap(), Verb::Update),
            (
                r.patch(name, &PatchParams::default(), &merge()).unwrap(),
                Verb::Patch,
            ),
            (
                r.delete(name, &DeleteParams::foreground()).unwrap(),
                Verb::Delete,
            ),
            (
                r.delete_collection(&DeleteParams::default(), &ListParams::default())
                    .unwrap(),
                Verb::DeleteCollection,
            ),
        ];
        for (request, verb) in &served {
            assert_served(request, "Gadget", None, *verb);
        }
        // Gadget has neither status nor scale.
        assert_unserved(&r.get_subresource("status", name).unwrap());
        assert_unserved(
            &r.patch_subresource("scale", name, &PatchParams::default(), &merge())
                .unwrap(),
        );
    }
    // A cluster-scoped kind has no namespaced URLs.
    let namespaced = Request::new(url_path(&Gadget::MODEL, Some("default")));
    assert_unserved(&namespaced.list(&ListParams::default()).unwrap());
    assert_unserved(&namespaced.get("g", &GetParams::default()).unwrap());
}

#[test]
fn template_matcher() {
    // The matcher itself, so that a bug in it cannot hide a bug in the tables.
    let t = "/apis/g/v/namespaces/{namespace}/widgets/{name}";
    assert!(matches(t, "/apis/g/v/namespaces/ns/widgets/a"));
    assert!(!matches(t, "/apis/g/v/namespaces/ns/widgets"));
    assert!(!matches(t, "/apis/g/v/namespaces/ns/widgets/a/status"));
    assert!(!matches(t, "/apis/g/v/namespaces//widgets/a"));
    assert!(!matches(t, "/apis/g/v/namespaces/ns/gadgets/a"));
    let s = "/api/v1/nodes/{name}/proxy/{path:*}";
    assert!(matches(s, "/api/v1/nodes/n/proxy/a/b"));
    assert!(!matches(s, "/api/v1/nodes/n/proxy"));
    assert!(truthy("") && truthy("True") && truthy("1"));
    assert!(!truthy("0") && !truthy("FALSE"));
}
