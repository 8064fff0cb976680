//! The in-memory store: for tests and `--store memory`. Nothing survives a restart.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{
    BoxFuture, Event, EventKind, KeyValue, ListOptions, ListPage, Result, Store, StoreError,
    WatchItem, WatchStream,
};

/// How many undelivered events a watcher may have before the store closes it.
const WATCH_QUEUE: usize = 4096;

/// How many bytes of values the change history keeps by default.
pub(crate) const DEFAULT_HISTORY_BYTES: usize = 64 << 20;

/// The in-memory [`Store`]. Reads (get, list, the current revision) share the lock; writes take
/// it alone. Keys written with a TTL are deleted by a task that sleeps until the earliest
/// expiry (started with the first such write; it ends with the store).
#[derive(Default)]
pub struct MemoryStore {
    inner: Arc<RwLock<Inner>>,
    /// Wakes the expiry task when an earlier deadline arrives; `None` until it runs.
    sweeper: std::sync::Mutex<Option<Arc<tokio::sync::Notify>>>,
}

#[derive(Default)]
struct Inner {
    /// The history's bound in bytes of values (0: the default).
    history_bytes: usize,
    /// The bytes of the values in `log`.
    log_bytes: usize,
    revision: u64,
    compacted: u64,
    keys: BTreeMap<String, KeyValue>,
    /// Every change after `compacted`, with the value it replaced, oldest first.
    log: VecDeque<(Event, Option<KeyValue>)>,
    watchers: Vec<(String, mpsc::Sender<Result<WatchItem>>)>,
    /// The newest revision, published after its change is in every watcher's queue.
    published: Published,
    /// Keys written with a TTL: when, which, and the revision the TTL belongs to (a later
    /// write leaves the entry stale, and it then deletes nothing).
    expiry: BTreeSet<(Instant, String, u64)>,
}

struct Published(tokio::sync::watch::Sender<u64>);

impl Default for Published {
    fn default() -> Published {
        Published(tokio::sync::watch::channel(0).0)
    }
}

impl MemoryStore {
    /// An empty store at revision 0, keeping 64 MiB of history (values of recent changes) for
    /// watches and old-revision lists.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store keeping at most `bytes` of history: older changes are compacted away as
    /// newer ones arrive, so rewriting large objects cannot exhaust memory.
    pub fn with_history_bytes(bytes: usize) -> MemoryStore {
        let store = MemoryStore::default();
        store.lock().history_bytes = bytes.max(1);
        store
    }

    fn lock(&self) -> RwLockWriteGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data: every write is applied whole
        // before anything else happens.
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that `key`, written at `revision`, expires `ttl` from now, and makes sure the
    /// expiry task runs and knows.
    fn expire(&self, key: &str, revision: u64, ttl: Duration) {
        let deadline = Instant::now() + ttl;
        self.lock()
            .expiry
            .insert((deadline, key.to_string(), revision));
        let mut sweeper = self.sweeper.lock().unwrap_or_else(|e| e.into_inner());
        match &*sweeper {
            Some(notify) => notify.notify_one(),
            None => {
                let notify = Arc::new(tokio::sync::Notify::new());
                tokio::spawn(sweep(Arc::downgrade(&self.inner), notify.clone()));
                *sweeper = Some(notify);
            }
        }
    }
}

/// The expiry task: deletes each key whose time is up and that was not written since, then
/// sleeps until the next deadline or a new, possibly earlier one. Ends with the store.
async fn sweep(inner: Weak<RwLock<Inner>>, notify: Arc<tokio::sync::Notify>) {
    loop {
        let next = {
            let Some(inner) = inner.upgrade() else { return };
            let mut inner = inner.write().unwrap_or_else(|e| e.into_inner());
            inner.expire_due(Instant::now());
            inner.expiry.first().map(|(at, _, _)| *at)
        };
        match next {
            Some(at) => {
                let _ = tokio::time::timeout_at(at, notify.notified()).await;
            }
            // Nothing to expire: wait for a write with a TTL, checking now and then that the
            // store is still there.
            None => {
                let _ = tokio::time::timeout(Duration::from_secs(60), notify.notified()).await;
            }
        }
    }
}

impl Inner {
    /// Deletes the keys whose expiry is at or before `now` and that are still at the revision
    /// their TTL was given with.
    fn expire_due(&mut self, now: Instant) {
        while let Some((at, key, revision)) = self.expiry.first().cloned() {
            if at > now {
                return;
            }
            self.expiry.pop_first();
            if let Some(current) = self.keys.get(&key).filter(|kv| kv.mod_revision == revision) {
                let current = current.clone();
                self.commit(
                    EventKind::Deleted,
                    &key,
                    current.value.clone(),
                    Some(current),
                );
            }
        }
    }

    fn commit(&mut self, kind: EventKind, key: &str, value: Bytes, prev: Option<KeyValue>) -> u64 {
        self.revision += 1;
        let revision = self.revision;
        if kind == EventKind::Deleted {
            self.keys.remove(key);
        } else {
            self.keys.insert(
                key.to_string(),
                KeyValue {
                    key: key.to_string(),
                    value: value.clone(),
                    mod_revision: revision,
                },
            );
        }
        let event = Event {
            kind,
            key: key.to_string(),
            value,
            revision,
        };
        // A watcher whose queue is full is closed, never skipped ahead.
        self.watchers.retain(|(prefix, tx)| {
            !event.key.starts_with(prefix.as_str())
                || tx.try_send(Ok(WatchItem::Event(event.clone()))).is_ok()
        });
        self.log_bytes += event.value.len();
        self.log.push_back((event, prev));
        let limit = match self.history_bytes {
            0 => DEFAULT_HISTORY_BYTES,
            n => n,
        };
        // The newest change always stays, whatever its size.
        while self.log_bytes > limit && self.log.len() > 1 {
            if let Some((old, _)) = self.log.pop_front() {
                self.log_bytes -= old.value.len();
                self.compacted = old.revision;
            }
        }
        self.published.0.send_replace(revision);
        revision
    }

    /// The current keys under `prefix` from `start` on, in order.
    fn range<'a>(&'a self, prefix: &'a str, start: &'a str) -> impl Iterator<Item = &'a KeyValue> {
        let from = prefix.max(start);
        self.keys
            .range::<str, _>((Bound::Included(from), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(_, kv)| kv)
    }

    /// The keys under `prefix` from `start` on, in order, as they were at `revision`: the
    /// current keys, except that a key changed since is read as it was before the first of
    /// those changes (or skipped, if that change created it). Costs the changes since
    /// `revision`, not a copy of the collection.
    fn range_at<'a>(
        &'a self,
        prefix: &'a str,
        start: &'a str,
        revision: u64,
    ) -> impl Iterator<Item = &'a KeyValue> {
        let mut before: BTreeMap<&str, Option<&KeyValue>> = BTreeMap::new();
        // Newest first, so that the oldest change after `revision` has the last word.
        for (event, prev) in self.log.iter().rev() {
            if event.revision <= revision {
                break;
            }
            if event.key.starts_with(prefix) && event.key.as_str() >= start {
                before.insert(&event.key, prev.as_ref());
            }
        }
        let mut current = self.range(prefix, start).peekable();
        let mut changed = before.into_iter().peekable();
        std::iter::from_fn(move || loop {
            let next_current = current.peek().map(|kv| kv.key.as_str());
            match (next_current, changed.peek()) {
                (None, None) => return None,
                (Some(c), Some((k, _))) if c < *k => return current.next(),
                (Some(_), None) => return current.next(),
                (c, Some((k, _))) => {
                    if c == Some(*k) {
                        current.next();
                    }
                    if let Some((_, Some(then))) = changed.next() {
                        return Some(then);
                    }
                }
            }
        })
    }
}

/// The first `limit` of `keys`, and what follows them.
fn page<'a>(mut keys: impl Iterator<Item = &'a KeyValue>, limit: usize, revision: u64) -> ListPage {
    let items: Vec<KeyValue> = keys.by_ref().take(limit).cloned().collect();
    let next_key = keys.next().map(|kv| kv.key.clone());
    let remaining = next_key.as_ref().map_or(0, |_| 1 + keys.count() as u64);
    ListPage {
        items,
        revision,
        next_key,
        remaining,
    }
}

impl Store for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>> {
        let found = self.read().keys.get(key).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        options: ListOptions,
    ) -> BoxFuture<'a, Result<ListPage>> {
        let result = (|| {
            let inner = self.read();
            let revision = match options.revision {
                Some(r) if r > inner.revision => {
                    return Err(StoreError::FutureRevision {
                        requested: r,
                        current: inner.revision,
                    })
                }
                Some(r) if r < inner.compacted => {
                    return Err(StoreError::Expired {
                        requested: r,
                        compacted: inner.compacted,
                    })
                }
                Some(r) => r,
                None => inner.revision,
            };
            let start = options.start.as_deref().unwrap_or_default();
            let limit = if options.limit == 0 {
                usize::MAX
            } else {
                usize::try_from(options.limit).unwrap_or(usize::MAX)
            };
            // At the newest revision the keys are the answer; an older one replays the log.
            Ok(if revision == inner.revision {
                page(inner.range(prefix, start), limit, revision)
            } else {
                page(inner.range_at(prefix, start, revision), limit, revision)
            })
        })();
        Box::pin(async move { result })
    }

    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
        let result = super::check_size(&value).and_then(|()| {
            let mut inner = self.lock();
            if inner.keys.contains_key(key) {
                Err(StoreError::AlreadyExists)
            } else {
                Ok(inner.commit(EventKind::Added, key, value, None))
            }
        });
        Box::pin(async move { result })
    }

    fn create_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let revision = self.create(key, value).await?;
            self.expire(key, revision, ttl);
            Ok(revision)
        })
    }

    fn update_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let revision = self.update(key, value, expected).await?;
            if revision != expected {
                self.expire(key, revision, ttl);
            }
            Ok(revision)
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>> {
        let result = super::check_size(&value).and_then(|()| {
            let mut inner = self.lock();
            match inner.keys.get(key).cloned() {
                None => Err(StoreError::NotFound),
                Some(current) if current.mod_revision != expected => Err(StoreError::Conflict {
                    current: current.mod_revision,
                }),
                Some(current) if current.value == value => Ok(current.mod_revision),
                Some(current) => Ok(inner.commit(EventKind::Modified, key, value, Some(current))),
            }
        });
        Box::pin(async move { result })
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<(u64, KeyValue)>> {
        let result = {
            let mut inner = self.lock();
            match inner.keys.get(key).cloned() {
                None => Err(StoreError::NotFound),
                Some(current) if expected.is_some_and(|e| e != current.mod_revision) => {
                    Err(StoreError::Conflict {
                        current: current.mod_revision,
                    })
                }
                Some(current) => {
                    let revision = inner.commit(
                        EventKind::Deleted,
                        key,
                        current.value.clone(),
                        Some(current.clone()),
                    );
                    Ok((revision, current))
                }
            }
        };
        Box::pin(async move { result })
    }

    fn watch<'a>(&'a self, prefix: &'a str, after: u64) -> BoxFuture<'a, Result<WatchStream>> {
        let result = {
            let mut inner = self.lock();
            if after < inner.compacted {
                Err(StoreError::Expired {
                    requested: after,
                    compacted: inner.compacted,
                })
            } else {
                let backlog: Vec<Event> = inner
                    .log
                    .iter()
                    .map(|(e, _)| e)
                    .filter(|e| e.revision > after && e.key.starts_with(prefix))
                    .cloned()
                    .collect();
                let (tx, rx) = mpsc::channel(WATCH_QUEUE + backlog.len());
                for event in backlog {
                    // Cannot fail: the channel has room for the whole backlog.
                    let _ = tx.try_send(Ok(WatchItem::Event(event)));
                }
                inner.watchers.push((prefix.to_string(), tx));
                Ok(WatchStream::published(rx, inner.published.0.subscribe()))
            }
        };
        Box::pin(async move { result })
    }

    fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
        let revision = self.read().revision;
        Box::pin(async move { Ok(revision) })
    }

    fn describe(&self) -> String {
        "memory (nothing is kept after the process exits)".into()
    }

    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>> {
        let mut inner = self.lock();
        let revision = revision.min(inner.revision);
        if revision > inner.compacted {
            inner.compacted = revision;
            while inner
                .log
                .front()
                .is_some_and(|(e, _)| e.revision <= revision)
            {
                if let Some((old, _)) = inner.log.pop_front() {
                    inner.log_bytes -= old.value.len();
                }
            }
        }
        drop(inner);
        Box::pin(async move { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn block_on<T>(future: BoxFuture<'_, T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    proptest! {
        /// Every page of a list at any past revision, read from the keys and the log, is what
        /// the store held at that revision.
        #[test]
        fn lists_at_past_revisions_see_the_past(
            ops in prop::collection::vec((0u8..3, 0u8..2, 0u8..6), 1..40),
        ) {
            let store = MemoryStore::new();
            let mut model: BTreeMap<String, KeyValue> = BTreeMap::new();
            let mut history = vec![(0, model.clone())];
            for (op, dir, n) in ops {
                let key = format!("/{}/k{n}", ["a", "ab"][dir as usize]);
                let value = Bytes::from(format!("v{}", history.len()));
                let revision = match (op, model.get(&key)) {
                    (0, None) => block_on(store.create(&key, value.clone())).ok(),
                    (1, Some(kv)) => {
                        block_on(store.update(&key, value.clone(), kv.mod_revision)).ok()
                    }
                    (2, Some(_)) => block_on(store.delete(&key, None)).ok().map(|(r, _)| r),
                    _ => None,
                };
                let Some(revision) = revision else { continue };
                if op == 2 {
                    model.remove(&key);
                } else {
                    model.insert(key.clone(), KeyValue { key, value, mod_revision: revision });
                }
                history.push((revision, model.clone()));
            }
            for (revision, then) in &history {
                for start in [None, Some("/a/k2"), Some("/a/k2\u{0}"), Some("/")] {
                    for limit in [0u64, 2] {
                        let page = block_on(store.list(
                            "/a/",
                            ListOptions { revision: Some(*revision), limit, start: start.map(String::from) },
                        ))
                        .unwrap();
                        let want: Vec<&KeyValue> = then
                            .values()
                            .filter(|kv| kv.key.starts_with("/a/"))
                            .filter(|kv| start.is_none_or(|s| kv.key.as_str() >= s))
                            .collect();
                        let shown = if limit == 0 { want.len() } else { want.len().min(2) };
                        prop_assert_eq!(page.revision, *revision);
                        prop_assert_eq!(page.items.iter().collect::<Vec<_>>(), want[..shown].to_vec());
                        prop_assert_eq!(page.next_key.as_deref(), want.get(shown).map(|kv| kv.key.as_str()));
                        prop_assert_eq!(page.remaining, (want.len() - shown) as u64);
                    }
                }
            }
        }
    }
}
