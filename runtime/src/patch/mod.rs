//! JSON patch (`application/json-patch+json`) and JSON merge patch, as kube-apiserver applies
//! them.
//!
//! kube-apiserver applies a JSON patch with evanphx/json-patch v4, which departs from RFC 6902
//! in ways clients rely on; krest follows that library rather than the RFC:
//! - `test` of a path that is missing (or `null`) passes when the value is `null` or absent,
//!   which is how kube-rs's `finalizer` helper checks that an object has no finalizers yet;
//! - array indices may be negative (`-1` is the last element; for `add`, `-1` is the end);
//! - `replace` of a missing member of an object adds it, and `copy` from a missing member of
//!   an object copies `null`;
//! - a path's first segment (before its first `/`) is not read, and a path without `/` is
//!   missing;
//! - an operation without `value` adds, replaces or tests `null`.
//!
//! Error messages are the library's. The bytes that `copy` operations add are counted, and a
//! patch whose copies add more than the caller's limit (kube-apiserver: its largest request
//! body) fails before the copy that would pass it is made: without that bound, a 68 KB patch
//! that doubles a 64 KiB value 16 times would make a 4 GiB document.

pub(crate) mod strategic;

use std::io;

use serde_json::{Map, Value};

/// One operation of a JSON patch, as read from the request; fields are checked when it applies,
/// in the library's order, so that the error is the library's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Operation {
    /// `op`, when it is a string.
    op: Option<String>,
    /// `path`; `None` when absent or `null`.
    path: Option<String>,
    /// `from`; `None` when absent or `null`.
    from: Option<String>,
    /// `value`; `None` when absent (a present `null` is `Some(Null)`).
    value: Option<Value>,
}

/// A parsed JSON patch: its operations in order, and what strict decoding says of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct JsonPatch {
    operations: Vec<Operation>,
    /// kube-apiserver's strict decoding errors: `json patch unknown field "[0].x"` for each
    /// member of an operation other than `op`, `path`, `from` and `value` (at most 100).
    strict: Vec<String>,
}

/// The most strict decoding errors kept (sigs.k8s.io/json's limit).
const MAX_STRICT_ERRORS: usize = 100;

/// Why a JSON patch body could not be read (kube-apiserver: 400 `error decoding patch: ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeError(pub String);

/// Why a JSON patch did not apply (kube-apiserver: 422), in the library's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApplyError(pub String);

/// How Go's `encoding/json` names a JSON value's type in an unmarshalling error.
pub(crate) fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Takes the string member `name` out of an operation: `None` when absent or `null`.
fn text_field(fields: &mut Map<String, Value>, name: &str) -> Result<Option<String>, DecodeError> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(DecodeError(format!(
            "error decoding patch: json: cannot unmarshal {} into Go struct field jsonPatchOp.{name} of type string",
            go_type(&other)
        ))),
    }
}

impl JsonPatch {
    /// Reads a patch: an array of objects whose `op`, `path` and `from` are strings (or
    /// `null`). `null` is the empty patch and a `null` operation is one of unknown kind, as
    /// Go's decoder reads them.
    pub fn parse(value: Value) -> Result<JsonPatch, DecodeError> {
        let items = match value {
            Value::Null => return Ok(JsonPatch::default()),
            Value::Array(items) => items,
            other => {
                return Err(DecodeError(format!(
                    "error decoding patch: json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
                    go_type(&other)
                )))
            }
        };
        let mut operations = Vec::with_capacity(items.len());
        let mut strict = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let mut fields = match item {
                Value::Null => Map::new(),
                Value::Object(fields) => fields,
                other => {
                    return Err(DecodeError(format!(
                        "error decoding patch: json: cannot unmarshal {} into Go value of type handlers.jsonPatchOp",
                        go_type(&other)
                    )))
                }
            };
            let op = text_field(&mut fields, "op")?;
            let path = text_field(&mut fields, "path")?;
            let from = text_field(&mut fields, "from")?;
            let value = fields.remove("value");
            for unknown in fields.keys() {
                if strict.len() < MAX_STRICT_ERRORS {
                    strict.push(format!(
                        "json patch unknown field {}",
                        Value::from(format!("[{i}].{unknown}"))
                    ));
                }
            }
            operations.push(Operation {
                op,
                path,
                from,
                value,
            });
        }
        Ok(JsonPatch { operations, strict })
    }

    /// How many operations the patch has.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// The strict decoding errors: warnings under `fieldValidation=Warn`, a 422 under `Strict`.
    pub fn strict_errors(&self) -> &[String] {
        &self.strict
    }

    /// Applies the operations in order to `doc`; the first that fails stops the patch (the
    /// caller discards `doc` then). `copy_limit` bounds the bytes `copy` operations add.
    pub fn apply(&self, doc: &mut Value, copy_limit: usize) -> Result<(), ApplyError> {
        let mut copied = 0usize;
        for operation in &self.operations {
            operation
                .apply(doc, copy_limit, &mut copied)
                .map_err(ApplyError)?;
        }
        Ok(())
    }
}

const MISSING: &str = "missing value";
const INVALID_INDEX: &str = "invalid index referenced";

impl Operation {
    fn apply(&self, doc: &mut Value, limit: usize, copied: &mut usize) -> Result<(), String> {
        match self.op.as_deref() {
            Some("add") => self.add(doc),
            Some("remove") => self.remove(doc),
            Some("replace") => self.replace(doc),
            Some("move") => self.move_(doc),
            Some("test") => self.test(doc),
            Some("copy") => self.copy(doc, limit, copied),
            Some(other) => Err(format!("Unexpected kind: {other}")),
            None => Err("Unexpected kind: unknown".to_string()),
        }
    }

    fn path(&self) -> Result<&str, String> {
        self.path
            .as_deref()
            .ok_or_else(|| format!("operation missing path field: {MISSING}"))
    }

    fn from(&self) -> Result<&str, String> {
        self.from
            .as_deref()
            .ok_or_else(|| format!("operation, missing from field: {MISSING}"))
    }

    /// The value an operation writes: `null` when absent.
    fn value(&self) -> Value {
        self.value.clone().unwrap_or(Value::Null)
    }

    fn add(&self, doc: &mut Value) -> Result<(), String> {
        let path = self
            .path()
            .map_err(|_| format!("add operation failed to decode path: {MISSING}"))?;
        let (container, key) = find_container(doc, path).ok_or_else(|| {
            format!("add operation does not apply: doc is missing path: \"{path}\": {MISSING}")
        })?;
        add(container, &key, self.value())
            .map_err(|e| format!("error in add for path: '{path}': {e}"))
    }

    fn remove(&self, doc: &mut Value) -> Result<(), String> {
        let path = self
            .path()
            .map_err(|_| format!("remove operation failed to decode path: {MISSING}"))?;
        let (container, key) = find_container(doc, path).ok_or_else(|| {
            format!("remove operation does not apply: doc is missing path: \"{path}\": {MISSING}")
        })?;
        remove(container, &key)
            .map(drop)
            .map_err(|e| format!("error in remove for path: '{path}': {e}"))
    }

    fn replace(&self, doc: &mut Value) -> Result<(), String> {
        let path = self
            .path()
            .map_err(|e| format!("replace operation failed to decode path: {e}"))?;
        if path.is_empty() {
            // The whole document; the library leaves a Go formatting artifact after this text.
            return match &self.value {
                Some(value @ (Value::Object(_) | Value::Array(_))) => {
                    *doc = value.clone();
                    Ok(())
                }
                _ => Err("replace operation value must be object or array".to_string()),
            };
        }
        let (container, key) = find_container(doc, path).ok_or_else(|| {
            format!("replace operation does not apply: doc is missing path: {path}: {MISSING}")
        })?;
        match container {
            // A missing member is added: the library's `get` of an object never fails.
            Value::Object(map) => {
                map.insert(key, self.value());
            }
            Value::Array(items) => {
                let at = index(&key, items.len()).map_err(|_| {
                    format!(
                        "replace operation does not apply: doc is missing key: {path}: {MISSING}"
                    )
                })?;
                items[at] = self.value();
            }
            _ => {
                return Err(format!(
                    "replace operation does not apply: doc is missing path: {path}: {MISSING}"
                ))
            }
        }
        Ok(())
    }

    fn move_(&self, doc: &mut Value) -> Result<(), String> {
        let from = self
            .from()
            .map_err(|e| format!("move operation failed to decode from: {e}"))?;
        let (container, key) = find_container(doc, from).ok_or_else(|| {
            format!("move operation does not apply: doc is missing from path: {from}: {MISSING}")
        })?;
        // The library names the last token here, not the path.
        let value =
            remove(container, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
        let path = self
            .path()
            .map_err(|e| format!("move operation failed to decode path: {e}"))?;
        let (container, key) = find_container(doc, path).ok_or_else(|| {
            format!(
                "move operation does not apply: doc is missing destination path: {path}: {MISSING}"
            )
        })?;
        add(container, &key, value).map_err(|e| format!("error in move for path: '{path}': {e}"))
    }

    fn test(&self, doc: &mut Value) -> Result<(), String> {
        let path = self
            .path()
            .map_err(|e| format!("test operation failed to decode path: {e}"))?;
        let failed = || format!("testing value {path} failed: test failed");
        if path.is_empty() {
            return match &self.value {
                Some(value) if value == doc => Ok(()),
                _ => Err(failed()),
            };
        }
        let (container, key) = find_container(doc, path).ok_or_else(|| {
            format!("test operation does not apply: is missing path: {path}: {MISSING}")
        })?;
        let found =
            get(container, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
        // A missing member and `null` are the same to the library, and equal an absent or
        // `null` value.
        match (found.filter(|v| !v.is_null()), &self.value) {
            (None, None | Some(Value::Null)) => Ok(()),
            (Some(found), Some(value)) if found == value => Ok(()),
            _ => Err(failed()),
        }
    }

    fn copy(&self, doc: &mut Value, limit: usize, copied: &mut usize) -> Result<(), String> {
        let from = self
            .from()
            .map_err(|e| format!("copy operation failed to decode from: {e}"))?;
        let (container, key) = find_container(doc, from).ok_or_else(|| {
            format!("copy operation does not apply: doc is missing from path: {from}: {MISSING}")
        })?;
        // A missing member of an object copies `null`, of size 0, as in the library.
        let size = get(container, &key)
            .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
            .filter(|value| !value.is_null())
            .map_or(0, json_size);
        let path = self
            .path()
            .map_err(|_| format!("copy operation failed to decode path: {MISSING}"))?;
        if find_container(doc, path).is_none() {
            return Err(format!(
                "copy operation does not apply: doc is missing destination path: {path}: {MISSING}"
            ));
        }
        // Counted before the copy is made, so that a refused copy allocates nothing.
        *copied = copied.saturating_add(size);
        if *copied > limit {
            return Err(format!(
                "Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {limit}"
            ));
        }
        let value = find_container(doc, from)
            .and_then(|(container, key)| get(container, &key).ok().flatten().cloned())
            .unwrap_or(Value::Null);
        let Some((container, key)) = find_container(doc, path) else {
            return Err(format!(
                "copy operation does not apply: doc is missing destination path: {path}: {MISSING}"
            ));
        };
        add(container, &key, value)
            .map_err(|e| format!("error while adding value during copy: {e}"))
    }
}

/// The object or array that holds `path`'s last token, and that token unescaped; `None` when
/// the path has no `/`, or a token before the last names nothing, `null` or a scalar.
fn find_container<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let mut tokens: Vec<&str> = path.split('/').collect();
    if tokens.len() < 2 {
        return None;
    }
    let key = unescape(tokens.pop().unwrap_or_default());
    let mut here = doc;
    // The first token is what precedes the first `/`: the library skips it.
    for token in &tokens[1..] {
        let token = unescape(token);
        let next = match here {
            Value::Object(map) => map.get_mut(&token)?,
            Value::Array(items) => {
                let at = index(&token, items.len()).ok()?;
                &mut items[at]
            }
            _ => return None,
        };
        if !(next.is_object() || next.is_array()) {
            return None;
        }
        here = next;
    }
    (here.is_object() || here.is_array()).then_some((here, key))
}

/// RFC 6901: `~1` is `/` and `~0` is `~`, read left to right in one pass.
fn unescape(token: &str) -> String {
    if !token.contains('~') {
        return token.to_string();
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('~', Some('1')) => {
                out.push('/');
                chars.next();
            }
            ('~', Some('0')) => {
                out.push('~');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits.
fn atoi(token: &str) -> Result<i64, String> {
    token.parse::<i64>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!("strconv.Atoi: parsing {}: {why}", Value::from(token))
    })
}

fn invalid_index(at: i64) -> String {
    format!("Unable to access invalid index: {at}: {INVALID_INDEX}")
}

/// An existing element's index (`get`, `replace`, `remove`): negative counts from the end.
fn index(token: &str, len: usize) -> Result<usize, String> {
    let at = atoi(token)?;
    let len = len as i64;
    let resolved = if at < 0 { at + len } else { at };
    if resolved < 0 || resolved >= len {
        return Err(invalid_index(at));
    }
    Ok(resolved as usize)
}

/// The value at `key` in a container: `None` for an object's missing member; an array's
/// index that is not one of its elements is an error.
fn get<'a>(container: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key)),
        Value::Array(items) => index(key, items.len()).map(|at| Some(&items[at])),
        _ => Ok(None),
    }
}

/// `add`: sets an object's member; inserts into an array before `key` (`-` appends, and a
/// negative index counts from one past the end).
fn add(container: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            let at = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let len = items.len() as i64 + 1;
            let resolved = if at < 0 { at + len } else { at };
            if at >= len || resolved < 0 {
                return Err(invalid_index(at));
            }
            items.insert(resolved as usize, value);
            Ok(())
        }
        _ => Err(format!("{key}: not an object or an array")),
    }
}

/// `remove`: takes an object's member (which must exist) or an array's element out.
fn remove(container: &mut Value, key: &str) -> Result<Value, String> {
    match container {
        Value::Object(map) => map
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        Value::Array(items) => index(key, items.len()).map(|at| items.remove(at)),
        _ => Err(format!("{key}: not an object or an array")),
    }
}

/// Counts the bytes written to it.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The length of `value` written as compact JSON, counted without writing it anywhere.
fn json_size(value: &Value) -> usize {
    let mut counter = Counter(0);
    // Writing a Value to a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// Applies a JSON merge patch (RFC 7396), as kube-apiserver does with an object patch: a
/// member set to `null` is removed, an object is merged member by member, and anything else
/// replaces what was there.
pub(crate) fn merge(doc: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *doc = patch.clone();
        return;
    };
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let Value::Object(map) = doc else {
        return;
    };
    for (key, value) in members {
        if value.is_null() {
            map.remove(key);
        } else {
            merge(map.entry(key.as_str()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests;
