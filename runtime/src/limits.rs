//! Limits that keep a server answering under load and against slow or hostile clients, with
//! kube-apiserver's defaults: requests in flight (`--max-requests-inflight`,
//! `--max-mutating-requests-inflight`), the request timeout (`--request-timeout`) and the time
//! a client has to send a request's headers.
//!
//! The body size (3 MiB), JSON and YAML nesting and alias expansion, and the number of JSON
//! patch operations are limited where bodies are read, so every verb shares them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_requests_in_flight: 400,
            max_mutating_requests_in_flight: 200,
            request_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
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
