//! Field paths and sets of them, and their `FieldsV1` encoding in `metadata.managedFields`.
//!
//! A path is a list of elements: a field of an object (`f:name`), an item of a keyed list
//! (`k:{"name":"a"}`), an item of a set (`v:"x"`) or an item by position (`i:0`). A [`Set`] is a
//! trie of such paths; a node is a *member* when the path ending there is itself in the set
//! (a leaf, or a map or list item that is owned as a whole), and has *children* for the longer
//! paths through it. `FieldsV1` writes each node as a JSON object keyed by its elements, with
//! `".": {}` marking a node that is both a member and has children.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

/// One element of a field path. The derived order is kube-apiserver's: fields, then keyed
/// items, then set values, then indices.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Pe {
    /// A member of an object.
    Field(String),
    /// An item of a keyed list: its key fields as canonical JSON (an object, names sorted).
    Key(String),
    /// An item of a set: the item as canonical JSON.
    Value(String),
    /// An item by position.
    Index(usize),
}

impl Pe {
    /// The element as a `FieldsV1` key.
    pub fn encode(&self) -> String {
        Encoded(self).to_string()
    }

    /// Reads a `FieldsV1` key.
    pub fn decode(key: &str) -> Result<Pe, String> {
        let (kind, rest) = key
            .split_once(':')
            .ok_or_else(|| format!("invalid path element {key:?}: no type prefix"))?;
        match kind {
            "f" => Ok(Pe::Field(rest.to_string())),
            "k" => match serde_json::from_str::<Value>(rest) {
                Ok(Value::Object(map)) => Ok(Pe::Key(canonical(&Value::Object(map)))),
                _ => Err(format!("invalid key in path element {key:?}")),
            },
            "v" => serde_json::from_str::<Value>(rest)
                .map(|v| Pe::Value(canonical(&v)))
                .map_err(|_| format!("invalid value in path element {key:?}")),
            "i" => rest
                .parse::<usize>()
                .map(Pe::Index)
                .map_err(|_| format!("invalid index in path element {key:?}")),
            _ => Err(format!(
                "invalid path element {key:?}: unknown type {kind:?}"
            )),
        }
    }
}

/// A value as compact JSON with object members sorted by name (serde_json's map is ordered).
pub(crate) fn canonical(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// How Go's `%q`/`%v` print a value in a field path (`.spec.ports[port=80,protocol="TCP"]`).
fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(","))
        }
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", show(v)))
            .collect::<Vec<_>>()
            .join(""),
        other => other.to_string(),
    }
}

impl fmt::Display for Pe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pe::Field(name) => write!(f, ".{name}"),
            Pe::Key(json) => {
                let map = match serde_json::from_str::<Value>(json) {
                    Ok(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{k}={}", show(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            Pe::Value(json) => {
                let value = serde_json::from_str::<Value>(json).unwrap_or(Value::Null);
                write!(f, "[={}]", show(&value))
            }
            Pe::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A field path.
pub(crate) type Path = Vec<Pe>;

/// A path element as a comparison meets it: a member's name borrowed from the objects
/// compared, or a list item's element. A write changes a few fields: only the paths the field
/// sets keep are made into [`Path`]s, whose members own their names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Step<'v> {
    Field(&'v str),
    Item(Pe),
}

/// A path of [`Step`]s.
pub(crate) type Steps<'v> = Vec<Step<'v>>;

/// The path `steps` lead to.
pub(crate) fn path_of(steps: &[Step]) -> Path {
    let pe = |s: &Step| match s {
        Step::Field(name) => Pe::Field((*name).to_owned()),
        Step::Item(pe) => pe.clone(),
    };
    steps.iter().map(pe).collect()
}

/// A path as kube-apiserver prints it in conflicts: `.spec.color`, `.spec.ports[port=80]`.
pub(crate) fn show_path(path: &[Pe]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// A set of field paths, as a trie.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Set {
    members: BTreeSet<Pe>,
    children: BTreeMap<Pe, Set>,
}

impl Set {
    /// The empty set.
    pub fn new() -> Set {
        Set::default()
    }

    /// Whether the set holds no path.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(Set::is_empty)
    }

    /// The set of the paths `steps` lead to.
    pub fn of_steps(steps: &[Steps]) -> Set {
        let mut set = Set::new();
        for path in steps {
            set.insert(&path_of(path));
        }
        set
    }

    /// Adds `path` (the empty path is not a member of anything and is ignored).
    pub fn insert(&mut self, path: &[Pe]) {
        match path {
            [] => {}
            [last] => {
                if !self.members.contains(last) {
                    self.members.insert(last.clone());
                }
            }
            // Looked up before it is copied: most inserts land under a node that exists.
            [first, rest @ ..] => match self.children.get_mut(first) {
                Some(child) => child.insert(rest),
                None => self.children.entry(first.clone()).or_default().insert(rest),
            },
        }
    }

    /// Whether `path` is a member.
    #[cfg(test)]
    pub fn has(&self, path: &[Pe]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// Whether `pe` is a member at this level.
    pub fn has_member(&self, pe: &Pe) -> bool {
        self.members.contains(pe)
    }

    /// The paths below `pe`, with `pe` taken off, if any.
    pub fn child(&self, pe: &Pe) -> Option<&Set> {
        self.children.get(pe).filter(|c| !c.is_empty())
    }

    /// Paths in either set.
    #[cfg(test)]
    pub fn union(&self, other: &Set) -> Set {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// Adds every path of `other`; whether that added any.
    pub fn union_with(&mut self, other: &Set) -> bool {
        let mut added = false;
        for pe in &other.members {
            if !self.members.contains(pe) {
                added |= self.members.insert(pe.clone());
            }
        }
        for (pe, child) in &other.children {
            if child.is_empty() {
                continue;
            }
            added |= match self.children.get_mut(pe) {
                Some(mine) => mine.union_with(child),
                None => self
                    .children
                    .entry(pe.clone())
                    .or_default()
                    .union_with(child),
            };
        }
        added
    }

    /// Paths in `self` and not in `other`.
    pub fn difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, child)| {
                let rest = match other.children.get(pe) {
                    Some(theirs) => child.difference(theirs),
                    None => child.clone(),
                };
                (!rest.is_empty()).then(|| (pe.clone(), rest))
            })
            .collect();
        Set { members, children }
    }

    /// Takes the paths of `other` out of this set, in place (only the nodes both share are
    /// visited); whether that took any.
    pub fn subtract(&mut self, other: &Set) -> bool {
        let before = self.members.len();
        if other.members.len() < self.members.len() {
            for pe in &other.members {
                self.members.remove(pe);
            }
        } else {
            self.members.retain(|pe| !other.members.contains(pe));
        }
        let mut took = self.members.len() != before;
        for (pe, theirs) in &other.children {
            if let Some(mine) = self.children.get_mut(pe) {
                took |= mine.subtract(theirs);
                if mine.is_empty() {
                    self.children.remove(pe);
                }
            }
        }
        took
    }

    /// Takes `pe`, and everything under it, out of this level.
    pub fn remove_subtree(&mut self, pe: &Pe) {
        self.members.remove(pe);
        self.children.remove(pe);
    }

    /// Only `pe` and what is under it.
    pub fn only_subtree(&self, pe: &Pe) -> Set {
        let mut out = Set::new();
        if self.members.contains(pe) {
            out.members.insert(pe.clone());
        }
        if let Some(child) = self.children.get(pe) {
            out.children.insert(pe.clone(), child.clone());
        }
        out
    }

    /// Paths in both sets.
    pub fn intersection(&self, other: &Set) -> Set {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, child)| {
                let both = child.intersection(other.children.get(pe)?);
                (!both.is_empty()).then(|| (pe.clone(), both))
            })
            .collect();
        Set { members, children }
    }

    /// Every member path, in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        let keys: BTreeSet<&Pe> = self.members.iter().chain(self.children.keys()).collect();
        for pe in keys {
            prefix.push(pe.clone());
            if self.members.contains(pe) {
                out.push(prefix.clone());
            }
            if let Some(child) = self.children.get(pe) {
                child.collect(prefix, out);
            }
            prefix.pop();
        }
    }

    /// Adds a member for each child node of this level that `keep` accepts (used to make the
    /// named fields of structs members, as kube-apiserver does before pruning).
    pub(crate) fn add_members_where(&mut self, keep: impl Fn(&Pe) -> bool) {
        let named: Vec<Pe> = self
            .children
            .iter()
            .filter(|(pe, child)| !child.is_empty() && keep(pe))
            .map(|(pe, _)| pe.clone())
            .collect();
        self.members.extend(named);
    }

    /// The child nodes, to walk them.
    pub(crate) fn children_mut(&mut self) -> impl Iterator<Item = (&Pe, &mut Set)> {
        self.children.iter_mut()
    }

    /// The set as a `FieldsV1` object (tests compare them as values).
    #[cfg(test)]
    pub fn to_fields_v1(&self) -> Value {
        serde_json::to_value(FieldsV1(self)).unwrap_or_default()
    }

    /// Reads a `FieldsV1` object (tests write them as values).
    #[cfg(test)]
    pub fn from_fields_v1(value: &Value) -> Result<Set, String> {
        Set::parse(&value.to_string())
    }

    /// Reads `FieldsV1` from its JSON text, straight into the trie.
    pub fn parse(text: &str) -> Result<Set, String> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(text);
        let node = Node { depth: 0 }
            .deserialize(&mut de)
            .and_then(|node| de.end().map(|()| node))
            .map_err(|e| e.to_string())?;
        Ok(node.set)
    }
}

/// A set written as a `FieldsV1` object: each node an object keyed by its path elements'
/// encodings in sorted order, with `".": {}` first in a node that is also a member.
pub(crate) struct FieldsV1<'a>(pub &'a Set);

impl serde::Serialize for FieldsV1<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        NodeOut {
            set: Some(self.0),
            member: false,
        }
        .serialize(serializer)
    }
}

/// One `FieldsV1` node: the paths under it, and whether it is itself a member.
struct NodeOut<'a> {
    set: Option<&'a Set>,
    member: bool,
}

impl serde::Serialize for NodeOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        let Some(set) = self.set else {
            return map.end();
        };
        if self.member {
            map.serialize_entry(".", &Empty)?;
        }
        // Keys are written in the order of their encodings, which is the elements' own order
        // unless there are indices (`i:` sorts before `k:` and `v:`, and `i:10` before `i:2`).
        let keys = || set.members.iter().chain(set.children.keys());
        if !keys().any(|pe| matches!(pe, Pe::Index(_))) {
            let mut members = set.members.iter().peekable();
            let mut children = set
                .children
                .iter()
                .filter(|(_, c)| !c.is_empty())
                .peekable();
            loop {
                let member_first = match (members.peek(), children.peek()) {
                    (None, None) => break,
                    (Some(m), Some((c, _))) => m < c,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                };
                if member_first {
                    if let Some(pe) = members.next() {
                        map.serialize_entry(&Encoded(pe), &Empty)?;
                    }
                } else if let Some((pe, child)) = children.next() {
                    // A member that also has children is written once, with `"."`.
                    let member = members.next_if_eq(&pe).is_some();
                    let node = NodeOut {
                        set: Some(child),
                        member,
                    };
                    map.serialize_entry(&Encoded(pe), &node)?;
                }
            }
            return map.end();
        }
        let mut nodes: BTreeMap<String, NodeOut<'_>> = BTreeMap::new();
        for pe in &set.members {
            nodes.insert(
                pe.encode(),
                NodeOut {
                    set: None,
                    member: true,
                },
            );
        }
        for (pe, child) in &set.children {
            if !child.is_empty() {
                let node = nodes.entry(pe.encode()).or_insert(NodeOut {
                    set: None,
                    member: false,
                });
                node.set = Some(child);
            }
        }
        for (key, node) in &nodes {
            if node.set.is_some() {
                map.serialize_entry(key, node)?;
            } else {
                map.serialize_entry(key, &Empty)?;
            }
        }
        map.end()
    }
}

/// An element as a `FieldsV1` key, written without an intermediate string.
struct Encoded<'a>(&'a Pe);

impl fmt::Display for Encoded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Pe::Field(name) => write!(f, "f:{name}"),
            Pe::Key(json) => write!(f, "k:{json}"),
            Pe::Value(json) => write!(f, "v:{json}"),
            Pe::Index(i) => write!(f, "i:{i}"),
        }
    }
}

impl serde::Serialize for Encoded<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `{}`.
struct Empty;

impl serde::Serialize for Empty {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        serializer.serialize_map(Some(0))?.end()
    }
}

/// A `FieldsV1` node read: the paths under it, whether it holds `"."`, and whether it holds
/// any path element.
struct Parsed {
    set: Set,
    dot: bool,
    elements: bool,
}

/// Reads one `FieldsV1` node at a depth.
struct Node {
    depth: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Node {
    type Value = Parsed;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Parsed, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Node {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object in fieldsV1")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        use serde::de::Error;
        if self.depth > super::MAX_DEPTH {
            return Err(A::Error::custom("fieldsV1 nests too deeply"));
        }
        let mut out = Parsed {
            set: Set::new(),
            dot: false,
            elements: false,
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "." {
                map.next_value::<serde::de::IgnoredAny>()?;
                out.dot = true;
                continue;
            }
            out.elements = true;
            let pe = Pe::decode(&key).map_err(A::Error::custom)?;
            let inner = map.next_value_seed(Node {
                depth: self.depth + 1,
            })?;
            if !inner.elements || inner.dot {
                out.set.members.insert(pe.clone());
            }
            // An element written twice holds the union of both, as in kube-apiserver.
            if inner.elements {
                match out.set.children.get_mut(&pe) {
                    Some(child) => {
                        child.union_with(&inner.set);
                    }
                    None => {
                        out.set.children.insert(pe, inner.set);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A path from `FieldsV1`-style keys, for tests and literals: `path(&["f:spec", "f:color"])`.
#[cfg(test)]
pub(crate) fn path(keys: &[&str]) -> Path {
    keys.iter()
        .map(|k| Pe::decode(k).expect("valid element"))
        .collect()
}
