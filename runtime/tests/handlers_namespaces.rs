//! The built-in core `v1` Namespace, without sockets: served at `/api/v1/namespaces`,
//! NamespaceLifecycle on create, and deleting a namespace deletes what is in it.

mod common;

use common::*;
use krest::Server;
use serde_json::json;

const NAMESPACES: &str = "/api/v1/namespaces";

fn server_with_namespaces() -> Server {
    Server::builder()
        .namespaces()
        .resource::<Widget>()
        .resource::<Gadget>()
        .build()
        .expect("server builds")
}

fn namespace(name: &str) -> serde_json::Value {
    // What `kubectl create namespace NAME` sends.
    json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": name, "creationTimestamp": null}, "spec": {}, "status": {}})
}

fn widgets_in(ns: &str) -> String {
    format!("/apis/demo.krest.dev/v1/namespaces/{ns}/widgets")
}

#[tokio::test]
async fn namespaces_are_a_core_v1_resource() {
    let s = server_with_namespaces();
    let r = get(&s, "/api/v1").await;
    let resources = r.body["resources"].as_array().unwrap();
    let ns = resources
        .iter()
        .find(|r| r["name"] == "namespaces")
        .expect("namespaces in /api/v1");
    assert_eq!(ns["kind"], "Namespace");
    assert_eq!(ns["namespaced"], false);
    assert_eq!(ns["shortNames"], json!(["ns"]));

    let r = json(&s, "POST", NAMESPACES, namespace("team-a")).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(r.body["status"]["phase"], "Active");
    assert!(r.body["metadata"]["uid"].is_string());

    // A manifest without spec and status is fine too.
    let r = json(
        &s,
        "POST",
        NAMESPACES,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}}),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);

    let r = json(&s, "POST", NAMESPACES, namespace("a.b")).await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert_eq!(r.body["details"]["causes"][0]["field"], "metadata.name");

    let r = send(
        &s,
        "GET",
        NAMESPACES,
        &[(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )],
        None,
    )
    .await;
    let columns: Vec<&str> = r.body["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Status", "Age"]);
    let rows: Vec<(&str, &str)> = r.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["cells"][0].as_str().unwrap(),
                r["cells"][1].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("team-a", "Active"), ("team-b", "Active")]);
}

#[tokio::test]
async fn creating_in_a_missing_namespace_is_refused() {
    let s = server_with_namespaces();
    let r = json(&s, "POST", &widgets_in("nowhere"), widget("a", "red", 1)).await;
    assert_eq!((r.code, r.reason()), (404, "NotFound"), "{}", r.text);
    assert_eq!(r.body["message"], "namespaces \"nowhere\" not found");
    assert_eq!(r.body["details"]["kind"], "namespaces");
    assert_eq!(r.body["details"]["name"], "nowhere");
    // Dry runs are refused the same way.
    let r = json(
        &s,
        "POST",
        &format!("{}?dryRun=All", widgets_in("nowhere")),
        widget("a", "red", 1),
    )
    .await;
    assert_eq!(r.code, 404);

    json(&s, "POST", NAMESPACES, namespace("nowhere")).await;
    let r = json(&s, "POST", &widgets_in("nowhere"), widget("a", "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);

    // `default` exists from the start (created on first use without a listener).
    let r = json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);
    let r = get(&s, &format!("{NAMESPACES}/default")).await;
    assert_eq!(
        (r.code, &r.body["status"]["phase"]),
        (200, &json!("Active"))
    );

    // Cluster-scoped kinds are not affected.
    let r = json(
        &s,
        "POST",
        GADGETS,
        json!({"metadata": {"name": "g"}, "spec": {"vendor": "acme"}}),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
}

#[tokio::test]
async fn without_namespaces_any_namespace_goes() {
    let s = server();
    let r = json(&s, "POST", &widgets_in("anything"), widget("a", "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(get(&s, NAMESPACES).await.code, 404);
}

#[tokio::test]
async fn deleting_a_namespace_deletes_its_contents() {
    let s = server_with_namespaces();
    for ns in ["doomed", "kept"] {
        json(&s, "POST", NAMESPACES, namespace(ns)).await;
        for name in ["a", "b"] {
            let r = json(&s, "POST", &widgets_in(ns), widget(name, "red", 1)).await;
            assert_eq!(r.code, 201, "{}", r.text);
        }
    }
    // One object holds a finalizer: it is marked for deletion, not removed.
    let r = patch(
        &s,
        &format!("{}/b", widgets_in("doomed")),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": ["demo.krest.dev/hold"]}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);

    // A dry run deletes nothing.
    let r = send(
        &s,
        "DELETE",
        &format!("{NAMESPACES}/doomed?dryRun=All"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        get(&s, &format!("{}/a", widgets_in("doomed"))).await.code,
        200
    );

    let r = send(&s, "DELETE", &format!("{NAMESPACES}/doomed"), &[], None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(get(&s, &format!("{NAMESPACES}/doomed")).await.code, 404);
    assert_eq!(
        get(&s, &format!("{}/a", widgets_in("doomed"))).await.code,
        404
    );
    let held = get(&s, &format!("{}/b", widgets_in("doomed"))).await;
    assert!(
        held.body["metadata"]["deletionTimestamp"].is_string(),
        "{}",
        held.text
    );
    let kept = get(&s, &widgets_in("kept")).await;
    assert_eq!(kept.body["items"].as_array().unwrap().len(), 2);

    let r = json(&s, "POST", &widgets_in("doomed"), widget("c", "red", 1)).await;
    assert_eq!(r.code, 404, "{}", r.text);
}

#[tokio::test]
async fn namespaces_take_strategic_merge_patches() {
    let s = server_with_namespaces();
    let mut ns = namespace("team-s");
    ns["metadata"]["labels"] = json!({"a": "1", "b": "2"});
    ns["metadata"]["finalizers"] = json!(["x/one"]);
    json(&s, "POST", NAMESPACES, ns).await;
    // What `kubectl apply` sends for a built-in kind, whatever the OpenAPI says.
    let r = patch(
        &s,
        &format!("{NAMESPACES}/team-s"),
        "application/strategic-merge-patch+json",
        json!({"metadata": {
            "labels": {"a": "3", "b": null},
            "$setElementOrder/finalizers": ["x/one", "x/two"],
            "finalizers": ["x/two"],
        }}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["labels"], json!({"a": "3"}));
    assert_eq!(r.body["metadata"]["finalizers"], json!(["x/one", "x/two"]));
    // Only Namespaces: custom kinds keep refusing it.
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let r = patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/strategic-merge-patch+json",
        json!({"spec": {"replicas": 2}}),
    )
    .await;
    assert_eq!((r.code, r.reason()), (415, "UnsupportedMediaType"));
}

#[tokio::test]
async fn a_namespace_with_finalizers_terminates_first() {
    let s = server_with_namespaces();
    let mut ns = namespace("slow");
    ns["metadata"]["finalizers"] = json!(["demo.krest.dev/wait"]);
    json(&s, "POST", NAMESPACES, ns).await;
    json(&s, "POST", &widgets_in("slow"), widget("a", "red", 1)).await;

    let r = send(&s, "DELETE", &format!("{NAMESPACES}/slow"), &[], None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Terminating");
    assert_eq!(
        get(&s, &format!("{}/a", widgets_in("slow"))).await.code,
        404
    );
    let r = json(&s, "POST", &widgets_in("slow"), widget("b", "red", 1)).await;
    assert_eq!((r.code, r.reason()), (403, "Forbidden"));
    assert_eq!(
        r.body["message"],
        "unable to create new content in namespace slow because it is being terminated"
    );

    // Removing the last finalizer finishes the deletion.
    let r = patch(
        &s,
        &format!("{NAMESPACES}/slow"),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(get(&s, &format!("{NAMESPACES}/slow")).await.code, 404);
}
