//! A connection's watchdog: one timer per connection that closes it when either of two
//! timeouts passes.
//!
//! - Header read, or idle: a client has [`Limits::header_read_timeout`](crate::Limits) to send a
//!   complete request head, counted from the moment the connection is idle (opened, or its last
//!   response written). hyper can do this itself, but it arms a timer for every request head it
//!   reads: about 1,100 instructions, 5 % of a GET. Here a request costs two atomic counters and
//!   a clock read when its response ends.
//! - Write progress: a connection with response bytes pending, or a response its peer has not
//!   come back for, that makes no progress for [`Limits::write_timeout`](crate::Limits)
//!   (`outbound.rs` counts both). An idle watch has nothing pending, so it never stalls.
//!
//! One timer, re-armed at most once per timeout, rather than one per rule: every idle watcher
//! holds its connection's task for as long as it watches, and each timer is about a hundred
//! bytes of it.

use std::time::Duration;

use tokio::time::Instant;

use crate::server::outbound::Outbound;

/// Why the watchdog closed a connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expired {
    /// No request head within the header read timeout of the connection going idle.
    Idle,
    /// Something pending and no progress within the write timeout: the bytes pending then.
    Stalled(usize),
}

/// Completes when the connection `conn` has been idle for `header_read_timeout`, or has had
/// something pending and made no progress for `write_timeout`.
pub(crate) async fn watchdog(
    conn: &Outbound,
    header_read_timeout: Duration,
    write_timeout: Duration,
) -> Expired {
    // How long a check may wait when neither rule has a deadline yet (a request is being
    // answered with nothing pending: a watch waiting for events, say).
    let recheck = header_read_timeout.min(write_timeout);
    let sleep = tokio::time::sleep(recheck);
    tokio::pin!(sleep);
    loop {
        sleep.as_mut().await;
        let now = Instant::now();
        let deadline = if conn.busy() {
            let deadline = conn.progress() + write_timeout;
            if deadline <= now {
                return Expired::Stalled(conn.pending());
            }
            deadline
        } else if let Some(idle) = conn.idle_since() {
            // hyper drops a body once it has taken its last frame, before writing it, so the
            // connection is idle only from when those bytes are written.
            let deadline = idle.max(conn.progress()) + header_read_timeout;
            if deadline <= now {
                return Expired::Idle;
            }
            deadline
        } else {
            now + recheck
        };
        sleep.as_mut().reset(deadline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::outbound::{Budget, Busy};

    const HEADER_READ: Duration = Duration::from_secs(30);
    const WRITE: Duration = Duration::from_secs(60);

    /// A connection, and its watchdog running beside.
    fn watched() -> (Outbound, tokio::task::JoinHandle<Expired>) {
        let conn = Outbound::new(Budget::new(0), 0);
        let watchdog = tokio::spawn({
            let conn = conn.clone();
            async move { watchdog(&conn, HEADER_READ, WRITE).await }
        });
        (conn, watchdog)
    }

    #[tokio::test(start_paused = true)]
    async fn expires_only_after_a_whole_idle_timeout() {
        let (conn, watchdog) = watched();
        // Busy across the first deadline: not expired.
        tokio::time::sleep(Duration::from_secs(20)).await;
        let busy = Busy::new(&conn);
        tokio::time::sleep(Duration::from_secs(40)).await;
        assert!(!watchdog.is_finished());
        // Idle from t=60 s: still open at t=89 s, closed by t=91 s.
        drop(busy);
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(watchdog.await.unwrap(), Expired::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_ending_before_the_deadline_moves_it() {
        let (conn, watchdog) = watched();
        tokio::time::sleep(Duration::from_secs(25)).await;
        drop(Busy::new(&conn));
        // The first deadline (t=30 s) passes; the next is t=55 s.
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(watchdog.await.unwrap(), Expired::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_stalls_only_with_something_pending() {
        let (conn, watchdog) = watched();
        // A request answered with nothing pending (an idle watch, say): never closed.
        let busy = Busy::new(&conn);
        tokio::time::sleep(Duration::from_secs(300)).await;
        assert!(!watchdog.is_finished());
        // A response nobody takes: stalled a write timeout later.
        let body = conn
            .meter(crate::response::full(vec![b'x'; 10]))
            .ok()
            .unwrap();
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert!(!watchdog.is_finished());
        // Noticed by the next check: within a header read timeout of the deadline.
        tokio::time::sleep(HEADER_READ + Duration::from_secs(2)).await;
        assert_eq!(watchdog.await.unwrap(), Expired::Stalled(10));
        drop((body, busy));
    }
}
