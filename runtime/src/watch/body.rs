//! The response body of one watch: it pulls changes from the watcher's queue, filters them,
//! and writes each as one flushed chunk. No task per watcher: an idle watch is this struct and
//! its queue.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

use super::change::{event_line, kind_name, Change, Object};
use super::queue::QueueRx;
use crate::codegen::ResourceModel;
use crate::negotiate::{Format, MetaVersion};
use crate::response::BoxError;
use crate::selection::Selection;
use crate::store::EventKind;

/// How often a watcher that asked for bookmarks gets one.
pub(crate) const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);

/// At most this many bytes of queued events are written together.
const COALESCE_BYTES: usize = 64 * 1024;

/// The annotation on the bookmark that ends the initial events of a streaming list.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// Which objects a watcher sees.
pub(crate) struct Filter {
    pub prefix: String,
    pub name: Option<String>,
    pub selection: Selection,
}

impl Filter {
    /// Whether the object at `key`, of the kind `model` describes, is visible to this watcher.
    pub fn matches(&self, key: &str, value: &Value, model: &ResourceModel) -> bool {
        key.starts_with(&self.prefix)
            && self
                .name
                .as_deref()
                .is_none_or(|n| key.rsplit('/').next() == Some(n))
            && (self.selection.is_empty() || self.selection.matches(value, model))
    }
}

/// Encodes events for one watcher: shared JSON lines, Tables, or `PartialObjectMetadata`.
///
/// `as=PartialObjectMetadataList` on a watch writes whole objects, as kube-apiserver's watch
/// does: its conversion fails on a single object and it falls back to the object.
pub(crate) struct Encoder {
    /// The watched kind, for the filter too: one copy per watcher (it is a few hundred bytes).
    pub model: ResourceModel,
    pub format: Format,
    pub first_table: bool,
}

impl Encoder {
    /// The line for `object` seen as `kind`; `shared` is the hub's line when it has that type.
    fn line(&mut self, kind: &str, object: &Object, shared: Option<&Bytes>) -> Bytes {
        match self.format {
            Format::Json | Format::MetadataList(_) => match shared {
                Some(line) => line.clone(),
                None => event_line(kind, &object.json),
            },
            Format::Table(_) => self.value_line(kind, &object.value()),
            Format::Metadata(version) => metadata_line(kind, version, object),
        }
    }

    /// The line for a JSON value (Tables, Status errors).
    pub fn value_line(&mut self, kind: &str, value: &Value) -> Bytes {
        let object = match self.format {
            Format::Table(include) if kind != "ERROR" && kind != "BOOKMARK" => {
                let mut table =
                    crate::table::table(&self.model, std::slice::from_ref(value), include, None);
                if !self.first_table {
                    table["columnDefinitions"] = json!([]);
                }
                self.first_table = false;
                table
            }
            // A Status goes out as it is, as kube-apiserver leaves a Status unconverted.
            Format::Metadata(version) if kind != "ERROR" => {
                crate::partial::from_value(value, version)
            }
            _ => value.clone(),
        };
        event_line(kind, &serde_json::to_vec(&object).unwrap_or_default())
    }

    /// A BOOKMARK: apiVersion, kind and resourceVersion only (a `PartialObjectMetadata` for a
    /// metadata watch, as kube-apiserver converts its bookmark objects too).
    pub fn bookmark(&mut self, revision: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({INITIAL_EVENTS_END: "true"});
        }
        let object = match self.format {
            Format::Metadata(version) => json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": version.api_version(),
                "metadata": metadata,
            }),
            _ => json!({
                "apiVersion": self.model.api_version(),
                "kind": self.model.kind,
                "metadata": metadata,
            }),
        };
        event_line("BOOKMARK", &serde_json::to_vec(&object).unwrap_or_default())
    }
}

/// The event line of `object`'s `PartialObjectMetadata`, cut out of its shared JSON (which
/// carries its `resourceVersion`) into the line itself: one buffer, no decoding.
fn metadata_line(kind: &str, version: MetaVersion, object: &Object) -> Bytes {
    const HEAD: &[u8] = b"{\"type\":\"";
    let mut line = Vec::with_capacity(object.json.len().min(1024) + 128);
    line.extend_from_slice(HEAD);
    line.extend_from_slice(kind.as_bytes());
    line.extend_from_slice(b"\",\"object\":");
    if !crate::partial::write(&mut line, version, &object.json, None) {
        let partial = crate::partial::from_value(&object.value(), version);
        serde_json::to_writer(&mut line, &partial).unwrap_or_default();
    }
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

/// The body of a watch response.
pub(crate) struct WatchBody {
    /// Lines to write before anything else (initial events, an ERROR).
    pending: VecDeque<Bytes>,
    initial: std::vec::IntoIter<Arc<Object>>,
    initial_keys: Vec<String>,
    initial_end_bookmark: bool,
    rx: Option<QueueRx>,
    /// Changes at or before this revision were already covered.
    after: u64,
    /// The revision of the last change this watcher took from its queue.
    last: u64,
    /// The hub's revision: every change up to it is in the queue (or was taken from it).
    progress: Option<watch::Receiver<u64>>,
    filter: Filter,
    encoder: Encoder,
    deadline: Pin<Box<Sleep>>,
    bookmark: Option<Pin<Box<Sleep>>>,
    done: bool,
    _guard: Option<crate::metrics::GaugeGuard>,
}

impl WatchBody {
    /// A watch that first writes `initial` objects as ADDED (with their keys), then the
    /// changes after `after` from `rx`, until `timeout`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        initial: Vec<(String, Arc<Object>)>,
        initial_end_bookmark: bool,
        rx: Option<QueueRx>,
        after: u64,
        filter: Filter,
        encoder: Encoder,
        timeout: Duration,
        bookmarks: bool,
        guard: Option<crate::metrics::GaugeGuard>,
    ) -> WatchBody {
        let (initial_keys, initial): (Vec<String>, Vec<Arc<Object>>) = initial.into_iter().unzip();
        WatchBody {
            pending: VecDeque::new(),
            initial: initial.into_iter(),
            initial_keys,
            initial_end_bookmark,
            rx,
            after,
            last: after,
            progress: None,
            filter,
            encoder,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            bookmark: bookmarks.then(|| Box::pin(tokio::time::sleep(BOOKMARK_INTERVAL))),
            done: false,
            _guard: guard,
        }
    }

    /// Lets bookmarks carry `progress`, the revision up to which every change is in this
    /// watcher's queue, instead of the last change it took: a watcher whose selector matches
    /// nothing recent still resumes from a current revision rather than an expired one.
    pub fn with_progress(mut self, progress: watch::Receiver<u64>) -> WatchBody {
        self.progress = Some(progress);
        self
    }

    /// The revision a bookmark may carry: every change up to it has been seen.
    fn bookmark_revision(&self) -> u64 {
        let (Some(progress), Some(rx)) = (&self.progress, &self.rx) else {
            return self.last;
        };
        // Read the revision before looking at the queue: the hub queues every change before
        // it publishes the change's revision, so an empty queue now means none is pending.
        let seen = *progress.borrow();
        if rx.is_empty() {
            self.last.max(seen)
        } else {
            self.last
        }
    }

    /// Writes `line` before anything else.
    pub fn push_front(&mut self, line: Bytes) {
        self.pending.push_back(line);
    }

    fn next_initial(&mut self) -> Option<Bytes> {
        while let Some(object) = self.initial.next() {
            let index = self.initial_keys.len() - self.initial.len() - 1;
            let key = self.initial_keys.get(index).cloned().unwrap_or_default();
            if self
                .filter
                .matches(&key, &object.selectable, &self.encoder.model)
            {
                return Some(self.encoder.line("ADDED", &object, None));
            }
        }
        None
    }

    /// `first` followed by the lines of changes already waiting, up to [`COALESCE_BYTES`].
    fn coalesce(&mut self, first: Bytes, rx: &mut QueueRx) -> Bytes {
        let mut chunk: Option<Vec<u8>> = None;
        while chunk.as_ref().map_or(first.len(), Vec::len) < COALESCE_BYTES {
            let Some(change) = rx.try_recv() else { break };
            if let Some(line) = self.see(&change) {
                let buffer = chunk.get_or_insert_with(|| {
                    let mut b = Vec::with_capacity(COALESCE_BYTES.min(first.len() * 8));
                    b.extend_from_slice(&first);
                    b
                });
                buffer.extend_from_slice(&line);
            }
        }
        chunk.map_or(first, Bytes::from)
    }

    /// The line a change becomes for this watcher, if it sees it.
    fn see(&mut self, change: &Change) -> Option<Bytes> {
        if change.revision <= self.after {
            return None;
        }
        self.last = change.revision;
        let was = change.prev.as_ref().is_some_and(|p| {
            self.filter
                .matches(&change.key, &p.selectable, &self.encoder.model)
        });
        let is = change.kind != EventKind::Deleted
            && self
                .filter
                .matches(&change.key, &change.object.selectable, &self.encoder.model);
        match (was, is, change.kind) {
            (true, false, EventKind::Added | EventKind::Modified) => {
                // The object left this watcher's selection: DELETED with the state the watcher
                // last saw, at the change's revision, as kube-apiserver's watch cache sends it.
                let prev = change.prev.as_ref()?;
                let mut value = prev.value();
                crate::stored::set_resource_version(&mut value, change.revision);
                let object = Object {
                    json: serde_json::to_vec(&value).ok()?.into(),
                    selectable: prev.selectable.clone(),
                };
                Some(self.encoder.line("DELETED", &object, None))
            }
            (true, _, EventKind::Deleted) => Some(self.encoder.line(
                "DELETED",
                &change.object,
                Some(&change.line),
            )),
            (false, true, kind) => {
                let shared = (kind == EventKind::Added).then_some(&change.line);
                Some(self.encoder.line("ADDED", &change.object, shared))
            }
            (true, true, _) => Some(self.encoder.line(
                kind_name(change.kind),
                &change.object,
                Some(&change.line),
            )),
            (false, _, _) => None,
        }
    }
}

impl http_body::Body for WatchBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if let Some(line) = this.pending.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(line))));
        }
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(line) = this.next_initial() {
            return Poll::Ready(Some(Ok(Frame::data(line))));
        }
        if std::mem::take(&mut this.initial_end_bookmark) {
            let line = this.encoder.bookmark(this.after, true);
            return Poll::Ready(Some(Ok(Frame::data(line))));
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.done = true;
            // Shortly before the end, tell the client where it got to.
            if this.bookmark.is_some() {
                let line = this.encoder.bookmark(this.bookmark_revision(), false);
                return Poll::Ready(Some(Ok(Frame::data(line))));
            }
            return Poll::Ready(None);
        }
        let Some(mut rx) = this.rx.take() else {
            this.done = true;
            return Poll::Ready(None);
        };
        loop {
            match rx.poll_recv(cx) {
                Poll::Ready(Some(change)) => {
                    if let Some(line) = this.see(&change) {
                        // Events already queued go out in the same write: one flush (and one
                        // syscall) for a burst instead of one per event.
                        let chunk = this.coalesce(line, &mut rx);
                        this.rx = Some(rx);
                        return Poll::Ready(Some(Ok(Frame::data(chunk))));
                    }
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => break,
            }
        }
        this.rx = Some(rx);
        let bookmark_due = this
            .bookmark
            .as_mut()
            .is_some_and(|bookmark| bookmark.as_mut().poll(cx).is_ready());
        if bookmark_due {
            if let Some(bookmark) = this.bookmark.as_mut() {
                bookmark.as_mut().reset(Instant::now() + BOOKMARK_INTERVAL);
            }
            let line = this.encoder.bookmark(this.bookmark_revision(), false);
            return Poll::Ready(Some(Ok(Frame::data(line))));
        }
        Poll::Pending
    }
}
