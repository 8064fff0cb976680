//! The built-in core `v1` Namespace, without sockets: served at `/api/v1/namespaces`,
//! NamespaceLifecycle on create, and termination: deleting a namespace marks it `Terminating`
//! (`spec.finalizers: [kubernetes]`), the namespace controller deletes its content honouring
//! each object's finalizers and reports progress in conditions, `/finalize` edits the spec's
//! finalizers, and the namespace goes once it is empty.

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

/// Polls `uri` until `check` holds on the reply, for at most ten seconds.
async fn wait_until(s: &Server, uri: &str, check: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = get(s, uri).await;
        if check(&r) {
            return r;
        }
        assert!(std::time::Instant::now() < deadline, "{uri}: {}", r.text);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn condition<'a>(ns: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    ns["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == kind))
        .unwrap_or(&serde_json::Value::Null)
}

#[tokio::test]
async fn deleting_a_namespace_terminates_it() {
    let s = server_with_namespaces();
    s.start_controllers();
    for ns in ["doomed", "kept"] {
        let r = json(&s, "POST", NAMESPACES, namespace(ns)).await;
        assert_eq!(
            r.body["spec"]["finalizers"],
            json!(["kubernetes"]),
            "{}",
            r.text
        );
        for name in ["a", "b"] {
            let r = json(&s, "POST", &widgets_in(ns), widget(name, "red", 1)).await;
            assert_eq!(r.code, 201, "{}", r.text);
        }
    }
    // An update cannot change the spec's finalizers: only /finalize can.
    let r = patch(
        &s,
        &format!("{NAMESPACES}/kept"),
        "application/merge-patch+json",
        json!({"spec": {"finalizers": []}}),
    )
    .await;
    assert_eq!(
        r.body["spec"]["finalizers"],
        json!(["kubernetes"]),
        "{}",
        r.text
    );
    // One object holds a finalizer.
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
        get(&s, &format!("{NAMESPACES}/doomed")).await.body["status"]["phase"],
        "Active"
    );

    let r = send(&s, "DELETE", &format!("{NAMESPACES}/doomed"), &[], None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Terminating");
    assert!(r.body["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(r.body["spec"]["finalizers"], json!(["kubernetes"]));
    // New content is refused; what is there goes, but the held object keeps the namespace.
    let refused = json(&s, "POST", &widgets_in("doomed"), widget("c", "red", 1)).await;
    assert_eq!(
        (refused.code, refused.reason()),
        (403, "Forbidden"),
        "{}",
        refused.text
    );
    assert_eq!(
        refused.body["message"],
        "unable to create new content in namespace doomed because it is being terminated"
    );
    wait_until(&s, &format!("{}/a", widgets_in("doomed")), |r| {
        r.code == 404
    })
    .await;
    let ns = wait_until(&s, &format!("{NAMESPACES}/doomed"), |r| {
        condition(&r.body, "NamespaceFinalizersRemaining")["status"] == "True"
    })
    .await;
    assert_eq!(
        condition(&ns.body, "NamespaceFinalizersRemaining")["message"],
        "Some content in the namespace has finalizers remaining: demo.krest.dev/hold in 1 resource instances"
    );
    assert_eq!(
        condition(&ns.body, "NamespaceContentRemaining")["message"],
        "Some resources are remaining: widgets.demo.krest.dev has 1 resource instances"
    );
    assert_eq!(
        condition(&ns.body, "NamespaceDeletionContentFailure")["status"],
        "False"
    );
    let held = get(&s, &format!("{}/b", widgets_in("doomed"))).await;
    assert!(
        held.body["metadata"]["deletionTimestamp"].is_string(),
        "{}",
        held.text
    );
    // Updates in a terminating namespace still work: the holder lets go.
    let r = patch(
        &s,
        &format!("{}/b", widgets_in("doomed")),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    wait_until(&s, &format!("{NAMESPACES}/doomed"), |r| r.code == 404).await;
    let kept = get(&s, &widgets_in("kept")).await;
    assert_eq!(kept.body["items"].as_array().unwrap().len(), 2);
    // Re-created, the namespace is empty: nothing survived.
    json(&s, "POST", NAMESPACES, namespace("doomed")).await;
    assert_eq!(
        get(&s, &widgets_in("doomed")).await.body["items"],
        json!([])
    );
}

#[tokio::test]
async fn finalize_edits_the_spec_finalizers() {
    let s = server_with_namespaces();
    // No controller runs here: /finalize is what lets the namespace go.
    json(&s, "POST", NAMESPACES, namespace("fin")).await;
    let r = send(&s, "DELETE", &format!("{NAMESPACES}/fin"), &[], None).await;
    assert_eq!(r.body["status"]["phase"], "Terminating");
    let mut body = r.body.clone();
    body["spec"]["finalizers"] = json!(["example.com/extra", "kubernetes"]);
    let r = json(
        &s,
        "PUT",
        &format!("{NAMESPACES}/fin/finalize"),
        body.clone(),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        r.body["spec"]["finalizers"],
        json!(["example.com/extra", "kubernetes"])
    );
    body["spec"]["finalizers"] = json!(["not a finalizer"]);
    let r = json(
        &s,
        "PUT",
        &format!("{NAMESPACES}/fin/finalize"),
        body.clone(),
    )
    .await;
    assert_eq!(r.code, 422, "{}", r.text);
    body["spec"]["finalizers"] = json!([]);
    let r = json(&s, "PUT", &format!("{NAMESPACES}/fin/finalize"), body).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(get(&s, &format!("{NAMESPACES}/fin")).await.code, 404);
    let r = json(
        &s,
        "PUT",
        &format!("{NAMESPACES}/fin/finalize"),
        namespace("fin"),
    )
    .await;
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
async fn a_namespace_with_metadata_finalizers_waits_for_them_too() {
    let s = server_with_namespaces();
    s.start_controllers();
    let mut ns = namespace("slow");
    ns["metadata"]["finalizers"] = json!(["demo.krest.dev/wait"]);
    json(&s, "POST", NAMESPACES, ns).await;
    json(&s, "POST", &widgets_in("slow"), widget("a", "red", 1)).await;

    let r = send(&s, "DELETE", &format!("{NAMESPACES}/slow"), &[], None).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Terminating");
    wait_until(&s, &format!("{}/a", widgets_in("slow")), |r| r.code == 404).await;
    // Empty, the `kubernetes` finalizer goes; the metadata one still holds it.
    let r = wait_until(&s, &format!("{NAMESPACES}/slow"), |r| {
        r.body["spec"].get("finalizers").is_none()
    })
    .await;
    assert_eq!(
        r.body["metadata"]["finalizers"],
        json!(["demo.krest.dev/wait"])
    );
    assert_eq!(
        condition(&r.body, "NamespaceContentRemaining")["status"],
        "False"
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
