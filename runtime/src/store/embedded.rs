//! The embedded store: the default, durable in one directory, on redb.
//!
//! - A write is acknowledged only after the redb transaction holding it committed with fsync
//!   (`Durability::Immediate`).
//! - Group commit: every write goes to one writer thread, which applies all the writes waiting
//!   at that moment in one transaction (one fsync) and then answers each caller, so throughput
//!   grows with concurrency. A write that fails its own check (a conflict, an existing key) fails
//!   alone; a failed commit fails the whole batch and leaves nothing behind.
//! - A change log keyed by revision (with the value each change replaced) lets watches resume
//!   after a restart and lists read at an older revision. It is compacted to the newest
//!   `EmbeddedOptions::keep_changes` entries, so disk use stays bounded.
//! - Reads run on the caller's thread: redb read transactions are MVCC snapshots that never wait
//!   for the writer.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc as std_mpsc, Arc, Mutex, MutexGuard};

use bytes::Bytes;
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use tokio::sync::{mpsc, oneshot};

use super::{
    BoxFuture, Event, EventKind, KeyValue, ListOptions, ListPage, Result, Store, StoreError,
    WatchStream,
};

/// key -> revision (8 bytes, big endian) followed by the value.
const KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keys");
/// revision -> one encoded change (see [`Change::encode`]).
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// `revision`, `compacted`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// How many undelivered events a watcher may have before the store closes it.
const WATCH_QUEUE: usize = 4096;

/// The most writes one transaction carries.
const MAX_BATCH: usize = 1024;

/// Settings of the embedded store.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    /// How many recent changes the log keeps for watches and old-revision lists (default
    /// 10,000); older ones are compacted away.
    pub keep_changes: usize,
    /// Test hook: while set, every commit fails as if the disk had, and the batch is dropped.
    #[doc(hidden)]
    pub fail_commits: Arc<AtomicBool>,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            keep_changes: 10_000,
            fail_commits: Arc::default(),
        }
    }
}

/// The embedded [`Store`].
pub struct EmbeddedStore {
    shared: Arc<Shared>,
    writer: Mutex<std_mpsc::Sender<Op>>,
}

struct Shared {
    db: Database,
    /// Watchers, and the newest revision fanned out to them (guarded together so that a new
    /// watcher's replay and the live events meet without a gap or a duplicate).
    watch: Mutex<WatchState>,
}

struct WatchState {
    committed: u64,
    compacted: u64,
    watchers: Vec<(String, mpsc::Sender<Result<Event>>)>,
}

type Reply<T> = oneshot::Sender<Result<T>>;

enum Op {
    Create(String, Bytes, Reply<u64>),
    Update(String, Bytes, u64, Reply<u64>),
    Delete(String, Option<u64>, Reply<(u64, KeyValue)>),
    Compact(u64, Reply<()>),
}

/// One logged change.
struct Change {
    kind: EventKind,
    key: String,
    value: Bytes,
    prev: Option<(u64, Bytes)>,
}

impl Change {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.key.len() + self.value.len() + 32);
        out.push(match self.kind {
            EventKind::Added => 0,
            EventKind::Modified => 1,
            EventKind::Deleted => 2,
        });
        put_bytes(&mut out, self.key.as_bytes());
        put_bytes(&mut out, &self.value);
        match &self.prev {
            Some((rev, value)) => {
                out.push(1);
                out.extend_from_slice(&rev.to_be_bytes());
                put_bytes(&mut out, value);
            }
            None => out.push(0),
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Change> {
        let (&kind, rest) = bytes.split_first()?;
        let kind = match kind {
            0 => EventKind::Added,
            1 => EventKind::Modified,
            2 => EventKind::Deleted,
            _ => return None,
        };
        let (key, rest) = take_bytes(rest)?;
        let (value, rest) = take_bytes(rest)?;
        let (&has_prev, rest) = rest.split_first()?;
        let prev = if has_prev == 1 {
            let rev = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
            let (value, _) = take_bytes(&rest[8..])?;
            Some((rev, Bytes::copy_from_slice(value)))
        } else {
            None
        };
        Some(Change {
            kind,
            key: String::from_utf8(key.to_vec()).ok()?,
            value: Bytes::copy_from_slice(value),
            prev,
        })
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn take_bytes(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let rest = &bytes[4..];
    Some((rest.get(..len)?, &rest[len..]))
}

fn encode_entry(revision: u64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + value.len());
    out.extend_from_slice(&revision.to_be_bytes());
    out.extend_from_slice(value);
    out
}

fn decode_entry(key: &str, bytes: &[u8]) -> Option<KeyValue> {
    let revision = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
    Some(KeyValue {
        key: key.to_string(),
        value: Bytes::copy_from_slice(&bytes[8..]),
        mod_revision: revision,
    })
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn corrupt(key: &str) -> StoreError {
    StoreError::Backend(format!("corrupt entry for {key}"))
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path, options: EmbeddedOptions) -> Result<EmbeddedStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| backend(format!("creating {}: {e}", dir.display())))?;
        let db = Database::create(dir.join("krest.redb")).map_err(backend)?;
        let (revision, compacted) = {
            let txn = db.begin_write().map_err(backend)?;
            let state = {
                txn.open_table(KEYS).map_err(backend)?;
                txn.open_table(LOG).map_err(backend)?;
                let meta = txn.open_table(META).map_err(backend)?;
                let get = |k: &str| meta.get(k).map(|v| v.map_or(0, |g| g.value()));
                (
                    get("revision").map_err(backend)?,
                    get("compacted").map_err(backend)?,
                )
            };
            txn.commit().map_err(backend)?;
            state
        };
        let shared = Arc::new(Shared {
            db,
            watch: Mutex::new(WatchState {
                committed: revision,
                compacted,
                watchers: Vec::new(),
            }),
        });
        let (tx, rx) = std_mpsc::channel();
        let writer_shared = shared.clone();
        std::thread::Builder::new()
            .name("krest-store-writer".into())
            .spawn(move || write_loop(&writer_shared, &rx, revision, &options))
            .map_err(|e| backend(format!("starting the writer thread: {e}")))?;
        Ok(EmbeddedStore {
            shared,
            writer: Mutex::new(tx),
        })
    }

    fn send<T>(&self, op: impl FnOnce(Reply<T>) -> Op) -> BoxFuture<'_, Result<T>>
    where
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let sent = self
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(op(reply))
            .is_ok();
        Box::pin(async move {
            if !sent {
                return Err(backend("the store's writer has stopped"));
            }
            answer
                .await
                .unwrap_or_else(|_| Err(backend("the store's writer has stopped")))
        })
    }
}

impl Shared {
    fn watch_state(&self) -> MutexGuard<'_, WatchState> {
        self.watch.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_key(&self, key: &str) -> Result<Option<KeyValue>> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(KEYS).map_err(backend)?;
        let found = table.get(key).map_err(backend)?;
        match found {
            None => Ok(None),
            Some(guard) => decode_entry(key, guard.value())
                .map(Some)
                .ok_or_else(|| corrupt(key)),
        }
    }

    fn list(&self, prefix: &str, options: &ListOptions) -> Result<ListPage> {
        let (committed, compacted) = {
            let state = self.watch_state();
            (state.committed, state.compacted)
        };
        let txn = self.db.begin_read().map_err(backend)?;
        let keys = txn.open_table(KEYS).map_err(backend)?;
        let log = txn.open_table(LOG).map_err(backend)?;
        // The snapshot's own revision: what the read transaction sees.
        let meta = txn.open_table(META).map_err(backend)?;
        let current = meta
            .get("revision")
            .map_err(backend)?
            .map_or(0, |g| g.value())
            .max(committed);
        let revision = match options.revision {
            Some(r) if r > current => {
                return Err(StoreError::FutureRevision {
                    requested: r,
                    current,
                })
            }
            Some(r) if r < compacted => {
                return Err(StoreError::Expired {
                    requested: r,
                    compacted,
                })
            }
            Some(r) => r,
            None => current,
        };
        let mut items = std::collections::BTreeMap::new();
        for entry in keys.range(prefix..).map_err(backend)? {
            let (k, v) = entry.map_err(backend)?;
            let key = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            items.insert(
                key.to_string(),
                decode_entry(key, v.value()).ok_or_else(|| corrupt(key))?,
            );
        }
        if revision < current {
            // Undo the changes after the requested revision, newest first.
            for entry in log.range((revision + 1)..).map_err(backend)?.rev() {
                let (_, v) = entry.map_err(backend)?;
                let change = Change::decode(v.value()).ok_or_else(|| corrupt("change log"))?;
                if !change.key.starts_with(prefix) {
                    continue;
                }
                match change.prev {
                    Some((rev, value)) => items.insert(
                        change.key.clone(),
                        KeyValue {
                            key: change.key,
                            value,
                            mod_revision: rev,
                        },
                    ),
                    None => items.remove(&change.key),
                };
            }
        }
        let start = options.start.clone().unwrap_or_default();
        let mut rest = items
            .into_values()
            .filter(|kv| kv.key.as_str() >= start.as_str());
        let limit = if options.limit == 0 {
            usize::MAX
        } else {
            options.limit as usize
        };
        let page: Vec<KeyValue> = rest.by_ref().take(limit).collect();
        let remaining: Vec<KeyValue> = rest.collect();
        Ok(ListPage {
            items: page,
            revision,
            next_key: remaining.first().map(|kv| kv.key.clone()),
            remaining: remaining.len() as u64,
        })
    }

    fn watch(&self, prefix: &str, after: u64) -> Result<WatchStream> {
        let mut state = self.watch_state();
        if after < state.compacted {
            return Err(StoreError::Expired {
                requested: after,
                compacted: state.compacted,
            });
        }
        let mut backlog = Vec::new();
        {
            let txn = self.db.begin_read().map_err(backend)?;
            let log = txn.open_table(LOG).map_err(backend)?;
            for entry in log.range((after + 1)..=state.committed).map_err(backend)? {
                let (rev, v) = entry.map_err(backend)?;
                let change = Change::decode(v.value()).ok_or_else(|| corrupt("change log"))?;
                if change.key.starts_with(prefix) {
                    backlog.push(Event {
                        kind: change.kind,
                        key: change.key,
                        value: change.value,
                        revision: rev.value(),
                    });
                }
            }
        }
        let (tx, rx) = mpsc::channel(WATCH_QUEUE + backlog.len());
        for event in backlog {
            // Cannot fail: the queue has room for the whole backlog.
            let _ = tx.try_send(Ok(event));
        }
        state.watchers.push((prefix.to_string(), tx));
        Ok(WatchStream::new(rx))
    }
}

/// The writer thread: batches waiting writes into one transaction each.
fn write_loop(
    shared: &Shared,
    rx: &std_mpsc::Receiver<Op>,
    mut revision: u64,
    options: &EmbeddedOptions,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let start = revision;
        match commit_batch(shared, &mut batch, &mut revision, options) {
            Ok((results, compacted)) => {
                let events: Vec<Event> = results.iter().filter_map(|r| r.event.clone()).collect();
                {
                    let mut state = shared.watch_state();
                    state.committed = revision;
                    state.compacted = state.compacted.max(compacted);
                    for event in &events {
                        state.watchers.retain(|(prefix, tx)| {
                            !event.key.starts_with(prefix.as_str())
                                || tx.try_send(Ok(event.clone())).is_ok()
                        });
                    }
                    state.watchers.retain(|(_, tx)| !tx.is_closed());
                }
                for (op, result) in batch.into_iter().zip(results) {
                    answer(op, Ok(result));
                }
            }
            Err(e) => {
                revision = start;
                for op in batch {
                    answer(op, Err(e.clone()));
                }
            }
        }
    }
}

/// The outcome of one op inside a committed batch.
struct Outcome {
    result: Result<(u64, Option<KeyValue>)>,
    event: Option<Event>,
}

fn answer(op: Op, outcome: Result<Outcome>) {
    let result = outcome.and_then(|o| o.result);
    match op {
        Op::Create(_, _, reply) | Op::Update(_, _, _, reply) => {
            let _ = reply.send(result.map(|(rev, _)| rev));
        }
        Op::Delete(_, _, reply) => {
            let _ = reply.send(
                result.and_then(|(rev, last)| last.map(|kv| (rev, kv)).ok_or(StoreError::NotFound)),
            );
        }
        Op::Compact(_, reply) => {
            let _ = reply.send(result.map(|_| ()));
        }
    }
}

fn commit_batch(
    shared: &Shared,
    batch: &mut [Op],
    revision: &mut u64,
    options: &EmbeddedOptions,
) -> Result<(Vec<Outcome>, u64)> {
    let mut txn = shared.db.begin_write().map_err(backend)?;
    txn.set_durability(Durability::Immediate).map_err(backend)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let compacted_now;
    {
        let mut keys = txn.open_table(KEYS).map_err(backend)?;
        let mut log = txn.open_table(LOG).map_err(backend)?;
        let mut meta = txn.open_table(META).map_err(backend)?;
        let mut compacted_to = None;
        for op in batch.iter() {
            let current = match op {
                Op::Create(key, ..) | Op::Update(key, ..) | Op::Delete(key, ..) => {
                    let found = keys.get(key.as_str()).map_err(backend)?;
                    match found {
                        Some(guard) => {
                            Some(decode_entry(key, guard.value()).ok_or_else(|| corrupt(key))?)
                        }
                        None => None,
                    }
                }
                Op::Compact(..) => None,
            };
            let mut write = |kind: EventKind,
                             key: &str,
                             value: &Bytes,
                             prev: Option<KeyValue>|
             -> Result<Event> {
                *revision += 1;
                let rev = *revision;
                if kind == EventKind::Deleted {
                    keys.remove(key).map_err(backend)?;
                } else {
                    keys.insert(key, encode_entry(rev, value).as_slice())
                        .map_err(backend)?;
                }
                let change = Change {
                    kind,
                    key: key.to_string(),
                    value: value.clone(),
                    prev: prev.map(|p| (p.mod_revision, p.value)),
                };
                log.insert(rev, change.encode().as_slice())
                    .map_err(backend)?;
                Ok(Event {
                    kind,
                    key: key.to_string(),
                    value: value.clone(),
                    revision: rev,
                })
            };
            let outcome = match op {
                Op::Create(key, value, _) => match current {
                    Some(_) => Outcome {
                        result: Err(StoreError::AlreadyExists),
                        event: None,
                    },
                    None => {
                        let event = write(EventKind::Added, key, value, None)?;
                        Outcome {
                            result: Ok((event.revision, None)),
                            event: Some(event),
                        }
                    }
                },
                Op::Update(key, value, expected, _) => match current {
                    None => Outcome {
                        result: Err(StoreError::NotFound),
                        event: None,
                    },
                    Some(c) if c.mod_revision != *expected => Outcome {
                        result: Err(StoreError::Conflict {
                            current: c.mod_revision,
                        }),
                        event: None,
                    },
                    Some(c) if c.value == *value => Outcome {
                        result: Ok((c.mod_revision, None)),
                        event: None,
                    },
                    Some(c) => {
                        let event = write(EventKind::Modified, key, value, Some(c))?;
                        Outcome {
                            result: Ok((event.revision, None)),
                            event: Some(event),
                        }
                    }
                },
                Op::Delete(key, expected, _) => match current {
                    None => Outcome {
                        result: Err(StoreError::NotFound),
                        event: None,
                    },
                    Some(c) if expected.is_some_and(|e| e != c.mod_revision) => Outcome {
                        result: Err(StoreError::Conflict {
                            current: c.mod_revision,
                        }),
                        event: None,
                    },
                    Some(c) => {
                        let event =
                            write(EventKind::Deleted, key, &c.value.clone(), Some(c.clone()))?;
                        Outcome {
                            result: Ok((event.revision, Some(c))),
                            event: Some(event),
                        }
                    }
                },
                Op::Compact(to, _) => {
                    let to = (*to).min(*revision);
                    compacted_to = Some(compacted_to.unwrap_or(0).max(to));
                    Outcome {
                        result: Ok((to, None)),
                        event: None,
                    }
                }
            };
            outcomes.push(outcome);
        }
        // Keep the log bounded: drop the oldest changes past `keep_changes`.
        let excess = log
            .len()
            .map_err(backend)?
            .saturating_sub(options.keep_changes as u64);
        let mut compacted = meta
            .get("compacted")
            .map_err(backend)?
            .map_or(0, |g| g.value());
        for _ in 0..excess {
            let popped = log.pop_first().map_err(backend)?;
            if let Some((rev, _)) = popped {
                compacted = compacted.max(rev.value());
            }
        }
        if let Some(to) = compacted_to.filter(|to| *to > compacted) {
            log.retain_in(..=to, |_, _| false).map_err(backend)?;
            compacted = to;
        }
        meta.insert("compacted", compacted).map_err(backend)?;
        meta.insert("revision", *revision).map_err(backend)?;
        compacted_now = compacted;
    }
    if options.fail_commits.load(Ordering::SeqCst) {
        txn.abort().map_err(backend)?;
        return Err(backend("injected commit failure"));
    }
    txn.commit().map_err(backend)?;
    Ok((outcomes, compacted_now))
}

impl Store for EmbeddedStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>> {
        let result = self.shared.read_key(key);
        Box::pin(async move { result })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        options: ListOptions,
    ) -> BoxFuture<'a, Result<ListPage>> {
        let result = self.shared.list(prefix, &options);
        Box::pin(async move { result })
    }

    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
        let key = key.to_string();
        self.send(move |reply| Op::Create(key, value, reply))
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>> {
        let key = key.to_string();
        self.send(move |reply| Op::Update(key, value, expected, reply))
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<(u64, KeyValue)>> {
        let key = key.to_string();
        self.send(move |reply| Op::Delete(key, expected, reply))
    }

    fn watch<'a>(&'a self, prefix: &'a str, after: u64) -> BoxFuture<'a, Result<WatchStream>> {
        let result = self.shared.watch(prefix, after);
        Box::pin(async move { result })
    }

    fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
        let revision = self.shared.watch_state().committed;
        Box::pin(async move { Ok(revision) })
    }

    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>> {
        self.send(move |reply| Op::Compact(revision, reply))
    }
}
