//! Schemas of resources: the OpenAPI v3 schema of a Rust type, from schemars, made structural as
//! Kubernetes requires; and what the server does with it on writes (defaulting, validation).
//!
//! `#[derive(Resource)]` implements [`Resource::schema`](crate::Resource::schema) with
//! [`object_schema`] over [`schema_for`] the spec and status types; a type with
//! `#[resource(schema = path)]` supplies its own (a CustomResourceDefinition's
//! `openAPIV3Schema`, for instance) and may start from these functions.
//!
//! # Example
//!
//! ```
//! use krest::schema::schema_for;
//! use serde_json::json;
//!
//! /// A size.
//! #[derive(krest::JsonSchema)]
//! #[schemars(crate = "krest::schemars")]
//! struct Size {
//!     /// Width in pixels.
//!     #[schemars(range(min = 1))]
//!     width: u32,
//!     height: Option<u32>,
//! }
//!
//! let schema = schema_for::<Size>();
//! assert_eq!(schema["properties"]["width"]["type"], "integer");
//! assert_eq!(schema["properties"]["width"]["format"], "int64");
//! assert_eq!(schema["properties"]["width"]["minimum"], 1);
//! assert_eq!(schema["properties"]["height"]["nullable"], true);
//! assert_eq!(schema["required"], json!(["width"]));
//! ```
//!
#![doc = include_str!("../../../docs/openapi.md")]

mod default;
mod format;
pub(crate) mod paths;
mod rules;
mod structural;
mod validate;

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

pub use structural::structural;
pub(crate) use validate::Validator;

use crate::codegen::ResourceModel;

/// How deep validation and defaulting descend into an object.
const MAX_DEPTH: usize = 128;

/// The structural OpenAPI v3 schema of `T`: schemars' schema with every `$ref` inlined,
/// `nullable` instead of `null` types, enums folded, formats Kubernetes knows (see
/// [`structural`]). Doc comments become `description`s; `#[schemars(range(..), length(..),
/// regex(pattern = ..))]` become `minimum`/`maximum`, `minLength`/`maxLength` and `pattern`;
/// `#[serde(default)]` becomes `default`.
pub fn schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::openapi3()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    structural(&mut schema);
    schema
}

/// `R`'s object schema, made structural (a schema a type supplies itself may not be).
pub(crate) fn structural_object<R: crate::Resource>() -> Value {
    let mut schema = R::schema();
    structural(&mut schema);
    schema
}

/// The schema of a whole object of the kind `model` describes: `apiVersion`, `kind`,
/// `metadata` (an object; the server validates it itself), `spec` (required), `status` and the
/// extra top-level `fields`.
pub fn object_schema(
    model: &ResourceModel,
    spec: Value,
    status: Option<Value>,
    fields: Vec<(&str, Value)>,
) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "apiVersion".into(),
        json!({
            "type": "string",
            "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        }),
    );
    properties.insert(
        "kind".into(),
        json!({
            "type": "string",
            "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        }),
    );
    properties.insert("metadata".into(), json!({"type": "object"}));
    properties.insert("spec".into(), spec);
    if let Some(status) = status {
        properties.insert("status".into(), status);
    }
    for (name, schema) in fields {
        properties.insert(name.into(), schema);
    }
    json!({
        "type": "object",
        "description": format!("{} is a {} resource.", model.kind, model.api_version()),
        "required": ["spec"],
        "properties": properties,
    })
}

/// Adds a rule declared with `#[resource(rule ...)]` to `schema` (an object's): to the spec's
/// `x-kubernetes-validations`, or to its property `field`'s. Called by the derive.
#[allow(clippy::too_many_arguments)]
#[doc(hidden)]
pub fn add_rule(
    schema: &mut Value,
    field: Option<&str>,
    rule: &str,
    message: Option<&str>,
    message_expression: Option<&str>,
    reason: Option<&str>,
    field_path: Option<&str>,
    optional_old_self: bool,
) {
    let mut target = &mut schema["properties"]["spec"];
    if let Some(field) = field {
        target = &mut target["properties"][field];
    }
    let mut entry = Map::new();
    entry.insert("rule".into(), rule.into());
    for (key, value) in [
        ("message", message),
        ("messageExpression", message_expression),
        ("reason", reason),
        ("fieldPath", field_path),
    ] {
        if let Some(value) = value {
            entry.insert(key.into(), value.into());
        }
    }
    if optional_old_self {
        entry.insert("optionalOldSelf".into(), true.into());
    }
    match &mut target["x-kubernetes-validations"] {
        Value::Array(rules) => rules.push(Value::Object(entry)),
        other => *other = Value::Array(vec![Value::Object(entry)]),
    }
}
