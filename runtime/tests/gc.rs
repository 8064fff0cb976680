//! Garbage collection by ownerReferences, without sockets (the collector started with
//! `Server::start_controllers`): background, foreground and orphan deletion (by
//! `propagationPolicy`, the deprecated `orphanDependents`, and `deletecollection`), dangling and
//! several owners, owners across scopes, owner reference validation, and a restart that resumes
//! an unfinished foreground deletion.

#![allow(missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use krest::store::{EmbeddedOptions, EmbeddedStore};
use krest::Server;
use serde_json::{json, Value};

fn started() -> Server {
    let s = server();
    s.start_controllers();
    s
}

fn owned(name: &str, owners: Value) -> Value {
    let mut w = widget(name, "red", 1);
    w["metadata"]["ownerReferences"] = owners;
    w
}

fn reference(owner: &Value, block: bool) -> Value {
    json!({
        "apiVersion": owner["apiVersion"], "kind": owner["kind"],
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": block,
    })
}

async fn create(s: &Server, uri: &str, body: Value) -> Value {
    let r = json(s, "POST", uri, body).await;
    assert_eq!(r.code, 201, "{}", r.text);
    r.body
}

/// Polls `uri` until its status is `code`, for at most ten seconds.
async fn wait_for(s: &Server, uri: &str, code: u16) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(s, uri).await;
        if r.code == code {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "{uri} still answers {}: {}",
            r.code,
            r.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn widget_uri(name: &str) -> String {
    format!("{WIDGETS}/{name}")
}

#[tokio::test]
async fn background_deletes_dependents_across_scopes() {
    let s = started();
    // A cluster-scoped Gadget owns namespaced Widgets.
    let gadget = create(
        &s,
        GADGETS,
        json!({"metadata": {"name": "g"}, "spec": {"vendor": "acme"}}),
    )
    .await;
    for name in ["a", "b"] {
        create(&s, WIDGETS, owned(name, json!([reference(&gadget, false)]))).await;
    }
    create(&s, WIDGETS, widget("unowned", "red", 1)).await;
    let deleted = send(&s, "DELETE", &format!("{GADGETS}/g"), &[], None).await;
    assert_eq!(deleted.code, 200, "{}", deleted.text);
    wait_for(&s, &widget_uri("a"), 404).await;
    wait_for(&s, &widget_uri("b"), 404).await;
    assert_eq!(get(&s, &widget_uri("unowned")).await.code, 200);
}

#[tokio::test]
async fn foreground_waits_for_blocking_dependents() {
    let s = started();
    let owner = create(&s, WIDGETS, widget("owner", "red", 1)).await;
    let mut held = owned("held", json!([reference(&owner, true)]));
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    create(&s, WIDGETS, held).await;
    create(
        &s,
        WIDGETS,
        owned("free", json!([reference(&owner, false)])),
    )
    .await;

    let r = send(
        &s,
        "DELETE",
        &format!("{}?propagationPolicy=Foreground", widget_uri("owner")),
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
    assert!(r.body["metadata"]["deletionTimestamp"].is_string());
    // Every dependent is deleted; the blocking one is held by its finalizer, and so is the owner.
    wait_for(&s, &widget_uri("free"), 404).await;
    let held = get(&s, &widget_uri("held")).await;
    assert!(
        held.body["metadata"]["deletionTimestamp"].is_string(),
        "{}",
        held.text
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(get(&s, &widget_uri("owner")).await.code, 200);
    // Its finalizer removed, the dependent goes, and then the owner.
    let released = patch(
        &s,
        &widget_uri("held"),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
    assert_eq!(released.code, 200, "{}", released.text);
    wait_for(&s, &widget_uri("held"), 404).await;
    wait_for(&s, &widget_uri("owner"), 404).await;
}

#[tokio::test]
async fn orphan_keeps_dependents_without_the_reference() {
    let s = started();
    let owner = create(&s, WIDGETS, widget("owner", "red", 1)).await;
    let other = create(&s, WIDGETS, widget("other", "red", 1)).await;
    create(&s, WIDGETS, owned("d1", json!([reference(&owner, true)]))).await;
    create(
        &s,
        WIDGETS,
        owned(
            "d2",
            json!([reference(&owner, false), reference(&other, false)]),
        ),
    )
    .await;
    // The policy in the body's DeleteOptions.
    let r = json(
        &s,
        "DELETE",
        &widget_uri("owner"),
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["finalizers"], json!(["orphan"]));
    wait_for(&s, &widget_uri("owner"), 404).await;
    let d1 = get(&s, &widget_uri("d1")).await;
    assert_eq!(d1.code, 200);
    assert!(
        d1.body["metadata"].get("ownerReferences").is_none(),
        "{}",
        d1.text
    );
    let d2 = get(&s, &widget_uri("d2")).await;
    assert_eq!(
        d2.body["metadata"]["ownerReferences"][0]["name"], "other",
        "{}",
        d2.text
    );
    assert_eq!(
        d2.body["metadata"]["ownerReferences"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn orphan_dependents_and_deletecollection() {
    let s = started();
    let owner = create(&s, WIDGETS, widget("owner", "blue", 1)).await;
    create(
        &s,
        WIDGETS,
        owned("kept", json!([reference(&owner, false)])),
    )
    .await;
    let r = send(
        &s,
        "DELETE",
        &format!("{}?orphanDependents=true", widget_uri("owner")),
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    wait_for(&s, &widget_uri("owner"), 404).await;
    assert_eq!(get(&s, &widget_uri("kept")).await.code, 200);

    // Both set: 422, as kube-apiserver.
    let both = send(
        &s,
        "DELETE",
        &format!(
            "{}?orphanDependents=true&propagationPolicy=Foreground",
            widget_uri("kept")
        ),
        &[],
        None,
    )
    .await;
    assert_eq!(both.code, 422, "{}", both.text);

    // deletecollection cascades the same way: Foreground on every selected owner.
    let a = create(&s, WIDGETS, widget("a", "green", 1)).await;
    create(&s, WIDGETS, owned("child", json!([reference(&a, true)]))).await;
    let r = send(
        &s,
        "DELETE",
        &format!("{WIDGETS}?labelSelector=color%3Dgreen&propagationPolicy=Foreground"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["items"][0]["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
    wait_for(&s, &widget_uri("child"), 404).await;
    wait_for(&s, &widget_uri("a"), 404).await;
}

#[tokio::test]
async fn dangling_and_several_owners() {
    let s = started();
    // No object has this uid: the dependent is garbage.
    create(
        &s,
        WIDGETS,
        owned(
            "dangling",
            json!([{"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "name": "ghost", "uid": "0000-ghost"}]),
        ),
    )
    .await;
    wait_for(&s, &widget_uri("dangling"), 404).await;

    let a = create(&s, WIDGETS, widget("a", "red", 1)).await;
    let b = create(&s, WIDGETS, widget("b", "red", 1)).await;
    create(
        &s,
        WIDGETS,
        owned(
            "shared",
            json!([reference(&a, false), reference(&b, false)]),
        ),
    )
    .await;
    assert_eq!(
        send(&s, "DELETE", &widget_uri("a"), &[], None).await.code,
        200
    );
    // One owner left: the dependent stays, its reference to the gone owner removed.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shared = get(&s, &widget_uri("shared")).await;
        assert_eq!(shared.code, 200, "{}", shared.text);
        if shared.body["metadata"]["ownerReferences"]
            .as_array()
            .map(Vec::len)
            == Some(1)
        {
            assert_eq!(shared.body["metadata"]["ownerReferences"][0]["name"], "b");
            break;
        }
        assert!(Instant::now() < deadline, "{}", shared.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        send(&s, "DELETE", &widget_uri("b"), &[], None).await.code,
        200
    );
    wait_for(&s, &widget_uri("shared"), 404).await;

    // An owner in another namespace cannot own a namespaced object: garbage too.
    let elsewhere = create(
        &s,
        "/apis/demo.krest.dev/v1/namespaces/other/widgets",
        widget("elsewhere", "red", 1),
    )
    .await;
    create(
        &s,
        WIDGETS,
        owned("crossed", json!([reference(&elsewhere, false)])),
    )
    .await;
    wait_for(&s, &widget_uri("crossed"), 404).await;
}

#[tokio::test]
async fn owner_references_are_validated() {
    let s = started();
    let missing = json(
        &s,
        "POST",
        WIDGETS,
        owned(
            "bad",
            json!([{"apiVersion": "v1", "kind": "K", "name": "n"}]),
        ),
    )
    .await;
    assert_eq!(missing.code, 422, "{}", missing.text);
    assert!(
        missing.text.contains("metadata.ownerReferences[0].uid"),
        "{}",
        missing.text
    );
    let two = json(
        &s,
        "POST",
        WIDGETS,
        owned(
            "bad",
            json!([
                {"apiVersion": "v1", "kind": "K", "name": "a", "uid": "1", "controller": true},
                {"apiVersion": "v1", "kind": "K", "name": "b", "uid": "2", "controller": true},
            ]),
        ),
    )
    .await;
    assert_eq!(two.code, 422, "{}", two.text);
    assert!(
        two.text
            .contains("Only one reference can have Controller set to true"),
        "{}",
        two.text
    );
}

#[tokio::test]
async fn a_restart_resumes_a_foreground_deletion() {
    let dir = tempfile::TempDir::new().unwrap();
    let open = || {
        let store = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
        Server::builder()
            .store(std::sync::Arc::new(store))
            .resource::<Widget>()
            .build()
            .unwrap()
    };
    {
        // No collector runs: the deletion stops half-way, recorded in the finalizer.
        let s = open();
        let owner = create(&s, WIDGETS, widget("owner", "red", 1)).await;
        create(
            &s,
            WIDGETS,
            owned("child", json!([reference(&owner, true)])),
        )
        .await;
        let r = send(
            &s,
            "DELETE",
            &format!("{}?propagationPolicy=Foreground", widget_uri("owner")),
            &[],
            None,
        )
        .await;
        assert_eq!(r.code, 200);
        assert_eq!(get(&s, &widget_uri("child")).await.code, 200);
    }
    let s = open();
    s.start_controllers();
    wait_for(&s, &widget_uri("child"), 404).await;
    wait_for(&s, &widget_uri("owner"), 404).await;
}
