//! The server around the handlers: discovery, custom routes, filters, recovery, metrics, health,
//! and the build-time checks.

#![allow(missing_docs)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use krest::codegen::Method;
use krest::{Resource, Server, Status};
use serde_json::json;

#[tokio::test]
async fn discovery_documents() {
    let s = server();
    let api = get(&s, "/api").await;
    assert_eq!(api.body["kind"], "APIVersions");
    assert_eq!(api.body["versions"], json!(["v1"]));
    let core = get(&s, "/api/v1").await;
    assert_eq!(
        core.body["resources"][0]["name"], "events",
        "the built-in core Event"
    );
    let apis = get(&s, "/apis").await;
    assert_eq!(apis.body["kind"], "APIGroupList");
    // The review kinds' and the Lease's groups, which every server serves, then the resources'
    // own.
    let names: Vec<&str> = apis.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "authentication.k8s.io",
            "authorization.k8s.io",
            "coordination.k8s.io",
            "demo.krest.dev",
            "events.k8s.io"
        ]
    );
    assert_eq!(
        apis.body["groups"][3]["preferredVersion"]["groupVersion"],
        "demo.krest.dev/v1"
    );
    let group = get(&s, "/apis/demo.krest.dev").await;
    assert_eq!(group.body["kind"], "APIGroup");
    let list = get(&s, "/apis/demo.krest.dev/v1?timeout=32s").await;
    assert_eq!(list.body["groupVersion"], "demo.krest.dev/v1");
    let resources = list.body["resources"].as_array().unwrap();
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["widgets", "widgets/status", "widgets/scale", "gadgets"]
    );
    let widgets = &resources[0];
    assert_eq!(widgets["singularName"], "widget");
    assert_eq!(widgets["namespaced"], true);
    assert_eq!(widgets["shortNames"], json!(["wd"]));
    assert_eq!(widgets["categories"], json!(["all"]));
    assert_eq!(
        widgets["verbs"],
        json!([
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch"
        ])
    );
    assert_eq!(widgets["storageVersionHash"].as_str().unwrap().len(), 12);
    assert_eq!(resources[2]["kind"], "Scale");
    assert_eq!(resources[2]["group"], "autoscaling");
    assert_eq!(resources[1]["verbs"], json!(["get", "patch", "update"]));
    assert_eq!(resources[3]["namespaced"], false);
}

#[tokio::test]
async fn aggregated_discovery_when_asked() {
    let s = server();
    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let apis = send(&s, "GET", "/apis", &[("accept", accept)], None).await;
    assert_eq!(
        apis.headers["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    assert_eq!(apis.body["kind"], "APIGroupDiscoveryList");
    assert_eq!(
        apis.body["items"][2]["metadata"]["name"],
        "coordination.k8s.io"
    );
    assert_eq!(apis.body["items"][3]["metadata"]["name"], "demo.krest.dev");
    let version = &apis.body["items"][3]["versions"][0];
    assert_eq!(version["version"], "v1");
    assert_eq!(version["freshness"], "Current");
    let widgets = &version["resources"][0];
    assert_eq!(widgets["resource"], "widgets");
    assert_eq!(widgets["scope"], "Namespaced");
    assert_eq!(
        widgets["responseKind"],
        json!({"group": "demo.krest.dev", "version": "v1", "kind": "Widget"})
    );
    assert_eq!(widgets["subresources"][1]["responseKind"]["kind"], "Scale");
    let core = send(&s, "GET", "/api", &[("accept", accept)], None).await;
    let core_resources = &core.body["items"][0]["versions"][0]["resources"];
    assert_eq!(
        core_resources[0]["resource"], "events",
        "the built-in core Event is the only core resource"
    );
    assert_eq!(core_resources.as_array().unwrap().len(), 1);
    let legacy = get(&s, "/apis").await;
    assert_eq!(legacy.body["kind"], "APIGroupList");
}

#[tokio::test]
async fn health_version_and_metrics() {
    let s = server();
    for path in ["/healthz", "/livez", "/readyz"] {
        let r = get(&s, path).await;
        assert_eq!((r.code, r.text.as_str()), (200, "ok"));
    }
    let v = get(&s, "/version").await;
    assert_eq!(v.body["major"], "1");
    assert!(v.body["gitVersion"].as_str().unwrap().starts_with("v1."));
    get(&s, WIDGETS).await;
    get(&s, &format!("{WIDGETS}/missing")).await;
    let m = get(&s, "/metrics").await;
    assert!(m.text.contains(
        "apiserver_request_total{code=\"200\",component=\"apiserver\",group=\"demo.krest.dev\",resource=\"widgets\",scope=\"namespace\",subresource=\"\",verb=\"LIST\",version=\"v1\"} 1"
    ), "{}", m.text);
    assert!(m.text.contains("apiserver_request_total{code=\"404\""));
    assert!(m
        .text
        .contains("apiserver_request_duration_seconds_bucket{"));
    assert!(m.text.contains("apiserver_current_inflight_requests"));
}

#[tokio::test]
async fn custom_routes_with_parameters_and_panics() {
    let s = Server::builder()
        .resource::<common::Widget>()
        .route(Method::Get, "/hello", |_call| async {
            Ok(http::Response::new(krest::Body::default()))
        })
        .route(Method::Get, "/files/{dir}/{path:*}", |call| async move {
            let text = format!(
                "{}|{}",
                call.param("dir").unwrap(),
                call.param("path").unwrap()
            );
            let mut response = http::Response::new(krest::Body::default());
            response
                .headers_mut()
                .insert("x-params", http::HeaderValue::from_str(&text).unwrap());
            Ok(response)
        })
        .route(Method::Get, "/boom", |_call| async {
            if true {
                panic!("deliberate");
            }
            Err::<http::Response<krest::Body>, Status>(Status::internal("unreachable"))
        })
        // A handler that panics when called, before it returns a future.
        .route(Method::Get, "/boom-at-once", |_call| {
            if true {
                panic!("called and panicked");
            }
            async { Ok(http::Response::new(krest::Body::default())) }
        })
        .build()
        .unwrap();
    assert_eq!(get(&s, "/hello").await.code, 200);
    let files = get(&s, "/files/a/b/c%20d").await;
    assert_eq!(files.headers["x-params"], "a|b/c d");
    let boom = get(&s, "/boom").await;
    assert_eq!((boom.code, boom.reason()), (500, "InternalError"));
    assert!(boom.body["message"]
        .as_str()
        .unwrap()
        .contains("deliberate"));
    let at_once = get(&s, "/boom-at-once").await;
    assert_eq!(at_once.code, 500);
    assert!(at_once.body["message"]
        .as_str()
        .unwrap()
        .contains("called and panicked"));
    assert_eq!(
        get(&s, "/hello").await.code,
        200,
        "the server keeps serving after a panic"
    );
}

#[derive(Clone)]
struct CountLayer(Arc<AtomicUsize>);

#[derive(Clone)]
struct Counted<S> {
    inner: S,
    count: Arc<AtomicUsize>,
}

impl<S> tower::Layer<S> for CountLayer {
    type Service = Counted<S>;

    fn layer(&self, inner: S) -> Counted<S> {
        Counted {
            inner,
            count: self.0.clone(),
        }
    }
}

impl<S, R> tower::Service<R> for Counted<S>
where
    S: tower::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> S::Future {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.call(request)
    }
}

#[tokio::test]
async fn filters_at_three_levels() {
    let (server_wide, group, route) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let s = Server::builder()
        .resource::<common::Widget>()
        .resource::<Gadget>()
        .layer(CountLayer(server_wide.clone()))
        .group_version_layer("demo.krest.dev/v1", CountLayer(group.clone()))
        .route_layer("readDemoKrestDevV1Gadget", CountLayer(route.clone()))
        .build()
        .unwrap();
    get(&s, WIDGETS).await;
    get(&s, &format!("{GADGETS}/x")).await;
    get(&s, "/healthz").await;
    assert_eq!(server_wide.load(Ordering::SeqCst), 3);
    assert_eq!(group.load(Ordering::SeqCst), 2);
    assert_eq!(route.load(Ordering::SeqCst), 1);
    assert_eq!(
        get(&s, &format!("{GADGETS}/x")).await.code,
        404,
        "filtered routes still reach their handler"
    );
}

#[derive(Resource, schemars::JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    kind = "Widget",
    plural = "widgets"
)]
pub struct OtherWidgetSpec {
    pub x: String,
}

#[derive(Resource, schemars::JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[resource(group = "other.krest.dev", version = "v1", short_names("wd"))]
pub struct SprocketSpec {
    pub x: String,
}

#[test]
fn build_rejects_duplicates() {
    let dup = Server::builder()
        .resource::<common::Widget>()
        .resource::<Widget>()
        .build();
    assert!(
        matches!(dup, Err(krest::BuildError::DuplicateResource(_))),
        "{:?}",
        dup.err()
    );
    let short = Server::builder()
        .resource::<common::Widget>()
        .resource::<Sprocket>()
        .build();
    match short {
        Err(krest::BuildError::DuplicateShortName { name, .. }) => assert_eq!(name, "wd"),
        other => panic!("expected a short-name clash, got {:?}", other.err()),
    }
}

#[derive(Resource, schemars::JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[resource(
    group = "logs.krest.dev",
    version = "v1",
    subresource(name = "logs", methods(GET, POST), subpath, handler = widget_logs)
)]
pub struct LoggerSpec {
    pub x: String,
}

/// Streams three lines naming the object and the subpath.
async fn widget_logs(call: krest::Call) -> Result<http::Response<krest::Body>, Status> {
    let name = call.name().unwrap_or_default().into_owned();
    let sub = call
        .param("path")
        .map(|p| p.into_owned())
        .unwrap_or_default();
    let (tx, body) = krest::streaming_body(4);
    tokio::spawn(async move {
        for i in 0..3 {
            let _ = tx
                .send(bytes::Bytes::from(format!("{name}{sub}:{i}\n")))
                .await;
        }
    });
    Ok(http::Response::new(body))
}

#[tokio::test]
async fn connect_subresources_stream() {
    let s = Server::builder().resource::<Logger>().build().unwrap();
    let base = "/apis/logs.krest.dev/v1/namespaces/ns/loggers/a/logs";
    let r = get(&s, base).await;
    assert_eq!((r.code, r.text.as_str()), (200, "a:0\na:1\na:2\n"));
    let deep = get(&s, &format!("{base}/x/y")).await;
    assert_eq!(deep.text, "ax/y:0\nax/y:1\nax/y:2\n");
    let post = send(&s, "POST", base, &[], None).await;
    assert_eq!(post.code, 200);
    let put = send(&s, "PUT", base, &[], None).await;
    assert_eq!((put.code, put.reason()), (405, "MethodNotAllowed"));
    let ops: Vec<&str> = Logger::ROUTES
        .iter()
        .filter(|r| r.action.subresource.is_some())
        .map(|r| &*r.action.operation_id)
        .collect();
    assert_eq!(
        ops,
        [
            "connectLogsKrestDevV1GetNamespacedLoggerLogs",
            "connectLogsKrestDevV1PostNamespacedLoggerLogs",
            "connectLogsKrestDevV1GetNamespacedLoggerLogsWithPath",
            "connectLogsKrestDevV1PostNamespacedLoggerLogsWithPath",
        ]
    );
}

#[tokio::test]
async fn ops_on_a_second_container() {
    let api = Server::builder()
        .resource::<common::Widget>()
        .without_ops()
        .build()
        .unwrap();
    let ops = api.ops().unwrap();
    assert_eq!(
        get(&api, "/healthz").await.code,
        404,
        "the API port serves no ops routes"
    );
    get(&api, WIDGETS).await;
    assert_eq!(get(&ops, "/readyz").await.code, 200);
    assert_eq!(
        get(&ops, WIDGETS).await.code,
        404,
        "the ops port serves no resources"
    );
    let metrics = get(&ops, "/metrics").await;
    assert!(
        metrics.text.contains("resource=\"widgets\""),
        "the ops port reports the API's metrics: {}",
        metrics.text
    );
}
