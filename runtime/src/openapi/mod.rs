//! OpenAPI v3, as kube-openapi's `handler3` serves it: `/openapi/v3` (an index of the
//! group-versions, each with the hash of its document) and `/openapi/v3/apis/{group}/{version}`
//! (`/openapi/v3/api/v1` for the core group). Every document is built once, when the server is
//! built, from the same route tables and schemas the server serves.
//!
//! kubectl reads these to validate on the server side (`create -f`, `apply -f`), to pick a
//! patch type for `apply`, and for `explain`. `/openapi/v2` is not served: see
//! `docs/openapi.md`.

mod document;
mod meta;

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

use crate::registry::ResourceEntry;
use crate::response::Body;
use crate::status::Status;

/// Where the index is served.
pub const INDEX: &str = "/openapi/v3";

/// A prebuilt document and its hash.
struct Document {
    bytes: Bytes,
    /// Upper-case hex SHA-512 of `bytes`, as kube-openapi computes it.
    hash: String,
}

impl Document {
    fn new(value: &Value) -> Document {
        let bytes = Bytes::from(serde_json::to_vec(value).unwrap_or_default());
        let hash = Sha512::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        Document { bytes, hash }
    }
}

/// Every OpenAPI v3 document of a server, by path.
pub(crate) struct OpenApi {
    index: Document,
    documents: BTreeMap<String, Document>,
}

impl OpenApi {
    /// Builds the index and one document per group-version of `resources`.
    pub fn new(resources: &[ResourceEntry]) -> OpenApi {
        let mut groups: BTreeMap<String, Vec<&ResourceEntry>> = BTreeMap::new();
        for entry in resources {
            // `/api/v1` or `/apis/{group}/{version}`, without the leading slash.
            let key = entry.model.prefix()[1..].to_string();
            groups.entry(key).or_default().push(entry);
        }
        let mut documents = BTreeMap::new();
        let mut paths = serde_json::Map::new();
        for (key, entries) in groups {
            let document = Document::new(&document::document(&entries));
            let path = format!("{INDEX}/{key}");
            paths.insert(
                key,
                json!({"serverRelativeURL": format!("{path}?hash={}", document.hash)}),
            );
            documents.insert(path, document);
        }
        OpenApi {
            index: Document::new(&json!({"paths": paths})),
            documents,
        }
    }

    /// The paths served: the index and every group-version's document.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        std::iter::once(INDEX).chain(self.documents.keys().map(String::as_str))
    }

    /// The document at `path`. With `?hash=` equal to the document's hash the response may be
    /// cached forever; a stale hash is redirected to the current one; `If-None-Match` with the
    /// current ETag gets 304.
    pub fn response<B>(&self, path: &str, request: &http::Request<B>) -> http::Response<Body> {
        let headers = request.headers();
        let accept = headers
            .get(http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .unwrap_or("");
        if !accepts_json(accept) {
            return Status::not_acceptable(&["application/json"]).into_response();
        }
        let document = match path {
            INDEX => &self.index,
            _ => match self.documents.get(path) {
                Some(d) => d,
                None => return Status::path_not_found().into_response(),
            },
        };
        let etag = format!("\"{}\"", document.hash);
        let hash = crate::query::Query::of(request.uri())
            .get("hash")
            .map(|h| h.into_owned());
        if path != INDEX && hash.as_ref().is_some_and(|h| *h != document.hash) {
            let mut response = crate::response::bytes_response(301, "text/plain", Bytes::new());
            if let Ok(location) =
                http::HeaderValue::from_str(&format!("{path}?hash={}", document.hash))
            {
                response
                    .headers_mut()
                    .insert(http::header::LOCATION, location);
            }
            return response;
        }
        let immutable = path != INDEX && hash.is_some();
        let not_modified = headers
            .get(http::header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        let mut response = if not_modified {
            crate::response::bytes_response(304, "application/json", Bytes::new())
        } else {
            crate::response::bytes_response(200, "application/json", document.bytes.clone())
        };
        let headers = response.headers_mut();
        if let Ok(etag) = http::HeaderValue::from_str(&etag) {
            headers.insert(http::header::ETAG, etag);
        }
        headers.insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static(if immutable {
                "public, immutable"
            } else {
                "no-cache, private"
            }),
        );
        headers.insert(http::header::VARY, http::HeaderValue::from_static("Accept"));
        response
    }
}

/// Whether `Accept` allows JSON (no header allows everything).
fn accepts_json(accept: &str) -> bool {
    accept.trim().is_empty()
        || accept.split(',').any(|clause| {
            let media = clause.split(';').next().unwrap_or("").trim();
            matches!(media, "application/json" | "application/*" | "*/*")
        })
}
