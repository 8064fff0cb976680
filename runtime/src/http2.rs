//! Where the streams of an HTTP/2 connection run.
//!
//! hyper runs each HTTP/2 stream as a task of its own. A watch stream's task then wakes the
//! connection's task for every event it sends, and tokio runs a woken task next (its LIFO
//! slot): with 100 watches on a connection, one event is written with 100 system calls. So
//! watch streams run inside the connection's own task instead: every watch that has an event
//! queues its frame first, and the connection writes them together. Other requests still get a
//! task each, so that one client's requests run on every core.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;

type StreamFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The executor hyper runs a connection's streams with.
#[derive(Clone)]
pub(crate) struct Streams {
    local: mpsc::UnboundedSender<StreamFuture>,
    next_is_watch: Arc<AtomicBool>,
}

/// The connection's own share of its streams: poll it with the connection.
pub(crate) struct LocalStreams {
    incoming: mpsc::UnboundedReceiver<StreamFuture>,
    running: FuturesUnordered<StreamFuture>,
}

impl Streams {
    pub fn new() -> (Streams, LocalStreams) {
        let (local, incoming) = mpsc::unbounded_channel();
        let streams = Streams {
            local,
            next_is_watch: Arc::new(AtomicBool::new(false)),
        };
        let local = LocalStreams {
            incoming,
            running: FuturesUnordered::new(),
        };
        (streams, local)
    }

    /// Says whether the request hyper is about to hand to [`execute`](Self::execute) is a
    /// watch. hyper calls the service and then the executor, in that order, for each stream.
    pub fn next(&self, request: &http::Request<hyper::body::Incoming>) {
        let watch = crate::query::Query::of(request.uri()).flag("watch")
            || request.uri().path().contains("/watch/");
        self.next_is_watch.store(watch, Ordering::Relaxed);
    }
}

impl<F> hyper::rt::Executor<F> for Streams
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, future: F) {
        if self.next_is_watch.swap(false, Ordering::Relaxed) {
            if let Err(unsent) = self.local.send(Box::pin(future)) {
                // The connection is gone; let the stream end on its own.
                tokio::spawn(unsent.0);
            }
        } else {
            tokio::spawn(future);
        }
    }
}

impl LocalStreams {
    /// Runs the connection's watch streams; never completes (the connection does).
    pub async fn run(mut self) {
        std::future::poll_fn(|cx| {
            while let Poll::Ready(Some(stream)) = self.incoming.poll_recv(cx) {
                self.running.push(stream);
            }
            // Each ready stream queues its frames; the connection writes them on its next poll.
            while let Poll::Ready(Some(())) = self.running.poll_next_unpin(cx) {}
            Poll::<()>::Pending
        })
        .await
    }
}

/// A connection's socket, which tells hyper it cannot write vectored once the client has
/// opened HTTP/2. `h2` writes every DATA frame longer than 256 bytes with a vectored write of
/// its own; without vectored writes it copies frames of up to 1 KiB (a watch event) into its
/// buffer, so the events of many streams leave in one write. HTTP/1.1 keeps vectored writes.
pub(crate) struct Socket<I> {
    io: I,
    http2: Option<bool>,
}

impl<I> Socket<I> {
    pub fn new(io: I) -> Socket<I> {
        Socket { io, http2: None }
    }
}

/// What an HTTP/2 client sends first.
const PREFACE: &[u8] = b"PRI * HTTP/2.0";

impl<I: AsyncRead + Unpin> AsyncRead for Socket<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.io).poll_read(cx, buf);
        if self.http2.is_none() {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                let n = new.len().min(PREFACE.len());
                self.http2 = Some(new[..n] == PREFACE[..n]);
            }
        }
        read
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Socket<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.http2 != Some(true) && self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A socket whose first bytes from the client are `first`.
    async fn socket_after(first: &[u8]) -> Socket<tokio::net::TcpStream> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(first).await.unwrap();
        let mut socket = Socket::new(server);
        assert!(socket.is_write_vectored(), "vectored until it knows");
        let mut buf = [0u8; 64];
        let n = socket.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], first);
        socket
    }

    #[tokio::test]
    async fn http2_clients_get_unvectored_writes() {
        let h2 = socket_after(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
        assert!(!h2.is_write_vectored());
        let h1 = socket_after(b"GET / HTTP/1.1\r\n").await;
        assert!(h1.is_write_vectored());
    }
}
