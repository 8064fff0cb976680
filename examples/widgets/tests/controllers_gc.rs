//! Cascading deletion through real clients: `kubectl delete --cascade=background|foreground|
//! orphan` (foreground returns once the owner is gone, after its dependents), and kube-rs's
//! `DeleteParams::{background, foreground, orphan}`, with the server's garbage collector doing
//! the rest.

mod support;
#[path = "support/kube.rs"]
mod support_kube;

use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, PostParams};
use kube::core::DynamicObject;
use serde_json::{json, Value};
use support::{start, temp_dir, Kubectl};

fn manifest(name: &str, owner: Option<(&str, &str)>) -> String {
    let owners = match owner {
        Some((owner, uid)) => format!(
            "  ownerReferences:\n  - apiVersion: demo.krest.dev/v1\n    kind: Widget\n    name: {owner}\n    uid: {uid}\n    blockOwnerDeletion: true\n"
        ),
        None => String::new(),
    };
    format!(
        "apiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: default\n{owners}spec:\n  color: red\n  replicas: 1\n"
    )
}

/// Polls until `check` holds, for at most ten seconds.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kubectl_cascades() {
    let server = start(&["--store", "memory"]);
    let dir = temp_dir("cascade");
    let k = Kubectl::new(&server, &dir);
    let apply = |name: &str, owner: Option<(&str, &str)>| {
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(&path, manifest(name, owner)).unwrap();
        k.ok(&["apply", "-f", path.to_str().unwrap()]);
    };
    let uid = |name: &str| k.ok(&["get", "widget", name, "-o", "jsonpath={.metadata.uid}"]);
    let exists = |name: &str| k.output(&["get", "widget", name]).status.success();

    for cascade in ["background", "foreground", "orphan"] {
        let owner = format!("owner-{cascade}");
        apply(&owner, None);
        let owner_uid = uid(&owner);
        let children = [format!("{cascade}-1"), format!("{cascade}-2")];
        for child in &children {
            apply(child, Some((&owner, &owner_uid)));
        }
        let out = k.ok(&["delete", "widget", &owner, &format!("--cascade={cascade}")]);
        assert!(out.contains("deleted"), "{out}");
        match cascade {
            // kubectl waits for the owner to be gone, which is after its blocking dependents.
            "foreground" => {
                assert!(!exists(&owner));
                for child in &children {
                    assert!(!exists(child), "{child} outlived its owner");
                }
            }
            "background" => {
                assert!(!exists(&owner));
                for child in &children {
                    eventually(&format!("{child} is collected"), || !exists(child));
                }
            }
            _ => {
                eventually("the orphaning owner goes", || !exists(&owner));
                for child in &children {
                    assert!(exists(child), "{child} was deleted");
                    let refs = k.ok(&[
                        "get",
                        "widget",
                        child,
                        "-o",
                        "jsonpath={.metadata.ownerReferences}",
                    ]);
                    assert_eq!(refs, "", "{child} still refers to its owner");
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn make(
    api: &Api<DynamicObject>,
    name: &str,
    owner: Option<&DynamicObject>,
) -> DynamicObject {
    let mut object = json!({
        "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"color": "blue", "replicas": 1},
    });
    if let Some(owner) = owner {
        object["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
            "name": owner.metadata.name, "uid": owner.metadata.uid,
            "blockOwnerDeletion": true, "controller": true,
        }]);
    }
    let object: DynamicObject = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &object).await.unwrap()
}

async fn gone(api: &Api<DynamicObject>, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while api.get_opt(name).await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "{name} is still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_delete_params() {
    let server = start(&["--store", "memory"]);
    let api = support_kube::widgets(&server);

    // Background: the owner is gone at once, its dependent soon after.
    let owner = make(&api, "bg", None).await;
    make(&api, "bg-child", Some(&owner)).await;
    let deleted = api.delete("bg", &DeleteParams::background()).await.unwrap();
    assert!(deleted.is_right(), "deleted at once");
    gone(&api, "bg-child").await;

    // Foreground: the owner answers marked, with the finalizer; it goes after its dependent.
    let owner = make(&api, "fg", None).await;
    make(&api, "fg-child", Some(&owner)).await;
    let pending = api.delete("fg", &DeleteParams::foreground()).await.unwrap();
    let marked = pending.left().expect("the owner is still there");
    assert_eq!(
        marked.metadata.finalizers.as_deref(),
        Some(&["foregroundDeletion".to_string()][..])
    );
    gone(&api, "fg-child").await;
    gone(&api, "fg").await;

    // Orphan: the dependent stays, without its owner reference.
    let owner = make(&api, "or", None).await;
    make(&api, "or-child", Some(&owner)).await;
    api.delete("or", &DeleteParams::orphan()).await.unwrap();
    gone(&api, "or").await;
    let child = api.get("or-child").await.unwrap();
    let refs: Value = serde_json::to_value(&child.metadata.owner_references).unwrap();
    assert!(refs.is_null() || refs == json!([]), "{refs}");
}
