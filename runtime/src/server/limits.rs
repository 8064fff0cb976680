//! Limits that keep a server answering under load and against slow or hostile clients, with
//! kube-apiserver's defaults: requests in flight (`--max-requests-inflight`,
//! `--max-mutating-requests-inflight`), the request timeout (`--request-timeout`) and the time
//! a client has to send a request's headers; and krest's own bounds on what slow clients make
//! the server hold: response bytes waiting to be written (see `outbound.rs`) and request bodies
//! still arriving, which are read before a write takes its in-flight slot.
//!
//! The body size (3 MiB), JSON and YAML nesting and alias expansion, and the number of JSON
//! patch operations are limited where bodies are read, so every verb shares them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::status::Status;

/// The server's limits. `0` for a count means no limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Read-only requests in flight before new ones get 429 (default 400). Watches do not count.
    pub max_requests_in_flight: usize,
    /// Mutating requests in flight before new ones get 429 (default 200).
    pub max_mutating_requests_in_flight: usize,
    /// How long a request other than a watch or a connect may run before it gets 504
    /// (default 60 s).
    pub request_timeout: Duration,
    /// How long a client has to send a request's complete headers, counted from the moment the
    /// connection is idle: opened, or the previous response written (default 30 s). This closes
    /// slowloris connections and idle keep-alive connections alike.
    pub header_read_timeout: Duration,
    /// How long a TLS handshake may take (default 10 s).
    pub handshake_timeout: Duration,
    /// How long a connection may have response bytes waiting while its client takes none of
    /// them before it is closed (default 60 s, `--write-timeout`). An idle watch has nothing
    /// waiting and never times out.
    pub write_timeout: Duration,
    /// Response bytes one connection may have waiting to be written (default 8 MiB,
    /// `--max-connection-write-buffer`): a streamed response waits past it, a further response
    /// of known size is 429. A connection's only response may be larger.
    pub max_connection_write_buffer: usize,
    /// Response bytes all connections together may have waiting (default 128 MiB,
    /// `--max-write-buffer`): past it, responses over 16 KiB are 429 and streamed ones wait.
    pub max_write_buffer: usize,
    /// How long a client has to send a write's whole body, from its request head (default
    /// 20 s, `--request-body-timeout`): then 408 and the connection is closed.
    pub request_body_timeout: Duration,
    /// Request body bytes all connections together may have received before their requests
    /// got an in-flight slot (default 64 MiB, `--max-request-body-buffer`): past it, bodies
    /// over 64 KiB are 429.
    pub max_request_body_buffer: usize,
    /// Lists read at once (default 8, `--max-lists-inflight`); more wait their turn within the
    /// request timeout. Lists make the large responses: this bounds the memory of those being
    /// made, as the write buffers bound those being written.
    pub max_lists_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_requests_in_flight: 400,
            max_mutating_requests_in_flight: 200,
            request_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(60),
            max_connection_write_buffer: 8 << 20,
            max_write_buffer: 128 << 20,
            request_body_timeout: Duration::from_secs(20),
            max_request_body_buffer: 64 << 20,
            max_lists_in_flight: 8,
        }
    }
}

/// The in-flight counters.
pub(crate) struct InFlight {
    read: Option<Arc<Semaphore>>,
    mutating: Option<Arc<Semaphore>>,
}

impl InFlight {
    pub fn new(limits: &Limits) -> InFlight {
        let semaphore = |n: usize| (n > 0).then(|| Arc::new(Semaphore::new(n)));
        InFlight {
            read: semaphore(limits.max_requests_in_flight),
            mutating: semaphore(limits.max_mutating_requests_in_flight),
        }
    }

    /// A slot for one request, held until it is dropped, or 429 when all are taken.
    pub fn enter(&self, mutating: bool) -> Result<Option<OwnedSemaphorePermit>, Status> {
        let semaphore = if mutating { &self.mutating } else { &self.read };
        match semaphore {
            None => Ok(None),
            Some(s) => s
                .clone()
                .try_acquire_owned()
                .map(Some)
                .map_err(|_| Status::too_many_requests()),
        }
    }
}

/// `future`'s output, or `None` once `deadline` passes. The timer is made only if the future
/// does not finish on its first poll: most requests (a GET from memory) never need one.
pub(crate) async fn within<F: Future>(deadline: Instant, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Request body bytes received before their requests took an in-flight slot.
pub(crate) struct BodyBudget {
    used: AtomicUsize,
    limit: usize,
}

/// A body up to this size is read past the total bound, so that small writes go on while slow
/// uploads hold the budget.
const SMALL_BODY: usize = 64 << 10;

impl BodyBudget {
    pub fn new(limit: usize) -> BodyBudget {
        BodyBudget {
            used: AtomicUsize::new(0),
            limit: if limit == 0 { usize::MAX } else { limit },
        }
    }
}

/// What one body holds of the budget, given back when it is dropped.
struct Held<'a> {
    budget: &'a BodyBudget,
    bytes: usize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// Reads a write's whole body before the write takes an in-flight slot, so that a client
/// trickling its body holds its own connection, not a slot every other write needs. The body
/// must arrive within `timeout` of `started` (408, and the connection is closed), stay within
/// `max` bytes (413) and, past 64 KiB, within what `budget` has left (429).
pub(crate) async fn read_body_first(
    request: &mut http::Request<crate::response::Body>,
    budget: &BodyBudget,
    max: usize,
    started: Instant,
    timeout: Duration,
) -> Result<(), Status> {
    use http_body::Body as _;
    use http_body_util::BodyExt;
    if request.body().is_end_stream() {
        return Ok(());
    }
    let mut body = std::mem::replace(request.body_mut(), crate::response::full(Bytes::new()));
    let mut held = Held { budget, bytes: 0 };
    let mut buffer = Vec::new();
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|e| Status::bad_request(format!("reading the request body: {e}")))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if buffer.len() + data.len() > max {
                return Err(Status::too_large(max));
            }
            let before = budget.used.fetch_add(data.len(), Ordering::AcqRel);
            held.bytes += data.len();
            if before + data.len() > budget.limit && held.bytes > SMALL_BODY {
                let mut status = Status::too_many_requests();
                status.message =
                    "Too many request bodies are arriving at once, please try again later.".into();
                return Err(status);
            }
            buffer.extend_from_slice(&data);
        }
        Ok(())
    };
    match within(started + timeout, read).await {
        Some(Ok(())) => {
            *request.body_mut() = crate::response::full(buffer);
            Ok(())
        }
        Some(Err(status)) => Err(status),
        None => Err(Status::new(
            408,
            "Timeout",
            format!(
                "the request body did not arrive within {}s",
                timeout.as_secs_f64()
            ),
        )),
    }
}

/// Whether a method changes state, as kube-apiserver's `readOnlyVerbs` decide it.
pub(crate) fn is_mutating(method: &http::Method) -> bool {
    !matches!(
        *method,
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_slots_are_counted_per_kind_and_released() {
        let limits = Limits {
            max_requests_in_flight: 1,
            max_mutating_requests_in_flight: 2,
            ..Limits::default()
        };
        let in_flight = InFlight::new(&limits);
        let read = in_flight.enter(false).unwrap();
        assert_eq!(in_flight.enter(false).unwrap_err().code, 429);
        let a = in_flight.enter(true).unwrap();
        let _b = in_flight.enter(true).unwrap();
        assert_eq!(in_flight.enter(true).unwrap_err().code, 429);
        drop((read, a));
        assert!(in_flight.enter(false).is_ok());
        assert!(in_flight.enter(true).is_ok());
    }

    fn post(body: crate::response::Body) -> http::Request<crate::response::Body> {
        http::Request::builder().method("POST").body(body).unwrap()
    }

    #[tokio::test]
    async fn bodies_are_read_first_within_their_time_size_and_budget() {
        let budget = Arc::new(BodyBudget::new(100 << 10));
        let timeout = Duration::from_secs(5);
        // A body still arriving holds what it has received.
        let (tx, body) = crate::response::streaming_body(4);
        tx.send(Bytes::from(vec![b'a'; 90 << 10])).await.unwrap();
        let holding = tokio::spawn({
            let budget = budget.clone();
            async move {
                let mut slow = post(body);
                let result =
                    read_body_first(&mut slow, &budget, 3 << 20, Instant::now(), timeout).await;
                (result, slow)
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Past the budget, a large body is 429; a small one still passes.
        let mut large = post(crate::response::full(vec![b'b'; 80 << 10]));
        let refused = read_body_first(&mut large, &budget, 3 << 20, Instant::now(), timeout);
        assert_eq!(refused.await.unwrap_err().code, 429);
        let mut small = post(crate::response::full(vec![b'c'; 1000]));
        let read = read_body_first(&mut small, &budget, 3 << 20, Instant::now(), timeout);
        read.await.unwrap();
        // The slow one completes, and its body is there for the handler; the budget is free.
        tx.send(Bytes::from_static(b"z")).await.unwrap();
        drop(tx);
        let (result, slow) = holding.await.unwrap();
        result.unwrap();
        let body = http_body_util::BodyExt::collect(slow.into_body())
            .await
            .unwrap();
        assert_eq!(body.to_bytes().len(), (90 << 10) + 1);
        assert_eq!(budget.used.load(Ordering::Acquire), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_does_not_arrive_in_time_is_408() {
        let budget = BodyBudget::new(0);
        let (_tx, body) = crate::response::streaming_body(1);
        let mut request = post(body);
        let started = Instant::now();
        let read = read_body_first(
            &mut request,
            &budget,
            3 << 20,
            started,
            Duration::from_secs(20),
        );
        let status = read.await.unwrap_err();
        assert_eq!((status.code, status.reason), (408, "Timeout"));
        assert_eq!(started.elapsed(), Duration::from_secs(20));
    }

    #[test]
    fn zero_is_unlimited() {
        let in_flight = InFlight::new(&Limits {
            max_requests_in_flight: 0,
            ..Limits::default()
        });
        let held: Vec<_> = (0..1000).map(|_| in_flight.enter(false).unwrap()).collect();
        assert!(held.iter().all(Option::is_none));
    }
}
