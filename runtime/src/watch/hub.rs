//! The watch hub of one resource: one store subscription, a cache of the current objects, a
//! window of recent events serialized once, and a bounded queue per watcher.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::change::{object_of, Change, Object};
use super::queue::{queue, QueueRx, QueueTx, Refused};
use crate::codegen::ResourceModel;
use crate::store::{EventKind, KeyValue, ListOptions, Store, StoreError, WatchItem};

/// How many recent events a hub keeps by default for watchers resuming from a revision.
pub(crate) const DEFAULT_WINDOW: usize = 4096;

/// How many bytes of recent events a hub keeps by default: the window ends at whichever bound
/// comes first, so rewriting large objects cannot grow a hub without limit.
pub(crate) const DEFAULT_WINDOW_BYTES: usize = 64 << 20;

/// How many events may wait for one watcher before it is closed as too slow. The bytes that
/// may wait are the window's bound in bytes.
pub(crate) const WATCHER_QUEUE: usize = 1024;

/// How much of the recent history a hub keeps.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WindowLimits {
    /// At most this many changes.
    pub events: usize,
    /// At most this many bytes of changes (each change's event line and previous object); also
    /// the most one watcher may have waiting.
    pub bytes: usize,
}

impl Default for WindowLimits {
    fn default() -> Self {
        WindowLimits {
            events: DEFAULT_WINDOW,
            bytes: DEFAULT_WINDOW_BYTES,
        }
    }
}

/// What a new watcher starts with.
pub(crate) struct Subscription {
    /// The current objects under the prefix with their keys, in key order, when the watcher
    /// asked for them.
    pub initial: Vec<(String, Arc<Object>)>,
    /// The revision the watcher starts after.
    pub revision: u64,
    /// Its queue.
    pub rx: QueueRx,
}

/// Why a subscription could not start from the hub.
pub(crate) enum NotInWindow {
    /// The revision is older than the window: resume from the store instead.
    TooOld,
}

struct Watcher {
    prefix: String,
    tx: QueueTx,
}

struct HubState {
    revision: u64,
    objects: BTreeMap<String, Arc<Object>>,
    window: VecDeque<Arc<Change>>,
    /// The bytes of the changes in `window`.
    window_bytes: usize,
    /// Every change after this revision is in the window.
    window_start: u64,
    watchers: Vec<Watcher>,
}

/// The hub of one resource.
pub(crate) struct Hub {
    /// The version served: objects are decoded as it serves them.
    model: ResourceModel,
    limits: WindowLimits,
    state: Mutex<HubState>,
    /// The store revision up to which every change under the prefix has been applied: the
    /// revision of the hub's last change, or newer once the store reports progress.
    revision: watch::Sender<u64>,
    /// Asks the hub's task for a progress notification from the store.
    progress: Notify,
    closed_slow: AtomicU64,
}

impl Hub {
    /// Loads the current objects under `prefix` and subscribes to the store's changes after
    /// them; a task applies and fans out every change for as long as the server runs.
    pub async fn start(
        store: Arc<dyn Store>,
        prefix: String,
        limits: WindowLimits,
        model: ResourceModel,
    ) -> Result<Arc<Hub>, StoreError> {
        let (objects, revision) = load(&*store, &prefix, &model).await?;
        let stream = store.watch(&prefix, revision).await?;
        let hub = Arc::new(Hub {
            model,
            limits: WindowLimits {
                events: limits.events.max(1),
                bytes: limits.bytes.max(1),
            },
            state: Mutex::new(HubState {
                revision,
                objects,
                window: VecDeque::new(),
                window_bytes: 0,
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
        let (tx, rx) = queue(WATCHER_QUEUE + backlog.len(), self.limits.bytes);
        for change in backlog {
            tx.force(change);
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
        // Decoded and serialized before taking the lock: watchers subscribing meanwhile wait
        // only for the bookkeeping.
        let Some(mut change) = Change::new(kind, kv, &self.model) else {
            return;
        };
        let mut state = self.lock();
        change.prev = match kind {
            EventKind::Deleted => state.objects.remove(&change.key),
            _ => state
                .objects
                .insert(change.key.clone(), change.object.clone()),
        };
        let change = Arc::new(change);
        state.revision = change.revision;
        state.window_bytes += change.size();
        state.window.push_back(change.clone());
        while state.window.len() > self.limits.events || state.window_bytes > self.limits.bytes {
            let Some(old) = state.window.pop_front() else {
                break;
            };
            state.window_bytes -= old.size();
            state.window_start = old.revision;
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
                Err(Refused::Closed) => false,
                Err(Refused::Full) => {
                    // Closing the queue ends that watch after what it already holds: the client
                    // resumes from its last revision, and nothing is skipped.
                    tracing::warn!(prefix = %w.prefix, "watch: closing a watcher that fell {WATCHER_QUEUE} events or {} bytes behind", self.limits.bytes);
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
        state.window_bytes = 0;
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
