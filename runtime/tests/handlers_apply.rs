//! Server-side apply and managed fields through the handlers, without sockets: what kubectl,
//! kube-rs and client-go send, and every error a client can cause.

mod common;

use common::*;
use serde_json::{json, Value};

const APPLY: &str = "application/apply-patch+yaml";

fn item(name: &str, query: &str) -> String {
    format!("{WIDGETS}/{name}?{query}")
}

fn config(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec})
}

async fn apply(s: &krest::Server, name: &str, query: &str, body: Value) -> Reply {
    patch(s, &item(name, query), APPLY, body).await
}

fn rv(r: &Reply) -> String {
    r.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn entries(r: &Reply) -> Vec<Value> {
    r.body["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn apply_creates_then_reapplying_writes_nothing() {
    let s = server();
    let first = apply(
        &s,
        "a",
        "fieldManager=alice",
        config("a", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(first.code, 201, "{}", first.text);
    assert_eq!(first.body["spec"], json!({"color": "red", "replicas": 1}));
    assert_eq!(first.body["metadata"]["namespace"], "default");
    assert_eq!(first.body["metadata"]["generation"], 1);
    let e = entries(&first);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["manager"], "alice");
    assert_eq!(e[0]["operation"], "Apply");
    assert_eq!(e[0]["apiVersion"], "demo.krest.dev/v1");
    assert_eq!(e[0]["fieldsType"], "FieldsV1");
    assert_eq!(
        e[0]["fieldsV1"],
        json!({"f:spec": {"f:color": {}, "f:replicas": {}}})
    );
    assert!(e[0]["time"].as_str().unwrap().ends_with('Z'));

    let again = apply(
        &s,
        "a",
        "fieldManager=alice",
        config("a", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(again.code, 200, "{}", again.text);
    assert_eq!(rv(&again), rv(&first), "a no-op apply writes nothing");
    assert_eq!(again.body, first.body);

    // A watch from the created revision sees no event for the no-op.
    let watch = get(
        &s,
        &format!(
            "{WIDGETS}?watch=true&resourceVersion={}&timeoutSeconds=1",
            rv(&first)
        ),
    )
    .await;
    assert_eq!(watch.text.trim(), "", "no event for a no-op apply");
}

#[tokio::test]
async fn yaml_configurations_and_dropped_fields() {
    let s = server();
    let yaml = "apiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: y\n  labels:\n    app: demo\nspec:\n  color: red\n  replicas: 1\n  size: big\n";
    let r = send(
        &s,
        "PATCH",
        &item("y", "fieldManager=alice"),
        &[("content-type", APPLY)],
        Some(yaml.into()),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["spec"]["size"], "big");
    assert_eq!(r.body["metadata"]["labels"], json!({"app": "demo"}));
    // Leaving out size and the label removes them.
    let r = apply(
        &s,
        "y",
        "fieldManager=alice",
        config("y", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert!(r.body["spec"].get("size").is_none(), "{}", r.text);
    assert!(r.body["metadata"].get("labels").is_none(), "{}", r.text);
    assert_eq!(r.body["metadata"]["generation"], 2);
}

#[tokio::test]
async fn conflicts_force_and_shared_fields() {
    let s = server();
    apply(
        &s,
        "c",
        "fieldManager=alice",
        config("c", json!({"color": "red", "replicas": 1})),
    )
    .await;
    let r = apply(
        &s,
        "c",
        "fieldManager=bob",
        config("c", json!({"color": "blue", "replicas": 1})),
    )
    .await;
    assert_eq!((r.code, r.reason()), (409, "Conflict"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.color"
    );
    assert_eq!(
        r.body["details"]["causes"],
        json!([{"reason": "FieldManagerConflict", "message": "conflict with \"alice\"", "field": ".spec.color"}])
    );
    // The same value is no conflict: both own it.
    let shared = apply(
        &s,
        "c",
        "fieldManager=bob",
        config("c", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(shared.code, 200, "{}", shared.text);
    assert_eq!(entries(&shared).len(), 2);
    // force takes the field.
    let forced = apply(
        &s,
        "c",
        "fieldManager=bob&force=true",
        config("c", json!({"color": "blue", "replicas": 1})),
    )
    .await;
    assert_eq!(forced.code, 200, "{}", forced.text);
    assert_eq!(forced.body["spec"]["color"], "blue");
    let alice = entries(&forced)
        .into_iter()
        .find(|e| e["manager"] == "alice")
        .unwrap();
    assert_eq!(alice["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    // An update by another manager is named with its version in a conflict.
    let r = patch(
        &s,
        &item("c", "fieldManager=editor"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 5}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = apply(
        &s,
        "c",
        "fieldManager=bob",
        config("c", json!({"color": "blue", "replicas": 1})),
    )
    .await;
    assert_eq!(r.code, 409, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Apply failed with 1 conflict: conflict with \"editor\" using demo.krest.dev/v1: .spec.replicas"
    );
}

#[tokio::test]
async fn options_and_bodies_that_are_refused() {
    let s = server();
    let good = config("o", json!({"color": "red", "replicas": 1}));
    let r = apply(&s, "o", "", good.clone()).await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"));
    assert_eq!(
        r.body["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    let long = format!("fieldManager={}", "x".repeat(129));
    assert_eq!(apply(&s, "o", &long, good.clone()).await.code, 422);
    let r = patch(
        &s,
        &item("o", "fieldManager=a&force=true"),
        "application/merge-patch+json",
        json!({}),
    )
    .await;
    assert_eq!(
        (r.code, r.reason()),
        (422, "Invalid"),
        "force is for apply only"
    );
    let mut managed = good.clone();
    managed["metadata"]["managedFields"] = json!([]);
    let r = apply(&s, "o", "fieldManager=a", managed).await;
    assert_eq!(
        (r.code, r.body["message"].as_str().unwrap()),
        (400, "metadata.managedFields must be nil")
    );
    let mut version = good.clone();
    version["apiVersion"] = json!("demo.krest.dev/v2");
    let r = apply(&s, "o", "fieldManager=a", version).await;
    assert_eq!(r.code, 400);
    assert_eq!(r.body["message"], "Incorrect version specified in apply patch. Specified patch version: demo.krest.dev/v2, expected: demo.krest.dev/v1");
    let mut kind = good.clone();
    kind.as_object_mut().unwrap().remove("kind");
    assert_eq!(apply(&s, "o", "fieldManager=a", kind).await.code, 400);
    let mut other = good.clone();
    other["kind"] = json!("Gadget");
    assert_eq!(apply(&s, "o", "fieldManager=a", other).await.code, 422);
    assert_eq!(apply(&s, "o", "fieldManager=a", json!([1])).await.code, 400);
    let r = apply(&s, "other", "fieldManager=a", good.clone()).await;
    assert_eq!(r.code, 400);
    assert_eq!(
        r.body["message"],
        "the name of the object (o) does not match the name on the URL (other)"
    );
    let mut ns = good.clone();
    ns["metadata"]["namespace"] = json!("elsewhere");
    assert_eq!(apply(&s, "o", "fieldManager=a", ns).await.code, 400);
    let r = apply(
        &s,
        "o",
        "fieldManager=a",
        config("o", json!({"color": "red", "replicas": -1})),
    )
    .await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    let r = send(
        &s,
        "PATCH",
        &item("o", "fieldManager=a"),
        &[("content-type", APPLY)],
        Some(b"{not json".to_vec()),
    )
    .await;
    assert_eq!(r.code, 400);
    // Nothing of the above was written.
    assert_eq!(get(&s, &format!("{WIDGETS}/o")).await.code, 404);
}

#[tokio::test]
async fn dry_run_and_field_validation() {
    let s = server();
    let r = apply(
        &s,
        "d",
        "fieldManager=a&dryRun=All",
        config("d", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(get(&s, &format!("{WIDGETS}/d")).await.code, 404);
    apply(
        &s,
        "d",
        "fieldManager=a",
        config("d", json!({"color": "red", "replicas": 1})),
    )
    .await;
    let r = apply(
        &s,
        "d",
        "fieldManager=a&dryRun=All",
        config("d", json!({"color": "blue", "replicas": 1})),
    )
    .await;
    assert_eq!(
        (r.code, r.body["spec"]["color"].as_str()),
        (200, Some("blue"))
    );
    assert_eq!(
        get(&s, &format!("{WIDGETS}/d")).await.body["spec"]["color"],
        "red"
    );
    // Unknown fields: a 400 under Strict, a warning by default, silently dropped under Ignore.
    let unknown = config("d", json!({"color": "red", "replicas": 1, "shade": "dark"}));
    let r = apply(
        &s,
        "d",
        "fieldManager=a&fieldValidation=Strict",
        unknown.clone(),
    )
    .await;
    assert_eq!(r.code, 400, "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("unknown field \"spec.shade\""),
        "{}",
        r.text
    );
    let r = apply(&s, "d", "fieldManager=a", unknown.clone()).await;
    assert_eq!(r.code, 200, "{}", r.text);
    let warning = r
        .headers
        .get("warning")
        .map(|w| w.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        warning.contains("unknown field \\\"spec.shade\\\"")
            || warning.contains("unknown field \"spec.shade\""),
        "{warning}"
    );
    assert!(r.body["spec"].get("shade").is_none());
    let r = apply(&s, "d", "fieldManager=a&fieldValidation=Ignore", unknown).await;
    assert!(r.headers.get("warning").is_none());
    let r = apply(
        &s,
        "d",
        "fieldManager=a&fieldValidation=Bogus",
        config("d", json!({})),
    )
    .await;
    assert_eq!(r.code, 400);
}

#[tokio::test]
async fn status_is_applied_apart() {
    let s = server();
    apply(
        &s,
        "st",
        "fieldManager=alice",
        config("st", json!({"color": "red", "replicas": 1})),
    )
    .await;
    let mut status = config("st", json!({"color": "ignored", "replicas": 1}));
    status["status"] = json!({"phase": "Ready", "readyReplicas": 1});
    let r = patch(
        &s,
        &format!("{WIDGETS}/st/status?fieldManager=ctl"),
        APPLY,
        status,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Ready");
    assert_eq!(
        r.body["spec"]["color"], "red",
        "/status changes status only"
    );
    let ctl = entries(&r)
        .into_iter()
        .find(|e| e["manager"] == "ctl")
        .unwrap();
    assert_eq!(ctl["subresource"], "status");
    assert_eq!(
        ctl["fieldsV1"],
        json!({"f:status": {"f:phase": {}, "f:readyReplicas": {}}})
    );
    // Applying status through the main resource owns and changes none of it.
    let mut main = config("st", json!({"color": "red", "replicas": 1}));
    main["status"] = json!({"phase": "Other"});
    let r = apply(&s, "st", "fieldManager=alice", main).await;
    assert_eq!(r.body["status"]["phase"], "Ready", "{}", r.text);
    // /status of an object that does not exist is a 404.
    let r = patch(
        &s,
        &format!("{WIDGETS}/none/status?fieldManager=ctl"),
        APPLY,
        config("none", json!({})),
    )
    .await;
    assert_eq!(r.code, 404);
}

#[tokio::test]
async fn every_write_records_its_manager() {
    let s = server();
    let r = send(
        &s,
        "POST",
        WIDGETS,
        &[
            ("content-type", "application/json"),
            ("user-agent", "kubectl/v1.31.0 (linux/amd64) kubernetes/abc"),
        ],
        Some(serde_json::to_vec(&widget("u", "red", 1)).unwrap()),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    let e = entries(&r);
    assert_eq!(e.len(), 1, "{}", r.text);
    assert_eq!(e[0]["manager"], "kubectl");
    assert_eq!(e[0]["operation"], "Update");
    assert_eq!(
        e[0]["fieldsV1"],
        json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:color": {}}}, "f:spec": {".": {}, "f:color": {}, "f:replicas": {}}})
    );
    // A merge patch by a named manager: its own entry, owning what it changed.
    let r = patch(
        &s,
        &format!("{WIDGETS}/u?fieldManager=patcher"),
        "application/merge-patch+json",
        json!({"spec": {"size": "s"}}),
    )
    .await;
    let patcher = entries(&r)
        .into_iter()
        .find(|e| e["manager"] == "patcher")
        .unwrap();
    assert_eq!(patcher["fieldsV1"], json!({"f:spec": {"f:size": {}}}));
    // PUT through /status records the subresource.
    let mut body = r.body.clone();
    body["status"] = json!({"phase": "Up", "readyReplicas": 0});
    let r = json(
        &s,
        "PUT",
        &format!("{WIDGETS}/u/status?fieldManager=ctl"),
        body,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    let ctl = entries(&r)
        .into_iter()
        .find(|e| e["manager"] == "ctl")
        .unwrap();
    assert_eq!(ctl["subresource"], "status");
    // A PUT that sends the managed fields back unchanged keeps them.
    let before = entries(&r);
    let r = json(&s, "PUT", &format!("{WIDGETS}/u"), r.body.clone()).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(entries(&r), before);
    // An invalid manager name is a 422.
    let r = json(
        &s,
        "POST",
        &format!("{WIDGETS}?fieldManager=a%07b"),
        widget("v", "red", 1),
    )
    .await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
}

#[tokio::test]
async fn client_written_managed_fields() {
    let s = server();
    apply(
        &s,
        "m",
        "fieldManager=alice",
        config("m", json!({"color": "red", "replicas": 1})),
    )
    .await;
    // One empty entry (or an empty list) clears them; the patch's own change is then recorded.
    let r = patch(
        &s,
        &item("m", "fieldManager=reset"),
        "application/merge-patch+json",
        json!({"metadata": {"managedFields": [{}]}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert!(entries(&r).is_empty(), "{}", r.text);
    apply(
        &s,
        "m",
        "fieldManager=alice",
        config("m", json!({"color": "red", "replicas": 1})),
    )
    .await;
    let r = patch(
        &s,
        &item("m", "fieldManager=reset"),
        "application/merge-patch+json",
        json!({"metadata": {"managedFields": []}, "spec": {"size": "x"}}),
    )
    .await;
    let e = entries(&r);
    assert_eq!(e.len(), 1, "{}", r.text);
    assert_eq!(e[0]["manager"], "reset");
    // Entries that cannot be read leave the stored ones as they were.
    let stored = get(&s, &format!("{WIDGETS}/m")).await;
    let r = patch(
        &s,
        &item("m", "fieldManager=x"),
        "application/merge-patch+json",
        json!({"metadata": {"managedFields": [{"manager": "m", "operation": "Bogus"}]}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(entries(&r), entries(&stored));
    // kubectl's migration from client-side apply: a JSON patch rewriting an entry.
    let r = patch(
        &s,
        &item("m", "fieldManager=kubectl"),
        "application/json-patch+json",
        json!([
            {"op": "replace", "path": "/metadata/managedFields/0/manager", "value": "kubectl"},
            {"op": "replace", "path": "/metadata/managedFields/0/operation", "value": "Apply"},
        ]),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    let e = entries(&r);
    assert_eq!(
        (e[0]["manager"].as_str(), e[0]["operation"].as_str()),
        (Some("kubectl"), Some("Apply")),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn resource_version_in_a_configuration_is_a_precondition() {
    let s = server();
    let first = apply(
        &s,
        "p",
        "fieldManager=a",
        config("p", json!({"color": "red", "replicas": 1})),
    )
    .await;
    let created = apply(
        &s,
        "p",
        "fieldManager=a",
        config("p", json!({"color": "green", "replicas": 1})),
    )
    .await;
    assert_ne!(rv(&first), rv(&created));
    let mut stale = config("p", json!({"color": "blue", "replicas": 1}));
    stale["metadata"]["resourceVersion"] = json!(rv(&first));
    let r = apply(&s, "p", "fieldManager=a", stale).await;
    assert_eq!((r.code, r.reason()), (409, "Conflict"), "{}", r.text);
    let mut fresh = config("p", json!({"color": "blue", "replicas": 1}));
    fresh["metadata"]["resourceVersion"] = json!(rv(&created));
    let r = apply(&s, "p", "fieldManager=a", fresh).await;
    assert_eq!(r.code, 200, "{}", r.text);
}

/// A kind whose lists declare their semantics with schemars' `extend` on the field.
mod fleet {
    use krest::Resource;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[resource(group = "demo.krest.dev", version = "v1", namespaced)]
    pub struct FleetSpec {
        /// Keyed by name: each manager may own its own members.
        #[serde(default)]
        #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
        pub members: Vec<Member>,
        /// A set of strings.
        #[serde(default)]
        #[schemars(extend("x-kubernetes-list-type" = "set"))]
        pub tags: Vec<String>,
        /// No type: atomic, replaced whole.
        #[serde(default)]
        pub args: Vec<String>,
    }

    #[derive(JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Member {
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub image: Option<String>,
    }
}

#[tokio::test]
async fn derived_list_semantics_merge_per_item() {
    let s = krest::Server::builder()
        .resource::<fleet::Fleet>()
        .build()
        .unwrap();
    const FLEETS: &str = "/apis/demo.krest.dev/v1/namespaces/default/fleets";
    let url = |manager: &str| format!("{FLEETS}/f?fieldManager={manager}");
    let body = |spec: Value| json!({"apiVersion": "demo.krest.dev/v1", "kind": "Fleet", "metadata": {"name": "f"}, "spec": spec});
    let schema = &<fleet::Fleet as krest::Resource>::schema();
    assert_eq!(
        schema["properties"]["spec"]["properties"]["members"]["x-kubernetes-list-type"],
        "map"
    );

    let r = patch(
        &s,
        &url("a"),
        APPLY,
        body(json!({"members": [{"name": "x", "image": "x:1"}], "tags": ["t1"], "args": ["--a"]})),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    let r = patch(
        &s,
        &url("b"),
        APPLY,
        body(json!({"members": [{"name": "y"}], "tags": ["t2"]})),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["spec"]["members"],
        json!([{"name": "x", "image": "x:1"}, {"name": "y"}])
    );
    assert_eq!(r.body["spec"]["tags"], json!(["t1", "t2"]));
    let b = entries(&r)
        .into_iter()
        .find(|e| e["manager"] == "b")
        .unwrap();
    assert_eq!(
        b["fieldsV1"],
        json!({"f:spec": {"f:members": {"k:{\"name\":\"y\"}": {".": {}, "f:name": {}}}, "f:tags": {"v:\"t2\"": {}}}})
    );
    // An atomic list is owned whole: b setting it conflicts with a.
    let r = patch(
        &s,
        &url("b"),
        APPLY,
        body(json!({"members": [{"name": "y"}], "tags": ["t2"], "args": ["--b"]})),
    )
    .await;
    assert_eq!(r.code, 409, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Apply failed with 1 conflict: conflict with \"a\": .spec.args"
    );
    // a drops its member: only a's goes.
    let r = patch(
        &s,
        &url("a"),
        APPLY,
        body(json!({"tags": ["t1"], "args": ["--a"]})),
    )
    .await;
    assert_eq!(
        r.body["spec"]["members"],
        json!([{"name": "y"}]),
        "{}",
        r.text
    );
    // A keyed item without its key is refused.
    let r = patch(
        &s,
        &url("a"),
        APPLY,
        body(json!({"members": [{"image": "z"}]})),
    )
    .await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("omits all key fields [\"name\"]"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn scale_is_applied_to_the_replicas_field() {
    let s = server();
    apply(
        &s,
        "sc",
        "fieldManager=alice",
        config("sc", json!({"color": "red", "replicas": 1})),
    )
    .await;
    let scale = |replicas: i64| json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "sc"}, "spec": {"replicas": replicas}});
    let url = |query: &str| format!("{WIDGETS}/sc/scale?{query}");
    // alice owns replicas: the autoscaler's apply through /scale conflicts, then forces.
    let r = patch(&s, &url("fieldManager=hpa"), APPLY, scale(3)).await;
    assert_eq!(r.code, 409, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
    );
    let r = patch(&s, &url("fieldManager=hpa&force=true"), APPLY, scale(3)).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        (r.body["kind"].as_str(), r.body["spec"]["replicas"].as_i64()),
        (Some("Scale"), Some(3))
    );
    let object = get(&s, &format!("{WIDGETS}/sc")).await;
    assert_eq!(object.body["spec"]["replicas"], 3);
    let hpa = entries(&object)
        .into_iter()
        .find(|e| e["manager"] == "hpa")
        .unwrap();
    assert_eq!(
        (hpa["operation"].as_str(), hpa["subresource"].as_str()),
        (Some("Apply"), Some("scale"))
    );
    assert_eq!(hpa["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    // The same Scale again writes nothing; a wrong kind or version is refused.
    let again = patch(&s, &url("fieldManager=hpa"), APPLY, scale(3)).await;
    assert_eq!(
        again.body["metadata"]["resourceVersion"],
        object.body["metadata"]["resourceVersion"]
    );
    let mut wrong = scale(2);
    wrong["apiVersion"] = json!("demo.krest.dev/v1");
    assert_eq!(
        patch(&s, &url("fieldManager=hpa"), APPLY, wrong).await.code,
        400
    );
    assert_eq!(
        patch(&s, &url("fieldManager=hpa"), APPLY, scale(-1))
            .await
            .code,
        422
    );
    assert_eq!(patch(&s, &url(""), APPLY, scale(2)).await.code, 422);
}

#[tokio::test]
async fn namespaces_are_applied_too() {
    let s = krest::Server::builder()
        .namespaces()
        .resource::<Widget>()
        .build()
        .unwrap();
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": {"owner": "a"}}});
    let r = patch(
        &s,
        "/api/v1/namespaces/team?fieldManager=kubectl",
        APPLY,
        ns.clone(),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["metadata"]["labels"]["owner"], "a");
    let again = patch(
        &s,
        "/api/v1/namespaces/team?fieldManager=kubectl",
        APPLY,
        ns,
    )
    .await;
    assert_eq!(again.code, 200, "{}", again.text);
    assert_eq!(
        again.body["metadata"]["resourceVersion"],
        r.body["metadata"]["resourceVersion"]
    );
    // Objects applied into it, and none into a namespace that does not exist.
    let w = patch(
        &s,
        "/apis/demo.krest.dev/v1/namespaces/team/widgets/w?fieldManager=a",
        APPLY,
        config("w", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(w.code, 201, "{}", w.text);
    let missing = patch(
        &s,
        "/apis/demo.krest.dev/v1/namespaces/nowhere/widgets/w?fieldManager=a",
        APPLY,
        config("w", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(missing.code, 404, "{}", missing.text);
}

/// A kind whose schema is a CustomResourceDefinition's `openAPIV3Schema`, passed with
/// `schema = path` as generated kinds pass it: its list semantics come from the YAML.
mod from_crd {
    use krest::Resource;
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Value};

    #[derive(Resource, Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[resource(group = "demo.krest.dev", version = "v1", namespaced, schema = listener_schema)]
    pub struct ListenerSpec {
        #[serde(default)]
        pub ports: Vec<Value>,
    }

    fn listener_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object"},
                "spec": {"type": "object", "properties": {"ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["port", "protocol"],
                    "items": {"type": "object", "required": ["port"], "properties": {
                        "port": {"type": "integer"},
                        "protocol": {"type": "string", "default": "TCP"},
                        "name": {"type": "string"},
                    }},
                }}},
            },
        })
    }
}

#[tokio::test]
async fn crd_schemas_keep_their_list_semantics() {
    let s = krest::Server::builder()
        .resource::<from_crd::Listener>()
        .build()
        .unwrap();
    let url = |m: &str| {
        format!("/apis/demo.krest.dev/v1/namespaces/default/listeners/l?fieldManager={m}")
    };
    let body = |ports: Value| json!({"apiVersion": "demo.krest.dev/v1", "kind": "Listener", "metadata": {"name": "l"}, "spec": {"ports": ports}});
    let r = patch(
        &s,
        &url("a"),
        APPLY,
        body(json!([{"port": 80, "name": "http"}])),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    // The key's default fills `protocol`: b's item for 80/TCP is a's item.
    let r = patch(&s, &url("b"), APPLY, body(json!([{"port": 80, "protocol": "TCP", "name": "web"}, {"port": 53, "protocol": "UDP"}]))).await;
    assert_eq!(r.code, 409, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Apply failed with 1 conflict: conflict with \"a\": .spec.ports[port=80,protocol=\"TCP\"].name"
    );
    let r = patch(
        &s,
        &url("b"),
        APPLY,
        body(json!([{"port": 53, "protocol": "UDP"}])),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["spec"]["ports"],
        json!([{"port": 80, "protocol": "TCP", "name": "http"}, {"port": 53, "protocol": "UDP"}])
    );
}

#[tokio::test]
async fn updates_and_patches_that_change_nothing_write_nothing() {
    let s = server();
    let created = json(
        &s,
        "POST",
        &format!("{WIDGETS}?fieldManager=alice"),
        config("quiet", json!({"color": "red", "replicas": 1})),
    )
    .await;
    assert_eq!(created.code, 201, "{}", created.text);
    // The object sent back as read, managed fields and all, by another manager.
    let put = json(
        &s,
        "PUT",
        &item("quiet", "fieldManager=bob"),
        created.body.clone(),
    )
    .await;
    assert_eq!(put.code, 200, "{}", put.text);
    assert_eq!(
        rv(&put),
        rv(&created),
        "a PUT that changes nothing is not written"
    );
    assert_eq!(entries(&put), entries(&created));
    // Without its managed fields: the stored ones stay.
    let mut bare = created.body.clone();
    bare["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    let put = json(&s, "PUT", &item("quiet", "fieldManager=bob"), bare).await;
    assert_eq!(rv(&put), rv(&created));
    assert_eq!(entries(&put), entries(&created));
    let merge = patch(
        &s,
        &item("quiet", "fieldManager=bob"),
        "application/merge-patch+json",
        json!({"spec": {"color": "red"}}),
    )
    .await;
    assert_eq!(merge.code, 200, "{}", merge.text);
    assert_eq!(rv(&merge), rv(&created));
    // A change is written, and its field moves to its writer.
    let merge = patch(
        &s,
        &item("quiet", "fieldManager=bob"),
        "application/merge-patch+json",
        json!({"spec": {"color": "blue"}}),
    )
    .await;
    assert_ne!(rv(&merge), rv(&created));
    let bob: Vec<Value> = entries(&merge)
        .into_iter()
        .filter(|e| e["manager"] == "bob")
        .collect();
    assert_eq!(bob[0]["fieldsV1"], json!({"f:spec": {"f:color": {}}}));
}
