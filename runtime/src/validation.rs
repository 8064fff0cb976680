//! Object metadata validation as kube-apiserver does it for custom resources, plus the system
//! values a create fills in (`uid`, `creationTimestamp`, generated names).
//!
//! Messages follow apimachinery word for word (Kubernetes 1.35 and later), so that a client sees
//! the same `Invalid` Status from krest as from a real API server.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde_json::{Map, Value};

use crate::status::Cause;

/// The longest object name (a DNS-1123 subdomain).
const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// The longest namespace name (a DNS-1123 label), label key name part and label value.
const DNS1123_LABEL_MAX: usize = 63;
/// The largest total size of an object's annotations, keys and values together.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// The characters of a generated name's random suffix: no vowels, no look-alikes.
const NAME_SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
/// The length of a generated name's random suffix.
const NAME_SUFFIX_LEN: usize = 5;
/// The longest prefix kept by [`generate_name`]: 63 - 5.
const GENERATED_PREFIX_MAX: usize = 58;

/// How a "too long" message counts: apimachinery's older helpers say `characters`, the
/// `content` package (label keys and values) says `bytes`. Both count bytes.
#[derive(Clone, Copy)]
enum Unit {
    Characters,
    Bytes,
}

fn max_len_error(max: usize, unit: Unit) -> String {
    match unit {
        Unit::Characters => format!("must be no more than {max} characters"),
        Unit::Bytes => format!("must be no more than {max} bytes"),
    }
}

/// `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`, spaces included.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let examples: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{fmt}')",
        examples.join(" or ")
    )
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn is_dns_label_text(value: &str) -> bool {
    let bytes = value.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns_subdomain_text(value: &str) -> bool {
    value.split('.').all(is_dns_label_text)
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_name_text(value: &str) -> bool {
    let bytes = value.as_bytes();
    let edge = |b: &u8| b.is_ascii_alphanumeric();
    bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes
            .iter()
            .all(|b| edge(b) || matches!(b, b'-' | b'_' | b'.'))
}

fn dns1123_subdomain(value: &str, unit: Unit) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX, unit));
    }
    if !is_dns_subdomain_text(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// What is wrong with `value` as a DNS-1123 subdomain (`IsDNS1123Subdomain`): at most 253
/// characters of lower-case alphanumerics, `-` and `.`. Empty when it is valid.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain(value, Unit::Characters)
}

/// What is wrong with `value` as a DNS-1123 label (`IsDNS1123Label`): at most 63 characters
/// of lower-case alphanumerics and `-`. Empty when it is valid.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX, Unit::Characters));
    }
    if !is_dns_label_text(value) {
        if is_dns_subdomain_text(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// What is wrong with `value` as a qualified name, the format of label and annotation keys and
/// finalizers (`IsQualifiedName`): an optional DNS subdomain prefix and `/`, then a name of at
/// most 63 alphanumerics, `-`, `_` and `.`. Empty when it is valid.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let name_examples = ["MyName", "my.name", "123-abc"];
    let mut errs = Vec::new();
    let mut parts = value.split('/');
    let (prefix, name) = match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, _) => (None, name),
        (Some(prefix), Some(name), None) => (Some(prefix), name),
        _ => {
            return vec![format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &name_examples)
            )]
        }
    };
    match prefix {
        Some("") => errs.push("prefix part must be non-empty".to_string()),
        Some(prefix) => errs.extend(
            dns1123_subdomain(prefix, Unit::Bytes)
                .into_iter()
                .map(|msg| format!("prefix part {msg}")),
        ),
        None => {}
    }
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "name part {}",
            max_len_error(DNS1123_LABEL_MAX, Unit::Bytes)
        ));
    }
    if !is_label_name_text(name) {
        errs.push(format!(
            "name part {}",
            regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &name_examples)
        ));
    }
    errs
}

/// What is wrong with `value` as a label value (`IsValidLabelValue`): empty, or at most 63
/// alphanumerics, `-`, `_` and `.` that start and end with an alphanumeric. Empty when it is
/// valid.
pub fn is_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX, Unit::Bytes));
    }
    if !value.is_empty() && !is_label_name_text(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

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

/// A name from a `generateName` prefix, as Kubernetes' `SimpleNameGenerator` makes it: the
/// prefix cut to 58 bytes, then 5 random characters from `bcdfghjklmnpqrstvwxz2456789`.
pub fn generate_name(prefix: &str) -> String {
    let mut end = prefix.len().min(GENERATED_PREFIX_MAX);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    let mut rng = rand::rng();
    let mut name = String::with_capacity(end + NAME_SUFFIX_LEN);
    name.push_str(&prefix[..end]);
    for _ in 0..NAME_SUFFIX_LEN {
        let i = rng.random_range(0..NAME_SUFFIX_ALPHABET.len());
        name.push(char::from(NAME_SUFFIX_ALPHABET[i]));
    }
    name
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

/// The current time as a `metav1.Time`: RFC 3339, UTC, whole seconds (`2024-01-02T03:04:05Z`).
pub fn rfc3339_now() -> String {
    rfc3339(SystemTime::now())
}

/// `time` as a `metav1.Time`: RFC 3339, UTC, whole seconds (`2024-01-02T03:04:05Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let seconds = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        // Round towards the past: 0.5 s before the epoch is 23:59:59.
        Err(before) => {
            let d = before.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both fit: day is in 1..=31 and month in 1..=12.
    (year, month as u32, day as u32)
}

/// A new random UUID (version 4) in its text form: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
pub fn new_uid() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
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
    fn generated_names() {
        let name = generate_name("web-");
        assert_eq!(name.len(), 9);
        assert!(name.starts_with("web-"));
        assert!(name[4..].bytes().all(|b| NAME_SUFFIX_ALPHABET.contains(&b)));
        assert!(validate_name(&name).is_empty());
        let long = generate_name(&"p".repeat(100));
        assert_eq!(long.len(), 63);
        assert!(long.starts_with(&"p".repeat(58)));
        // Cutting never splits a character.
        let wide = generate_name(&"é".repeat(40));
        assert!(wide.starts_with(&"é".repeat(29)));
        assert_eq!(wide.len(), 58 + 5);
        assert_eq!(generate_name("").len(), 5);
        assert_ne!(generate_name("x-"), generate_name("x-"));
    }

    #[test]
    fn qualified_names() {
        for key in [
            "a",
            "A",
            "a.b_c-D",
            "example.com/a",
            "a.b/C",
            &format!("{}/x", "a".repeat(253)),
        ] {
            assert!(is_qualified_name(key).is_empty(), "{key}");
        }
        assert_eq!(is_qualified_name("-a"), [NAME_PART_ERR]);
        assert_eq!(is_qualified_name("/a"), ["prefix part must be non-empty"]);
        assert_eq!(
            is_qualified_name("a/"),
            [
                "name part must be non-empty".to_string(),
                NAME_PART_ERR.to_string()
            ]
        );
        assert_eq!(
            is_qualified_name(&"a".repeat(64)),
            ["name part must be no more than 63 bytes"]
        );
        assert_eq!(
            is_qualified_name("Example.com/a"),
            [format!("prefix part {SUBDOMAIN_ERR}")]
        );
        assert_eq!(
            is_qualified_name(&format!("{}/a", "a".repeat(254))),
            ["prefix part must be no more than 253 bytes"]
        );
        assert_eq!(
            is_qualified_name("a/b/c"),
            ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        );
    }

    #[test]
    fn label_values() {
        for value in ["", "a", "A_b.c-9", &"v".repeat(63)] {
            assert!(is_label_value(value).is_empty(), "{value}");
        }
        assert_eq!(
            is_label_value("-a"),
            ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
        );
        assert_eq!(
            is_label_value(&"v".repeat(64)),
            ["must be no more than 63 bytes"]
        );
        assert_eq!(is_label_value(&format!("{}-", "v".repeat(64))).len(), 2);
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
        assert!(validate_owner_references(&[good.clone()]).is_empty());
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

    #[test]
    fn timestamps() {
        let at = |seconds: u64| rfc3339(UNIX_EPOCH + std::time::Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_704_164_645), "2024-01-02T03:04:05Z");
        assert_eq!(at(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(at(951_868_800), "2000-03-01T00:00:00Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
        let before = |d: std::time::Duration| rfc3339(UNIX_EPOCH - d);
        assert_eq!(
            before(std::time::Duration::from_secs(1)),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            before(std::time::Duration::from_millis(500)),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            before(std::time::Duration::from_secs(86_400 * 365)),
            "1969-01-01T00:00:00Z"
        );

        let now = rfc3339_now();
        let bytes = now.as_bytes();
        assert_eq!(bytes.len(), 20, "{now}");
        for (i, b) in bytes.iter().enumerate() {
            match i {
                4 | 7 => assert_eq!(*b, b'-'),
                10 => assert_eq!(*b, b'T'),
                13 | 16 => assert_eq!(*b, b':'),
                19 => assert_eq!(*b, b'Z'),
                _ => assert!(b.is_ascii_digit(), "{now}"),
            }
        }
        assert!(now.as_str() >= "2024-01-01T00:00:00Z");
    }

    #[test]
    fn uids_are_random_v4_uuids() {
        let uid = new_uid();
        assert_eq!(uid.len(), 36);
        let groups: Vec<&str> = uid.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(uid
            .chars()
            .all(|c| c == '-' || matches!(c, '0'..='9' | 'a'..='f')));
        assert!(groups[2].starts_with('4'));
        assert!(groups[3].starts_with(['8', '9', 'a', 'b']));
        assert_ne!(new_uid(), new_uid());
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Days since 1970-01-01 of a proleptic Gregorian date, counted the slow way.
        fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
            let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let year_days = |y: i64| if leap(y) { 366 } else { 365 };
            let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let mut days: i64 = if year >= 1970 {
                (1970..year).map(year_days).sum()
            } else {
                -(year..1970).map(year_days).sum::<i64>()
            };
            for m in 1..month {
                days += month_days[m as usize - 1] + i64::from(m == 2 && leap(year));
            }
            days + i64::from(day) - 1
        }

        proptest! {
            #[test]
            fn civil_dates_match_a_slow_count(days in -800_000i64..800_000) {
                let (year, month, day) = civil_from_days(days);
                prop_assert!((1..=12).contains(&month));
                prop_assert!((1..=31).contains(&day));
                prop_assert_eq!(days_from_civil(year, month, day), days);
            }

            #[test]
            fn validators_never_panic(text in any::<String>()) {
                let _ = validate_name(&text);
                let _ = validate_namespace_name(&text);
                let _ = validate_generate_name(&text);
                let _ = is_qualified_name(&text);
                let _ = is_label_value(&text);
                let name = generate_name(&text);
                prop_assert!(name.len() <= 63);
            }

            #[test]
            fn generated_names_from_valid_prefixes_are_valid(
                prefix in "[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?){0,3}-?"
            ) {
                prop_assert!(validate_generate_name(&prefix).is_empty(), "{}", prefix);
                // Cut anywhere, a valid prefix followed by alphanumerics is a valid name.
                let name = generate_name(&prefix);
                prop_assert!(validate_name(&name).is_empty(), "{} from {}", name, prefix);
            }
        }
    }
}
