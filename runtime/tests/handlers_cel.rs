//! CEL validation rules (`x-kubernetes-validations`) and the checks that travel with them in
//! kube-apiserver (list uniqueness, embedded resources), through the handlers without sockets:
//! create, update, merge patch, apply and the status subresource, each answered 201/200 or 422
//! with kube-apiserver's causes.

mod common;

use common::*;
use krest::{Resource, Server};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A kind whose schema is a CRD's, with rules at the spec, on fields, on list items, on the
/// status, and a transition rule.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "cel.krest.dev",
    version = "v1",
    namespaced,
    status = Value,
    schema = route_schema
)]
pub struct RouteSpec {
    #[serde(flatten)]
    /// Every field, as written.
    pub fields: serde_json::Map<String, Value>,
}

fn route_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "x-kubernetes-validations": [
                    {"rule": "self.minReplicas <= self.replicas", "message": "minReplicas must not exceed replicas"},
                    {"rule": "!has(self.host) || self.host.endsWith('.example.com')", "messageExpression": "'host ' + self.host + ' is not under example.com'", "fieldPath": ".host", "reason": "FieldValueForbidden"},
                    {"rule": "self.mode == oldSelf.mode", "message": "mode is immutable"},
                ],
                "properties": {
                    "replicas": {"type": "integer"},
                    "minReplicas": {"type": "integer"},
                    "host": {"type": "string", "maxLength": 253},
                    "mode": {"type": "string", "maxLength": 16},
                    "size": {"type": "string", "maxLength": 16, "x-kubernetes-validations": [
                        {"rule": "isQuantity(self) && quantity(self).isLessThan(quantity('10Gi'))", "message": "size must be a quantity below 10Gi"},
                    ]},
                    "tags": {"type": "array", "maxItems": 8, "x-kubernetes-list-type": "set",
                             "items": {"type": "string", "maxLength": 16}},
                    "backends": {
                        "type": "array", "maxItems": 8,
                        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                        "items": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {"name": {"type": "string", "maxLength": 32}, "port": {"type": "integer"}},
                            "x-kubernetes-validations": [{"rule": "has(self.port) && self.port > 0 && self.port < 65536", "message": "Must have port for Service reference"}],
                        },
                        "x-kubernetes-validations": [{"rule": "self.all(b, b.name.matches('^[a-z]+$'))", "message": "backend names are lower-case letters"}],
                    },
                    "template": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true},
                },
            },
            "status": {
                "type": "object",
                "properties": {"ready": {"type": "integer"}},
                "x-kubernetes-validations": [{"rule": "self.ready >= 0", "message": "ready must not be negative"}],
            },
        },
    })
}

const ROUTES: &str = "/apis/cel.krest.dev/v1/namespaces/default/routes";

fn server() -> Server {
    Server::builder().resource::<Route>().build().unwrap()
}

fn route(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "cel.krest.dev/v1", "kind": "Route", "metadata": {"name": name}, "spec": spec})
}

fn valid() -> Value {
    json!({"replicas": 3, "minReplicas": 1, "host": "a.example.com", "mode": "fast"})
}

/// The causes of a 422, as (field, reason, message).
fn causes(r: &Reply) -> Vec<(String, String, String)> {
    assert_eq!(r.code, 422, "{}", r.text);
    assert_eq!(r.reason(), "Invalid", "{}", r.text);
    r.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap_or("").to_string(),
                c["reason"].as_str().unwrap_or("").to_string(),
                c["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// An expected cause: field, reason, message.
type Expected = (&'static str, &'static str, &'static str);

fn with(base: Value, patch: Value) -> Value {
    let mut out = base;
    for (k, v) in patch.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

#[tokio::test]
async fn create_answers_201_or_422_with_one_cause_per_failed_rule() {
    let s = server();
    // (spec, expected causes)
    let table: Vec<(Value, Vec<Expected>)> = vec![
        (valid(), vec![]),
        (
            with(valid(), json!({"minReplicas": 5})),
            vec![("spec", "FieldValueInvalid", "Invalid value: \"object\": minReplicas must not exceed replicas")],
        ),
        (
            with(valid(), json!({"host": "evil.test"})),
            vec![("spec.host", "FieldValueForbidden", "Forbidden: host evil.test is not under example.com")],
        ),
        (
            with(valid(), json!({"minReplicas": 9, "host": "evil.test"})),
            vec![
                ("spec", "FieldValueInvalid", "Invalid value: \"object\": minReplicas must not exceed replicas"),
                ("spec.host", "FieldValueForbidden", "Forbidden: host evil.test is not under example.com"),
            ],
        ),
        (with(valid(), json!({"size": "1Gi"})), vec![]),
        (
            with(valid(), json!({"size": "20Gi"})),
            vec![("spec.size", "FieldValueInvalid", "Invalid value: \"string\": size must be a quantity below 10Gi")],
        ),
        (with(valid(), json!({"backends": [{"name": "a", "port": 80}, {"name": "b", "port": 81}]})), vec![]),
        (
            with(valid(), json!({"backends": [{"name": "a"}, {"name": "B", "port": 81}]})),
            vec![
                ("spec.backends", "FieldValueInvalid", "Invalid value: \"array\": backend names are lower-case letters"),
                ("spec.backends[0]", "FieldValueInvalid", "Invalid value: \"object\": Must have port for Service reference"),
            ],
        ),
        // Uniqueness of sets and keyed lists.
        (
            with(valid(), json!({"tags": ["x", "y", "x"]})),
            vec![("spec.tags[2]", "FieldValueDuplicate", "Duplicate value: \"x\"")],
        ),
        (
            with(valid(), json!({"backends": [{"name": "a", "port": 1}, {"name": "a", "port": 2}]})),
            vec![("spec.backends[1]", "FieldValueDuplicate", "Duplicate value: map[string]interface {}{\"name\":\"a\"}")],
        ),
        // Embedded resources need their type.
        (with(valid(), json!({"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}})), vec![]),
        (
            with(valid(), json!({"template": {"metadata": {"name": "p"}}})),
            vec![
                ("spec.template.apiVersion", "FieldValueRequired", "Required value: must not be empty"),
                ("spec.template.kind", "FieldValueRequired", "Required value: must not be empty"),
                ("", "FieldValueInvalid", "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"),
            ],
        ),
    ];
    for (i, (spec, expected)) in table.into_iter().enumerate() {
        let r = json(&s, "POST", ROUTES, route(&format!("r{i}"), spec.clone())).await;
        if expected.is_empty() {
            assert_eq!(r.code, 201, "{spec}: {}", r.text);
            continue;
        }
        let expected: Vec<(String, String, String)> = expected
            .into_iter()
            .map(|(f, r, m)| (f.into(), r.into(), m.into()))
            .collect();
        assert_eq!(causes(&r), expected, "{spec}");
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("Route.cel.krest.dev \"r{i}\" is invalid: ")),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn a_type_error_keeps_the_rules_from_running() {
    let s = server();
    let r = json(
        &s,
        "POST",
        ROUTES,
        route(
            "t",
            with(valid(), json!({"replicas": "three", "minReplicas": 9})),
        ),
    )
    .await;
    let c = causes(&r);
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(c[0].2.contains("must be of type integer"), "{c:?}");
    assert!(
        c[1].2.contains("some validation rules were not checked"),
        "{c:?}"
    );
}

#[tokio::test]
async fn update_patch_and_apply_run_the_rules_and_transition_rules() {
    let s = server();
    let r = json(&s, "POST", ROUTES, route("u", valid())).await;
    assert_eq!(r.code, 201, "{}", r.text);
    let item = format!("{ROUTES}/u");
    // Update: the transition rule sees the stored object.
    let mut changed = r.body.clone();
    changed["spec"]["mode"] = json!("slow");
    let r = json(&s, "PUT", &item, changed).await;
    assert_eq!(
        causes(&r),
        vec![(
            "spec".into(),
            "FieldValueInvalid".into(),
            "Invalid value: \"object\": mode is immutable".into()
        )]
    );
    // Merge patch.
    let r = patch(
        &s,
        &item,
        "application/merge-patch+json",
        json!({"spec": {"minReplicas": 7}}),
    )
    .await;
    assert_eq!(
        causes(&r)[0].2,
        "Invalid value: \"object\": minReplicas must not exceed replicas"
    );
    let r = patch(
        &s,
        &item,
        "application/merge-patch+json",
        json!({"spec": {"replicas": 7}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    // Server-side apply.
    let applied = route("u", with(valid(), json!({"host": "x.test"})));
    let r = patch(
        &s,
        &format!("{item}?fieldManager=me&force=true"),
        "application/apply-patch+yaml",
        applied,
    )
    .await;
    assert_eq!(
        causes(&r),
        vec![(
            "spec.host".into(),
            "FieldValueForbidden".into(),
            "Forbidden: host x.test is not under example.com".into()
        )]
    );
    // A valid update passes the transition rule.
    let r = patch(
        &s,
        &item,
        "application/merge-patch+json",
        json!({"spec": {"host": "b.example.com"}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
}

#[tokio::test]
async fn the_status_subresource_runs_the_status_rules() {
    let s = server();
    let r = json(&s, "POST", ROUTES, route("st", valid())).await;
    assert_eq!(r.code, 201, "{}", r.text);
    let status = format!("{ROUTES}/st/status");
    let r = patch(
        &s,
        &status,
        "application/merge-patch+json",
        json!({"status": {"ready": -1}}),
    )
    .await;
    assert_eq!(
        causes(&r),
        vec![(
            "status".into(),
            "FieldValueInvalid".into(),
            "Invalid value: \"object\": ready must not be negative".into()
        )]
    );
    let r = patch(
        &s,
        &status,
        "application/merge-patch+json",
        json!({"status": {"ready": 2}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.body["status"]["ready"], 2);
}

/// A kind whose rule kube-apiserver would refuse: the server does not build.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "cel.krest.dev", version = "v1", schema = unbounded_schema)]
pub struct UnboundedSpec {
    #[serde(default)]
    /// Items.
    pub items: Vec<String>,
}

fn unbounded_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {"items": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-kubernetes-validations": [{"rule": "self.all(a, self.all(b, a == b))"}],
                }},
            },
        },
    })
}

#[test]
fn a_rule_over_the_cost_limit_is_refused_when_the_server_is_built() {
    let Err(e) = Server::builder().resource::<Unbounded>().build() else {
        panic!("built a server with an unbounded rule");
    };
    let text = e.to_string();
    assert!(
        text.starts_with("cel.krest.dev/v1 Unbounded: openAPIV3Schema.properties[spec].properties[items].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x"),
        "{text}"
    );
    assert!(
        text.contains("(rule: self.all(a, self.all(b, a == b)))"),
        "{text}"
    );
}

/// A derived kind with rules declared on the spec type and on its fields.
#[derive(Resource, schemars::JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "cel.krest.dev",
    version = "v1",
    namespaced,
    rule(
        "self.minReplicas <= self.replicas",
        message = "minReplicas must not exceed replicas"
    ),
    rule = "!has(self.owner) || self.owner != 'nobody'"
)]
#[serde(rename_all = "camelCase")]
pub struct PoolSpec {
    /// The replicas.
    #[resource(rule(
        "self >= 0",
        message = "replicas must not be negative",
        reason = "FieldValueForbidden"
    ))]
    pub replicas: i32,
    /// The fewest replicas.
    pub min_replicas: i32,
    /// Who owns the pool; fixed once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[resource(rule("self == oldSelf", message = "owner is immutable"))]
    #[schemars(length(max = 63))]
    pub owner: Option<String>,
}

#[tokio::test]
async fn derived_kinds_run_the_rules_of_their_attributes() {
    let s = Server::builder().resource::<Pool>().build().unwrap();
    let pools = "/apis/cel.krest.dev/v1/namespaces/default/pools";
    let pool = |name: &str, spec: Value| json!({"apiVersion": "cel.krest.dev/v1", "kind": "Pool", "metadata": {"name": name}, "spec": spec});
    let r = json(
        &s,
        "POST",
        pools,
        pool("a", json!({"replicas": 2, "minReplicas": 1, "owner": "me"})),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    let r = json(
        &s,
        "POST",
        pools,
        pool(
            "b",
            json!({"replicas": -1, "minReplicas": 1, "owner": "nobody"}),
        ),
    )
    .await;
    assert_eq!(
        causes(&r),
        vec![
            ("spec".into(), "FieldValueInvalid".into(), "Invalid value: \"object\": minReplicas must not exceed replicas".into()),
            ("spec".into(), "FieldValueInvalid".into(), "Invalid value: \"object\": failed rule: !has(self.owner) || self.owner != 'nobody'".into()),
            ("spec.replicas".into(), "FieldValueForbidden".into(), "Forbidden: replicas must not be negative".into()),
        ]
    );
    let r = patch(
        &s,
        &format!("{pools}/a"),
        "application/merge-patch+json",
        json!({"spec": {"owner": "you"}}),
    )
    .await;
    assert_eq!(
        causes(&r),
        vec![(
            "spec.owner".into(),
            "FieldValueInvalid".into(),
            "Invalid value: \"string\": owner is immutable".into()
        )]
    );
}
