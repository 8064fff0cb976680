//! Validation of an object against its structural schema, with the causes worded as
//! apiextensions' validator words them (`spec.replicas: Invalid value: -1: spec.replicas in body
//! should be greater than or equal to 0`), one per field path.
//!
//! The schema is compiled once, when the server is built, into a tree of [`Node`]s (patterns
//! compiled, bounds parsed), so that a write costs a walk of the object and nothing more.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Number, Value};

use crate::status::Cause;

/// The most causes one write reports; past that the object is plainly wrong.
const MAX_CAUSES: usize = 64;

/// A structural schema, compiled, ready to default and validate objects.
#[derive(Debug)]
pub struct Validator {
    schema: Value,
    root: Node,
    /// The rules of the schema that do not compile, or cost too much.
    problems: Vec<krest_codegen::cel::schema::Problem>,
    /// Whether the schema has CEL rules (kube-apiserver's CEL validator exists).
    has_rules: bool,
}

/// What a node's `type` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    IntOrString,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Any => "any",
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::IntOrString => "integer or string",
        }
    }

    fn admits(self, value: &Value) -> bool {
        match self {
            Kind::Any => true,
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
            Kind::String => value.is_string(),
            Kind::Boolean => value.is_boolean(),
            Kind::Number => value.is_number(),
            Kind::Integer => {
                value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            Kind::IntOrString => value.is_string() || value.is_i64() || value.is_u64(),
        }
    }
}

/// A numeric bound: its value, how the schema wrote it (for messages), whether exclusive.
#[derive(Debug)]
struct Bound {
    value: f64,
    shown: Value,
    exclusive: bool,
}

/// One compiled schema node.
#[derive(Debug)]
pub(super) struct Node {
    kind: Kind,
    pub(super) nullable: bool,
    enum_values: Option<Vec<Value>>,
    minimum: Option<Bound>,
    maximum: Option<Bound>,
    multiple_of: Option<Bound>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    /// The pattern as written and, when it compiles, the regex.
    pattern: Option<(String, Option<Regex>)>,
    format: Option<String>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    required: Vec<String>,
    pub(super) properties: BTreeMap<String, Node>,
    pub(super) additional: Option<Box<Node>>,
    pub(super) items: Option<Box<Node>>,
    pub(super) default: Option<Value>,
    /// Value validations a CRD's schema may carry: `allOf`, `anyOf`, `oneOf`, `not`.
    all_of: Vec<Node>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    not: Option<Box<Node>>,
    /// Whether any node below (or this one's properties) has a default: defaulting skips the
    /// subtrees that have none.
    pub(super) defaults_below: bool,
    /// The compiled `x-kubernetes-validations`, and the schema they were compiled for (set by
    /// [`super::rules::attach`]).
    pub(super) rules: Vec<krest_codegen::cel::Program>,
    pub(super) rule_schema: Option<Value>,
    /// `x-kubernetes-list-type: set` or `map`.
    pub(super) list_type: Option<super::rules::ListType>,
    /// `x-kubernetes-embedded-resource`.
    pub(super) embedded: bool,
    /// Whether this node or one below has rules, a set or keyed list, or an embedded resource.
    pub(super) checks_below: bool,
}

impl Node {
    fn compile(schema: &Value, depth: usize) -> Node {
        let empty = Map::new();
        let s = schema.as_object().unwrap_or(&empty);
        let flag = |key: &str| s.get(key) == Some(&Value::Bool(true));
        let count = |key: &str| s.get(key).and_then(Value::as_u64);
        let bound = |key: &str, exclusive: &str| {
            s.get(key).and_then(|shown| {
                Some(Bound {
                    value: shown.as_f64()?,
                    shown: shown.clone(),
                    exclusive: flag(exclusive),
                })
            })
        };
        let kind = if flag("x-kubernetes-int-or-string") {
            Kind::IntOrString
        } else {
            match s.get("type").and_then(Value::as_str) {
                Some("object") => Kind::Object,
                Some("array") => Kind::Array,
                Some("string") => Kind::String,
                Some("integer") => Kind::Integer,
                Some("number") => Kind::Number,
                Some("boolean") => Kind::Boolean,
                _ => Kind::Any,
            }
        };
        let child = |sub: &Value| Box::new(Node::compile(sub, depth + 1));
        let deeper = depth < super::MAX_DEPTH;
        let properties: BTreeMap<String, Node> = match s.get("properties") {
            Some(Value::Object(p)) if deeper => p
                .iter()
                .map(|(name, sub)| (name.clone(), Node::compile(sub, depth + 1)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let additional = s
            .get("additionalProperties")
            .filter(|a| a.is_object() && deeper)
            .map(child);
        let items = s.get("items").filter(|_| deeper).map(child);
        let branches = |key: &str| -> Vec<Node> {
            match s.get(key) {
                Some(Value::Array(all)) if deeper => {
                    all.iter().map(|b| Node::compile(b, depth + 1)).collect()
                }
                _ => Vec::new(),
            }
        };
        let defaults_below = properties
            .values()
            .any(|p| p.default.is_some() || p.defaults_below)
            || additional.as_ref().is_some_and(|a| a.defaults_below)
            || items
                .as_ref()
                .is_some_and(|i| i.default.is_some() || i.defaults_below);
        Node {
            kind,
            nullable: flag("nullable") || flag("x-kubernetes-preserve-unknown-fields"),
            enum_values: s.get("enum").and_then(Value::as_array).cloned(),
            minimum: bound("minimum", "exclusiveMinimum"),
            maximum: bound("maximum", "exclusiveMaximum"),
            multiple_of: bound("multipleOf", "").filter(|b| b.value > 0.0),
            min_length: count("minLength"),
            max_length: count("maxLength"),
            pattern: s
                .get("pattern")
                .and_then(Value::as_str)
                .map(|p| (p.to_string(), compile_pattern(p))),
            format: s.get("format").and_then(Value::as_str).map(str::to_string),
            min_items: count("minItems"),
            max_items: count("maxItems"),
            min_properties: count("minProperties"),
            max_properties: count("maxProperties"),
            required: s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            properties,
            additional,
            items,
            default: s.get("default").cloned(),
            all_of: branches("allOf"),
            any_of: branches("anyOf"),
            one_of: branches("oneOf"),
            not: s.get("not").filter(|n| n.is_object() && deeper).map(child),
            defaults_below,
            rules: Vec::new(),
            rule_schema: None,
            list_type: None,
            embedded: false,
            checks_below: false,
        }
    }
}

/// The pattern language is ECMA-262's; Rust's regex is close, without look-around and
/// back-references, and linear in time. A pattern it cannot compile is logged and not enforced.
fn compile_pattern(pattern: &str) -> Option<Regex> {
    match regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
    {
        Ok(regex) => Some(regex),
        Err(e) => {
            tracing::warn!(%pattern, error = %e, "schema pattern not enforced");
            None
        }
    }
}

impl Validator {
    /// Compiles `schema` (already structural).
    pub fn new(schema: Value) -> Validator {
        let mut root = Node::compile(&schema, 0);
        let mut problems = Vec::new();
        let mut rules = 0;
        let total = super::rules::attach(
            &mut root,
            &schema,
            1,
            "openAPIV3Schema",
            &mut problems,
            &mut rules,
        );
        super::rules::check_total(total, &mut problems);
        Validator {
            schema,
            root,
            problems,
            has_rules: rules > 0,
        }
    }

    /// The schema's `x-kubernetes-validations` rules that kube-apiserver would refuse: they do
    /// not compile, or their estimated cost is over its limits.
    pub fn rule_problems(&self) -> &[krest_codegen::cel::schema::Problem] {
        &self.problems
    }

    /// The schema.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Applies the schema's `default`s to `value`, as apiextensions' structural defaulting does:
    /// a missing property (or a `null` one that may not be null) with a default gets it.
    pub fn apply_defaults(&self, value: &mut Value) {
        super::default::apply(&self.root, value);
    }

    /// Every violation of the schema in `value`, in kube-apiserver's order: value validations,
    /// list uniqueness and embedded resources, then (unless a blocking cause came before) the
    /// CEL rules, with `old` (the stored object, on updates) for transition rules.
    pub fn validate(&self, value: &Value, old: Option<&Value>) -> Vec<Cause> {
        let mut causes = Vec::new();
        check(&self.root, value, &mut String::new(), &mut causes);
        if !self.root.checks_below {
            return causes;
        }
        super::rules::structure(&self.root, value, &mut String::new(), &mut causes);
        if !self.has_rules {
            return causes;
        }
        if super::rules::blocking(&causes) {
            causes.push(super::rules::not_checked());
        } else {
            let mut budget = krest_codegen::cel::Budget::default();
            // Whether the budget ran out is in the causes.
            let _ = super::rules::evaluate(
                &self.root,
                value,
                old,
                &mut String::new(),
                &mut causes,
                &mut budget,
            );
        }
        causes.truncate(MAX_CAUSES);
        causes
    }
}

fn check(node: &Node, value: &Value, path: &mut String, causes: &mut Vec<Cause>) {
    if causes.len() >= MAX_CAUSES {
        return;
    }
    if value.is_null() {
        if !node.nullable && node.kind != Kind::Any {
            let kind = node.kind.name();
            causes.push(Cause::new(
                "FieldValueInvalid",
                path.as_str(),
                format!(
                    "Invalid value: \"null\": {} must be of type {kind}: \"null\"",
                    in_body(path)
                ),
            ));
        }
        return;
    }
    if !node.kind.admits(value) {
        let actual = type_name(value);
        causes.push(Cause::new(
            "FieldValueInvalid",
            path.as_str(),
            format!(
                "Invalid value: \"{actual}\": {} must be of type {}: \"{actual}\"",
                in_body(path),
                node.kind.name()
            ),
        ));
        return;
    }
    if let Some(allowed) = &node.enum_values {
        if !allowed.contains(value) {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            causes.push(Cause::new(
                "FieldValueNotSupported",
                path.as_str(),
                format!(
                    "Unsupported value: {value}: supported values: {}",
                    list.join(", ")
                ),
            ));
        }
    }
    match value {
        Value::Number(n) => check_number(node, n, path, causes),
        Value::String(text) => check_string(node, text, value, path, causes),
        Value::Array(items) => {
            check_count(
                (node.min_items, node.max_items),
                items.len(),
                value,
                path,
                causes,
                "items",
            );
            if let Some(item_node) = &node.items {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    push_index(path, i);
                    check(item_node, item, path, causes);
                    path.truncate(len);
                }
            }
        }
        Value::Object(fields) => check_object(node, fields, value, path, causes),
        _ => {}
    }
    check_branches(node, value, path, causes);
}

/// `allOf`, `anyOf`, `oneOf` and `not`, with go-openapi's messages as kube-apiserver reports them.
fn check_branches(node: &Node, value: &Value, path: &mut String, causes: &mut Vec<Cause>) {
    for branch in &node.all_of {
        check(branch, value, path, causes);
    }
    let passes = |branch: &Node, path: &mut String| {
        let mut scratch = Vec::new();
        check(branch, value, path, &mut scratch);
        scratch.is_empty()
    };
    let mut fail = |message: String, path: &str| {
        causes.push(Cause::new(
            "FieldValueInvalid",
            path,
            format!("Invalid value: {}: {}", short(value), message),
        ));
    };
    if !node.any_of.is_empty() && !node.any_of.iter().any(|b| passes(b, path)) {
        fail(
            format!(
                "{} must validate at least one schema (anyOf)",
                in_body(path)
            ),
            path,
        );
    }
    if !node.one_of.is_empty() {
        let valid = node.one_of.iter().filter(|b| passes(b, path)).count();
        if valid != 1 {
            fail(
                format!(
                    "{} must validate one and only one schema (oneOf). Found {valid} valid alternatives",
                    in_body(path)
                ),
                path,
            );
        }
    }
    if let Some(not) = &node.not {
        if passes(not, path) {
            fail(
                format!("{} must not validate the schema (not)", in_body(path)),
                path,
            );
        }
    }
}

fn check_string(node: &Node, text: &str, value: &Value, path: &str, causes: &mut Vec<Cause>) {
    let chars = || text.chars().count() as u64;
    if let Some(max) = node.max_length {
        if chars() > max {
            causes.push(Cause::too_long(
                path,
                &format!("may not be more than {max} bytes"),
            ));
        }
    }
    if let Some(min) = node.min_length {
        if chars() < min {
            causes.push(invalid(
                path,
                value,
                &format!("{} should be at least {min} chars long", in_body(path)),
            ));
        }
    }
    if let Some((pattern, Some(regex))) = &node.pattern {
        if !regex.is_match(text) {
            causes.push(invalid(
                path,
                value,
                &format!("{} should match '{pattern}'", in_body(path)),
            ));
        }
    }
    if let Some(format) = &node.format {
        if !super::format::matches(format, text) {
            causes.push(invalid(
                path,
                value,
                &format!("{} must be of type {format}: {value}", in_body(path)),
            ));
        }
    }
}

fn check_object(
    node: &Node,
    fields: &Map<String, Value>,
    value: &Value,
    path: &mut String,
    causes: &mut Vec<Cause>,
) {
    for name in &node.required {
        if !fields.contains_key(name) {
            causes.push(Cause::new(
                "FieldValueRequired",
                child(path, name),
                "Required value",
            ));
        }
    }
    check_count(
        (node.min_properties, node.max_properties),
        fields.len(),
        value,
        path,
        causes,
        "properties",
    );
    if node.properties.is_empty() && node.additional.is_none() {
        return;
    }
    for (name, field) in fields {
        let len = path.len();
        if let Some(sub) = node.properties.get(name) {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(name);
            check(sub, field, path, causes);
        } else if let Some(sub) = &node.additional {
            path.push('[');
            path.push_str(name);
            path.push(']');
            check(sub, field, path, causes);
        }
        path.truncate(len);
    }
}

/// `path in body`, or `body` at the root.
fn in_body(path: &str) -> String {
    if path.is_empty() {
        "body".to_string()
    } else {
        format!("{path} in body")
    }
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn invalid(path: &str, value: &Value, message: &str) -> Cause {
    Cause::new(
        "FieldValueInvalid",
        path,
        format!("Invalid value: {}: {message}", short(value)),
    )
}

/// A value as a cause quotes it: scalars as JSON, containers by their type.
fn short(value: &Value) -> String {
    match value {
        Value::Object(_) => "\"object\"".into(),
        Value::Array(_) => "\"array\"".into(),
        other => other.to_string(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_number(node: &Node, n: &Number, path: &str, causes: &mut Vec<Cause>) {
    let Some(x) = n.as_f64() else { return };
    let value = Value::Number(n.clone());
    let mut fail = |message: String| causes.push(invalid(path, &value, &message));
    if let Some(min) = &node.minimum {
        if min.exclusive && x <= min.value {
            fail(format!(
                "{} should be greater than {}",
                in_body(path),
                min.shown
            ));
        } else if x < min.value {
            fail(format!(
                "{} should be greater than or equal to {}",
                in_body(path),
                min.shown
            ));
        }
    }
    if let Some(max) = &node.maximum {
        if max.exclusive && x >= max.value {
            fail(format!(
                "{} should be less than {}",
                in_body(path),
                max.shown
            ));
        } else if x > max.value {
            fail(format!(
                "{} should be less than or equal to {}",
                in_body(path),
                max.shown
            ));
        }
    }
    if let Some(m) = &node.multiple_of {
        let q = x / m.value;
        if (q - q.round()).abs() > 1e-9 {
            fail(format!(
                "{} should be a multiple of {}",
                in_body(path),
                m.shown
            ));
        }
    }
    match node.format.as_deref() {
        Some("int32") if n.as_i64().is_none_or(|i| i32::try_from(i).is_err()) => {
            fail(format!("{} must be of type int32: {n}", in_body(path)));
        }
        Some("int64") if n.as_i64().is_none() => {
            fail(format!("{} must be of type int64: {n}", in_body(path)));
        }
        _ => {}
    }
}

/// `minItems`/`maxItems` or `minProperties`/`maxProperties`: `bounds` is `(min, max)`.
fn check_count(
    bounds: (Option<u64>, Option<u64>),
    count: usize,
    value: &Value,
    path: &str,
    causes: &mut Vec<Cause>,
    noun: &str,
) {
    let count = count as u64;
    if let Some(max) = bounds.1 {
        if count > max {
            causes.push(Cause::new(
                "FieldValueTooMany",
                path,
                format!("Too many: {count}: must have at most {max} {noun}"),
            ));
        }
    }
    if let Some(min) = bounds.0 {
        if count < min {
            causes.push(invalid(
                path,
                value,
                &format!("{} should have at least {min} {noun}", in_body(path)),
            ));
        }
    }
}

/// Appends `[i]` to `path`: done for every list item below a check, so without the formatting
/// machinery, which costs several times more.
pub(super) fn push_index(path: &mut String, i: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut n = i;
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push('[');
    for &digit in &digits[start..] {
        path.push(char::from(digit));
    }
    path.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(schema: Value, value: Value) -> Vec<String> {
        let mut schema = schema;
        super::super::structural(&mut schema);
        Validator::new(schema)
            .validate(&value, None)
            .into_iter()
            .map(|c| c.message)
            .collect()
    }

    #[test]
    fn list_items_are_written_into_paths() {
        let mut path = String::from("spec.rules");
        for (i, written) in [(0, "[0]"), (7, "[7]"), (10, "[10]"), (40_312, "[40312]")] {
            push_index(&mut path, i);
            assert_eq!(&path["spec.rules".len()..], written);
            path.truncate("spec.rules".len());
        }
        push_index(&mut path, usize::MAX);
        assert_eq!(path, format!("spec.rules[{}]", usize::MAX));
    }

    #[test]
    fn value_validations_of_a_crd_are_enforced() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "n": {"type": "integer"}},
                    "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
                    "oneOf": [{"required": ["n"]}, {"properties": {"n": {"maximum": 0}}, "required": ["b"]}],
                    "allOf": [{"properties": {"n": {"minimum": -5}}}],
                    "not": {"properties": {"a": {"enum": ["forbidden"]}}, "required": ["a"]},
                }
            }
        });
        assert!(messages(schema.clone(), json!({"spec": {"a": "x", "n": 1}})).is_empty());
        let m = messages(schema.clone(), json!({"spec": {"n": 1}}));
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("spec in body must validate at least one schema (anyOf)"),
            "{m:?}"
        );
        let m = messages(schema.clone(), json!({"spec": {"b": "y", "n": 0}}));
        assert!(
            m[0].contains(
                "must validate one and only one schema (oneOf). Found 2 valid alternatives"
            ),
            "{m:?}"
        );
        let m = messages(schema.clone(), json!({"spec": {"a": "forbidden", "n": 1}}));
        assert!(m[0].contains("must not validate the schema (not)"), "{m:?}");
        let m = messages(schema, json!({"spec": {"a": "x", "n": -9}}));
        assert!(
            m.iter()
                .any(|m| m.contains("should be greater than or equal to -5")),
            "{m:?}"
        );
    }
}
