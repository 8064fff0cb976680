//! Recovery: a panic in a handler becomes a 500 Status instead of a dropped connection.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::response::HandlerFuture;
use crate::status::Status;

/// Starts a handler and polls its future, turning a panic in the call or in any poll into a
/// 500 Status. The handler is called at once, so that what moves through the layers above is
/// its boxed future, not the request.
pub struct Recovered {
    inner: Result<HandlerFuture, String>,
}

impl Recovered {
    /// Calls `start` and wraps the future it returns.
    pub fn start(start: impl FnOnce() -> HandlerFuture) -> Recovered {
        Recovered {
            inner: catch_unwind(AssertUnwindSafe(start)).map_err(|p| panic_message(&*p)),
        }
    }
}

impl Future for Recovered {
    type Output = http::Response<crate::Body>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let message = match &mut self.inner {
            // The future is dropped after a panic, never polled again, so unwind safety holds.
            Ok(inner) => match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
                Ok(poll) => return poll,
                Err(payload) => panic_message(&*payload),
            },
            Err(message) => std::mem::take(message),
        };
        tracing::error!(panic = %message, "handler panicked");
        Poll::Ready(Status::internal(format!("handler panicked: {message}")).into_response())
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
