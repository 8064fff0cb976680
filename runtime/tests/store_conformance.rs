//! One conformance suite for every store backend, after k8s.io/apiserver's storage tests:
//! create, get, list (prefix, at a revision, pagination with a constant revision, expiry),
//! guaranteed update with conflicts, guarded and unguarded delete, no-op updates, watch from
//! zero, from a revision and from a compacted revision, global order across keys; plus
//! property tests of random operation sequences against a simple model.
//!
//! Memory and embedded always run; etcd runs with `--features etcd` (CI enables it) against a
//! real etcd process.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use krest::store::{
    guaranteed_update, EmbeddedOptions, EmbeddedStore, EventKind, ListOptions, MemoryStore, Store,
    StoreError,
};

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn temp(name: &str) -> std::path::PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("krest-conf-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

async fn next_event(w: &mut krest::store::WatchStream) -> Result<krest::store::Event, StoreError> {
    tokio::time::timeout(Duration::from_secs(5), w.next())
        .await
        .expect("an event within 5 s")
        .expect("the stream is open")
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
    assert_eq!(last.value, b("2"));
    assert_eq!(
        s.delete("/t/a", None).await.unwrap_err(),
        StoreError::NotFound
    );
    s.create("/t/b", b("1")).await.unwrap();
    let (r4, _) = s.delete("/t/b", None).await.unwrap();
    assert!(r4 > r3);
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
    s.create("/l/x/9", b("late")).await.unwrap();
    s.update("/l/x/6", b("changed"), page.revision - 1)
        .await
        .ok();
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

async fn watches(s: Arc<dyn Store>) {
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
    // From a revision in the middle: only what came after.
    let mut from_middle = s.watch("/w/", r2).await.unwrap();
    for (kind, key, rev, _) in &expected[2..] {
        let e = next_event(&mut from_middle).await.unwrap();
        assert_eq!((e.kind, e.key.as_str(), e.revision), (*kind, *key, *rev));
    }
    // Many keys written concurrently: one global order, strictly increasing.
    let mut ordered = s
        .watch("/o/", s.current_revision().await.unwrap())
        .await
        .unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    s.create(&format!("/o/{w}-{i}"), b("v")).await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let mut last = 0;
    for _ in 0..100 {
        let e = next_event(&mut ordered).await.unwrap();
        assert!(e.revision > last, "revisions strictly increase");
        last = e.revision;
    }
    // From a compacted revision: Expired.
    s.compact(r3).await.unwrap();
    let expired = match s.watch("/w/", r1).await {
        Err(e) => e,
        Ok(mut w) => next_event(&mut w).await.unwrap_err(),
    };
    assert!(matches!(expired, StoreError::Expired { .. }), "{expired:?}");
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
            async fn watches() {
                super::watches($make).await;
            }
        }
    };
}

conformance!(memory, Arc::new(MemoryStore::new()) as Arc<dyn Store>);
conformance!(
    embedded,
    Arc::new(EmbeddedStore::open(&temp("embedded"), EmbeddedOptions::default()).unwrap())
        as Arc<dyn Store>
);

#[cfg(feature = "etcd")]
mod etcd_backend {
    use super::*;
    use krest::store::{BoxFuture, EtcdStore, KeyValue, ListPage, WatchStream};
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::Instant;

    /// An etcd store that owns its etcd process: the process ends with the store.
    struct OwnedEtcd {
        store: EtcdStore,
        child: Child,
    }

    impl Drop for OwnedEtcd {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Store for OwnedEtcd {
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
        fn create<'a>(
            &'a self,
            key: &'a str,
            value: Bytes,
        ) -> BoxFuture<'a, Result<u64, StoreError>> {
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

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// A fresh etcd on free loopback ports, and a store on it.
    pub async fn store() -> Arc<dyn Store> {
        let (client, peer) = (free_port(), free_port());
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("krest-conf-etcd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let endpoint = format!("http://127.0.0.1:{client}");
        let name = format!("c{n}");
        let child = Command::new("etcd")
            .args(["--name", &name, "--data-dir"])
            .arg(&dir)
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
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", client)).is_err() {
            assert!(Instant::now() < deadline, "etcd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let store = EtcdStore::connect(&[endpoint], "/conformance")
            .await
            .unwrap();
        Arc::new(OwnedEtcd { store, child })
    }

    conformance!(etcd, store().await);
}

/// A simple model of the store: the property tests compare every backend against it.
#[derive(Default)]
struct Model {
    revision: u64,
    keys: BTreeMap<String, (Bytes, u64)>,
}

#[derive(Clone, Debug)]
enum ModelOp {
    Create(u8, u8),
    Update(u8, u8, bool),
    Delete(u8, bool),
}

fn apply_model(m: &mut Model, op: &ModelOp) -> Result<u64, StoreError> {
    let key = |k: &u8| format!("/p/{k}");
    match op {
        ModelOp::Create(k, v) => {
            if m.keys.contains_key(&key(k)) {
                return Err(StoreError::AlreadyExists);
            }
            m.revision += 1;
            m.keys.insert(key(k), (b(&v.to_string()), m.revision));
            Ok(m.revision)
        }
        ModelOp::Update(k, v, stale) => {
            let Some((value, rev)) = m.keys.get(&key(k)).cloned() else {
                return Err(StoreError::NotFound);
            };
            if *stale {
                return Err(StoreError::Conflict { current: rev });
            }
            if value == b(&v.to_string()) {
                return Ok(rev);
            }
            m.revision += 1;
            m.keys.insert(key(k), (b(&v.to_string()), m.revision));
            Ok(m.revision)
        }
        ModelOp::Delete(k, stale) => {
            let Some((_, rev)) = m.keys.get(&key(k)).cloned() else {
                return Err(StoreError::NotFound);
            };
            if *stale {
                return Err(StoreError::Conflict { current: rev });
            }
            m.revision += 1;
            m.keys.remove(&key(k));
            Ok(m.revision)
        }
    }
}

async fn apply_store(s: &dyn Store, op: &ModelOp) -> Result<u64, StoreError> {
    let key = |k: &u8| format!("/p/{k}");
    let rev_of = |kv: Option<krest::store::KeyValue>| kv.map_or(0, |kv| kv.mod_revision);
    match op {
        ModelOp::Create(k, v) => s.create(&key(k), b(&v.to_string())).await,
        ModelOp::Update(k, v, stale) => {
            let rev = rev_of(s.get(&key(k)).await.unwrap());
            let expected = if *stale { rev.wrapping_sub(1) } else { rev };
            s.update(&key(k), b(&v.to_string()), expected).await
        }
        ModelOp::Delete(k, stale) => {
            let rev = rev_of(s.get(&key(k)).await.unwrap());
            let expected = if *stale { rev.wrapping_sub(1) } else { rev };
            s.delete(&key(k), Some(expected)).await.map(|(r, _)| r)
        }
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn op() -> impl Strategy<Value = ModelOp> {
        prop_oneof![
            (0u8..6, 0u8..4).prop_map(|(k, v)| ModelOp::Create(k, v)),
            (0u8..6, 0u8..4, any::<bool>()).prop_map(|(k, v, s)| ModelOp::Update(k, v, s)),
            (0u8..6, any::<bool>()).prop_map(|(k, s)| ModelOp::Delete(k, s)),
        ]
    }

    fn check(make: impl Fn() -> Arc<dyn Store>, ops: &[ModelOp]) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = make();
            let mut model = Model::default();
            for op in ops {
                let expected = apply_model(&mut model, op);
                let got = apply_store(&*store, op).await;
                match (&expected, &got) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{op:?}"),
                    (Err(StoreError::Conflict { .. }), Err(StoreError::Conflict { .. })) => {}
                    (a, b) => assert_eq!(a, b, "{op:?}"),
                }
            }
            let listed = store.list("/p/", ListOptions::default()).await.unwrap();
            let state: BTreeMap<String, (Bytes, u64)> = listed
                .items
                .into_iter()
                .map(|kv| (kv.key, (kv.value, kv.mod_revision)))
                .collect();
            assert_eq!(state, model.keys);
            assert_eq!(store.current_revision().await.unwrap(), model.revision);
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn memory_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
            check(|| Arc::new(MemoryStore::new()), &ops);
        }

        #[test]
        fn embedded_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
            check(|| Arc::new(EmbeddedStore::open(&temp("prop"), EmbeddedOptions::default()).unwrap()), &ops);
        }
    }
}

#[tokio::test]
async fn embedded_survives_reopen_and_resumes_watches() {
    let dir = temp("reopen");
    let (r1, r2) = {
        let s = EmbeddedStore::open(&dir, EmbeddedOptions::default()).unwrap();
        let r1 = s.create("/r/a", b("1")).await.unwrap();
        let r2 = s.update("/r/a", b("2"), r1).await.unwrap();
        (r1, r2)
    };
    // The writer thread of the first instance ends with its channel; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let s = EmbeddedStore::open(&dir, EmbeddedOptions::default()).unwrap();
    assert_eq!(
        s.current_revision().await.unwrap(),
        r2,
        "the revision survives"
    );
    assert_eq!(s.get("/r/a").await.unwrap().unwrap().value, b("2"));
    let mut w = s.watch("/r/", r1).await.unwrap();
    let e = next_event(&mut w).await.unwrap();
    assert_eq!(
        (e.kind, e.revision),
        (EventKind::Modified, r2),
        "a watch resumes from before the restart"
    );
    let r3 = s.create("/r/b", b("1")).await.unwrap();
    assert!(r3 > r2);
}

#[tokio::test]
async fn embedded_failed_commit_leaves_nothing() {
    let options = EmbeddedOptions::default();
    let fail = options.fail_commits.clone();
    let s = EmbeddedStore::open(&temp("fail"), options).unwrap();
    let r1 = s.create("/f/a", b("1")).await.unwrap();
    fail.store(true, Ordering::SeqCst);
    assert!(matches!(
        s.create("/f/b", b("1")).await,
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        s.update("/f/a", b("2"), r1).await,
        Err(StoreError::Backend(_))
    ));
    fail.store(false, Ordering::SeqCst);
    assert_eq!(s.get("/f/b").await.unwrap(), None, "no partial state");
    assert_eq!(s.get("/f/a").await.unwrap().unwrap().value, b("1"));
    assert_eq!(
        s.current_revision().await.unwrap(),
        r1,
        "the revision did not move"
    );
    assert_eq!(s.create("/f/b", b("1")).await.unwrap(), r1 + 1);
}

#[tokio::test]
async fn embedded_log_stays_bounded() {
    let s = EmbeddedStore::open(
        &temp("bounded"),
        EmbeddedOptions {
            keep_changes: 50,
            ..Default::default()
        },
    )
    .unwrap();
    let first = s.create("/c/k", b("0")).await.unwrap();
    let mut rev = first;
    for i in 1..200 {
        rev = s.update("/c/k", b(&i.to_string()), rev).await.unwrap();
    }
    assert!(
        matches!(s.watch("/c/", first).await, Err(StoreError::Expired { .. })),
        "old changes were compacted"
    );
    let mut recent = s.watch("/c/", rev - 10).await.unwrap();
    assert_eq!(next_event(&mut recent).await.unwrap().revision, rev - 9);
}
