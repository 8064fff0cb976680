//! The revisioned key-value store every backend implements, modelled on etcd.
//!
//! One global revision only grows; every successful write (a delete too) takes a new one; each
//! key remembers the revision of its last write (`mod_revision`), which is the object's
//! `resourceVersion`. Updates are compare-and-swap on that revision. Watches replay the changes
//! after a revision in order, without gaps, or fail with [`StoreError::Expired`] once the revision
//! has been compacted away.
//!
//! Values are the serialized objects without `metadata.resourceVersion`: the handlers set it from
//! the revision when reading, so that an update that changes nothing writes the same bytes and
//! the store can recognise it as a no-op.

mod embedded;
#[cfg(feature = "etcd")]
mod etcd;
pub(crate) mod memory;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use tokio::sync::mpsc;

pub use embedded::{EmbeddedOptions, EmbeddedStore};
#[cfg(feature = "etcd")]
pub use etcd::EtcdStore;
pub use memory::MemoryStore;

/// A boxed future, as the object-safe store methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a store operation can fail with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The key does not exist.
    #[error("key not found")]
    NotFound,
    /// `create` of a key that exists.
    #[error("key already exists")]
    AlreadyExists,
    /// A compare-and-swap whose expected revision is not the key's.
    #[error("revision mismatch: the key is at revision {current}")]
    Conflict {
        /// The key's revision now.
        current: u64,
    },
    /// A revision older than the oldest the store still has.
    #[error("required revision {requested} has been compacted (oldest available: {compacted})")]
    Expired {
        /// The revision asked for.
        requested: u64,
        /// The revision up to which history is gone.
        compacted: u64,
    },
    /// A revision newer than the store's.
    #[error("revision {requested} is newer than the current revision {current}")]
    FutureRevision {
        /// The revision asked for.
        requested: u64,
        /// The store's revision.
        current: u64,
    },
    /// A value larger than [`MAX_VALUE_BYTES`]; nothing was written.
    #[error("the value is {size} bytes, more than the {limit} bytes a stored object may have")]
    TooLarge {
        /// The value's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The backend failed (disk, network); the write did not happen.
    #[error("storage backend failed: {0}")]
    Backend(String),
}

/// The largest value a store accepts: etcd's default request limit (`--max-request-bytes`,
/// 1.5 MiB) less room for the key and the transaction around it, so that an object any backend
/// accepts, every backend accepts.
pub const MAX_VALUE_BYTES: usize = 1536 * 1024 - 4096;

/// Refuses a value over [`MAX_VALUE_BYTES`]: every backend calls this before a write.
pub(crate) fn check_size(value: &[u8]) -> Result<()> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(StoreError::TooLarge {
            size: value.len(),
            limit: MAX_VALUE_BYTES,
        });
    }
    Ok(())
}

/// The result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A key and its value at some revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The key: `/{group}/{plural}/{namespace}/{name}`.
    pub key: String,
    /// The serialized object.
    pub value: Bytes,
    /// The revision of the key's last write: the object's `resourceVersion`.
    pub mod_revision: u64,
}

/// A page of a list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    /// The keys in order.
    pub items: Vec<KeyValue>,
    /// The revision the list was read at; later pages must ask for the same one.
    pub revision: u64,
    /// When the page is not the last: the key to continue from (exclusive of earlier keys).
    pub next_key: Option<String>,
    /// How many keys remain after this page.
    pub remaining: u64,
}

/// How to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Read at this revision instead of the newest.
    pub revision: Option<u64>,
    /// At most this many keys (0 = no limit).
    pub limit: u64,
    /// Start at this key (inclusive): the `next_key` of the previous page.
    pub start: Option<String>,
}

/// What happened to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The key was created.
    Added,
    /// The key's value changed.
    Modified,
    /// The key was deleted.
    Deleted,
}

/// One change, in revision order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The key.
    pub key: String,
    /// The new value; for a delete, the last value before it.
    pub value: Bytes,
    /// The revision of this change (for a delete, the deletion's revision).
    pub revision: u64,
}

/// What a watch stream yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchItem {
    /// A change under the prefix.
    Event(Event),
    /// Progress: every change under the prefix up to this revision has been yielded before this
    /// item. The answer to [`WatchStream::request_progress`], like etcd's progress notification;
    /// it lets a reader whose prefix is quiet learn that the store's revision moved on.
    Progress(u64),
}

/// A stream of changes under a prefix, in revision order. It ends (`None`) when the store closes
/// it, e.g. because the reader fell too far behind; it never skips events.
pub struct WatchStream {
    rx: mpsc::Receiver<Result<WatchItem>>,
    progress: Progress,
}

/// How a stream answers a progress request.
enum Progress {
    /// The store hands every change to its watchers' queues before it publishes the change's
    /// revision here, so once the queue is empty, the published revision is progress.
    Published {
        revision: tokio::sync::watch::Receiver<u64>,
        requested: bool,
    },
    /// The store answers on the queue itself (etcd); requests go to the task feeding it.
    Requested(mpsc::Sender<()>),
}

impl WatchStream {
    /// A stream fed by `rx` from a store that answers progress requests itself: each request is
    /// a message on `requests`, answered with a [`WatchItem::Progress`] on `rx`.
    pub fn new(rx: mpsc::Receiver<Result<WatchItem>>, requests: mpsc::Sender<()>) -> WatchStream {
        WatchStream {
            rx,
            progress: Progress::Requested(requests),
        }
    }

    /// A stream fed by `rx` from a store in this process that sends each change to every
    /// interested queue before it publishes the change's revision on `published`: the stream
    /// answers progress requests from that revision.
    pub fn published(
        rx: mpsc::Receiver<Result<WatchItem>>,
        published: tokio::sync::watch::Receiver<u64>,
    ) -> WatchStream {
        WatchStream {
            rx,
            progress: Progress::Published {
                revision: published,
                requested: false,
            },
        }
    }

    /// The next change or progress notification, an error (after which the stream ends), or
    /// `None` at the end. Cancel-safe.
    pub async fn next(&mut self) -> Option<Result<WatchItem>> {
        if let Progress::Published {
            revision,
            requested: requested @ true,
        } = &mut self.progress
        {
            // Read the revision before looking at the queue: every change up to it is queued
            // by then, so an empty queue means all of them were yielded.
            let published = *revision.borrow();
            return match self.rx.try_recv() {
                Ok(item) => Some(item),
                Err(mpsc::error::TryRecvError::Empty) => {
                    *requested = false;
                    Some(Ok(WatchItem::Progress(published)))
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            };
        }
        self.rx.recv().await
    }

    /// Asks for a [`WatchItem::Progress`] with the store's current revision, after the changes
    /// up to it. Requests made before the answer arrives may share it.
    pub fn request_progress(&mut self) {
        match &mut self.progress {
            Progress::Published { requested, .. } => *requested = true,
            // A full request queue already holds a request that the answer will cover.
            Progress::Requested(requests) => {
                let _ = requests.try_send(());
            }
        }
    }
}

/// A revisioned key-value store: memory, the embedded default, or etcd.
pub trait Store: Send + Sync + 'static {
    /// The key's value and revision, or `None`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>>;

    /// Keys under `prefix`, in key order, as they were at `options.revision` (the newest if
    /// unset), from `options.start` (inclusive) on, at most `options.limit` of them.
    ///
    /// Fails with [`StoreError::FutureRevision`] for a revision newer than the store's and
    /// [`StoreError::Expired`] for one older than the compacted revision (the compacted
    /// revision itself can still be listed). Every page of one list asks for the first page's
    /// `revision`, so that each key shows up exactly once, as of that revision.
    fn list<'a>(&'a self, prefix: &'a str, options: ListOptions)
        -> BoxFuture<'a, Result<ListPage>>;

    /// Creates `key`; fails with [`StoreError::AlreadyExists`]. Returns the new revision.
    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>>;

    /// Replaces `key` if its revision is `expected`; fails with [`StoreError::Conflict`] or
    /// [`StoreError::NotFound`]. Writing the bytes already stored is a no-op that returns the
    /// key's revision unchanged and produces no event.
    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>>;

    /// [`create`](Self::create) of a key that expires: `ttl` after this write it is deleted
    /// (a Deleted event, like any delete), unless it was written again meanwhile. Another
    /// write with a TTL starts the time again; one without (plain `update`) keeps the key.
    /// kube-apiserver gives Events a TTL this way. etcd attaches the key to a lease; the
    /// embedded store keeps an expiry index in its file (a restart resumes it); the memory
    /// store keeps one in memory, swept by a timer. The default keeps the key for good.
    fn create_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: std::time::Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        let _ = ttl;
        self.create(key, value)
    }

    /// [`update`](Self::update), and the key expires `ttl` after this write, as
    /// [`create_expiring`](Self::create_expiring) says. Writing the bytes already stored is
    /// still a no-op, and leaves the time the key has as it was.
    fn update_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
        ttl: std::time::Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        let _ = ttl;
        self.update(key, value, expected)
    }

    /// Deletes `key`, if `expected` is given only at that revision (else
    /// [`StoreError::Conflict`]); [`StoreError::NotFound`] if it does not exist. Returns the
    /// deletion's revision (a new one, which the Deleted event carries too) and the last value.
    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<(u64, KeyValue)>>;

    /// The changes under `prefix` with a revision greater than `after`, in revision order and
    /// without gaps: first those already made, then live ones. `after` may be 0 (everything
    /// the store still has) or newer than the current revision (only what comes later).
    ///
    /// If `after` is older than the compacted revision, fails with [`StoreError::Expired`],
    /// either at once or as the stream's first item (etcd reports it on the stream, and still
    /// serves `after` = compacted - 1, whose next change it kept). A reader
    /// that falls too far behind (thousands of events) is closed: the stream ends after the
    /// events it already holds, and the caller resumes from the last revision it saw.
    ///
    /// The stream answers [`WatchStream::request_progress`] with the store's revision, so a
    /// reader whose keys do not change still learns how far the whole store has got.
    fn watch<'a>(&'a self, prefix: &'a str, after: u64) -> BoxFuture<'a, Result<WatchStream>>;

    /// The newest revision.
    fn current_revision(&self) -> BoxFuture<'_, Result<u64>>;

    /// Forgets history up to `revision` (at most the current revision): lists at an older
    /// revision and watches from an older one become Expired; `revision` itself stays
    /// readable. Compacting to a revision at or below the compacted one does nothing.
    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>>;

    /// What the store is, for the line a server logs when it starts (`memory`, `embedded
    /// krest-data/krest.redb`, `etcd http://127.0.0.1:2379`).
    fn describe(&self) -> String {
        std::any::type_name::<Self>().to_string()
    }
}

/// Reads `key`, applies `update` to its current value, and writes the result with
/// compare-and-swap, retrying on conflict: etcd3's `GuaranteedUpdate`. `update` returns the new
/// value, or an error that stops the loop. Returns the new key-value.
pub async fn guaranteed_update<E>(
    store: &dyn Store,
    key: &str,
    mut update: impl FnMut(&KeyValue) -> std::result::Result<Bytes, E>,
) -> std::result::Result<KeyValue, E>
where
    E: From<StoreError>,
{
    loop {
        let current = store.get(key).await?.ok_or(StoreError::NotFound)?;
        let value = update(&current)?;
        match store.update(key, value.clone(), current.mod_revision).await {
            Ok(mod_revision) => {
                return Ok(KeyValue {
                    key: key.to_string(),
                    value,
                    mod_revision,
                })
            }
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
