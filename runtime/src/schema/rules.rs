//! What kube-apiserver checks of a custom resource after its schema's value validations: the
//! uniqueness of `x-kubernetes-list-type: set` and `map` lists, the `apiVersion`, `kind` and
//! `metadata` of `x-kubernetes-embedded-resource` objects, and the CEL rules of
//! `x-kubernetes-validations`.
//!
//! The rules are compiled once, when the server is built ([`attach`], with the
//! [`krest_codegen::cel`] module the code generators also check them with); a write evaluates
//! them on the object with `self` bound at each rule's place and `oldSelf` at the same place in
//! the stored object (correlated through keyed lists and sets), within a runtime cost budget.

use serde_json::{Map, Value};

use crate::codegen::cel::schema::{child_cardinality, node_rules, Problem};
use crate::codegen::cel::{evaluate_node, Budget, Outcome, PER_SCHEMA_COST_LIMIT};
use crate::json::Positions;
use crate::status::Cause;

use super::validate::{push_index, Node};

/// How a list's items are told apart (`x-kubernetes-list-type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ListType {
    /// Each item is unique.
    Set,
    /// Each item is unique by these keys.
    Map(Vec<String>),
}

impl ListType {
    /// Whether two items are the same item of the list.
    fn same(&self, a: &Value, b: &Value) -> bool {
        match self {
            ListType::Set => a == b,
            ListType::Map(keys) => keys.iter().all(|k| a.get(k) == b.get(k)),
        }
    }
}

/// Items of a list found by identity (the item in a set, its key fields in a keyed list).
struct Identities<'a> {
    list_type: &'a ListType,
    items: &'a [Value],
    /// The first item of each identity only.
    positions: Positions,
}

impl<'a> Identities<'a> {
    fn new(list_type: &'a ListType, items: &'a [Value]) -> Identities<'a> {
        Identities {
            list_type,
            items,
            positions: Positions::new(),
        }
    }

    /// All of a list's items.
    fn of(list_type: &'a ListType, items: &'a [Value]) -> Identities<'a> {
        let mut all = Identities::new(list_type, items);
        for i in 0..items.len() {
            all.add(i);
        }
        all
    }

    fn hash(&self, item: &Value) -> u64 {
        match self.list_type {
            ListType::Set => self.positions.hash([Some(item)]),
            ListType::Map(keys) => self.positions.hash(keys.iter().map(|k| item.get(k))),
        }
    }

    /// The position of the first item added that is the same as `item`.
    fn find(&self, item: &Value) -> Option<usize> {
        let same = self.positions.get(self.hash(item));
        same.iter()
            .copied()
            .find(|&i| self.list_type.same(&self.items[i], item))
    }

    /// Adds the item at `i` unless an item the same was added before; whether it was new.
    fn add(&mut self, i: usize) -> bool {
        if self.find(&self.items[i]).is_some() {
            return false;
        }
        self.positions.insert(self.hash(&self.items[i]), i);
        true
    }
}

/// Compiles the rules of `schema` into `node` and the nodes below it, with their cardinality
/// (how many times a rule may run on one object); rules that do not compile become `problems`,
/// and `count` counts those that do. Returns the total estimated cost.
pub(super) fn attach(
    node: &mut Node,
    schema: &Value,
    cardinality: u64,
    path: &str,
    problems: &mut Vec<Problem>,
    count: &mut usize,
) -> u64 {
    let rules = node_rules(schema, cardinality, path);
    problems.extend(rules.problems);
    *count += rules.programs.len();
    let mut total = rules.cost;
    if !rules.programs.is_empty() {
        node.rules = rules.programs;
        node.rule_schema = Some(schema.clone());
    }
    node.list_type = match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => Some(ListType::Set),
        Some("map") => Some(ListType::Map(
            schema
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|keys| {
                    keys.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        )),
        _ => None,
    };
    node.embedded = schema.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true));
    let mut below = false;
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub_schema) in properties {
            if let Some(sub) = node.properties.get_mut(name) {
                total = total.saturating_add(attach(
                    sub,
                    sub_schema,
                    cardinality,
                    &format!("{path}.properties[{name}]"),
                    problems,
                    count,
                ));
                below |= sub.checks_below;
            }
        }
    }
    let children = child_cardinality(schema, cardinality);
    if let (Some(items), Some(sub_schema)) = (node.items.as_deref_mut(), schema.get("items")) {
        total = total.saturating_add(attach(
            items,
            sub_schema,
            children,
            &format!("{path}.items"),
            problems,
            count,
        ));
        below |= items.checks_below;
    }
    if let (Some(additional), Some(sub_schema)) = (
        node.additional.as_deref_mut(),
        schema.get("additionalProperties"),
    ) {
        total = total.saturating_add(attach(
            additional,
            sub_schema,
            children,
            &format!("{path}.additionalProperties"),
            problems,
            count,
        ));
        below |= additional.checks_below;
    }
    node.checks_below =
        below || !node.rules.is_empty() || node.list_type.is_some() || node.embedded;
    total
}

/// Checks the schema's total estimated cost.
pub(super) fn check_total(total: u64, problems: &mut Vec<Problem>) {
    if total > PER_SCHEMA_COST_LIMIT {
        problems.push(Problem {
            path: "openAPIV3Schema".into(),
            rule: String::new(),
            index: 0,
            message: crate::codegen::cel::cost_message(
                "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                total,
                PER_SCHEMA_COST_LIMIT,
            ),
        });
    }
}

/// Whether the causes so far keep rules from running, as kube-apiserver's `hasBlockingErr`:
/// a wrong type, a missing required field, a value not in its enum, too long or too many.
pub(super) fn blocking(causes: &[Cause]) -> bool {
    causes.iter().any(|c| {
        matches!(
            c.reason,
            "FieldValueNotSupported"
                | "FieldValueRequired"
                | "FieldValueTooLong"
                | "FieldValueTooMany"
                | "FieldValueTypeInvalid"
        ) || c.message.contains(" must be of type ")
    })
}

/// The cause kube-apiserver adds when [`blocking`] causes kept the rules from running.
pub(super) fn not_checked() -> Cause {
    Cause::new(
        "FieldValueInvalid",
        "",
        "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
    )
}

/// The uniqueness of sets and keyed lists, and embedded resources' type and metadata, at and
/// below `node`.
pub(super) fn structure(node: &Node, value: &Value, path: &mut String, causes: &mut Vec<Cause>) {
    if !node.checks_below {
        return;
    }
    match value {
        Value::Array(items) => {
            if let Some(list_type) = &node.list_type {
                duplicates(list_type, items, path, causes);
            }
            if let Some(item_node) = &node.items {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    push_index(path, i);
                    structure(item_node, item, path, causes);
                    path.truncate(len);
                }
            }
        }
        Value::Object(fields) => {
            if node.embedded {
                embedded(fields, path, causes);
            }
            each_field(node, fields, path, |sub, _, field, path| {
                structure(sub, field, path, causes)
            });
        }
        _ => {}
    }
}

/// Calls `f` on each field of `fields` that has a node, with the path extended.
fn each_field(
    node: &Node,
    fields: &Map<String, Value>,
    path: &mut String,
    mut f: impl FnMut(&Node, &str, &Value, &mut String),
) {
    for (name, field) in fields {
        let len = path.len();
        if let Some(sub) = node.properties.get(name) {
            if !sub.checks_below {
                continue;
            }
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(name);
            f(sub, name, field, path);
        } else if let Some(sub) = node.additional.as_deref() {
            if !sub.checks_below {
                continue;
            }
            path.push('[');
            path.push_str(name);
            path.push(']');
            f(sub, name, field, path);
        }
        path.truncate(len);
    }
}

/// A list's duplicates: `Duplicate value: "a"` for a set, the keys for a keyed list.
fn duplicates(list_type: &ListType, items: &[Value], path: &str, causes: &mut Vec<Cause>) {
    let key = |item: &Value| -> Value {
        match list_type {
            ListType::Set => item.clone(),
            ListType::Map(keys) => Value::Object(
                keys.iter()
                    .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())))
                    .collect(),
            ),
        }
    };
    let mut seen = Identities::new(list_type, items);
    for (i, item) in items.iter().enumerate() {
        if seen.add(i) {
            continue;
        }
        let k = key(item);
        let shown = match (&k, list_type) {
            (Value::Object(map), ListType::Map(_)) => format!(
                "map[string]interface {{}}{{{}}}",
                map.iter()
                    .map(|(k, v)| format!("\"{k}\":{}", go_value(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => go_value(&k),
        };
        causes.push(Cause::new(
            "FieldValueDuplicate",
            format!("{path}[{i}]"),
            format!("Duplicate value: {shown}"),
        ));
    }
}

/// A value as Go's `%#v` shows a decoded JSON scalar in a cause.
fn go_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// An embedded resource's `apiVersion`, `kind` and `metadata.name`, as apiextensions checks
/// them.
fn embedded(fields: &Map<String, Value>, path: &str, causes: &mut Vec<Cause>) {
    let child = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    for key in ["apiVersion", "kind"] {
        if fields
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            causes.push(Cause::new(
                "FieldValueRequired",
                child(key),
                "Required value: must not be empty",
            ));
        }
    }
    if let Some(Value::String(name)) = fields.get("metadata").and_then(|m| m.get("name")) {
        if !crate::codegen::is_dns_subdomain(name) {
            causes.push(Cause::new(
                "FieldValueInvalid",
                child("metadata.name"),
                format!(
                    "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                ),
            ));
        }
    }
}

/// Evaluates the rules at and below `node` on `value`, with `old` the value at the same place
/// before an update. Stops, returning false, when the budget runs out: no rule runs after.
pub(super) fn evaluate(
    node: &Node,
    value: &Value,
    old: Option<&Value>,
    path: &mut String,
    causes: &mut Vec<Cause>,
    budget: &mut Budget,
) -> bool {
    if !node.checks_below || value.is_null() {
        return true;
    }
    if let Some(schema) = &node.rule_schema {
        let mut out_of_budget = false;
        evaluate_node(
            &node.rules,
            value,
            schema,
            old,
            budget,
            |outcome| match outcome {
                Outcome::Fail(failure) => causes.push(cause(path, failure)),
                Outcome::OutOfBudget(failure) => {
                    out_of_budget = true;
                    causes.push(cause(path, failure));
                }
                Outcome::Pass => {}
            },
        );
        if out_of_budget {
            return false;
        }
    }
    match value {
        Value::Array(items) => {
            let Some(item_node) = node.items.as_deref() else {
                return true;
            };
            // `oldSelf` of an item: the stored item of the same key in a keyed list or value in
            // a set; none in an atomic list, as in kube-apiserver.
            let olds = match (&node.list_type, old.and_then(Value::as_array)) {
                (Some(list_type), Some(olds)) => Some(Identities::of(list_type, olds)),
                _ => None,
            };
            for (i, item) in items.iter().enumerate() {
                let old_item = olds.as_ref().and_then(|o| Some(&o.items[o.find(item)?]));
                let len = path.len();
                push_index(path, i);
                let go_on = evaluate(item_node, item, old_item, path, causes, budget);
                path.truncate(len);
                if !go_on {
                    return false;
                }
            }
            true
        }
        Value::Object(fields) => {
            let mut go_on = true;
            each_field(node, fields, path, |sub, name, field, path| {
                if go_on {
                    let old_field = old.and_then(|o| o.get(name));
                    go_on = evaluate(sub, field, old_field, path, causes, budget);
                }
            });
            go_on
        }
        _ => true,
    }
}

/// A rule's failure at `path` as a cause.
fn cause(path: &str, failure: crate::codegen::cel::Failure) -> Cause {
    let field = match (path.is_empty(), failure.field_path.as_str()) {
        (_, "") => path.to_string(),
        (true, fp) => fp.to_string(),
        (false, fp) if fp.starts_with('[') => format!("{path}{fp}"),
        (false, fp) => format!("{path}.{fp}"),
    };
    let reason = match failure.reason.as_str() {
        "FieldValueForbidden" => "FieldValueForbidden",
        "FieldValueRequired" => "FieldValueRequired",
        "FieldValueDuplicate" => "FieldValueDuplicate",
        _ => "FieldValueInvalid",
    };
    Cause::new(reason, field, failure.message)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{duplicates, Identities, ListType};
    use crate::status::Cause;

    fn duplicate_fields(list_type: &ListType, items: &[Value]) -> Vec<String> {
        let mut causes: Vec<Cause> = Vec::new();
        duplicates(list_type, items, "spec.l", &mut causes);
        causes.into_iter().map(|c| c.field).collect()
    }

    /// Every repeat is a cause at its own index, whatever the order of an item's members or
    /// how many items there are.
    #[test]
    fn duplicates_are_found_by_identity() {
        let set = ListType::Set;
        let items = [
            json!("a"),
            json!(1),
            json!("a"),
            json!(1.0),
            json!(1),
            json!(null),
        ];
        assert_eq!(duplicate_fields(&set, &items), ["spec.l[2]", "spec.l[4]"]);
        let atomic = [
            json!({"a": 1, "b": [2]}),
            json!({"b": [2], "a": 1}),
            json!({"a": 1}),
        ];
        assert_eq!(duplicate_fields(&set, &atomic), ["spec.l[1]"]);
        let keyed = ListType::Map(vec!["name".into(), "port".into()]);
        let items = [
            json!({"name": "a", "port": 80}),
            json!({"name": "a", "port": 81}),
            json!({"name": "a", "port": 80, "x": 1}),
            json!({"name": "b"}),
            json!({"name": "b", "port": null}),
            json!({"name": "b", "other": 2}),
        ];
        assert_eq!(duplicate_fields(&keyed, &items), ["spec.l[2]", "spec.l[5]"]);
        let many: Vec<Value> = (0..50_000).chain([7, 49_999]).map(|i| json!(i)).collect();
        assert_eq!(
            duplicate_fields(&set, &many),
            ["spec.l[50000]", "spec.l[50001]"]
        );
    }

    /// An item's old self is the first stored item of the same identity.
    #[test]
    fn old_items_are_found_by_identity() {
        let keyed = ListType::Map(vec!["name".into()]);
        let olds = [
            json!({"name": "a", "v": 1}),
            json!({"name": "b", "v": 2}),
            json!({"name": "a", "v": 3}),
        ];
        let index = Identities::of(&keyed, &olds);
        assert_eq!(index.find(&json!({"name": "a", "v": 9})), Some(0));
        assert_eq!(index.find(&json!({"name": "b"})), Some(1));
        assert_eq!(index.find(&json!({"name": "c"})), None);
        assert_eq!(index.find(&json!({"v": 1})), None);
    }
}
