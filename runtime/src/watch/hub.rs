//! The watch hub of one resource: one store subscription, a cache of the current objects, a
//! window of recent events serialized once, and a bounded queue per watcher.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::{mpsc, watch, Notify};

use crate::codegen::ResourceModel;
use crate::handlers::decode_stored;
use crate::store::{EventKind, KeyValue, ListOptions, Store, StoreError, WatchItem};

/// How many recent events a hub keeps by default for watchers resuming from a revision.
pub(crate) const DEFAULT_WINDOW: usize = 4096;

/// How many events may wait for one watcher before it is closed as too slow.
pub(crate) const WATCHER_QUEUE: usize = 1024;

/// An object as the hub holds it: decoded once, serialized once.
pub(crate) struct Object {
    /// The object, with `metadata.resourceVersion` set.
    pub value: Value,
    /// Its JSON.
    pub json: Bytes,
}

/// One change, as every watcher receives it.
pub(crate) struct Change {
    pub revision: u64,
    pub key: String,
    pub kind: EventKind,
    /// The object after the change (for a delete, its last state at the deletion's revision).
    pub object: Arc<Object>,
    /// The object before the change, if it existed.
    pub prev: Option<Arc<Object>>,
    /// `{"type":"...","object":...}\n` with the change's own type, shared by every watcher that
    /// sees it as that type.
    pub line: Bytes,
}

/// What a new watcher starts with.
pub(crate) struct Subscription {
    /// The current objects under the prefix with their keys, in key order, when the watcher
    /// asked for them.
    pub initial: Vec<(String, Arc<Object>)>,
    /// The revision the watcher starts after.
    pub revision: u64,
    /// Its queue.
    pub rx: mpsc::Receiver<Arc<Change>>,
}

/// Why a subscription could not start from the hub.
pub(crate) enum NotInWindow {
    /// The revision is older than the window: resume from the store instead.
    TooOld,
}

struct Watcher {
    prefix: String,
    tx: mpsc::Sender<Arc<Change>>,
}

struct HubState {
    revision: u64,
    objects: BTreeMap<String, Arc<Object>>,
    window: VecDeque<Arc<Change>>,
    /// Every change after this revision is in the window.
    window_start: u64,
    watchers: Vec<Watcher>,
}

/// The hub of one resource.
pub(crate) struct Hub {
    /// The version served: objects are decoded as it serves them.
    model: ResourceModel,
    window: usize,
    state: Mutex<HubState>,
    /// The store revision up to which every change under the prefix has been applied: the
    /// revision of the hub's last change, or newer once the store reports progress.
    revision: watch::Sender<u64>,
    /// Asks the hub's task for a progress notification from the store.
    progress: Notify,
    closed_slow: AtomicU64,
}

/// Encodes one watch event line.
pub(crate) fn event_line(kind: &str, object_json: &[u8]) -> Bytes {
    let mut line = Vec::with_capacity(object_json.len() + 32);
    line.extend_from_slice(b"{\"type\":\"");
    line.extend_from_slice(kind.as_bytes());
    line.extend_from_slice(b"\",\"object\":");
    line.extend_from_slice(object_json);
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

/// The wire name of an event kind.
pub(crate) fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Added => "ADDED",
        EventKind::Modified => "MODIFIED",
        EventKind::Deleted => "DELETED",
    }
}

pub(crate) fn object_of(kv: &KeyValue, model: &ResourceModel) -> Option<Arc<Object>> {
    let value = decode_stored(kv, model).ok()?;
    let json = Bytes::from(serde_json::to_vec(&value).ok()?);
    Some(Arc::new(Object { value, json }))
}

impl Hub {
    /// Loads the current objects under `prefix` and subscribes to the store's changes after
    /// them; a task applies and fans out every change for as long as the server runs.
    pub async fn start(
        store: Arc<dyn Store>,
        prefix: String,
        window: usize,
        model: ResourceModel,
    ) -> Result<Arc<Hub>, StoreError> {
        let (objects, revision) = load(&*store, &prefix, &model).await?;
        let stream = store.watch(&prefix, revision).await?;
        let hub = Arc::new(Hub {
            model,
            window: window.max(1),
            state: Mutex::new(HubState {
                revision,
                objects,
                window: VecDeque::new(),
                window_start: revision,
                watchers: Vec::new(),
            }),
            revision: watch::channel(revision).0,
            progress: Notify::new(),
            closed_slow: AtomicU64::new(0),
        });
        tokio::spawn(run(hub.clone(), store, prefix, stream));
        Ok(hub)
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many watchers were closed for falling behind.
    pub fn closed_slow(&self) -> u64 {
        self.closed_slow.load(Ordering::Relaxed)
    }

    /// How many watchers are registered.
    pub fn watchers(&self) -> usize {
        self.lock().watchers.len()
    }

    /// Waits until the hub has applied every change up to the store's `revision` (at most
    /// `timeout`). Writes to other resources move the store's revision without an event for
    /// this hub, so it asks the store for progress, as kube-apiserver's watch cache does.
    pub async fn caught_up(&self, revision: u64, timeout: Duration) -> bool {
        let mut rx = self.revision.subscribe();
        if *rx.borrow_and_update() >= revision {
            return true;
        }
        self.progress.notify_one();
        tokio::time::timeout(timeout, rx.wait_for(|r| *r >= revision))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The revision up to which the hub has handed every change to its watchers' queues.
    pub fn revision(&self) -> watch::Receiver<u64> {
        self.revision.subscribe()
    }

    /// Registers a watcher of the keys under `prefix`: from the current state (`after` is
    /// `None`, the initial objects are returned) or after a revision still in the window.
    pub fn subscribe(&self, prefix: &str, after: Option<u64>) -> Result<Subscription, NotInWindow> {
        let mut state = self.lock();
        let (initial, backlog, revision) = match after {
            None => {
                let initial = state
                    .objects
                    .range(prefix.to_string()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .map(|(k, o)| (k.clone(), o.clone()))
                    .collect();
                (initial, Vec::new(), state.revision)
            }
            Some(after) if after >= state.window_start => {
                let backlog: Vec<Arc<Change>> = state
                    .window
                    .iter()
                    .filter(|c| c.revision > after && c.key.starts_with(prefix))
                    .cloned()
                    .collect();
                (Vec::new(), backlog, after)
            }
            Some(_) => return Err(NotInWindow::TooOld),
        };
        let (tx, rx) = mpsc::channel(WATCHER_QUEUE + backlog.len());
        for change in backlog {
            // Cannot fail: the queue has room for the whole backlog.
            let _ = tx.try_send(change);
        }
        state.watchers.push(Watcher {
            prefix: prefix.to_string(),
            tx,
        });
        Ok(Subscription {
            initial,
            revision,
            rx,
        })
    }

    /// Applies one change from the store and hands it to every interested watcher.
    fn apply(&self, kind: EventKind, kv: KeyValue) {
        let Some(object) = object_of(&kv, &self.model) else {
            tracing::error!(key = %kv.key, "watch: skipping an object that does not decode");
            return;
        };
        let mut state = self.lock();
        let prev = match kind {
            EventKind::Deleted => state.objects.remove(&kv.key),
            _ => state.objects.insert(kv.key.clone(), object.clone()),
        };
        let change = Arc::new(Change {
            revision: kv.mod_revision,
            line: event_line(kind_name(kind), &object.json),
            key: kv.key,
            kind,
            object,
            prev,
        });
        state.revision = change.revision;
        state.window.push_back(change.clone());
        if state.window.len() > self.window {
            if let Some(old) = state.window.pop_front() {
                state.window_start = old.revision;
            }
        }
        state.watchers.retain(|w| {
            if w.tx.is_closed() {
                return false;
            }
            if !change.key.starts_with(&w.prefix) {
                return true;
            }
            match w.tx.try_send(change.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Closed(_)) => false,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    // Closing the queue ends that watch after what it already holds: the client
                    // resumes from its last revision, and nothing is skipped.
                    tracing::warn!(prefix = %w.prefix, "watch: closing a watcher that fell {WATCHER_QUEUE} events behind");
                    self.closed_slow.fetch_add(1, Ordering::Relaxed);
                    false
                }
            }
        });
        let revision = state.revision;
        drop(state);
        self.revision.send_replace(revision);
    }

    /// The store reports that every change under the prefix up to `revision` has been applied.
    fn progress(&self, revision: u64) {
        let mut state = self.lock();
        if revision <= state.revision {
            return;
        }
        state.revision = revision;
        drop(state);
        self.revision.send_replace(revision);
    }

    /// After the store subscription broke: reload, close every watcher (they resume from
    /// their last revision), and start a new window.
    fn reset(&self, objects: BTreeMap<String, Arc<Object>>, revision: u64) {
        let mut state = self.lock();
        state.objects = objects;
        state.revision = revision;
        state.window.clear();
        state.window_start = revision;
        state.watchers.clear();
        drop(state);
        self.revision.send_replace(revision);
    }
}

async fn load(
    store: &dyn Store,
    prefix: &str,
    model: &ResourceModel,
) -> Result<(BTreeMap<String, Arc<Object>>, u64), StoreError> {
    let page = store.list(prefix, ListOptions::default()).await?;
    let objects = page
        .items
        .iter()
        .filter_map(|kv| Some((kv.key.clone(), object_of(kv, model)?)))
        .collect();
    Ok((objects, page.revision))
}

/// The hub's task: applies the store's changes in order, re-subscribing when the stream ends.
async fn run(
    hub: Arc<Hub>,
    store: Arc<dyn Store>,
    prefix: String,
    mut stream: crate::store::WatchStream,
) {
    loop {
        loop {
            let item = tokio::select! {
                item = stream.next() => item,
                () = hub.progress.notified() => {
                    stream.request_progress();
                    continue;
                }
            };
            match item {
                None => break,
                Some(Ok(WatchItem::Event(event))) => hub.apply(
                    event.kind,
                    KeyValue {
                        key: event.key,
                        value: event.value,
                        mod_revision: event.revision,
                    },
                ),
                Some(Ok(WatchItem::Progress(revision))) => hub.progress(revision),
                Some(Err(e)) => {
                    tracing::warn!(%prefix, error = %e, "watch: store subscription failed");
                    break;
                }
            }
        }
        // Resubscribe from a fresh state, retrying until the store answers.
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let Ok((objects, revision)) = load(&*store, &prefix, &hub.model).await else {
                continue;
            };
            let Ok(next) = store.watch(&prefix, revision).await else {
                continue;
            };
            hub.reset(objects, revision);
            stream = next;
            break;
        }
    }
}
