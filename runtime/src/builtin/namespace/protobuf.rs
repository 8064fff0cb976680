//! Just enough of Kubernetes' protobuf encoding to read a core `v1` Namespace: kubectl's typed
//! client (`kubectl create namespace`) sends built-in kinds as
//! `application/vnd.kubernetes.protobuf`, whatever the server prefers. The envelope is the magic
//! `k8s\0` and a `runtime.Unknown` holding the type and the raw `Namespace` message; fields krest
//! does not keep are skipped. The wire reading here ([`fields`], [`envelope`]) also serves the
//! review kinds (`reviews/protobuf.rs`).

use serde_json::{json, Map, Value};

const MAGIC: &[u8] = b"k8s\0";
/// Messages nest at most this deep here (Unknown > Namespace > ObjectMeta > map entry).
const MAX_DEPTH: usize = 8;

/// One field of a message.
pub(crate) enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// Iterates over the fields of a protobuf message.
pub(crate) struct Fields<'a> {
    rest: &'a [u8],
}

fn varint(input: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first().ok_or("truncated varint")?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Field<'a>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let field = (|| {
            let key = varint(&mut self.rest)?;
            let value = match key & 7 {
                0 => Field::Varint(varint(&mut self.rest)?),
                1 | 5 => {
                    let n = if key & 7 == 1 { 8 } else { 4 };
                    if self.rest.len() < n {
                        return Err("truncated fixed field".to_string());
                    }
                    self.rest = &self.rest[n..];
                    Field::Fixed
                }
                2 => {
                    let len =
                        usize::try_from(varint(&mut self.rest)?).map_err(|e| e.to_string())?;
                    if self.rest.len() < len {
                        return Err("truncated length-delimited field".to_string());
                    }
                    let (bytes, rest) = self.rest.split_at(len);
                    self.rest = rest;
                    Field::Bytes(bytes)
                }
                wire => return Err(format!("unsupported wire type {wire}")),
            };
            Ok((key >> 3, value))
        })();
        if field.is_err() {
            self.rest = &[];
        }
        Some(field)
    }
}

/// The fields of the message `bytes`: `(number, value)`, or an error for a malformed one.
pub(crate) fn fields(bytes: &[u8]) -> Fields<'_> {
    Fields { rest: bytes }
}

/// A string field.
pub(crate) fn text(bytes: &[u8]) -> Result<Value, String> {
    std::str::from_utf8(bytes)
        .map(|s| Value::String(s.to_string()))
        .map_err(|_| "a string field is not UTF-8".to_string())
}

/// The `runtime.Unknown` envelope: the type (`apiVersion`, `kind`) and the raw message.
pub(crate) fn envelope(body: &[u8]) -> Result<(Map<String, Value>, &[u8]), String> {
    let body = body
        .strip_prefix(MAGIC)
        .ok_or("the protobuf body does not start with the Kubernetes magic number")?;
    let mut object = Map::new();
    let mut raw = None;
    for field in fields(body) {
        match field? {
            (1, Field::Bytes(type_meta)) => {
                for f in fields(type_meta) {
                    match f? {
                        (1, Field::Bytes(v)) => {
                            object.insert("apiVersion".into(), text(v)?);
                        }
                        (2, Field::Bytes(v)) => {
                            object.insert("kind".into(), text(v)?);
                        }
                        _ => {}
                    }
                }
            }
            (2, Field::Bytes(bytes)) => raw = Some(bytes),
            (3, Field::Bytes(encoding)) if !encoding.is_empty() => {
                return Err("compressed protobuf bodies are not supported".into())
            }
            _ => {}
        }
    }
    let raw = raw.ok_or("the protobuf body holds no object")?;
    Ok((object, raw))
}

/// Decodes a protobuf-encoded Namespace (with its `k8s\0` envelope) into its JSON form.
pub fn namespace_to_json(body: &[u8]) -> Result<Value, String> {
    let (mut object, raw) = envelope(body)?;
    if object.get("kind").and_then(Value::as_str) != Some("Namespace") {
        return Err("the protobuf body is not a Namespace".into());
    }
    for field in fields(raw) {
        match field? {
            (1, Field::Bytes(meta)) => {
                object.insert("metadata".into(), object_meta(meta, 1)?);
            }
            (2, Field::Bytes(spec)) => {
                let mut finalizers = Vec::new();
                for f in fields(spec) {
                    if let (1, Field::Bytes(v)) = f? {
                        finalizers.push(text(v)?);
                    }
                }
                object.insert("spec".into(), json!({"finalizers": finalizers}));
            }
            (3, Field::Bytes(status)) => {
                let mut out = Map::new();
                for f in fields(status) {
                    if let (1, Field::Bytes(v)) = f? {
                        out.insert("phase".into(), text(v)?);
                    }
                }
                object.insert("status".into(), Value::Object(out));
            }
            _ => {}
        }
    }
    Ok(Value::Object(object))
}

/// `metav1.ObjectMeta`: the fields a client may set.
fn object_meta(bytes: &[u8], depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("protobuf nested too deep".into());
    }
    let mut meta = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut finalizers = Vec::new();
    let mut owners = Vec::new();
    for field in fields(bytes) {
        match field? {
            (1, Field::Bytes(v)) => {
                meta.insert("name".into(), text(v)?);
            }
            (2, Field::Bytes(v)) => {
                meta.insert("generateName".into(), text(v)?);
            }
            (3, Field::Bytes(v)) => {
                meta.insert("namespace".into(), text(v)?);
            }
            (5, Field::Bytes(v)) => {
                meta.insert("uid".into(), text(v)?);
            }
            (6, Field::Bytes(v)) => {
                meta.insert("resourceVersion".into(), text(v)?);
            }
            (11, Field::Bytes(entry)) => insert_entry(&mut labels, entry)?,
            (12, Field::Bytes(entry)) => insert_entry(&mut annotations, entry)?,
            (13, Field::Bytes(owner)) => owners.push(owner_reference(owner)?),
            (14, Field::Bytes(v)) => finalizers.push(text(v)?),
            _ => {}
        }
    }
    for (key, value) in [
        ("labels", Value::Object(labels)),
        ("annotations", Value::Object(annotations)),
        ("finalizers", Value::Array(finalizers)),
        ("ownerReferences", Value::Array(owners)),
    ] {
        let empty = match &value {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if !empty {
            meta.insert(key.into(), value);
        }
    }
    Ok(Value::Object(meta))
}

/// A `map<string, string>` entry: key 1, value 2.
fn insert_entry(map: &mut Map<String, Value>, entry: &[u8]) -> Result<(), String> {
    let (mut key, mut value) = (String::new(), Value::String(String::new()));
    for field in fields(entry) {
        match field? {
            (1, Field::Bytes(k)) => {
                key = std::str::from_utf8(k)
                    .map_err(|_| "a map key is not UTF-8")?
                    .to_string()
            }
            (2, Field::Bytes(v)) => value = text(v)?,
            _ => {}
        }
    }
    map.insert(key, value);
    Ok(())
}

fn owner_reference(bytes: &[u8]) -> Result<Value, String> {
    let mut out = Map::new();
    for field in fields(bytes) {
        match field? {
            (1, Field::Bytes(v)) => {
                out.insert("kind".into(), text(v)?);
            }
            (3, Field::Bytes(v)) => {
                out.insert("name".into(), text(v)?);
            }
            (4, Field::Bytes(v)) => {
                out.insert("uid".into(), text(v)?);
            }
            (5, Field::Bytes(v)) => {
                out.insert("apiVersion".into(), text(v)?);
            }
            (6, Field::Varint(v)) => {
                out.insert("controller".into(), Value::Bool(v != 0));
            }
            (7, Field::Varint(v)) => {
                out.insert("blockOwnerDeletion".into(), Value::Bool(v != 0));
            }
            _ => {}
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(number: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3 | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    /// What `kubectl create namespace team-a --labels`-like clients send.
    fn envelope(namespace: &[u8]) -> Vec<u8> {
        let type_meta = [field(1, b"v1"), field(2, b"Namespace")].concat();
        let mut out = b"k8s\0".to_vec();
        out.extend(field(1, &type_meta));
        out.extend(field(2, namespace));
        out.extend(field(3, b""));
        out.extend(field(4, b"application/vnd.kubernetes.protobuf"));
        out
    }

    #[test]
    fn decodes_a_namespace() {
        let label = [field(1, b"team"), field(2, b"a")].concat();
        let time = [0x08, 0x00]; // seconds: 0 (a varint field, skipped)
        let meta = [
            field(1, b"team-a"),
            field(8, &time),
            field(11, &label),
            field(14, b"x/y"),
        ]
        .concat();
        let spec = field(1, b"kubernetes");
        let namespace = [field(1, &meta), field(2, &spec), field(3, b"")].concat();
        let value = namespace_to_json(&envelope(&namespace)).unwrap();
        assert_eq!(
            value,
            json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": "team-a", "labels": {"team": "a"}, "finalizers": ["x/y"]},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {},
            })
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let good = envelope(&field(1, &field(1, b"a")));
        for cut in 0..good.len() {
            let _ = namespace_to_json(&good[..cut]);
        }
        assert!(namespace_to_json(b"{}").is_err());
        assert!(namespace_to_json(b"k8s\0\x0b").is_err());
        assert!(namespace_to_json(b"k8s\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").is_err());
        let mut other = b"k8s\0".to_vec();
        other.extend(field(1, &[field(1, b"v1"), field(2, b"Pod")].concat()));
        other.extend(field(2, b""));
        assert!(namespace_to_json(&other).is_err());
    }
}
