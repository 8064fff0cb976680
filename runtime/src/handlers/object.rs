//! What the write handlers share about the object in a request: its type and namespace
//! checked against the route, its metadata, and the response written back with warnings.

use http::Response;
use serde_json::{Map, Value};

use crate::codegen::ResourceModel;
use crate::negotiate::Format;
use crate::response::Body;
use crate::status::{Cause, Status};
use crate::stored::Object;

use super::context::Ctx;

/// The `metadata` object of `value`, created if missing.
pub fn meta_mut(value: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let meta = value
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
        .expect("metadata was just made an object")
}

/// A string field of `metadata`.
pub fn meta_str<'a>(value: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    value.get("metadata")?.get(field)?.as_str()
}

/// Checks the body's `apiVersion` and `kind` against the route's; missing ones are filled in.
pub fn check_type_meta(
    body: &mut Map<String, Value>,
    model: &ResourceModel,
    name: &str,
) -> Result<(), Status> {
    let api_version = model.api_version();
    match body.get("apiVersion") {
        None | Some(Value::Null) => {
            body.insert("apiVersion".into(), Value::String(api_version.clone()));
        }
        Some(Value::String(v)) if *v == api_version => {}
        Some(other) => {
            let v = other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string());
            let group = v.rsplit_once('/').map_or("", |(g, _)| g);
            if group != model.group.as_ref() {
                return Err(Status::bad_request(format!(
                    "the API version in the data ({v}) does not match the expected API version ({api_version})"
                )));
            }
            return Err(Status::invalid(
                model,
                name,
                vec![Cause::invalid(
                    "apiVersion",
                    &v,
                    &format!("must be {api_version}"),
                )],
            ));
        }
    }
    match body.get("kind") {
        None | Some(Value::Null) => {
            body.insert("kind".into(), Value::String(model.kind.to_string()));
        }
        Some(Value::String(k)) if *k == *model.kind => {}
        Some(other) => {
            let k = other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string());
            return Err(Status::invalid(
                model,
                name,
                vec![Cause::invalid(
                    "kind",
                    &k,
                    &format!("must be {}", model.kind),
                )],
            ));
        }
    }
    Ok(())
}

/// Fills the body's namespace from the URL, or fails when they disagree.
pub fn check_namespace(body: &mut Map<String, Value>, ctx: &Ctx) -> Result<(), Status> {
    let url = ctx.namespace().unwrap_or("");
    let meta = meta_mut(body);
    match meta.get("namespace").and_then(Value::as_str).unwrap_or("") {
        "" => {
            if !url.is_empty() {
                meta.insert("namespace".into(), Value::String(url.to_string()));
            } else {
                meta.remove("namespace");
            }
            Ok(())
        }
        ns if ns == url => Ok(()),
        _ => Err(Status::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
    }
}

/// Writes `value` in the negotiated format with `code`.
pub(crate) fn respond(ctx: &Ctx, code: u16, object: &Object) -> Result<Response<Body>, Status> {
    match ctx.format()? {
        Format::Json => Ok(crate::response::written_response(code, object.to_json())),
        Format::Table(include) => {
            let value = object.clone().into_value();
            let table =
                crate::table::table(ctx.model(), std::slice::from_ref(&value), include, None);
            Ok(crate::response::json_response(code, &table))
        }
        Format::Metadata(version) => Ok(crate::response::json_response(
            code,
            &crate::partial::from_value(&object.clone().into_value(), version),
        )),
        // kube-apiserver converts the response after the write is done, and so answers 406
        // for a write it made.
        Format::MetadataList(_) => Err(crate::partial::object_not_acceptable()),
    }
}

/// How many characters of warning text a response carries before they are truncated, and how
/// long each one may then be: kube-apiserver's warning recorder limits.
const WARNING_TOTAL_CHARS: usize = 4 * 1024;
const WARNING_ITEM_CHARS: usize = 256;

/// A `Warning: 299` header per unknown or duplicate field (`unknown field "spec.x"`), as
/// kube-apiserver sends them with `fieldValidation=Warn`, deduplicated and capped as its
/// warning recorder caps them: past 4 Ki characters in all, each warning is cut to 256
/// characters and the ones that no longer fit are left out, with a last warning that says how
/// many. A body with thousands of unknown fields cannot make a response of megabytes of headers.
pub fn warn_unknown(response: &mut Response<Body>, warnings: &[String]) {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&str> = warnings
        .iter()
        .map(String::as_str)
        .filter(|w| !w.is_empty() && seen.insert(*w))
        .collect();
    let total: usize = unique.iter().map(|w| w.chars().count()).sum();
    let truncate = total > WARNING_TOTAL_CHARS;
    let mut written = 0;
    let mut kept = 0;
    for text in &unique {
        if truncate && written >= WARNING_TOTAL_CHARS {
            break;
        }
        let text = if truncate {
            match text.char_indices().nth(WARNING_ITEM_CHARS) {
                Some((at, _)) => &text[..at],
                None => text,
            }
        } else {
            text
        };
        written += text.chars().count();
        kept += 1;
        if let Some(value) = crate::response::warning_value(text) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
    let left_out = unique.len() - kept;
    if left_out > 0 {
        let text = format!("{left_out} more warnings were left out of this response");
        if let Some(value) = crate::response::warning_value(&text) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
}
