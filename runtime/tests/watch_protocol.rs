//! The watch protocol without sockets: initial state, resume, compaction, selectors, bookmarks,
//! streaming lists, timeouts, tables and slow watchers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::BodyExt;
use krest::store::{MemoryStore, Store};
use krest::{Body, Server};
use serde_json::{json, Value};

/// An open watch: reads one event at a time.
struct Watch {
    body: Body,
    buffer: Vec<u8>,
}

impl Watch {
    async fn open(server: &Server, uri: &str, headers: &[(&str, &str)]) -> (u16, Watch) {
        let mut request = http::Request::builder().uri(uri);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let empty: Body = http_body_util::Empty::<Bytes>::new()
            .map_err(|never| match never {})
            .boxed();
        let response = server.handle(request.body(empty).unwrap()).await;
        let code = response.status().as_u16();
        (
            code,
            Watch {
                body: response.into_body(),
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
                .expect("an event within 5 s");
            match frame {
                None => return None,
                Some(frame) => {
                    if let Ok(data) = frame.unwrap().into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }

    /// The next event, or `None` after 5 s of silence or at the end.
    async fn next_or_stall(&mut self) -> Option<Value> {
        loop {
            if let Some(at) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=at).collect();
                return serde_json::from_slice(&line).ok();
            }
            let frame = tokio::time::timeout(Duration::from_secs(5), self.body.frame())
                .await
                .ok()??;
            if let Ok(data) = frame.ok()?.into_data() {
                self.buffer.extend_from_slice(&data);
            }
        }
    }

    /// Whether nothing arrives for `wait`.
    async fn quiet(&mut self, wait: Duration) -> bool {
        self.buffer.is_empty() && tokio::time::timeout(wait, self.body.frame()).await.is_err()
    }
}

fn summary(event: &Value) -> (String, String) {
    (
        event["type"].as_str().unwrap_or("").to_string(),
        event["object"]["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

fn ev(kind: &str, name: &str) -> (String, String) {
    (kind.to_string(), name.to_string())
}

#[tokio::test]
async fn from_the_current_state_then_changes() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    json(&s, "POST", WIDGETS, widget("b", "red", 1)).await;
    let (code, mut w) = Watch::open(&s, &format!("{WIDGETS}?watch=true"), &[]).await;
    assert_eq!(code, 200);
    assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "a"));
    assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "b"));
    assert!(w.quiet(Duration::from_millis(100)).await);
    patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 3}}),
    )
    .await;
    let modified = w.next().await.unwrap();
    assert_eq!(summary(&modified), ev("MODIFIED", "a"));
    assert_eq!(modified["object"]["spec"]["replicas"], 3);
    send(&s, "DELETE", &format!("{WIDGETS}/b"), &[], None).await;
    let deleted = w.next().await.unwrap();
    assert_eq!(summary(&deleted), ev("DELETED", "b"));
    let before = modified["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    let after = deleted["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(
        after > before,
        "a DELETED event carries the deletion's revision"
    );
    // Another namespace is not this watch's business.
    json(
        &s,
        "POST",
        "/apis/demo.krest.dev/v1/namespaces/other/widgets",
        widget("c", "red", 1),
    )
    .await;
    assert!(w.quiet(Duration::from_millis(100)).await);
}

#[tokio::test]
async fn from_a_revision_and_across_namespaces() {
    let s = server();
    let a = json(&s, "POST", WIDGETS, widget("a", "red", 1)).await.body;
    let rv = a["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    json(
        &s,
        "POST",
        "/apis/demo.krest.dev/v1/namespaces/other/widgets",
        widget("b", "red", 1),
    )
    .await;
    let (_, mut w) = Watch::open(
        &s,
        &format!("/apis/demo.krest.dev/v1/widgets?watch=1&resourceVersion={rv}"),
        &[],
    )
    .await;
    assert_eq!(
        summary(&w.next().await.unwrap()),
        ev("ADDED", "b"),
        "only changes after the revision"
    );
    json(&s, "POST", WIDGETS, widget("c", "red", 1)).await;
    assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "c"));
    // The deprecated watch/ path and an item watch.
    let (_, mut item) = Watch::open(
        &s,
        &format!("/apis/demo.krest.dev/v1/watch/namespaces/default/widgets/c?resourceVersion={rv}"),
        &[],
    )
    .await;
    assert_eq!(summary(&item.next().await.unwrap()), ev("ADDED", "c"));
    patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 2}}),
    )
    .await;
    assert_eq!(summary(&w.next().await.unwrap()), ev("MODIFIED", "a"));
    assert!(
        item.quiet(Duration::from_millis(100)).await,
        "an item watch sees only its object"
    );
}

#[tokio::test]
async fn compacted_revisions_get_an_expired_error_event() {
    let store = Arc::new(MemoryStore::new());
    let s = Server::builder()
        .store(store.clone())
        .resource::<Widget>()
        .build()
        .unwrap();
    for i in 0..3 {
        json(&s, "POST", WIDGETS, widget(&format!("w{i}"), "red", 1)).await;
    }
    store
        .compact(store.current_revision().await.unwrap())
        .await
        .unwrap();
    let (code, mut w) =
        Watch::open(&s, &format!("{WIDGETS}?watch=true&resourceVersion=1"), &[]).await;
    assert_eq!(
        code, 200,
        "errors after the watch started are events, not codes"
    );
    let error = w.next().await.unwrap();
    assert_eq!(error["type"], "ERROR");
    assert_eq!(error["object"]["kind"], "Status");
    assert_eq!(error["object"]["code"], 410);
    assert_eq!(error["object"]["reason"], "Expired");
    assert!(error["object"]["message"]
        .as_str()
        .unwrap()
        .contains("too old resource version"));
    assert!(w.next().await.is_none(), "and the stream ends");
    let future = get(&s, &format!("{WIDGETS}?watch=true&resourceVersion=999999")).await;
    assert_eq!(future.code, 504);
}

#[tokio::test]
async fn selectors_turn_transitions_into_added_and_deleted() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let (_, mut w) = Watch::open(
        &s,
        &format!("{WIDGETS}?watch=true&labelSelector=color%3Dred"),
        &[],
    )
    .await;
    assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "a"));
    json(&s, "POST", WIDGETS, widget("b", "blue", 1)).await;
    assert!(
        w.quiet(Duration::from_millis(100)).await,
        "no events for objects that never match"
    );
    let left = patch(
        &s,
        &format!("{WIDGETS}/a"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"color": "blue"}}}),
    )
    .await;
    let deleted = w.next().await.unwrap();
    assert_eq!(summary(&deleted), ev("DELETED", "a"));
    // As kube-apiserver's watch cache: the state the watcher last saw, at the new revision.
    assert_eq!(deleted["object"]["metadata"]["labels"]["color"], "red");
    assert_eq!(
        deleted["object"]["metadata"]["resourceVersion"],
        left.body["metadata"]["resourceVersion"]
    );
    patch(
        &s,
        &format!("{WIDGETS}/b"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"color": "red"}}}),
    )
    .await;
    assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "b"));
    patch(
        &s,
        &format!("{WIDGETS}/b"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 5}}),
    )
    .await;
    assert_eq!(summary(&w.next().await.unwrap()), ev("MODIFIED", "b"));
}

#[tokio::test]
async fn streaming_list_ends_initial_events_with_a_bookmark() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let uri = format!("{WIDGETS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
    let (_, mut w) = Watch::open(&s, &uri, &[]).await;
    assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "a"));
    let bookmark = w.next().await.unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_eq!(bookmark["object"]["kind"], "Widget");
    assert_eq!(bookmark["object"]["apiVersion"], "demo.krest.dev/v1");
    assert_eq!(
        bookmark["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert!(
        bookmark["object"].get("spec").is_none(),
        "bookmarks carry no object data"
    );
    for bad in [
        format!("{WIDGETS}?watch=true&sendInitialEvents=true"),
        format!("{WIDGETS}?watch=true&resourceVersionMatch=NotOlderThan"),
        format!("{WIDGETS}?watch=true&sendInitialEvents=true&resourceVersionMatch=Exact"),
    ] {
        let r = get(&s, &bad).await;
        assert_eq!((r.code, r.reason()), (422, "Invalid"), "{bad}");
    }
    let mismatch = get(&s, "/apis/demo.krest.dev/v1/watch/namespaces/default/widgets/a?fieldSelector=metadata.name%3Db").await;
    assert_eq!(mismatch.code, 400);
}

#[tokio::test]
async fn timeouts_end_the_stream_with_a_last_bookmark() {
    let s = server();
    let (_, mut w) = Watch::open(
        &s,
        &format!("{WIDGETS}?watch=true&timeoutSeconds=1&allowWatchBookmarks=true"),
        &[],
    )
    .await;
    let last = w.next().await.unwrap();
    assert_eq!(last["type"], "BOOKMARK");
    assert!(w.next().await.is_none());
    let (_, mut plain) =
        Watch::open(&s, &format!("{WIDGETS}?watch=true&timeoutSeconds=1"), &[]).await;
    assert!(
        plain.next().await.is_none(),
        "no bookmarks unless asked for"
    );
    // A negative timeout has already passed: the watch ends at once, as in kube-apiserver.
    let started = std::time::Instant::now();
    let (code, mut negative) =
        Watch::open(&s, &format!("{WIDGETS}?watch=true&timeoutSeconds=-1"), &[]).await;
    assert_eq!(code, 200);
    assert!(negative.next().await.is_none());
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn table_watches_send_columns_once() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let (_, mut w) = Watch::open(&s, &format!("{WIDGETS}?watch=true"), &[("accept", accept)]).await;
    let first = w.next().await.unwrap();
    assert_eq!(first["object"]["kind"], "Table");
    assert!(!first["object"]["columnDefinitions"]
        .as_array()
        .unwrap()
        .is_empty());
    json(&s, "POST", WIDGETS, widget("b", "red", 1)).await;
    let second = w.next().await.unwrap();
    assert_eq!(second["object"]["columnDefinitions"], json!([]));
    assert_eq!(second["object"]["rows"][0]["cells"][0], "b");
}

#[tokio::test]
async fn slow_watchers_are_closed_without_skipping_or_slowing_others() {
    let s = server();
    let mut slow = Vec::new();
    for _ in 0..50 {
        slow.push(
            Watch::open(&s, &format!("{WIDGETS}?watch=true"), &[])
                .await
                .1,
        );
    }
    let (_, mut reader) = Watch::open(&s, &format!("{WIDGETS}?watch=true"), &[]).await;
    let writes = 1500;
    let reading = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < writes {
            let event = reader.next().await.unwrap();
            seen.push(
                event["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        seen
    });
    for i in 0..writes {
        json(&s, "POST", WIDGETS, widget(&format!("w{i:04}"), "red", 1)).await;
    }
    // Fifty watchers nobody reads never hold up the hub: the writer finished, and the reader
    // gets every event in order. Were the hub held up, both would wait for ever; the timeout
    // turns that into a failure (it bounds a hang, not a speed: the figures are the watch
    // benchmark's).
    let seen = tokio::time::timeout(Duration::from_secs(120), reading)
        .await
        .expect("the reader is not held up by the stalled watchers")
        .unwrap();
    assert_eq!(
        seen,
        (0..writes).map(|i| format!("w{i:04}")).collect::<Vec<_>>(),
        "the reader got every event in order"
    );
    // The slow ones were closed: each ends after what it held, in order, with no gap.
    for mut w in slow {
        let mut held = Vec::new();
        while let Some(event) = w.next().await {
            held.push(
                event["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        assert!(
            held.len() < writes,
            "a slow watcher was closed ({} events)",
            held.len()
        );
        assert_eq!(
            held,
            (0..held.len())
                .map(|i| format!("w{i:04}"))
                .collect::<Vec<_>>()
        );
    }
    let metrics = get(&s, "/metrics").await;
    assert!(
        metrics.text.contains("krest_watchers_closed_slow_total 50"),
        "{}",
        metrics.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumed_watchers_all_see_the_commit_order() {
    let s = server();
    // Start from a real revision ("0" would mean "the current state first").
    json(
        &s,
        "POST",
        "/apis/demo.krest.dev/v1/namespaces/other/widgets",
        widget("seed", "red", 1),
    )
    .await;
    let start = get(&s, WIDGETS).await.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(start, "0");
    let writes = 240;
    let watchers = 200;
    let mut tasks = Vec::new();
    for i in 0..watchers {
        let s = s.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            // Watcher i reconnects after every i+1 events, from the last revision it saw.
            let mut seen: Vec<(u64, String, String)> = Vec::new();
            let mut from = start;
            while seen.len() < writes {
                let (code, mut w) = Watch::open(
                    &s,
                    &format!("{WIDGETS}?watch=true&resourceVersion={from}"),
                    &[],
                )
                .await;
                assert_eq!(code, 200);
                for _ in 0..=i {
                    if seen.len() == writes {
                        break;
                    }
                    let Some(event) = w.next_or_stall().await else {
                        panic!(
                            "watcher {i} stalled after {} events, resuming from {from}",
                            seen.len()
                        );
                    };
                    let rv: u64 = event["object"]["metadata"]["resourceVersion"]
                        .as_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    from = rv.to_string();
                    let (kind, name) = summary(&event);
                    seen.push((rv, kind, name));
                }
            }
            seen
        }));
    }
    let mut committed = Vec::new();
    for n in 0..writes {
        let name = format!("w{}", n % 40);
        let r = if n < 40 {
            json(&s, "POST", WIDGETS, widget(&name, "red", 1)).await
        } else {
            patch(
                &s,
                &format!("{WIDGETS}/{name}"),
                "application/merge-patch+json",
                json!({"spec": {"replicas": n}}),
            )
            .await
        };
        let rv: u64 = r.body["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        committed.push((
            rv,
            if n < 40 { "ADDED" } else { "MODIFIED" }.to_string(),
            name,
        ));
    }
    for task in tasks {
        assert_eq!(
            task.await.unwrap(),
            committed,
            "every watcher sees every commit once, in order"
        );
    }
}

/// A watch from the current state after a write to another kind: the store's revision moved
/// without an event for the Widget hub, which must learn that through progress, not time out.
async fn from_the_current_state_after_another_kind_changed(s: Server) {
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let (code, mut first) = Watch::open(&s, &format!("{WIDGETS}?watch=true"), &[]).await;
    assert_eq!(code, 200);
    assert_eq!(summary(&first.next().await.unwrap()), ev("ADDED", "a"));
    drop(first);
    let gadget = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Gadget",
        "metadata": {"name": "g"}, "spec": {"vendor": "acme"}});
    assert_eq!(json(&s, "POST", GADGETS, gadget).await.code, 201);
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}});
    assert_eq!(
        json(&s, "POST", "/api/v1/namespaces", namespace).await.code,
        201
    );
    for query in [
        "watch=true",
        "watch=true&resourceVersion=0",
        "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
    ] {
        let started = std::time::Instant::now();
        let (code, mut w) = Watch::open(&s, &format!("{WIDGETS}?{query}"), &[]).await;
        assert_eq!(code, 200, "{query}");
        assert_eq!(summary(&w.next().await.unwrap()), ev("ADDED", "a"), "{query}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{query}: the watch waited {:?} for its hub",
            started.elapsed()
        );
    }
    // The single-object form kubectl uses for `get widget/a -w`.
    let (code, mut one) = Watch::open(
        &s,
        &format!("{WIDGETS}?watch=true&fieldSelector=metadata.name%3Da"),
        &[],
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(summary(&one.next().await.unwrap()), ev("ADDED", "a"));
}

#[tokio::test]
async fn from_the_current_state_after_another_kind_changed_memory() {
    let s = Server::builder()
        .resource::<Widget>()
        .resource::<Gadget>()
        .namespaces()
        .build()
        .unwrap();
    from_the_current_state_after_another_kind_changed(s).await;
}

#[tokio::test]
async fn from_the_current_state_after_another_kind_changed_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let store = krest::store::EmbeddedStore::open(dir.path(), Default::default()).unwrap();
    let s = Server::builder()
        .resource::<Widget>()
        .resource::<Gadget>()
        .namespaces()
        .store(Arc::new(store))
        .build()
        .unwrap();
    from_the_current_state_after_another_kind_changed(s).await;
}

/// A watcher whose selector matches none of the recent changes still gets bookmarks at the
/// newest revision the hub has seen, so it resumes from there rather than from an old one.
#[tokio::test]
async fn filtered_watch_bookmarks_carry_the_hub_revision() {
    let s = server();
    let created = json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    let start = created.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, mut w) = Watch::open(
        &s,
        &format!(
            "{WIDGETS}?watch=true&resourceVersion={start}&labelSelector=app%3Dnone&timeoutSeconds=1&allowWatchBookmarks=true"
        ),
        &[],
    )
    .await;
    assert_eq!(code, 200);
    let mut newest = 0;
    for name in ["b", "c"] {
        let r = json(&s, "POST", WIDGETS, widget(name, "blue", 1)).await;
        newest = r.body["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap();
    }
    let bookmark = w.next().await.unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    let carried: u64 = bookmark["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(carried, newest, "the bookmark carries the newest revision");
}

/// A watcher that stops reading while large objects change is closed once the bytes waiting
/// for it pass the window's bound, long before its queue's count would: it ends after what it
/// held, in order, and a watcher that reads gets everything.
#[tokio::test]
async fn watchers_behind_by_the_window_bytes_are_closed() {
    let s = Server::builder()
        .resource::<Widget>()
        .watch_window_bytes(2 << 20)
        .build()
        .unwrap();
    let first = json(&s, "POST", WIDGETS, widget("big", "red", 1)).await;
    let start = first.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!("{WIDGETS}?watch=true&resourceVersion={start}");
    let (_, mut stalled) = Watch::open(&s, &uri, &[]).await;
    let (_, mut reader) = Watch::open(&s, &uri, &[]).await;
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let reading = tokio::spawn(async move {
        let mut sizes = Vec::new();
        while sizes.len() < 20 {
            let event = reader.next().await.unwrap();
            sizes.push(event["object"]["spec"]["size"].as_str().unwrap().len());
            let _ = seen_tx.send(());
        }
        sizes
    });
    for i in 0..20 {
        if i > 0 {
            // The reader keeps up: it has taken the previous change before the next one.
            seen.recv().await.unwrap();
        }
        let big = format!("{i:02}{}", "x".repeat(300 << 10));
        let r = patch(
            &s,
            &format!("{WIDGETS}/big"),
            "application/merge-patch+json",
            json!({"spec": {"size": big}}),
        )
        .await;
        assert_eq!(r.code, 200, "{}", r.text);
    }
    assert_eq!(
        reading.await.unwrap().len(),
        20,
        "a reading watcher sees every change"
    );
    let mut held = Vec::new();
    while let Some(event) = stalled.next_or_stall().await {
        held.push(event["object"]["spec"]["size"].as_str().unwrap()[..2].to_string());
    }
    let expected: Vec<String> = (0..held.len()).map(|i| format!("{i:02}")).collect();
    assert_eq!(held, expected, "what it held, in order, from the start");
    assert!(
        (1..20).contains(&held.len()),
        "closed after about 2 MiB of 300 KiB changes, not 20 of them: {}",
        held.len()
    );
}
