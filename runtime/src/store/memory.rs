//! The in-memory store: for tests and `--store memory`. Nothing survives a restart.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{
    BoxFuture, Event, EventKind, KeyValue, ListOptions, ListPage, Result, Store, StoreError,
    WatchStream,
};

/// How many undelivered events a watcher may have before the store closes it.
const WATCH_QUEUE: usize = 4096;

/// The in-memory [`Store`].
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    revision: u64,
    compacted: u64,
    keys: BTreeMap<String, KeyValue>,
    /// Every change after `compacted`, with the value it replaced, oldest first.
    log: VecDeque<(Event, Option<KeyValue>)>,
    watchers: Vec<(String, mpsc::Sender<Result<Event>>)>,
}

impl MemoryStore {
    /// An empty store at revision 0.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data: every write is applied whole
        // before anything else happens.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
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
            !event.key.starts_with(prefix.as_str()) || tx.try_send(Ok(event.clone())).is_ok()
        });
        self.log.push_back((event, prev));
        revision
    }

    /// The keys under `prefix` as they were at `revision`.
    fn snapshot(&self, prefix: &str, revision: u64) -> BTreeMap<String, KeyValue> {
        let mut keys: BTreeMap<String, KeyValue> = self
            .keys
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (event, prev) in self.log.iter().rev() {
            if event.revision <= revision {
                break;
            }
            if !event.key.starts_with(prefix) {
                continue;
            }
            match prev {
                Some(prev) => keys.insert(event.key.clone(), prev.clone()),
                None => keys.remove(&event.key),
            };
        }
        keys
    }
}

impl Store for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>> {
        let found = self.lock().keys.get(key).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        options: ListOptions,
    ) -> BoxFuture<'a, Result<ListPage>> {
        let result = (|| {
            let inner = self.lock();
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
            let keys = inner.snapshot(prefix, revision);
            let start = options.start.unwrap_or_default();
            let mut rest = keys
                .into_values()
                .filter(|kv| kv.key.as_str() >= start.as_str());
            let limit = if options.limit == 0 {
                usize::MAX
            } else {
                usize::try_from(options.limit).unwrap_or(usize::MAX)
            };
            let items: Vec<KeyValue> = rest.by_ref().take(limit).collect();
            let remaining: Vec<KeyValue> = rest.collect();
            Ok(ListPage {
                items,
                revision,
                next_key: remaining.first().map(|kv| kv.key.clone()),
                remaining: remaining.len() as u64,
            })
        })();
        Box::pin(async move { result })
    }

    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
        let result = {
            let mut inner = self.lock();
            if inner.keys.contains_key(key) {
                Err(StoreError::AlreadyExists)
            } else {
                Ok(inner.commit(EventKind::Added, key, value, None))
            }
        };
        Box::pin(async move { result })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>> {
        let result = {
            let mut inner = self.lock();
            match inner.keys.get(key).cloned() {
                None => Err(StoreError::NotFound),
                Some(current) if current.mod_revision != expected => Err(StoreError::Conflict {
                    current: current.mod_revision,
                }),
                Some(current) if current.value == value => Ok(current.mod_revision),
                Some(current) => Ok(inner.commit(EventKind::Modified, key, value, Some(current))),
            }
        };
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
                    let _ = tx.try_send(Ok(event));
                }
                inner.watchers.push((prefix.to_string(), tx));
                Ok(WatchStream::new(rx))
            }
        };
        Box::pin(async move { result })
    }

    fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
        let revision = self.lock().revision;
        Box::pin(async move { Ok(revision) })
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
                inner.log.pop_front();
            }
        }
        drop(inner);
        Box::pin(async move { Ok(()) })
    }
}
