//! Schema validation and defaulting of writes, without sockets: each keyword krest enforces,
//! with the cause apiextensions' validator would give, on create, update, patch and the
//! subresources; defaults from the schema applied on create and update.

mod common;

use common::*;
use krest::{Resource, Server};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A kind whose schema comes from its Rust types, with bounds from `#[schemars(...)]`.
#[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "valid.krest.dev", version = "v1", namespaced, status = ThingStatus)]
#[serde(rename_all = "camelCase")]
pub struct ThingSpec {
    /// Between 0 and 10.
    #[schemars(range(min = 0, max = 10))]
    pub replicas: i32,
    /// Two to five characters.
    #[schemars(length(min = 2, max = 5))]
    pub code: String,
    /// Lower-case letters.
    #[schemars(regex(pattern = r"^[a-z]+$"))]
    pub slug: String,
    /// At most two tags.
    #[schemars(length(max = 2))]
    #[serde(default)]
    pub tags: Vec<String>,
    /// One of the colors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
}

/// The colors.
#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
pub enum Color {
    /// Red.
    Red,
    /// Blue.
    Blue,
}

/// The observed state of a thing.
#[derive(JsonSchema, Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThingStatus {
    /// Never negative.
    #[schemars(range(min = 0))]
    #[serde(default)]
    pub ready: i32,
}

/// A kind with a hand-written schema, as a kind generated from a CRD supplies its
/// `openAPIV3Schema`: the Rust type is looser than the schema (plain strings, optional
/// fields), so every rule below is the schema's doing, not serde's.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "valid.krest.dev",
    version = "v1",
    cluster,
    schema = crd_schema
)]
#[serde(rename_all = "camelCase")]
pub struct CrdSpec {
    /// `small` or `large`, by default `small`.
    pub size: String,
    /// An int32, at least 1, by default 1.
    pub replicas: i64,
    /// A date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Required by the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Up to two integers up to 100, by default `{"cpu": 1}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Value>,
    /// Above 0, a multiple of 0.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
}

fn crd_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "required": ["size", "owner"],
                "properties": {
                    "size": {"type": "string", "enum": ["small", "large"], "default": "small"},
                    "replicas": {"type": "integer", "format": "int32", "default": 1, "minimum": 1},
                    "since": {"type": "string", "format": "date-time"},
                    "owner": {"type": "string", "minLength": 1},
                    "limits": {
                        "type": "object",
                        "maxProperties": 2,
                        "additionalProperties": {"type": "integer", "maximum": 100},
                        "default": {"cpu": 1},
                    },
                    "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "multipleOf": 0.5},
                },
            },
        },
    })
}

const THINGS: &str = "/apis/valid.krest.dev/v1/namespaces/default/things";
const CRDS: &str = "/apis/valid.krest.dev/v1/crds";

fn validation_server() -> Server {
    Server::builder()
        .resource::<Thing>()
        .resource::<Crd>()
        .build()
        .expect("server builds")
}

fn thing(spec: Value) -> Value {
    json!({"apiVersion": "valid.krest.dev/v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": spec})
}

fn good_spec() -> Value {
    json!({"replicas": 1, "code": "ab", "slug": "abc"})
}

fn with(mut spec: Value, field: &str, value: Value) -> Value {
    spec[field] = value;
    spec
}

fn crd(spec: Value) -> Value {
    json!({"apiVersion": "valid.krest.dev/v1", "kind": "Crd", "metadata": {"name": "c"}, "spec": spec})
}

/// The causes of a 422, as `(field, reason, message)`.
fn causes(reply: &Reply) -> Vec<(String, String, String)> {
    assert_eq!(
        (reply.code, reply.reason()),
        (422, "Invalid"),
        "{}",
        reply.text
    );
    reply.body["details"]["causes"]
        .as_array()
        .expect("causes")
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

fn one_cause(reply: &Reply) -> (String, String, String) {
    let mut all = causes(reply);
    assert_eq!(all.len(), 1, "{}", reply.text);
    all.remove(0)
}

#[tokio::test]
async fn minimum_and_maximum() {
    let s = validation_server();
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "replicas", json!(-1))),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.replicas".into(),
            "FieldValueInvalid".into(),
            "Invalid value: -1: spec.replicas in body should be greater than or equal to 0".into()
        )
    );
    assert_eq!(
        r.body["message"],
        "Thing.valid.krest.dev \"a\" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"
    );
    assert_eq!(r.body["details"]["kind"], "Thing");
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "replicas", json!(11))),
    )
    .await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: 11: spec.replicas in body should be less than or equal to 10"
    );
    let r = json(&s, "POST", CRDS, crd(json!({"owner": "me", "ratio": 0}))).await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.ratio".into(),
            "FieldValueInvalid".into(),
            "Invalid value: 0.0: spec.ratio in body should be greater than 0".into()
        )
    );
    let r = json(&s, "POST", CRDS, crd(json!({"owner": "me", "ratio": 0.7}))).await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5"
    );
    let r = json(&s, "POST", THINGS, thing(good_spec())).await;
    assert_eq!(r.code, 201, "{}", r.text);
}

#[tokio::test]
async fn string_lengths_and_patterns() {
    let s = validation_server();
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "code", json!("x"))),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.code".into(),
            "FieldValueInvalid".into(),
            "Invalid value: \"x\": spec.code in body should be at least 2 chars long".into()
        )
    );
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "code", json!("toolong"))),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.code".into(),
            "FieldValueTooLong".into(),
            "Too long: may not be more than 5 bytes".into()
        )
    );
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "slug", json!("Not-OK"))),
    )
    .await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: \"Not-OK\": spec.slug in body should match '^[a-z]+$'"
    );
    let r = json(&s, "POST", CRDS, crd(json!({"owner": ""}))).await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: \"\": spec.owner in body should be at least 1 chars long"
    );
}

#[tokio::test]
async fn enums() {
    let s = validation_server();
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "size": "huge"})),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.size".into(),
            "FieldValueNotSupported".into(),
            "Unsupported value: \"huge\": supported values: \"small\", \"large\"".into()
        )
    );
    // A Rust enum is checked by its type first: serde names the variants.
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "color", json!("Green"))),
    )
    .await;
    let (field, reason, message) = one_cause(&r);
    assert_eq!(
        (field.as_str(), reason.as_str()),
        ("spec.color", "FieldValueInvalid")
    );
    assert!(message.contains("unknown variant `Green`"), "{message}");
    // The schema lists the variants.
    let schema = Thing::schema();
    assert_eq!(
        schema["properties"]["spec"]["properties"]["color"]["enum"],
        json!(["Red", "Blue"])
    );
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "color", json!("Blue"))),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
}

#[tokio::test]
async fn item_and_property_counts() {
    let s = validation_server();
    let r = json(
        &s,
        "POST",
        THINGS,
        thing(with(good_spec(), "tags", json!(["a", "b", "c"]))),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.tags".into(),
            "FieldValueTooMany".into(),
            "Too many: 3: must have at most 2 items".into()
        )
    );
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "limits": {"a": 1, "b": 2, "c": 3}})),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.limits".into(),
            "FieldValueTooMany".into(),
            "Too many: 3: must have at most 2 properties".into()
        )
    );
    // additionalProperties: each value of the map is checked, named by its key.
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "limits": {"cpu": 101}})),
    )
    .await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.limits[cpu]".into(),
            "FieldValueInvalid".into(),
            "Invalid value: 101: spec.limits[cpu] in body should be less than or equal to 100"
                .into()
        )
    );
}

#[tokio::test]
async fn required_types_and_formats() {
    let s = validation_server();
    // `owner` is optional in Rust, required by the schema.
    let r = json(&s, "POST", CRDS, crd(json!({"size": "large"}))).await;
    assert_eq!(
        one_cause(&r),
        (
            "spec.owner".into(),
            "FieldValueRequired".into(),
            "Required value".into()
        )
    );
    // `limits` is any JSON in Rust, an object of integers in the schema.
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "limits": {"cpu": "lots"}})),
    )
    .await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: \"string\": spec.limits[cpu] in body must be of type integer: \"string\""
    );
    let r = json(&s, "POST", CRDS, crd(json!({"owner": "me", "limits": [1]}))).await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: \"array\": spec.limits in body must be of type object: \"array\""
    );
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "since": "yesterday"})),
    )
    .await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: \"yesterday\": spec.since in body must be of type date-time: \"yesterday\""
    );
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "replicas": 3_000_000_000i64})),
    )
    .await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: 3000000000: spec.replicas in body must be of type int32: 3000000000"
    );
    let r = json(
        &s,
        "POST",
        CRDS,
        crd(json!({"owner": "me", "since": "2024-01-02T03:04:05Z"})),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
}

#[tokio::test]
async fn every_violation_is_a_cause() {
    let s = validation_server();
    let spec = json!({"replicas": -5, "code": "toolong", "slug": "A", "tags": ["1", "2", "3"]});
    let r = json(&s, "POST", THINGS, thing(spec)).await;
    let mut fields: Vec<String> = causes(&r).into_iter().map(|c| c.0).collect();
    fields.sort();
    assert_eq!(
        fields,
        ["spec.code", "spec.replicas", "spec.slug", "spec.tags"]
    );
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Thing.valid.krest.dev \"a\" is invalid: ["),
        "{message}"
    );
}

#[tokio::test]
async fn defaults_apply_on_create_and_update() {
    let s = validation_server();
    // `size` and `replicas` are required by the Rust type: only the schema's defaults let this
    // body decode at all.
    let r = json(&s, "POST", CRDS, crd(json!({"owner": "me"}))).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["spec"]["size"], "small");
    assert_eq!(r.body["spec"]["replicas"], 1);
    assert_eq!(r.body["spec"]["limits"], json!({"cpu": 1}));

    // A replacement that leaves them out gets them again.
    let mut replaced = r.body.clone();
    let spec = replaced["spec"].as_object_mut().unwrap();
    spec.remove("size");
    spec.remove("replicas");
    spec.insert("owner".into(), json!("you"));
    let r = json(&s, "PUT", &format!("{CRDS}/c"), replaced).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["spec"]["size"],
            &r.body["spec"]["replicas"],
            &r.body["spec"]["owner"]
        ),
        (&json!("small"), &json!(1), &json!("you"))
    );

    // A patch that removes a defaulted field gets the default back.
    let r = patch(
        &s,
        &format!("{CRDS}/c"),
        "application/merge-patch+json",
        json!({"spec": {"size": null, "replicas": 4}}),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(
        (&r.body["spec"]["size"], &r.body["spec"]["replicas"]),
        (&json!("small"), &json!(4))
    );
    let stored = get(&s, &format!("{CRDS}/c")).await;
    assert_eq!(stored.body["spec"]["replicas"], 4);
}

#[tokio::test]
async fn updates_patches_and_subresources_are_validated() {
    let s = validation_server();
    let created = json(&s, "POST", THINGS, thing(good_spec())).await;
    assert_eq!(created.code, 201, "{}", created.text);
    let item = format!("{THINGS}/a");

    let r = patch(
        &s,
        &item,
        "application/merge-patch+json",
        json!({"spec": {"replicas": -1}}),
    )
    .await;
    assert_eq!(one_cause(&r).0, "spec.replicas");
    let r = patch(
        &s,
        &item,
        "application/json-patch+json",
        json!([{"op": "replace", "path": "/spec/code", "value": "x"}]),
    )
    .await;
    assert_eq!(one_cause(&r).0, "spec.code");

    let mut bad = created.body.clone();
    bad["spec"]["slug"] = json!("UPPER");
    let r = json(&s, "PUT", &item, bad).await;
    assert_eq!(one_cause(&r).0, "spec.slug");

    let mut status = created.body.clone();
    status["status"] = json!({"ready": -2});
    let r = json(&s, "PUT", &format!("{item}/status"), status).await;
    assert_eq!(
        one_cause(&r).2,
        "Invalid value: -2: status.ready in body should be greater than or equal to 0"
    );

    // Dry runs are validated too, and nothing changed.
    let r = patch(
        &s,
        &format!("{item}?dryRun=All"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 20}}),
    )
    .await;
    assert_eq!(one_cause(&r).0, "spec.replicas");
    assert_eq!(get(&s, &item).await.body["spec"], created.body["spec"]);
}

#[tokio::test]
async fn the_example_widget_bounds_replicas() {
    let s = server();
    let r = json(&s, "POST", WIDGETS, widget("w", "red", -1)).await;
    assert_eq!(
        r.body["message"],
        "Widget.demo.krest.dev \"w\" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"
    );
    let r = json(&s, "POST", WIDGETS, widget("w", "red", 1)).await;
    assert_eq!(r.code, 201);
}

#[tokio::test]
async fn duplicate_fields_follow_field_validation() {
    let s = server();
    let body = |name: &str| {
        format!(
            r#"{{"metadata": {{"name": "{name}"}}, "spec": {{"color": "red", "color": "blue", "replicas": 1, "x": 1}}}}"#
        )
        .into_bytes()
    };
    let create = |query: &'static str, name: &'static str| {
        let s = s.clone();
        async move {
            send(
                &s,
                "POST",
                &format!("{WIDGETS}{query}"),
                &[("content-type", "application/json")],
                Some(body(name)),
            )
            .await
        }
    };
    let r = create("?fieldValidation=Strict", "a").await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"));
    assert_eq!(
        r.body["message"],
        "strict decoding error: unknown field \"spec.x\", duplicate field \"spec.color\""
    );

    let r = create("?fieldValidation=Warn", "b").await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(
        r.body["spec"]["color"], "blue",
        "the last one wins, as in Go"
    );
    let warnings: Vec<&str> = r
        .headers
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            r#"299 - "unknown field \"spec.x\"""#,
            r#"299 - "duplicate field \"spec.color\"""#
        ]
    );

    let r = create("?fieldValidation=Ignore", "c").await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert!(r.headers.get("warning").is_none());
}

/// Thousands of unknown fields under `fieldValidation=Warn` give a few KB of `Warning` headers,
/// not one per field: each cut to 256 characters past 4 Ki in all, and a last warning that
/// says how many were left out.
#[tokio::test]
async fn warnings_are_capped() {
    let s = server();
    let mut spec = serde_json::Map::new();
    spec.insert("color".into(), json!("red"));
    spec.insert("replicas".into(), json!(1));
    let long = "y".repeat(300);
    spec.insert(format!("a{long}"), json!(1));
    for i in 0..20_000 {
        spec.insert(format!("unknown{i}"), json!(i));
    }
    let body = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "noisy"}, "spec": spec});
    let r = json(&s, "POST", &format!("{WIDGETS}?fieldValidation=Warn"), body).await;
    assert_eq!(r.code, 201, "{}", r.text);
    let warnings: Vec<&str> = r
        .headers
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let bytes: usize = warnings.iter().map(|w| w.len()).sum();
    assert!(bytes < 8 * 1024, "{bytes} bytes of warnings");
    assert!(
        warnings.iter().all(|w| w.len() <= 256 + 16),
        "each warning is cut to 256 characters"
    );
    let last = warnings.last().unwrap();
    let left_out: usize = last
        .trim_start_matches("299 - \"")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("a count of the rest: {last}"));
    assert_eq!(left_out + warnings.len() - 1, 20_001, "{last}");
}
