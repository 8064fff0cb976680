//! The etcd store against a real `etcd` process on loopback (Debian's `etcd-server`, which the
//! test script installs). Without etcd this test fails: it never skips.

#![cfg(feature = "etcd")]

mod common;
#[path = "common/etcd.rs"]
mod etcd;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use etcd::start_etcd;
use krest::store::{EtcdStore, EventKind, ListOptions, Store, StoreError, WatchItem};
use krest::Server;
use serde_json::json;

#[tokio::test]
async fn etcd_store_semantics() {
    let etcd = start_etcd("semantics");
    let store = EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "/krest-test")
        .await
        .unwrap();
    let r1 = store
        .create("/g/r/a", Bytes::from_static(b"1"))
        .await
        .unwrap();
    assert_eq!(
        store.create("/g/r/a", Bytes::from_static(b"x")).await,
        Err(StoreError::AlreadyExists)
    );
    let r2 = store
        .create("/g/r/b", Bytes::from_static(b"2"))
        .await
        .unwrap();
    assert!(r2 > r1);
    assert_eq!(store.get("/g/r/a").await.unwrap().unwrap().mod_revision, r1);
    assert!(
        matches!(store.update("/g/r/a", Bytes::from_static(b"3"), r1 - 1).await, Err(StoreError::Conflict { current }) if current == r1)
    );
    let r3 = store
        .update("/g/r/a", Bytes::from_static(b"3"), r1)
        .await
        .unwrap();
    assert!(r3 > r2);
    assert_eq!(
        store
            .update("/g/r/a", Bytes::from_static(b"3"), r3)
            .await
            .unwrap(),
        r3,
        "a no-op keeps the revision"
    );
    assert_eq!(
        store.update("/g/r/zz", Bytes::from_static(b"3"), 1).await,
        Err(StoreError::NotFound)
    );

    let page = store
        .list(
            "/g/r/",
            ListOptions {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.remaining, 1);
    let next = store
        .list(
            "/g/r/",
            ListOptions {
                limit: 1,
                revision: Some(page.revision),
                start: page.next_key.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(next.items[0].key, "/g/r/b");
    assert!(next.next_key.is_none());
    let old = store
        .list(
            "/g/r/",
            ListOptions {
                revision: Some(r1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        old.items.len(),
        1,
        "a list at an old revision sees the old state"
    );

    let mut watch = store.watch("/g/r/", r1).await.unwrap();
    let (deleted_at, last) = store.delete("/g/r/b", None).await.unwrap();
    assert_eq!(last.value, Bytes::from_static(b"2"));
    let kinds: Vec<(EventKind, String, u64)> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let item = tokio::time::timeout(Duration::from_secs(5), watch.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            let WatchItem::Event(e) = item else {
                panic!("unrequested progress notification: {item:?}")
            };
            v.push((e.kind, e.key, e.revision));
        }
        v
    };
    assert_eq!(
        kinds,
        [
            (EventKind::Added, "/g/r/b".to_string(), r2),
            (EventKind::Modified, "/g/r/a".to_string(), r3),
            (EventKind::Deleted, "/g/r/b".to_string(), deleted_at),
        ]
    );
    assert!(matches!(
        store.delete("/g/r/a", Some(r1)).await,
        Err(StoreError::Conflict { .. })
    ));
    store.compact(deleted_at).await.unwrap();
    let mut expired = store.watch("/g/r/", r1).await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(5), expired.next())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(e, Err(StoreError::Expired { .. })), "{e:?}");
    assert!(matches!(
        store
            .list(
                "/g/r/",
                ListOptions {
                    revision: Some(r1),
                    ..Default::default()
                }
            )
            .await,
        Err(StoreError::Expired { .. })
    ));
}

/// Two krest servers on one etcd cluster: a change written through one reaches a watcher on
/// the other.
#[tokio::test]
async fn two_servers_share_one_cluster() {
    let etcd = start_etcd("shared");
    let server = |store: EtcdStore| {
        Server::builder()
            .store(Arc::new(store))
            .resource::<Widget>()
            .build()
            .unwrap()
    };
    let a = server(
        EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "/krest")
            .await
            .unwrap(),
    );
    let b = server(
        EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "/krest")
            .await
            .unwrap(),
    );
    json(&a, "POST", WIDGETS, widget("seed", "red", 1)).await;
    let rv = get(&b, WIDGETS).await.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let empty: krest::Body = http_body_util::BodyExt::boxed(http_body_util::BodyExt::map_err(
        http_body_util::Empty::<Bytes>::new(),
        |never| match never {},
    ));
    let request = http::Request::get(format!("{WIDGETS}?watch=true&resourceVersion={rv}"))
        .body(empty)
        .unwrap();
    let response = b.handle(request).await;
    let mut body = response.into_body();
    let written = json(&a, "POST", WIDGETS, widget("x", "red", 1)).await;
    assert_eq!(written.code, 201);
    let frame = tokio::time::timeout(
        Duration::from_secs(5),
        http_body_util::BodyExt::frame(&mut body),
    )
    .await
    .expect("the event reaches the other server")
    .unwrap()
    .unwrap();
    let line: serde_json::Value = serde_json::from_slice(frame.data_ref().unwrap()).unwrap();
    assert_eq!(line["type"], "ADDED");
    assert_eq!(line["object"]["metadata"]["name"], "x");
    assert_eq!(
        line["object"]["metadata"]["resourceVersion"],
        written.body["metadata"]["resourceVersion"]
    );
    let stale = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "metadata": {"name": "x", "resourceVersion": rv}, "spec": {"color": "blue", "replicas": 1}});
    let conflict = json(&b, "PUT", &format!("{WIDGETS}/x"), stale).await;
    assert_eq!(conflict.code, 409, "compare-and-swap holds across servers");
}

/// Opens a watch on `server` and returns its first event line, within 5 s.
async fn first_event(server: &Server, uri: &str) -> (u16, serde_json::Value) {
    let empty: krest::Body = http_body_util::BodyExt::boxed(http_body_util::BodyExt::map_err(
        http_body_util::Empty::<Bytes>::new(),
        |never| match never {},
    ));
    let response = server
        .handle(http::Request::get(uri).body(empty).unwrap())
        .await;
    let code = response.status().as_u16();
    let mut body = response.into_body();
    let frame = tokio::time::timeout(
        Duration::from_secs(5),
        http_body_util::BodyExt::frame(&mut body),
    )
    .await
    .expect("a first event within 5 s")
    .unwrap()
    .unwrap();
    let line = frame.data_ref().unwrap();
    let first = line.split(|b| *b == b'\n').next().unwrap();
    (code, serde_json::from_slice(first).unwrap())
}

/// Watches from the current state on one server after another server wrote other kinds: the
/// watching server's Widget hub learns etcd's revision through progress notifications, so
/// the watch starts at once instead of waiting for a Widget event that never comes.
#[tokio::test]
async fn watches_from_the_current_state_follow_writes_of_other_kinds_and_servers() {
    let etcd = start_etcd("progress");
    let server = |store: EtcdStore| {
        Server::builder()
            .store(Arc::new(store))
            .resource::<Widget>()
            .resource::<Gadget>()
            .namespaces()
            .build()
            .unwrap()
    };
    let connect = || EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "/krest");
    let a = server(connect().await.unwrap());
    let b = server(connect().await.unwrap());
    assert_eq!(
        json(&a, "POST", WIDGETS, widget("a", "red", 1)).await.code,
        201
    );
    let watch = format!("{WIDGETS}?watch=true");
    // Each server's Widget hub starts here.
    for s in [&a, &b] {
        let (code, event) = first_event(s, &watch).await;
        assert_eq!((code, event["type"].as_str()), (200, Some("ADDED")));
    }
    let gadget = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Gadget",
        "metadata": {"name": "g"}, "spec": {"vendor": "acme"}});
    assert_eq!(json(&a, "POST", GADGETS, gadget).await.code, 201);
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}});
    let created = json(&a, "POST", "/api/v1/namespaces", namespace).await;
    assert_eq!(created.code, 201);
    let newest = created.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    for s in [&a, &b] {
        for query in [
            "watch=true",
            "watch=true&resourceVersion=0",
            "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
        ] {
            let started = Instant::now();
            let (code, event) = first_event(s, &format!("{WIDGETS}?{query}")).await;
            assert_eq!(code, 200, "{query}: {event}");
            assert_eq!(event["type"], "ADDED", "{query}");
            assert_eq!(event["object"]["metadata"]["name"], "a", "{query}");
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{query}: waited {:?}",
                started.elapsed()
            );
        }
    }
    // A read not older than the other server's last write is served by this one at once.
    let fresh = get(&b, &format!("{WIDGETS}/a?resourceVersion={newest}")).await;
    assert_eq!(fresh.code, 200, "{}", fresh.text);
}
