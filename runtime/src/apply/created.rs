//! The managed fields of a created object written straight from the object: one `Update` entry
//! owning every field the object sets, which is what recording a create through change sets
//! ([`Changes::between`] from nothing, [`Managed::update`], [`Managed::write`]) comes to,
//! without building the sets. A create is the one write whose entry is known before any
//! comparison, and the sets cost more than the rest of the create's recording.
//!
//! Objects with an item in a granular list (a set or a keyed list, whose elements sort by their
//! encodings) are left to the sets; so are builds whose `serde_json` maps do not iterate in
//! name order. Debug builds check every create written here against the sets.
//!
//! [`Changes::between`]: super::managed::Changes::between
//! [`Managed::update`]: super::managed::Managed::update
//! [`Managed::write`]: super::managed::Managed::write

use serde_json::{Map, Value};

use super::managed::{Level, Manager, Operation, Scope};
use super::typed::{Shape, Type};
use crate::stored::ManagedText;

/// The managed fields of `value`, created by `manager` at `now` through `scope`: `Some(None)`
/// when the object sets no field a manager owns, `None` when it is not one this module writes.
pub(crate) fn created(
    value: &Value,
    ty: &Type,
    scope: Scope,
    manager: &Manager,
    now: &str,
) -> Option<Option<ManagedText>> {
    if manager.operation != Operation::Update
        || !manager.subresource.is_empty()
        || !super::walk::maps_iterate_in_name_order()
    {
        return None;
    }
    let (Value::Object(root), Shape::Map(ty)) = (value, ty.shape(value)) else {
        return None;
    };
    let mut fields = String::with_capacity(128);
    fields.push('{');
    let mut written = false;
    members(
        &mut fields,
        root,
        ty,
        Level::Root,
        0,
        &mut written,
        |name| scope.reaches(name),
    )?;
    if !written {
        return Some(None);
    }
    fields.push('}');
    let mut out = String::with_capacity(fields.len() + 160);
    out.push_str("[{\"apiVersion\":");
    push_str(&mut out, &manager.api_version);
    out.push_str(",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":");
    out.push_str(&fields);
    out.push_str(",\"manager\":");
    push_str(&mut out, &manager.name);
    out.push_str(",\"operation\":\"Update\",\"time\":");
    push_str(&mut out, now);
    out.push_str("}]");
    // JSON throughout: keys and strings written escaped, nodes balanced.
    Some(Some(ManagedText::from_json(out)))
}

/// Writes the nodes of the members of `map` (a node of type `ty`) that own fields, each
/// `"f:name":{...}`, comma-separated after whatever `written` says came before. `None` when a
/// member is one this module leaves to the sets.
fn members(
    out: &mut String,
    map: &Map<String, Value>,
    ty: &Type,
    level: Level,
    depth: usize,
    written: &mut bool,
    reached: impl Fn(&str) -> bool,
) -> Option<()> {
    for (name, child) in map {
        let child_ty = ty.field(name);
        if matches!(child_ty, Type::Pruned) || !reached(name) {
            continue;
        }
        let unowned = level.unowned(name);
        // A member no one owns is walked into only when it is an object (`metadata`).
        if unowned && !child.is_object() {
            continue;
        }
        let mark = out.len();
        if *written {
            out.push(',');
        }
        out.push_str("\"f:");
        push_str_contents(out, name);
        out.push_str("\":");
        if node(out, child, child_ty, level.child(name), depth + 1, !unowned)? {
            *written = true;
        } else {
            out.truncate(mark);
        }
    }
    Some(())
}

/// Writes the node of a member that holds `value`: `{}` for a leaf, `{".":{},...}` for a map
/// with members that own fields, its members alone when the map itself is owned by no one
/// (`member` false). Whether it wrote a node; `None` for an item of a granular list.
fn node(
    out: &mut String,
    value: &Value,
    ty: &Type,
    level: Level,
    depth: usize,
    member: bool,
) -> Option<bool> {
    let leaf = |out: &mut String| {
        if member {
            out.push_str("{}");
        }
        Some(member)
    };
    if depth > super::MAX_DEPTH {
        return leaf(out);
    }
    match ty.shape(value) {
        Shape::Skip | Shape::Leaf => leaf(out),
        Shape::Map(map_ty) => match value {
            Value::Object(map) if !map.is_empty() => {
                let start = out.len();
                out.push('{');
                if member {
                    out.push_str("\".\":{}");
                }
                let before = out.len();
                let mut written = member;
                members(out, map, map_ty, level, depth, &mut written, |_| true)?;
                if out.len() > before {
                    out.push('}');
                    return Some(true);
                }
                // No member owns a field: a member map is a leaf, an unowned one writes nothing.
                out.truncate(start);
                leaf(out)
            }
            _ => leaf(out),
        },
        Shape::List(_) => match value {
            Value::Array(items) if !items.is_empty() => None,
            _ => leaf(out),
        },
    }
}

/// `text` as a JSON string.
fn push_str(out: &mut String, text: &str) {
    out.push('"');
    push_str_contents(out, text);
    out.push('"');
}

/// `text` escaped as `serde_json` escapes a string's contents.
fn push_str_contents(out: &mut String, text: &str) {
    if crate::json::needs_no_escape(text) {
        out.push_str(text);
        return;
    }
    let quoted = serde_json::to_string(text).unwrap_or_default();
    out.push_str(&quoted[1..quoted.len() - 1]);
}
