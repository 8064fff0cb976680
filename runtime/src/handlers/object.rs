//! What every handler shares: the request context, store keys, body reading, and writing
//! objects back with their `resourceVersion`.

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use serde_json::{Map, Value};

use crate::codegen::{ResourceModel, Scope};
use crate::negotiate::{response_format, Format, IncludeObject, Output};
use crate::query::Query;
use crate::registry::{Registry, ResourceEntry};
use crate::response::Body;
use crate::route::Call;
use crate::status::{Cause, Status};
use crate::store::{BoxFuture, KeyValue, StoreError};

/// The largest request body krest reads (kube-apiserver's `MaxRequestBodyBytes`).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// A matched resource request, ready for a handler core.
pub(crate) struct Ctx {
    pub call: Call,
    /// The resource's index in the registry.
    resource: usize,
    /// How the response is written, from the request's headers.
    output: Output,
    namespace: Param,
    name: Param,
    /// Paths of the fields the JSON body held twice, once it is read.
    pub duplicates: Vec<String>,
}

/// A path parameter: where it sits in the request's path, so that the common case allocates
/// nothing, or its percent-decoded value.
enum Param {
    Absent,
    Path(std::ops::Range<usize>),
    Decoded(String),
}

impl Ctx {
    /// The context of `call`; the route must be a resource route.
    pub fn new(call: Call, output: Output) -> Result<Ctx, Status> {
        let (Some(route), Some((resource, _))) = (call.route(), call.resource()) else {
            return Err(Status::internal(
                "resource handler bound to a non-resource route",
            ));
        };
        // What `call.namespace()` and `call.name()` answer, read in one pass over the path and
        // its template instead of one search of the template per parameter; a segment with a
        // `%` escape is left to `Call::param` to decode.
        let path = call.request.uri().path();
        let (namespace, name) = template_params(&route.action.path, path);
        let param = |raw: Option<&str>, param: &str| match raw {
            None => Param::Absent,
            Some(raw) if raw.contains('%') => call
                .param(param)
                .map_or(Param::Absent, |p| Param::Decoded(p.into_owned())),
            // A sub-slice of `path`: its offset is the distance between the pointers.
            Some(raw) => {
                let start = raw.as_ptr() as usize - path.as_ptr() as usize;
                Param::Path(start..start + raw.len())
            }
        };
        let namespace = param(namespace, "namespace");
        let name = param(name, "name");
        let ctx = Ctx {
            call,
            resource,
            output,
            namespace,
            name,
            duplicates: Vec::new(),
        };
        if let Some(ns) = ctx.namespace() {
            if !crate::codegen::is_dns_label(ns) {
                return Err(Status::not_found_namespace(ns));
            }
        }
        Ok(ctx)
    }

    /// The `{namespace}` of the URL, if the route has one.
    pub fn namespace(&self) -> Option<&str> {
        self.param(&self.namespace)
    }

    /// The `{name}` of the URL, if the route has one.
    pub fn name(&self) -> Option<&str> {
        self.param(&self.name)
    }

    fn param<'a>(&'a self, param: &'a Param) -> Option<&'a str> {
        match param {
            Param::Absent => None,
            Param::Path(range) => self.call.request.uri().path().get(range.clone()),
            Param::Decoded(value) => Some(value),
        }
    }

    /// What handlers may use of the server: store, resources, admission, hubs, metrics.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.call.registry
    }

    /// The resource the request is for.
    pub fn entry(&self) -> &ResourceEntry {
        &self.call.registry.resources[self.resource]
    }

    /// The index of the resource in the registry.
    pub fn resource_index(&self) -> usize {
        self.resource
    }

    pub fn model(&self) -> &ResourceModel {
        &self.entry().model
    }

    pub fn query(&self) -> Query<'_> {
        Query::of(self.call.request.uri())
    }

    pub fn header(&self, name: http::header::HeaderName) -> Option<&str> {
        self.call.request.headers().get(name)?.to_str().ok()
    }

    /// The item name from the URL; every item route has one.
    pub fn item_name(&self) -> Result<&str, Status> {
        self.name()
            .ok_or_else(|| Status::internal("item route without a name"))
    }

    /// The store key of object `name` in the request's namespace.
    pub fn key(&self, name: &str) -> String {
        let model = self.model();
        let namespace = match (self.namespace(), model.scope) {
            (Some(ns), Scope::Namespaced) => Some(ns),
            _ => None,
        };
        store_path(model, namespace, name)
    }

    /// The store prefix of the request's collection (all namespaces when there is none).
    pub fn prefix(&self) -> String {
        store_path(self.model(), self.namespace(), "")
    }

    /// The store prefix of the whole resource, every namespace.
    pub fn resource_prefix(&self) -> String {
        store_path(self.model(), None, "")
    }

    /// Reads the request body, at most [`MAX_BODY_BYTES`].
    pub fn body(&mut self) -> crate::response::Collect {
        let body = std::mem::replace(
            self.call.request.body_mut(),
            crate::response::full(Bytes::new()),
        );
        crate::response::Collect::new(body, MAX_BODY_BYTES)
    }

    /// Reads the body, JSON or YAML by its `Content-Type`, as an object. A Namespace may also
    /// come as protobuf, as kubectl's typed client sends it.
    pub async fn json_body(&mut self) -> Result<Map<String, Value>, Status> {
        let content_type = self.header(http::header::CONTENT_TYPE);
        if crate::namespace::is_protobuf(content_type, self.model()) {
            let bytes = self.body().await?;
            return match crate::namespace::from_protobuf(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Err(Status::bad_request("the request body must be an object")),
                Err(e) => Err(Status::bad_request(format!(
                    "the request body is not a protobuf Namespace: {e}"
                ))),
            };
        }
        crate::negotiate::check_content_type(content_type, &crate::negotiate::BODY_TYPES)?;
        let yaml = crate::negotiate::is_yaml(content_type);
        let bytes = self.body().await?;
        if yaml {
            return parse_yaml_object(&bytes);
        }
        match crate::json::parse(&bytes) {
            Ok((Value::Object(map), duplicates)) => {
                self.duplicates = duplicates;
                Ok(map)
            }
            Ok(_) => Err(Status::bad_request(
                "the request body must be a JSON object",
            )),
            Err(e) => Err(Status::bad_request(format!(
                "the request body is not valid JSON: {e}"
            ))),
        }
    }

    /// What admission sees of this call's write of `name`.
    pub fn admission_request<'a>(
        &'a self,
        operation: crate::admission::Operation,
        name: &'a str,
        old_object: Option<&'a Value>,
    ) -> crate::admission::Request<'a> {
        let subresource = self
            .call
            .route()
            .and_then(|r| r.action.subresource.as_deref())
            .unwrap_or("");
        crate::admission::Request {
            operation,
            resource: self.model(),
            subresource,
            namespace: self.namespace().unwrap_or(""),
            name,
            user: self
                .call
                .request
                .extensions()
                .get::<crate::auth::UserInfo>(),
            old_object,
            dry_run: self.dry_run().unwrap_or(false),
        }
    }

    /// The format the client asked for.
    pub fn format(&self) -> Result<Format, Status> {
        let include = IncludeObject::parse(self.query().get("includeObject").as_deref())?;
        if self.output.object {
            return Ok(Format::Json);
        }
        response_format(self.header(http::header::ACCEPT), true, include)
    }

    /// Reads the object `name`, with its `resourceVersion` set, or 404.
    pub fn read(&self, name: &str) -> BoxFuture<'static, Result<(KeyValue, Value), Status>> {
        let key = self.key(name);
        let store = self.registry().store.clone();
        let missing = Status::not_found(self.model(), name);
        let model = self.model().clone();
        Box::pin(async move {
            let kv = store.get(&key).await.map_err(store_error)?.ok_or(missing)?;
            let value = decode_stored(&kv, &model)?;
            Ok((kv, value))
        })
    }

    /// `dryRun=All` was asked for (anything else in `dryRun` is a 400).
    pub fn dry_run(&self) -> Result<bool, Status> {
        let mut dry = false;
        for value in self.query().all("dryRun") {
            if value == "All" {
                dry = true;
            } else if !value.is_empty() {
                return Err(Status::bad_request(format!(
                    "dryRun: Unsupported value: {value:?}: supported values: \"All\""
                )));
            }
        }
        Ok(dry)
    }
}

/// The `{namespace}` and `{name}` segments of `path`, which the router matched to `template`:
/// each template segment, a literal or a parameter, stands for one segment of the path.
fn template_params<'p>(template: &str, path: &'p str) -> (Option<&'p str>, Option<&'p str>) {
    let (mut namespace, mut name) = (None, None);
    let (mut template, mut path) = (template, path);
    loop {
        let (param, template_rest) = first_segment(template);
        let (segment, path_rest) = first_segment(path);
        match param {
            "{namespace}" => namespace = Some(segment),
            "{name}" => name = Some(segment),
            _ => {}
        }
        match (template_rest, path_rest) {
            (Some(t), Some(p)) => (template, path) = (t, p),
            _ => return (namespace, name),
        }
    }
}

/// `s` up to its first `/`, and what follows that `/`.
fn first_segment(s: &str) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == b'/') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// The group's segment in store keys (`core` for the core group).
fn group_key(model: &ResourceModel) -> &str {
    if model.group.is_empty() {
        "core"
    } else {
        &model.group
    }
}

/// `/{group}/{plural}/{namespace}/{name}` (without the namespace when there is none), in one
/// allocation of the right size: this is on every request's path.
fn store_path(model: &ResourceModel, namespace: Option<&str>, name: &str) -> String {
    let group = group_key(model);
    let namespace_len = namespace.map_or(0, |ns| ns.len() + 1);
    let mut key =
        String::with_capacity(3 + group.len() + model.plural.len() + namespace_len + name.len());
    key.push('/');
    key.push_str(group);
    key.push('/');
    key.push_str(&model.plural);
    key.push('/');
    if let Some(ns) = namespace {
        key.push_str(ns);
        key.push('/');
    }
    key.push_str(name);
    key
}

/// Parses a JSON object, or 400.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, Status> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Status::bad_request(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(Status::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// Parses a YAML document holding an object, or 400.
pub fn parse_yaml_object(bytes: &[u8]) -> Result<Map<String, Value>, Status> {
    match crate::yaml::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Status::bad_request(
            "the request body must be a YAML mapping (an object)",
        )),
        Err(e) => Err(Status::bad_request(format!(
            "the request body is not valid YAML: {e}"
        ))),
    }
}

/// A stored object as `model`'s version serves it, with `metadata.resourceVersion` set from its
/// revision.
///
/// Objects are stored in their kind's storage version (or in the one that was the storage
/// version when they were written); every version of the kind serves them with its own
/// `apiVersion` and nothing else changed, as a CRD's conversion strategy `None` does. Fields a
/// version does not know are dropped when it writes, by the typed round trip.
pub fn decode_stored(kv: &KeyValue, model: &ResourceModel) -> Result<Value, Status> {
    let mut value: Value = serde_json::from_slice(&kv.value)
        .map_err(|e| Status::internal(format!("stored object {} is corrupt: {e}", kv.key)))?;
    set_resource_version(&mut value, kv.mod_revision);
    if let Some(object) = value.as_object_mut() {
        let served = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| is_api_version_of(v.as_bytes(), model));
        if !served {
            object.insert("apiVersion".into(), Value::String(model.api_version()));
        }
    }
    Ok(value)
}

/// Whether `value` is `model`'s `apiVersion` (`group/version`, or `version` for the core
/// group), compared without building it.
fn is_api_version_of(value: &[u8], model: &ResourceModel) -> bool {
    let (group, version) = (model.group.as_bytes(), model.version.as_bytes());
    if group.is_empty() {
        return value == version;
    }
    value.len() == group.len() + 1 + version.len()
        && value.starts_with(group)
        && value[group.len()] == b'/'
        && value.ends_with(version)
}

/// Sets `metadata.resourceVersion`.
pub fn set_resource_version(value: &mut Value, revision: u64) {
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert(
            "resourceVersion".into(),
            Value::String(revision.to_string()),
        );
    }
}

/// The bytes to store for `value`: its JSON without `metadata.resourceVersion`, in the kind's
/// storage version.
pub fn encode_for_store(value: &Value, model: &ResourceModel) -> Bytes {
    let mut value = value.clone();
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    if model.storage_version.is_some() {
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "apiVersion".into(),
                Value::String(model.storage_api_version()),
            );
        }
    }
    Bytes::from(serde_json::to_vec(&value).unwrap_or_default())
}

/// Stored bytes with `"resourceVersion":"N"` spliced into `metadata` (and the served version's
/// `apiVersion` in place of a stored one that differs: see [`decode_stored`]), without
/// parsing: the stored form always begins `{"apiVersion":...,"kind":...,"metadata":{`. The
/// result is exactly as long as it needs to be, so that turning it into `Bytes` does not
/// allocate again.
pub fn splice_resource_version(
    stored: &[u8],
    revision: u64,
    model: &ResourceModel,
) -> Option<Vec<u8>> {
    let at = metadata_start(stored)?;
    let mut out = Vec::with_capacity(
        stored.len() + spliced_len(stored, at, revision) + model.group.len() + model.version.len(),
    );
    splice_at(&mut out, stored, at, revision, model);
    Some(out)
}

/// [`splice_resource_version`] appended to `out`; `false` (and nothing written) when `stored`
/// has no `"metadata":{`.
pub fn splice_into(out: &mut Vec<u8>, stored: &[u8], revision: u64, model: &ResourceModel) -> bool {
    match metadata_start(stored) {
        Some(at) => {
            splice_at(out, stored, at, revision, model);
            true
        }
        None => false,
    }
}

const RESOURCE_VERSION: &[u8] = b"\"resourceVersion\":\"";

/// Where the members of the first `"metadata":{` object of `stored` begin. Looks only at the
/// places where a `"m` starts, not at every offset.
fn metadata_start(stored: &[u8]) -> Option<usize> {
    const META: &[u8] = b"\"metadata\":{";
    let mut from = 0;
    while let Some(i) = stored.get(from..)?.iter().position(|b| *b == b'"') {
        let at = from + i;
        if stored.get(at + 1) == Some(&b'm') && stored.get(at..at + META.len()) == Some(META) {
            return Some(at + META.len());
        }
        from = at + 1;
    }
    None
}

/// How many bytes splicing the revision at `at` adds.
fn spliced_len(stored: &[u8], at: usize, revision: u64) -> usize {
    let comma = usize::from(stored.get(at) != Some(&b'}'));
    let (digits, start) = decimal(revision);
    RESOURCE_VERSION.len() + (digits.len() - start) + 1 + comma
}

fn splice_at(out: &mut Vec<u8>, stored: &[u8], at: usize, revision: u64, model: &ResourceModel) {
    const HEAD: &[u8] = b"{\"apiVersion\":\"";
    let (digits, start) = decimal(revision);
    let mut from = 0;
    // The stored `apiVersion`, replaced by the served one when they differ (see
    // `decode_stored`).
    let value_end = stored
        .strip_prefix(HEAD)
        .and_then(|rest| rest.iter().position(|b| *b == b'"'))
        .map(|end| HEAD.len() + end)
        .filter(|end| *end < at);
    if let Some(end) = value_end {
        if !is_api_version_of(&stored[HEAD.len()..end], model) {
            out.extend_from_slice(HEAD);
            out.extend_from_slice(model.api_version().as_bytes());
            from = end;
        }
    }
    out.extend_from_slice(&stored[from..at]);
    out.extend_from_slice(RESOURCE_VERSION);
    out.extend_from_slice(&digits[start..]);
    out.push(b'"');
    if stored.get(at) != Some(&b'}') {
        out.push(b',');
    }
    out.extend_from_slice(&stored[at..]);
}

/// `n` in decimal: the digits are `buffer[start..]`.
fn decimal(mut n: u64) -> ([u8; 20], usize) {
    let mut buffer = [0u8; 20];
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return (buffer, start);
        }
    }
}

/// Maps a store failure to its Status (see `impl From<StoreError> for Status`).
pub fn store_error(e: StoreError) -> Status {
    Status::from(e)
}

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
pub fn respond(ctx: &Ctx, code: u16, value: &Value) -> Result<Response<Body>, Status> {
    match ctx.format()? {
        Format::Json => Ok(crate::response::json_response(code, value)),
        Format::Table(include) => {
            let table =
                crate::table::table(ctx.model(), std::slice::from_ref(value), include, None);
            Ok(crate::response::json_response(code, &table))
        }
        Format::Metadata(version) => Ok(crate::response::json_response(
            code,
            &crate::partial::from_value(value, version),
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
        if let Some(value) = warning_value(text) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
    let left_out = unique.len() - kept;
    if left_out > 0 {
        let text = format!("{left_out} more warnings were left out of this response");
        if let Some(value) = warning_value(&text) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
}

/// A `Warning` header value, `299 - "text"`, as kube-apiserver writes them; `None` when the
/// text cannot be a header.
pub fn warning_value(text: &str) -> Option<http::HeaderValue> {
    let quoted = text.replace('\\', "\\\\").replace('"', "\\\"");
    http::HeaderValue::from_str(&format!("299 - \"{quoted}\"")).ok()
}
