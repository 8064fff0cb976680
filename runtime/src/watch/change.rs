//! What watchers receive: objects and changes as the hub holds them, each serialized once.
//!
//! A change keeps one buffer of bytes: its event line `{"type":"...","object":...}\n`; the
//! object's JSON is a slice of that line. Selectors read a small projection of the object
//! (name, namespace, labels and the kind's selectable fields), so a change in the window costs
//! about the size of its JSON, not a decoded tree several times larger.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::codegen::ResourceModel;
use crate::store::{EventKind, KeyValue};
use crate::stored::decode_stored;

/// An object as the hub holds it.
pub(crate) struct Object {
    /// Its JSON, with `metadata.resourceVersion` set (a slice of an event line where the object
    /// came with a change).
    pub json: Bytes,
    /// What label and field selectors read: `metadata.name`, `metadata.namespace`,
    /// `metadata.labels` and the kind's selectable fields, at their paths.
    pub selectable: Value,
}

impl Object {
    /// The whole object, decoded again (Tables, and the rare fallbacks that need it).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    /// The bytes this object holds.
    fn size(&self) -> usize {
        self.json.len()
    }
}

/// One change, as every watcher receives it.
pub(crate) struct Change {
    pub revision: u64,
    pub key: String,
    pub kind: EventKind,
    /// The object after the change (for a delete, its last state at the deletion's revision).
    pub object: Arc<Object>,
    /// The object before the change, if it existed.
    pub prev: Option<Arc<Object>>,
    /// `{"type":"...","object":...}\n` with the change's own type, shared by every watcher that
    /// sees it as that type.
    pub line: Bytes,
}

impl Change {
    /// The change of `kind` to `kv` (at its revision), with no previous object yet; `None`
    /// (logged) when the stored object does not decode.
    pub fn new(kind: EventKind, kv: KeyValue, model: &ResourceModel) -> Option<Change> {
        let value = decoded(&kv, model)?;
        let json = serde_json::to_vec(&value).ok()?;
        let line = event_line(kind_name(kind), &json);
        let start = line.len() - json.len() - 2;
        let object = Arc::new(Object {
            json: line.slice(start..start + json.len()),
            selectable: selectable(&value, model),
        });
        Some(Change {
            revision: kv.mod_revision,
            key: kv.key,
            kind,
            object,
            prev: None,
            line,
        })
    }

    /// The bytes this change keeps alive: its line, and the previous object's JSON (shared
    /// with an earlier change or the cache, so this over-counts rather than under-counts).
    pub fn size(&self) -> usize {
        self.line.len() + self.key.len() + self.prev.as_ref().map_or(0, |p| p.size())
    }
}

/// The object stored in `kv`, as the hub holds it.
pub(crate) fn object_of(kv: &KeyValue, model: &ResourceModel) -> Option<Arc<Object>> {
    let value = decoded(kv, model)?;
    let json = Bytes::from(serde_json::to_vec(&value).ok()?);
    Some(Arc::new(Object {
        json,
        selectable: selectable(&value, model),
    }))
}

fn decoded(kv: &KeyValue, model: &ResourceModel) -> Option<Value> {
    match decode_stored(kv, model) {
        Ok(value) => Some(value),
        Err(status) => {
            tracing::error!(key = %kv.key, error = %status, "watch: skipping an object that does not decode");
            None
        }
    }
}

/// The parts of `value` that selectors read, at the same paths.
fn selectable(value: &Value, model: &ResourceModel) -> Value {
    let mut projection = Map::new();
    let mut metadata = Map::new();
    for field in ["name", "namespace", "labels"] {
        if let Some(v) = value.get("metadata").and_then(|m| m.get(field)) {
            metadata.insert(field.to_string(), v.clone());
        }
    }
    projection.insert("metadata".into(), Value::Object(metadata));
    for path in model.selectable_fields.iter() {
        let path = path.trim_start_matches('.');
        let Some(found) = path.split('.').try_fold(value, |v, part| v.get(part)) else {
            continue;
        };
        let mut at = &mut projection;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                at.insert(part.to_string(), found.clone());
                break;
            }
            let next = at
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            match next {
                Value::Object(map) => at = map,
                _ => break,
            }
        }
    }
    Value::Object(projection)
}

/// Encodes one watch event line.
pub(crate) fn event_line(kind: &str, object_json: &[u8]) -> Bytes {
    let mut line = Vec::with_capacity(object_json.len() + 32);
    line.extend_from_slice(b"{\"type\":\"");
    line.extend_from_slice(kind.as_bytes());
    line.extend_from_slice(b"\",\"object\":");
    line.extend_from_slice(object_json);
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

/// The wire name of an event kind.
pub(crate) fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Added => "ADDED",
        EventKind::Modified => "MODIFIED",
        EventKind::Deleted => "DELETED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_object_is_a_slice_of_its_line() {
        let mut model = crate::codegen::ResourceModel::new("demo.krest.dev", "v1", "Widget");
        model.selectable_fields = vec![".spec.color".into()].into();
        let kv = KeyValue {
            key: "/g/r/ns/a".into(),
            value: Bytes::from_static(
                br#"{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"a","labels":{"x":"y"}},"spec":{"n":1,"color":"red"}}"#,
            ),
            mod_revision: 7,
        };
        let change = Change::new(EventKind::Modified, kv, &model).unwrap();
        let line: Value = serde_json::from_slice(&change.line).unwrap();
        assert_eq!(line["type"], "MODIFIED");
        let object: Value = serde_json::from_slice(&change.object.json).unwrap();
        assert_eq!(line["object"], object);
        assert_eq!(object["metadata"]["resourceVersion"], "7");
        assert_eq!(
            change.object.selectable,
            serde_json::json!({"metadata": {"name": "a", "labels": {"x": "y"}}, "spec": {"color": "red"}})
        );
        // One buffer: the object's bytes live inside the line's.
        let line_range = change.line.as_ptr_range();
        assert!(line_range.contains(&change.object.json.as_ptr()));
    }
}
