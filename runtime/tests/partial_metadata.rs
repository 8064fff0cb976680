//! `PartialObjectMetadata` responses without sockets: GET, LIST and WATCH with
//! `Accept: ...;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1|v1beta1`, in JSON and YAML,
//! Accept lists with alternatives, and the 406s kube-apiserver answers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::BodyExt;
use krest::store::{MemoryStore, Store};
use krest::{Body, Server};
use serde_json::{json, Value};

const POM: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const POM_LIST: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
/// What client-go's metadata client sends for a list: protobuf first, then JSON, then the
/// object itself.
const CLIENT_GO_LIST: &str = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

async fn accept(server: &Server, uri: &str, accept: &str) -> Reply {
    send(server, "GET", uri, &[("accept", accept)], None).await
}

/// A server with widgets `a` (red) and `b` (blue); `a` has an annotation and a finalizer.
async fn with_widgets() -> Server {
    let s = server();
    let mut a = widget("a", "red", 1);
    a["metadata"]["annotations"] = json!({"note": "}\"{ tricky"});
    a["metadata"]["finalizers"] = json!(["demo.krest.dev/keep"]);
    assert_eq!(json(&s, "POST", WIDGETS, a).await.code, 201);
    assert_eq!(
        json(&s, "POST", WIDGETS, widget("b", "blue", 2)).await.code,
        201
    );
    s
}

/// A PartialObjectMetadata carries the object's metadata, whole, and nothing else.
fn assert_partial(partial: &Value, object: &Value, api_version: &str) {
    assert_eq!(partial["kind"], "PartialObjectMetadata", "{partial}");
    assert_eq!(partial["apiVersion"], api_version, "{partial}");
    assert_eq!(partial["metadata"], object["metadata"], "{partial}");
    let keys: Vec<&String> = partial.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        3,
        "kind, apiVersion and metadata only: {partial}"
    );
}

#[tokio::test]
async fn get_answers_with_the_metadata_only() {
    let s = with_widgets().await;
    let full = get(&s, &format!("{WIDGETS}/a")).await.body;
    for (version, header) in [
        ("meta.k8s.io/v1", POM.to_string()),
        (
            "meta.k8s.io/v1beta1",
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1".to_string(),
        ),
        // client-go's metadata client: the protobuf clause is skipped for the JSON one.
        ("meta.k8s.io/v1", format!("application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,{POM},application/json")),
    ] {
        let r = accept(&s, &format!("{WIDGETS}/a"), &header).await;
        assert_eq!(r.code, 200, "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/json");
        assert_partial(&r.body, &full, version);
    }
    assert_eq!(full["metadata"]["annotations"]["note"], "}\"{ tricky");
    assert!(full["metadata"]["resourceVersion"].is_string());
    // A missing object is a 404 whichever form was asked for.
    for header in [POM, POM_LIST] {
        let r = accept(&s, &format!("{WIDGETS}/nope"), header).await;
        assert_eq!((r.code, r.reason()), (404, "NotFound"));
    }
}

#[tokio::test]
async fn yaml_where_asked() {
    let s = with_widgets().await;
    let full = get(&s, &format!("{WIDGETS}/b")).await.body;
    let r = accept(
        &s,
        &format!("{WIDGETS}/b"),
        "application/yaml;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
    )
    .await;
    assert_eq!(r.code, 200);
    assert_eq!(r.headers["content-type"], "application/yaml");
    let partial: Value = serde_saphyr::from_str(&r.text).unwrap();
    assert_partial(&partial, &full, "meta.k8s.io/v1");
    let r = accept(
        &s,
        WIDGETS,
        "application/yaml;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1",
    )
    .await;
    assert_eq!(r.headers["content-type"], "application/yaml");
    let list: Value = serde_saphyr::from_str(&r.text).unwrap();
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_eq!(list["apiVersion"], "meta.k8s.io/v1beta1");
    assert_eq!(list["items"][1]["metadata"], full["metadata"]);
    assert_eq!(list["items"][1]["apiVersion"], "meta.k8s.io/v1beta1");
}

#[tokio::test]
async fn lists_are_partial_object_metadata_lists() {
    let s = with_widgets().await;
    let full = get(&s, WIDGETS).await.body;
    for (version, header) in [
        ("meta.k8s.io/v1", POM_LIST),
        ("meta.k8s.io/v1", CLIENT_GO_LIST),
        (
            "meta.k8s.io/v1beta1",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1",
        ),
    ] {
        let r = accept(&s, WIDGETS, header).await;
        assert_eq!(r.code, 200, "{}", r.text);
        let list = &r.body;
        assert_eq!(list["kind"], "PartialObjectMetadataList");
        assert_eq!(list["apiVersion"], version);
        assert_eq!(list["metadata"], full["metadata"]);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        for (item, object) in items.iter().zip(full["items"].as_array().unwrap()) {
            assert_partial(item, object, version);
        }
    }
    // Selectors, and the list metadata of a limited list.
    let r = accept(
        &s,
        &format!("{WIDGETS}?labelSelector=color%3Dblue"),
        POM_LIST,
    )
    .await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b"]);
    let first = accept(&s, &format!("{WIDGETS}?limit=1"), POM_LIST)
        .await
        .body;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["metadata"]["remainingItemCount"], 1);
    let token = first["metadata"]["continue"].as_str().unwrap();
    let next = accept(&s, &format!("{WIDGETS}?limit=1&continue={token}"), POM_LIST)
        .await
        .body;
    assert_eq!(next["items"][0]["metadata"]["name"], "b");
    assert_eq!(next["items"][0]["kind"], "PartialObjectMetadata");
    assert_eq!(
        next["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );
    assert!(next["metadata"].get("continue").is_none());
    // An empty list still has its items.
    let empty = accept(
        &s,
        &format!("{WIDGETS}?labelSelector=color%3Dgreen"),
        POM_LIST,
    )
    .await;
    assert_eq!(empty.body["items"], json!([]));
    // All namespaces, and a cluster-scoped kind.
    json(
        &s,
        "POST",
        GADGETS,
        json!({"apiVersion": "demo.krest.dev/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": {"vendor": "acme"}}),
    )
    .await;
    let all = accept(&s, "/apis/demo.krest.dev/v1/widgets", POM_LIST).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let gadgets = accept(&s, GADGETS, POM_LIST).await.body;
    assert_eq!(gadgets["items"][0]["metadata"]["name"], "g");
    assert!(gadgets["items"][0].get("spec").is_none());
}

/// Past one page, a metadata list is streamed like a whole list, and holds the same items.
#[tokio::test]
async fn long_metadata_lists_are_streamed_whole() {
    let store = Arc::new(MemoryStore::new());
    let s = Server::builder()
        .store(store.clone())
        .resource::<Widget>()
        .build()
        .unwrap();
    const COUNT: usize = 1203;
    for i in 0..COUNT {
        let mut w = widget(&format!("w{i:04}"), "red", 1);
        w["metadata"]["namespace"] = json!("default");
        w["metadata"]["uid"] = json!(format!("uid-{i}"));
        let key = format!("/demo.krest.dev/widgets/default/w{i:04}");
        store
            .create(&key, Bytes::from(serde_json::to_vec(&w).unwrap()))
            .await
            .unwrap();
    }
    let full = get(&s, WIDGETS).await.body;
    let r = accept(&s, WIDGETS, POM_LIST).await;
    assert_eq!(r.code, 200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), COUNT);
    for (item, object) in items.iter().zip(full["items"].as_array().unwrap()) {
        assert_partial(item, object, "meta.k8s.io/v1");
    }
    assert_eq!(r.body["metadata"]["resourceVersion"], COUNT.to_string());
}

#[tokio::test]
async fn the_wrong_form_is_a_406_as_kube_apiserver_answers() {
    let s = with_widgets().await;
    // An object asked for as a list, and a list as an object: the first served clause is
    // chosen before the response is known, so the alternatives after it do not help.
    for (uri, header, message) in [
        (
            format!("{WIDGETS}/a"),
            format!("{POM_LIST},application/json"),
            "you requested PartialObjectMetadataList, but the requested object is not a list (*unstructured.Unstructured)",
        ),
        (
            WIDGETS.to_string(),
            format!("{POM},application/json"),
            "you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)",
        ),
    ] {
        let r = accept(&s, &uri, &header).await;
        assert_eq!((r.code, r.reason()), (406, "NotAcceptable"), "{uri}");
        assert_eq!(r.body["kind"], "Status");
        assert_eq!(r.body["message"], message);
    }
    // Nothing served: an unknown conversion, an unserved group or version.
    for header in [
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v2",
        "application/json;as=PartialObjectMetadata;g=apps;v=v1",
        "application/json;as=Widget;g=meta.k8s.io;v=v1",
        "application/json;as=PartialObjectMetadata",
        "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
    ] {
        for uri in [format!("{WIDGETS}/a"), WIDGETS.to_string()] {
            let r = accept(&s, &uri, header).await;
            assert_eq!((r.code, r.reason()), (406, "NotAcceptable"), "{header}");
            assert_eq!(
                r.body["message"],
                "only the following media types are accepted: application/json, application/yaml"
            );
        }
    }
    // ... unless an alternative is served.
    let r = accept(
        &s,
        &format!("{WIDGETS}/a"),
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v2,application/json",
    )
    .await;
    assert_eq!((r.code, r.body["kind"].as_str()), (200, Some("Widget")));
    // Quality decides before order; a wildcard after a concrete type of the same quality.
    let r = accept(
        &s,
        &format!("{WIDGETS}/a"),
        &format!("application/json;q=0.9,*/*,{POM}"),
    )
    .await;
    assert_eq!(r.body["kind"], "PartialObjectMetadata");
    let r = accept(
        &s,
        &format!("{WIDGETS}/a"),
        &format!("{POM};q=0.5,application/json"),
    )
    .await;
    assert_eq!(r.body["kind"], "Widget");
}

#[tokio::test]
async fn writes_answer_with_the_metadata_too() {
    let s = with_widgets().await;
    let r = send(
        &s,
        "PATCH",
        &format!("{WIDGETS}/b"),
        &[
            ("content-type", "application/merge-patch+json"),
            ("accept", POM),
        ],
        Some(br#"{"metadata":{"labels":{"tier":"gold"}}}"#.to_vec()),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    let full = get(&s, &format!("{WIDGETS}/b")).await.body;
    assert_partial(&r.body, &full, "meta.k8s.io/v1");
    assert_eq!(r.body["metadata"]["labels"]["tier"], "gold");
}

/// An open watch: reads one event at a time.
struct Watch {
    body: Body,
    buffer: Vec<u8>,
}

impl Watch {
    async fn open(server: &Server, uri: &str, accept: &str) -> (u16, Watch) {
        let request = http::Request::builder()
            .uri(uri)
            .header("accept", accept)
            .body(
                http_body_util::Empty::<Bytes>::new()
                    .map_err(|never| match never {})
                    .boxed(),
            )
            .unwrap();
        let response = server.handle(request).await;
        let code = response.status().as_u16();
        let body = response.into_body();
        (
            code,
            Watch {
                body,
                buffer: Vec::new(),
            },
        )
    }

    /// The next event, or `None` when the stream ended; fails after 5 s of silence.
    async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(at) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=at).collect();
                return Some(serde_json::from_slice(&line).expect("each line is one JSON event"));
            }
            let frame = tokio::time::timeout(Duration::from_secs(5), self.body.frame())
                .await
                .expect("an event within 5 s")?;
            if let Ok(data) = frame.unwrap().into_data() {
                self.buffer.extend_from_slice(&data);
            }
        }
    }
}

#[tokio::test]
async fn watch_events_carry_metadata_only() {
    let s = with_widgets().await;
    for (version, header) in [
        ("meta.k8s.io/v1", POM),
        (
            "meta.k8s.io/v1beta1",
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1",
        ),
    ] {
        let (code, mut w) = Watch::open(
            &s,
            &format!("{WIDGETS}?watch=true&labelSelector=app%3Ddemo"),
            header,
        )
        .await;
        assert_eq!(code, 200);
        for name in ["a", "b"] {
            let event = w.next().await.unwrap();
            let full = get(&s, &format!("{WIDGETS}/{name}")).await.body;
            assert_eq!(event["type"], "ADDED");
            assert_partial(&event["object"], &full, version);
        }
        let created = json(
            &s,
            "POST",
            WIDGETS,
            widget(&format!("c-{}", version.len()), "red", 1),
        )
        .await;
        let event = w.next().await.unwrap();
        assert_eq!(event["type"], "ADDED");
        assert_partial(&event["object"], &created.body, version);
        // A label change, seen through the selector as the transition it is.
        let patched = patch(
            &s,
            &format!("{WIDGETS}/b"),
            "application/merge-patch+json",
            json!({"metadata": {"labels": {"app": "other"}}}),
        )
        .await;
        let event = w.next().await.unwrap();
        assert_eq!(event["type"], "DELETED");
        assert_eq!(event["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(event["object"]["metadata"]["name"], "b");
        assert_eq!(
            event["object"]["metadata"]["resourceVersion"],
            patched.body["metadata"]["resourceVersion"]
        );
        patch(
            &s,
            &format!("{WIDGETS}/b"),
            "application/merge-patch+json",
            json!({"metadata": {"labels": {"app": "demo"}}}),
        )
        .await;
        assert_eq!(w.next().await.unwrap()["type"], "ADDED");
        let gone = send(
            &s,
            "DELETE",
            &format!(
                "{WIDGETS}/{}",
                created.body["metadata"]["name"].as_str().unwrap()
            ),
            &[],
            None,
        )
        .await;
        assert_eq!(gone.code, 200);
        let event = w.next().await.unwrap();
        assert_eq!(event["type"], "DELETED");
        assert_eq!(event["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(
            event["object"]["metadata"]["name"],
            created.body["metadata"]["name"]
        );
    }
}

#[tokio::test]
async fn watch_bookmarks_and_resumes_in_metadata_form() {
    let s = with_widgets().await;
    let rv = get(&s, WIDGETS).await.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    // A streaming list: the initial events, then the bookmark that ends them.
    let uri = format!("{WIDGETS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1");
    let (_, mut w) = Watch::open(&s, &uri, POM).await;
    for name in ["a", "b"] {
        let event = w.next().await.unwrap();
        assert_eq!(event["object"]["metadata"]["name"], name);
        assert_eq!(event["object"]["kind"], "PartialObjectMetadata");
    }
    let bookmark = w.next().await.unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_eq!(
        bookmark["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
               "metadata": {"resourceVersion": rv, "annotations": {"k8s.io/initial-events-end": "true"}}})
    );
    // The timeout's last bookmark.
    let last = w.next().await.unwrap();
    assert_eq!(last["type"], "BOOKMARK");
    assert_eq!(last["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(last["object"]["metadata"]["resourceVersion"], rv);
    assert!(w.next().await.is_none());

    // Resumed from a revision: the changes after it, in metadata form.
    patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 7}}),
    )
    .await;
    let (_, mut w) = Watch::open(
        &s,
        &format!("{WIDGETS}?watch=true&resourceVersion={rv}"),
        POM,
    )
    .await;
    let event = w.next().await.unwrap();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["kind"], "PartialObjectMetadata");
    assert!(event["object"].get("spec").is_none());
    assert_eq!(event["object"]["metadata"]["generation"], 2);
}

#[tokio::test]
async fn watches_from_the_store_and_their_errors() {
    let store = Arc::new(MemoryStore::new());
    let s = Server::builder()
        .store(store.clone())
        .resource::<Widget>()
        .watch_window(2)
        .build()
        .unwrap();
    for i in 0..5 {
        json(&s, "POST", WIDGETS, widget(&format!("w{i}"), "red", 1)).await;
    }
    // Older than the hub's window: replayed from the store.
    let (_, mut w) = Watch::open(&s, &format!("{WIDGETS}?watch=true&resourceVersion=1"), POM).await;
    for i in 1..5 {
        let event = w.next().await.unwrap();
        assert_eq!(event["type"], "ADDED");
        assert_eq!(event["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(event["object"]["metadata"]["name"], format!("w{i}"));
    }
    // Compacted: the ERROR event is a Status, unconverted.
    store
        .compact(store.current_revision().await.unwrap())
        .await
        .unwrap();
    let (_, mut w) = Watch::open(&s, &format!("{WIDGETS}?watch=true&resourceVersion=1"), POM).await;
    let error = w.next().await.unwrap();
    assert_eq!(error["type"], "ERROR");
    assert_eq!(error["object"]["kind"], "Status");
    assert_eq!(error["object"]["code"], 410);
}

#[tokio::test]
async fn watch_negotiation() {
    let s = with_widgets().await;
    // kube-apiserver converts each event on its own: a list conversion does not apply to an
    // object and the object goes out whole.
    let (code, mut w) = Watch::open(&s, &format!("{WIDGETS}?watch=true"), POM_LIST).await;
    assert_eq!(code, 200);
    let event = w.next().await.unwrap();
    assert_eq!(event["object"]["kind"], "Widget");
    assert_eq!(event["object"]["spec"]["color"], "red");
    // Watches are JSON only; nothing served is a 406 before the stream starts.
    for header in [
        "application/yaml;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v3",
    ] {
        let (code, _) = Watch::open(&s, &format!("{WIDGETS}?watch=true"), header).await;
        assert_eq!(code, 406, "{header}");
    }
    // The first served alternative.
    let (_, mut w) = Watch::open(
        &s,
        &format!("{WIDGETS}?watch=true"),
        &format!("application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,{POM},application/json"),
    )
    .await;
    assert_eq!(
        w.next().await.unwrap()["object"]["kind"],
        "PartialObjectMetadata"
    );
}
