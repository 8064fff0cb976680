//! Authentication, authorization, admission and limits, through the whole server (no sockets):
//! status codes, kube-apiserver's messages, and a normal request still answered afterwards.

mod common;

use std::time::{Duration, Instant};

use common::*;
use krest::admission::{MutatingAdmission, Operation, Request, ValidatingAdmission};
use krest::auth::{Rbac, TokenFile};
use krest::codegen::Method;
use krest::limits::Limits;
use krest::{Resource, Server, Status};
use serde_json::{json, Value};

const TOKENS: &str = "\
admin-token,admin,1,\"system:masters\"
jane-token,jane,2,\"dev,qa\"
bob-token,bob,3
";

const POLICY: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: widget-reader, namespace: default}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads-widgets, namespace: default}
subjects:
- {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: widget-reader, apiGroup: rbac.authorization.k8s.io}
";

fn secured(anonymous: Option<bool>) -> Server {
    let mut builder = Server::builder()
        .resource::<Widget>()
        .resource::<Gadget>()
        .tokens(TokenFile::parse(TOKENS).unwrap())
        .authorizer(Rbac::from_yaml(POLICY).unwrap());
    if let Some(anonymous) = anonymous {
        builder = builder.anonymous(anonymous);
    }
    builder.build().unwrap()
}

async fn as_user(
    server: &Server,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> Reply {
    let bearer = format!("Bearer {token}");
    let mut headers = vec![("authorization", bearer.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    send(
        server,
        method,
        uri,
        &headers,
        body.map(|b| serde_json::to_vec(&b).unwrap()),
    )
    .await
}

#[tokio::test]
async fn credentials_missing_or_wrong_get_401() {
    let s = secured(None);
    // With a token file, anonymous requests are off by default.
    let r = get(&s, WIDGETS).await;
    assert_eq!((r.code, r.reason()), (401, "Unauthorized"), "{}", r.text);
    assert_eq!(r.body["kind"], "Status");
    // A wrong token is 401 even when anonymous requests are allowed.
    let s = secured(Some(true));
    let r = as_user(&s, "nope", "GET", WIDGETS, None).await;
    assert_eq!(r.code, 401, "{}", r.text);
    let r = send(&s, "GET", WIDGETS, &[("authorization", "Bearer ")], None).await;
    assert_eq!(r.code, 401, "an empty bearer token: {}", r.text);
    // Anonymous: allowed in, then RBAC decides.
    let r = get(&s, "/version").await;
    assert_eq!(r.code, 200, "anonymous may read /version: {}", r.text);
    let r = get(&s, "/apis").await;
    assert_eq!(r.code, 403, "anonymous may not read discovery: {}", r.text);
    assert_eq!(
        r.body["message"],
        "forbidden: User \"system:anonymous\" cannot get path \"/apis\""
    );
    // And the server still answers a good request.
    let r = as_user(&s, "jane-token", "GET", WIDGETS, None).await;
    assert_eq!(r.code, 200, "{}", r.text);
}

#[tokio::test]
async fn rbac_decides_and_403_says_why_as_kube_apiserver_does() {
    let s = secured(None);
    let r = as_user(&s, "jane-token", "GET", WIDGETS, None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = as_user(&s, "jane-token", "GET", &format!("{WIDGETS}/x"), None).await;
    assert_eq!(r.code, 404, "allowed, and not there: {}", r.text);
    let r = as_user(
        &s,
        "jane-token",
        "POST",
        WIDGETS,
        Some(widget("x", "red", 1)),
    )
    .await;
    assert_eq!((r.code, r.reason()), (403, "Forbidden"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "widgets.demo.krest.dev is forbidden: User \"jane\" cannot create resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"default\""
    );
    assert_eq!(r.body["details"]["group"], "demo.krest.dev");
    assert_eq!(r.body["details"]["kind"], "widgets");
    let r = as_user(&s, "bob-token", "DELETE", &format!("{WIDGETS}/x"), None).await;
    assert_eq!(
        r.body["message"],
        "widgets.demo.krest.dev \"x\" is forbidden: User \"bob\" cannot delete resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"default\""
    );
    let r = as_user(&s, "jane-token", "GET", GADGETS, None).await;
    assert_eq!(
        r.body["message"],
        "gadgets.demo.krest.dev is forbidden: User \"jane\" cannot list resource \"gadgets\" in API group \"demo.krest.dev\" at the cluster scope"
    );
    // Watch is its own verb: list does not grant it.
    let r = as_user(
        &s,
        "jane-token",
        "GET",
        &format!("{WIDGETS}?watch=true"),
        None,
    )
    .await;
    assert_eq!(r.code, 403, "{}", r.text);
    // Discovery is open to every authenticated user; system:masters may do anything.
    let r = as_user(&s, "bob-token", "GET", "/apis/demo.krest.dev/v1", None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = as_user(
        &s,
        "admin-token",
        "POST",
        WIDGETS,
        Some(widget("x", "red", 1)),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    let r = as_user(&s, "admin-token", "GET", "/metrics", None).await;
    assert_eq!(r.code, 200);
    let r = as_user(&s, "bob-token", "GET", "/metrics", None).await;
    assert_eq!(
        r.body["message"],
        "forbidden: User \"bob\" cannot get path \"/metrics\""
    );
    // The token never reaches the handlers' view of the request.
    assert!(!r.text.contains("bob-token"));
}

async fn review(s: &Server, token: &str, attributes: Value) -> Value {
    let r = as_user(
        s,
        token,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        Some(json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": attributes,
        })),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "SelfSubjectAccessReview");
    r.body["status"].clone()
}

#[tokio::test]
async fn self_subject_access_review_asks_the_same_authorizer() {
    let s = secured(None);
    let get = json!({"resourceAttributes": {"namespace": "default", "verb": "get", "group": "demo.krest.dev", "resource": "widgets"}});
    let create = json!({"resourceAttributes": {"namespace": "default", "verb": "create", "group": "demo.krest.dev", "resource": "widgets"}});
    let elsewhere = json!({"resourceAttributes": {"namespace": "other", "verb": "get", "group": "demo.krest.dev", "resource": "widgets"}});
    let metrics = json!({"nonResourceAttributes": {"path": "/metrics", "verb": "get"}});
    assert_eq!(review(&s, "jane-token", get.clone()).await["allowed"], true);
    assert_eq!(review(&s, "jane-token", create).await["allowed"], false);
    assert_eq!(review(&s, "jane-token", elsewhere).await["allowed"], false);
    assert_eq!(review(&s, "bob-token", get).await["allowed"], false);
    assert_eq!(
        review(&s, "jane-token", metrics.clone()).await["allowed"],
        false
    );
    assert_eq!(review(&s, "admin-token", metrics).await["allowed"], true);
    let r = as_user(
        &s,
        "jane-token",
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        Some(json!({"kind": "SelfSubjectAccessReview", "spec": {}})),
    )
    .await;
    assert_eq!(r.code, 422, "{}", r.text);
}

/// Labels every new object `admitted: "yes"`, and records what it saw.
struct Label;

impl MutatingAdmission for Label {
    fn admit(&self, request: &Request<'_>, object: &mut Value) -> Result<(), Status> {
        if request.operation == Operation::Create {
            object["metadata"]["labels"]["admitted"] = json!("yes");
        }
        if object["spec"]["color"] == "invisible" {
            // A mutation the schema refuses: validation runs after mutating admission.
            object["spec"]["replicas"] = json!(-1);
        }
        Ok(())
    }
}

/// Refuses more than 10 replicas, and deleting objects labelled `keep`.
struct Limit;

impl ValidatingAdmission for Limit {
    fn validate(&self, request: &Request<'_>, object: &Value) -> Result<(), Status> {
        if request.operation == Operation::Delete {
            if object["metadata"]["labels"]["keep"] == "true" {
                return Err(request.deny("this widget is kept"));
            }
            return Ok(());
        }
        if object["spec"]["replicas"].as_i64() > Some(10) {
            return Err(request.deny(format!(
                "{} replicas is too many ({} via {:?})",
                object["spec"]["replicas"],
                request.operation.as_str(),
                request.subresource
            )));
        }
        Ok(())
    }
}

#[tokio::test]
async fn admission_runs_mutating_then_schema_then_validating() {
    let s = Server::builder()
        .resource::<Widget>()
        .mutating_admission(Label)
        .validating_admission(Limit)
        .build()
        .unwrap();
    let r = json_req(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["metadata"]["labels"]["admitted"], "yes");
    let r = json_req(&s, "POST", WIDGETS, widget("b", "red", 11)).await;
    assert_eq!((r.code, r.reason()), (403, "Forbidden"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "widgets.demo.krest.dev \"b\" is forbidden: 11 replicas is too many (CREATE via \"\")"
    );
    let r = json_req(&s, "POST", WIDGETS, widget("c", "invisible", 1)).await;
    assert_eq!(r.code, 422, "the mutated object is validated: {}", r.text);
    // Update, patch and the scale subresource are admitted too.
    let r = patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 12}}),
    )
    .await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("(UPDATE via \"\")"));
    let r = patch(
        &s,
        &format!("{WIDGETS}/a/scale"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 20}}),
    )
    .await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("(UPDATE via \"scale\")"));
    let r = patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"keep": "true"}}, "spec": {"replicas": 3}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["metadata"]["labels"]["admitted"], "yes",
        "kept from create"
    );
    // Delete: refused for a kept widget, by name and through a collection.
    let r = send(&s, "DELETE", &format!("{WIDGETS}/a"), &[], None).await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "widgets.demo.krest.dev \"a\" is forbidden: this widget is kept"
    );
    let r = send(&s, "DELETE", WIDGETS, &[], None).await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert_eq!(get(&s, &format!("{WIDGETS}/a")).await.code, 200);
}

async fn json_req(s: &Server, method: &str, uri: &str, body: Value) -> Reply {
    common::json(s, method, uri, body).await
}

/// A server with a slow route (`GET /slow?ms=N`, `POST /slow` sleeps 500 ms) and `limits`.
fn limited(limits: Limits) -> Server {
    Server::builder()
        .resource::<Widget>()
        .limits(limits)
        .route(Method::Get, "/slow", |call| async move {
            let ms: u64 = call
                .request
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("ms="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(done())
        })
        .route(Method::Post, "/slow", |_| async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(done())
        })
        .build()
        .unwrap()
}

fn done() -> http::Response<krest::Body> {
    use http_body_util::{BodyExt, Full};
    http::Response::new(
        Full::new(bytes::Bytes::from_static(b"done"))
            .map_err(|never| match never {})
            .boxed(),
    )
}

#[tokio::test]
async fn requests_past_the_in_flight_limit_get_429_and_watches_do_not_count() {
    let s = limited(Limits {
        max_requests_in_flight: 2,
        max_mutating_requests_in_flight: 1,
        ..Limits::default()
    });
    // A watch holds no slot.
    let watch_uri = format!("{WIDGETS}?watch=true&timeoutSeconds=1");
    let watch = get(&s, &watch_uri);
    let slow = |s: Server| async move { get(&s, "/slow?ms=400").await };
    let (a, b, c, w) = tokio::join!(
        slow(s.clone()),
        slow(s.clone()),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            get(&s, "/slow?ms=0").await
        },
        watch
    );
    assert_eq!((a.code, b.code, w.code), (200, 200, 200));
    assert_eq!((c.code, c.reason()), (429, "TooManyRequests"), "{}", c.text);
    assert_eq!(c.headers["retry-after"], "1");
    assert_eq!(c.body["details"]["retryAfterSeconds"], 1);
    // Mutating requests have their own limit.
    let (m1, m2) = tokio::join!(send(&s, "POST", "/slow", &[], None), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        json_req(&s, "POST", WIDGETS, widget("w", "red", 1)).await
    });
    assert_eq!(m1.code, 200);
    assert_eq!(m2.code, 429, "{}", m2.text);
    // And afterwards the server answers as before.
    assert_eq!(
        json_req(&s, "POST", WIDGETS, widget("w", "red", 1))
            .await
            .code,
        201
    );
    assert_eq!(get(&s, "/slow?ms=0").await.code, 200);
}

#[tokio::test]
async fn requests_past_the_timeout_get_504_and_watches_run_on() {
    let s = limited(Limits {
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let started = Instant::now();
    let r = get(&s, "/slow?ms=5000").await;
    assert_eq!((r.code, r.reason()), (504, "Timeout"), "{}", r.text);
    assert!(started.elapsed() < Duration::from_secs(3));
    // A watch is not cut by the request timeout: it ends at its own timeoutSeconds.
    let started = Instant::now();
    let w = get(&s, &format!("{WIDGETS}?watch=true&timeoutSeconds=1")).await;
    assert_eq!(w.code, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(get(&s, "/slow?ms=0").await.code, 200);
}

#[tokio::test]
async fn the_example_resources_round_trip_with_security_off() {
    // No authenticator and no authorizer: everyone is served, as before.
    let s = server();
    let r = json_req(&s, "POST", WIDGETS, widget("open", "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);
    let r = review(
        &s,
        "whatever",
        json!({"resourceAttributes": {"verb": "delete", "resource": "widgets"}}),
    )
    .await;
    assert_eq!(r["allowed"], true);
    assert_eq!(Widget::MODEL.plural, "widgets");
}
