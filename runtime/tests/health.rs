//! `/livez`, `/readyz`, `/healthz` and their checks, with a store that fails or hangs on
//! demand: kube-apiserver's bodies (`[+]ping ok`, `[-]store failed: reason withheld`,
//! `readyz check failed`), `?verbose`, `?exclude`, readiness lost while shutting down, the
//! operations container reporting the API server's health, and `/version`.

mod common;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use krest::store::{
    BoxFuture, KeyValue, ListOptions, ListPage, MemoryStore, Result, Store, StoreError, WatchStream,
};
use krest::Server;

/// A memory store whose `current_revision` works, fails or never answers, as `mode` says.
struct Flaky {
    inner: MemoryStore,
    mode: AtomicU8,
}

const UP: u8 = 0;
const DOWN: u8 = 1;
const HANGING: u8 = 2;

impl Store for Flaky {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>> {
        self.inner.get(key)
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        options: ListOptions,
    ) -> BoxFuture<'a, Result<ListPage>> {
        self.inner.list(prefix, options)
    }
    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
        self.inner.create(key, value)
    }
    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>> {
        self.inner.update(key, value, expected)
    }
    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<(u64, KeyValue)>> {
        self.inner.delete(key, expected)
    }
    fn watch<'a>(&'a self, prefix: &'a str, after: u64) -> BoxFuture<'a, Result<WatchStream>> {
        self.inner.watch(prefix, after)
    }
    fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
        match self.mode.load(Ordering::SeqCst) {
            UP => self.inner.current_revision(),
            DOWN => Box::pin(async { Err(StoreError::Backend("etcd: connection refused".into())) }),
            _ => Box::pin(std::future::pending()),
        }
    }
    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>> {
        self.inner.compact(revision)
    }
}

fn flaky_server() -> (Server, Arc<Flaky>) {
    let store = Arc::new(Flaky {
        inner: MemoryStore::new(),
        mode: AtomicU8::new(UP),
    });
    let server = Server::builder()
        .resource::<Widget>()
        .store(store.clone())
        .build()
        .unwrap();
    (server, store)
}

/// `/readyz` until its code is `code`: the store check's answer is kept for a second.
async fn readyz_becomes(s: &Server, code: u16) -> Reply {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(s, "/readyz").await;
        if r.code == code || tokio::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readyz_follows_the_store() {
    let (s, store) = flaky_server();
    let r = get(&s, "/readyz").await;
    assert_eq!((r.code, r.text.as_str()), (200, "ok"));
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    let r = get(&s, "/readyz?verbose").await;
    assert_eq!(
        r.text,
        "[+]ping ok\n[+]store ok\n[+]shutdown ok\nreadyz check passed\n"
    );
    store.mode.store(DOWN, Ordering::SeqCst);
    let r = readyz_becomes(&s, 500).await;
    assert_eq!(r.code, 500, "{}", r.text);
    assert_eq!(
        r.text,
        "[+]ping ok\n[-]store failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n",
        "always verbose on failure, and the reason is not told"
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    // Alive all the same; /healthz checks the store too.
    let r = get(&s, "/livez?verbose").await;
    assert_eq!(
        (r.code, r.text.as_str()),
        (200, "[+]ping ok\nlivez check passed\n")
    );
    assert_eq!(get(&s, "/healthz").await.code, 500);
    // One check at a time.
    let r = get(&s, "/readyz/store").await;
    assert_eq!(
        (r.code, r.text.as_str()),
        (500, "internal server error: reason withheld\n")
    );
    let r = get(&s, "/readyz/ping").await;
    assert_eq!((r.code, r.text.as_str()), (200, "ok"));
    assert_eq!(get(&s, "/readyz/nothing").await.code, 404);
    assert_eq!(
        get(&s, "/livez/store").await.code,
        404,
        "livez does not check the store"
    );
    // Excluded checks.
    let r = get(&s, "/readyz?exclude=store&verbose").await;
    assert_eq!(
        (r.code, r.text.as_str()),
        (
            200,
            "[+]ping ok\n[+]store excluded: ok\n[+]shutdown ok\nreadyz check passed\n"
        )
    );
    let r = get(&s, "/readyz?exclude=store&exclude=nope&exclude=also").await;
    assert_eq!(r.code, 200);
    let r = get(
        &s,
        "/readyz?exclude=store&exclude=nope&exclude=also&verbose=1",
    )
    .await;
    assert!(
        r.text.ends_with("warn: some health checks cannot be excluded: no matches for \"also\",\"nope\"\nreadyz check passed\n"),
        "{}",
        r.text
    );
    // Back up.
    store.mode.store(UP, Ordering::SeqCst);
    let r = readyz_becomes(&s, 200).await;
    assert_eq!((r.code, r.text.as_str()), (200, "ok"));
}

#[tokio::test(start_paused = true)]
async fn a_store_that_does_not_answer_fails_readyz_within_the_timeout() {
    let (s, store) = flaky_server();
    store.mode.store(HANGING, Ordering::SeqCst);
    let started = tokio::time::Instant::now();
    let r = get(&s, "/readyz").await;
    assert_eq!(r.code, 500, "{}", r.text);
    assert!(r.text.contains("[-]store failed: reason withheld"));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    // The answer is kept: the next probe does not wait again.
    let started = tokio::time::Instant::now();
    assert_eq!(get(&s, "/readyz").await.code, 500);
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(get(&s, "/livez").await.code, 200);
}

#[tokio::test]
async fn readyz_fails_once_the_server_shuts_down() {
    let (s, _store) = flaky_server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(s.clone().serve_listener(listener, async {
        let _ = stopped.await;
    }));
    assert_eq!(get(&s, "/readyz").await.code, 200);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let r = get(&s, "/readyz").await;
    assert_eq!(
        (r.code, r.text.as_str()),
        (
            500,
            "[+]ping ok\n[+]store ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n"
        )
    );
    assert_eq!(
        get(&s, "/livez").await.code,
        200,
        "still alive while it drains"
    );
}

#[tokio::test]
async fn the_ops_container_reports_the_api_servers_health() {
    let store = Arc::new(Flaky {
        inner: MemoryStore::new(),
        mode: AtomicU8::new(DOWN),
    });
    let api = Server::builder()
        .resource::<Widget>()
        .store(store)
        .without_ops()
        .build()
        .unwrap();
    let ops = api.ops().unwrap();
    assert_eq!(get(&api, "/readyz").await.code, 404);
    let r = get(&ops, "/readyz").await;
    assert_eq!(r.code, 500, "{}", r.text);
    assert_eq!(get(&ops, "/readyz/ping").await.code, 200);
    assert_eq!(get(&ops, "/livez").await.code, 200);
}

#[tokio::test]
async fn version_names_the_api_level_and_the_build() {
    let s = server();
    let r = get(&s, "/version").await;
    assert_eq!(r.code, 200);
    let v = &r.body;
    assert_eq!(
        (v["major"].as_str(), v["minor"].as_str()),
        (Some("1"), Some("32"))
    );
    let git_version = v["gitVersion"].as_str().unwrap();
    assert_eq!(
        git_version,
        format!("v1.32.0-krest.{}", env!("CARGO_PKG_VERSION")),
        "a semantic version: the API level, then krest's own as a pre-release"
    );
    let date = v["buildDate"].as_str().unwrap();
    assert!(
        date.len() == 20 && date.ends_with('Z') && date.as_bytes()[10] == b'T',
        "{date}"
    );
    assert!(date > "2024-01-01", "not the epoch: {date}");
    let commit = v["gitCommit"].as_str().unwrap();
    assert!(
        commit.is_empty() || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert!(
        v["goVersion"].as_str().unwrap().starts_with("rustc "),
        "{v}"
    );
    assert_eq!(v["compiler"], "rustc");
}
