//! Handler tests without sockets: every verb, and every error a client can cause, with its code
//! and Status reason.

mod common;

use common::*;
use serde_json::{json, Value};

fn item(name: &str) -> String {
    format!("{WIDGETS}/{name}")
}

#[tokio::test]
async fn create_sets_system_fields_and_drops_status() {
    let s = server();
    let mut body = widget("a", "blue", 2);
    body["status"] = json!({"phase": "Ready", "readyReplicas": 9});
    let r = json(&s, "POST", WIDGETS, body).await;
    assert_eq!(r.code, 201, "{}", r.text);
    let meta = &r.body["metadata"];
    assert_eq!(meta["name"], "a");
    assert_eq!(meta["namespace"], "default");
    assert_eq!(meta["generation"], 1);
    assert_eq!(meta["uid"].as_str().unwrap().len(), 36);
    assert!(meta["creationTimestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        meta["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert!(
        r.body.get("status").is_none(),
        "status is set only through /status"
    );
    assert_eq!(r.body["apiVersion"], "demo.krest.dev/v1");
    assert_eq!(r.body["kind"], "Widget");

    let again = json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    assert_eq!((again.code, again.reason()), (409, "AlreadyExists"));
    assert_eq!(again.body["details"]["kind"], "widgets");
    assert_eq!(
        again.body["message"],
        "widgets.demo.krest.dev \"a\" already exists"
    );
}

#[tokio::test]
async fn create_rejects_bad_bodies() {
    let s = server();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"apiVersion": "other.dev/v1", "kind": "Widget", "metadata": {"name": "x"}, "spec": {"color": "a", "replicas": 1}}),
            400,
            "BadRequest",
        ),
        (
            json!({"apiVersion": "demo.krest.dev/v2", "kind": "Widget", "metadata": {"name": "x"}, "spec": {"color": "a", "replicas": 1}}),
            422,
            "Invalid",
        ),
        (
            json!({"apiVersion": "demo.krest.dev/v1", "kind": "Gadget", "metadata": {"name": "x"}, "spec": {"color": "a", "replicas": 1}}),
            422,
            "Invalid",
        ),
        (
            json!({"metadata": {"name": "x", "namespace": "other"}, "spec": {"color": "a", "replicas": 1}}),
            400,
            "BadRequest",
        ),
        (
            json!({"metadata": {}, "spec": {"color": "a", "replicas": 1}}),
            422,
            "Invalid",
        ),
        (
            json!({"metadata": {"name": "Not_Valid"}, "spec": {"color": "a", "replicas": 1}}),
            422,
            "Invalid",
        ),
        (
            json!({"metadata": {"name": "x", "labels": {"bad key!": "v"}}, "spec": {"color": "a", "replicas": 1}}),
            422,
            "Invalid",
        ),
        (
            json!({"metadata": {"name": "x"}, "spec": {"replicas": 1}}),
            422,
            "Invalid",
        ),
        (
            json!({"metadata": {"name": "x"}, "spec": {"color": "a", "replicas": "many"}}),
            422,
            "Invalid",
        ),
        (
            json!({"metadata": {"name": "x", "resourceVersion": "5"}, "spec": {"color": "a", "replicas": 1}}),
            400,
            "BadRequest",
        ),
        (json!([1, 2]), 400, "BadRequest"),
    ];
    for (body, code, reason) in cases {
        let r = json(&s, "POST", WIDGETS, body.clone()).await;
        assert_eq!((r.code, r.reason()), (code, reason), "{body} -> {}", r.text);
        assert_eq!(r.body["kind"], "Status");
        assert_eq!(r.body["status"], "Failure");
    }
    let missing = json(
        &s,
        "POST",
        WIDGETS,
        json!({"metadata": {"name": "x"}, "spec": {"replicas": 1}}),
    )
    .await;
    assert_eq!(missing.body["details"]["causes"][0]["field"], "spec.color");
    assert_eq!(
        missing.body["details"]["causes"][0]["reason"],
        "FieldValueRequired"
    );

    let garbage = send(
        &s,
        "POST",
        WIDGETS,
        &[("content-type", "application/json")],
        Some(b"{nope".to_vec()),
    )
    .await;
    assert_eq!((garbage.code, garbage.reason()), (400, "BadRequest"));
    let proto = send(
        &s,
        "POST",
        WIDGETS,
        &[("content-type", "application/vnd.kubernetes.protobuf")],
        Some(b"x".to_vec()),
    )
    .await;
    assert_eq!((proto.code, proto.reason()), (415, "UnsupportedMediaType"));
    let huge = send(
        &s,
        "POST",
        WIDGETS,
        &[("content-type", "application/json")],
        Some(vec![b' '; 4 * 1024 * 1024]),
    )
    .await;
    assert_eq!((huge.code, huge.reason()), (413, "RequestEntityTooLarge"));
}

#[tokio::test]
async fn generate_name_and_dry_run() {
    let s = server();
    let r = json(
        &s,
        "POST",
        WIDGETS,
        json!({"metadata": {"generateName": "w-"}, "spec": {"color": "a", "replicas": 1}}),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    let name = r.body["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("w-") && name.len() == 7, "{name}");

    let dry = json(
        &s,
        "POST",
        &format!("{WIDGETS}?dryRun=All"),
        widget("dry", "a", 1),
    )
    .await;
    assert_eq!(dry.code, 201);
    assert_eq!(
        get(&s, &item("dry")).await.code,
        404,
        "dry run stores nothing"
    );
    let bad = json(
        &s,
        "POST",
        &format!("{WIDGETS}?dryRun=Some"),
        widget("dry", "a", 1),
    )
    .await;
    assert_eq!(bad.code, 400);
}

#[tokio::test]
async fn field_validation() {
    let s = server();
    let mut body = widget("v", "a", 1);
    body["spec"]["extra"] = json!(1);
    let strict = json(
        &s,
        "POST",
        &format!("{WIDGETS}?fieldValidation=Strict"),
        body.clone(),
    )
    .await;
    assert_eq!((strict.code, strict.reason()), (400, "BadRequest"));
    assert!(
        strict.body["message"]
            .as_str()
            .unwrap()
            .contains("unknown field \"spec.extra\""),
        "{}",
        strict.text
    );
    let warn = json(&s, "POST", WIDGETS, body).await;
    assert_eq!(warn.code, 201);
    assert!(warn
        .headers
        .get("warning")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("spec.extra"));
    assert!(
        warn.body["spec"].get("extra").is_none(),
        "unknown fields are pruned"
    );
}

#[tokio::test]
async fn get_and_list() {
    let s = server();
    let empty = get(&s, WIDGETS).await;
    assert_eq!(empty.code, 200);
    assert_eq!(empty.body["items"], json!([]));
    assert_eq!(empty.body["kind"], "WidgetList");
    assert!(empty.body["metadata"]["resourceVersion"].is_string());

    for (n, c) in [("a", "red"), ("b", "blue"), ("c", "red")] {
        assert_eq!(json(&s, "POST", WIDGETS, widget(n, c, 1)).await.code, 201);
    }
    json(
        &s,
        "POST",
        "/apis/demo.krest.dev/v1/namespaces/other/widgets",
        widget("d", "red", 1),
    )
    .await;

    let one = get(&s, &item("b")).await;
    assert_eq!(
        (one.code, one.body["spec"]["color"].as_str()),
        (200, Some("blue"))
    );
    let missing = get(&s, &item("zz")).await;
    assert_eq!((missing.code, missing.reason()), (404, "NotFound"));
    assert_eq!(
        missing.body["message"],
        "widgets.demo.krest.dev \"zz\" not found"
    );
    assert_eq!(
        missing.body["details"],
        json!({"name": "zz", "group": "demo.krest.dev", "kind": "widgets"})
    );

    let list = get(&s, WIDGETS).await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(list.body["items"][0]["kind"], "Widget");
    let all = get(&s, "/apis/demo.krest.dev/v1/widgets").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 4);

    let red = get(&s, &format!("{WIDGETS}?labelSelector=color%3Dred")).await;
    assert_eq!(red.body["items"].as_array().unwrap().len(), 2);
    let not_red = get(&s, &format!("{WIDGETS}?labelSelector=color!%3Dred")).await;
    assert_eq!(not_red.body["items"].as_array().unwrap().len(), 1);
    let by_name = get(&s, &format!("{WIDGETS}?fieldSelector=metadata.name%3Dc")).await;
    assert_eq!(by_name.body["items"][0]["metadata"]["name"], "c");
    let bad_label = get(&s, &format!("{WIDGETS}?labelSelector=a%20in%20(")).await;
    assert_eq!((bad_label.code, bad_label.reason()), (400, "BadRequest"));
    let bad_field = get(&s, &format!("{WIDGETS}?fieldSelector=spec.color%3Dred")).await;
    assert_eq!((bad_field.code, bad_field.reason()), (400, "BadRequest"));
    let bad_limit = get(&s, &format!("{WIDGETS}?limit=many")).await;
    assert_eq!(bad_limit.code, 400);
}

#[tokio::test]
async fn pagination_keeps_one_revision() {
    let s = server();
    for i in 0..5 {
        json(&s, "POST", WIDGETS, widget(&format!("w{i}"), "red", 1)).await;
    }
    let first = get(&s, &format!("{WIDGETS}?limit=2")).await;
    let rv = first.body["metadata"]["resourceVersion"].clone();
    assert_eq!(first.body["metadata"]["remainingItemCount"], 3);
    // A write between pages must not show up in later pages.
    json(&s, "POST", WIDGETS, widget("w9", "red", 1)).await;
    let mut names = vec![];
    let mut page = first;
    loop {
        assert_eq!(page.body["metadata"]["resourceVersion"], rv);
        names.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["metadata"]["name"].as_str().unwrap().to_string()),
        );
        let Some(token) = page.body["metadata"]["continue"]
            .as_str()
            .map(str::to_string)
        else {
            break;
        };
        page = get(&s, &format!("{WIDGETS}?limit=2&continue={token}")).await;
        assert_eq!(page.code, 200, "{}", page.text);
    }
    assert_eq!(names, ["w0", "w1", "w2", "w3", "w4"]);
    let bad = get(&s, &format!("{WIDGETS}?limit=2&continue=garbage")).await;
    assert_eq!((bad.code, bad.reason()), (400, "BadRequest"));
    let both = get(&s, &format!("{WIDGETS}?continue=x&resourceVersion=5")).await;
    assert_eq!(both.code, 400);
    let future = get(&s, &format!("{WIDGETS}?resourceVersion=99999")).await;
    assert_eq!((future.code, future.reason()), (504, "Timeout"));
    assert!(future.headers.contains_key("retry-after"));
    let exact_without_rv = get(&s, &format!("{WIDGETS}?resourceVersionMatch=Exact")).await;
    assert_eq!(
        (exact_without_rv.code, exact_without_rv.reason()),
        (422, "Invalid")
    );
    let bad_rv = get(&s, &format!("{WIDGETS}?resourceVersion=abc")).await;
    assert_eq!(bad_rv.code, 400);
}

#[tokio::test]
async fn update_requires_and_checks_resource_version() {
    let s = server();
    let created = json(&s, "POST", WIDGETS, widget("u", "red", 1)).await.body;
    let rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let mut body = created.clone();
    body["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let no_rv = json(&s, "PUT", &item("u"), body).await;
    assert_eq!((no_rv.code, no_rv.reason()), (422, "Invalid"));
    assert!(no_rv.body["message"]
        .as_str()
        .unwrap()
        .contains("must be specified for an update"));

    let mut changed = created.clone();
    changed["spec"]["color"] = json!("green");
    let ok = json(&s, "PUT", &item("u"), changed.clone()).await;
    assert_eq!(ok.code, 200, "{}", ok.text);
    assert_eq!(ok.body["metadata"]["generation"], 2);
    let new_rv = ok.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_rv, rv);

    let stale = json(&s, "PUT", &item("u"), changed.clone()).await;
    assert_eq!((stale.code, stale.reason()), (409, "Conflict"));
    assert!(stale.body["message"]
        .as_str()
        .unwrap()
        .contains("the object has been modified"));

    // Same content again: a no-op keeps the revision and the generation.
    let same = json(&s, "PUT", &item("u"), ok.body.clone()).await;
    assert_eq!(same.code, 200);
    assert_eq!(same.body["metadata"]["resourceVersion"], new_rv);
    assert_eq!(same.body["metadata"]["generation"], 2);

    // Labels change metadata only: no new generation.
    let mut labeled = same.body.clone();
    labeled["metadata"]["labels"]["tier"] = json!("x");
    let l = json(&s, "PUT", &item("u"), labeled).await;
    assert_eq!(l.body["metadata"]["generation"], 2);

    let mut wrong_name = l.body.clone();
    wrong_name["metadata"]["name"] = json!("other");
    let r = json(&s, "PUT", &item("u"), wrong_name).await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"));

    // The main resource ignores status.
    let mut with_status = l.body.clone();
    with_status["status"] = json!({"phase": "Hacked"});
    let r = json(&s, "PUT", &item("u"), with_status).await;
    assert!(r.body.get("status").is_none());

    let missing = json(
        &s,
        "PUT",
        &item("nope"),
        widget("nope", "a", 1)
            .as_object()
            .cloned()
            .map(|mut m| {
                m["metadata"]["resourceVersion"] = json!("1");
                Value::Object(m)
            })
            .unwrap(),
    )
    .await;
    assert_eq!((missing.code, missing.reason()), (404, "NotFound"));
}

#[tokio::test]
async fn patches() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("p", "red", 1)).await;
    let merge = patch(
        &s,
        &item("p"),
        "application/merge-patch+json",
        json!({"spec": {"color": "blue"}, "metadata": {"labels": {"new": "yes"}}}),
    )
    .await;
    assert_eq!(merge.code, 200, "{}", merge.text);
    assert_eq!(merge.body["spec"]["color"], "blue");
    assert_eq!(merge.body["metadata"]["labels"]["new"], "yes");
    assert_eq!(merge.body["metadata"]["generation"], 2);

    let jp = patch(
        &s,
        &item("p"),
        "application/json-patch+json",
        json!([{"op": "replace", "path": "/spec/replicas", "value": 7}]),
    )
    .await;
    assert_eq!(
        (jp.code, jp.body["spec"]["replicas"].as_i64()),
        (200, Some(7))
    );

    let failing = patch(
        &s,
        &item("p"),
        "application/json-patch+json",
        json!([{"op": "test", "path": "/spec/replicas", "value": 1}]),
    )
    .await;
    assert_eq!((failing.code, failing.reason()), (422, "Invalid"));
    let malformed = patch(
        &s,
        &item("p"),
        "application/json-patch+json",
        json!({"op": "nope"}),
    )
    .await;
    assert_eq!((malformed.code, malformed.reason()), (400, "BadRequest"));
    let smp = patch(
        &s,
        &item("p"),
        "application/strategic-merge-patch+json",
        json!({}),
    )
    .await;
    assert_eq!((smp.code, smp.reason()), (415, "UnsupportedMediaType"));
    assert!(smp.body["message"]
        .as_str()
        .unwrap()
        .contains("application/merge-patch+json"));
    let bad_type = patch(
        &s,
        &item("p"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": "x"}}),
    )
    .await;
    assert_eq!((bad_type.code, bad_type.reason()), (422, "Invalid"));
    let missing = patch(&s, &item("none"), "application/merge-patch+json", json!({})).await;
    assert_eq!(missing.code, 404);
    let stale = patch(
        &s,
        &item("p"),
        "application/merge-patch+json",
        json!({"metadata": {"resourceVersion": "1"}, "spec": {"color": "x"}}),
    )
    .await;
    assert_eq!((stale.code, stale.reason()), (409, "Conflict"));
    let rename = patch(
        &s,
        &item("p"),
        "application/merge-patch+json",
        json!({"metadata": {"name": "q"}}),
    )
    .await;
    assert_eq!(rename.code, 400);
}

#[tokio::test]
async fn delete_with_and_without_finalizers() {
    let s = server();
    let created = json(&s, "POST", WIDGETS, widget("d", "red", 1)).await.body;
    let r = send(&s, "DELETE", &item("d"), &[], None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "Status");
    assert_eq!(r.body["status"], "Success");
    assert_eq!(r.body["details"]["uid"], created["metadata"]["uid"]);
    assert_eq!(get(&s, &item("d")).await.code, 404);
    assert_eq!(send(&s, "DELETE", &item("d"), &[], None).await.code, 404);

    let mut body = widget("f", "red", 1);
    body["metadata"]["finalizers"] = json!(["demo.krest.dev/keep"]);
    json(&s, "POST", WIDGETS, body).await;
    let pending = send(&s, "DELETE", &item("f"), &[], None).await;
    assert_eq!(pending.code, 200);
    assert_eq!(pending.body["kind"], "Widget");
    assert!(pending.body["metadata"]["deletionTimestamp"].is_string());
    let add = patch(
        &s,
        &item("f"),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": ["demo.krest.dev/keep", "demo.krest.dev/more"]}}),
    )
    .await;
    assert_eq!(
        (add.code, add.reason()),
        (422, "Invalid"),
        "no new finalizers while deleting"
    );
    let release = patch(
        &s,
        &item("f"),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
    assert_eq!(release.code, 200, "{}", release.text);
    assert_eq!(
        get(&s, &item("f")).await.code,
        404,
        "removing the last finalizer deletes"
    );

    json(&s, "POST", WIDGETS, widget("g", "red", 1)).await;
    let precondition = send(
        &s,
        "DELETE",
        &item("g"),
        &[("content-type", "application/json")],
        Some(br#"{"preconditions":{"uid":"wrong"}}"#.to_vec()),
    )
    .await;
    assert_eq!(
        (precondition.code, precondition.reason()),
        (409, "Conflict")
    );
}

#[tokio::test]
async fn delete_collection_honours_selectors() {
    let s = server();
    for (n, c) in [("a", "red"), ("b", "blue"), ("c", "red")] {
        json(&s, "POST", WIDGETS, widget(n, c, 1)).await;
    }
    let r = send(
        &s,
        "DELETE",
        &format!("{WIDGETS}?labelSelector=color%3Dred"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let left = get(&s, WIDGETS).await;
    assert_eq!(left.body["items"][0]["metadata"]["name"], "b");
    assert_eq!(left.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn status_subresource_changes_only_status() {
    let s = server();
    let created = json(&s, "POST", WIDGETS, widget("s", "red", 1)).await.body;
    let mut body = created.clone();
    body["status"] = json!({"phase": "Ready", "readyReplicas": 1});
    body["spec"]["color"] = json!("ignored");
    body["metadata"]["labels"]["ignored"] = json!("yes");
    let r = json(&s, "PUT", &format!("{}/status", item("s")), body).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Ready");
    assert_eq!(r.body["spec"]["color"], "red");
    assert!(r.body["metadata"]["labels"].get("ignored").is_none());
    assert_eq!(
        r.body["metadata"]["generation"], 1,
        "status changes do not bump generation"
    );

    let p = patch(
        &s,
        &format!("{}/status", item("s")),
        "application/merge-patch+json",
        json!({"status": {"phase": "Done"}, "spec": {"color": "nope"}}),
    )
    .await;
    assert_eq!(
        (
            p.code,
            p.body["status"]["phase"].as_str(),
            p.body["spec"]["color"].as_str()
        ),
        (200, Some("Done"), Some("red"))
    );
    let g = get(&s, &format!("{}/status", item("s"))).await;
    assert_eq!(g.body["status"]["phase"], "Done");
}

#[tokio::test]
async fn scale_subresource() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("sc", "red", 3)).await;
    let scale = get(&s, &format!("{}/scale", item("sc"))).await;
    assert_eq!(scale.code, 200);
    assert_eq!(scale.body["kind"], "Scale");
    assert_eq!(scale.body["apiVersion"], "autoscaling/v1");
    assert_eq!(scale.body["spec"]["replicas"], 3);
    assert_eq!(scale.body["status"]["replicas"], 0);

    let p = patch(
        &s,
        &format!("{}/scale", item("sc")),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 5}}),
    )
    .await;
    assert_eq!(
        (p.code, p.body["spec"]["replicas"].as_i64()),
        (200, Some(5)),
        "{}",
        p.text
    );
    assert_eq!(get(&s, &item("sc")).await.body["spec"]["replicas"], 5);

    let mut put = p.body.clone();
    put["spec"]["replicas"] = json!(1);
    let u = json(&s, "PUT", &format!("{}/scale", item("sc")), put.clone()).await;
    assert_eq!(
        (u.code, u.body["spec"]["replicas"].as_i64()),
        (200, Some(1))
    );
    let stale = json(&s, "PUT", &format!("{}/scale", item("sc")), put).await;
    assert_eq!((stale.code, stale.reason()), (409, "Conflict"));
    let negative = patch(
        &s,
        &format!("{}/scale", item("sc")),
        "application/merge-patch+json",
        json!({"spec": {"replicas": -1}}),
    )
    .await;
    assert_eq!((negative.code, negative.reason()), (422, "Invalid"));
}

#[tokio::test]
async fn cluster_scoped_resources() {
    let s = server();
    let body = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"vendor": "acme", "ports": [80]}});
    let r = json(&s, "POST", GADGETS, body).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert!(r.body["metadata"].get("namespace").is_none());
    let with_ns = json(
        &s,
        "POST",
        GADGETS,
        json!({"metadata": {"name": "g2", "namespace": "default"}, "spec": {"vendor": "x"}}),
    )
    .await;
    assert_eq!(with_ns.code, 400);
    assert_eq!(
        get(&s, &format!("{GADGETS}/g1")).await.body["spec"]["ports"],
        json!([80])
    );
    assert_eq!(
        get(&s, "/apis/demo.krest.dev/v1/namespaces/default/gadgets")
            .await
            .code,
        404
    );
}

#[tokio::test]
async fn protocol_errors() {
    let s = server();
    let unknown = get(&s, "/apis/demo.krest.dev/v1/namespaces/default/sprockets").await;
    assert_eq!((unknown.code, unknown.reason()), (404, "NotFound"));
    let method = send(&s, "PUT", WIDGETS, &[], None).await;
    assert_eq!((method.code, method.reason()), (405, "MethodNotAllowed"));
    let accept = send(
        &s,
        "GET",
        WIDGETS,
        &[("accept", "application/vnd.kubernetes.protobuf")],
        None,
    )
    .await;
    assert_eq!((accept.code, accept.reason()), (406, "NotAcceptable"));
    let ns = get(&s, "/apis/demo.krest.dev/v1/namespaces/Bad_NS/widgets").await;
    assert_eq!(ns.code, 404);
    let ok = get(&s, &format!("{WIDGETS}?unknownParam=1&timeout=32s")).await;
    assert_eq!(ok.code, 200, "unknown query parameters are ignored");
}

#[tokio::test]
async fn table_output() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("t", "red", 4)).await;
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let t = send(&s, "GET", WIDGETS, &[("accept", accept)], None).await;
    assert_eq!(t.code, 200);
    assert_eq!(t.body["kind"], "Table");
    let columns: Vec<&str> = t.body["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Color", "Replicas", "Size"]);
    assert_eq!(t.body["columnDefinitions"][3]["priority"], 1);
    assert_eq!(t.body["rows"][0]["cells"], json!(["t", "red", 4, null]));
    assert_eq!(t.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let one = send(&s, "GET", &item("t"), &[("accept", accept)], None).await;
    assert_eq!(one.body["rows"].as_array().unwrap().len(), 1);
    let none = send(
        &s,
        "GET",
        &format!("{WIDGETS}?includeObject=None"),
        &[("accept", accept)],
        None,
    )
    .await;
    assert!(none.body["rows"][0].get("object").is_none());
}

#[tokio::test]
async fn a_failed_commit_is_a_500_and_leaves_nothing() {
    use krest::store::{EmbeddedOptions, EmbeddedStore};
    let dir = std::env::temp_dir().join(format!("krest-fail-commit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = EmbeddedOptions::default();
    let fail = options.fail_commits.clone();
    let store = std::sync::Arc::new(EmbeddedStore::open(&dir, options).unwrap());
    let s = krest::Server::builder()
        .store(store)
        .resource::<Widget>()
        .build()
        .unwrap();
    fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = json(&s, "POST", WIDGETS, widget("io", "red", 1)).await;
    assert_eq!((r.code, r.reason()), (500, "InternalError"), "{}", r.text);
    fail.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(get(&s, &item("io")).await.code, 404, "no partial state");
    assert_eq!(
        json(&s, "POST", WIDGETS, widget("io", "red", 1)).await.code,
        201
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// GET with a `resourceVersion`: not older than it. A revision the store reaches within the
/// wait is served; one it never reaches is kube-apiserver's 504 `Too large resource version`;
/// a malformed one is a 400.
#[tokio::test(start_paused = true)]
async fn get_waits_for_a_newer_resource_version_then_gives_up() {
    let s = server();
    let created = json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let rv: u64 = created.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        get(&s, &format!("{WIDGETS}/a?resourceVersion={rv}"))
            .await
            .code,
        200
    );
    assert_eq!(
        get(&s, &format!("{WIDGETS}/a?resourceVersion=0"))
            .await
            .code,
        200
    );

    let writer = s.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        json(&writer, "POST", WIDGETS, widget("b", "red", 1)).await;
    });
    let started = tokio::time::Instant::now();
    let fresh = get(&s, &format!("{WIDGETS}/a?resourceVersion={}", rv + 1)).await;
    assert_eq!(fresh.code, 200, "{}", fresh.text);
    assert!(started.elapsed() >= std::time::Duration::from_millis(500));

    let started = tokio::time::Instant::now();
    let future = get(&s, &format!("{WIDGETS}/a?resourceVersion={}", rv + 100)).await;
    assert_eq!(future.code, 504, "{}", future.text);
    assert_eq!(future.reason(), "Timeout");
    assert_eq!(
        future.body["details"]["causes"][0]["reason"],
        "ResourceVersionTooLarge"
    );
    assert!(future.body["message"]
        .as_str()
        .unwrap()
        .contains("Too large resource version"));
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));

    let malformed = get(&s, &format!("{WIDGETS}/a?resourceVersion=zz")).await;
    assert_eq!(malformed.code, 400, "{}", malformed.text);
}

/// An object larger than a store accepts (etcd's 1.5 MiB, on every backend) is a 413, on
/// create and when an update grows it past the limit; the stored object is unchanged.
#[tokio::test]
async fn objects_over_the_store_limit_are_413() {
    let s = server();
    let big = "x".repeat(krest::store::MAX_VALUE_BYTES);
    let mut body = widget("big", "red", 1);
    body["spec"]["size"] = json!(big);
    let refused = json(&s, "POST", WIDGETS, body).await;
    assert_eq!(refused.code, 413, "{}", refused.text);
    assert_eq!(refused.reason(), "RequestEntityTooLarge");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("a stored object may have"),
        "{}",
        refused.text
    );
    assert_eq!(get(&s, &format!("{WIDGETS}/big")).await.code, 404);

    assert_eq!(
        json(&s, "POST", WIDGETS, widget("a", "red", 1)).await.code,
        201
    );
    let grown = patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"spec": {"size": big}}),
    )
    .await;
    assert_eq!(grown.code, 413, "{}", grown.text);
    let kept = get(&s, &format!("{WIDGETS}/a")).await;
    assert_eq!(kept.body["spec"].get("size"), None);
}
