//! The built-in `coordination.k8s.io/v1` Lease, without sockets: served by every server unless
//! its builder leaves the built-ins out, every verb, optimistic concurrency (a stale
//! resourceVersion is a 409, which is what leader election stands on), validation, discovery,
//! OpenAPI and the strategic merge patch kubectl sends for it.

#![allow(missing_docs)]

mod common;

use common::*;
use krest::Server;
use serde_json::{json, Value};

const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

fn lease(name: &str, holder: &str) -> Value {
    json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 15,
            "acquireTime": "2026-01-02T03:04:05.000000Z",
            "renewTime": "2026-01-02T03:04:05.123456Z",
            "leaseTransitions": 0,
        },
    })
}

#[tokio::test]
async fn every_verb_with_optimistic_concurrency() {
    let s = server();
    let created = json(&s, "POST", LEASES, lease("controller", "a")).await;
    assert_eq!(created.code, 201, "{}", created.text);
    assert_eq!(created.body["spec"]["holderIdentity"], "a");
    assert_eq!(
        created.body["spec"]["renewTime"],
        "2026-01-02T03:04:05.123456Z"
    );
    let rv = created.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    // Taking the lease over with the version read: one writer wins, the other gets a 409.
    let mut take = created.body.clone();
    take["spec"]["holderIdentity"] = json!("b");
    take["spec"]["leaseTransitions"] = json!(1);
    let won = json(&s, "PUT", &format!("{LEASES}/controller"), take.clone()).await;
    assert_eq!(won.code, 200, "{}", won.text);
    take["spec"]["holderIdentity"] = json!("c");
    let lost = json(&s, "PUT", &format!("{LEASES}/controller"), take).await;
    assert_eq!(lost.code, 409, "{}", lost.text);
    assert_eq!(lost.reason(), "Conflict");
    let read = get(&s, &format!("{LEASES}/controller")).await;
    assert_eq!(read.body["spec"]["holderIdentity"], "b");
    assert_ne!(read.body["metadata"]["resourceVersion"], json!(rv));

    // A JSON patch with a resourceVersion test is the same precondition.
    let stale = patch(
        &s,
        &format!("{LEASES}/controller"),
        "application/merge-patch+json",
        json!({"metadata": {"resourceVersion": rv}, "spec": {"holderIdentity": "d"}}),
    )
    .await;
    assert_eq!(stale.code, 409, "{}", stale.text);

    // kubectl's client-side apply patches a Lease with a strategic merge patch.
    let renewed = patch(
        &s,
        &format!("{LEASES}/controller"),
        "application/strategic-merge-patch+json",
        json!({"spec": {"renewTime": "2026-01-02T03:05:00.000000Z"}}),
    )
    .await;
    assert_eq!(renewed.code, 200, "{}", renewed.text);
    assert_eq!(renewed.body["spec"]["holderIdentity"], "b");

    let list = get(&s, LEASES).await;
    assert_eq!(list.body["kind"], "LeaseList");
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let all = get(&s, "/apis/coordination.k8s.io/v1/leases").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);

    let table = send(
        &s,
        "GET",
        LEASES,
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
    assert_eq!(columns, ["Name", "Holder", "Age"]);
    assert_eq!(table.body["rows"][0]["cells"][1], "b");

    let deleted = send(&s, "DELETE", &format!("{LEASES}/controller"), &[], None).await;
    assert_eq!(deleted.code, 200, "{}", deleted.text);
    assert_eq!(get(&s, &format!("{LEASES}/controller")).await.code, 404);
    for name in ["x", "y"] {
        assert_eq!(json(&s, "POST", LEASES, lease(name, "a")).await.code, 201);
    }
    let collection = send(&s, "DELETE", LEASES, &[], None).await;
    assert_eq!(collection.code, 200, "{}", collection.text);
    assert_eq!(get(&s, LEASES).await.body["items"], json!([]));
}

#[tokio::test]
async fn a_lease_without_spec_and_bad_values() {
    let s = server();
    let bare = json(
        &s,
        "POST",
        LEASES,
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "bare"}}),
    )
    .await;
    assert_eq!(bare.code, 201, "{}", bare.text);
    assert_eq!(bare.body["spec"], json!({}));
    let mut bad = lease("bad", "a");
    bad["spec"]["leaseDurationSeconds"] = json!(0);
    bad["spec"]["renewTime"] = json!("yesterday");
    let refused = json(&s, "POST", LEASES, bad).await;
    assert_eq!(refused.code, 422, "{}", refused.text);
    let causes: Vec<&str> = refused.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(causes.contains(&"spec.leaseDurationSeconds"), "{causes:?}");
    assert!(causes.contains(&"spec.renewTime"), "{causes:?}");
}

#[tokio::test]
async fn discovery_and_openapi() {
    let s = server();
    let group = get(&s, "/apis/coordination.k8s.io/v1").await;
    assert_eq!(group.code, 200);
    let leases = &group.body["resources"][0];
    assert_eq!(leases["name"], "leases");
    assert_eq!(leases["kind"], "Lease");
    assert_eq!(leases["namespaced"], true);
    assert_eq!(
        leases["verbs"],
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
    let doc = get(&s, "/openapi/v3/apis/coordination.k8s.io/v1").await;
    assert_eq!(doc.code, 200);
    let schemas = doc.body["components"]["schemas"].as_object().unwrap();
    let (_, schema) = schemas
        .iter()
        .find(|(name, _)| name.ends_with("coordination.v1.Lease"))
        .unwrap_or_else(|| panic!("no Lease schema in {:?}", schemas.keys()));
    assert_eq!(
        schema["x-kubernetes-group-version-kind"][0]["kind"],
        "Lease"
    );
}

#[tokio::test]
async fn without_builtins_there_is_no_lease() {
    let s = Server::builder()
        .resource::<Widget>()
        .without_builtins()
        .build()
        .unwrap();
    assert_eq!(get(&s, LEASES).await.code, 404);
    let apis = get(&s, "/apis").await;
    assert!(!apis.text.contains("coordination.k8s.io"), "{}", apis.text);
    // A server may serve its own Lease type instead: no duplicate.
    let own = Server::builder().resource::<krest::Lease>().build();
    assert!(own.is_ok());
}

/// Clients re-encode `creationTimestamp` (the Python client writes `+00:00` for `Z`): an update
/// ignores it, as kube-apiserver's BeforeUpdate does; a changed uid is still refused.
#[tokio::test]
async fn an_update_ignores_a_reencoded_creation_timestamp() {
    let s = server();
    let created = json(&s, "POST", LEASES, lease("ts", "a")).await;
    let stamp = created.body["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .to_string();
    let mut update = created.body.clone();
    update["metadata"]["creationTimestamp"] = json!(stamp.replace('Z', "+00:00"));
    update["spec"]["holderIdentity"] = json!("b");
    let r = json(&s, "PUT", &format!("{LEASES}/ts"), update.clone()).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["creationTimestamp"], json!(stamp));
    update["metadata"]["resourceVersion"] = r.body["metadata"]["resourceVersion"].clone();
    update["metadata"]["uid"] = json!("another");
    let r = json(&s, "PUT", &format!("{LEASES}/ts"), update).await;
    assert_eq!(r.code, 422, "{}", r.text);
    assert!(r.text.contains("metadata.uid"), "{}", r.text);
}
