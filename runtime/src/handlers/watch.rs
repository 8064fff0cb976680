//! WATCH: `?watch=true` on a collection, and the deprecated `watch/` paths.
//!
//! The response is a chunked stream of newline-terminated JSON events, one flushed chunk each,
//! as kube-apiserver's `serveWatch` writes them. Events come from the resource's watch hub; a
//! watcher resuming from a revision older than the hub's window is served from the store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http::Response;
use rand::Rng;

use super::context::Ctx;
use super::read::parse_revision;
use crate::codegen::ResourceModel;
use crate::negotiate::{Format, IncludeObject};
use crate::response::Body;
use crate::selection::Selection;
use crate::status::Status;
use crate::store::{Store, StoreError};
use crate::watch::{Encoder, Filter, NotInWindow, WatchBody};

/// kube-apiserver's default `--min-request-timeout`: watches without `timeoutSeconds` end at a
/// random point between this and twice this.
const MIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(1800);

/// How long a watch from the current state waits for the hub to catch up with the store.
const CATCH_UP: Duration = Duration::from_secs(3);

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
    let selection = Selection::from_query(&q, ctx.model(), ctx.namespace().is_some())?;
    let rv = q.text("resourceVersion");
    let rv_match = q.text("resourceVersionMatch");
    let send_initial_events = q.flag("sendInitialEvents");
    if q.text("continue").is_some() {
        return Err(invalid(
            "continue",
            "Forbidden: continue is forbidden for watch",
        ));
    }
    match (rv_match.as_deref(), q.get("sendInitialEvents").is_some()) {
        (None, false) | (Some("NotOlderThan"), true) => {}
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
    // As kube-apiserver: 0 or unset is the server's random default; a negative value is a
    // timeout already passed, so the watch ends at once.
    let timeout = match q.int("timeoutSeconds")? {
        Some(seconds) if seconds > 0 => Duration::from_secs(seconds as u64),
        Some(seconds) if seconds < 0 => Duration::ZERO,
        _ => MIN_REQUEST_TIMEOUT.mul_f64(1.0 + rand::rng().random_range(0.0..1.0)),
    };
    let selector_name = selection.exact_name().map(str::to_string);
    let name = match (ctx.name().map(str::to_string), selector_name) {
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
    let registry = ctx.registry().clone();
    let store = registry.store.clone();
    let model = ctx.model().clone();
    if let Some(rv) = options.start {
        super::read::wait_for_revision(&*store, rv).await?;
    }
    let current = store.current_revision().await.map_err(Status::from)?;
    let hub = registry
        .hub(ctx.resource_index(), ctx.resource_prefix())
        .await
        .map_err(Status::from)?;
    let prefix = ctx.prefix();
    let from_state = options.start.is_none() || options.send_initial_events;
    if from_state && !hub.caught_up(current, CATCH_UP).await {
        return Err(Status::new(
            504,
            "Timeout",
            "Timeout: the watch cache did not catch up with the store in time, please try again",
        ));
    }
    let after = if from_state { None } else { options.start };
    let mut encoder = Encoder {
        model,
        format: options.format,
        first_table: true,
    };
    let filter = Filter {
        prefix: prefix.clone(),
        name: options.name,
        selection: options.selection,
    };
    let guard = Some(registry.metrics.watch_started());
    let body = match hub.subscribe(&prefix, after) {
        Ok(subscription) => WatchBody::new(
            subscription.initial,
            options.send_initial_events && options.bookmarks,
            Some(subscription.rx),
            subscription.revision,
            filter,
            encoder,
            options.timeout,
            options.bookmarks,
            guard,
        )
        .with_progress(hub.revision()),
        Err(NotInWindow::TooOld) => {
            let after = options.start.unwrap_or(current);
            match replay_from_store(
                store,
                prefix.clone(),
                after,
                ctx.model().clone(),
                registry.watch_limits(),
            )
            .await
            {
                Ok(rx) => WatchBody::new(
                    Vec::new(),
                    false,
                    Some(rx),
                    after,
                    filter,
                    encoder,
                    options.timeout,
                    options.bookmarks,
                    guard,
                ),
                Err(StoreError::Expired {
                    requested,
                    compacted,
                }) => {
                    let status = Status::expired(format!(
                        "too old resource version: {requested} ({compacted})"
                    ));
                    let line = encoder.value_line("ERROR", &status.to_json());
                    let mut body = WatchBody::new(
                        Vec::new(),
                        false,
                        None,
                        after,
                        filter,
                        encoder,
                        options.timeout,
                        false,
                        guard,
                    );
                    body.push_front(line);
                    body
                }
                Err(e) => return Err(Status::from(e)),
            }
        }
    };
    let mut response = Response::new(http_body_util::BodyExt::boxed(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Serves a watcher from the store's own history, for a revision older than the hub's window:
/// a task turns the store's events into hub changes (with the previous objects, so selectors
/// work) on a queue bounded like the hub's, waiting for room while the watcher reads.
async fn replay_from_store(
    store: Arc<dyn Store>,
    prefix: String,
    after: u64,
    model: ResourceModel,
    limits: crate::watch::WindowLimits,
) -> Result<crate::watch::QueueRx, StoreError> {
    let page = store
        .list(
            &prefix,
            crate::store::ListOptions {
                revision: Some(after),
                ..Default::default()
            },
        )
        .await?;
    let mut stream = store.watch(&prefix, after).await?;
    let mut objects: BTreeMap<String, Arc<crate::watch::Object>> = page
        .items
        .iter()
        .filter_map(|kv| Some((kv.key.clone(), crate::watch::object_of(kv, &model)?)))
        .collect();
    let (tx, rx) = crate::watch::queue(crate::watch::WATCHER_QUEUE, limits.bytes);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tx.closed() => return,
                item = stream.next() => {
                    let event = match item {
                        Some(Ok(crate::store::WatchItem::Event(event))) => event,
                        Some(Ok(crate::store::WatchItem::Progress(_))) => continue,
                        _ => return,
                    };
                    let kv = crate::store::KeyValue { key: event.key, value: event.value, mod_revision: event.revision };
                    let Some(mut change) = crate::watch::Change::new(event.kind, kv, &model) else { continue };
                    change.prev = match event.kind {
                        crate::store::EventKind::Deleted => objects.remove(&change.key),
                        _ => objects.insert(change.key.clone(), change.object.clone()),
                    };
                    if tx.send(Arc::new(change)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(rx)
}
