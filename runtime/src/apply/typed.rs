//! The shape of a kind as field ownership sees it, compiled from its structural schema: which
//! nodes are scalars, which objects are structs (named fields) or maps, and how each list's
//! items are told apart (`x-kubernetes-list-type`).
//!
//! The defaults are kube-apiserver's for custom resources: a list without a type is atomic, an
//! object is granular unless `x-kubernetes-map-type: atomic`, a node that keeps unknown fields
//! (or has no type) is *deduced* from its value (objects granular, lists atomic).
//! `metadata` is always `ObjectMeta`'s shape, whatever the kind's schema says of it.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::set::{canonical, Pe};

/// A node of a kind's shape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Type {
    /// A value owned as a whole: scalars, int-or-string, and anything atomic.
    Scalar,
    /// An object: named fields (a struct), other members typed by `elem`.
    Map(MapType),
    /// An array.
    List(ListType),
    /// Typed by its value: an object is a granular map of deduced members, anything else is
    /// owned as a whole.
    Deduced,
    /// A member the schema does not know, which the write prunes: no one owns it.
    Pruned,
}

/// An object's shape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MapType {
    /// The fields the schema names (`properties`).
    pub fields: BTreeMap<String, Type>,
    /// The type of the other members (`additionalProperties`, or deduced).
    pub elem: Box<Type>,
    /// `x-kubernetes-map-type: atomic`: owned and replaced as a whole.
    pub atomic: bool,
}

/// How a list's items are identified.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ListKind {
    /// Replaced as a whole (the default).
    Atomic,
    /// `set`: scalar items, identified by value.
    Set,
    /// `map`: object items identified by the key fields, each with its schema default.
    Map(Vec<(String, Option<Value>)>),
}

/// An array's shape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ListType {
    pub elem: Box<Type>,
    pub kind: ListKind,
}

/// How deep a schema is compiled; deeper nodes are deduced.
const MAX_DEPTH: usize = 64;

impl Type {
    /// The shape of a whole object from the kind's structural schema, with `metadata` as
    /// `ObjectMeta`.
    pub fn object(schema: &Value) -> Type {
        let mut root = Type::compile(schema, 0);
        match &mut root {
            Type::Map(map) => {
                map.fields.insert("metadata".into(), object_meta());
                for name in ["apiVersion", "kind"] {
                    map.fields.insert(name.into(), Type::Scalar);
                }
            }
            other => {
                let mut fields = BTreeMap::new();
                fields.insert("metadata".into(), object_meta());
                *other = Type::Map(MapType {
                    fields,
                    elem: Box::new(Type::Deduced),
                    atomic: false,
                });
            }
        }
        root
    }

    /// Compiles one schema node.
    pub fn compile(schema: &Value, depth: usize) -> Type {
        let Value::Object(s) = schema else {
            return Type::Deduced;
        };
        if depth > MAX_DEPTH {
            return Type::Deduced;
        }
        let flag = |key: &str| s.get(key) == Some(&Value::Bool(true));
        if flag("x-kubernetes-int-or-string") {
            return Type::Scalar;
        }
        match s.get("type").and_then(Value::as_str) {
            Some("object") => {
                let fields: BTreeMap<String, Type> = match s.get("properties") {
                    Some(Value::Object(props)) => props
                        .iter()
                        .map(|(name, sub)| (name.clone(), Type::compile(sub, depth + 1)))
                        .collect(),
                    _ => BTreeMap::new(),
                };
                // Members the schema does not name are pruned by the write (as a custom
                // resource's are, before kube-apiserver's field manager sees them), unless the
                // node keeps unknown fields.
                let elem = match s.get("additionalProperties") {
                    Some(sub @ Value::Object(_)) => Type::compile(sub, depth + 1),
                    _ if flag("x-kubernetes-preserve-unknown-fields") || fields.is_empty() => {
                        Type::Deduced
                    }
                    _ => Type::Pruned,
                };
                let atomic =
                    s.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic");
                if fields.is_empty() && !atomic && elem == Type::Deduced {
                    return Type::Deduced;
                }
                Type::Map(MapType {
                    fields,
                    elem: Box::new(elem),
                    atomic,
                })
            }
            Some("array") => {
                let items = s.get("items").cloned().unwrap_or(Value::Null);
                let elem = Type::compile(&items, depth + 1);
                let kind = match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
                    Some("set") => ListKind::Set,
                    Some("map") => {
                        let keys = s
                            .get("x-kubernetes-list-map-keys")
                            .and_then(Value::as_array)
                            .map(|k| k.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                            .unwrap_or_default();
                        if keys.is_empty() {
                            ListKind::Atomic
                        } else {
                            ListKind::Map(
                                keys.into_iter()
                                    .map(|k| {
                                        (
                                            k.to_string(),
                                            items["properties"][k].get("default").cloned(),
                                        )
                                    })
                                    .collect(),
                            )
                        }
                    }
                    _ => ListKind::Atomic,
                };
                Type::List(ListType {
                    elem: Box::new(elem),
                    kind,
                })
            }
            Some(_) => Type::Scalar,
            None => Type::Deduced,
        }
    }

    /// The type of member `name` of an object of this type.
    pub fn field(&self, name: &str) -> &Type {
        match self {
            Type::Map(map) => map.fields.get(name).unwrap_or(&map.elem),
            _ => &Type::Deduced,
        }
    }

    /// Whether `name` is a field the schema names (a struct field, not a map entry).
    pub fn is_named(&self, name: &str) -> bool {
        matches!(self, Type::Map(map) if map.fields.contains_key(name))
    }

    /// The type of the item `pe` of a value of this type.
    pub fn child(&self, pe: &Pe) -> &Type {
        match (self, pe) {
            (Type::Map(_), Pe::Field(name)) => self.field(name),
            (Type::List(list), _) => &list.elem,
            _ => &Type::Deduced,
        }
    }

    /// How a value of this type is walked.
    pub fn shape(&self, value: &Value) -> Shape<'_> {
        match self {
            Type::Scalar => Shape::Leaf,
            Type::Map(map) if map.atomic => Shape::Leaf,
            Type::Map(_) => Shape::Map(self),
            Type::List(list) if list.kind == ListKind::Atomic => Shape::Leaf,
            Type::List(list) => Shape::List(list),
            Type::Deduced if value.is_object() => Shape::Map(&Type::Deduced),
            Type::Deduced => Shape::Leaf,
            Type::Pruned => Shape::Skip,
        }
    }
}

/// How a value is walked: as a whole, member by member, item by item, or not at all.
pub(crate) enum Shape<'a> {
    Leaf,
    Map(&'a Type),
    List(&'a ListType),
    /// A member the write prunes: owned by no one, compared with nothing.
    Skip,
}

impl ListType {
    /// The path element of `item`, the `index`th of a granular list.
    pub fn element(&self, item: &Value, index: usize) -> Result<Pe, String> {
        match &self.kind {
            ListKind::Atomic => Ok(Pe::Index(index)),
            ListKind::Set => match item {
                Value::Object(_) => {
                    Err("associative list without keys has an element that's a map type".into())
                }
                Value::Array(_) => {
                    Err("not supported: associative list with lists as elements".into())
                }
                Value::Null => Err(
                    "associative list without keys has an element that's an explicit null".into(),
                ),
                scalar => Ok(Pe::Value(canonical(scalar))),
            },
            ListKind::Map(keys) => {
                let fields = match item {
                    Value::Object(fields) => fields,
                    Value::Null => {
                        return Err("associative list with keys may not have a null element".into())
                    }
                    _ => {
                        return Err(
                            "associative list with keys may not have non-map elements".into()
                        )
                    }
                };
                let mut key = Map::new();
                for (name, default) in keys {
                    if let Some(value) = fields.get(name).or(default.as_ref()) {
                        key.insert(name.clone(), value.clone());
                    }
                }
                if key.is_empty() {
                    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
                    return Err(format!(
                        "associative list with keys has an element that omits all key fields {} (and doesn't have default values for any key fields)",
                        go_strings(&names)
                    ));
                }
                Ok(Pe::Key(canonical(&Value::Object(key))))
            }
        }
    }
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_strings(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| Value::from(*s).to_string()).collect();
    format!("[{}]", quoted.join(" "))
}

/// `ObjectMeta`'s shape, as kube-apiserver's schema declares it.
fn object_meta() -> Type {
    let string_map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let schema = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "generateName": {"type": "string"},
            "namespace": {"type": "string"},
            "selfLink": {"type": "string"},
            "uid": {"type": "string"},
            "resourceVersion": {"type": "string"},
            "generation": {"type": "integer"},
            "creationTimestamp": {"type": "string"},
            "deletionTimestamp": {"type": "string"},
            "deletionGracePeriodSeconds": {"type": "integer"},
            "labels": string_map,
            "annotations": string_map,
            "finalizers": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
            "ownerReferences": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["uid"],
                "items": {"type": "object", "properties": {
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "name": {"type": "string"},
                    "uid": {"type": "string"},
                    "controller": {"type": "boolean"},
                    "blockOwnerDeletion": {"type": "boolean"},
                }},
            },
            "managedFields": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
        },
    });
    Type::compile(&schema, 0)
}
