//! Objects as the store holds them: the key scheme, the bytes written for an object, and the
//! object read back, served in the requested version with its `resourceVersion`, decoded or
//! spliced into the stored bytes without parsing them.
//!
//! Used by the handlers, the watch hubs and the metadata-only responses alike.

use bytes::Bytes;
use serde_json::Value;

use crate::codegen::ResourceModel;
use crate::status::Status;
use crate::store::KeyValue;

/// Why a stored object could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    /// The stored bytes are not the JSON object krest wrote.
    #[error("stored object {key} is corrupt: {error}")]
    Corrupt {
        /// The store key.
        key: String,
        /// What the JSON parser said.
        error: String,
    },
    /// An object could not be serialized.
    #[error("encoding an object for the store: {0}")]
    Encode(String),
}

/// A stored object that cannot be read or written is the server's fault: a 500, and a log line
/// naming it.
impl From<StoredError> for Status {
    fn from(e: StoredError) -> Status {
        tracing::error!(error = %e, "stored object");
        Status::internal(e)
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

/// The store key of the object `name` of `model` in `namespace` (none for cluster-scoped
/// kinds), or, with an empty `name`, the prefix of its collection:
/// `/{group}/{plural}/{namespace}/{name}`, with `core` for the core group. One allocation of
/// the right size: this is on every request's path.
///
/// A kind stored as another kind's objects (`cohabit.rs`) has that kind's keys.
pub(crate) fn key(model: &ResourceModel, namespace: Option<&str>, name: &str) -> String {
    let (group, plural) = match crate::cohabit::of(model) {
        Some(stored) => (stored.group, stored.plural),
        None => (group_key(model), &*model.plural),
    };
    let namespace_len = namespace.map_or(0, |ns| ns.len() + 1);
    let mut key =
        String::with_capacity(3 + group.len() + plural.len() + namespace_len + name.len());
    key.push('/');
    key.push_str(group);
    key.push('/');
    key.push_str(plural);
    key.push('/');
    if let Some(ns) = namespace {
        key.push_str(ns);
        key.push('/');
    }
    key.push_str(name);
    key
}

/// A stored object as `model`'s version serves it, with `metadata.resourceVersion` set from its
/// revision.
///
/// Objects are stored in their kind's storage version (or in the one that was the storage
/// version when they were written); every version of the kind serves them with its own
/// `apiVersion` and nothing else changed, as a CRD's conversion strategy `None` does. Fields a
/// version does not know are dropped when it writes, by the typed round trip. A kind stored as
/// another kind's objects (`cohabit.rs`) converts them into its own shape.
pub fn decode_stored(kv: &KeyValue, model: &ResourceModel) -> Result<Value, StoredError> {
    let mut value: Value = serde_json::from_slice(&kv.value).map_err(|e| StoredError::Corrupt {
        key: kv.key.clone(),
        error: e.to_string(),
    })?;
    set_resource_version(&mut value, kv.mod_revision);
    if let Some(object) = value.as_object_mut() {
        if let Some(stored) = crate::cohabit::of(model) {
            (stored.from_stored)(object);
        }
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
pub fn encode_for_store(value: &Value, model: &ResourceModel) -> Result<Bytes, StoredError> {
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
    if let Some(stored) = crate::cohabit::of(model) {
        if let Some(object) = value.as_object_mut() {
            (stored.to_stored)(object);
            object.insert(
                "apiVersion".into(),
                Value::String(stored.api_version.into()),
            );
        }
    }
    serde_json::to_vec(&value)
        .map(Bytes::from)
        .map_err(|e| StoredError::Encode(e.to_string()))
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
    if crate::cohabit::of(model).is_some() {
        // Stored in another kind's shape: only `decode_stored` converts it.
        return None;
    }
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
    if crate::cohabit::of(model).is_some() {
        return false;
    }
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
