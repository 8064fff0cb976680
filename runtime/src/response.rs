//! HTTP bodies and responses: the body type every handler returns, the response builders,
//! streamed bodies, and reading a request body with a size limit. A leaf: it depends on no
//! other module of the runtime, so that `Status`, the codecs and every handler can use it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};

/// The error type of streamed bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Request and response bodies.
pub type Body = BoxBody<Bytes, BoxError>;
/// What a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = http::Response<Body>> + Send>>;

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A JSON response with `code`; a 500 (and a log line) in the unlikely case `value` does not
/// serialize, rather than an empty body.
pub fn json_response(code: u16, value: &impl serde::Serialize) -> http::Response<Body> {
    written_response(code, serde_json::to_vec(value))
}

/// [`json_response`] of JSON already written, or of the error that stopped its writing.
pub(crate) fn written_response(
    code: u16,
    written: Result<Vec<u8>, impl std::fmt::Display>,
) -> http::Response<Body> {
    match written {
        Ok(bytes) => bytes_response(code, "application/json", bytes),
        Err(e) => {
            tracing::error!(error = %e, "encoding a response");
            bytes_response(
                500,
                "application/json",
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"encoding the response failed","reason":"InternalError","code":500}"#,
            )
        }
    }
}

/// A response with `code`, a content type and a body.
pub fn bytes_response(
    code: u16,
    content_type: &'static str,
    bytes: impl Into<Bytes>,
) -> http::Response<Body> {
    body_response(code, content_type, full(bytes))
}

/// A response with `code`, a content type and any body (a stream, say).
pub(crate) fn body_response(
    code: u16,
    content_type: &'static str,
    body: Body,
) -> http::Response<Body> {
    let mut response = http::Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

/// Why a request body could not be read whole.
#[derive(Debug)]
pub enum CollectError {
    /// It passed the limit (a 413).
    TooLarge(usize),
    /// The connection failed while it was read (a 400).
    Read(BoxError),
}

/// A `Warning` header value, `299 - "text"`, as kube-apiserver writes them; `None` when the
/// text cannot be a header.
pub fn warning_value(text: &str) -> Option<http::HeaderValue> {
    let quoted = text.replace('\\', "\\\\").replace('"', "\\\"");
    http::HeaderValue::from_str(&format!("299 - \"{quoted}\"")).ok()
}

/// Reads a whole request body, failing past `limit` bytes.
pub struct Collect {
    body: Body,
    buffer: Vec<u8>,
    limit: usize,
}

impl Collect {
    /// Collects `body`.
    pub fn new(body: Body, limit: usize) -> Collect {
        Collect {
            body,
            buffer: Vec::new(),
            limit,
        }
    }
}

impl Future for Collect {
    type Output = Result<Bytes, CollectError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    return Poll::Ready(Ok(Bytes::from(std::mem::take(&mut self.buffer))))
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(CollectError::Read(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if self.buffer.len() + data.len() > self.limit {
                            return Poll::Ready(Err(CollectError::TooLarge(self.limit)));
                        }
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

/// Turns a service's `Result<_, Infallible>` future into its output, without an async block
/// (whose captured trait-object lifetimes would defeat the `Send` check).
pub struct Infallibly<F>(pub F);

impl<F, T> Future for Infallibly<F>
where
    F: Future<Output = Result<T, Infallible>> + Unpin,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx).map(|result| match result {
            Ok(value) => value,
            Err(never) => match never {},
        })
    }
}

/// A streaming body: each message sent on the returned sender is written and flushed as one
/// chunk; the body ends when the sender is dropped. For watch streams and connect handlers.
pub fn streaming_body(capacity: usize) -> (tokio::sync::mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
    (tx, channel_body(rx))
}

/// A streaming body that can fail: like [`streaming_body`], but an `Err` sent on the sender
/// ends the body with that error, so that the connection is closed instead of a truncated body
/// looking complete.
pub(crate) fn fallible_streaming_body(
    capacity: usize,
) -> (tokio::sync::mpsc::Sender<Result<Bytes, BoxError>>, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
    (tx, ChannelBody { rx }.boxed())
}

/// A body fed by `rx`.
pub(crate) fn channel_body(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Body {
    ChannelBody { rx }.boxed()
}

struct ChannelBody<T> {
    rx: tokio::sync::mpsc::Receiver<T>,
}

/// What a [`ChannelBody`] carries: chunks, or chunks and errors.
trait Chunk {
    fn into_frame(self) -> Result<http_body::Frame<Bytes>, BoxError>;
}

impl Chunk for Bytes {
    fn into_frame(self) -> Result<http_body::Frame<Bytes>, BoxError> {
        Ok(http_body::Frame::data(self))
    }
}

impl Chunk for Result<Bytes, BoxError> {
    fn into_frame(self) -> Result<http_body::Frame<Bytes>, BoxError> {
        self.map(http_body::Frame::data)
    }
}

impl<T: Chunk> http_body::Body for ChannelBody<T> {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(Chunk::into_frame))
    }
}
