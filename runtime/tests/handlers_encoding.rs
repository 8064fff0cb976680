//! Request and response encodings, without sockets: YAML bodies in and out, `pretty=true`, and
//! the patch types krest refuses (server-side apply, strategic merge patch).

mod common;

use common::*;
use serde_json::{json, Value};

const YAML_WIDGET: &str = "\
apiVersion: demo.krest.dev/v1
kind: Widget
metadata:
  name: y
  labels:
    color: blue
spec:
  color: blue
  replicas: 3
";

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}): {text}"))
}

#[tokio::test]
async fn yaml_request_and_response_bodies() {
    let s = server();
    let r = send(
        &s,
        "POST",
        WIDGETS,
        &[
            ("content-type", "application/yaml"),
            ("accept", "application/yaml"),
        ],
        Some(YAML_WIDGET.as_bytes().to_vec()),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/yaml");
    let created = yaml(&r.text);
    assert_eq!(created["spec"], json!({"color": "blue", "replicas": 3}));
    assert!(r.text.contains("kind: Widget"), "{}", r.text);

    // JSON in, YAML out; the client's preference decides.
    let r = send(
        &s,
        "GET",
        &format!("{WIDGETS}/y"),
        &[("accept", "application/yaml, application/json;q=0.5")],
        None,
    )
    .await;
    assert_eq!(r.headers["content-type"], "application/yaml");
    assert_eq!(yaml(&r.text)["metadata"]["name"], "y");
    let r = send(
        &s,
        "GET",
        &format!("{WIDGETS}/y"),
        &[("accept", "application/json, application/yaml;q=0.5")],
        None,
    )
    .await;
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.body["metadata"]["name"], "y");

    let r = send(&s, "GET", WIDGETS, &[("accept", "application/yaml")], None).await;
    let list = yaml(&r.text);
    assert_eq!(list["kind"], "WidgetList");
    assert_eq!(list["items"][0]["spec"]["replicas"], 3);

    // Replace with a YAML body.
    let rv = created["metadata"]["resourceVersion"].as_str().unwrap();
    let replaced = format!("{YAML_WIDGET}  size: large\n").replace(
        "  name: y\n",
        &format!("  name: y\n  resourceVersion: \"{rv}\"\n"),
    );
    let r = send(
        &s,
        "PUT",
        &format!("{WIDGETS}/y"),
        &[("content-type", "application/yaml")],
        Some(replaced.into_bytes()),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["size"], "large");

    // Errors come back in YAML too.
    let r = send(
        &s,
        "GET",
        &format!("{WIDGETS}/missing"),
        &[("accept", "application/yaml")],
        None,
    )
    .await;
    assert_eq!(r.code, 404);
    let status = yaml(&r.text);
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("NotFound"))
    );
}

#[tokio::test]
async fn bad_yaml_is_a_bad_request() {
    let s = server();
    let bomb = "\
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
";
    let deep = format!("spec: {}1{}\n", "[".repeat(1000), "]".repeat(1000));
    for body in [
        bomb.to_string(),
        deep,
        "- a list\n".into(),
        "spec: [1, 2\n".into(),
        "a: 1\n---\nb: 2\n".into(),
    ] {
        let r = send(
            &s,
            "POST",
            WIDGETS,
            &[("content-type", "application/yaml")],
            Some(body.clone().into_bytes()),
        )
        .await;
        assert_eq!(
            (r.code, r.reason()),
            (400, "BadRequest"),
            "{body:.60}: {}",
            r.text
        );
    }
    let r = send(
        &s,
        "POST",
        WIDGETS,
        &[("content-type", "text/plain")],
        Some(b"x".to_vec()),
    )
    .await;
    assert_eq!((r.code, r.reason()), (415, "UnsupportedMediaType"));
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("application/yaml"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn pretty_output() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("p", "red", 1)).await;
    let compact = get(&s, &format!("{WIDGETS}/p")).await;
    assert!(!compact.text.contains('\n'), "{}", compact.text);
    let pretty = get(&s, &format!("{WIDGETS}/p?pretty=true")).await;
    assert!(
        pretty
            .text
            .contains("\n  \"apiVersion\": \"demo.krest.dev/v1\""),
        "{}",
        pretty.text
    );
    assert_eq!(pretty.body, compact.body);
    let by_agent = send(&s, "GET", WIDGETS, &[("user-agent", "curl/8.5.0")], None).await;
    assert!(by_agent.text.contains("\n  "), "{}", by_agent.text);
    let not_asked = send(
        &s,
        "GET",
        &format!("{WIDGETS}?pretty=false"),
        &[("user-agent", "curl/8.5.0")],
        None,
    )
    .await;
    assert!(!not_asked.text.contains('\n'), "{}", not_asked.text);
}

#[tokio::test]
async fn watches_stay_json() {
    let s = server();
    let r = send(
        &s,
        "GET",
        &format!("{WIDGETS}?watch=true&timeoutSeconds=1"),
        &[("accept", "application/yaml")],
        None,
    )
    .await;
    assert_eq!((r.code, r.reason()), (406, "NotAcceptable"), "{}", r.text);
    // Pretty printing never applies to a watch stream: each event stays one line.
    json(&s, "POST", WIDGETS, widget("w", "red", 1)).await;
    let r = send(
        &s,
        "GET",
        &format!("{WIDGETS}?watch=true&timeoutSeconds=1&pretty=true"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 200);
    let first = r.text.lines().next().unwrap();
    let event: Value = serde_json::from_str(first).unwrap();
    assert_eq!(event["type"], "ADDED");
}

#[tokio::test]
async fn apply_and_strategic_merge_patches_are_refused() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let item = format!("{WIDGETS}/a?fieldManager=kubectl");
    let r = patch(
        &s,
        &item,
        "application/apply-patch+yaml",
        json!({"spec": {"replicas": 2}}),
    )
    .await;
    // An apply configuration needs its apiVersion and kind (server-side apply is served; see
    // handlers_apply.rs).
    assert_eq!((r.code, r.reason()), (400, "BadRequest"));
    assert_eq!(
        r.body["message"],
        "Incorrect version specified in apply patch. Specified patch version: , expected: demo.krest.dev/v1"
    );
    let r = patch(
        &s,
        &item,
        "application/strategic-merge-patch+json",
        json!({"spec": {"replicas": 2}}),
    )
    .await;
    assert_eq!((r.code, r.reason()), (415, "UnsupportedMediaType"));
    assert_eq!(
        get(&s, &format!("{WIDGETS}/a")).await.body["spec"]["replicas"],
        1
    );
}
