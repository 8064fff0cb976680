//! One conformance suite for every store backend, after k8s.io/apiserver's storage tests:
//! create, get, list (prefix, at a revision, pagination with a constant revision, expiry),
//! guaranteed update with conflicts, guarded and unguarded delete, no-op updates, watch from
//! zero, from a revision and from a compacted revision, global order across keys, overflowing
//! watchers; plus property tests of random operation sequences against a simple model, and the
//! embedded store's own durability tests (reopen, failed commit, failed fsync, compaction).
//!
//! Memory and embedded always run; etcd runs with `--features etcd` (CI enables it) against a
//! real etcd process.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use krest::store::{
    guaranteed_update, BoxFuture, EmbeddedOptions, EmbeddedStore, Event, EventKind, KeyValue,
    ListOptions, ListPage, MemoryStore, Store, StoreError, WatchItem, WatchStream,
};
use tempfile::TempDir;

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

/// A store that owns what it needs to exist (a temporary directory, an etcd process), dropped
/// after the store.
struct Owned<G: Send + Sync + 'static> {
    store: Box<dyn Store>,
    _guard: G,
}

impl<G: Send + Sync + 'static> Store for Owned<G> {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>, StoreError>> {
        self.store.get(key)
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        options: ListOptions,
    ) -> BoxFuture<'a, Result<ListPage, StoreError>> {
        self.store.list(prefix, options)
    }
    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64, StoreError>> {
        self.store.create(key, value)
    }
    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        self.store.update(key, value, expected)
    }
    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<(u64, KeyValue), StoreError>> {
        self.store.delete(key, expected)
    }
    fn watch<'a>(
        &'a self,
        prefix: &'a str,
        after: u64,
    ) -> BoxFuture<'a, Result<WatchStream, StoreError>> {
        self.store.watch(prefix, after)
    }
    fn current_revision(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.store.current_revision()
    }
    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        self.store.compact(revision)
    }
}

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

/// An embedded store in a fresh temporary directory, removed with the store.
fn embedded_with(options: EmbeddedOptions) -> Arc<dyn Store> {
    let dir = TempDir::new().unwrap();
    let store = EmbeddedStore::open(dir.path(), options).unwrap();
    Arc::new(Owned {
        store: Box::new(store),
        _guard: dir,
    })
}

fn embedded() -> Arc<dyn Store> {
    embedded_with(EmbeddedOptions::default())
}

async fn next_item(w: &mut WatchStream) -> Result<WatchItem, StoreError> {
    tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .expect("an item within 10 s")
        .expect("the stream is open")
}

async fn next_event(w: &mut WatchStream) -> Result<Event, StoreError> {
    match next_item(w).await? {
        WatchItem::Event(event) => Ok(event),
        WatchItem::Progress(r) => panic!("unrequested progress notification at {r}"),
    }
}

/// Nothing more arrives within a short while.
async fn assert_quiet(w: &mut WatchStream) {
    if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(100), w.next()).await {
        panic!("unexpected event {e:?}");
    }
}

/// A watch from a compacted revision fails, at once or as the stream's first item.
async fn watch_error(s: &dyn Store, prefix: &str, after: u64) -> StoreError {
    match s.watch(prefix, after).await {
        Err(e) => e,
        Ok(mut w) => next_event(&mut w).await.unwrap_err(),
    }
}

async fn create_get_update_delete(s: Arc<dyn Store>) {
    let r1 = s.create("/t/a", b("1")).await.unwrap();
    assert_eq!(
        s.create("/t/a", b("2")).await,
        Err(StoreError::AlreadyExists)
    );
    let got = s.get("/t/a").await.unwrap().unwrap();
    assert_eq!((got.value, got.mod_revision), (b("1"), r1));
    assert_eq!(s.get("/t/missing").await.unwrap(), None);
    assert_eq!(
        s.update("/t/a", b("x"), r1 + 100).await,
        Err(StoreError::Conflict { current: r1 })
    );
    assert_eq!(
        s.update("/t/missing", b("x"), 1).await,
        Err(StoreError::NotFound)
    );
    let r2 = s.update("/t/a", b("2"), r1).await.unwrap();
    assert!(r2 > r1, "every write takes a new revision");
    assert_eq!(
        s.update("/t/a", b("2"), r2).await.unwrap(),
        r2,
        "a no-op update keeps the revision"
    );
    assert_eq!(s.current_revision().await.unwrap(), r2);
    assert!(
        matches!(
            s.delete("/t/a", Some(r1)).await,
            Err(StoreError::Conflict { .. })
        ),
        "guarded delete"
    );
    let (r3, last) = s.delete("/t/a", Some(r2)).await.unwrap();
    assert!(r3 > r2, "a delete takes a new revision");
    assert_eq!((last.value, last.mod_revision), (b("2"), r2));
    assert_eq!(s.current_revision().await.unwrap(), r3);
    assert_eq!(
        s.delete("/t/a", None).await.unwrap_err(),
        StoreError::NotFound
    );
    s.create("/t/b", b("1")).await.unwrap();
    let (r4, _) = s.delete("/t/b", None).await.unwrap();
    assert!(r4 > r3, "an unguarded delete takes a new revision too");
    let r5 = s.create("/t/a", b("again")).await.unwrap();
    assert!(r5 > r4, "a deleted key can be created again");
}

async fn lists_and_pages(s: Arc<dyn Store>) {
    for i in 0..7 {
        s.create(&format!("/l/x/{i}"), b(&i.to_string()))
            .await
            .unwrap();
    }
    s.create("/l/y/0", b("other prefix")).await.unwrap();
    let all = s.list("/l/x/", ListOptions::default()).await.unwrap();
    assert_eq!(all.items.len(), 7);
    assert!(all.next_key.is_none());
    assert_eq!(all.remaining, 0);
    let at = all.revision;
    // A write between pages must not show up in later pages.
    let mut seen = Vec::new();
    let mut page = s
        .list(
            "/l/x/",
            ListOptions {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let rev = page.revision;
    s.create("/l/x/55", b("late")).await.unwrap();
    let r6 = s.get("/l/x/6").await.unwrap().unwrap().mod_revision;
    s.update("/l/x/6", b("changed"), r6).await.unwrap();
    s.delete("/l/x/4", None).await.unwrap();
    loop {
        assert_eq!(
            page.revision, rev,
            "every page is read at the first page's revision"
        );
        seen.extend(
            page.items
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.clone())),
        );
        let Some(next) = page.next_key.clone() else {
            break;
        };
        assert_eq!(page.remaining as usize, 7 - seen.len());
        page = s
            .list(
                "/l/x/",
                ListOptions {
                    limit: 3,
                    revision: Some(rev),
                    start: Some(next),
                },
            )
            .await
            .unwrap();
    }
    let expected: Vec<(String, Bytes)> = (0..7)
        .map(|i| (format!("/l/x/{i}"), b(&i.to_string())))
        .collect();
    assert_eq!(
        seen, expected,
        "each item exactly once, as of the first page"
    );
    // Three writes before `at` were x5, x6 and y0: at `at - 3`, x0..x4 existed.
    let old = s
        .list(
            "/l/x/",
            ListOptions {
                revision: Some(at - 3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        old.items.len(),
        5,
        "a list at an older revision sees the older state"
    );
    let now = s.list("/l/x/", ListOptions::default()).await.unwrap();
    let keys: Vec<&str> = now.items.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(
        keys,
        ["/l/x/0", "/l/x/1", "/l/x/2", "/l/x/3", "/l/x/5", "/l/x/55", "/l/x/6"]
    );
    let current = s.current_revision().await.unwrap();
    assert!(matches!(
        s.list(
            "/l/x/",
            ListOptions {
                revision: Some(current + 100),
                ..Default::default()
            }
        )
        .await,
        Err(StoreError::FutureRevision { .. })
    ));
    s.compact(current).await.unwrap();
    let expired = s
        .list(
            "/l/x/",
            ListOptions {
                limit: 3,
                revision: Some(rev),
                start: Some("/l/x/3".into()),
            },
        )
        .await;
    assert!(
        matches!(expired, Err(StoreError::Expired { .. })),
        "continuing after compaction: {expired:?}"
    );
    let at_compacted = s
        .list(
            "/l/x/",
            ListOptions {
                revision: Some(current),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        at_compacted.items.len(),
        7,
        "the compacted revision itself stays readable"
    );
}

async fn guaranteed_update_retries_once(s: Arc<dyn Store>) {
    s.create("/g/counter", b("0")).await.unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    // Both updaters read the same revision before either writes: exactly one must retry.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let handle = tokio::runtime::Handle::current();
    let updaters: Vec<_> = (0..2)
        .map(|_| {
            let (s, attempts, barrier, handle) =
                (s.clone(), attempts.clone(), barrier.clone(), handle.clone());
            tokio::task::spawn_blocking(move || {
                let mut first = true;
                handle.block_on(guaranteed_update::<StoreError>(
                    &*s,
                    "/g/counter",
                    |current| {
                        attempts.fetch_add(1, Ordering::SeqCst);
                        if std::mem::take(&mut first) {
                            barrier.wait();
                        }
                        let n: i64 = std::str::from_utf8(&current.value)
                            .unwrap()
                            .parse()
                            .unwrap();
                        Ok(b(&(n + 1).to_string()))
                    },
                ))
            })
        })
        .collect();
    for u in updaters {
        u.await.unwrap().unwrap();
    }
    assert_eq!(
        s.get("/g/counter").await.unwrap().unwrap().value,
        b("2"),
        "no update is lost"
    );
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "exactly one updater retried"
    );
}

async fn watch_from_zero(s: Arc<dyn Store>) {
    let r1 = s.create("/z/a", b("1")).await.unwrap();
    let r2 = s.create("/z/b", b("1")).await.unwrap();
    let mut w = s.watch("/z/", 0).await.unwrap();
    for (key, rev) in [("/z/a", r1), ("/z/b", r2)] {
        let e = next_event(&mut w).await.unwrap();
        assert_eq!(
            (e.kind, e.key.as_str(), e.revision),
            (EventKind::Added, key, rev),
            "a watch from 0 replays the history"
        );
    }
    let r3 = s.update("/z/a", b("2"), r1).await.unwrap();
    let e = next_event(&mut w).await.unwrap();
    assert_eq!(
        (e.kind, e.revision, e.value),
        (EventKind::Modified, r3, b("2")),
        "then live events"
    );
}

async fn watch_from_revision(s: Arc<dyn Store>) {
    let r0 = s.current_revision().await.unwrap();
    let mut from_start = s.watch("/w/", r0).await.unwrap();
    let r1 = s.create("/w/a", b("1")).await.unwrap();
    let r2 = s.create("/w/b", b("1")).await.unwrap();
    let r3 = s.update("/w/a", b("2"), r1).await.unwrap();
    s.update("/w/a", b("2"), r3).await.unwrap(); // no-op: no event
    s.create("/other/x", b("1")).await.unwrap(); // another prefix: no event
    let (r4, _) = s.delete("/w/b", None).await.unwrap();
    let expected = [
        (EventKind::Added, "/w/a", r1, b("1")),
        (EventKind::Added, "/w/b", r2, b("1")),
        (EventKind::Modified, "/w/a", r3, b("2")),
        (EventKind::Deleted, "/w/b", r4, b("1")),
    ];
    for (kind, key, rev, value) in expected.clone() {
        let e = next_event(&mut from_start).await.unwrap();
        assert_eq!(
            (e.kind, e.key.as_str(), e.revision, e.value),
            (kind, key, rev, value)
        );
    }
    assert_quiet(&mut from_start).await;
    // From a revision in the middle: only what came after.
    let mut from_middle = s.watch("/w/", r2).await.unwrap();
    for (kind, key, rev, _) in &expected[2..] {
        let e = next_event(&mut from_middle).await.unwrap();
        assert_eq!((e.kind, e.key.as_str(), e.revision), (*kind, *key, *rev));
    }
    assert_quiet(&mut from_middle).await;
}

async fn watch_keeps_global_order(s: Arc<dyn Store>) {
    let mut ordered = s
        .watch("/o/", s.current_revision().await.unwrap())
        .await
        .unwrap();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut revisions = Vec::new();
                for i in 0..25 {
                    revisions.push(s.create(&format!("/o/{w}-{i}"), b("v")).await.unwrap());
                }
                revisions
            })
        })
        .collect();
    let mut written = Vec::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    written.sort_unstable();
    let mut seen = Vec::new();
    for _ in 0..written.len() {
        seen.push(next_event(&mut ordered).await.unwrap().revision);
    }
    assert_eq!(
        seen, written,
        "every committed write once, in one global order"
    );
}

async fn watch_from_compacted_revision(s: Arc<dyn Store>) {
    let r1 = s.create("/c/a", b("1")).await.unwrap();
    let r2 = s.update("/c/a", b("2"), r1).await.unwrap();
    let r3 = s.update("/c/a", b("3"), r2).await.unwrap();
    let r4 = s.update("/c/a", b("4"), r3).await.unwrap();
    s.compact(r3).await.unwrap();
    let expired = watch_error(&*s, "/c/", r1).await;
    assert!(matches!(expired, StoreError::Expired { .. }), "{expired:?}");
    let mut from_compacted = s.watch("/c/", r3).await.unwrap();
    assert_eq!(
        next_event(&mut from_compacted).await.unwrap().revision,
        r4,
        "a watch from the compacted revision itself still works"
    );
}

/// A watcher that never reads is closed once its queue is full: its stream ends after a
/// gap-free run of events, never skipping ahead, and the writers are not held up.
async fn overflowing_watcher_is_closed(s: Arc<dyn Store>) {
    const WRITES: usize = 6000;
    let start = s.current_revision().await.unwrap();
    let mut stalled = s.watch("/v/", start).await.unwrap();
    let writers: Vec<_> = (0..32)
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move {
                for i in 0..WRITES / 32 {
                    s.create(&format!("/v/{w}-{i}"), b("v")).await.unwrap();
                }
            })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(60), async {
        for w in writers {
            w.await.unwrap();
        }
    })
    .await
    .expect("writers are never blocked by a stalled watcher");
    let mut received = 0;
    let mut last = start;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stalled.next()).await {
            Ok(Some(Ok(WatchItem::Progress(r)))) => panic!("unrequested progress at {r}"),
            Ok(Some(Ok(WatchItem::Event(e)))) => {
                assert_eq!(e.revision, last + 1, "no event is skipped");
                last = e.revision;
                received += 1;
            }
            Ok(Some(Err(e))) => panic!("unexpected error {e:?}"),
            Ok(None) => break,
            Err(_) => panic!("the overflowing watcher was not closed ({received} events)"),
        }
    }
    assert!(
        received < WRITES,
        "the watcher was closed before the end ({received} events)"
    );
}

/// A watch whose prefix is quiet learns that the store moved on when it asks for progress,
/// and progress never overtakes an event of its own prefix.
async fn progress_follows_the_whole_store(s: Arc<dyn Store>) {
    let start = s.current_revision().await.unwrap();
    let mut w = s.watch("/quiet/", start).await.unwrap();
    s.create("/loud/a", b("1")).await.unwrap();
    let r2 = s.create("/loud/b", b("2")).await.unwrap();
    w.request_progress();
    assert_eq!(next_item(&mut w).await.unwrap(), WatchItem::Progress(r2));
    let r3 = s.create("/quiet/a", b("3")).await.unwrap();
    let r4 = s.create("/loud/c", b("4")).await.unwrap();
    w.request_progress();
    let event = next_event(&mut w).await.unwrap();
    assert_eq!((event.key.as_str(), event.revision), ("/quiet/a", r3));
    assert_eq!(next_item(&mut w).await.unwrap(), WatchItem::Progress(r4));
    assert_quiet(&mut w).await;
}

/// Values up to the limit are stored by every backend (etcd's own limit included); one byte
/// more is refused before anything is written.
async fn values_over_the_limit_are_refused(s: Arc<dyn Store>) {
    let limit = krest::store::MAX_VALUE_BYTES;
    let key = format!("/big/{}", "k".repeat(253));
    let at_limit = Bytes::from(vec![b'x'; limit]);
    let r1 = s.create(&key, at_limit.clone()).await.unwrap();
    let over = Bytes::from(vec![b'y'; limit + 1]);
    let refused = s.create("/big/other", over.clone()).await;
    assert_eq!(
        refused,
        Err(StoreError::TooLarge {
            size: limit + 1,
            limit
        })
    );
    assert_eq!(
        s.update(&key, over, r1).await,
        Err(StoreError::TooLarge {
            size: limit + 1,
            limit
        })
    );
    let kept = s.get(&key).await.unwrap().unwrap();
    assert_eq!((kept.value, kept.mod_revision), (at_limit, r1));
    assert_eq!(s.get("/big/other").await.unwrap(), None);
}

macro_rules! conformance {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn create_get_update_delete() {
                super::create_get_update_delete($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn lists_and_pages() {
                super::lists_and_pages($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn guaranteed_update_retries_once() {
                super::guaranteed_update_retries_once($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn watch_from_zero() {
                super::watch_from_zero($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn watch_from_revision() {
                super::watch_from_revision($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn watch_keeps_global_order() {
                super::watch_keeps_global_order($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn watch_from_compacted_revision() {
                super::watch_from_compacted_revision($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn values_over_the_limit_are_refused() {
                super::values_over_the_limit_are_refused($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn progress_follows_the_whole_store() {
                super::progress_follows_the_whole_store($make).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn overflowing_watcher_is_closed() {
                super::overflowing_watcher_is_closed($make).await;
            }
        }
    };
}

conformance!(memory, memory());
conformance!(embedded, embedded());

#[cfg(feature = "etcd")]
mod etcd_backend {
    use super::*;
    use krest::store::EtcdStore;
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::Instant;

    /// Kills the etcd process when dropped.
    struct Kill(Child);

    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// A fresh etcd on free loopback ports, and a store on it. Tests start etcds in parallel,
    /// so a port picked here can be taken before etcd binds it: an etcd that exits at once is
    /// started again on other ports.
    pub async fn store() -> Arc<dyn Store> {
        let dir = TempDir::new().unwrap();
        let mut attempt = 0;
        let (child, endpoint) = loop {
            attempt += 1;
            let (client, peer) = (free_port(), free_port());
            let endpoint = format!("http://127.0.0.1:{client}");
            let name = format!("c{client}");
            let _ = std::fs::remove_dir_all(dir.path().join("etcd"));
            let child = Command::new("etcd")
                .args(["--name", &name, "--data-dir"])
                .arg(dir.path().join("etcd"))
                .args([
                    "--listen-client-urls",
                    &endpoint,
                    "--advertise-client-urls",
                    &endpoint,
                ])
                .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
                .args([
                    "--initial-advertise-peer-urls",
                    &format!("http://127.0.0.1:{peer}"),
                ])
                .args([
                    "--initial-cluster",
                    &format!("{name}=http://127.0.0.1:{peer}"),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("etcd is installed (scripts/test.sh installs Debian's etcd-server)");
            let mut child = Kill(child);
            let deadline = Instant::now() + Duration::from_secs(60);
            let started = loop {
                if std::net::TcpStream::connect(("127.0.0.1", client)).is_ok() {
                    break true;
                }
                if child.0.try_wait().ok().flatten().is_some() {
                    break false;
                }
                assert!(Instant::now() < deadline, "etcd did not start in 60 s");
                std::thread::sleep(Duration::from_millis(50));
            };
            if started {
                break (child, endpoint);
            }
            assert!(attempt < 5, "etcd exited at start five times");
        };
        let store = EtcdStore::connect(&[endpoint], "/conformance")
            .await
            .unwrap();
        // The process goes before its directory.
        Arc::new(Owned {
            store: Box::new(store),
            _guard: (child, dir),
        })
    }

    conformance!(etcd, store().await);
}

/// A simple model of the store: the property tests compare every backend against it.
#[derive(Default)]
struct Model {
    revision: u64,
    keys: BTreeMap<String, (Bytes, u64)>,
    /// Every change: kind, key, value (the last one for a delete), revision.
    events: Vec<(EventKind, String, Bytes, u64)>,
    /// The keys as they were at each revision (index = revision).
    history: Vec<BTreeMap<String, (Bytes, u64)>>,
}

impl Model {
    fn new() -> Model {
        Model {
            history: vec![BTreeMap::new()],
            ..Model::default()
        }
    }

    fn commit(&mut self, kind: EventKind, key: String, value: Bytes) -> u64 {
        self.revision += 1;
        if kind == EventKind::Deleted {
            self.keys.remove(&key);
        } else {
            self.keys
                .insert(key.clone(), (value.clone(), self.revision));
        }
        self.events.push((kind, key, value, self.revision));
        self.history.push(self.keys.clone());
        self.revision
    }
}

#[derive(Clone, Debug)]
enum ModelOp {
    Create(u8, u8),
    Update(u8, u8, bool),
    Delete(u8, bool),
    DeleteUnguarded(u8),
}

fn model_key(k: u8) -> String {
    format!("/p/{k}")
}

fn apply_model(m: &mut Model, op: &ModelOp) -> Result<u64, StoreError> {
    match op {
        ModelOp::Create(k, v) => {
            if m.keys.contains_key(&model_key(*k)) {
                return Err(StoreError::AlreadyExists);
            }
            Ok(m.commit(EventKind::Added, model_key(*k), b(&v.to_string())))
        }
        ModelOp::Update(k, v, stale) => {
            let Some((value, rev)) = m.keys.get(&model_key(*k)).cloned() else {
                return Err(StoreError::NotFound);
            };
            if *stale {
                return Err(StoreError::Conflict { current: rev });
            }
            if value == b(&v.to_string()) {
                return Ok(rev);
            }
            Ok(m.commit(EventKind::Modified, model_key(*k), b(&v.to_string())))
        }
        ModelOp::Delete(k, stale) => {
            let Some((value, rev)) = m.keys.get(&model_key(*k)).cloned() else {
                return Err(StoreError::NotFound);
            };
            if *stale {
                return Err(StoreError::Conflict { current: rev });
            }
            Ok(m.commit(EventKind::Deleted, model_key(*k), value))
        }
        ModelOp::DeleteUnguarded(k) => {
            let Some((value, _)) = m.keys.get(&model_key(*k)).cloned() else {
                return Err(StoreError::NotFound);
            };
            Ok(m.commit(EventKind::Deleted, model_key(*k), value))
        }
    }
}

async fn apply_store(s: &dyn Store, op: &ModelOp) -> Result<u64, StoreError> {
    let rev_of = |kv: Option<KeyValue>| kv.map_or(0, |kv| kv.mod_revision);
    match op {
        ModelOp::Create(k, v) => s.create(&model_key(*k), b(&v.to_string())).await,
        ModelOp::Update(k, v, stale) => {
            let rev = rev_of(s.get(&model_key(*k)).await.unwrap());
            let expected = if *stale { rev.wrapping_sub(1) } else { rev };
            s.update(&model_key(*k), b(&v.to_string()), expected).await
        }
        ModelOp::Delete(k, stale) => {
            let rev = rev_of(s.get(&model_key(*k)).await.unwrap());
            let expected = if *stale { rev.wrapping_sub(1) } else { rev };
            s.delete(&model_key(*k), Some(expected))
                .await
                .map(|(r, _)| r)
        }
        ModelOp::DeleteUnguarded(k) => s.delete(&model_key(*k), None).await.map(|(r, _)| r),
    }
}

/// Lists `/p/` at `revision`, `limit` keys a page, following `next_key` to the end.
async fn list_all(s: &dyn Store, revision: u64, limit: u64) -> BTreeMap<String, (Bytes, u64)> {
    let mut all = BTreeMap::new();
    let mut start = None;
    loop {
        let page = s
            .list(
                "/p/",
                ListOptions {
                    revision: Some(revision),
                    limit,
                    start: start.take(),
                },
            )
            .await
            .unwrap();
        assert_eq!(page.revision, revision);
        for kv in page.items {
            assert!(
                all.insert(kv.key, (kv.value, kv.mod_revision)).is_none(),
                "a key on two pages"
            );
        }
        match page.next_key {
            Some(next) => start = Some(next),
            None => {
                assert_eq!(page.remaining, 0);
                return all;
            }
        }
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::Index;

    fn op() -> impl Strategy<Value = ModelOp> {
        prop_oneof![
            3 => (0u8..6, 0u8..4).prop_map(|(k, v)| ModelOp::Create(k, v)),
            3 => (0u8..6, 0u8..4, any::<bool>()).prop_map(|(k, v, s)| ModelOp::Update(k, v, s)),
            1 => (0u8..6, any::<bool>()).prop_map(|(k, s)| ModelOp::Delete(k, s)),
            1 => (0u8..6).prop_map(ModelOp::DeleteUnguarded),
        ]
    }

    /// Runs `ops` against a fresh store and the model, then compares every result, the final
    /// state, a paginated list at a past revision, and the watch history from 0 and from that
    /// revision.
    fn check(make: impl Fn() -> Arc<dyn Store>, ops: &[ModelOp], at: Index, limit: u64) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = make();
            let mut model = Model::new();
            for op in ops {
                let expected = apply_model(&mut model, op);
                let got = apply_store(&*store, op).await;
                match (&expected, &got) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{op:?}"),
                    (Err(StoreError::Conflict { .. }), Err(StoreError::Conflict { .. })) => {}
                    (a, b) => assert_eq!(a, b, "{op:?}"),
                }
            }
            assert_eq!(store.current_revision().await.unwrap(), model.revision);
            assert_eq!(list_all(&*store, model.revision, 0).await, model.keys);
            let past = at.index(model.history.len()) as u64;
            let past_state = &model.history[usize::try_from(past).unwrap()];
            assert_eq!(
                &list_all(&*store, past, limit).await,
                past_state,
                "list at {past}, {limit} a page"
            );
            for from in [0, past] {
                let mut w = store.watch("/p/", from).await.unwrap();
                for (kind, key, value, rev) in model.events.iter().filter(|e| e.3 > from) {
                    let e = next_event(&mut w).await.unwrap();
                    assert_eq!(
                        (&e.kind, &e.key, &e.value, &e.revision),
                        (kind, key, value, rev)
                    );
                }
                assert!(
                    tokio::time::timeout(Duration::from_millis(5), w.next())
                        .await
                        .is_err(),
                    "no event beyond the model's"
                );
            }
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn memory_matches_the_model(
            ops in proptest::collection::vec(op(), 1..60),
            at in any::<Index>(),
            limit in 1u64..4,
        ) {
            check(memory, &ops, at, limit);
        }

        #[test]
        fn embedded_matches_the_model(
            ops in proptest::collection::vec(op(), 1..60),
            at in any::<Index>(),
            limit in 1u64..4,
        ) {
            check(embedded, &ops, at, limit);
        }
    }
}

#[tokio::test]
async fn embedded_survives_reopen_and_resumes_watches() {
    let dir = TempDir::new().unwrap();
    let (r1, r2, r3) = {
        let s = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
        let r0 = s.create("/r/gone", b("0")).await.unwrap();
        let r1 = s.create("/r/a", b("1")).await.unwrap();
        let r2 = s.update("/r/a", b("2"), r1).await.unwrap();
        let (r3, _) = s.delete("/r/gone", None).await.unwrap();
        s.compact(r0).await.unwrap();
        (r1, r2, r3)
    };
    // Dropping the store closed the file: it opens again at once.
    let s = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
    assert_eq!(
        s.current_revision().await.unwrap(),
        r3,
        "the revision survives"
    );
    let a = s.get("/r/a").await.unwrap().unwrap();
    assert_eq!((a.value, a.mod_revision), (b("2"), r2));
    assert_eq!(s.get("/r/gone").await.unwrap(), None);
    let mut w = s.watch("/r/", r1).await.unwrap();
    let e = next_event(&mut w).await.unwrap();
    assert_eq!(
        (e.kind, e.revision),
        (EventKind::Modified, r2),
        "a watch resumes from before the restart"
    );
    let e = next_event(&mut w).await.unwrap();
    assert_eq!(
        (e.kind, e.key.as_str(), e.revision),
        (EventKind::Deleted, "/r/gone", r3)
    );
    let old = s
        .list(
            "/r/",
            ListOptions {
                revision: Some(r1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let old: Vec<(&str, &[u8])> = old
        .items
        .iter()
        .map(|kv| (kv.key.as_str(), &kv.value[..]))
        .collect();
    assert_eq!(
        old,
        [("/r/a", &b"1"[..]), ("/r/gone", b"0")],
        "lists at a pre-restart revision"
    );
    assert!(
        matches!(watch_error(&s, "/r/", 0).await, StoreError::Expired { .. }),
        "the compacted revision survives"
    );
    let r4 = s.create("/r/b", b("1")).await.unwrap();
    assert_eq!(r4, r3 + 1, "new writes continue the revision");
    let e = next_event(&mut w).await.unwrap();
    assert_eq!(e.revision, r4, "and reach the resumed watch live");
}

#[tokio::test]
async fn embedded_is_locked_while_open() {
    let dir = TempDir::new().unwrap();
    let _s = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).unwrap();
    assert!(matches!(
        EmbeddedStore::open(dir.path(), EmbeddedOptions::default()),
        Err(StoreError::Backend(_))
    ));
}

#[tokio::test]
async fn embedded_failed_commit_leaves_nothing() {
    let options = EmbeddedOptions::default();
    let fail = options.fail_commits.clone();
    let dir = TempDir::new().unwrap();
    let s = EmbeddedStore::open(dir.path(), options).unwrap();
    let r1 = s.create("/f/a", b("1")).await.unwrap();
    let mut w = s.watch("/f/", r1).await.unwrap();
    fail.store(true, Ordering::SeqCst);
    // Concurrent writes share the failing batch (or batches): all fail, none leaves anything.
    let (c, u) = tokio::join!(s.create("/f/b", b("1")), s.update("/f/a", b("2"), r1));
    assert!(matches!(c, Err(StoreError::Backend(_))), "{c:?}");
    assert!(matches!(u, Err(StoreError::Backend(_))), "{u:?}");
    fail.store(false, Ordering::SeqCst);
    assert_eq!(s.get("/f/b").await.unwrap(), None, "no partial state");
    assert_eq!(s.get("/f/a").await.unwrap().unwrap().value, b("1"));
    assert_eq!(
        s.current_revision().await.unwrap(),
        r1,
        "the revision did not move"
    );
    assert_quiet(&mut w).await;
    assert_eq!(s.create("/f/b", b("1")).await.unwrap(), r1 + 1);
    assert_eq!(next_event(&mut w).await.unwrap().revision, r1 + 1);
}

/// A failed fsync: the write fails, the store refuses later writes rather than retrying, and a
/// reopened store is consistent (the failed write wholly there or wholly absent: an fsync error
/// says nothing about what reached the disk).
#[tokio::test]
async fn embedded_failed_fsync_stops_writes() {
    let dir = TempDir::new().unwrap();
    let fail = Arc::new(AtomicBool::new(false));
    let options = EmbeddedOptions {
        fail_syncs: Some(fail.clone()),
        ..Default::default()
    };
    let r1 = {
        let s = EmbeddedStore::open(dir.path(), options.clone()).unwrap();
        let r1 = s.create("/s/a", b("1")).await.unwrap();
        fail.store(true, Ordering::SeqCst);
        let failed = s.create("/s/b", b("1")).await;
        assert!(matches!(failed, Err(StoreError::Backend(_))), "{failed:?}");
        fail.store(false, Ordering::SeqCst);
        let refused = s.create("/s/c", b("1")).await;
        assert!(
            matches!(refused, Err(StoreError::Backend(_))),
            "no write after a failed fsync: {refused:?}"
        );
        assert_eq!(s.current_revision().await.unwrap(), r1);
        match s.get("/s/b").await {
            Ok(None) | Err(StoreError::Backend(_)) => {}
            other => panic!("the failed write is visible: {other:?}"),
        }
        r1
    };
    let s = EmbeddedStore::open(dir.path(), options).unwrap();
    let revision = s.current_revision().await.unwrap();
    let b_now = s.get("/s/b").await.unwrap();
    match &b_now {
        None => assert_eq!(revision, r1),
        Some(kv) => assert_eq!((revision, kv.mod_revision), (r1 + 1, r1 + 1)),
    }
    assert_eq!(
        s.get("/s/c").await.unwrap(),
        None,
        "the refused write is absent"
    );
    let mut w = s.watch("/s/", r1).await.unwrap();
    if b_now.is_some() {
        assert_eq!(next_event(&mut w).await.unwrap().revision, r1 + 1);
    }
    let next = s.create("/s/c", b("1")).await.unwrap();
    assert_eq!(next, revision + 1);
    assert_eq!(next_event(&mut w).await.unwrap().revision, next);
}

#[tokio::test]
async fn embedded_log_is_bounded_by_count() {
    let s = embedded_with(EmbeddedOptions {
        keep_changes: 50,
        ..Default::default()
    });
    let first = s.create("/c/k", b("0")).await.unwrap();
    let mut rev = first;
    for i in 1..200 {
        rev = s.update("/c/k", b(&i.to_string()), rev).await.unwrap();
    }
    assert!(
        matches!(
            watch_error(&*s, "/c/", first).await,
            StoreError::Expired { .. }
        ),
        "old changes were compacted"
    );
    assert!(
        matches!(
            watch_error(&*s, "/c/", rev - 51).await,
            StoreError::Expired { .. }
        ),
        "only the newest 50 are kept"
    );
    let mut recent = s.watch("/c/", rev - 50).await.unwrap();
    assert_eq!(next_event(&mut recent).await.unwrap().revision, rev - 49);
}

/// The memory store's history is bounded by bytes: rewriting a large object keeps only the
/// newest changes that fit.
#[tokio::test]
async fn memory_history_is_bounded_by_bytes() {
    let s = MemoryStore::with_history_bytes(1 << 20);
    let first = s
        .create("/big/k", Bytes::from(vec![0; 100 << 10]))
        .await
        .unwrap();
    let mut rev = first;
    for i in 0..50u8 {
        rev = s
            .update("/big/k", Bytes::from(vec![i + 1; 100 << 10]), rev)
            .await
            .unwrap();
    }
    assert!(matches!(
        watch_error(&s, "/big/", first).await,
        StoreError::Expired { .. }
    ));
    assert!(matches!(
        s.list(
            "/big/",
            ListOptions {
                revision: Some(first),
                ..Default::default()
            }
        )
        .await,
        Err(StoreError::Expired { .. })
    ));
    let mut recent = s.watch("/big/", rev - 3).await.unwrap();
    assert_eq!(next_event(&mut recent).await.unwrap().revision, rev - 2);
    let at = s
        .list(
            "/big/",
            ListOptions {
                revision: Some(rev - 3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(at.items[0].mod_revision, rev - 3);
}

/// History is bounded by bytes too: rewriting a large object keeps only the newest changes that
/// fit, and reopening the store gives the freed pages back, so the file shrinks.
#[tokio::test]
async fn embedded_log_is_bounded_by_bytes() {
    let dir = TempDir::new().unwrap();
    let open = |keep_bytes: usize| {
        Arc::new(
            EmbeddedStore::open(
                dir.path(),
                EmbeddedOptions {
                    keep_bytes,
                    ..Default::default()
                },
            )
            .unwrap(),
        )
    };
    let file = || {
        std::fs::metadata(dir.path().join("krest.redb"))
            .unwrap()
            .len()
    };
    let rewrite = |s: Arc<EmbeddedStore>, times: usize| async move {
        let mut rev = match s.get("/big/k").await.unwrap() {
            Some(kv) => kv.mod_revision,
            None => s
                .create("/big/k", Bytes::from(vec![0; 100 << 10]))
                .await
                .unwrap(),
        };
        let first = rev;
        for i in 0..times {
            let value = Bytes::from(vec![(i % 250) as u8 + 1; 100 << 10]);
            rev = s.update("/big/k", value, rev).await.unwrap();
        }
        (first, rev)
    };

    // Unbounded by size: 150 rewrites of 100 KiB keep about 30 MB of history.
    let unbounded = open(usize::MAX);
    rewrite(unbounded.clone(), 150).await;
    let grown = file();
    assert!(grown > 20 << 20, "the history is on disk: {grown} bytes");
    drop(unbounded);

    // Bounded to 1 MiB: the next write drops the rest, and so does every later one.
    let bounded = open(1 << 20);
    let (first, last) = rewrite(bounded.clone(), 100).await;
    assert!(
        matches!(
            watch_error(&*bounded, "/big/", first).await,
            StoreError::Expired { .. }
        ),
        "old changes were compacted"
    );
    let mut recent = bounded.watch("/big/", last - 3).await.unwrap();
    assert_eq!(next_event(&mut recent).await.unwrap().revision, last - 2);
    let bounded_size = file();
    drop(recent);
    drop(bounded);

    // Reopening compacts the file: its free pages go back to the file system.
    let reopened = open(1 << 20);
    let shrunk = file();
    assert!(
        shrunk < grown / 4 && shrunk <= bounded_size,
        "{grown} bytes, then {bounded_size}, then {shrunk} after reopening"
    );
    assert_eq!(
        reopened.get("/big/k").await.unwrap().unwrap().mod_revision,
        last
    );
}

#[tokio::test]
async fn embedded_log_is_bounded_by_age() {
    let s = embedded_with(EmbeddedOptions {
        keep_for: Some(Duration::from_secs(1)),
        ..Default::default()
    });
    let r1 = s.create("/a/k", b("0")).await.unwrap();
    let r2 = s.update("/a/k", b("1"), r1).await.unwrap();
    let mut w = s.watch("/a/", 0).await.unwrap();
    assert_eq!(next_event(&mut w).await.unwrap().revision, r1);
    // Idle: the writer wakes up and compacts on its own.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        matches!(watch_error(&*s, "/a/", 0).await, StoreError::Expired { .. }),
        "changes older than keep_for are compacted without further writes"
    );
    let r3 = s.update("/a/k", b("2"), r2).await.unwrap();
    let mut recent = s.watch("/a/", r2).await.unwrap();
    assert_eq!(next_event(&mut recent).await.unwrap().revision, r3);
    assert_eq!(
        next_event(&mut w).await.unwrap().revision,
        r2,
        "live watchers are not affected by compaction"
    );
}

/// Disk use stays bounded: with the log compacted, rewriting the same keys over and over does
/// not grow the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_file_stays_bounded() {
    let dir = TempDir::new().unwrap();
    let s = Arc::new(
        EmbeddedStore::open(
            dir.path(),
            EmbeddedOptions {
                keep_changes: 200,
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let value = Bytes::from(vec![b'x'; 2048]);
    let size = || {
        std::fs::metadata(dir.path().join("krest.redb"))
            .unwrap()
            .len()
    };
    let round = |n: usize| {
        let (s, value) = (s.clone(), value.clone());
        async move {
            let tasks: Vec<_> = (0..16)
                .map(|t| {
                    let (s, value) = (s.clone(), value.clone());
                    tokio::spawn(async move {
                        for i in 0..n {
                            let key = format!("/d/{t}");
                            let mut v = value.to_vec();
                            v[0] = (i % 256) as u8;
                            match s.get(&key).await.unwrap() {
                                None => s.create(&key, v.into()).await.map(|_| ()),
                                Some(kv) => {
                                    s.update(&key, v.into(), kv.mod_revision).await.map(|_| ())
                                }
                            }
                            .unwrap();
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
    round(150).await;
    let warm = size();
    round(300).await;
    let later = size();
    assert!(
        later <= warm + warm / 2 + (1 << 20),
        "the file grew from {warm} to {later} bytes"
    );
}
