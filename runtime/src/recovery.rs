//! Recovery: a panic in a handler becomes a 500 Status instead of a dropped connection.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::route::HandlerFuture;

/// Polls a handler's future, catching a panic in any poll.
pub struct CatchPanic {
    inner: HandlerFuture,
}

impl CatchPanic {
    /// Wraps `inner`.
    pub fn new(inner: HandlerFuture) -> CatchPanic {
        CatchPanic { inner }
    }
}

impl Future for CatchPanic {
    type Output = Result<http::Response<crate::Body>, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The future is dropped after a panic, never polled again, so unwind safety holds.
        match catch_unwind(AssertUnwindSafe(|| self.inner.as_mut().poll(cx))) {
            Ok(Poll::Ready(response)) => Poll::Ready(Ok(response)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(&*payload))),
        }
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}
