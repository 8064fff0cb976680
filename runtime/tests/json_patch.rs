//! JSON patch through the handler, as kube-apiserver answers it: kube-rs's finalizer patch
//! (a `test` of a missing path against null), the Status of each kind of failure, and the bound
//! on what `copy` operations add.

mod common;

use common::*;
use serde_json::{json, Value};

const JSON_PATCH: &str = "application/json-patch+json";

async fn created(name: &str) -> (krest::Server, String) {
    let s = server();
    let r = json(&s, "POST", WIDGETS, widget(name, "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);
    (s, format!("{WIDGETS}/{name}"))
}

#[tokio::test]
async fn kube_rs_finalizer_patch_adds_the_first_finalizer() {
    let (s, item) = created("f").await;
    // kube::runtime::finalizer's patch when the object has no finalizers yet.
    let add = json!([
        {"op": "test", "path": "/metadata/finalizers", "value": null},
        {"op": "add", "path": "/metadata/finalizers", "value": ["widgets.demo/cleanup"]},
    ]);
    let r = patch(&s, &item, JSON_PATCH, add.clone()).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["metadata"]["finalizers"],
        json!(["widgets.demo/cleanup"])
    );
    // Sent again, its test fails: the finalizers are no longer null.
    let again = patch(&s, &item, JSON_PATCH, add).await;
    assert_eq!(
        (again.code, again.reason()),
        (422, "Invalid"),
        "{}",
        again.text
    );
    assert_eq!(
        again.body["details"]["causes"][0]["message"],
        "testing value /metadata/finalizers failed: test failed"
    );
    // Its removal: test the element, then remove it.
    let remove = json!([
        {"op": "test", "path": "/metadata/finalizers/0", "value": "widgets.demo/cleanup"},
        {"op": "remove", "path": "/metadata/finalizers/0"},
    ]);
    let r = patch(&s, &item, JSON_PATCH, remove).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["metadata"].get("finalizers"), None, "{}", r.text);
}

#[tokio::test]
async fn failures_answer_kube_apiserver_status() {
    let (s, item) = created("e").await;
    // Negative indices, and replace of a missing member, apply.
    let r = patch(
        &s,
        &item,
        JSON_PATCH,
        json!([
            {"op": "add", "path": "/metadata/labels/tier", "value": "a"},
            {"op": "replace", "path": "/spec/size", "value": "large"},
            {"op": "add", "path": "/metadata/finalizers", "value": ["x/a", "x/c"]},
            {"op": "add", "path": "/metadata/finalizers/-1", "value": "x/d"},
            {"op": "add", "path": "/metadata/finalizers/-3", "value": "x/b"},
            {"op": "remove", "path": "/metadata/finalizers/-1"},
        ]),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["size"], "large");
    assert_eq!(
        r.body["metadata"]["finalizers"],
        json!(["x/a", "x/b", "x/c"])
    );

    let settled = get(&s, &item).await.body;

    // An operation that does not apply: 422 with kube-apiserver's message.
    let r = patch(
        &s,
        &item,
        JSON_PATCH,
        json!([{"op": "add", "path": "/spec/missing/x", "value": 1}]),
    )
    .await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "the server rejected our request due to an error in our request"
    );
    assert_eq!(
        r.body["details"]["causes"],
        json!([{"reason": "FieldValueInvalid", "field": "patch",
            "message": "add operation does not apply: doc is missing path: \"/spec/missing/x\": missing value"}])
    );

    // A body that does not decode as operations: 400.
    for (body, message) in [
        (
            json!({"op": "add"}),
            "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
        ),
        (
            json!([{"op": "add", "path": 1}]),
            "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string",
        ),
    ] {
        let r = patch(&s, &item, JSON_PATCH, body).await;
        assert_eq!((r.code, r.reason()), (400, "BadRequest"), "{}", r.text);
        assert_eq!(r.body["message"], message);
    }

    // An unknown op: 422.
    let r = patch(&s, &item, JSON_PATCH, json!([{"op": "frob", "path": "/a"}])).await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert_eq!(
        r.body["details"]["causes"][0]["message"],
        "Unexpected kind: frob"
    );

    // Too many operations: 413, in kube-apiserver's words.
    let ops = vec![json!({"op": "test", "path": "/spec/color", "value": "red"}); 10_001];
    let r = patch(&s, &item, JSON_PATCH, Value::Array(ops)).await;
    assert_eq!((r.code, r.reason()), (413, "RequestEntityTooLarge"));
    assert_eq!(
        r.body["message"],
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    );

    // None of the failures wrote anything.
    assert_eq!(get(&s, &item).await.body, settled);
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn copies_that_double_a_value_stop_at_the_request_size_and_the_server_keeps_serving() {
    let (s, item) = created("big").await;
    let before = get(&s, &item).await.body;
    // 68 KB: a 64 KiB value, then 16 copies of the array that holds it into itself. Each copy
    // doubles it; unbounded, the last would make a 4 GiB document.
    let mut ops = vec![json!({"op": "add", "path": "/spec/big", "value": ["x".repeat(64 * 1024)]})];
    ops.extend(vec![
        json!({"op": "copy", "from": "/spec/big", "path": "/spec/big/-"});
        16
    ]);
    let body = serde_json::to_vec(&ops).unwrap();
    assert!(body.len() < 70_000, "{}", body.len());
    let rss = rss_kib();
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        patch(&s, &item, JSON_PATCH, Value::Array(ops)),
    )
    .await
    .expect("answered in time");
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    let why = r.body["details"]["causes"][0]["message"].as_str().unwrap();
    assert!(
        why.starts_with("Unable to complete the copy, the accumulated size increase of copy is ")
            && why.ends_with(", exceeding the limit 3145728"),
        "{why}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let grew = rss_kib().saturating_sub(rss);
    assert!(grew < 64 * 1024, "RSS grew {grew} KiB");

    // The object is as it was, and the server answers.
    let after = get(&s, &item).await;
    assert_eq!(after.code, 200);
    assert_eq!(after.body, before);
    let r = patch(
        &s,
        &item,
        JSON_PATCH,
        json!([{"op": "copy", "from": "/spec/color", "path": "/metadata/labels/copied"}]),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["labels"]["copied"], "red");
}

#[tokio::test]
async fn unknown_members_of_operations_warn_or_fail_by_field_validation() {
    let (s, item) = created("u").await;
    let body = |replicas: i32| json!([{"op": "replace", "path": "/spec/replicas", "value": replicas, "vlaue": 9}]);
    let warnings = |r: &Reply| -> Vec<String> {
        r.headers
            .get_all("warning")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    };
    // fieldValidation defaults to Warn.
    let r = patch(&s, &item, JSON_PATCH, body(2)).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["replicas"], 2);
    assert_eq!(
        warnings(&r),
        [r#"299 - "json patch unknown field \"[0].vlaue\"""#]
    );
    let r = patch(
        &s,
        &format!("{item}?fieldValidation=Ignore"),
        JSON_PATCH,
        body(3),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert!(warnings(&r).is_empty(), "{:?}", warnings(&r));
    let r = patch(
        &s,
        &format!("{item}?fieldValidation=Strict"),
        JSON_PATCH,
        body(4),
    )
    .await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert_eq!(
        r.body["details"]["causes"][0]["message"],
        "strict decoding error: json patch unknown field \"[0].vlaue\""
    );
    assert_eq!(get(&s, &item).await.body["spec"]["replicas"], 3);
}
