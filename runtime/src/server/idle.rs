//! The header-read and idle timeout of a connection: a client has
//! [`Limits::header_read_timeout`](crate::Limits) to send a complete request head, counted from
//! the moment the connection is idle (opened, or its last response written).
//!
//! hyper can do this itself, but it arms a timer for every request head it reads: about 1,100
//! instructions, 5 % of a GET. Here each connection keeps one timer, re-armed at most once per
//! timeout, and a request costs two atomic counters and a clock read when its response ends.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};

use crate::server::outbound::Metered;
use crate::BoxError;

/// One connection's idle clock.
#[derive(Clone)]
pub(crate) struct Idle(Arc<Shared>);

struct Shared {
    opened: Instant,
    /// Requests whose head has arrived and whose response has not been written yet.
    busy: AtomicUsize,
    /// When the connection last became idle, in microseconds since `opened`.
    idle_since: AtomicU64,
}

impl Idle {
    /// The clock of a connection opened now.
    pub fn new() -> Idle {
        Idle(Arc::new(Shared {
            opened: Instant::now(),
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
        }))
    }

    /// A request head has arrived: the connection is busy until the returned guard is dropped
    /// (with the response's body, once hyper has written it).
    pub fn busy(&self) -> Busy {
        self.0.busy.fetch_add(1, Ordering::AcqRel);
        Busy(self.0.clone())
    }

    /// Completes once the connection has been idle for `timeout` without a request head
    /// arriving. `written` says when the connection last wrote response bytes, or `None` while
    /// it still has some to write: hyper drops a body once it has taken its last frame, before
    /// writing it, so the connection is idle only from when those bytes are written.
    pub async fn expired(&self, timeout: Duration, written: impl Fn() -> Option<Instant>) {
        let shared = &self.0;
        let sleep = tokio::time::sleep(timeout);
        tokio::pin!(sleep);
        loop {
            sleep.as_mut().await;
            let written = written();
            let deadline = if shared.busy.load(Ordering::Acquire) > 0 || written.is_none() {
                Instant::now() + timeout
            } else {
                let since = Duration::from_micros(shared.idle_since.load(Ordering::Acquire));
                let deadline =
                    (shared.opened + since).max(written.unwrap_or(shared.opened)) + timeout;
                // A request that arrived and ended since the last check moved the deadline.
                if deadline <= Instant::now() {
                    return;
                }
                deadline
            };
            sleep.as_mut().reset(deadline);
        }
    }
}

/// Keeps a connection busy while it lives.
pub(crate) struct Busy(Arc<Shared>);

impl Drop for Busy {
    fn drop(&mut self) {
        let now = self.0.opened.elapsed().as_micros() as u64;
        self.0.idle_since.fetch_max(now, Ordering::AcqRel);
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection busy until it has been written (or dropped).
pub(crate) struct Tracked {
    body: Metered,
    _busy: Busy,
}

impl Tracked {
    pub fn new(body: Metered, busy: Busy) -> Tracked {
        Tracked { body, _busy: busy }
    }
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection's idle clock, and its watchdog with a 30 s timeout running beside.
    fn watched() -> (Idle, tokio::task::JoinHandle<()>) {
        let idle = Idle::new();
        let opened = Instant::now();
        let watchdog = tokio::spawn({
            let idle = idle.clone();
            async move {
                idle.expired(Duration::from_secs(30), move || Some(opened))
                    .await
            }
        });
        (idle, watchdog)
    }

    #[tokio::test(start_paused = true)]
    async fn expires_only_after_a_whole_idle_timeout() {
        let (idle, watchdog) = watched();
        // Busy across the first deadline: not expired.
        tokio::time::sleep(Duration::from_secs(20)).await;
        let busy = idle.busy();
        tokio::time::sleep(Duration::from_secs(40)).await;
        assert!(!watchdog.is_finished());
        // Idle from t=60 s: still open at t=89 s, closed by t=91 s.
        drop(busy);
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(watchdog.is_finished());
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_ending_before_the_deadline_moves_it() {
        let (idle, watchdog) = watched();
        tokio::time::sleep(Duration::from_secs(25)).await;
        drop(idle.busy());
        // The first deadline (t=30 s) passes; the next is t=55 s.
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(watchdog.is_finished());
    }
}
