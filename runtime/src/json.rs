//! JSON request bodies parsed into `serde_json` values while noting duplicate fields: Go's
//! decoder keeps the last of them, and kube-apiserver reports them under
//! `fieldValidation=Strict` (an error) and `Warn` (a warning), as it does unknown fields.

use std::fmt;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `bytes` as JSON; also returns the paths of fields that appear twice in one object
/// (`spec.color`, `spec.ports[1].name`). The last occurrence wins.
pub(crate) fn parse(bytes: &[u8]) -> Result<(Value, Vec<String>), serde_json::Error> {
    let mut noting = Noting::default();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Seed(&mut noting).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok((value, noting.duplicates))
}

/// One step of a path: a field or a list index.
enum Step {
    Field(String),
    Index(usize),
}

/// Where the parser is, and the duplicates seen so far. The path is only rendered when a
/// duplicate turns up, so parsing a clean body costs little more than `serde_json`'s own.
#[derive(Default)]
struct Noting {
    path: Vec<Step>,
    duplicates: Vec<String>,
}

impl Noting {
    fn note_duplicate(&mut self, key: &str) {
        let mut text = String::new();
        for step in &self.path {
            match step {
                Step::Field(name) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(name);
                }
                Step::Index(i) => text.push_str(&format!("[{i}]")),
            }
        }
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(key);
        if !self.duplicates.contains(&text) {
            self.duplicates.push(text);
        }
    }
}

/// Builds a value, noting duplicate fields.
struct Seed<'a>(&'a mut Noting);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let noting = self.0;
        let mut items = Vec::new();
        loop {
            noting.path.push(Step::Index(items.len()));
            let item = seq.next_element_seed(Seed(&mut *noting));
            noting.path.pop();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let noting = self.0;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            noting.path.push(Step::Field(key));
            let value = map.next_value_seed(Seed(&mut *noting));
            // The step pushed above, now taken back.
            if let Some(Step::Field(key)) = noting.path.pop() {
                let value = value?;
                if object.contains_key(&key) {
                    noting.note_duplicate(&key);
                }
                object.insert(key, value);
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_json::json;

    #[test]
    fn notes_duplicates_and_keeps_the_last() {
        let (value, duplicates) = parse(
            br#"{"spec": {"a": 1, "a": 2, "l": [{"n": 1, "n": 2}]}, "kind": "W", "kind": "X", "spec": {"a": 3, "a": 4}}"#,
        )
        .unwrap();
        assert_eq!(value, json!({"spec": {"a": 4}, "kind": "X"}));
        assert_eq!(duplicates, ["spec.a", "spec.l[0].n", "kind", "spec"]);
        let (value, duplicates) = parse(br#"[1, "x", null, true, 2.5, {"b": {}}]"#).unwrap();
        assert_eq!(value, json!([1, "x", null, true, 2.5, {"b": {}}]));
        assert!(duplicates.is_empty());
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        assert!(parse(b"{").is_err());
        assert!(parse(b"{} x").is_err());
        assert!(parse(format!("{}1{}", "[".repeat(200), "]".repeat(200)).as_bytes()).is_err());
    }
}
