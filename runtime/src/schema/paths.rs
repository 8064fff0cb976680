//! The paths a kind's attributes name (printer columns, the scale subresource's replicas and
//! selector, selectable fields), checked against its schema when a server is built. The
//! derive checks what it can see (the spec's own fields) at compile time; a path into a type it
//! cannot see (`.status.readyReplicas`, `.spec.template.replicas`) is checked here, so that a
//! typo fails `Server::build` with a message. A printer column is the exception:
//! kube-apiserver serves a column whose path the schema lacks (its cells are empty), and real
//! CRDs have them (Velero's PodVolumeBackup `Node`), so such a column is a warning, logged when
//! the server is built.

use serde_json::Value;

use crate::codegen::ResourceModel;

/// Every path of `model` that `schema` (the object's structural schema) has no field for, each
/// with what to write instead: the errors, and the printer columns (warnings).
pub(crate) fn missing_paths(model: &ResourceModel, schema: &Value) -> (Vec<String>, Vec<String>) {
    let columns: Vec<(String, &str)> = model
        .printer_columns
        .iter()
        .map(|c| (format!("printer column `{}`", c.name), &*c.json_path))
        .collect();
    let mut named: Vec<(String, &str)> = Vec::new();
    if let Some(scale) = &model.scale {
        named.push(("scale `spec_replicas`".into(), &scale.spec_replicas_path));
        named.push((
            "scale `status_replicas`".into(),
            &scale.status_replicas_path,
        ));
        if let Some(selector) = &scale.label_selector_path {
            named.push(("scale `label_selector`".into(), selector));
        }
    }
    for field in model.selectable_fields.iter() {
        named.push(("selectable field".into(), field));
    }
    (
        problems(model, schema, named),
        problems(model, schema, columns),
    )
}

fn problems(model: &ResourceModel, schema: &Value, named: Vec<(String, &str)>) -> Vec<String> {
    let mut problems = Vec::new();
    for (what, path) in named {
        if let Some((known, missing)) = find(schema, path) {
            let fields = field_names(known);
            let choice = if fields.is_empty() {
                String::new()
            } else {
                format!(" (it has {})", fields.join(", "))
            };
            problems.push(format!(
                "{}: {what} names `{path}`, but `{missing}` is not a field of the schema{choice}; write the JSON name of a field, as `kubectl explain {}` shows it",
                model.kind,
                model.plural
            ));
        }
    }
    problems
}

/// `None` when `path` leads through fields of `schema` (or into a part whose fields are open:
/// a map, preserved unknown fields, a JSONPath filter); otherwise the object schema where it
/// stopped and the segment it has no field for.
fn find<'a>(schema: &'a Value, path: &'a str) -> Option<(&'a Value, &'a str)> {
    // A JSONPath with brackets (`.status.conditions[?(@.type=="Ready")].status`) is left
    // alone: CRDs in the wild point such columns at fields their schemas leave out, and
    // kube-apiserver serves them (the cell is empty).
    if path.contains('[') {
        return None;
    }
    let rest = path.strip_prefix('.')?;
    let mut node = schema;
    for name in rest.split('.') {
        if name == "metadata" && std::ptr::eq(node, schema) {
            // ObjectMeta's fields are the server's, not the kind's schema's.
            return None;
        }
        let open = node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
            || node.get("additionalProperties").is_some_and(|v| v != false);
        match node.get("properties").and_then(|p| p.get(name)) {
            Some(next) => node = next,
            None if open || node.get("properties").is_none() => return None,
            None => return Some((node, name)),
        }
        if node.get("type").and_then(Value::as_str) == Some("array") {
            return None;
        }
    }
    None
}

/// The property names of an object schema, quoted.
fn field_names(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(|k| format!("`{k}`")).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_followed_through_properties() {
        let schema = json!({"properties": {
            "spec": {"properties": {"replicas": {"type": "integer"}, "labels": {"additionalProperties": {"type": "string"}}}},
            "status": {"properties": {"conditions": {"type": "array", "items": {}}}},
        }});
        for ok in [
            ".spec.replicas",
            ".spec.labels.app",
            ".status.conditions[0].status",
            ".status.missing[0].status",
            ".metadata.creationTimestamp",
        ] {
            assert_eq!(find(&schema, ok), None, "{ok}");
        }
        assert_eq!(find(&schema, ".spec.replica").map(|f| f.1), Some("replica"));
        assert_eq!(find(&schema, ".status.ready").map(|f| f.1), Some("ready"));
        assert_eq!(find(&schema, ".other").map(|f| f.1), Some("other"));
    }
}
