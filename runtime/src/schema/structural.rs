//! Makes a JSON Schema *structural*, as Kubernetes requires of a custom resource's schema
//! (apiextensions' `structuralschema`): every node has a `type` (or says it preserves unknown
//! fields, or is an int-or-string), no `$ref`, no `type` arrays, no `anyOf`/`oneOf` carrying
//! types, `nullable` instead of a `null` type, only the keywords Kubernetes knows.
//!
//! schemars writes JSON Schema 2020-12 with OpenAPI 3.0 touches; kube-rs shows the fix-ups such
//! output needs (`StructuralSchemaRewriter`), and this pass does the same over `serde_json`
//! values, without panicking on anything.

use serde_json::{json, Map, Value};

/// How deep a schema may nest before the rest is left open (`x-kubernetes-preserve-unknown-fields`).
const MAX_DEPTH: usize = 64;

/// The keywords of Kubernetes' `JSONSchemaProps` that krest keeps; anything else is dropped.
const KEYWORDS: [&str; 22] = [
    "type",
    "format",
    "description",
    "default",
    "nullable",
    "enum",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "multipleOf",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "properties",
    "additionalProperties",
];

/// `format` values Kubernetes knows (apiextensions' list, plus the numeric ones of OpenAPI).
const STRING_FORMATS: [&str; 22] = [
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
];

/// Makes `schema` structural in place. Definitions (`$defs`, `definitions`,
/// `components.schemas`) are inlined where they are referenced, and removed; a recursive
/// reference is cut at its second appearance and left open.
pub fn structural(schema: &mut Value) {
    let mut defs = Map::new();
    if let Value::Object(root) = schema {
        for key in ["$defs", "definitions"] {
            if let Some(Value::Object(d)) = root.remove(key) {
                defs.extend(d);
            }
        }
        if let Some(Value::Object(mut components)) = root.remove("components") {
            if let Some(Value::Object(d)) = components.remove("schemas") {
                defs.extend(d);
            }
        }
    }
    rewrite(schema, &defs, &mut Vec::new(), 0);
}

/// A schema that accepts anything and keeps it.
fn open() -> Value {
    json!({"x-kubernetes-preserve-unknown-fields": true})
}

fn ref_name(reference: &str) -> String {
    let name = ["#/$defs/", "#/definitions/", "#/components/schemas/"]
        .iter()
        .find_map(|prefix| reference.strip_prefix(prefix))
        .unwrap_or(reference);
    name.replace("~1", "/").replace("~0", "~")
}

/// Merges `from` into `into`: keys already in `into` win, except `properties` (merged) and
/// `required` (unioned).
fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (key.as_str(), into.get_mut(&key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (k, v) in theirs {
                    mine.entry(k).or_insert(v);
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for v in theirs {
                    if !mine.contains(&v) {
                        mine.push(v);
                    }
                }
            }
            (_, Some(_), _) => {}
            (_, None, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// Resolves `$ref` and `allOf` at the top of `map`, pushing the names it expanded on `stack`.
/// Returns `false` when a reference is recursive or unknown: the node is then left open.
fn resolve(
    map: &mut Map<String, Value>,
    defs: &Map<String, Value>,
    stack: &mut Vec<String>,
) -> bool {
    for _ in 0..MAX_DEPTH {
        if let Some(reference) = map.remove("$ref") {
            let name = ref_name(reference.as_str().unwrap_or(""));
            match defs.get(&name) {
                Some(Value::Object(target)) if !stack.contains(&name) => {
                    stack.push(name);
                    merge(map, target.clone());
                }
                Some(Value::Bool(true)) => {}
                _ => return false,
            }
        } else if let Some(Value::Array(all)) = map.remove("allOf") {
            for part in all {
                if let Value::Object(part) = part {
                    merge(map, part);
                }
            }
        } else {
            return true;
        }
    }
    false
}

fn rewrite(node: &mut Value, defs: &Map<String, Value>, stack: &mut Vec<String>, depth: usize) {
    let Value::Object(map) = node else {
        // `true`, `false` or garbage: nothing structural can be said.
        *node = open();
        return;
    };
    let validations = take_value_validations(map);
    let mark = stack.len();
    if depth > MAX_DEPTH || !resolve(map, defs, stack) {
        let description = map.remove("description");
        *node = open();
        if let (Some(d), Value::Object(m)) = (description, &mut *node) {
            m.insert("description".into(), d);
        }
        stack.truncate(mark);
        return;
    }
    // Children first, so that the fix-ups below see structural subschemas.
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for child in properties.values_mut() {
            rewrite(child, defs, stack, depth + 1);
        }
    }
    for key in ["items", "additionalProperties"] {
        match map.get_mut(key) {
            Some(Value::Array(items)) => {
                for child in items {
                    rewrite(child, defs, stack, depth + 1);
                }
            }
            Some(child @ Value::Object(_)) => rewrite(child, defs, stack, depth + 1),
            _ => {}
        }
    }
    let mut nullable = false;
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = map.get_mut(key) {
            // A `null` branch says the node is nullable; it must be seen before the branches
            // are rewritten (a lone `{"type": "null"}` would become an open schema).
            let before = branches.len();
            branches.retain(|b| !is_null_branch(b));
            nullable |= branches.len() != before;
            for child in branches {
                rewrite(child, defs, stack, depth + 1);
            }
        }
    }
    if nullable {
        map.insert("nullable".into(), Value::Bool(true));
    }
    stack.truncate(mark);
    fix(map);
    map.extend(validations);
}

/// Takes out the `allOf`/`anyOf`/`oneOf`/`not` that only validate values, as a CRD's structural
/// schema has them (`anyOf: [{required: [a]}, {required: [b]}]`): they are kept as written and
/// enforced. Those that carry types (schemars' `Option` and enum encodings) are folded instead.
fn take_value_validations(map: &mut Map<String, Value>) -> Vec<(String, Value)> {
    let mut taken = Vec::new();
    for key in ["allOf", "anyOf", "oneOf"] {
        let keep = matches!(map.get(key), Some(Value::Array(branches))
            if !branches.is_empty() && branches.iter().all(validates_values_only));
        if keep {
            if let Some(branches) = map.remove(key) {
                taken.push((key.to_string(), branches));
            }
        }
    }
    if map.get("not").is_some_and(validates_values_only) {
        if let Some(not) = map.remove("not") {
            taken.push(("not".to_string(), not));
        }
    }
    taken
}

/// Whether a branch only constrains values: no type, reference, nullability or default of its
/// own, and none below it (apiextensions' rule for value validations).
fn validates_values_only(branch: &Value) -> bool {
    let Value::Object(b) = branch else {
        return false;
    };
    const SHAPING: [&str; 9] = [
        "type",
        "$ref",
        "nullable",
        "const",
        "default",
        "additionalProperties",
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
    ];
    if b.is_empty() || SHAPING.iter().any(|k| b.contains_key(*k)) {
        return false;
    }
    let children = b
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
        .chain(b.get("items"));
    children.into_iter().all(|c| {
        c.as_object()
            .is_some_and(|c| c.is_empty() || validates_values_only(&Value::Object(c.clone())))
    })
}

/// The `type` of a structural node, if it has a single one.
fn type_of(map: &Map<String, Value>) -> Option<&str> {
    map.get("type").and_then(Value::as_str)
}

fn is_null_branch(branch: &Value) -> bool {
    let Value::Object(b) = branch else {
        return false;
    };
    type_of(b) == Some("null")
        || b.get("enum") == Some(&json!([null]))
        || b.get("const") == Some(&Value::Null)
}

/// The local fix-ups of one node whose children are already structural.
fn fix(map: &mut Map<String, Value>) {
    // `type: [T, "null"]`.
    if let Some(Value::Array(types)) = map.get("type") {
        let mut types: Vec<String> = types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if types.iter().any(|t| t == "null") {
            types.retain(|t| t != "null");
            map.insert("nullable".into(), Value::Bool(true));
        }
        map.remove("type");
        match types.as_slice() {
            [one] => {
                map.insert("type".into(), Value::String(one.clone()));
            }
            [] => {}
            several => set_union_type(map, several.iter().map(String::as_str)),
        }
    } else if type_of(map) == Some("null") {
        map.remove("type");
        map.insert("nullable".into(), Value::Bool(true));
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![c]));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = map.remove(key) {
            fold_branches(map, branches);
        }
    }
    // Tuples: one schema for every item, or none.
    if let Some(Value::Array(items)) = map.get("items") {
        let single = match items.as_slice() {
            [one] => one.clone(),
            many if many.windows(2).all(|w| w[0] == w[1]) && !many.is_empty() => many[0].clone(),
            _ => open(),
        };
        map.insert("items".into(), single);
    }
    // JSON Schema 2020's numeric `exclusiveMinimum` is OpenAPI 3.0's boolean.
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n @ Value::Number(_)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    fix_format(map);
    match map.remove("additionalProperties") {
        Some(Value::Bool(true)) => {
            map.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
        Some(Value::Object(schema)) if !map.contains_key("properties") => {
            map.insert("additionalProperties".into(), Value::Object(schema));
        }
        // Properties and additionalProperties together (a flattened map) are not structural.
        Some(Value::Object(_)) => {
            map.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
        _ => {}
    }
    if !map.contains_key("type") {
        if map.contains_key("properties") || map.contains_key("additionalProperties") {
            map.insert("type".into(), json!("object"));
        } else if map.contains_key("items") {
            map.insert("type".into(), json!("array"));
        } else if let Some(Value::Array(values)) = map.get("enum") {
            let kind = values.iter().find(|v| !v.is_null()).map(json_type);
            if let Some(kind) = kind {
                if values.iter().all(|v| v.is_null() || json_type(v) == kind) {
                    map.insert("type".into(), json!(kind));
                }
            }
        }
    }
    if map.get("enum") == Some(&json!([null])) {
        map.remove("enum");
    }
    if map.get("default") == Some(&Value::Null) {
        map.remove("default");
    }
    if map.get("nullable") == Some(&Value::Bool(false)) {
        map.remove("nullable");
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(Value::is_string);
        if required.is_empty() {
            map.remove("required");
        }
    }
    map.retain(|key, _| KEYWORDS.contains(&key.as_str()) || key.starts_with("x-kubernetes-"));
    let typed = map.contains_key("type")
        || map.contains_key("x-kubernetes-int-or-string")
        || map.contains_key("x-kubernetes-preserve-unknown-fields");
    if !typed {
        map.insert(
            "x-kubernetes-preserve-unknown-fields".into(),
            Value::Bool(true),
        );
    }
}

/// The JSON type name of a value.
fn json_type(value: &Value) -> &'static str {
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

/// A node that may be one of several types: an int-or-string, or open.
fn set_union_type<'a>(map: &mut Map<String, Value>, types: impl Iterator<Item = &'a str>) {
    let mut types: Vec<&str> = types.collect();
    types.sort_unstable();
    types.dedup();
    if types == ["integer", "string"] || types == ["number", "string"] {
        map.insert("x-kubernetes-int-or-string".into(), Value::Bool(true));
    } else {
        map.insert(
            "x-kubernetes-preserve-unknown-fields".into(),
            Value::Bool(true),
        );
    }
    for key in [
        "format",
        "enum",
        "pattern",
        "minimum",
        "maximum",
        "maxLength",
        "minLength",
    ] {
        map.remove(key);
    }
}

/// Folds `anyOf`/`oneOf` branches (already structural) into `map`.
fn fold_branches(map: &mut Map<String, Value>, branches: Vec<Value>) {
    let (nulls, others): (Vec<Value>, Vec<Value>) = branches.into_iter().partition(is_null_branch);
    if !nulls.is_empty() {
        map.insert("nullable".into(), Value::Bool(true));
    }
    let others: Vec<Map<String, Value>> = others
        .into_iter()
        .filter_map(|b| match b {
            Value::Object(b) => Some(b),
            _ => None,
        })
        .collect();
    match others.len() {
        0 => return,
        1 => {
            let mut only = others.into_iter().next().unwrap_or_default();
            if map.get("nullable") == Some(&Value::Bool(true)) {
                only.remove("nullable");
            }
            merge(map, only);
            return;
        }
        _ => {}
    }
    let types: Vec<&str> = others.iter().map(|b| type_of(b).unwrap_or("")).collect();
    if types.iter().all(|t| *t == "string") && others.iter().all(|b| b.contains_key("enum")) {
        // A unit enum with documented variants.
        let mut values = Vec::new();
        for b in &others {
            for v in b
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
        }
        map.insert("type".into(), json!("string"));
        map.insert("enum".into(), Value::Array(values));
    } else if types.iter().all(|t| *t == "object") {
        // A tagged enum: every variant's properties, required only where all variants agree.
        let mut properties = Map::new();
        for b in &others {
            for (name, schema) in b
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                merge_property(&mut properties, name, schema);
            }
        }
        let mut required: Vec<Value> = others[0]
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for b in &others[1..] {
            let theirs = b.get("required").and_then(Value::as_array);
            required.retain(|r| theirs.is_some_and(|t| t.contains(r)));
        }
        map.insert("type".into(), json!("object"));
        match map.get_mut("properties") {
            Some(Value::Object(mine)) => {
                for (name, schema) in properties {
                    merge_property(mine, &name, &schema);
                }
            }
            _ => {
                map.insert("properties".into(), Value::Object(properties));
            }
        }
        if !required.is_empty() {
            map.insert("required".into(), Value::Array(required));
        }
    } else {
        set_union_type(map, types.into_iter().filter(|t| !t.is_empty()));
        if others.iter().any(|b| type_of(b).is_none()) {
            map.remove("x-kubernetes-int-or-string");
            map.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
    }
}

/// Adds a variant's property: the first schema wins, but the enums of a tag are unioned.
fn merge_property(properties: &mut Map<String, Value>, name: &str, schema: &Value) {
    match properties.get_mut(name) {
        None => {
            properties.insert(name.to_string(), schema.clone());
        }
        Some(Value::Object(mine)) => {
            if let (Some(Value::Array(a)), Some(Value::Array(b))) =
                (mine.get_mut("enum"), schema.get("enum"))
            {
                for v in b {
                    if !a.contains(v) {
                        a.push(v.clone());
                    }
                }
            }
        }
        Some(_) => {}
    }
}

/// Maps schemars' `format`s onto the ones Kubernetes knows; drops the rest.
fn fix_format(map: &mut Map<String, Value>) {
    let Some(format) = map
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        map.remove("format");
        return;
    };
    let kind = type_of(map).unwrap_or("");
    let mapped = match (kind, format.as_str()) {
        ("integer", "int32" | "int64") => Some(format.clone()),
        ("integer", "int8" | "int16" | "uint8" | "uint16") => Some("int32".into()),
        ("integer", _) => Some("int64".into()),
        ("number", "float" | "double") => Some(format.clone()),
        ("number", _) => Some("double".into()),
        ("string", "date-time" | "datetime") => Some("date-time".into()),
        ("string", f) if STRING_FORMATS.contains(&f) || f == "duration" => Some(format.clone()),
        _ => None,
    };
    match mapped {
        Some(f) => map.insert("format".into(), Value::String(f)),
        None => map.remove("format"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut v: Value) -> Value {
        structural(&mut v);
        v
    }

    #[test]
    fn nullable_instead_of_null_types() {
        assert_eq!(
            run(json!({"type": ["string", "null"], "description": "d"})),
            json!({"type": "string", "nullable": true, "description": "d"})
        );
        assert_eq!(
            run(json!({"anyOf": [{"type": "integer", "format": "uint8"}, {"type": "null"}]})),
            json!({"type": "integer", "format": "int32", "nullable": true})
        );
    }

    #[test]
    fn refs_are_inlined_and_recursion_is_cut() {
        let out = run(json!({
            "type": "object",
            "properties": {"n": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {
                "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                "v": {"type": "integer", "format": "int32"}}}},
            "$schema": "x",
            "title": "T",
        }));
        assert_eq!(out["properties"]["n"]["properties"]["v"]["type"], "integer");
        assert_eq!(
            out["properties"]["n"]["properties"]["next"],
            json!({"x-kubernetes-preserve-unknown-fields": true, "nullable": true})
        );
        assert!(!out.to_string().contains("$ref"));
        assert!(out.get("$defs").is_none() && out.get("title").is_none());
    }

    #[test]
    fn enums_tagged_and_untagged() {
        // A CRD's value validations are kept as written.
        let crd = run(json!({
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
            "not": {"properties": {"a": {"enum": ["forbidden"]}}},
        }));
        assert_eq!(
            crd["anyOf"],
            json!([{"required": ["a"]}, {"required": ["b"]}])
        );
        assert_eq!(
            crd["not"],
            json!({"properties": {"a": {"enum": ["forbidden"]}}})
        );
        let unit = run(json!({"oneOf": [
            {"type": "string", "enum": ["A"], "description": "a"},
            {"type": "string", "const": "B"}]}));
        assert_eq!(unit, json!({"type": "string", "enum": ["A", "B"]}));
        let tagged = run(json!({"oneOf": [
            {"type": "object", "properties": {"t": {"type": "string", "enum": ["A"]}, "a": {"type": "integer"}}, "required": ["t", "a"]},
            {"type": "object", "properties": {"t": {"type": "string", "enum": ["B"]}, "b": {"type": "string"}}, "required": ["t", "b"]}]}));
        assert_eq!(tagged["properties"]["t"]["enum"], json!(["A", "B"]));
        assert_eq!(tagged["required"], json!(["t"]));
        assert_eq!(tagged["type"], "object");
        let int_or_string = run(json!({"anyOf": [{"type": "integer"}, {"type": "string"}]}));
        assert_eq!(int_or_string, json!({"x-kubernetes-int-or-string": true}));
        let mixed = run(json!({"oneOf": [{"type": "string"}, {"type": "object"}]}));
        assert_eq!(mixed, json!({"x-kubernetes-preserve-unknown-fields": true}));
    }

    #[test]
    fn maps_values_and_leftovers() {
        assert_eq!(
            run(json!({"type": "object", "additionalProperties": {"type": "string"}})),
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        assert_eq!(
            run(
                json!({"type": "object", "properties": {"a": true, "b": {}}, "additionalProperties": false})
            ),
            json!({"type": "object", "properties": {
                "a": {"x-kubernetes-preserve-unknown-fields": true},
                "b": {"x-kubernetes-preserve-unknown-fields": true}}})
        );
        assert_eq!(
            run(
                json!({"type": "array", "uniqueItems": true, "items": {"type": "number", "exclusiveMinimum": 0}})
            ),
            json!({"type": "array", "items": {"type": "number", "minimum": 0, "exclusiveMinimum": true}})
        );
        assert_eq!(
            run(json!(true)),
            json!({"x-kubernetes-preserve-unknown-fields": true})
        );
        assert_eq!(
            run(json!(3)),
            json!({"x-kubernetes-preserve-unknown-fields": true})
        );
    }

    #[test]
    fn structural_input_is_left_alone() {
        let crd = json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["color"], "properties": {
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "replicas": {"type": "integer", "format": "int32", "minimum": 0},
                "any": {"x-kubernetes-preserve-unknown-fields": true},
                "port": {"x-kubernetes-int-or-string": true}}}}});
        assert_eq!(run(crd.clone()), crd);
    }
}
