//! Object metadata validation as kube-apiserver does it for custom resources, plus the system
//! values a create fills in (`uid`, `creationTimestamp`, generated names).
//!
//! Messages follow apimachinery word for word (Kubernetes 1.35 and later), so that a client sees
//! the same `Invalid` Status from krest as from a real API server.

mod format;
mod system;

use serde_json::{Map, Value};

pub use self::format::{is_dns1123_label, is_dns1123_subdomain, is_label_value, is_qualified_name};
pub use self::system::{generate_name, new_uid, rfc3339, rfc3339_now};
use crate::status::Cause;

/// The largest total size of an object's annotations, keys and values together.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// A prefix will have random characters appended, so a trailing dash is allowed: it is checked
/// as if it were a letter (Kubernetes' `maskTrailingDash`).
fn mask_trailing_dash(prefix: &str) -> String {
    match prefix.strip_suffix('-') {
        Some(rest) if !rest.is_empty() => format!("{rest}a"),
        _ => prefix.to_string(),
    }
}

/// `field: Invalid value: <value>: message`, the value shown as JSON (strings quoted).
fn invalid(field: &str, value: &Value, message: &str) -> Cause {
    match value {
        Value::String(s) => Cause::invalid(field, s, message),
        other => Cause::new(
            "FieldValueInvalid",
            field,
            format!("Invalid value: {other}: {message}"),
        ),
    }
}

/// `field: Invalid value: <value>: must be <expected>`, for a value of the wrong JSON type.
fn type_invalid(field: &str, value: &Value, expected: &str) -> Cause {
    Cause::new(
        "FieldValueTypeInvalid",
        field,
        format!("Invalid value: {value}: must be {expected}"),
    )
}

/// One `Invalid` cause at `field` for each of `messages` about `value`.
fn invalid_each<'a>(
    field: &'a str,
    value: &'a str,
    messages: Vec<String>,
) -> impl Iterator<Item = Cause> + 'a {
    messages
        .into_iter()
        .map(move |msg| Cause::invalid(field, value, &msg))
}

/// Checks an object name: custom resource names are DNS-1123 subdomains
/// (`metadata.name: Invalid value: "A": a lowercase RFC 1123 subdomain must consist of ...`).
pub fn validate_name(name: &str) -> Vec<Cause> {
    invalid_each("metadata.name", name, is_dns1123_subdomain(name)).collect()
}

/// Checks a namespace name: a DNS-1123 label (`metadata.namespace: Invalid value: ...`).
pub fn validate_namespace_name(namespace: &str) -> Vec<Cause> {
    invalid_each("metadata.namespace", namespace, is_dns1123_label(namespace)).collect()
}

/// Checks a `generateName` prefix: a DNS-1123 subdomain, except that it may end with `-`.
pub fn validate_generate_name(prefix: &str) -> Vec<Cause> {
    let errs = is_dns1123_subdomain(&mask_trailing_dash(prefix));
    invalid_each("metadata.generateName", prefix, errs).collect()
}

/// Checks `metadata.labels`: every key a qualified name, every value a label value.
pub fn validate_labels(labels: &Map<String, Value>) -> Vec<Cause> {
    const FIELD: &str = "metadata.labels";
    let mut causes = Vec::new();
    for (key, value) in labels {
        causes.extend(invalid_each(FIELD, key, is_qualified_name(key)));
        match value {
            Value::String(v) => causes.extend(invalid_each(FIELD, v, is_label_value(v))),
            Value::Null => {}
            other => causes.push(type_invalid(FIELD, other, "a string")),
        }
    }
    causes
}

/// Checks `metadata.annotations`: every key a qualified name once lower-cased, and at most
/// 262144 bytes of keys and values in all
/// (`metadata.annotations: Too long: may not be more than 262144 bytes`).
pub fn validate_annotations(annotations: &Map<String, Value>) -> Vec<Cause> {
    const FIELD: &str = "metadata.annotations";
    let mut causes = Vec::new();
    let mut total = 0usize;
    for (key, value) in annotations {
        causes.extend(invalid_each(
            FIELD,
            key,
            is_qualified_name(&key.to_lowercase()),
        ));
        total = total.saturating_add(key.len());
        match value {
            Value::String(v) => total = total.saturating_add(v.len()),
            Value::Null => {}
            other => causes.push(type_invalid(FIELD, other, "a string")),
        }
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        causes.push(Cause::too_long(
            FIELD,
            &format!("may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"),
        ));
    }
    causes
}

/// Checks `metadata.finalizers`: each a qualified name, and not both `orphan` and
/// `foregroundDeletion`.
pub fn validate_finalizers(finalizers: &[Value]) -> Vec<Cause> {
    const FIELD: &str = "metadata.finalizers";
    let mut causes = Vec::new();
    let (mut orphan, mut foreground) = (false, false);
    for (i, finalizer) in finalizers.iter().enumerate() {
        let Value::String(name) = finalizer else {
            causes.push(type_invalid(
                &format!("{FIELD}[{i}]"),
                finalizer,
                "a string",
            ));
            continue;
        };
        causes.extend(invalid_each(FIELD, name, is_qualified_name(name)));
        orphan |= name == "orphan";
        foreground |= name == "foregroundDeletion";
    }
    if orphan && foreground {
        causes.push(invalid(
            FIELD,
            &Value::Array(finalizers.to_vec()),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    causes
}

/// The string at `key` of `map`: `""` when absent or null; `None`, with a cause recorded, when
/// it is not a string.
fn string_at<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    field: &str,
    causes: &mut Vec<Cause>,
) -> Option<&'a str> {
    match map.get(key) {
        None | Some(Value::Null) => Some(""),
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            causes.push(type_invalid(field, other, "a string"));
            None
        }
    }
}

/// `<group>/<version>` or `<version>` as `schema.ParseGroupVersion` reads it; `None` when there
/// is more than one `/`.
fn parse_group_version(api_version: &str) -> Option<(&str, &str)> {
    match api_version.split_once('/') {
        None => Some(("", api_version)),
        Some((_, version)) if version.contains('/') => None,
        Some(parts) => Some(parts),
    }
}

/// Checks `metadata.ownerReferences`: `apiVersion`, `kind`, `name` and `uid` are required, and
/// at most one reference has `controller: true`.
pub fn validate_owner_references(references: &[Value]) -> Vec<Cause> {
    const FIELD: &str = "metadata.ownerReferences";
    let mut causes = Vec::new();
    let mut first_controller: Option<String> = None;
    for (i, reference) in references.iter().enumerate() {
        let path = format!("{FIELD}[{i}]");
        let Value::Object(map) = reference else {
            causes.push(type_invalid(&path, reference, "an object"));
            continue;
        };
        let required = |key: &str, causes: &mut Vec<Cause>| -> Option<&str> {
            let field = format!("{path}.{key}");
            let value = string_at(map, key, &field, causes)?;
            if value.is_empty() {
                causes.push(Cause::required(&field, "must not be empty"));
            }
            Some(value)
        };
        let api_version = required("apiVersion", &mut causes);
        let group_version = api_version.and_then(parse_group_version);
        if let Some(api_version) = api_version.filter(|v| !v.is_empty()) {
            if group_version.is_none_or(|(_, version)| version.is_empty()) {
                causes.push(Cause::invalid(
                    &format!("{path}.apiVersion"),
                    api_version,
                    "must be <group>/<version> or <version>",
                ));
            }
        }
        let kind = required("kind", &mut causes);
        let name = required("name", &mut causes);
        let _uid = required("uid", &mut causes);
        if group_version == Some(("", "v1")) && kind == Some("Event") {
            causes.push(invalid(
                &path,
                reference,
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        let controller = match map.get("controller") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                causes.push(type_invalid(
                    &format!("{path}.controller"),
                    other,
                    "a boolean",
                ));
                false
            }
        };
        if controller {
            let current = format!("{}/{}", kind.unwrap_or(""), name.unwrap_or(""));
            match &first_controller {
                Some(first) => causes.push(invalid(
                    FIELD,
                    &Value::Array(references.to_vec()),
                    &format!("Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"),
                )),
                None => first_controller = Some(current),
            }
        }
    }
    causes
}

/// Checks an object's `metadata` on create or update, as `ValidateObjectMetaAccessor` does for
/// a custom resource: name (or generateName), namespace, generation, labels, annotations,
/// ownerReferences and finalizers, in that order.
///
/// A name is required unless `generateName` is set. Namespaced kinds require a namespace
/// (`metadata.namespace: Required value`); cluster-scoped kinds forbid one
/// (`metadata.namespace: Forbidden: not allowed on this type`). kube-apiserver fills an empty
/// namespace from the URL, and clears it for cluster-scoped kinds, before it validates, so
/// callers do the same first.
pub fn validate_object_meta(meta: &Value, namespaced: bool) -> Vec<Cause> {
    let empty = Map::new();
    let meta = match meta {
        Value::Object(map) => map,
        Value::Null => &empty,
        other => return vec![type_invalid("metadata", other, "an object")],
    };
    let mut causes = Vec::new();

    let generate_name = string_at(meta, "generateName", "metadata.generateName", &mut causes);
    if let Some(prefix) = generate_name.filter(|p| !p.is_empty()) {
        causes.extend(validate_generate_name(prefix));
    }
    match string_at(meta, "name", "metadata.name", &mut causes) {
        Some("") if generate_name.is_some_and(|g| !g.is_empty()) => {}
        Some("") => causes.push(Cause::required(
            "metadata.name",
            "name or generateName is required",
        )),
        Some(name) => causes.extend(validate_name(name)),
        None => {}
    }

    match string_at(meta, "namespace", "metadata.namespace", &mut causes) {
        Some("") if namespaced => causes.push(Cause::new(
            "FieldValueRequired",
            "metadata.namespace",
            "Required value",
        )),
        Some("") | None => {}
        Some(namespace) if namespaced => causes.extend(validate_namespace_name(namespace)),
        Some(_) => causes.push(Cause::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        )),
    }

    match meta.get("generation") {
        None | Some(Value::Null) => {}
        Some(generation) => match generation.as_i64() {
            Some(n) if n < 0 => causes.push(invalid(
                "metadata.generation",
                generation,
                "must be greater than or equal to 0",
            )),
            Some(_) => {}
            None => causes.push(type_invalid(
                "metadata.generation",
                generation,
                "an integer",
            )),
        },
    }

    match meta.get("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(labels)) => causes.extend(validate_labels(labels)),
        Some(other) => causes.push(type_invalid("metadata.labels", other, "an object")),
    }
    match meta.get("annotations") {
        None | Some(Value::Null) => {}
        Some(Value::Object(annotations)) => causes.extend(validate_annotations(annotations)),
        Some(other) => causes.push(type_invalid("metadata.annotations", other, "an object")),
    }
    match meta.get("ownerReferences") {
        None | Some(Value::Null) => {}
        Some(Value::Array(references)) => causes.extend(validate_owner_references(references)),
        Some(other) => causes.push(type_invalid("metadata.ownerReferences", other, "an array")),
    }
    match meta.get("finalizers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(finalizers)) => causes.extend(validate_finalizers(finalizers)),
        Some(other) => causes.push(type_invalid("metadata.finalizers", other, "an array")),
    }
    causes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const NAME_PART_ERR: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    /// Causes as Kubernetes prints them: `reason field: message`.
    fn render(causes: &[Cause]) -> Vec<String> {
        causes
            .iter()
            .map(|c| format!("{} {}: {}", c.reason, c.field, c.message))
            .collect()
    }

    fn object(value: serde_json::Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn names_are_dns_subdomains() {
        for name in ["a", "a-b", "a.b", "0", "example.com", &"a".repeat(253)] {
            assert!(validate_name(name).is_empty(), "{name}");
        }
        assert_eq!(
            render(&validate_name("Bad_Name")),
            [format!(
                "FieldValueInvalid metadata.name: Invalid value: \"Bad_Name\": {SUBDOMAIN_ERR}"
            )]
        );
        for name in ["", "-a", "a-", "a..b", ".a", "a.", "a/b", "a%b", "ä"] {
            assert_eq!(validate_name(name).len(), 1, "{name}");
        }
        let long = "a".repeat(254);
        assert_eq!(
            render(&validate_name(&long)),
            [format!("FieldValueInvalid metadata.name: Invalid value: \"{long}\": must be no more than 253 characters")]
        );
        assert_eq!(validate_name(&format!("{long}-")).len(), 2);
    }

    #[test]
    fn namespaces_are_dns_labels() {
        assert!(validate_namespace_name("default").is_empty());
        assert!(validate_namespace_name(&"n".repeat(63)).is_empty());
        assert_eq!(
            render(&validate_namespace_name("a.b")),
            ["FieldValueInvalid metadata.namespace: Invalid value: \"a.b\": must not contain dots"]
        );
        assert_eq!(
            render(&validate_namespace_name("Default")),
            [format!(
                "FieldValueInvalid metadata.namespace: Invalid value: \"Default\": {LABEL_ERR}"
            )]
        );
        assert_eq!(
            validate_namespace_name(&"n".repeat(64))[0].message,
            format!(
                "Invalid value: \"{}\": must be no more than 63 characters",
                "n".repeat(64)
            )
        );
    }

    #[test]
    fn generate_name_prefixes_may_end_with_a_dash() {
        for prefix in ["a-", "web-", "a.b-", "a", "ab--"] {
            assert!(validate_generate_name(prefix).is_empty(), "{prefix}");
        }
        for prefix in ["-", "A-", "a_", "-a-", "a.", "a..-"] {
            let causes = validate_generate_name(prefix);
            assert_eq!(causes.len(), 1, "{prefix}");
            assert_eq!(causes[0].field, "metadata.generateName");
            assert_eq!(causes[0].reason, "FieldValueInvalid");
        }
    }

    #[test]
    fn labels() {
        let labels = object(
            json!({"app": "web", "example.com/tier": "", "-bad": "ok", "k": "bad value", "n": 1}),
        );
        assert_eq!(
            render(&validate_labels(&labels)),
            [
                format!("FieldValueInvalid metadata.labels: Invalid value: \"-bad\": {NAME_PART_ERR}"),
                "FieldValueInvalid metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string(),
                "FieldValueTypeInvalid metadata.labels: Invalid value: 1: must be a string".to_string(),
            ]
        );
    }

    #[test]
    fn annotations() {
        let ok = object(json!({"Example.com/Key": "anything at all, even spaces", "a": ""}));
        assert!(validate_annotations(&ok).is_empty());
        let bad = object(json!({"a b": "x"}));
        assert_eq!(
            render(&validate_annotations(&bad)),
            [format!(
                "FieldValueInvalid metadata.annotations: Invalid value: \"a b\": {NAME_PART_ERR}"
            )]
        );
        // Exactly the limit is fine; one byte more is not.
        let at_limit = object(json!({"k": "v".repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 1)}));
        assert!(validate_annotations(&at_limit).is_empty());
        let over = object(json!({"k": "v".repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 2), "z": "vv"}));
        assert_eq!(
            render(&validate_annotations(&over)),
            ["FieldValueTooLong metadata.annotations: Too long: may not be more than 262144 bytes"]
        );
    }

    #[test]
    fn finalizers() {
        assert!(validate_finalizers(&[json!("example.com/cleanup"), json!("orphan")]).is_empty());
        assert_eq!(
            render(&validate_finalizers(&[json!("bad finalizer"), json!(3)])),
            [
                format!("FieldValueInvalid metadata.finalizers: Invalid value: \"bad finalizer\": {NAME_PART_ERR}"),
                "FieldValueTypeInvalid metadata.finalizers[1]: Invalid value: 3: must be a string".to_string(),
            ]
        );
        assert_eq!(
            render(&validate_finalizers(&[json!("orphan"), json!("foregroundDeletion")])),
            ["FieldValueInvalid metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\"]: finalizer orphan and foregroundDeletion cannot be both set"]
        );
    }

    #[test]
    fn owner_references() {
        let good = json!({"apiVersion": "example.com/v1", "kind": "Widget", "name": "a", "uid": "u1", "controller": true});
        assert!(validate_owner_references(std::slice::from_ref(&good)).is_empty());
        assert_eq!(
            render(&validate_owner_references(&[json!({})])),
            [
                "FieldValueRequired metadata.ownerReferences[0].apiVersion: Required value: must not be empty",
                "FieldValueRequired metadata.ownerReferences[0].kind: Required value: must not be empty",
                "FieldValueRequired metadata.ownerReferences[0].name: Required value: must not be empty",
                "FieldValueRequired metadata.ownerReferences[0].uid: Required value: must not be empty",
            ]
        );
        for api_version in ["a/b/c", "a/", "/"] {
            let reference =
                json!({"apiVersion": api_version, "kind": "K", "name": "n", "uid": "u"});
            assert_eq!(
                render(&validate_owner_references(&[reference])),
                [format!("FieldValueInvalid metadata.ownerReferences[0].apiVersion: Invalid value: \"{api_version}\": must be <group>/<version> or <version>")]
            );
        }
        let event = json!({"apiVersion": "v1", "kind": "Event", "name": "n", "uid": "u"});
        let causes = validate_owner_references(&[event]);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].field, "metadata.ownerReferences[0]");
        assert!(causes[0]
            .message
            .ends_with(": /v1, Kind=Event is disallowed from being an owner"));
        let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "b", "uid": "u2", "controller": true});
        let causes = validate_owner_references(&[
            good,
            json!({"apiVersion": "v1", "kind": "X", "name": "c", "uid": "u3", "controller": false}),
            second,
        ]);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].field, "metadata.ownerReferences");
        assert!(causes[0].message.starts_with("Invalid value: [{"));
        assert!(causes[0].message.ends_with("]: Only one reference can have Controller set to true. Found \"true\" in references for Widget/a and ConfigMap/b"));
    }

    #[test]
    fn object_meta_requires_a_name() {
        assert_eq!(
            render(&validate_object_meta(&json!({}), false)),
            ["FieldValueRequired metadata.name: Required value: name or generateName is required"]
        );
        assert_eq!(
            render(&validate_object_meta(&Value::Null, false)),
            ["FieldValueRequired metadata.name: Required value: name or generateName is required"]
        );
        assert!(validate_object_meta(&json!({"generateName": "web-"}), false).is_empty());
        assert_eq!(
            render(&validate_object_meta(
                &json!({"name": "", "generateName": "Web-"}),
                false
            )),
            [format!(
                "FieldValueInvalid metadata.generateName: Invalid value: \"Web-\": {SUBDOMAIN_ERR}"
            )]
        );
        assert_eq!(
            render(&validate_object_meta(&json!({"name": 5}), false)),
            ["FieldValueTypeInvalid metadata.name: Invalid value: 5: must be a string"]
        );
        assert_eq!(
            render(&validate_object_meta(&json!("a"), false)),
            ["FieldValueTypeInvalid metadata: Invalid value: \"a\": must be an object"]
        );
    }

    #[test]
    fn object_meta_namespace_follows_scope() {
        assert_eq!(
            render(&validate_object_meta(&json!({"name": "a"}), true)),
            ["FieldValueRequired metadata.namespace: Required value"]
        );
        assert!(validate_object_meta(&json!({"name": "a", "namespace": "ns"}), true).is_empty());
        assert_eq!(
            render(&validate_object_meta(&json!({"name": "a", "namespace": "a.b"}), true)),
            ["FieldValueInvalid metadata.namespace: Invalid value: \"a.b\": must not contain dots"]
        );
        assert!(validate_object_meta(&json!({"name": "a", "namespace": ""}), false).is_empty());
        assert_eq!(
            render(&validate_object_meta(
                &json!({"name": "a", "namespace": "ns"}),
                false
            )),
            ["FieldValueForbidden metadata.namespace: Forbidden: not allowed on this type"]
        );
    }

    #[test]
    fn object_meta_checks_everything_in_kubernetes_order() {
        let meta = json!({
            "name": "A",
            "namespace": "ns",
            "generation": -1,
            "labels": {"-l": "v"},
            "annotations": {"-a": "v"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "n"}],
            "finalizers": ["-f"],
            "uid": "ignored", "resourceVersion": "7", "creationTimestamp": "2024-01-02T03:04:05Z",
        });
        let fields: Vec<String> = validate_object_meta(&meta, true)
            .into_iter()
            .map(|c| format!("{} {}", c.reason, c.field))
            .collect();
        assert_eq!(
            fields,
            [
                "FieldValueInvalid metadata.name",
                "FieldValueInvalid metadata.generation",
                "FieldValueInvalid metadata.labels",
                "FieldValueInvalid metadata.annotations",
                "FieldValueRequired metadata.ownerReferences[0].uid",
                "FieldValueInvalid metadata.finalizers",
            ]
        );
        assert_eq!(
            render(&validate_object_meta(&json!({"name": "a", "generation": -1}), false)),
            ["FieldValueInvalid metadata.generation: Invalid value: -1: must be greater than or equal to 0"]
        );
        assert!(validate_object_meta(
            &json!({"name": "a", "generation": 0, "labels": null}),
            false
        )
        .is_empty());
        assert_eq!(
            render(&validate_object_meta(
                &json!({"name": "a", "labels": []}),
                false
            )),
            ["FieldValueTypeInvalid metadata.labels: Invalid value: []: must be an object"]
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn validators_never_panic(text in any::<String>(), namespaced in any::<bool>()) {
                let _ = validate_name(&text);
                let _ = validate_namespace_name(&text);
                let _ = validate_generate_name(&text);
                let meta = json!({"name": text, "generateName": text, "namespace": text,
                    "labels": {&text: &text}, "annotations": {&text: &text}, "finalizers": [&text],
                    "ownerReferences": [{"apiVersion": &text, "kind": &text, "name": &text, "uid": &text}]});
                let _ = validate_object_meta(&meta, namespaced);
            }
        }
    }
}
