//! GET and LIST.

use base64::Engine;
use http::Response;
use serde_json::{json, Value};

use bytes::Bytes;

use super::context::Ctx;
use crate::codegen::ResourceModel;
use crate::negotiate::{Format, MetaVersion};
use crate::response::Body;
use crate::selection::Selection;
use crate::status::Status;
use crate::store::{KeyValue, ListOptions};
use crate::stored::{decode_stored, splice_into, splice_resource_version};

/// How long a read waits for the store to reach a `resourceVersion` newer than its own, as
/// kube-apiserver's watch cache waits before answering 504 (another server on the same etcd
/// may have written it a moment ago).
const FRESHNESS_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Waits until the store's revision is at least `wanted`; a 504 `Too large resource version`
/// after [`FRESHNESS_WAIT`].
pub(crate) async fn wait_for_revision(
    store: &dyn crate::store::Store,
    wanted: u64,
) -> Result<(), Status> {
    let deadline = tokio::time::Instant::now() + FRESHNESS_WAIT;
    let mut pause = std::time::Duration::from_millis(10);
    loop {
        let current = store.current_revision().await.map_err(Status::from)?;
        if current >= wanted {
            return Ok(());
        }
        if tokio::time::Instant::now() + pause > deadline {
            return Err(Status::too_large_resource_version(wanted, current));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(250));
    }
}

/// GET one object (also serves GET of `/status`, which returns the whole object). A
/// `resourceVersion` other than `"0"` asks for a state not older than that revision.
pub async fn get(ctx: Ctx) -> Result<Response<Body>, Status> {
    let name = ctx.item_name()?;
    let format = ctx.format()?;
    if let Some(rv) = ctx.query().text("resourceVersion").filter(|rv| rv != "0") {
        wait_for_revision(&*ctx.registry().store, parse_revision(&rv)?).await?;
    }
    let kv = ctx
        .registry()
        .store
        .get(&ctx.key(name))
        .await
        .map_err(Status::from)?
        .ok_or_else(|| Status::not_found(ctx.model(), name))?;
    match format {
        Format::Json => {
            let bytes = match splice_resource_version(&kv.value, kv.mod_revision, ctx.model()) {
                Some(bytes) => bytes,
                None => serde_json::to_vec(&decode_stored(&kv, ctx.model())?)
                    .map_err(|e| Status::from(crate::stored::StoredError::Encode(e.to_string())))?,
            };
            Ok(crate::response::bytes_response(
                200,
                "application/json",
                bytes,
            ))
        }
        Format::Table(include) => {
            let value = decode_stored(&kv, ctx.model())?;
            let table = crate::table::table(ctx.model(), &[value], include, None);
            Ok(crate::response::json_response(200, &table))
        }
        Format::Metadata(version) => {
            let mut out = Vec::with_capacity(kv.value.len().min(4096) + 64);
            crate::partial::write_stored(&mut out, version, &kv, ctx.model())?;
            Ok(crate::response::bytes_response(
                200,
                "application/json",
                out,
            ))
        }
        // Settled after the read, as kube-apiserver does: a missing object is still a 404.
        Format::MetadataList(_) => Err(crate::partial::object_not_acceptable()),
    }
}

/// Which revision a list reads, decided from `resourceVersion`, `resourceVersionMatch`, `limit`
/// and `continue` as kube-apiserver does (reference section 4.3).
struct Plan {
    revision: Option<u64>,
    /// A revision the newest state must have reached (NotOlderThan).
    at_least: Option<u64>,
    start: Option<String>,
    limit: u64,
}

/// A 422 about list options, worded as kube-apiserver words them.
fn invalid_options(field: &str, message: &str) -> Status {
    Status::new(
        422,
        "Invalid",
        format!("ListOptions.meta.k8s.io \"\" is invalid: {field}: {message}"),
    )
}

/// Parses a `resourceVersion`: a decimal revision, or 400.
pub(crate) fn parse_revision(rv: &str) -> Result<u64, Status> {
    rv.parse()
        .map_err(|_| Status::bad_request(format!("invalid resource version: {rv:?}")))
}

fn plan(ctx: &Ctx) -> Result<Plan, Status> {
    let q = ctx.query();
    let rv = q.text("resourceVersion");
    let rv_match = q.text("resourceVersionMatch");
    let limit = q.int("limit")?.filter(|l| *l > 0).unwrap_or(0) as u64;
    let cont = q.text("continue");
    if q.flag("sendInitialEvents") {
        return Err(invalid_options(
            "sendInitialEvents",
            "Forbidden: sendInitialEvents is forbidden for list",
        ));
    }
    if let Some(m) = rv_match.as_deref() {
        if m != "Exact" && m != "NotOlderThan" {
            return Err(invalid_options(
                "resourceVersionMatch",
                &format!("Unsupported value: {m:?}: supported values: \"Exact\", \"NotOlderThan\""),
            ));
        }
        if cont.is_some() {
            return Err(invalid_options(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden when continue is provided",
            ));
        }
        match (m, rv.as_deref()) {
            (_, None) => return Err(invalid_options(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
            )),
            ("Exact", Some("0")) => return Err(invalid_options(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
            )),
            _ => {}
        }
    }
    if let Some(token) = cont {
        if rv.as_deref().is_some_and(|v| v != "0") {
            return Err(Status::bad_request(
                "specifying resource version is not allowed when using continue",
            ));
        }
        let (revision, start) = decode_continue(&token, &ctx.prefix())?;
        return Ok(Plan {
            revision: Some(revision),
            at_least: None,
            start: Some(start),
            limit,
        });
    }
    let revision = match rv.as_deref() {
        None | Some("0") => None,
        Some(v) => Some(parse_revision(v)?),
    };
    let exact = match rv_match.as_deref() {
        Some("Exact") => true,
        Some(_) => false,
        None => limit > 0,
    };
    Ok(if exact {
        Plan {
            revision,
            at_least: None,
            start: None,
            limit,
        }
    } else {
        Plan {
            revision: None,
            at_least: revision,
            start: None,
            limit,
        }
    })
}

/// The objects of a list, the revision they were read at, and what follows.
pub(crate) struct Listed {
    pub items: Vec<KeyValue>,
    pub revision: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<u64>,
    /// The key the next page starts from, when there is one.
    pub resume: Option<String>,
}

/// Reads the collection as the query asks, filtered by its selectors.
pub(crate) async fn read_list(ctx: &Ctx, selection: &Selection) -> Result<Listed, Status> {
    read_planned(ctx, selection, plan(ctx)?).await
}

/// [`read_list`] with the plan made.
async fn read_planned(ctx: &Ctx, selection: &Selection, plan: Plan) -> Result<Listed, Status> {
    let store = &ctx.registry().store;
    if let Some(at_least) = plan.at_least {
        wait_for_revision(&**store, at_least).await?;
    }
    let prefix = ctx.prefix();
    let mut items = Vec::new();
    let mut revision = plan.revision;
    let mut start = plan.start;
    let mut remaining = None;
    let mut continue_token = None;
    let mut resume = None;
    loop {
        let want = if plan.limit == 0 {
            0
        } else {
            plan.limit - items.len() as u64
        };
        let page = store
            .list(
                &prefix,
                ListOptions {
                    revision,
                    limit: want,
                    start: start.clone(),
                },
            )
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Expired { .. } if start.is_some() => Status::expired(
                    "The provided continue parameter is too old to display a consistent list result. \
                     You can start a new list without the continue parameter.",
                ),
                e => Status::from(e),
            })?;
        revision = Some(page.revision);
        for kv in page.items {
            if selection.is_empty()
                || selection.matches(&decode_stored(&kv, ctx.model())?, ctx.model())
            {
                items.push(kv);
            }
        }
        match page.next_key {
            Some(next) if plan.limit > 0 && (items.len() as u64) < plan.limit => start = Some(next),
            Some(next) => {
                // Continue after the last key returned (or examined, when none matched).
                let from = items.last().map_or(next, |kv| format!("{}\u{0}", kv.key));
                continue_token = Some(encode_continue(page.revision, &from, &prefix));
                if selection.is_empty() {
                    remaining = Some(page.remaining);
                }
                resume = Some(from);
                break;
            }
            None => break,
        }
    }
    Ok(Listed {
        items,
        revision: revision.unwrap_or(0),
        continue_token,
        remaining,
        resume,
    })
}

/// How many objects an unlimited JSON list reads from the store at a time. A longer list is
/// written out page by page as it is read, so that the server holds about one page of it,
/// never the whole list.
const LIST_PAGE: u64 = 500;

/// LIST a collection, or watch it with `?watch=true`.
pub async fn list(ctx: Ctx) -> Result<Response<Body>, Status> {
    // The list route serves watches too: `?watch=true`.
    if crate::route::is_watch(crate::codegen::ActionVerb::List, ctx.call.request.uri()) {
        return super::watch::watch(ctx).await;
    }
    let format = ctx.format()?;
    let selection = Selection::from_query(&ctx.query(), ctx.model(), ctx.namespace().is_some())?;
    let mut plan = plan(&ctx)?;
    // Without `limit`, a JSON list is read in pages of its own (no continue token, one revision).
    let paged = plan.limit == 0 && matches!(format, Format::Json | Format::MetadataList(_));
    if paged {
        plan.limit = LIST_PAGE;
    }
    let listed = read_planned(&ctx, &selection, plan).await?;
    let model = ctx.model();
    let metadata = match format {
        Format::MetadataList(version) => Some(version),
        _ => None,
    };
    match format {
        // Settled after the read, as kube-apiserver does (a bad selector is still a 400).
        Format::Metadata(_) => Err(crate::partial::list_not_acceptable()),
        Format::Json | Format::MetadataList(_) => {
            let mut meta = json!({"resourceVersion": listed.revision.to_string()});
            if !paged {
                if let Some(token) = &listed.continue_token {
                    meta["continue"] = json!(token);
                }
                if let Some(n) = listed.remaining {
                    meta["remainingItemCount"] = json!(n);
                }
            }
            // The items, with a revision and a comma each, and room for the envelope.
            let mut out = Vec::with_capacity(
                256 + listed.continue_token.as_ref().map_or(0, String::len)
                    + listed
                        .items
                        .iter()
                        .map(|kv| item_size(kv, metadata))
                        .sum::<usize>(),
            );
            match metadata {
                None => {
                    out.extend_from_slice(b"{\"apiVersion\":");
                    out.extend_from_slice(json!(model.api_version()).to_string().as_bytes());
                    out.extend_from_slice(b",\"kind\":");
                    out.extend_from_slice(
                        json!(format!("{}List", model.kind)).to_string().as_bytes(),
                    );
                }
                Some(version) => {
                    out.extend_from_slice(
                        b"{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"",
                    );
                    out.extend_from_slice(version.api_version().as_bytes());
                    out.push(b'"');
                }
            }
            out.extend_from_slice(b",\"metadata\":");
            out.extend_from_slice(meta.to_string().as_bytes());
            out.extend_from_slice(b",\"items\":[");
            write_items(&mut out, &listed.items, false, model, metadata)?;
            match listed.resume.filter(|_| paged) {
                None => {
                    out.extend_from_slice(b"]}");
                    Ok(crate::response::bytes_response(
                        200,
                        "application/json",
                        out,
                    ))
                }
                Some(resume) => {
                    let written = !listed.items.is_empty();
                    let revision = listed.revision;
                    Ok(stream_list(
                        ctx, selection, out, written, revision, resume, metadata,
                    ))
                }
            }
        }
        Format::Table(include) => {
            let values = listed
                .items
                .iter()
                .map(|kv| decode_stored(kv, model))
                .collect::<Result<Vec<Value>, _>>()?;
            let mut table = crate::table::table(model, &values, include, Some(listed.revision));
            if let Some(token) = &listed.continue_token {
                table["metadata"]["continue"] = json!(token);
            }
            if let Some(n) = listed.remaining {
                table["metadata"]["remainingItemCount"] = json!(n);
            }
            Ok(crate::response::json_response(200, &table))
        }
    }
}

/// About how many bytes an item takes in a list: the whole object, or (`metadata`) its
/// `PartialObjectMetadata`, of which the stored object is an upper bound.
fn item_size(kv: &KeyValue, metadata: Option<MetaVersion>) -> usize {
    match metadata {
        None => kv.value.len() + 32,
        Some(_) => kv.value.len().min(1024) + 64,
    }
}

/// Appends `items`, each with its `resourceVersion` spliced in, separated by commas (and one
/// before the first when `written`: items came before); with `metadata`, each item is its
/// `PartialObjectMetadata` in that version.
fn write_items(
    out: &mut Vec<u8>,
    items: &[KeyValue],
    written: bool,
    model: &ResourceModel,
    metadata: Option<MetaVersion>,
) -> Result<(), Status> {
    for (i, kv) in items.iter().enumerate() {
        if written || i > 0 {
            out.push(b',');
        }
        match metadata {
            Some(version) => crate::partial::write_stored(out, version, kv, model)?,
            None => {
                if !splice_into(out, &kv.value, kv.mod_revision, model) {
                    serde_json::to_writer(&mut *out, &decode_stored(kv, model)?)
                        .unwrap_or_default();
                }
            }
        }
    }
    Ok(())
}

/// How many bytes of a streamed list go out as one chunk (an object larger than this is a
/// chunk of its own): the connection takes them in pieces of 64 KiB (`outbound.rs`), and what
/// a slow client makes a list hold is two chunks in the channel and the page being written.
const LIST_CHUNK: usize = 256 << 10;

/// The rest of a long list, streamed: `head` (the envelope and the first page) goes out first,
/// then a task reads the following pages at `revision` from `resume` on and sends them in
/// chunks of about [`LIST_CHUNK`] bytes as they are written, dropping each object once it is
/// written. The client's pace holds the task back (two chunks in flight at most); a client
/// that goes away stops it; a failed read ends the body with an error, so that the client sees
/// a broken response rather than a short list.
fn stream_list(
    ctx: Ctx,
    selection: Selection,
    head: Vec<u8>,
    written: bool,
    revision: u64,
    resume: String,
    metadata: Option<MetaVersion>,
) -> Response<Body> {
    let (tx, body) = crate::response::fallible_streaming_body(2);
    tokio::spawn(async move {
        let prefix = ctx.prefix();
        let store = ctx.registry().store.clone();
        let mut chunk = head;
        let mut written = written;
        let mut start = resume;
        loop {
            let options = ListOptions {
                revision: Some(revision),
                limit: LIST_PAGE,
                start: Some(start),
            };
            let page = match store.list(&prefix, options).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(%prefix, error = %e, "listing failed after the first page");
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            let items = page.items.into_iter().filter(|kv| {
                selection.is_empty()
                    || decode_stored(kv, ctx.model())
                        .is_ok_and(|v| selection.matches(&v, ctx.model()))
            });
            for kv in items {
                if let Err(status) = write_items(
                    &mut chunk,
                    std::slice::from_ref(&kv),
                    written,
                    ctx.model(),
                    metadata,
                ) {
                    let _ = tx.send(Err(status.message.into())).await;
                    return;
                }
                written = true;
                drop(kv);
                if chunk.len() >= LIST_CHUNK
                    && tx
                        .send(Ok(Bytes::from(std::mem::take(&mut chunk))))
                        .await
                        .is_err()
                {
                    return;
                }
            }
            let Some(next) = page.next_key else {
                chunk.extend_from_slice(b"]}");
                let _ = tx.send(Ok(Bytes::from(chunk))).await;
                return;
            };
            if !chunk.is_empty()
                && tx
                    .send(Ok(Bytes::from(std::mem::take(&mut chunk))))
                    .await
                    .is_err()
            {
                return;
            }
            start = next;
        }
    });
    crate::response::body_response(200, "application/json", body)
}

/// `base64url({"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>"})`, as etcd3's
/// storage encodes continue tokens.
fn encode_continue(revision: u64, key: &str, prefix: &str) -> String {
    let start = key.strip_prefix(prefix).unwrap_or(key);
    let token = json!({"v": "meta.k8s.io/v1", "rv": revision, "start": start});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

fn decode_continue(token: &str, prefix: &str) -> Result<(u64, String), Status> {
    let bad = |why: &str| Status::bad_request(format!("invalid continue token: {why}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad("not base64"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad("not JSON"))?;
    if value["v"] != "meta.k8s.io/v1" {
        return Err(bad("unknown version"));
    }
    let revision = value["rv"]
        .as_u64()
        .filter(|r| *r > 0)
        .ok_or_else(|| bad("no resource version"))?;
    let start = value["start"].as_str().ok_or_else(|| bad("no start key"))?;
    if start.contains("..") || start.starts_with('/') {
        return Err(bad("start key outside the collection"));
    }
    Ok((revision, format!("{prefix}{start}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = encode_continue(42, "/g/widgets/ns/b\u{0}", "/g/widgets/ns/");
        assert_eq!(
            decode_continue(&token, "/g/widgets/ns/").unwrap(),
            (42, "/g/widgets/ns/b\u{0}".to_string())
        );
        for bad in [
            "",
            "!!!",
            "e30",
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"/etc"}"#),
        ] {
            assert_eq!(decode_continue(bad, "/p/").unwrap_err().code, 400, "{bad}");
        }
    }

    mod long_lists {
        use std::sync::Arc;

        use http_body::Body as _;
        use http_body_util::BodyExt;

        use crate::store::{MemoryStore, Store};

        const COUNT: usize = 1234;

        fn key(i: usize) -> String {
            format!("/core/namespaces/ns-{i:04}")
        }

        fn stored(i: usize) -> bytes::Bytes {
            let half = if i.is_multiple_of(2) { "yes" } else { "no" };
            format!(
                r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"labels":{{"half":"{half}"}},"name":"ns-{i:04}"}},"spec":{{}}}}"#
            )
            .into()
        }

        async fn server() -> (crate::Server, Arc<MemoryStore>) {
            let store = Arc::new(MemoryStore::new());
            for i in 0..COUNT {
                store.create(&key(i), stored(i)).await.unwrap();
            }
            let server = crate::Server::builder()
                .store(store.clone())
                .namespaces()
                .compaction(None)
                .build()
                .unwrap();
            (server, store)
        }

        fn request(uri: &str) -> http::Request<crate::response::Body> {
            http::Request::builder()
                .uri(uri)
                .body(crate::response::full(bytes::Bytes::new()))
                .unwrap()
        }

        async fn body(response: http::Response<crate::response::Body>) -> bytes::Bytes {
            assert_eq!(response.status(), 200);
            response.into_body().collect().await.unwrap().to_bytes()
        }

        /// Past one page, an unlimited list is streamed, and its bytes are those of the same
        /// list read in one piece.
        #[tokio::test]
        async fn streamed_lists_are_the_whole_list() {
            let (server, _) = server().await;
            for (query, count) in [("", COUNT), ("labelSelector=half%3Dyes", COUNT / 2)] {
                let streamed = server
                    .handle(request(&format!("/api/v1/namespaces?{query}")))
                    .await;
                assert_eq!(streamed.body().size_hint().exact(), None, "streamed");
                let streamed = body(streamed).await;
                let whole = server
                    .handle(request(&format!("/api/v1/namespaces?limit=5000&{query}")))
                    .await;
                assert!(whole.body().size_hint().exact().is_some(), "in one piece");
                assert_eq!(streamed, body(whole).await, "{query}");
                let list: serde_json::Value = serde_json::from_slice(&streamed).unwrap();
                let items = list["items"].as_array().unwrap();
                assert_eq!(items.len(), count, "{query}");
                assert!(items
                    .windows(2)
                    .all(|w| w[0]["metadata"]["name"].as_str().unwrap()
                        < w[1]["metadata"]["name"].as_str().unwrap()));
                assert_eq!(list["metadata"]["resourceVersion"], COUNT.to_string());
                assert!(list["metadata"].get("continue").is_none());
            }
        }

        /// The rest of a streamed list goes out in chunks of about `LIST_CHUNK` bytes, not a
        /// page at a time, and they add up to the same list.
        #[tokio::test]
        async fn streamed_lists_go_out_in_bounded_chunks() {
            let store = Arc::new(MemoryStore::new());
            let note = "n".repeat(2000);
            for i in 0..COUNT {
                let value = format!(
                    r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"annotations":{{"note":"{note}"}},"name":"ns-{i:04}"}},"spec":{{}}}}"#
                );
                store.create(&key(i), value.into()).await.unwrap();
            }
            let server = crate::Server::builder()
                .store(store)
                .namespaces()
                .compaction(None)
                .build()
                .unwrap();
            let mut streamed = server
                .handle(request("/api/v1/namespaces"))
                .await
                .into_body();
            let mut frames = Vec::new();
            while let Some(frame) = streamed.frame().await {
                frames.push(frame.unwrap().into_data().unwrap());
            }
            // The first frame is the envelope and the first page; then chunks of the rest.
            let rest = &frames[1..];
            assert!(rest.len() >= 5, "{} chunks", rest.len());
            assert!(rest
                .iter()
                .all(|f| f.len() <= super::super::LIST_CHUNK + 2200));
            let joined: Vec<u8> = frames.concat();
            let whole = server
                .handle(request("/api/v1/namespaces?limit=5000"))
                .await;
            assert_eq!(&joined[..], &body(whole).await[..]);
        }

        /// Every page of a streamed list is read at the first page's revision: writes made
        /// while it streams do not show.
        #[tokio::test]
        async fn streamed_lists_keep_their_revision() {
            let (server, store) = server().await;
            // The handler reads the first page; the rest is read when the body is polled.
            let response = server.handle(request("/api/v1/namespaces")).await;
            store.delete(&key(COUNT - 1), None).await.unwrap();
            store
                .create("/core/namespaces/zz", stored(0))
                .await
                .unwrap();
            let list: serde_json::Value = serde_json::from_slice(&body(response).await).unwrap();
            let items = list["items"].as_array().unwrap();
            assert_eq!(items.len(), COUNT);
            assert_eq!(
                items[COUNT - 1]["metadata"]["name"],
                format!("ns-{:04}", COUNT - 1)
            );
        }
    }
}
