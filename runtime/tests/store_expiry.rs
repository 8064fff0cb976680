//! Keys with a time to live (what Events' `--event-ttl` stands on), on every backend: a key
//! written with a TTL is deleted by the store when the time is up (watchers see a Deleted
//! event), a later write with a TTL starts the time again, a plain write keeps the key for good;
//! the embedded store's expiries survive a restart. etcd runs as a real process (the test
//! fails without it, never skips).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use krest::store::{EmbeddedOptions, EmbeddedStore, EventKind, MemoryStore, Store, WatchItem};

fn b(s: &str) -> Bytes {
    Bytes::from(s.to_string())
}

/// The next Deleted key the watch reports, within `within`.
async fn next_deleted(w: &mut krest::store::WatchStream, within: Duration) -> String {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let item = tokio::time::timeout_at(deadline, w.next())
            .await
            .expect("a deletion in time")
            .expect("the stream is open")
            .expect("no error");
        if let WatchItem::Event(event) = item {
            if event.kind == EventKind::Deleted {
                return event.key;
            }
        }
    }
}

/// `unit`: the TTL of the first keys (etcd's leases last at least about 2 s).
async fn expiry_semantics(s: Arc<dyn Store>, unit: Duration) {
    let mut watch = s
        .watch("/e/", s.current_revision().await.unwrap())
        .await
        .unwrap();
    let started = Instant::now();
    s.create_expiring("/e/a", b("a"), unit).await.unwrap();
    let b_rev = s.create_expiring("/e/b", b("b"), unit).await.unwrap();
    let c_rev = s.create_expiring("/e/c", b("c"), unit).await.unwrap();
    s.create("/e/keep", b("keep")).await.unwrap();
    // b: written again with a longer TTL; c: written again without one.
    s.update_expiring("/e/b", b("b2"), b_rev, unit * 3)
        .await
        .unwrap();
    s.update("/e/c", b("c2"), c_rev).await.unwrap();

    let first = next_deleted(&mut watch, unit * 3 + Duration::from_secs(3)).await;
    assert_eq!(first, "/e/a");
    assert!(started.elapsed() >= unit, "deleted before its time");
    assert!(s.get("/e/a").await.unwrap().is_none());
    assert!(
        s.get("/e/b").await.unwrap().is_some(),
        "b's time started again"
    );
    let second = next_deleted(&mut watch, unit * 4 + Duration::from_secs(3)).await;
    assert_eq!(second, "/e/b");
    assert!(
        started.elapsed() >= unit * 3,
        "b deleted before its second time"
    );
    // c and keep stay.
    tokio::time::sleep(unit).await;
    assert_eq!(s.get("/e/c").await.unwrap().unwrap().value, b("c2"));
    assert!(s.get("/e/keep").await.unwrap().is_some());
}

#[tokio::test]
async fn memory_expires_keys() {
    expiry_semantics(Arc::new(MemoryStore::new()), Duration::from_millis(300)).await;
}

#[tokio::test]
async fn embedded_expires_keys() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
    expiry_semantics(Arc::new(store), Duration::from_millis(300)).await;
}

#[tokio::test]
async fn embedded_expiry_survives_a_restart() {
    let dir = tempfile::TempDir::new().unwrap();
    {
        let store = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
        store
            .create_expiring("/e/x", b("x"), Duration::from_millis(500))
            .await
            .unwrap();
        store.create("/e/y", b("y")).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Due while the store was closed: gone soon after it opens.
    let store = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.get("/e/x").await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the expiry was lost in the restart"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.get("/e/y").await.unwrap().is_some());
}

#[cfg(feature = "etcd")]
#[path = "common/etcd.rs"]
mod etcd_process;

#[cfg(feature = "etcd")]
mod etcd {
    use super::etcd_process::start_etcd;
    use super::*;
    use krest::store::EtcdStore;

    #[tokio::test]
    async fn etcd_expires_keys_through_leases() {
        let etcd = start_etcd("expiry");
        let store = EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "/krest")
            .await
            .unwrap();
        expiry_semantics(Arc::new(store), Duration::from_secs(2)).await;
    }
}
