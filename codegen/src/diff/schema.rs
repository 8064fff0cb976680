//! The schema rules: two `openAPIV3Schema`s of one version, walked together field by field.
//!
//! What a stored object or an existing request may hold must stay valid, and what a client
//! reads must keep its type: removing a field, changing or narrowing its type, requiring it,
//! and every stricter validation (a bound, a length, a count, a pattern, an enum value gone, a
//! new CEL rule) break; how server-side apply merges a list or a map must not change; a default
//! must not change under existing objects. Added optional fields, looser validation, new enum
//! values (noted) and descriptions are compatible. Paths are fields of the objects:
//! `.spec.ports[*].port`, `[*]` for every item of a list and `.*` for every value of a map.

use std::collections::BTreeSet;

use serde_json::Value;

use super::rules::Sink;
use super::{Class, Rule};
use crate::yaml::{Node, NodeValue};

/// Compares the schema nodes `old` and `new`, found at `path` ("" for the object itself).
pub(crate) fn diff_schema(sink: &mut Sink<'_>, path: &str, old: &Node, new: &Node) {
    let shown = if path.is_empty() { "." } else { path };
    let cmp = Pair { old, new, shown };
    if !cmp.types(sink) {
        return;
    }
    cmp.flags(sink);
    cmp.merge_semantics(sink);
    cmp.enums(sink);
    cmp.bounds(sink);
    cmp.opaque_validation(sink);
    cmp.cel(sink);
    cmp.defaults(sink);
    if !cmp.map_values(sink, path) {
        return;
    }
    cmp.properties(sink, path);
    if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
        diff_schema(sink, &format!("{path}[*]"), o, n);
    }
}

/// The two schema nodes being compared and their path as shown.
struct Pair<'a> {
    old: &'a Node,
    new: &'a Node,
    shown: &'a str,
}

impl<'a> Pair<'a> {
    fn both(&self, key: &str) -> (Option<&'a Node>, Option<&'a Node>) {
        (self.old.get(key), self.new.get(key))
    }

    /// The line to point at for `key`: its node on the new side, or the schema itself.
    fn where_new(&self, key: &str) -> &'a Node {
        self.new.get(key).unwrap_or(self.new)
    }

    /// `type`, `x-kubernetes-int-or-string` and `x-kubernetes-embedded-resource`: false when
    /// the type changed, so that nothing below is compared.
    fn types(&self, sink: &mut Sink<'_>) -> bool {
        for key in [
            "type",
            "x-kubernetes-int-or-string",
            "x-kubernetes-embedded-resource",
        ] {
            let (o, n) = self.both(key);
            let flag = key != "type";
            let (o_set, n_set) = if flag {
                (is_true(o), is_true(n))
            } else {
                (o.is_some(), n.is_some())
            };
            if same(o, n) || (flag && o_set == n_set) {
                continue;
            }
            let message = match key {
                "type" => format!(
                    "the type changed from {} to {}",
                    describe(o, "any"),
                    describe(n, "any")
                ),
                _ => format!("`{key}` changed from {o_set} to {n_set}"),
            };
            sink.add(Class::Breaking, Rule::TypeChanged, self.shown, message)
                .values(o.map(json), n.map(json))
                .at_new(self.where_new(key));
            return false;
        }
        let (o, n) = self.both("format");
        if !same(o, n) {
            let (class, rule, message) = match n {
                None => (
                    Class::Compatible,
                    Rule::TypeWidened,
                    format!(
                        "the format {} was dropped (noted: clients typed by it may not hold every value now accepted)",
                        describe(o, "")
                    ),
                ),
                Some(_) => (
                    Class::Breaking,
                    Rule::TypeChanged,
                    format!(
                        "the format changed from {} to {}",
                        describe(o, "none"),
                        describe(n, "none")
                    ),
                ),
            };
            sink.add(class, rule, self.shown, message)
                .values(o.map(json), n.map(json))
                .at_new(self.where_new("format"));
        }
        true
    }

    /// `additionalProperties`: the values of a map compared as fields (`.*`); a map that
    /// became something else (or the reverse) is a changed type, and false is returned so that
    /// its properties are not compared.
    fn map_values(&self, sink: &mut Sink<'_>, path: &str) -> bool {
        let (o, n) = self.both("additionalProperties");
        match (o, n) {
            (Some(o), Some(n)) if o.as_map().is_some() && n.as_map().is_some() => {
                diff_schema(sink, &format!("{path}.*"), o, n);
                true
            }
            (o, n) if same(o, n) => true,
            (o, n) => {
                sink.add(
                    Class::Breaking,
                    Rule::TypeChanged,
                    self.shown,
                    "the values of the map changed type (additionalProperties)",
                )
                .values(o.map(json), n.map(json))
                .at_new(n.unwrap_or(self.new));
                false
            }
        }
    }

    /// `nullable` and `x-kubernetes-preserve-unknown-fields`: taking either away narrows.
    fn flags(&self, sink: &mut Sink<'_>) {
        for (key, what) in [
            ("nullable", "null"),
            ("x-kubernetes-preserve-unknown-fields", "unknown fields"),
        ] {
            let (o, n) = self.both(key);
            let (o_set, n_set) = (is_true(o), is_true(n));
            if o_set == n_set {
                continue;
            }
            let (class, rule, message) = if o_set {
                (
                    Class::Breaking,
                    Rule::TypeChanged,
                    format!("`{key}` was removed: {what} is no longer accepted"),
                )
            } else {
                (
                    Class::Compatible,
                    Rule::TypeWidened,
                    format!("`{key}: true` was added: {what} is now accepted"),
                )
            };
            sink.add(class, rule, self.shown, message)
                .values(Some(Value::Bool(o_set)), Some(Value::Bool(n_set)))
                .at_new(self.where_new(key));
        }
    }

    /// `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`, with
    /// their defaults (`atomic` lists, `granular` maps) when absent.
    fn merge_semantics(&self, sink: &mut Sink<'_>) {
        for (key, default) in [
            ("x-kubernetes-list-type", Some("atomic")),
            ("x-kubernetes-list-map-keys", None),
            ("x-kubernetes-map-type", Some("granular")),
        ] {
            let (o, n) = self.both(key);
            let value = |node: Option<&Node>| match (node, default) {
                (None, Some(d)) => Some(Value::String(d.into())),
                (node, _) => node.map(json),
            };
            let (ov, nv) = (value(o), value(n));
            if ov == nv {
                continue;
            }
            let message = format!(
                "`{key}` changed from {} to {}: server-side apply merges the field differently",
                show(ov.as_ref()),
                show(nv.as_ref())
            );
            sink.add(Class::Breaking, Rule::ListTypeChanged, self.shown, message)
                .values(ov, nv)
                .at_new(self.where_new(key));
        }
    }

    fn enums(&self, sink: &mut Sink<'_>) {
        let (o, n) = self.both("enum");
        let values = |node: &Node| -> Vec<Value> {
            node.as_seq().unwrap_or_default().iter().map(json).collect()
        };
        match (o, n) {
            (None, None) => {}
            (None, Some(n)) => {
                sink.add(
                    Class::Breaking,
                    Rule::ValidationTightened,
                    self.shown,
                    "an enum now limits the values",
                )
                .values(None, Some(json(n)))
                .at_new(n);
            }
            (Some(o), None) => {
                sink.add(
                    Class::Compatible,
                    Rule::ValidationLoosened,
                    self.shown,
                    "the enum was removed: any value is accepted",
                )
                .values(Some(json(o)), None)
                .at_old(o);
            }
            (Some(o), Some(n)) => {
                let (old_values, new_values) = (values(o), values(n));
                for value in old_values.iter().filter(|v| !new_values.contains(v)) {
                    sink.add(
                        Class::Breaking,
                        Rule::EnumValueRemoved,
                        self.shown,
                        format!("the enum value {value} was removed"),
                    )
                    .values(Some(value.clone()), None)
                    .at_new(n);
                }
                for value in new_values.iter().filter(|v| !old_values.contains(v)) {
                    sink.add(
                        Class::Compatible,
                        Rule::EnumValueAdded,
                        self.shown,
                        format!("the enum value {value} was added (noted: clients that handle every value may not know it)"),
                    )
                    .values(None, Some(value.clone()))
                    .at_new(n);
                }
            }
        }
    }

    /// Lower bounds (`minimum`, `minLength`, ...) may only fall and upper bounds only rise;
    /// a bound becoming exclusive tightens, and so does `uniqueItems`.
    fn bounds(&self, sink: &mut Sink<'_>) {
        for (key, lower) in [
            ("minimum", true),
            ("maximum", false),
            ("minLength", true),
            ("maxLength", false),
            ("minItems", true),
            ("maxItems", false),
            ("minProperties", true),
            ("maxProperties", false),
        ] {
            let (o, n) = self.both(key);
            let (ov, nv) = (o.and_then(number), n.and_then(number));
            let tighter = match (ov, nv) {
                (None, None) => continue,
                (Some(a), Some(b)) if a == b => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => (b > a) == lower,
            };
            let message = format!("`{key}` changed from {} to {}", show_opt(o), show_opt(n));
            self.tighter_or_looser(sink, tighter, key, message, o, n);
        }
        for key in ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"] {
            let (o, n) = self.both(key);
            if is_true(o) != is_true(n) {
                let message = format!("`{key}` changed from {} to {}", is_true(o), is_true(n));
                self.tighter_or_looser(sink, is_true(n), key, message, o, n);
            }
        }
    }

    /// `pattern`, `multipleOf` and the combinators `allOf`, `oneOf`, `anyOf` and `not`: added or
    /// changed is taken as stricter (two patterns cannot be compared), removed as looser.
    fn opaque_validation(&self, sink: &mut Sink<'_>) {
        for key in ["pattern", "multipleOf", "allOf", "oneOf", "anyOf", "not"] {
            let (o, n) = self.both(key);
            if same(o, n) {
                continue;
            }
            let mut tighter = n.is_some();
            // A multiple of a multiple: `multipleOf: 2` accepts all `multipleOf: 4` did.
            if let (Some(a), Some(b)) = (o.and_then(number), n.and_then(number)) {
                if key == "multipleOf" && b != 0.0 && (a / b).fract() == 0.0 {
                    tighter = false;
                }
            }
            let message = match (o, n) {
                (None, _) => format!("`{key}` was added"),
                (_, None) => format!("`{key}` was removed"),
                _ => format!("`{key}` changed"),
            };
            self.tighter_or_looser(sink, tighter, key, message, o, n);
        }
    }

    fn tighter_or_looser(
        &self,
        sink: &mut Sink<'_>,
        tighter: bool,
        key: &str,
        message: String,
        o: Option<&Node>,
        n: Option<&Node>,
    ) {
        let (class, rule) = if tighter {
            (Class::Breaking, Rule::ValidationTightened)
        } else {
            (Class::Compatible, Rule::ValidationLoosened)
        };
        let change = sink
            .add(class, rule, self.shown, message)
            .values(o.map(json), n.map(json));
        match n {
            Some(_) => change.at_new(self.where_new(key)),
            None => change.at_old(o.unwrap_or(self.old)),
        };
    }

    /// `x-kubernetes-validations`, matched by rule text.
    fn cel(&self, sink: &mut Sink<'_>) {
        let rules = |node: Option<&'a Node>| -> Vec<(String, &'a Node)> {
            node.and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|r| Some((r.get("rule")?.as_str()?.to_string(), r)))
                .collect()
        };
        let (o, n) = self.both("x-kubernetes-validations");
        let (old_rules, new_rules) = (rules(o), rules(n));
        for (rule, node) in &new_rules {
            match old_rules.iter().find(|(r, _)| r == rule) {
                None => {
                    sink.add(
                        Class::Breaking,
                        Rule::ValidationRuleAdded,
                        self.shown,
                        format!("a new validation rule: {rule}"),
                    )
                    .values(None, Some(Value::String(rule.clone())))
                    .at_new(node);
                }
                Some((_, old)) if !same(Some(old), Some(node)) => {
                    sink.add(
                        Class::Compatible,
                        Rule::DescriptionChanged,
                        self.shown,
                        format!("the message of the validation rule `{rule}` changed"),
                    )
                    .values(Some(json(old)), Some(json(node)))
                    .at_new(node);
                }
                Some(_) => {}
            }
        }
        for (rule, node) in &old_rules {
            if !new_rules.iter().any(|(r, _)| r == rule) {
                sink.add(
                    Class::Compatible,
                    Rule::ValidationRuleRemoved,
                    self.shown,
                    format!("the validation rule was removed: {rule}"),
                )
                .values(Some(Value::String(rule.clone())), None)
                .at_old(node);
            }
        }
    }

    fn defaults(&self, sink: &mut Sink<'_>) {
        let (o, n) = self.both("default");
        if !same(o, n) {
            let (class, rule, message) = match (o, n) {
                (None, _) => (
                    Class::Compatible,
                    Rule::DefaultAdded,
                    "a default was added".to_string(),
                ),
                (_, None) => (
                    Class::Breaking,
                    Rule::DefaultChanged,
                    "the default was removed: objects without the field read differently".into(),
                ),
                _ => (
                    Class::Breaking,
                    Rule::DefaultChanged,
                    format!(
                        "the default changed from {} to {}",
                        show_opt(o),
                        show_opt(n)
                    ),
                ),
            };
            sink.add(class, rule, self.shown, message)
                .values(o.map(json), n.map(json))
                .at_new(self.where_new("default"));
        }
        let (o, n) = self.both("description");
        if !same(o, n) {
            sink.add(
                Class::Compatible,
                Rule::DescriptionChanged,
                self.shown,
                "the description changed",
            )
            .values(o.map(json), n.map(json))
            .at_new(self.where_new("description"));
        }
    }

    /// `properties` and `required`: fields removed, added, made required or optional; the
    /// fields on both sides are compared in turn.
    fn properties(&self, sink: &mut Sink<'_>, path: &str) {
        let props = |node: &'a Node| -> &'a [(String, Node)] {
            node.get("properties")
                .and_then(Node::as_map)
                .unwrap_or_default()
        };
        let required = |node: &Node| -> BTreeSet<String> {
            node.get("required")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        };
        let (old_props, new_props) = (props(self.old), props(self.new));
        let (old_req, new_req) = (required(self.old), required(self.new));
        let has = |list: &[(String, Node)], name: &str| list.iter().any(|(k, _)| k == name);
        for (name, old) in old_props {
            let field = format!("{path}.{name}");
            match self.new.get("properties").and_then(|p| p.get(name)) {
                Some(new) => diff_schema(sink, &field, old, new),
                None => {
                    sink.add(
                        Class::Breaking,
                        Rule::FieldRemoved,
                        &field,
                        "the field was removed",
                    )
                    .at_old(old);
                }
            }
        }
        for (name, new) in new_props {
            if has(old_props, name) {
                continue;
            }
            let field = format!("{path}.{name}");
            if new_req.contains(name) {
                sink.add(
                    Class::Breaking,
                    Rule::RequiredFieldAdded,
                    &field,
                    "a new required field: objects and requests without it are rejected",
                )
                .at_new(new);
            } else {
                sink.add(
                    Class::Compatible,
                    Rule::FieldAdded,
                    &field,
                    "a new optional field",
                )
                .at_new(new);
            }
        }
        for name in new_req.difference(&old_req) {
            if has(new_props, name) && !has(old_props, name) {
                continue; // reported as a new required field
            }
            sink.add(
                Class::Breaking,
                Rule::FieldMadeRequired,
                &format!("{path}.{name}"),
                "the field is now required",
            )
            .at_new(self.where_new("required"));
        }
        for name in old_req.difference(&new_req) {
            if has(old_props, name) && !has(new_props, name) {
                continue; // reported as removed
            }
            sink.add(
                Class::Compatible,
                Rule::FieldMadeOptional,
                &format!("{path}.{name}"),
                "the field is no longer required",
            )
            .at_new(self.new);
        }
    }
}

/// The node as JSON; a node JSON cannot hold (a non-finite number) as null.
pub(crate) fn json(node: &Node) -> Value {
    node.to_json().unwrap_or(Value::Null)
}

/// Whether two optional nodes hold the same value, whatever their lines.
pub(crate) fn same(a: Option<&Node>, b: Option<&Node>) -> bool {
    a.map(json) == b.map(json)
}

fn is_true(node: Option<&Node>) -> bool {
    node.and_then(Node::as_bool).unwrap_or(false)
}

fn number(node: &Node) -> Option<f64> {
    match node.value {
        NodeValue::Int(i) => Some(i as f64),
        NodeValue::UInt(u) => Some(u as f64),
        NodeValue::Float(f) => Some(f),
        _ => None,
    }
}

fn describe(node: Option<&Node>, none: &str) -> String {
    node.map_or_else(|| none.to_string(), |n| format!("`{}`", json(n)))
        .replace('"', "")
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".to_string(), |v| format!("`{v}`"))
}

fn show_opt(node: Option<&Node>) -> String {
    show(node.map(json).as_ref())
}
