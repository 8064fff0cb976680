//! A connection's watchdog: one timer per connection that closes it when either of two
//! timeouts passes.
//!
//! - Header read, or idle: a client has [`Limits::header_read_timeout`](crate::Limits) to send a
//!   complete request head, counted from the moment the connection is idle (opened, or its last
//!   response written).
//! - Write progress: a connection with response bytes pending, or a response its peer has not
//!   come back for, that makes no progress for [`Limits::write_timeout`](crate::Limits)
//!   (`outbound.rs` counts both). An idle watch has nothing pending, so it never stalls.
//!
//! hyper can keep the first itself, but it arms a timer for every request head it reads: about
//! 1,100 instructions, 5 % of a GET. Here a request reads no clock and arms no timer: it bumps
//! counters (requests ended, progress made) that the watchdog, waking every half of the shorter
//! timeout, compares with what it saw before. So a rule fires between its timeout and one and a
//! half times it after the moment that started it, which is what a timeout against slow and
//! silent clients needs; and one timer serves both rules, which an idle watcher's connection
//! task keeps for as long as it watches.

use tokio::time::Instant;

use crate::server::limits::Limits;
use crate::server::outbound::Outbound;

/// Why the watchdog closed a connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expired {
    /// No request head within the header read timeout of the connection going idle.
    Idle,
    /// Something pending and no progress within the write timeout: the bytes pending then.
    Stalled(usize),
}

/// Completes when the connection `conn` has been idle for the header read timeout of `limits`,
/// or has had something pending and made no progress for its write timeout (each within half
/// the shorter timeout more).
pub(crate) async fn watchdog(conn: &Outbound, limits: &Limits) -> Expired {
    let interval = |limits: &Limits| limits.header_read_timeout.min(limits.write_timeout) / 2;
    // What the counters were, and when they were first seen so.
    let (mut progress, mut ended) = (conn.progress(), conn.ended());
    let (mut progress_seen, mut ended_seen) = (Instant::now(), Instant::now());
    let sleep = tokio::time::sleep(interval(limits));
    tokio::pin!(sleep);
    loop {
        sleep.as_mut().await;
        let now = Instant::now();
        if conn.progress() != progress {
            (progress, progress_seen) = (conn.progress(), now);
        }
        if conn.ended() != ended {
            (ended, ended_seen) = (conn.ended(), now);
        }
        if conn.busy() {
            if now.duration_since(progress_seen) >= limits.write_timeout {
                return Expired::Stalled(conn.pending());
            }
        } else if !conn.answering() {
            // hyper drops a body once it has taken its last frame, before writing it, so the
            // connection is idle only from when those bytes are written.
            let idle_since = ended_seen.max(progress_seen);
            if now.duration_since(idle_since) >= limits.header_read_timeout {
                return Expired::Idle;
            }
        }
        sleep.as_mut().reset(now + interval(limits));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::outbound::{Budget, Busy};
    use std::time::Duration;

    const HEADER_READ: Duration = Duration::from_secs(30);
    const WRITE: Duration = Duration::from_secs(60);

    /// A connection, and its watchdog running beside.
    fn watched() -> (Outbound, tokio::task::JoinHandle<Expired>) {
        let conn = Outbound::new(Budget::new(0), 0);
        let watchdog = tokio::spawn({
            let conn = conn.clone();
            async move {
                let limits = Limits {
                    header_read_timeout: HEADER_READ,
                    write_timeout: WRITE,
                    ..Limits::default()
                };
                watchdog(&conn, &limits).await
            }
        });
        (conn, watchdog)
    }

    #[tokio::test(start_paused = true)]
    async fn expires_after_an_idle_timeout_and_at_most_half_of_one_more() {
        let (conn, watchdog) = watched();
        // Busy across the first deadline: not expired.
        tokio::time::sleep(Duration::from_secs(20)).await;
        let busy = Busy::new(&conn);
        tokio::time::sleep(Duration::from_secs(40)).await;
        assert!(!watchdog.is_finished());
        // Idle from t=60 s: still open a timeout later (t=89 s), closed by t=60+45 s.
        drop(busy);
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(17)).await;
        assert_eq!(watchdog.await.unwrap(), Expired::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_ending_before_the_deadline_moves_it() {
        let (conn, watchdog) = watched();
        tokio::time::sleep(Duration::from_secs(25)).await;
        drop(Busy::new(&conn));
        // Idle from t=25 s: the first deadline (t=30 s) passes, the next is a timeout later.
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(17)).await;
        assert_eq!(watchdog.await.unwrap(), Expired::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_stalls_only_with_something_pending() {
        let (conn, watchdog) = watched();
        // A request answered with nothing pending (an idle watch, say): never closed.
        let busy = Busy::new(&conn);
        tokio::time::sleep(Duration::from_secs(300)).await;
        assert!(!watchdog.is_finished());
        // A response nobody takes: stalled a write timeout later, give or take a check.
        let body = conn
            .meter(crate::response::full(vec![b'x'; 10]))
            .ok()
            .unwrap();
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert!(!watchdog.is_finished());
        tokio::time::sleep(Duration::from_secs(17)).await;
        assert_eq!(watchdog.await.unwrap(), Expired::Stalled(10));
        drop((body, busy));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_that_keeps_taking_never_stalls() {
        let (conn, watchdog) = watched();
        let busy = Busy::new(&conn);
        let (tx, body) = crate::response::streaming_body(1);
        let mut body = conn.meter(body).ok().unwrap();
        // A frame every 40 s, each taken: progress within every write timeout.
        for _ in 0..10 {
            tx.send(bytes::Bytes::from_static(b"event")).await.unwrap();
            let frame = http_body_util::BodyExt::frame(&mut body).await;
            drop(frame);
            tokio::time::sleep(Duration::from_secs(40)).await;
            assert!(!watchdog.is_finished());
        }
        drop((body, busy));
    }
}
