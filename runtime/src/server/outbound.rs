//! Response bytes waiting for slow clients: counted per connection and in total, bounded, and
//! watched for progress.
//!
//! Every data frame a response body yields goes out in pieces whose owner gives the frame's
//! length back to the connection's and the server's counts when hyper or h2 has dropped the
//! last of them, which is when the frame has been written to the socket (or the connection is
//! gone): the pieces share the frame's memory, which lives until then. So the counts are what
//! sits in hyper's write queue, h2's send buffers and bodies not yet taken: the bytes a client
//! that does not read makes the server hold.
//!
//! - A body of known length (a GET, a list's first page) is counted when the response is made,
//!   before anything takes it (an HTTP/2 stream at a zero window is never polled). Past the
//!   connection's bound (unless it is the connection's only pending response) or past the total
//!   the answer to a read is replaced by a 429: the bytes are freed at once, and the client may
//!   retry. The answer to a write is counted, never refused (`connection.rs`).
//! - A streamed body (a long list, a watch) is only polled while both counts are under their
//!   bounds: its producer then waits on its channel, which is backpressure, not memory.
//! - Frames are handed out in pieces of at most [`PIECE`] bytes, so that a slow but reading
//!   client shows progress within a large object.
//! - A connection stalls when it has bytes pending, or a response whose next frame its peer has
//!   not come for, and neither changes for the write timeout: it is then closed. An idle watch
//!   has nothing pending, so it never stalls.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};

use crate::response::Body;
use crate::BoxError;

/// The largest piece of a frame handed to the connection at once.
pub(crate) const PIECE: usize = 64 << 10;

/// A response up to this size is let through past the total bound when its connection has
/// nothing else pending, so that small answers (a GET, a Status) keep flowing while slow
/// clients hold the budget. What this lets past the bound is at most this much per connection.
const SMALL: usize = 16 << 10;

/// The 429 that replaces a response that does not fit.
pub(crate) fn refusal() -> crate::status::Status {
    let mut status = crate::status::Status::too_many_requests();
    status.message =
        "Too many response bytes are waiting for slow clients, please try again later.".into();
    status
}

/// The server-wide count.
pub(crate) struct Budget {
    used: AtomicUsize,
    limit: usize,
    /// Bodies waiting for room anywhere; woken on every release while there are any.
    waiting: AtomicUsize,
    wakers: Mutex<Vec<Waker>>,
}

impl Budget {
    /// A budget of `limit` bytes (`0`: unbounded).
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            used: AtomicUsize::new(0),
            limit: if limit == 0 { usize::MAX } else { limit },
            waiting: AtomicUsize::new(0),
            wakers: Mutex::new(Vec::new()),
        })
    }

    /// Bytes pending on every connection.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// One connection's count, shared by its response bodies and its watchdog.
#[derive(Clone)]
pub(crate) struct Outbound(Arc<Conn>);

struct Conn {
    budget: Arc<Budget>,
    limit: usize,
    used: AtomicUsize,
    /// Responses whose peer owes a poll: not yet polled, or polled for a frame and not since.
    owed: AtomicUsize,
    /// Counts progress: pending bytes written, a pending response polled, something pending
    /// after nothing was. A count, not a time, so that a request reads no clock: the watchdog
    /// (`idle.rs`) notices when it changes.
    progress: AtomicU64,
    /// Bodies of this connection waiting for room; woken on its releases while there are any.
    waiting: AtomicUsize,
    wakers: Mutex<Vec<Waker>>,
    /// Requests whose head has arrived and whose response has not been written yet: the idle
    /// clock (`idle.rs`) lives here too, so that a connection has one shared allocation.
    requests: AtomicUsize,
    /// Counts the requests that ended (see `progress`).
    ended: AtomicU64,
}

impl Outbound {
    /// The count of a connection opened now, with `limit` bytes (`0`: unbounded).
    pub fn new(budget: Arc<Budget>, limit: usize) -> Outbound {
        Outbound(Arc::new(Conn {
            budget,
            limit: if limit == 0 { usize::MAX } else { limit },
            used: AtomicUsize::new(0),
            owed: AtomicUsize::new(0),
            progress: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            wakers: Mutex::new(Vec::new()),
            requests: AtomicUsize::new(0),
            ended: AtomicU64::new(0),
        }))
    }

    /// Bytes pending on this connection.
    pub fn pending(&self) -> usize {
        self.0.used.load(Ordering::Acquire)
    }

    /// Whether the connection, or the server, has as many bytes waiting as it may.
    pub fn full(&self) -> bool {
        !self.0.has_room()
    }

    /// Whether the connection has anything waiting for its peer.
    pub fn busy(&self) -> bool {
        self.pending() > 0 || self.0.owed.load(Ordering::Acquire) > 0
    }

    /// Wraps a response body. A body of known length is counted now; `Err` gives it back when
    /// it does not fit (see the module's doc): answer 429 instead.
    pub fn meter(&self, body: Body) -> Result<Metered, Body> {
        let conn = &self.0;
        let n = body.size_hint().exact().unwrap_or(0) as usize;
        let start = !self.busy();
        // Counted first and checked against what was there before, so that the responses of
        // concurrent streams cannot all fit the same room.
        let mine = conn.used.fetch_add(n, Ordering::AcqRel);
        let all = conn.budget.used.fetch_add(n, Ordering::AcqRel);
        let fits_connection = mine == 0 || mine.saturating_add(n) <= conn.limit;
        let fits_total = all.saturating_add(n) <= conn.budget.limit || (n <= SMALL && mine == 0);
        if n > 0 && !(fits_connection && fits_total) {
            conn.release(n);
            return Err(body);
        }
        Ok(self.wrap(body, n, start))
    }

    /// Wraps a response body without refusing it (the 429 that replaces a refused one).
    pub fn count(&self, body: Body) -> Metered {
        let n = body.size_hint().exact().unwrap_or(0) as usize;
        let start = !self.busy();
        self.0.used.fetch_add(n, Ordering::AcqRel);
        self.0.budget.used.fetch_add(n, Ordering::AcqRel);
        self.wrap(body, n, start)
    }

    fn wrap(&self, body: Body, prepaid: usize, start: bool) -> Metered {
        let conn = &self.0;
        if start {
            // The stall clock starts with the first thing pending, not at the last progress
            // of a connection that has been idle since.
            conn.touch();
        }
        conn.owed.fetch_add(1, Ordering::AcqRel);
        Metered {
            body,
            conn: self.0.clone(),
            prepaid,
            rest: None,
            owing: true,
            waiting: false,
            request: false,
        }
    }

    /// How many times the connection has made progress (see `Conn::progress`).
    pub fn progress(&self) -> u64 {
        self.0.progress.load(Ordering::Acquire)
    }

    /// How many of its requests have ended.
    pub fn ended(&self) -> u64 {
        self.0.ended.load(Ordering::Acquire)
    }

    /// Whether a request is being answered.
    pub fn answering(&self) -> bool {
        self.0.requests.load(Ordering::Acquire) > 0
    }
}

impl Conn {
    /// A request's response has been written (or dropped).
    fn request_ended(&self) {
        self.ended.fetch_add(1, Ordering::Release);
        self.requests.fetch_sub(1, Ordering::AcqRel);
    }

    fn touch(&self) {
        self.progress.fetch_add(1, Ordering::Release);
    }

    fn has_room(&self) -> bool {
        self.used.load(Ordering::Acquire) < self.limit && self.budget.used() < self.budget.limit
    }

    /// Gives back `n` bytes and wakes the bodies waiting for room.
    fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.used.fetch_sub(n, Ordering::AcqRel);
        self.budget.used.fetch_sub(n, Ordering::AcqRel);
        if self.waiting.load(Ordering::Acquire) > 0 {
            wake_all(&self.wakers);
        }
        if self.budget.waiting.load(Ordering::Acquire) > 0 {
            wake_all(&self.budget.wakers);
        }
    }
}

/// Wakes every body registered in `wakers`, and forgets them.
fn wake_all(wakers: &Mutex<Vec<Waker>>) {
    let wakers = wakers
        .lock()
        .map(|mut w| std::mem::take(&mut *w))
        .unwrap_or_default();
    for waker in wakers {
        waker.wake();
    }
}

/// A frame's count, given back when the frame and all of its pieces are gone.
struct FrameCount {
    bytes: usize,
    conn: Arc<Conn>,
}

impl Drop for FrameCount {
    fn drop(&mut self) {
        self.conn.release(self.bytes);
    }
}

/// A frame's count as its pieces hold it (for its drop): alone when the frame is one piece
/// (most are: a GET, a watch event), shared otherwise.
enum Share {
    Whole { _count: FrameCount },
    Part { _count: Arc<FrameCount> },
}

/// A piece of a frame: written when dropped.
struct Counted {
    bytes: Bytes,
    _frame: Share,
    conn: Arc<Conn>,
}

impl AsRef<[u8]> for Counted {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.conn.touch();
    }
}

/// A response body counted against its connection (see the module's doc).
///
/// Kept small: hyper holds one for every response being written, which for a watch is as long
/// as it lasts.
pub(crate) struct Metered {
    body: Body,
    conn: Arc<Conn>,
    /// Counted when the response was made, not yet pulled from `body`.
    prepaid: usize,
    /// A frame larger than a piece, being handed out piece by piece.
    rest: Option<Box<Rest>>,
    /// Whether the peer owes a poll (counted in the connection's `owed`).
    owing: bool,
    /// Whether this body is registered as waiting for room in the total budget.
    waiting: bool,
    /// Whether this body's end ends a request (see [`Busy`]).
    request: bool,
}

/// What is left of a frame larger than a piece, and the count its pieces share.
struct Rest {
    bytes: Bytes,
    count: Arc<FrameCount>,
}

/// Keeps a connection busy from a request head's arrival until its response has been written
/// (the body that [`Busy::answer`] is given is dropped), or until it is dropped itself.
pub(crate) struct Busy(Option<Outbound>);

impl Busy {
    /// A request head has arrived on `conn`.
    pub fn new(conn: &Outbound) -> Busy {
        conn.0.requests.fetch_add(1, Ordering::AcqRel);
        Busy(Some(conn.clone()))
    }

    /// Hands the request's end to its response's body.
    pub fn answer(mut self, mut body: Metered) -> Metered {
        if self.0.take().is_some() {
            body.request = true;
        }
        body
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            conn.0.request_ended();
        }
    }
}

impl Metered {
    fn set_owing(&mut self, owing: bool) {
        if owing != self.owing {
            self.owing = owing;
            if owing {
                self.conn.owed.fetch_add(1, Ordering::AcqRel);
            } else {
                self.conn.owed.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    fn set_waiting(&mut self, waiting: bool) {
        if waiting != self.waiting {
            self.waiting = waiting;
            if waiting {
                self.conn.waiting.fetch_add(1, Ordering::AcqRel);
                self.conn.budget.waiting.fetch_add(1, Ordering::AcqRel);
            } else {
                self.conn.waiting.fetch_sub(1, Ordering::AcqRel);
                self.conn.budget.waiting.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    /// The next piece of `rest`, owned by a counter.
    fn piece(&mut self) -> Frame<Bytes> {
        self.set_owing(true);
        let Some(rest) = self.rest.as_mut() else {
            return Frame::data(Bytes::new());
        };
        let n = rest.bytes.len().min(PIECE);
        let bytes = rest.bytes.split_to(n);
        let count = if rest.bytes.is_empty() {
            match self.rest.take() {
                Some(rest) => rest.count,
                None => return Frame::data(bytes),
            }
        } else {
            rest.count.clone()
        };
        Frame::data(Bytes::from_owner(Counted {
            bytes,
            _frame: Share::Part { _count: count },
            conn: self.conn.clone(),
        }))
    }
}

impl HttpBody for Metered {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.owing {
            // The peer came back for more: it is taking what it was given.
            this.conn.touch();
        }
        if this.rest.is_some() {
            return Poll::Ready(Some(Ok(this.piece())));
        }
        if this.body.is_end_stream() {
            this.set_owing(false);
            return Poll::Ready(None);
        }
        if this.prepaid == 0 && !this.conn.has_room() {
            // Registered before looking again, so that a release in between is not missed.
            this.set_waiting(true);
            if let Ok(mut wakers) = this.conn.wakers.lock() {
                wakers.push(cx.waker().clone());
            }
            if let Ok(mut wakers) = this.conn.budget.wakers.lock() {
                wakers.push(cx.waker().clone());
            }
            if !this.conn.has_room() {
                this.set_owing(false);
                return Poll::Pending;
            }
        }
        this.set_waiting(false);
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Pending => {
                this.set_owing(false);
                Poll::Pending
            }
            Poll::Ready(None) => {
                this.set_owing(false);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    let covered = data.len().min(this.prepaid);
                    this.prepaid -= covered;
                    let extra = data.len() - covered;
                    if extra > 0 {
                        this.conn.used.fetch_add(extra, Ordering::AcqRel);
                        this.conn.budget.used.fetch_add(extra, Ordering::AcqRel);
                    }
                    let count = FrameCount {
                        bytes: data.len(),
                        conn: this.conn.clone(),
                    };
                    this.set_owing(true);
                    if data.len() <= PIECE {
                        // One piece, the whole frame (most are: a GET, a watch event).
                        let piece = Counted {
                            bytes: data,
                            _frame: Share::Whole { _count: count },
                            conn: this.conn.clone(),
                        };
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from_owner(piece)))));
                    }
                    this.rest = Some(Box::new(Rest {
                        bytes: data,
                        count: Arc::new(count),
                    }));
                    Poll::Ready(Some(Ok(this.piece())))
                }
                Err(frame) => {
                    this.set_owing(true);
                    Poll::Ready(Some(Ok(frame)))
                }
            },
            Poll::Ready(Some(Err(e))) => {
                this.set_owing(false);
                Poll::Ready(Some(Err(e)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_none() && self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let inner = self.body.size_hint();
        let rest = self.rest.as_ref().map_or(0, |rest| rest.bytes.len()) as u64;
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower() + rest);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + rest);
        }
        hint
    }
}

impl Drop for Metered {
    fn drop(&mut self) {
        self.set_owing(false);
        self.set_waiting(false);
        // `rest`, if any, gives back the rest of its frame once its pieces are gone.
        self.conn.release(self.prepaid);
        if self.request {
            self.conn.request_ended();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::time::Duration;

    fn full(n: usize) -> Body {
        crate::response::full(vec![b'x'; n])
    }

    #[tokio::test]
    async fn known_length_bodies_are_counted_until_written_and_refused_past_the_bounds() {
        let budget = Budget::new(10 << 20);
        let a = Outbound::new(budget.clone(), 4 << 20);
        // The connection's only response may pass its bound, not the total.
        let big = a.meter(full(6 << 20)).ok().unwrap();
        assert_eq!((a.pending(), budget.used()), (6 << 20, 6 << 20));
        assert!(
            a.meter(full(SMALL + 1)).is_err(),
            "past the connection's bound"
        );
        let b = Outbound::new(budget.clone(), 4 << 20);
        assert!(b.meter(full(5 << 20)).is_err(), "past the total");
        // Small answers still go out on a connection with nothing pending.
        let small = b.meter(full(SMALL)).ok().unwrap();
        assert_eq!(budget.used(), (6 << 20) + SMALL);
        // Written piece by piece: each piece gives its bytes back when dropped.
        let collected = big.collect().await.unwrap().to_bytes();
        assert_eq!(collected.len(), 6 << 20);
        drop(collected);
        drop(small);
        assert_eq!((a.pending(), b.pending(), budget.used()), (0, 0, 0));
        assert!(!a.busy());
    }

    #[tokio::test]
    async fn pieces_are_bounded_and_dropping_a_body_gives_back_what_it_held() {
        let budget = Budget::new(0);
        let a = Outbound::new(budget.clone(), 0);
        let mut body = a.meter(full(PIECE * 3 + 1)).ok().unwrap();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first.len(), PIECE);
        assert_eq!(a.pending(), PIECE * 3 + 1);
        // The piece shares the frame's memory: the frame counts until the piece is gone.
        drop(body);
        assert_eq!(a.pending(), PIECE * 3 + 1);
        drop(first);
        assert_eq!(budget.used(), 0);
    }

    #[tokio::test]
    async fn a_streamed_body_waits_for_room() {
        let budget = Budget::new(0);
        let a = Outbound::new(budget, PIECE);
        let (tx, body) = crate::response::streaming_body(4);
        let mut body = a.meter(body).ok().unwrap();
        tx.send(Bytes::from(vec![1u8; PIECE])).await.unwrap();
        tx.send(Bytes::from(vec![2u8; 10])).await.unwrap();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        // The connection is full: the next frame waits until the first is written.
        let next = tokio::time::timeout(Duration::from_millis(50), body.frame()).await;
        assert!(next.is_err(), "a frame past the bound was handed out");
        drop(first);
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&second[..], &[2u8; 10]);
    }
}
