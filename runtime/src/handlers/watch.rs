//! WATCH: `?watch=true` on a collection, and the deprecated `watch/` paths.
//!
//! The response is a chunked stream of newline-terminated JSON events, flushed one by one, as
//! kube-apiserver's `serveWatch` writes them.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use rand::Rng;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::object::{decode_stored, store_error, Ctx};
use super::read::parse_revision;
use crate::codegen::ResourceModel;
use crate::negotiate::{Format, IncludeObject};
use crate::route::Body;
use crate::selection::Selection;
use crate::status::Status;
use crate::store::{EventKind, KeyValue, ListOptions, StoreError};

/// kube-apiserver's default `--min-request-timeout`: watches without `timeoutSeconds` end at a
/// random point between this and twice this.
const MIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(1800);

/// How often a watcher that asked for bookmarks gets one.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);

/// The annotation on the bookmark that ends the initial events of a streaming list.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

struct Options {
    /// Revision to start after; `None` means "send the current state first".
    start: Option<u64>,
    send_initial_events: bool,
    bookmarks: bool,
    timeout: Duration,
    name: Option<String>,
    selection: Selection,
    format: Format,
}

fn invalid(field: &str, message: &str) -> Status {
    Status::new(
        422,
        "Invalid",
        format!("ListOptions.meta.k8s.io \"\" is invalid: {field}: {message}"),
    )
}

fn options(ctx: &Ctx) -> Result<Options, Status> {
    let q = ctx.query();
    let selection = Selection::from_query(&q, ctx.model(), ctx.namespace.is_some())?;
    let rv = q.text("resourceVersion");
    let rv_match = q.text("resourceVersionMatch");
    let send_initial_events = match q.get("sendInitialEvents") {
        None => false,
        Some(_) => q.flag("sendInitialEvents"),
    };
    if q.text("continue").is_some() {
        return Err(invalid(
            "continue",
            "Forbidden: continue is forbidden for watch",
        ));
    }
    match (rv_match.as_deref(), q.get("sendInitialEvents").is_some()) {
        (None, false) => {}
        (Some("NotOlderThan"), true) => {}
        (Some(m), true) => {
            return Err(invalid(
                "resourceVersionMatch",
                &format!("Unsupported value: {m:?}: supported values: \"NotOlderThan\""),
            ))
        }
        (None, true) => {
            return Err(invalid(
                "resourceVersionMatch",
                "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ))
        }
        (Some(_), false) => {
            return Err(invalid(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            ))
        }
    }
    let start = match rv.as_deref() {
        None | Some("0") => None,
        Some(v) => Some(parse_revision(v)?),
    };
    let timeout = match q.int("timeoutSeconds")? {
        Some(seconds) if seconds > 0 => Duration::from_secs(seconds as u64),
        _ => {
            let extra = rand::rng().random_range(0.0..1.0);
            MIN_REQUEST_TIMEOUT.mul_f64(1.0 + extra)
        }
    };
    let url_name = ctx.name.clone();
    let selector_name = selection.exact_name().map(str::to_string);
    let name = match (url_name, selector_name) {
        (Some(a), Some(b)) if a != b => {
            return Err(Status::bad_request(
                "fieldSelector metadata.name doesn't match requested name",
            ))
        }
        (a, b) => a.or(b),
    };
    let include = IncludeObject::parse(q.get("includeObject").as_deref())?;
    let format =
        crate::negotiate::response_format(ctx.header(http::header::ACCEPT), true, include)?;
    Ok(Options {
        start,
        send_initial_events,
        bookmarks: q.flag("allowWatchBookmarks"),
        timeout,
        name,
        selection,
        format,
    })
}

/// Serves a watch.
pub async fn watch(ctx: Ctx) -> Result<Response<Body>, Status> {
    let options = options(&ctx)?;
    let store = ctx.state().store.clone();
    let prefix = ctx.prefix();
    let model = ctx.model().clone();
    let current = store.current_revision().await.map_err(store_error)?;
    let initial = options.start.is_none() || options.send_initial_events;
    let (initial_items, start) = match options.start {
        Some(rv) if rv > current => return Err(Status::too_large_resource_version(rv, current)),
        Some(rv) if !options.send_initial_events => (Vec::new(), rv),
        _ => {
            let page = store
                .list(&prefix, ListOptions::default())
                .await
                .map_err(store_error)?;
            (page.items, page.revision)
        }
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let watch = store.watch(&prefix, start).await;
    let mut encoder = Encoder::new(model.clone(), options.format);
    let mut response = Response::new(crate::encode::channel_body(rx));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let mut stream = match watch {
        Ok(stream) => stream,
        Err(StoreError::Expired {
            requested,
            compacted,
        }) => {
            let status = Status::expired(format!(
                "too old resource version: {requested} ({compacted})"
            ));
            let _ = tx.try_send(encoder.event("ERROR", &status.to_json()));
            return Ok(response);
        }
        Err(e) => return Err(store_error(e)),
    };
    let name = options.name.clone();
    let selection = options.selection;
    let filtered = !selection.is_empty();
    let wanted = move |value: &Value, key: &str| -> bool {
        let named = name
            .as_deref()
            .is_none_or(|n| key.rsplit('/').next() == Some(n));
        named && (selection.is_empty() || selection.matches(value, &model))
    };
    let metrics_guard = ctx.state().metrics.watch_started();
    tokio::spawn(async move {
        let _guard = metrics_guard;
        let deadline = tokio::time::sleep(options.timeout);
        tokio::pin!(deadline);
        // Keys currently visible to this watcher, so that selector transitions become ADDED and
        // DELETED.
        let mut visible: HashSet<String> = HashSet::new();
        let mut last = start;
        if initial {
            for kv in &initial_items {
                let Ok(value) = decode_stored(kv) else {
                    continue;
                };
                if wanted(&value, &kv.key) {
                    visible.insert(kv.key.clone());
                    if tx.send(encoder.event("ADDED", &value)).await.is_err() {
                        return;
                    }
                }
            }
            if options.send_initial_events && options.bookmarks {
                let bookmark = encoder.bookmark(start, true);
                if tx.send(bookmark).await.is_err() {
                    return;
                }
            }
        } else if filtered {
            // Started from a revision: learn which objects matched then.
            if let Ok(page) = store
                .list(
                    &prefix,
                    ListOptions {
                        revision: Some(start),
                        ..ListOptions::default()
                    },
                )
                .await
            {
                for kv in page.items {
                    if decode_stored(&kv).is_ok_and(|v| wanted(&v, &kv.key)) {
                        visible.insert(kv.key);
                    }
                }
            }
        }
        let mut bookmark_at = tokio::time::Instant::now() + BOOKMARK_INTERVAL;
        loop {
            let bookmark_due = tokio::time::sleep_until(bookmark_at);
            tokio::select! {
                () = &mut deadline => break,
                () = tx.closed() => return,
                () = bookmark_due, if options.bookmarks => {
                    if tx.send(encoder.bookmark(last, false)).await.is_err() {
                        return;
                    }
                    bookmark_at = tokio::time::Instant::now() + BOOKMARK_INTERVAL;
                }
                event = stream.next() => {
                    let Some(event) = event else { break };
                    let event = match event {
                        Ok(event) => event,
                        Err(e) => {
                            let status = match e {
                                StoreError::Expired { requested, compacted } => Status::expired(format!(
                                    "too old resource version: {requested} ({compacted})"
                                )),
                                e => Status::internal(e),
                            };
                            let _ = tx.send(encoder.event("ERROR", &status.to_json())).await;
                            break;
                        }
                    };
                    last = event.revision;
                    let kv = KeyValue { key: event.key.clone(), value: event.value.clone(), mod_revision: event.revision };
                    let Ok(value) = decode_stored(&kv) else { continue };
                    let was = visible.contains(&event.key);
                    let is = event.kind != EventKind::Deleted && wanted(&value, &event.key);
                    let kind = match (was, is, event.kind) {
                        (true, _, EventKind::Deleted) | (true, false, _) => "DELETED",
                        (false, true, _) => "ADDED",
                        (true, true, _) => "MODIFIED",
                        (false, false, _) => continue,
                    };
                    if is {
                        visible.insert(event.key.clone());
                    } else {
                        visible.remove(&event.key);
                    }
                    if tx.send(encoder.event(kind, &value)).await.is_err() {
                        return;
                    }
                }
            }
        }
        // Shortly before the end, tell the client where it got to.
        if options.bookmarks {
            let _ = tx.send(encoder.bookmark(last, false)).await;
        }
    });
    Ok(response)
}

/// Encodes watch events, as JSON objects or Tables.
struct Encoder {
    model: ResourceModel,
    format: Format,
    first_table: bool,
}

impl Encoder {
    fn new(model: ResourceModel, format: Format) -> Encoder {
        Encoder {
            model,
            format,
            first_table: true,
        }
    }

    fn event(&mut self, kind: &str, object: &Value) -> Bytes {
        let object = match self.format {
            Format::Table(include) if kind != "ERROR" => {
                let mut table =
                    crate::table::table(&self.model, std::slice::from_ref(object), include, None);
                if !self.first_table {
                    table["columnDefinitions"] = json!([]);
                }
                self.first_table = false;
                table
            }
            _ => object.clone(),
        };
        let mut line =
            serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }

    fn bookmark(&mut self, revision: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({INITIAL_EVENTS_END: "true"});
        }
        let object = json!({
            "apiVersion": self.model.api_version(),
            "kind": self.model.kind,
            "metadata": metadata,
        });
        let mut line =
            serde_json::to_vec(&json!({"type": "BOOKMARK", "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }
}
