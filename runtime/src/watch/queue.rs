//! A watcher's queue: bounded by count and by the bytes of the changes waiting in it.
//!
//! Changes are shared (`Arc`), but a change that has left the hub's window stays alive while a
//! queue holds it, so a watcher that stops reading could otherwise pin a thousand large
//! objects. The hub never waits: a change that would overflow either bound closes the queue,
//! the watcher writes what it already holds and its stream ends, and the client resumes from
//! the last revision it saw. A replay from the store, which has a task of its own, waits for
//! room instead ([`QueueTx::send`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::{mpsc, Notify};

/// What both halves share: the bytes waiting, and a signal when some are taken.
#[derive(Default)]
struct Shared {
    queued: AtomicUsize,
    taken: Notify,
}

use super::change::Change;

/// The sending half, held by the hub (or a replay from the store).
pub(crate) struct QueueTx {
    tx: mpsc::Sender<Arc<Change>>,
    shared: Arc<Shared>,
    max_bytes: usize,
}

/// The receiving half, held by the watch's body.
pub(crate) struct QueueRx {
    rx: mpsc::Receiver<Arc<Change>>,
    shared: Arc<Shared>,
}

/// Why a change was not queued.
pub(crate) enum Refused {
    /// The watcher is gone.
    Closed,
    /// The watcher fell too far behind.
    Full,
}

/// A queue of at most `count` changes and `max_bytes` of them (whatever that, one change
/// always fits into an empty queue).
pub(crate) fn queue(count: usize, max_bytes: usize) -> (QueueTx, QueueRx) {
    let (tx, rx) = mpsc::channel(count.max(1));
    let shared = Arc::new(Shared::default());
    (
        QueueTx {
            tx,
            shared: shared.clone(),
            max_bytes,
        },
        QueueRx { rx, shared },
    )
}

impl QueueTx {
    /// Queues `change` unless the queue is closed or over a bound.
    pub fn try_send(&self, change: Arc<Change>) -> Result<(), Refused> {
        let size = change.size();
        if !self.has_room(size) {
            return Err(if self.tx.is_closed() {
                Refused::Closed
            } else {
                Refused::Full
            });
        }
        self.shared.queued.fetch_add(size, Ordering::Relaxed);
        self.tx.try_send(change).map_err(|e| {
            self.shared.queued.fetch_sub(size, Ordering::Relaxed);
            match e {
                mpsc::error::TrySendError::Closed(_) => Refused::Closed,
                mpsc::error::TrySendError::Full(_) => Refused::Full,
            }
        })
    }

    /// Whether `size` more bytes fit (one change always fits into an empty queue).
    fn has_room(&self, size: usize) -> bool {
        let queued = self.shared.queued.load(Ordering::Relaxed);
        queued == 0 || queued + size <= self.max_bytes
    }

    /// Queues `change` once there is room for it; `Err` when the watcher is gone.
    pub async fn send(&self, change: Arc<Change>) -> Result<(), Refused> {
        let size = change.size();
        loop {
            let taken = self.shared.taken.notified();
            if self.has_room(size) {
                break;
            }
            tokio::select! {
                () = taken => {}
                () = self.tx.closed() => return Err(Refused::Closed),
            }
        }
        self.shared.queued.fetch_add(size, Ordering::Relaxed);
        self.tx.send(change).await.map_err(|_| {
            self.shared.queued.fetch_sub(size, Ordering::Relaxed);
            Refused::Closed
        })
    }

    /// Queues `change` whatever the bounds (a new watcher's backlog from the window).
    pub fn force(&self, change: Arc<Change>) {
        self.shared
            .queued
            .fetch_add(change.size(), Ordering::Relaxed);
        if let Err(e) = self.tx.try_send(change) {
            let change = match e {
                mpsc::error::TrySendError::Closed(c) | mpsc::error::TrySendError::Full(c) => c,
            };
            self.shared
                .queued
                .fetch_sub(change.size(), Ordering::Relaxed);
        }
    }

    /// Whether the watcher is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Waits until the watcher is gone.
    pub async fn closed(&self) {
        self.tx.closed().await;
    }
}

impl QueueRx {
    fn took(&self, change: Option<Arc<Change>>) -> Option<Arc<Change>> {
        if let Some(change) = &change {
            self.shared
                .queued
                .fetch_sub(change.size(), Ordering::Relaxed);
            self.shared.taken.notify_one();
        }
        change
    }

    /// The next change, when one is waiting.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Arc<Change>>> {
        let polled = self.rx.poll_recv(cx);
        polled.map(|change| self.took(change))
    }

    /// The next change, if one is waiting now.
    pub fn try_recv(&mut self) -> Option<Arc<Change>> {
        let change = self.rx.try_recv().ok();
        self.took(change)
    }

    /// Whether no change is waiting.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}
