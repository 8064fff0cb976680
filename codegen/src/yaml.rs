//! YAML documents as trees that remember the line of every node, so that an error found long
//! after parsing (an unsupported schema construct, a missing field) can still name its line.
//!
//! Parsing goes through `serde-saphyr` (the maintained serde YAML crate kube-rs moved to; the
//! archived `serde_yaml` is not used) with a [`Budget`](serde_saphyr::Budget): alias bombs,
//! runaway nesting and oversized inputs are errors, never an out-of-memory.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Result};

/// How deeply YAML may nest. Real CRDs stay far below (cert-manager's Issuer, one of the
/// deepest, reaches about 40); anything deeper is rejected before it can exhaust the stack.
pub const MAX_DEPTH: usize = 256;

/// At most this many aliases (`*name`) per input; real CRDs use none.
pub const MAX_ALIASES: usize = 1_000;

/// At most this many nodes per input: several times the largest real CRD.
pub const MAX_NODES: usize = 500_000;

/// One YAML node and the line (1-based) it starts on; 0 when unknown.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// 1-based line of the node in its file, 0 when the parser did not say.
    pub line: u64,
    /// The node's value.
    pub value: NodeValue,
}

/// The value of a [`Node`]: JSON's data model, plus the order of mapping keys.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// A larger non-negative integer.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, with string keys.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key` when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries when this node is a mapping.
    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            NodeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items when this node is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text when this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value when this node is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            NodeValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value when this node is an integer that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            NodeValue::Int(i) => Some(i),
            NodeValue::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    /// Whether the node is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, NodeValue::Null)
    }

    /// What kind of node this is, for error messages: `a string`, `a mapping`.
    pub fn describe(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::UInt(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::String(_) => "a string",
            NodeValue::Seq(_) => "a sequence",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// The node as JSON. Fails on a non-finite float, which JSON cannot represent.
    pub fn to_json(&self) -> std::result::Result<Value, &'static str> {
        Ok(match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::UInt(u) => Value::from(*u),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .ok_or("a non-finite number cannot be written as JSON")?,
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(Node::to_json)
                    .collect::<std::result::Result<_, _>>()?,
            ),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_json()?)))
                    .collect::<std::result::Result<_, &'static str>>()?,
            ),
        })
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<NodeValue>::deserialize(deserializer)?;
        Ok(Node {
            line: spanned.referenced.line(),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<NodeValue, D::Error> {
        NodeValue::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<NodeValue, E> {
        Ok(unsigned(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> std::result::Result<NodeValue, E> {
        i64::try_from(v)
            .map(NodeValue::Int)
            .or_else(|_| u64::try_from(v).map(NodeValue::UInt))
            .map_err(|_| E::custom(format!("integer {v} is out of range")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> std::result::Result<NodeValue, E> {
        u64::try_from(v)
            .map(unsigned)
            .map_err(|_| E::custom(format!("integer {v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<NodeValue, E> {
        Ok(NodeValue::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<NodeValue, E> {
        String::from_utf8(v.to_vec())
            .map(NodeValue::String)
            .map_err(|_| E::custom("binary data is not supported"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeValue::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<NodeValue, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(key) = map.next_key::<KeyString>()? {
            let value = map.next_value::<Node>()?;
            if entries.iter().any(|(k, _)| *k == key.0) {
                return Err(de::Error::custom(format!("duplicate key `{}`", key.0)));
            }
            entries.push((key.0, value));
        }
        Ok(NodeValue::Map(entries))
    }
}

/// An unsigned integer: `Int` when it fits.
fn unsigned(v: u64) -> NodeValue {
    i64::try_from(v).map_or(NodeValue::UInt(v), NodeValue::Int)
}

/// A mapping key: a string, or a scalar written as one (`200:` is the key `"200"`).
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<KeyString, E> {
                Ok(KeyString(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Parses every document of `text` (the contents of `file`). Empty documents (a lone `---`)
/// are skipped. Errors name the file and, where the parser gives one, the line.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Node>> {
    // Deserializing recurses once per level of nesting, with deep frames in unoptimized
    // builds (build scripts): parse on a thread whose stack holds `MAX_DEPTH` levels with room
    // to spare, so that the budget, not the stack, is what stops deep input.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("krest-yaml".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || parse_on_this_thread(file, text))
            .map_err(|e| Error::new(file, 0, "", format!("starting the YAML parser: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(Error::new(file, 0, "", "the YAML parser failed")))
    })
}

/// The stack of the parsing thread.
const PARSER_STACK: usize = 64 * 1024 * 1024;

fn parse_on_this_thread(file: &str, text: &str) -> Result<Vec<Node>> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_aliases: MAX_ALIASES,
            max_nodes: MAX_NODES,
        },
    };
    let documents: Vec<Option<Node>> = serde_saphyr::from_str_multiple_with_options(text, options)
        .map_err(|e| {
            let line = e.location().map_or(0, |l| l.line());
            Error::new(file, line, "", yaml_message(&e))
        })?;
    Ok(documents
        .into_iter()
        .flatten()
        .filter(|d| !d.is_null())
        .collect())
}

/// The parser's message without the snippet it renders around it: the file and line are said
/// once, by [`Error`].
fn yaml_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // `line 3 column 5: what` -> `what` (the line is said by the error; the column is kept).
    let (column, what) = match first.split_once(": ") {
        Some((at, what)) if at.starts_with("line ") => {
            (at.split(" column ").nth(1).unwrap_or_default(), what)
        }
        _ => ("", first),
    };
    if column.is_empty() {
        format!("invalid YAML: {what}")
    } else {
        format!("invalid YAML (column {column}): {what}")
    }
}
