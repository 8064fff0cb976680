//! The built-in Events, without sockets: the core `v1` Event and the `events.k8s.io/v1` Event
//! are one stored object in two shapes (written through one, read and patched through the
//! other), with the field selectors each API allows, and Tables for `kubectl get events`.

#![allow(missing_docs)]

mod common;

use common::*;
use serde_json::{json, Value};

const CORE: &str = "/api/v1/namespaces/default/events";
const NEW: &str = "/apis/events.k8s.io/v1/namespaces/default/events";

fn core_event(name: &str, object: &str, reason: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name},
        "involvedObject": {"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "name": object, "namespace": "default", "uid": format!("uid-{object}")},
        "reason": reason,
        "message": format!("{object} was {reason}"),
        "source": {"component": "widgets-controller"},
        "firstTimestamp": "2026-01-02T03:04:05Z",
        "lastTimestamp": "2026-01-02T03:04:05Z",
        "count": 1,
        "type": "Normal",
    })
}

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn one_object_two_shapes() {
    let s = server();
    let created = json(&s, "POST", CORE, core_event("w1.1", "w1", "Scaled")).await;
    assert_eq!(created.code, 201, "{}", created.text);
    assert!(created.body.get("spec").is_none(), "{}", created.text);
    assert_eq!(created.body["involvedObject"]["name"], "w1");

    // The same object through the new API, in its fields.
    let seen = get(&s, &format!("{NEW}/w1.1")).await;
    assert_eq!(seen.code, 200, "{}", seen.text);
    let event = &seen.body;
    assert_eq!(event["apiVersion"], "events.k8s.io/v1");
    assert_eq!(event["kind"], "Event");
    assert_eq!(event["regarding"]["name"], "w1");
    assert_eq!(event["note"], "w1 was Scaled");
    assert_eq!(event["deprecatedSource"]["component"], "widgets-controller");
    assert_eq!(event["deprecatedCount"], 1);
    assert_eq!(event["deprecatedFirstTimestamp"], "2026-01-02T03:04:05Z");
    for core_only in [
        "involvedObject",
        "message",
        "source",
        "count",
        "firstTimestamp",
    ] {
        assert!(event.get(core_only).is_none(), "{core_only} in {event}");
    }
    assert_eq!(
        event["metadata"]["resourceVersion"],
        created.body["metadata"]["resourceVersion"]
    );

    // Written through the new API (as kube-rs's Recorder does: create, then a merge patch of
    // the series), read through the core one.
    let new = json!({
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "w2.1"},
        "eventTime": "2026-01-02T03:04:05.123456Z",
        "regarding": {"kind": "Widget", "name": "w2", "namespace": "default"},
        "reason": "Reconciled", "note": "all good", "type": "Normal", "action": "Reconcile",
        "reportingController": "widgets", "reportingInstance": "pod-1",
    });
    let made = json(&s, "POST", NEW, new).await;
    assert_eq!(made.code, 201, "{}", made.text);
    assert_eq!(made.body["apiVersion"], "events.k8s.io/v1");
    assert_eq!(made.body["note"], "all good");
    let series = patch(
        &s,
        &format!("{NEW}/w2.1"),
        "application/merge-patch+json",
        json!({"series": {"count": 2, "lastObservedTime": "2026-01-02T03:05:00.000000Z"}}),
    )
    .await;
    assert_eq!(series.code, 200, "{}", series.text);
    assert_eq!(series.body["series"]["count"], 2);
    assert_eq!(series.body["note"], "all good");
    let core = get(&s, &format!("{CORE}/w2.1")).await;
    assert_eq!(core.body["apiVersion"], "v1");
    assert_eq!(core.body["involvedObject"]["name"], "w2");
    assert_eq!(core.body["message"], "all good");
    assert_eq!(core.body["reportingComponent"], "widgets");
    assert_eq!(core.body["series"]["count"], 2);
    assert_eq!(
        core.body["eventTime"], "2026-01-02T03:04:05.123456Z",
        "microseconds kept"
    );

    // An update through the core API with the version read, then a stale one through the other.
    let mut update = core.body.clone();
    update["count"] = json!(5);
    let updated = json(&s, "PUT", &format!("{CORE}/w2.1"), update).await;
    assert_eq!(updated.code, 200, "{}", updated.text);
    let mut stale = series.body.clone();
    stale["note"] = json!("late");
    let refused = json(&s, "PUT", &format!("{NEW}/w2.1"), stale).await;
    assert_eq!(refused.code, 409, "{}", refused.text);
    assert_eq!(
        get(&s, &format!("{NEW}/w2.1")).await.body["deprecatedCount"],
        5
    );

    // Both lists hold both; a delete through one is gone from the other.
    assert_eq!(names(&get(&s, CORE).await.body), ["w1.1", "w2.1"]);
    assert_eq!(names(&get(&s, NEW).await.body), ["w1.1", "w2.1"]);
    let all = get(&s, "/apis/events.k8s.io/v1/events").await;
    assert_eq!(all.body["kind"], "EventList");
    assert_eq!(all.body["apiVersion"], "events.k8s.io/v1");
    assert_eq!(all.body["items"][0]["apiVersion"], "events.k8s.io/v1");
    let deleted = send(&s, "DELETE", &format!("{NEW}/w1.1"), &[], None).await;
    assert_eq!(deleted.code, 200, "{}", deleted.text);
    assert_eq!(get(&s, &format!("{CORE}/w1.1")).await.code, 404);
}

#[tokio::test]
async fn field_selectors_by_involved_object_and_regarding() {
    let s = server();
    for (name, object, reason) in [
        ("a.1", "a", "Scaled"),
        ("a.2", "a", "Failed"),
        ("b.1", "b", "Scaled"),
    ] {
        let r = json(&s, "POST", CORE, core_event(name, object, reason)).await;
        assert_eq!(r.code, 201, "{}", r.text);
    }
    let select = |base: &str, selector: &str| {
        format!("{base}?fieldSelector={}", selector.replace('=', "%3D"))
    };
    let by_name = get(&s, &select(CORE, "involvedObject.name=a")).await;
    assert_eq!(names(&by_name.body), ["a.1", "a.2"]);
    let by_more = get(
        &s,
        &select(CORE, "involvedObject.kind=Widget,involvedObject.uid=uid-b"),
    )
    .await;
    assert_eq!(names(&by_more.body), ["b.1"]);
    let by_reason = get(&s, &select(CORE, "reason=Scaled,type=Normal")).await;
    assert_eq!(names(&by_reason.body), ["a.1", "b.1"]);
    let regarding = get(&s, &select(NEW, "regarding.name=a,reason!=Failed")).await;
    assert_eq!(names(&regarding.body), ["a.1"]);
    // Each API its own labels: kube-apiserver's "field label not supported".
    let wrong = get(&s, &select(NEW, "involvedObject.name=a")).await;
    assert_eq!(wrong.code, 400, "{}", wrong.text);
    assert!(wrong.text.contains("involvedObject.name"), "{}", wrong.text);
    let wrong = get(&s, &select(CORE, "regarding.name=a")).await;
    assert_eq!(wrong.code, 400, "{}", wrong.text);
}

#[tokio::test]
async fn tables_and_validation() {
    let s = server();
    let r = json(&s, "POST", CORE, core_event("t.1", "t", "Scaled")).await;
    assert_eq!(r.code, 201);
    let table = send(
        &s,
        "GET",
        CORE,
        &[(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )],
        None,
    )
    .await;
    let columns: Vec<&str> = table.body["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        ["Name", "Last Seen", "Type", "Reason", "Object", "Message"]
    );
    assert_eq!(table.body["rows"][0]["cells"][3], "Scaled");
    assert_eq!(table.body["rows"][0]["cells"][5], "t was Scaled");

    // The new API requires eventTime; times must be times.
    let missing = json(
        &s,
        "POST",
        NEW,
        json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "x"}, "reason": "R"}),
    )
    .await;
    assert_eq!(missing.code, 422, "{}", missing.text);
    assert!(missing.text.contains("eventTime"), "{}", missing.text);
    // kube-apiserver's rules for new Events: who reported it, and no deprecated fields.
    let unreported = json(
        &s,
        "POST",
        NEW,
        json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "y"},
               "eventTime": "2026-01-02T03:04:05.000000Z", "type": "Normal", "reason": "R",
               "action": "A", "deprecatedCount": 4,
               "regarding": {"kind": "Widget", "name": "t", "namespace": "default"}}),
    )
    .await;
    assert_eq!(unreported.code, 422, "{}", unreported.text);
    let fields: Vec<&str> = unreported.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["reportingController", "reportingInstance", "count"]
    );
    // An old-style core event about an object in another namespace.
    let mut elsewhere = core_event("elsewhere", "t", "Scaled");
    elsewhere["involvedObject"]["namespace"] = json!("other");
    let refused = json(&s, "POST", CORE, elsewhere).await;
    assert_eq!(refused.code, 422, "{}", refused.text);
    assert!(
        refused.text.contains("does not match event.namespace"),
        "{}",
        refused.text
    );
    let mut bad = core_event("bad", "t", "Scaled");
    bad["lastTimestamp"] = json!("yesterday");
    let refused = json(&s, "POST", CORE, bad).await;
    assert_eq!(refused.code, 422, "{}", refused.text);
}

#[tokio::test]
async fn events_expire_after_the_event_ttl_and_other_kinds_do_not() {
    let s = krest::Server::builder()
        .resource::<Widget>()
        .event_ttl(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        json(&s, "POST", CORE, core_event("gone.1", "w", "Scaled"))
            .await
            .code,
        201
    );
    let widget = json(&s, "POST", WIDGETS, widget("stays", "red", 1)).await;
    assert_eq!(widget.code, 201, "{}", widget.text);
    let deadline = started + std::time::Duration::from_secs(10);
    while get(&s, &format!("{NEW}/gone.1")).await.code == 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the event never expired"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(get(&s, &format!("{CORE}/gone.1")).await.code, 404);
    assert_eq!(get(&s, &format!("{WIDGETS}/stays")).await.code, 200);
}
