//! The embedded store: the default, durable in one directory, on redb.
//!
//! - A write is acknowledged only after the redb transaction holding it committed with fsync
//!   (`Durability::Immediate`).
//! - Group commit: every write goes to one writer thread, which applies all the writes waiting
//!   at that moment in one transaction (one fsync) and then answers each caller, so throughput
//!   grows with concurrency. A write that fails its own check (a conflict, an existing key) fails
//!   alone; a failed commit fails the whole batch and leaves nothing behind, and the writer then
//!   refuses every later write until the store is reopened (after a failed fsync, what is on
//!   disk is unknown; retrying would risk acknowledging lost data).
//! - A change log keyed by revision (with the value each change replaced) lets watches resume
//!   after a restart and lists read at an older revision. Each batch compacts it to the newest
//!   [`EmbeddedOptions::keep_changes`] entries of at most [`EmbeddedOptions::keep_bytes`]
//!   together and, if set, to those younger than [`EmbeddedOptions::keep_for`], so disk use
//!   stays bounded whatever the size of the objects. Opening the store gives the file's free
//!   pages back to the file system.
//! - Point reads (`get`) run on the caller's thread: a redb read transaction is an MVCC snapshot
//!   that never waits for the writer, and a lookup touches a few cached B-tree pages (a few
//!   microseconds, less than a hop to the blocking pool). Lists and watch replays, which scan
//!   in proportion to the data, run on tokio's blocking pool.

mod codec;
mod faults;
mod writer;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc as std_mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use redb::{
    AccessGuard, Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
};
use tokio::sync::{mpsc, oneshot};

use self::codec::{decode_entry, fits, Change};
use super::{
    BoxFuture, Event, KeyValue, ListOptions, ListPage, Result, Store, StoreError, WatchItem,
    WatchStream,
};

/// key -> revision (8 bytes, big endian) followed by the value.
const KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keys");
/// revision -> one encoded change (see `codec::Change`).
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// The last revision of each committed batch still in the log -> its commit time (Unix
/// milliseconds): what age-based compaction reads.
const BATCHES: TableDefinition<u64, u64> = TableDefinition::new("batches");
/// `revision`, `compacted`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Keys written with a TTL: (deadline in Unix milliseconds, key) -> the revision the TTL was
/// given with. The writer deletes each key at its deadline unless it was written since.
const EXPIRY: TableDefinition<(u64, &str), u64> = TableDefinition::new("expiry");

/// How many undelivered events a watcher may have before the store closes it.
const WATCH_QUEUE: usize = 4096;

/// Settings of the embedded store.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    /// How many recent changes the log keeps for watches and old-revision lists (default
    /// 10,000); older ones are compacted away. `usize::MAX` keeps any number.
    pub keep_changes: usize,
    /// How many bytes of recent changes the log keeps (default 256 MiB; each change holds the
    /// new value and the one it replaced); older ones are compacted away, so a client that
    /// rewrites large objects cannot fill the disk. `usize::MAX` keeps any amount.
    pub keep_bytes: usize,
    /// If set, changes older than this are compacted away too (checked at every commit, and,
    /// when the store is idle, every half of this duration, at least once a minute). Ages come
    /// from the wall clock and are recorded only while this is set: changes made before it was
    /// set age out by count only. Default: unset.
    pub keep_for: Option<Duration>,
    /// Test hook: while set, every commit fails before it reaches the disk (the transaction is
    /// aborted), as a failure to write would; the store goes on afterwards.
    #[doc(hidden)]
    pub fail_commits: Arc<AtomicBool>,
    /// Test hook: when given, fsyncs of the database file fail while the flag is set, as a disk
    /// error would; the store then stops accepting writes until reopened.
    #[doc(hidden)]
    pub fail_syncs: Option<Arc<AtomicBool>>,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            keep_changes: 10_000,
            keep_bytes: 256 << 20,
            keep_for: None,
            fail_commits: Arc::default(),
            fail_syncs: None,
        }
    }
}

/// The embedded [`Store`]: durable, in one directory, on redb. See the module docs.
///
/// Dropping it waits for the writer thread to finish its batch and closes the database file,
/// so the directory can be opened again right away.
pub struct EmbeddedStore {
    shared: Arc<Shared>,
    /// `None` only while dropping.
    writer: Option<std_mpsc::Sender<Op>>,
    thread: Option<JoinHandle<()>>,
    /// The file, for [`Store::describe`].
    path: std::path::PathBuf,
}

struct Shared {
    db: Database,
    /// Watchers, and the newest revision fanned out to them (guarded together so that a new
    /// watcher's replay and the live events meet without a gap or a duplicate).
    watch: Mutex<WatchState>,
    /// `WatchState::committed`, published after its events are in every watcher's queue.
    published: tokio::sync::watch::Sender<u64>,
}

struct WatchState {
    /// The newest revision whose events have been handed to the watchers.
    committed: u64,
    watchers: Vec<Watcher>,
}

struct Watcher {
    prefix: String,
    /// Events at or below this revision were replayed, or are before the watch's start.
    from: u64,
    tx: mpsc::Sender<Result<WatchItem>>,
}

type Reply<T> = oneshot::Sender<Result<T>>;

enum Op {
    Create(String, Bytes, Reply<u64>),
    Update(String, Bytes, u64, Reply<u64>),
    Delete(String, Option<u64>, Reply<(u64, KeyValue)>),
    Compact(u64, Reply<()>),
    /// A create or update whose key expires this long after the write.
    Expiring(Box<Op>, Duration),
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn corrupt(key: &str) -> StoreError {
    StoreError::Backend(format!("corrupt entry for {key}"))
}

fn too_large() -> StoreError {
    StoreError::Backend("key or value larger than 4 GiB".into())
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `dir`, in the file `dir/krest.redb`.
    ///
    /// Fails with [`StoreError::Backend`] if the directory cannot be created, the file cannot be
    /// opened (another process, or another `EmbeddedStore` in this one, has it open), or it is
    /// not a krest store.
    pub fn open(dir: &Path, options: EmbeddedOptions) -> Result<EmbeddedStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| backend(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join("krest.redb");
        // A new file shrinks at its first compaction too; only an existing one's is news.
        let existed = path.exists();
        let mut db = match &options.fail_syncs {
            None => Database::create(&path).map_err(backend)?,
            Some(flag) => {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)
                    .map_err(|e| backend(format!("opening {}: {e}", path.display())))?;
                let inner = redb::backends::FileBackend::new(file).map_err(backend)?;
                redb::Builder::new()
                    .create_with_backend(faults::FaultyFile {
                        inner,
                        fail_syncs: flag.clone(),
                    })
                    .map_err(backend)?
            }
        };
        // Pages freed by compacted history are reused while the store runs; at open, nothing
        // else holds the database, so they can go back to the file system.
        let before = std::fs::metadata(&path).map_or(0, |m| m.len());
        if db.compact().map_err(backend)? && existed {
            let after = std::fs::metadata(&path).map_or(0, |m| m.len());
            tracing::info!(path = %path.display(), before, after, "embedded store: file compacted");
        }
        // Create the tables of a new store, and read where an existing one is.
        let revision = {
            let txn = db.begin_write().map_err(backend)?;
            let revision = {
                txn.open_table(KEYS).map_err(backend)?;
                let log = txn.open_table(LOG).map_err(backend)?;
                txn.open_table(BATCHES).map_err(backend)?;
                txn.open_table(EXPIRY).map_err(backend)?;
                let mut meta = txn.open_table(META).map_err(backend)?;
                // A store written before the log's size was kept: count it once.
                if meta.get("log_bytes").map_err(backend)?.is_none() {
                    let mut bytes = 0u64;
                    for entry in log.iter().map_err(backend)? {
                        bytes += entry.map_err(backend)?.1.value().len() as u64;
                    }
                    meta.insert("log_bytes", bytes).map_err(backend)?;
                }
                let found = meta.get("revision").map_err(backend)?;
                found.map_or(0, |g| g.value())
            };
            txn.commit().map_err(backend)?;
            revision
        };
        let shared = Arc::new(Shared {
            db,
            watch: Mutex::new(WatchState {
                committed: revision,
                watchers: Vec::new(),
            }),
            published: tokio::sync::watch::channel(revision).0,
        });
        let (tx, rx) = std_mpsc::channel();
        let writer_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("krest-store-writer".into())
            .spawn(move || writer::write_loop(&writer_shared, &rx, revision, &options))
            .map_err(|e| backend(format!("starting the writer thread: {e}")))?;
        Ok(EmbeddedStore {
            shared,
            writer: Some(tx),
            thread: Some(thread),
            path,
        })
    }

    fn send<T>(&self, op: impl FnOnce(Reply<T>) -> Op) -> BoxFuture<'_, Result<T>>
    where
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let sent = self
            .writer
            .as_ref()
            .is_some_and(|writer| writer.send(op(reply)).is_ok());
        Box::pin(async move {
            if !sent {
                return Err(backend("the store's writer has stopped"));
            }
            answer
                .await
                .unwrap_or_else(|_| Err(backend("the store's writer has stopped")))
        })
    }

    /// Runs `read` on tokio's blocking pool (inline when not inside a tokio runtime).
    fn blocking<T>(
        &self,
        read: impl FnOnce(&Shared) -> Result<T> + Send + 'static,
    ) -> BoxFuture<'static, Result<T>>
    where
        T: Send + 'static,
    {
        let shared = self.shared.clone();
        Box::pin(async move {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => runtime
                    .spawn_blocking(move || read(&shared))
                    .await
                    .unwrap_or_else(|e| Err(backend(format!("store read failed: {e}")))),
                Err(_) => read(&shared),
            }
        })
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        // Closing the channel ends the writer after its current batch; the database file is
        // closed when the last `Shared` goes.
        drop(self.writer.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A `u64` from the `meta` table, 0 if absent.
fn meta(txn: &ReadTransaction, name: &str) -> Result<u64> {
    let table = txn.open_table(META).map_err(backend)?;
    let found = table.get(name).map_err(backend)?;
    Ok(found.map_or(0, |g| g.value()))
}

type KeyRow<'t> = (
    AccessGuard<'t, &'static str>,
    AccessGuard<'t, &'static [u8]>,
);

/// The next row of `rows` under `prefix` whose key is not in `skip`.
fn next_row<'t>(
    rows: &mut redb::Range<'t, &'static str, &'static [u8]>,
    prefix: &str,
    skip: &BTreeMap<String, Option<KeyValue>>,
) -> Result<Option<KeyRow<'t>>> {
    for row in rows {
        let (k, v) = row.map_err(backend)?;
        let key = k.value();
        if !key.starts_with(prefix) {
            return Ok(None);
        }
        if !skip.contains_key(key) {
            return Ok(Some((k, v)));
        }
    }
    Ok(None)
}

impl Shared {
    fn watch_state(&self) -> MutexGuard<'_, WatchState> {
        // A panic while holding the lock leaves consistent data: fields are updated together.
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

    /// One page, from one read transaction: the keys at the newest revision, with the changes
    /// the log holds after the requested revision undone.
    fn list(&self, prefix: &str, options: &ListOptions) -> Result<ListPage> {
        let txn = self.db.begin_read().map_err(backend)?;
        // Both from the snapshot itself, so the log read below is exactly what they describe.
        let current = meta(&txn, "revision")?;
        let compacted = meta(&txn, "compacted")?;
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
        let lower = match options.start.as_deref() {
            Some(start) if start > prefix => start,
            _ => prefix,
        };
        // The keys changed after `revision`, each with what it was at `revision` (the value its
        // first later change replaced).
        let mut then: BTreeMap<String, Option<KeyValue>> = BTreeMap::new();
        if revision < current {
            let log = txn.open_table(LOG).map_err(backend)?;
            for row in log.range((revision + 1)..).map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let change = Change::decode(v.value()).ok_or_else(|| corrupt("change log"))?;
                if change.key.starts_with(prefix) && change.key >= lower {
                    then.entry(change.key.to_string())
                        .or_insert_with(|| change.before());
                }
            }
        }
        let keys = txn.open_table(KEYS).map_err(backend)?;
        let mut rows = keys.range(lower..).map_err(backend)?;
        // Merge, in key order, the keys unchanged since `revision` with the older versions.
        let mut older = then.values().flatten().peekable();
        let mut row = next_row(&mut rows, prefix, &then)?;
        let limit = match options.limit {
            0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let mut page = ListPage {
            revision,
            ..ListPage::default()
        };
        loop {
            let take_older = match (older.peek(), &row) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(kv), Some((k, _))) => kv.key.as_str() < k.value(),
            };
            if page.items.len() < limit {
                let kv = if take_older {
                    older.next().cloned()
                } else {
                    let (k, v) = row.take().ok_or_else(|| corrupt("list"))?;
                    let kv = decode_entry(k.value(), v.value()).ok_or_else(|| corrupt(k.value()));
                    row = next_row(&mut rows, prefix, &then)?;
                    Some(kv?)
                };
                page.items.extend(kv);
            } else {
                if take_older {
                    let kv = older.next();
                    if page.next_key.is_none() {
                        page.next_key = kv.map(|kv| kv.key.clone());
                    }
                } else {
                    if page.next_key.is_none() {
                        page.next_key = row.as_ref().map(|(k, _)| k.value().to_string());
                    }
                    row = next_row(&mut rows, prefix, &then)?;
                }
                page.remaining += 1;
            }
        }
        Ok(page)
    }

    /// The logged changes under `prefix` in `(after, upto]` (to the snapshot's end if `upto` is
    /// `None`), the snapshot's revision, and its compacted revision.
    fn replay(
        &self,
        prefix: &str,
        after: u64,
        upto: Option<u64>,
    ) -> Result<(Vec<Event>, u64, u64)> {
        let txn = self.db.begin_read().map_err(backend)?;
        let revision = meta(&txn, "revision")?;
        let compacted = meta(&txn, "compacted")?;
        let upto = upto.unwrap_or(revision).min(revision);
        let mut events = Vec::new();
        if after < upto && after >= compacted {
            let log = txn.open_table(LOG).map_err(backend)?;
            for row in log.range((after + 1)..=upto).map_err(backend)? {
                let (rev, v) = row.map_err(backend)?;
                let change = Change::decode(v.value()).ok_or_else(|| corrupt("change log"))?;
                if change.key.starts_with(prefix) {
                    events.push(Event {
                        kind: change.kind,
                        key: change.key.to_string(),
                        value: Bytes::copy_from_slice(change.value),
                        revision: rev.value(),
                    });
                }
            }
        }
        Ok((events, revision, compacted))
    }

    fn watch(&self, prefix: &str, after: u64) -> Result<WatchStream> {
        let expired = |compacted| StoreError::Expired {
            requested: after,
            compacted,
        };
        // Replay the bulk of the history without holding the lock, so the writer can go on
        // publishing meanwhile.
        let (mut backlog, read_to, compacted) = self.replay(prefix, after, None)?;
        if after < compacted {
            return Err(expired(compacted));
        }
        let mut state = self.watch_state();
        let published = state.committed;
        if published < read_to {
            // The snapshot saw a batch not yet published: its events come live.
            backlog.retain(|e| e.revision <= published);
        } else if published > read_to {
            // Batches published since the snapshot (few): read them under the lock.
            let (more, _, compacted) = self.replay(prefix, read_to.max(after), Some(published))?;
            if read_to.max(after) < compacted {
                return Err(expired(compacted));
            }
            backlog.extend(more);
        }
        let (tx, rx) = mpsc::channel(WATCH_QUEUE + backlog.len());
        for event in backlog {
            // Cannot fail: the queue has room for the whole backlog.
            let _ = tx.try_send(Ok(WatchItem::Event(event)));
        }
        state.watchers.push(Watcher {
            prefix: prefix.to_string(),
            from: after.max(published),
            tx,
        });
        Ok(WatchStream::published(rx, self.published.subscribe()))
    }
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
        let prefix = prefix.to_string();
        self.blocking(move |shared| shared.list(&prefix, &options))
    }

    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
        if let Err(e) = super::check_size(&value) {
            return Box::pin(async { Err(e) });
        }
        if !fits(key.as_bytes()) {
            return Box::pin(async { Err(too_large()) });
        }
        let key = key.to_string();
        self.send(move |reply| Op::Create(key, value, reply))
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>> {
        if let Err(e) = super::check_size(&value) {
            return Box::pin(async { Err(e) });
        }
        if !fits(key.as_bytes()) {
            return Box::pin(async { Err(too_large()) });
        }
        let key = key.to_string();
        self.send(move |reply| Op::Update(key, value, expected, reply))
    }

    fn create_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        if let Err(e) = super::check_size(&value) {
            return Box::pin(async { Err(e) });
        }
        if !fits(key.as_bytes()) {
            return Box::pin(async { Err(too_large()) });
        }
        let key = key.to_string();
        self.send(move |reply| Op::Expiring(Box::new(Op::Create(key, value, reply)), ttl))
    }

    fn update_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        if let Err(e) = super::check_size(&value) {
            return Box::pin(async { Err(e) });
        }
        if !fits(key.as_bytes()) {
            return Box::pin(async { Err(too_large()) });
        }
        let key = key.to_string();
        self.send(move |reply| Op::Expiring(Box::new(Op::Update(key, value, expected, reply)), ttl))
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
        let prefix = prefix.to_string();
        self.blocking(move |shared| shared.watch(&prefix, after))
    }

    fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
        let revision = self.shared.watch_state().committed;
        Box::pin(async move { Ok(revision) })
    }

    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>> {
        self.send(move |reply| Op::Compact(revision, reply))
    }

    fn describe(&self) -> String {
        format!("embedded {}", self.path.display())
    }
}
