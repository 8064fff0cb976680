//! Objects as the store holds them: the key scheme, the bytes written for an object, and the
//! object read back, served in the requested version with its `resourceVersion`, decoded or
//! spliced into the stored bytes without parsing them.
//!
//! Used by the handlers, the watch hubs and the metadata-only responses alike.

use std::borrow::Cow;
use std::ops::{ControlFlow, Range};

use bytes::Bytes;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::codegen::ResourceModel;
use crate::managed_entries::EntryAt;
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
    /// An object could not be converted between its version and the storage version
    /// (`conversion.rs`): the conversion's own answer.
    #[error("{0}")]
    Conversion(Status),
}

/// A stored object that cannot be read or written is the server's fault: a 500, and a log line
/// naming it.
impl From<StoredError> for Status {
    fn from(e: StoredError) -> Status {
        if let StoredError::Conversion(status) = e {
            return status;
        }
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
/// version does not know are dropped when it writes, by the typed round trip. A version with a
/// conversion (`conversion.rs`) converts objects stored in the storage version into its own
/// shape, and a kind stored as another kind's objects (`cohabit.rs`) converts them too.
pub fn decode_stored(kv: &KeyValue, model: &ResourceModel) -> Result<Value, StoredError> {
    let mut value: Value = serde_json::from_slice(&kv.value).map_err(|e| StoredError::Corrupt {
        key: kv.key.clone(),
        error: e.to_string(),
    })?;
    served_as(&mut value, kv.mod_revision, model)?;
    Ok(value)
}

/// A stored object as `model`'s version serves it: its `resourceVersion` and `apiVersion`, and
/// its shape when the version converts.
fn served_as(value: &mut Value, revision: u64, model: &ResourceModel) -> Result<(), StoredError> {
    set_resource_version(value, revision);
    if let Some(object) = value.as_object_mut() {
        if let Some(stored) = crate::cohabit::of(model) {
            (stored.from_stored)(object);
        } else {
            convert_stored(object, model)?;
        }
        let served = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| is_api_version_of(v.as_bytes(), model));
        if !served {
            object.insert("apiVersion".into(), Value::String(model.api_version()));
        }
    }
    Ok(())
}

/// A stored object in the shape of `model`'s version: converted to the storage version first
/// by the version it was stored in, when that is a third version that converts (written while
/// it was the storage version), then from the storage version by `model`'s conversion.
fn convert_stored(
    object: &mut serde_json::Map<String, Value>,
    model: &ResourceModel,
) -> Result<(), StoredError> {
    if model.conversion.is_none() && model.stored_conversions.is_empty() {
        // Nothing converts: the common case, on every read.
        return Ok(());
    }
    let hub = model.storage_api_version();
    let stored = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if stored != hub && !is_api_version_of(stored.as_bytes(), model) {
        if let Some(conversion) = stored_conversion(stored, model) {
            *object = crate::conversion::stored_to_hub(conversion, object)
                .map_err(StoredError::Conversion)?;
        }
    }
    if let Some(conversion) = &model.conversion {
        let in_hub = object.get("apiVersion").and_then(Value::as_str) == Some(hub.as_str());
        if in_hub {
            *object =
                crate::conversion::from_hub(conversion, object).map_err(StoredError::Conversion)?;
        }
    }
    Ok(())
}

/// The conversion of the version `api_version` names, when it is another version of `model`'s
/// kind that converts.
fn stored_conversion<'m>(
    api_version: &str,
    model: &'m ResourceModel,
) -> Option<&'m crate::codegen::Conversion> {
    let version = api_version.rsplit('/').next()?;
    model
        .stored_conversions
        .iter()
        .find(|(v, _)| v == version)
        .map(|(_, c)| c)
}

/// Whether stored bytes must be decoded to be served by `model` (a conversion), rather than
/// spliced.
fn needs_decoding(stored: &[u8], model: &ResourceModel) -> bool {
    if crate::cohabit::of(model).is_some() || model.conversion.is_some() {
        return true;
    }
    if model.stored_conversions.is_empty() {
        return false;
    }
    const HEAD: &[u8] = b"{\"apiVersion\":\"";
    let api_version = stored
        .strip_prefix(HEAD)
        .and_then(|rest| rest.iter().position(|b| *b == b'"').map(|end| &rest[..end]))
        .and_then(|v| std::str::from_utf8(v).ok());
    match api_version {
        Some(api_version) => stored_conversion(api_version, model).is_some(),
        // Not the form krest writes: let the decoder look.
        None => true,
    }
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
    match value.as_object() {
        Some(object) => store_bytes(object, None, model),
        None => serde_json::to_vec(value)
            .map(Bytes::from)
            .map_err(|e| StoredError::Encode(e.to_string())),
    }
}

/// An object as a write handles it: the object without `metadata.managedFields`, and the
/// managed fields apart, as their JSON text. Only the field manager reads them; every other
/// step of a write (the checks, admission, the store's encoding, the response) passes them on
/// as text, so that an object's managed fields, which hold about as many JSON nodes as a small
/// object, are not parsed, copied and written again node by node on every write.
#[derive(Clone, Debug)]
pub struct Object {
    /// The object, without `metadata.managedFields`.
    pub value: Value,
    /// `metadata.managedFields` as JSON text; `None` when absent (or `null`).
    pub managed: Option<ManagedText>,
}

/// `metadata.managedFields` as JSON text. It is made only from text that is one JSON value:
/// what `serde_json` or the field manager wrote, or its place in a stored object, whose text
/// every read serves as it is. So it is written out again as it is, neither parsed nor checked
/// on the way (`serde_json`'s `RawValue` checks its text whenever one is made).
///
/// Text read from a stored object keeps where its entries are, found as the read stepped over
/// them ([`managed_entries`](crate::managed_entries)), for the field manager.
#[derive(Clone, Debug)]
pub struct ManagedText {
    text: String,
    entries: Option<Vec<EntryAt>>,
}

impl ManagedText {
    /// Text the caller knows to be one JSON value (see the type).
    pub(crate) fn from_json(text: impl Into<String>) -> ManagedText {
        ManagedText {
            text: text.into(),
            entries: None,
        }
    }

    /// `value` written as JSON text.
    pub(crate) fn of(value: &Value) -> ManagedText {
        ManagedText::from_json(value.to_string())
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.text
    }

    /// Where the entries are, when the text is as the server writes it: as found when it was
    /// read, or found now.
    pub(crate) fn entries(&self) -> Option<Cow<'_, [EntryAt]>> {
        if let Some(entries) = &self.entries {
            return Some(Cow::Borrowed(entries));
        }
        let (entries, end) = crate::managed_entries::scan(self.text.as_bytes(), 0)?;
        (end == self.text.len()).then_some(Cow::Owned(entries))
    }
}

/// The same text is the same managed fields, whether or not its entries were found.
impl PartialEq for ManagedText {
    fn eq(&self, other: &ManagedText) -> bool {
        self.text == other.text
    }
}

impl Eq for ManagedText {}

impl Object {
    /// Takes `metadata.managedFields` out of `value` into text.
    pub fn from_value(mut value: Value) -> Object {
        let managed = value
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            .and_then(|meta| meta.remove("managedFields"))
            .filter(|m| !m.is_null())
            .map(|m| ManagedText::of(&m));
        Object { value, managed }
    }

    /// The whole object, with its managed fields parsed back into it.
    pub fn into_value(self) -> Value {
        let Object { mut value, managed } = self;
        if let (Some(managed), Some(meta)) = (
            managed,
            value.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            if let Ok(parsed) = serde_json::from_str(managed.get()) {
                meta.insert("managedFields".into(), parsed);
            }
        }
        value
    }

    /// A stored object as [`decode_stored`] reads it, with its managed fields read as text
    /// only. In the stored form as the server writes it they are found in place, stepped over
    /// and cut out before the rest is parsed.
    pub fn decode(kv: &KeyValue, model: &ResourceModel) -> Result<Object, StoredError> {
        let corrupt = |error: String| StoredError::Corrupt {
            key: kv.key.clone(),
            error,
        };
        let rest;
        let (bytes, in_place) = match managed_member(&kv.value) {
            Some(ManagedMember {
                cut,
                value,
                entries,
            }) => {
                rest = [&kv.value[..cut.start], &kv.value[cut.end..]].concat();
                let text =
                    std::str::from_utf8(&kv.value[value]).map_err(|e| corrupt(e.to_string()))?;
                let managed = ManagedText {
                    text: text.to_owned(),
                    entries,
                };
                (&rest[..], (text != "null").then_some(managed))
            }
            None => (&kv.value[..], None),
        };
        let mut parsed_apart = None;
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parsed = serde::de::DeserializeSeed::deserialize(
            Split {
                managed: &mut parsed_apart,
            },
            &mut de,
        )
        .and_then(|value| de.end().map(|()| value));
        let mut value = parsed.map_err(|e| corrupt(e.to_string()))?;
        served_as(&mut value, kv.mod_revision, model)?;
        Ok(Object {
            value,
            managed: parsed_apart.or(in_place),
        })
    }

    /// The bytes to store, as [`encode_for_store`] writes them, with the managed fields.
    pub fn encode(&self, model: &ResourceModel) -> Result<Bytes, StoredError> {
        match self.value.as_object() {
            Some(object) => store_bytes(object, self.managed.as_ref(), model),
            None => encode_for_store(&self.value, model),
        }
    }

    /// The whole object as JSON (a response), the managed fields written as they are.
    pub fn to_json(&self) -> Result<Vec<u8>, StoredError> {
        match self.value.as_object() {
            Some(object) => Written {
                object,
                managed: self.managed.as_ref(),
                api_version: None,
                resource_version: true,
            }
            .to_vec(),
            None => serde_json::to_vec(&self.value).map_err(|e| StoredError::Encode(e.to_string())),
        }
    }
}

/// A stored object's `metadata.managedFields`, found in place.
struct ManagedMember {
    /// The bytes to cut: the member and one comma beside it.
    cut: Range<usize>,
    /// Its value.
    value: Range<usize>,
    /// Its entries, when they are as the server writes them (found in the pass that stepped
    /// over them).
    entries: Option<Vec<EntryAt>>,
}

/// Where a stored object's `metadata.managedFields` is, when the object is in the stored form
/// as the server writes it.
fn managed_member(stored: &[u8]) -> Option<ManagedMember> {
    let mut found = None;
    metadata_members(stored, |member| {
        if member.key != b"managedFields" {
            return ControlFlow::Continue(());
        }
        let scanned = crate::managed_entries::scan(stored, member.value_start);
        let entries = scanned.map(|(entries, end)| {
            member.end = Some(end);
            entries
        });
        found = member
            .span()
            .zip(member.value())
            .map(|(s, v)| (s, v, entries));
        ControlFlow::Break(())
    })?;
    let (span, value, entries) = found?;
    let cut = match (stored.get(span.start.checked_sub(1)?), stored.get(span.end)) {
        (Some(b','), _) => span.start - 1..span.end,
        (_, Some(b',')) => span.start..span.end + 1,
        _ => span,
    };
    Some(ManagedMember {
        cut,
        value,
        entries,
    })
}

/// Reads an object, keeping `metadata.managedFields` as text.
struct Split<'a> {
    managed: &'a mut Option<ManagedText>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Split<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Split<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = if key == "metadata" {
                map.next_value_seed(SplitMeta {
                    managed: &mut *self.managed,
                })?
            } else {
                map.next_value()?
            };
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Reads `metadata`, keeping `managedFields` as text.
struct SplitMeta<'a> {
    managed: &'a mut Option<ManagedText>,
}

impl<'de> serde::de::DeserializeSeed<'de> for SplitMeta<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for SplitMeta<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object's metadata")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "managedFields" {
                let text: Box<RawValue> = map.next_value()?;
                *self.managed = (text.get() != "null").then(|| ManagedText::from_json(text.get()));
            } else {
                out.insert(key, map.next_value()?);
            }
        }
        Ok(Value::Object(out))
    }
}

/// The bytes to store for an object and its managed fields.
fn store_bytes(
    object: &serde_json::Map<String, Value>,
    managed: Option<&ManagedText>,
    model: &ResourceModel,
) -> Result<Bytes, StoredError> {
    let written = if let Some(stored) = crate::cohabit::of(model) {
        // Stored in another kind's shape: converted on a copy.
        let mut copy = object.clone();
        (stored.to_stored)(&mut copy);
        copy.insert(
            "apiVersion".into(),
            Value::String(stored.api_version.into()),
        );
        Written {
            object: &copy,
            managed,
            api_version: None,
            resource_version: false,
        }
        .to_vec()
    } else if let Some(conversion) = &model.conversion {
        // Stored in the storage version's shape: converted on a copy.
        let hub = crate::conversion::to_hub(model, conversion, object)
            .map_err(StoredError::Conversion)?;
        Written::for_store(&hub, managed, model).to_vec()
    } else {
        Written::for_store(object, managed, model).to_vec()
    };
    written.map(Bytes::from)
}

/// An object written straight from its parts, without copying it: `metadata` with the managed
/// fields (as text) last and, for the store, without `resourceVersion` (the revision
/// is the store's) and with the storage version's `apiVersion`. The members keep their order,
/// so the stored form begins `{"apiVersion":...,"kind":...,"metadata":{` as the splicing
/// readers expect. Written member by member, the managed fields' text copied as it is: a
/// `Serialize` implementation could only write it through a `RawValue`, which checks its text
/// again each time one is made.
struct Written<'a> {
    object: &'a serde_json::Map<String, Value>,
    managed: Option<&'a ManagedText>,
    api_version: Option<String>,
    resource_version: bool,
}

impl<'a> Written<'a> {
    fn for_store(
        object: &'a serde_json::Map<String, Value>,
        managed: Option<&'a ManagedText>,
        model: &ResourceModel,
    ) -> Written<'a> {
        Written {
            object,
            managed,
            api_version: model
                .storage_version
                .is_some()
                .then(|| model.storage_api_version()),
            resource_version: false,
        }
    }

    fn to_vec(&self) -> Result<Vec<u8>, StoredError> {
        let managed = self.managed.map_or(0, |m| m.get().len());
        let mut bytes = Vec::with_capacity(512 + managed);
        let mut out = Members::open(&mut bytes);
        self.write(&mut out)
            .map_err(|e| StoredError::Encode(e.to_string()))?;
        out.close();
        Ok(bytes)
    }

    fn write(&self, out: &mut Members<'_>) -> serde_json::Result<()> {
        if let Some(api_version) = &self.api_version {
            out.member("apiVersion", api_version)?;
        }
        for (key, value) in self.object {
            match (key.as_str(), value) {
                ("apiVersion", _) if self.api_version.is_some() => {}
                ("metadata", Value::Object(meta)) => {
                    out.key(key)?;
                    let mut inner = Members::open(&mut *out.out);
                    self.write_metadata(meta, &mut inner)?;
                    inner.close();
                }
                _ => out.member(key, value)?,
            }
        }
        Ok(())
    }

    /// `metadata` with the managed fields last (see [`metadata_members_but_managed`]), and
    /// without `resourceVersion` unless asked.
    fn write_metadata(
        &self,
        meta: &serde_json::Map<String, Value>,
        out: &mut Members<'_>,
    ) -> serde_json::Result<()> {
        let mut held = None;
        for (key, value) in meta {
            match key.as_str() {
                "managedFields" => held = Some(value),
                "resourceVersion" if !self.resource_version => {}
                _ => out.member(key, value)?,
            }
        }
        // Managed fields given apart take the place of any the object holds.
        match (self.managed, held) {
            (Some(text), _) => out.raw("managedFields", text.get()),
            (None, Some(value)) => out.member("managedFields", value),
            (None, None) => Ok(()),
        }
    }
}

/// A JSON object being written, member by member.
struct Members<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Members<'o> {
    fn open(out: &'o mut Vec<u8>) -> Members<'o> {
        out.push(b'{');
        Members { out, first: true }
    }

    fn key(&mut self, key: &str) -> serde_json::Result<()> {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.push(b':');
        Ok(())
    }

    fn member(
        &mut self,
        key: &str,
        value: &(impl serde::Serialize + ?Sized),
    ) -> serde_json::Result<()> {
        self.key(key)?;
        serde_json::to_writer(&mut *self.out, value)
    }

    /// A member whose value is JSON text already.
    fn raw(&mut self, key: &str, json: &str) -> serde_json::Result<()> {
        self.key(key)?;
        self.out.extend_from_slice(json.as_bytes());
        Ok(())
    }

    fn close(self) {
        self.out.push(b'}');
    }
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
    if needs_decoding(stored, model) {
        // Stored in another shape: only `decode_stored` converts it.
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
    if needs_decoding(stored, model) {
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

/// One member of a stored object's `metadata`, found in place: its key, and its value stepped
/// over when first asked for (or when the walk goes on past it).
pub(crate) struct Member<'s> {
    stored: &'s [u8],
    /// The key, without its quotes.
    pub key: &'s [u8],
    /// Where the key's opening quote is.
    start: usize,
    value_start: usize,
    end: Option<usize>,
}

impl Member<'_> {
    fn end(&mut self) -> Option<usize> {
        if self.end.is_none() {
            self.end = crate::json::value_end(self.stored, self.value_start);
        }
        self.end
    }

    /// Where the value's bytes are.
    pub fn value(&mut self) -> Option<Range<usize>> {
        Some(self.value_start..self.end()?)
    }

    /// Where the member's bytes are, from its key's opening quote to the end of its value.
    pub fn span(&mut self) -> Option<Range<usize>> {
        Some(self.start..self.end()?)
    }
}

/// Calls `visit` with each member of a stored object's `metadata`, until it breaks, read in
/// place without parsing: the stored form is compact, and its `metadata` comes before any
/// other object. `None` for bytes in another form, or a key with escapes, which only a JSON
/// parser reads right.
pub(crate) fn metadata_members<'s>(
    stored: &'s [u8],
    mut visit: impl FnMut(&mut Member<'s>) -> ControlFlow<()>,
) -> Option<()> {
    let mut at = metadata_start(stored)?;
    if stored.get(at) == Some(&b'}') {
        return Some(());
    }
    loop {
        let key_end = crate::json::value_end(stored, at)?;
        let key = stored
            .get(at..key_end)?
            .strip_prefix(b"\"")?
            .strip_suffix(b"\"")?;
        if key.contains(&b'\\') || stored.get(key_end) != Some(&b':') {
            return None;
        }
        let mut member = Member {
            stored,
            key,
            start: at,
            value_start: key_end + 1,
            end: None,
        };
        if visit(&mut member).is_break() {
            return Some(());
        }
        let end = member.end()?;
        match stored.get(end)? {
            b',' => at = end + 1,
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// [`metadata_members`] but `managedFields`, which is stepped over only when it is not the last
/// member. The server writes it last, as kube-apiserver does (`Written`, and the typed
/// `ObjectMeta`); objects written before that, and objects written from a map in name order,
/// have it in its sorted place, before `name`. So `managedFields` met after `name` (which every
/// stored object has) is the last member: the readers that want the other members (the
/// collector reads every write's) stop there instead of stepping over the longest member.
pub(crate) fn metadata_members_but_managed<'s>(
    stored: &'s [u8],
    mut visit: impl FnMut(&mut Member<'s>),
) -> Option<()> {
    let mut named = false;
    metadata_members(stored, |member| match member.key {
        b"managedFields" if named => ControlFlow::Break(()),
        b"managedFields" => ControlFlow::Continue(()),
        key => {
            named |= key == b"name";
            visit(member);
            ControlFlow::Continue(())
        }
    })
}

/// Where the members of the top-level `metadata` object of `stored` begin (past its `{`),
/// when it is written compactly, as the server writes it.
fn metadata_start(stored: &[u8]) -> Option<usize> {
    let at =
        common_metadata_start(stored).or_else(|| Some(crate::json::metadata_at(stored)? + 1))?;
    (!stored.get(at)?.is_ascii_whitespace()).then_some(at)
}

/// Past `{"apiVersion":"…","kind":"…","metadata":{`, the way most stored objects begin: two
/// strings without escapes to pass, where the general walk steps over every member.
fn common_metadata_start(stored: &[u8]) -> Option<usize> {
    let mut at = 0;
    for literal in [
        &b"{\"apiVersion\":\""[..],
        b",\"kind\":\"",
        b",\"metadata\":{",
    ] {
        if !stored.get(at..)?.starts_with(literal) {
            return None;
        }
        at += literal.len();
        if literal.ends_with(b"{") {
            return Some(at);
        }
        let len = stored[at..].iter().position(|&b| b == b'"' || b == b'\\')?;
        if stored[at + len] != b'"' {
            return None;
        }
        at += len + 1;
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kv(value: &Value, revision: u64) -> KeyValue {
        KeyValue {
            key: "/demo.krest.dev/widgets/default/w".into(),
            value: Bytes::from(serde_json::to_vec(value).unwrap()),
            mod_revision: revision,
        }
    }

    fn widget() -> Value {
        json!({
            "apiVersion": "demo.krest.dev/v1",
            "kind": "Widget",
            "metadata": {
                "name": "w", "namespace": "default", "labels": {"a": "b"},
                "managedFields": [{"manager": "m", "operation": "Update", "apiVersion": "demo.krest.dev/v1",
                    "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:color": {}}}}],
                "uid": "u",
            },
            "spec": {"color": "red"},
        })
    }

    #[test]
    fn objects_keep_their_managed_fields_apart_and_write_them_back_in_place() {
        let model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        let stored = kv(&widget(), 7);
        let object = Object::decode(&stored, &model).unwrap();
        assert!(object.value["metadata"].get("managedFields").is_none());
        assert_eq!(object.value["metadata"]["resourceVersion"], "7");
        let managed: Value = serde_json::from_str(object.managed.as_ref().unwrap().get()).unwrap();
        assert_eq!(managed, widget()["metadata"]["managedFields"]);
        // Joined again, it is what the whole-object reader reads.
        assert_eq!(
            object.clone().into_value(),
            decode_stored(&stored, &model).unwrap()
        );
        // The response is the whole object, the managed fields last in `metadata`.
        let written = String::from_utf8(object.to_json().unwrap()).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&written).unwrap(),
            decode_stored(&stored, &model).unwrap()
        );
        assert!(written.contains("}]},\"spec\":"), "{written}");
        // The store's bytes: no resourceVersion, the managed fields last, the same bytes as
        // the whole object's.
        let bytes = object.encode(&model).unwrap();
        assert!(bytes.starts_with(
            b"{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
        ));
        let mut plain = widget();
        plain["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        let managed = serde_json::to_string(&widget()["metadata"]["managedFields"]).unwrap();
        let plain = serde_json::to_string(&plain).unwrap();
        let expected = plain.replacen(
            "\"uid\":\"u\"}",
            &format!("\"uid\":\"u\",\"managedFields\":{managed}}}"),
            1,
        );
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(
            encode_for_store(&decode_stored(&stored, &model).unwrap(), &model).unwrap(),
            bytes
        );
        // Read in place, the members before the managed fields are all there is.
        let mut keys = Vec::new();
        metadata_members_but_managed(&bytes, |m| keys.push(m.key)).unwrap();
        assert_eq!(keys, [&b"labels"[..], b"name", b"namespace", b"uid"]);
        // Stored in their sorted place (as before they were written last), they are stepped
        // over and the members after them read.
        keys.clear();
        metadata_members_but_managed(&stored.value, |m| keys.push(m.key)).unwrap();
        assert_eq!(keys, [&b"labels"[..], b"name", b"namespace", b"uid"]);
    }

    /// The managed fields are cut out of the stored text in place wherever they are in
    /// `metadata`, and text in another form (spaces) is read by the parser instead: either
    /// way the object and its managed fields are what the whole-object reader reads.
    #[test]
    fn managed_fields_are_cut_out_in_place_wherever_they_are() {
        let model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        let entries = r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}},"manager":"m","operation":"Update"}]"#;
        let head = r#"{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":"#;
        let cases = [
            (r#"{"managedFields":M}}"#, true),
            (r#"{"managedFields":M,"name":"w"}}"#, true),
            (
                r#"{"a":"}","managedFields":M,"name":"w"},"spec":{"managedFields":[]}}"#,
                true,
            ),
            (r#"{"name":"w","managedFields":M}}"#, true),
            (r#"{"name":"w","managedFields":null}}"#, true),
            (r#"{"name":"w","x":{"managedFields":M}}}"#, false),
            (r#"{ "name":"w", "managedFields": M }}"#, false),
        ];
        let bad = [
            head.as_bytes(),
            b"{\"managedFields\":[\"\xff\"],\"name\":\"w\"}}",
        ]
        .concat();
        let stored = KeyValue {
            key: "/k".into(),
            value: Bytes::from(bad),
            mod_revision: 4,
        };
        assert!(matches!(
            Object::decode(&stored, &model),
            Err(StoredError::Corrupt { .. })
        ));
        for (meta, in_place) in cases {
            let text = format!("{head}{}", meta.replace('M', entries));
            let stored = KeyValue {
                key: "/k".into(),
                value: Bytes::from(text.clone()),
                mod_revision: 4,
            };
            assert_eq!(managed_member(&stored.value).is_some(), in_place, "{text}");
            let object = Object::decode(&stored, &model).unwrap();
            let mut whole = decode_stored(&stored, &model).unwrap();
            let managed = whole["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("managedFields")
                .filter(|m| !m.is_null());
            assert_eq!(object.value, whole, "{text}");
            // Cut out in place, their entries are kept as the pass that stepped over them found
            // them, which is where a scan of the text alone finds them.
            if let Some(managed) = &object.managed {
                let scanned = crate::managed_entries::scan(managed.get().as_bytes(), 0);
                let kept = managed.entries.clone();
                assert_eq!(kept, scanned.filter(|_| in_place).map(|(e, _)| e), "{text}");
                assert_eq!(managed.entries().map(|e| e.len()), Some(1), "{text}");
            }
            assert_eq!(
                object
                    .managed
                    .map(|m| serde_json::from_str::<Value>(m.get()).unwrap()),
                managed,
                "{text}"
            );
        }
    }

    #[test]
    fn objects_without_managed_fields_and_split_values() {
        let model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        let mut plain = widget();
        plain["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        let object = Object::decode(&kv(&plain, 3), &model).unwrap();
        assert!(object.managed.is_none());
        let mut null = plain.clone();
        null["metadata"]["managedFields"] = Value::Null;
        assert!(Object::decode(&kv(&null, 3), &model)
            .unwrap()
            .managed
            .is_none());
        let split = Object::from_value(widget());
        assert!(split.value["metadata"].get("managedFields").is_none());
        assert_eq!(split.into_value(), widget());
        assert!(Object::decode(&kv(&json!([1, 2]), 3), &model).is_err());
    }

    /// The resourceVersion goes into the top-level metadata, and the collector reads that
    /// metadata, when a member sorting before `metadata` holds a `metadata` object of its own.
    #[test]
    fn only_the_top_level_metadata_is_spliced_and_read() {
        let model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        let object = json!({
            "apiVersion": "demo.krest.dev/v1",
            "data": {"metadata": {"uid": "inner"}, "x": "\"metadata\":{"},
            "kind": "Widget",
            "metadata": {"name": "w", "uid": "outer"},
        });
        let stored = serde_json::to_vec(&object).unwrap();
        let spliced = splice_resource_version(&stored, 9, &model).unwrap();
        let spliced: Value = serde_json::from_slice(&spliced).unwrap();
        assert_eq!(spliced["metadata"]["resourceVersion"], "9");
        assert_eq!(spliced["data"], object["data"]);
        let mut members = Vec::new();
        metadata_members(&stored, |m| {
            members.push((m.key, &stored[m.value().unwrap()]));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(
            members,
            [
                (&b"name"[..], &b"\"w\""[..]),
                (&b"uid"[..], &b"\"outer\""[..])
            ]
        );
        assert!(metadata_start(b"[1]").is_none());
        assert!(metadata_start(br#"{"kind":"W"}"#).is_none());
    }

    #[test]
    fn the_storage_version_is_written_first() {
        let mut model = ResourceModel::new("demo.krest.dev", "v1beta1", "Widget");
        model.storage_version = Some("v1".into());
        let object = Object::from_value(widget());
        let bytes = object.encode(&model).unwrap();
        assert!(bytes.starts_with(
            b"{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
        ));
        assert_eq!(bytes.windows(10).filter(|w| w == b"apiVersion").count(), 2);
    }
}
