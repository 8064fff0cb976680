//! GET and LIST.

use base64::Engine;
use http::Response;
use serde_json::{json, Value};

use super::object::{decode_stored, splice_resource_version, store_error, Ctx};
use crate::negotiate::Format;
use crate::route::Body;
use crate::selection::Selection;
use crate::status::Status;
use crate::store::{KeyValue, ListOptions};

/// GET one object (also serves GET of `/status`, which returns the whole object).
pub async fn get(ctx: Ctx) -> Result<Response<Body>, Status> {
    let name = ctx.item_name()?;
    let format = ctx.format()?;
    let kv = ctx
        .state()
        .store
        .get(&ctx.key(name))
        .await
        .map_err(store_error)?
        .ok_or_else(|| Status::not_found(ctx.model(), name))?;
    match format {
        Format::Json => {
            let bytes = match splice_resource_version(&kv.value, kv.mod_revision) {
                Some(bytes) => bytes,
                None => serde_json::to_vec(&decode_stored(&kv)?).unwrap_or_default(),
            };
            Ok(crate::encode::bytes_response(
                200,
                "application/json",
                bytes,
            ))
        }
        Format::Table(include) => {
            let value = decode_stored(&kv)?;
            let table = crate::table::table(ctx.model(), &[value], include, None);
            Ok(crate::encode::json_response(200, &table))
        }
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
}

/// Reads the collection as the query asks, filtered by its selectors.
pub(crate) async fn read_list(ctx: &Ctx, selection: &Selection) -> Result<Listed, Status> {
    let plan = plan(ctx)?;
    let store = &ctx.state().store;
    if let Some(at_least) = plan.at_least {
        let current = store.current_revision().await.map_err(store_error)?;
        if at_least > current {
            return Err(Status::too_large_resource_version(at_least, current));
        }
    }
    let prefix = ctx.prefix();
    let mut items = Vec::new();
    let mut revision = plan.revision;
    let mut start = plan.start;
    let mut remaining = None;
    let mut continue_token = None;
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
                e => store_error(e),
            })?;
        revision = Some(page.revision);
        for kv in page.items {
            if selection.is_empty() || selection.matches(&decode_stored(&kv)?, ctx.model()) {
                items.push(kv);
            }
        }
        match page.next_key {
            Some(next) if plan.limit > 0 && (items.len() as u64) < plan.limit => start = Some(next),
            Some(next) => {
                // Continue after the last key returned (or examined, when none matched).
                let resume = items.last().map_or(next, |kv| format!("{}\u{0}", kv.key));
                continue_token = Some(encode_continue(page.revision, &resume, &prefix));
                if selection.is_empty() {
                    remaining = Some(page.remaining);
                }
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
    })
}

/// LIST a collection, or watch it with `?watch=true`.
pub async fn list(ctx: Ctx) -> Result<Response<Body>, Status> {
    if ctx.query().flag("watch") {
        return super::watch::watch(ctx).await;
    }
    let format = ctx.format()?;
    let selection = Selection::from_query(&ctx.query(), ctx.model(), ctx.namespace.is_some())?;
    let listed = read_list(&ctx, &selection).await?;
    let model = ctx.model();
    match format {
        Format::Json => {
            let mut meta = json!({"resourceVersion": listed.revision.to_string()});
            if let Some(token) = &listed.continue_token {
                meta["continue"] = json!(token);
            }
            if let Some(n) = listed.remaining {
                meta["remainingItemCount"] = json!(n);
            }
            let mut out = Vec::with_capacity(
                64 + listed
                    .items
                    .iter()
                    .map(|kv| kv.value.len() + 32)
                    .sum::<usize>(),
            );
            out.extend_from_slice(b"{\"apiVersion\":");
            out.extend_from_slice(json!(model.api_version()).to_string().as_bytes());
            out.extend_from_slice(b",\"kind\":");
            out.extend_from_slice(json!(format!("{}List", model.kind)).to_string().as_bytes());
            out.extend_from_slice(b",\"metadata\":");
            out.extend_from_slice(meta.to_string().as_bytes());
            out.extend_from_slice(b",\"items\":[");
            for (i, kv) in listed.items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match splice_resource_version(&kv.value, kv.mod_revision) {
                    Some(bytes) => out.extend_from_slice(&bytes),
                    None => out.extend_from_slice(
                        &serde_json::to_vec(&decode_stored(kv)?).unwrap_or_default(),
                    ),
                }
            }
            out.extend_from_slice(b"]}");
            Ok(crate::encode::bytes_response(200, "application/json", out))
        }
        Format::Table(include) => {
            let values = listed
                .items
                .iter()
                .map(decode_stored)
                .collect::<Result<Vec<Value>, Status>>()?;
            let mut table = crate::table::table(model, &values, include, Some(listed.revision));
            if let Some(token) = &listed.continue_token {
                table["metadata"]["continue"] = json!(token);
            }
            if let Some(n) = listed.remaining {
                table["metadata"]["remainingItemCount"] = json!(n);
            }
            Ok(crate::encode::json_response(200, &table))
        }
    }
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
}
