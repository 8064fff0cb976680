//! The review kinds as kubectl's typed client sends them: `application/vnd.kubernetes.protobuf`
//! (`kubectl auth can-i`, `kubectl auth can-i --list`, `kubectl auth whoami`). Each message is
//! described by a table of its fields (numbers from Kubernetes' `generated.proto`) and read into
//! the JSON the JSON body would have been; empty strings, lists and maps are left out, as Go's
//! `omitempty` leaves them out of JSON, and fields krest does not read are skipped.

use serde_json::{Map, Value};

use crate::builtin::namespace::protobuf::{envelope, fields, text, Field};

/// How a field is read.
enum Kind {
    Str,
    Strings,
    Message(&'static [(u64, &'static str, Kind)]),
    /// `map<string, ExtraValue>`, where `ExtraValue` is `repeated string items = 1`.
    Extra,
}

use Kind::{Extra, Message, Str, Strings};

/// A message: its fields by number.
type Schema = &'static [(u64, &'static str, Kind)];

/// Messages nest at most this deep here (review > spec > attributes).
const MAX_DEPTH: usize = 6;

/// `metav1.ObjectMeta`: what a review may carry (reviews must leave it empty, but for the
/// namespace of a LocalSubjectAccessReview).
const OBJECT_META: Schema = &[
    (1, "name", Str),
    (2, "generateName", Str),
    (3, "namespace", Str),
    (5, "uid", Str),
    (6, "resourceVersion", Str),
];

const RESOURCE_ATTRIBUTES: Schema = &[
    (1, "namespace", Str),
    (2, "verb", Str),
    (3, "group", Str),
    (4, "version", Str),
    (5, "resource", Str),
    (6, "subresource", Str),
    (7, "name", Str),
];

const NON_RESOURCE_ATTRIBUTES: Schema = &[(1, "path", Str), (2, "verb", Str)];

const SUBJECT_ACCESS_REVIEW_SPEC: Schema = &[
    (1, "resourceAttributes", Message(RESOURCE_ATTRIBUTES)),
    (2, "nonResourceAttributes", Message(NON_RESOURCE_ATTRIBUTES)),
    (3, "user", Str),
    (4, "groups", Strings),
    (5, "extra", Extra),
    (6, "uid", Str),
];

const SELF_SUBJECT_ACCESS_REVIEW_SPEC: Schema = &[
    (1, "resourceAttributes", Message(RESOURCE_ATTRIBUTES)),
    (2, "nonResourceAttributes", Message(NON_RESOURCE_ATTRIBUTES)),
];

const SELF_SUBJECT_RULES_REVIEW_SPEC: Schema = &[(1, "namespace", Str)];

const TOKEN_REVIEW_SPEC: Schema = &[(1, "token", Str), (2, "audiences", Strings)];

/// The schema of a review kind: `metadata` is field 1, `spec` field 2 (a SelfSubjectReview
/// has no spec).
fn schema(kind: &str) -> Option<Schema> {
    Some(match kind {
        "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            const S: Schema = &[
                (1, "metadata", Message(OBJECT_META)),
                (2, "spec", Message(SUBJECT_ACCESS_REVIEW_SPEC)),
            ];
            S
        }
        "SelfSubjectAccessReview" => {
            const S: Schema = &[
                (1, "metadata", Message(OBJECT_META)),
                (2, "spec", Message(SELF_SUBJECT_ACCESS_REVIEW_SPEC)),
            ];
            S
        }
        "SelfSubjectRulesReview" => {
            const S: Schema = &[
                (1, "metadata", Message(OBJECT_META)),
                (2, "spec", Message(SELF_SUBJECT_RULES_REVIEW_SPEC)),
            ];
            S
        }
        "TokenReview" => {
            const S: Schema = &[
                (1, "metadata", Message(OBJECT_META)),
                (2, "spec", Message(TOKEN_REVIEW_SPEC)),
            ];
            S
        }
        "SelfSubjectReview" => {
            const S: Schema = &[(1, "metadata", Message(OBJECT_META))];
            S
        }
        _ => return None,
    })
}

/// Decodes a protobuf review of `kind` (with its `k8s\0` envelope) into its JSON form; a body
/// holding another kind is an error.
pub(crate) fn review_to_json(body: &[u8], kind: &str) -> Result<Map<String, Value>, String> {
    let (mut object, raw) = envelope(body)?;
    let sent = object.get("kind").and_then(Value::as_str).unwrap_or("");
    if sent != kind {
        return Err(format!("the protobuf body holds a {sent:?}, not a {kind}"));
    }
    let schema = schema(kind).ok_or_else(|| format!("{kind} is not a review kind"))?;
    object.extend(message(raw, schema, 1)?);
    Ok(object)
}

fn message(bytes: &[u8], schema: Schema, depth: usize) -> Result<Map<String, Value>, String> {
    if depth > MAX_DEPTH {
        return Err("protobuf nested too deep".into());
    }
    let mut out = Map::new();
    for field in fields(bytes) {
        let (number, value) = field?;
        let Some((_, name, kind)) = schema.iter().find(|(n, ..)| *n == number) else {
            continue;
        };
        let Field::Bytes(bytes) = value else {
            return Err(format!("field {name} is not length-delimited"));
        };
        match kind {
            Str => {
                if !bytes.is_empty() {
                    out.insert(name.to_string(), text(bytes)?);
                }
            }
            Strings => {
                let list = out
                    .entry(name.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(text(bytes)?);
                }
            }
            Message(inner) => {
                out.insert(
                    name.to_string(),
                    Value::Object(message(bytes, inner, depth + 1)?),
                );
            }
            Extra => {
                let (key, values) = extra_entry(bytes)?;
                let map = out
                    .entry(name.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = map {
                    map.insert(key, Value::Array(values));
                }
            }
        }
    }
    Ok(out)
}

/// One `map<string, ExtraValue>` entry: key 1, value 2 (`ExtraValue`: items 1).
fn extra_entry(bytes: &[u8]) -> Result<(String, Vec<Value>), String> {
    let (mut key, mut values) = (String::new(), Vec::new());
    for field in fields(bytes) {
        match field? {
            (1, Field::Bytes(k)) => {
                key = std::str::from_utf8(k)
                    .map_err(|_| "a map key is not UTF-8")?
                    .to_string();
            }
            (2, Field::Bytes(value)) => {
                for item in fields(value) {
                    if let (1, Field::Bytes(v)) = item? {
                        values.push(text(v)?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok((key, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(number: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3 | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    fn envelope_of(api_version: &[u8], kind: &[u8], raw: &[u8]) -> Vec<u8> {
        let type_meta = [field(1, api_version), field(2, kind)].concat();
        let mut body = b"k8s\0".to_vec();
        body.extend(field(1, &type_meta));
        body.extend(field(2, raw));
        body
    }

    #[test]
    fn decodes_what_kubectl_auth_can_i_sends() {
        // Empty strings are on the wire, as Kubernetes' marshaller writes every string field.
        let attributes = [
            field(1, b"default"),
            field(2, b"get"),
            field(3, b""),
            field(5, b"widgets"),
        ]
        .concat();
        let review = [field(1, b""), field(2, &field(1, &attributes))].concat();
        let body = envelope_of(
            b"authorization.k8s.io/v1",
            b"SelfSubjectAccessReview",
            &review,
        );
        assert_eq!(
            Value::Object(review_to_json(&body, "SelfSubjectAccessReview").unwrap()),
            json!({
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "metadata": {},
                "spec": {"resourceAttributes": {"namespace": "default", "verb": "get", "resource": "widgets"}},
            })
        );
        assert!(
            review_to_json(&body, "SubjectAccessReview").is_err(),
            "the kind must be the one the path serves"
        );
    }

    #[test]
    fn decodes_subject_access_reviews_token_reviews_and_rules_reviews() {
        let extra = [
            field(1, b"scopes"),
            field(2, &[field(1, b"a"), field(1, b"b")].concat()),
        ]
        .concat();
        let spec = [
            field(2, &[field(1, b"/metrics"), field(2, b"get")].concat()),
            field(3, b"alice"),
            field(4, b"dev"),
            field(4, b"ops"),
            field(5, &extra),
            field(6, b"42"),
        ]
        .concat();
        let body = envelope_of(
            b"authorization.k8s.io/v1",
            b"SubjectAccessReview",
            &field(2, &spec),
        );
        assert_eq!(
            review_to_json(&body, "SubjectAccessReview").unwrap()["spec"],
            json!({
                "nonResourceAttributes": {"path": "/metrics", "verb": "get"},
                "user": "alice", "groups": ["dev", "ops"],
                "extra": {"scopes": ["a", "b"]}, "uid": "42",
            })
        );
        let spec = [field(1, b"t0k3n"), field(2, b"api")].concat();
        let body = envelope_of(
            b"authentication.k8s.io/v1",
            b"TokenReview",
            &field(2, &spec),
        );
        assert_eq!(
            review_to_json(&body, "TokenReview").unwrap()["spec"],
            json!({"token": "t0k3n", "audiences": ["api"]})
        );
        let body = envelope_of(
            b"authorization.k8s.io/v1",
            b"SelfSubjectRulesReview",
            &field(2, &field(1, b"team-a")),
        );
        assert_eq!(
            review_to_json(&body, "SelfSubjectRulesReview").unwrap()["spec"],
            json!({"namespace": "team-a"})
        );
        let body = envelope_of(b"authentication.k8s.io/v1", b"SelfSubjectReview", b"");
        assert_eq!(
            Value::Object(review_to_json(&body, "SelfSubjectReview").unwrap()),
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let spec = field(2, &field(1, &field(2, b"get")));
        let good = envelope_of(
            b"authorization.k8s.io/v1",
            b"SelfSubjectAccessReview",
            &spec,
        );
        for cut in 0..good.len() {
            let _ = review_to_json(&good[..cut], "SelfSubjectAccessReview");
        }
        assert!(review_to_json(b"{}", "TokenReview").is_err());
        // A varint where a message belongs.
        let wrong = envelope_of(b"authentication.k8s.io/v1", b"TokenReview", &[0x10, 0x01]);
        assert!(review_to_json(&wrong, "TokenReview").is_err());
    }
}
