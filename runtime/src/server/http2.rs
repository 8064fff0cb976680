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
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
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
    /// This runs before routing, so it looks at the URL only; a wrong guess costs a request its
    /// own task (or a watch its batched writes), never its answer.
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

/// A connection's socket, opened by reading enough of what the client sends first to tell
/// HTTP/2's preface from an HTTP/1.1 request; those bytes are read again by hyper.
///
/// Once the client has opened HTTP/2 the socket tells hyper it cannot write vectored: `h2`
/// writes every DATA frame longer than 256 bytes with a vectored write of its own, but without
/// vectored writes it copies frames of up to 1 KiB (a watch event) into its buffer, so the events
/// of many streams leave in one write. HTTP/1.1 keeps vectored writes.
pub(crate) struct Socket<I> {
    io: I,
    first: [u8; PREFACE.len()],
    /// How much of `first` was read, and how much of it hyper has read again.
    first_len: u8,
    replayed: u8,
    http2: bool,
}

/// What an HTTP/2 client sends first.
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

impl<I: AsyncRead + Unpin> Socket<I> {
    /// Reads until the first bytes are known not to be HTTP/2's preface, or are all of it (or
    /// the client closes).
    pub async fn open(mut io: I) -> std::io::Result<Socket<I>> {
        let mut first = [0u8; PREFACE.len()];
        let mut len = 0;
        while len < first.len() {
            let n = io.read(&mut first[len..]).await?;
            len += n;
            if n == 0 || first[..len] != PREFACE[..len] {
                break;
            }
        }
        Ok(Socket {
            io,
            first,
            first_len: len as u8,
            replayed: 0,
            http2: first[..] == PREFACE[..],
        })
    }
}

impl<I> Socket<I> {
    pub fn is_http2(&self) -> bool {
        self.http2
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Socket<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.replayed < self.first_len {
            let rest = &self.first[self.replayed as usize..self.first_len as usize];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            self.replayed += n as u8;
            // And what else has arrived, in the same read: hyper then finds the request head
            // whole in its first read and keeps its 8 KiB read buffer, where a second read
            // would make it reserve another 8 KiB (16 KiB for every idle watcher).
            if buf.remaining() > 0 {
                if let Poll::Ready(Err(e)) = Pin::new(&mut self.io).poll_read(cx, buf) {
                    return Poll::Ready(Err(e));
                }
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
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
        !self.http2 && self.io.is_write_vectored()
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
    use tokio::io::AsyncWriteExt;

    /// A socket opened on a connection whose client sends `first`, in `pieces` writes.
    async fn socket_after(first: &[u8], pieces: usize) -> Socket<tokio::net::TcpStream> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let piece = first.len().div_ceil(pieces);
        let first = first.to_vec();
        tokio::spawn(async move {
            for chunk in first.chunks(piece) {
                client.write_all(chunk).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            // Keep the client open until the test is done with the socket.
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        });
        Socket::open(server).await.unwrap()
    }

    async fn read_n(socket: &mut Socket<tokio::net::TcpStream>, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        socket.read_exact(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn http2_is_told_apart_and_its_first_bytes_read_again() {
        let mut h2 = socket_after(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00", 3).await;
        assert!(h2.is_http2());
        assert!(!h2.is_write_vectored());
        assert_eq!(
            read_n(&mut h2, 27).await,
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00"
        );

        let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut h1 = socket_after(request, 2).await;
        assert!(!h1.is_http2());
        assert!(h1.is_write_vectored());
        assert_eq!(read_n(&mut h1, request.len()).await, request);
    }
}
