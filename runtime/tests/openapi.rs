//! The OpenAPI v3 documents, without sockets: the index and its hashes, every generated route as
//! an operation (operation id, action, GVK, parameters inline, bodies), component schemas that
//! are structural, and the caching headers kubectl relies on.

mod common;

use std::collections::BTreeMap;

use common::*;
use krest::{JsonSchema, Resource, Route, Server};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

const DOC: &str = "/openapi/v3/apis/demo.krest.dev/v1";

fn full_server() -> Server {
    Server::builder()
        .namespaces()
        .resource::<Widget>()
        .resource::<Gadget>()
        .build()
        .expect("server builds")
}

async fn document(s: &Server, path: &str) -> Value {
    let r = send(s, "GET", path, &[("accept", "application/json")], None).await;
    assert_eq!(r.code, 200, "{path}: {}", r.text);
    r.body
}

#[tokio::test]
async fn index_lists_each_group_version_with_the_hash_of_its_document() {
    let s = full_server();
    let r = get(&s, "/openapi/v3").await;
    assert_eq!(r.code, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    let paths = r.body["paths"].as_object().unwrap();
    let keys: Vec<&String> = paths.keys().collect();
    assert_eq!(
        keys,
        [
            "api/v1",
            "apis/coordination.k8s.io/v1",
            "apis/demo.krest.dev/v1",
            "apis/events.k8s.io/v1"
        ]
    );
    for (key, entry) in paths {
        let url = entry["serverRelativeURL"].as_str().unwrap();
        let (path, hash) = url.split_once("?hash=").unwrap();
        assert_eq!(path, format!("/openapi/v3/{key}"));
        let doc = send(&s, "GET", url, &[], None).await;
        assert_eq!(doc.code, 200);
        let expected: String = Sha512::digest(doc.text.as_bytes())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(hash, expected, "the hash is the SHA-512 of the document");
        assert_eq!(doc.headers["cache-control"], "public, immutable");
        assert_eq!(doc.headers["etag"], format!("\"{hash}\""));
    }
}

#[tokio::test]
async fn caching_and_negotiation() {
    let s = full_server();
    let plain = get(&s, DOC).await;
    assert_eq!(plain.headers["cache-control"], "no-cache, private");
    let etag = plain.headers["etag"].to_str().unwrap().to_string();

    let r = send(&s, "GET", DOC, &[("if-none-match", &etag)], None).await;
    assert_eq!(r.code, 304);
    assert!(r.text.is_empty());

    let r = get(&s, &format!("{DOC}?hash=0123")).await;
    assert_eq!(r.code, 301);
    let location = r.headers["location"].to_str().unwrap();
    assert_eq!(location, format!("{DOC}?hash={}", etag.trim_matches('"')));

    let r = send(
        &s,
        "GET",
        DOC,
        &[(
            "accept",
            "application/com.github.proto-openapi.spec.v3@v1.0+protobuf",
        )],
        None,
    )
    .await;
    assert_eq!((r.code, r.reason()), (406, "NotAcceptable"));

    // Built once: writes do not change it.
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    assert_eq!(get(&s, DOC).await.text, plain.text);

    // v2 is not served: kubectl falls back to v3 (see docs/openapi.md).
    assert_eq!(get(&s, "/openapi/v2").await.code, 404);
    assert_eq!(get(&s, "/openapi/v3/apis/other.dev/v1").await.code, 404);
}

/// The operations of a document, by operation id.
fn operations(doc: &Value) -> BTreeMap<String, (String, String, Value)> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_string();
            let previous = out.insert(id.clone(), (path.clone(), method.clone(), op.clone()));
            assert!(previous.is_none(), "{id} appears twice");
        }
    }
    out
}

fn check_routes(doc: &Value, routes: &[Route], kind: &str) {
    let ops = operations(doc);
    for route in routes {
        let a = &route.action;
        let (path, method, op) = ops
            .get(a.operation_id.as_ref())
            .unwrap_or_else(|| panic!("{} missing", a.operation_id));
        assert_eq!(path, a.path.as_ref());
        assert_eq!(method, &a.method.as_str().to_ascii_lowercase());
        let action = op["x-kubernetes-action"].as_str().unwrap();
        assert_eq!(
            action,
            a.verb.as_str().to_ascii_lowercase(),
            "{}",
            a.operation_id
        );
        let expected_kind = match a.subresource.as_deref() {
            Some("scale") => "Scale",
            _ => kind,
        };
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], expected_kind);
        // Parameters inline (kubectl's verifier does not follow `#/components/parameters`),
        // named as the action says.
        let params = op["parameters"].as_array().unwrap();
        assert!(params.iter().all(|p| p.get("$ref").is_none()));
        let mut names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
        let mut expected: Vec<&str> = a.path_params().collect();
        expected.extend(a.params.iter().map(|p| p.as_str()));
        names.sort_unstable();
        expected.sort_unstable();
        assert_eq!(names, expected, "{}", a.operation_id);
        for p in params {
            let location = if a.path_params().any(|n| n == p["name"]) {
                "path"
            } else {
                "query"
            };
            assert_eq!(p["in"], location);
            assert!(p["schema"]["type"].is_string());
        }
        assert_eq!(
            op["tags"],
            json!([krest::codegen::names::operation_tag("demo.krest.dev", "v1")])
        );
    }
    let of_kind = ops
        .values()
        .filter(|(_, _, op)| op["x-kubernetes-group-version-kind"]["kind"] == kind)
        .count();
    let expected = routes
        .iter()
        .filter(|r| r.action.subresource.as_deref() != Some("scale"))
        .count();
    assert_eq!(
        of_kind, expected,
        "every operation of {kind} carries its GVK"
    );
}

#[tokio::test]
async fn every_route_is_an_operation() {
    let s = full_server();
    let doc = document(&s, DOC).await;
    assert_eq!(doc["openapi"], "3.0.0");
    check_routes(&doc, Widget::ROUTES, "Widget");
    check_routes(&doc, Gadget::ROUTES, "Gadget");
    assert_eq!(
        operations(&doc).len(),
        Widget::ROUTES.len() + Gadget::ROUTES.len()
    );
    let core = document(&s, "/openapi/v3/api/v1").await;
    check_namespace_ops(&core);
}

fn check_namespace_ops(doc: &Value) {
    let ops = operations(doc);
    // The Namespace's, and the built-in core Event's.
    assert_eq!(
        ops.len(),
        krest::Namespace::ROUTES.len() + krest::Event::ROUTES.len()
    );
    let (path, _, op) = &ops["readCoreV1Namespace"];
    assert_eq!(path, "/api/v1/namespaces/{name}");
    assert_eq!(
        op["x-kubernetes-group-version-kind"],
        json!({"group": "", "version": "v1", "kind": "Namespace"})
    );
    assert!(doc["components"]["schemas"]["io.k8s.api.core.v1.Namespace"].is_object());
    // kubectl patches this built-in kind with a strategic merge patch, which krest applies.
    let (_, _, patch) = &ops["patchCoreV1Namespace"];
    let types: Vec<&String> = patch["requestBody"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        types,
        [
            "application/apply-patch+yaml",
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json"
        ]
    );
}

#[tokio::test]
async fn patch_operations_carry_what_kubectl_looks_for() {
    let s = full_server();
    let doc = document(&s, DOC).await;
    let ops = operations(&doc);
    let (path, method, patch) = &ops["patchDemoKrestDevV1NamespacedWidget"];
    assert_eq!(
        (path.as_str(), method.as_str()),
        (
            "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}",
            "patch"
        )
    );
    assert_eq!(
        patch["x-kubernetes-group-version-kind"],
        json!({"group": "demo.krest.dev", "version": "v1", "kind": "Widget"})
    );
    let field_validation = patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "fieldValidation")
        .expect("fieldValidation inline");
    assert_eq!(field_validation["in"], "query");
    // Only the patch types krest applies: no strategic merge patch (kubectl would send one);
    // server-side apply.
    let types: Vec<&String> = patch["requestBody"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        types,
        [
            "application/apply-patch+yaml",
            "application/json-patch+json",
            "application/merge-patch+json"
        ]
    );
    assert_eq!(
        patch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/dev.krest.demo.v1.Widget"
    );
    let (_, _, list) = &ops["listDemoKrestDevV1NamespacedWidget"];
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/dev.krest.demo.v1.WidgetList"
    );
    let (_, _, create) = &ops["createDemoKrestDevV1NamespacedWidget"];
    assert_eq!(
        create["requestBody"]["content"]["*/*"]["schema"]["$ref"],
        "#/components/schemas/dev.krest.demo.v1.Widget"
    );
    let (_, _, delete) = &ops["deleteDemoKrestDevV1NamespacedWidget"];
    assert_eq!(
        delete["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status"
    );
    let (_, _, scale) = &ops["replaceDemoKrestDevV1NamespacedWidgetScale"];
    assert_eq!(
        scale["requestBody"]["content"]["*/*"]["schema"]["$ref"],
        "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    );
}

#[tokio::test]
async fn component_schemas() {
    let s = full_server();
    let doc = document(&s, DOC).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let widget = &schemas["dev.krest.demo.v1.Widget"];
    assert_eq!(
        widget["x-kubernetes-group-version-kind"],
        json!([{"group": "demo.krest.dev", "version": "v1", "kind": "Widget"}])
    );
    assert_eq!(
        widget["properties"]["metadata"]["$ref"],
        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    );
    let spec = &widget["properties"]["spec"];
    assert_eq!(spec["required"], json!(["color", "replicas"]));
    assert_eq!(
        spec["properties"]["replicas"],
        json!({"type": "integer", "format": "int32", "minimum": 0})
    );
    assert_eq!(spec["properties"]["size"]["nullable"], true);
    assert_eq!(
        schemas["dev.krest.demo.v1.WidgetList"]["x-kubernetes-group-version-kind"],
        json!([{"group": "demo.krest.dev", "version": "v1", "kind": "WidgetList"}])
    );
    for name in [
        "ObjectMeta",
        "ListMeta",
        "Status",
        "StatusDetails",
        "StatusCause",
        "DeleteOptions",
        "Patch",
        "WatchEvent",
        "Time",
    ] {
        assert!(
            schemas.contains_key(&format!("io.k8s.apimachinery.pkg.apis.meta.v1.{name}")),
            "{name}"
        );
    }
    assert!(schemas.contains_key("io.k8s.api.autoscaling.v1.Scale"));

    // Every `$ref` in the document points at a component that exists.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} is not a component"));
        assert!(schemas.contains_key(name), "{r} dangles");
    }
    // The kinds' own schemas are structural: no `$ref` but metadata's.
    for kind in ["Widget", "Gadget"] {
        let mut schema = schemas[&format!("dev.krest.demo.v1.{kind}")].clone();
        schema["properties"]
            .as_object_mut()
            .unwrap()
            .remove("metadata");
        assert_structural(&schema, kind);
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Kubernetes' structural-schema rules, as far as a schema's shape shows them.
fn assert_structural(schema: &Value, at: &str) {
    let Value::Object(map) = schema else {
        panic!("{at}: not an object: {schema}");
    };
    for banned in [
        "$ref",
        "$schema",
        "$defs",
        "definitions",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "const",
        "title",
        "uniqueItems",
    ] {
        assert!(!map.contains_key(banned), "{at}: has {banned}: {schema}");
    }
    let typed = map.get("type").is_some_and(Value::is_string)
        || map.contains_key("x-kubernetes-preserve-unknown-fields")
        || map.contains_key("x-kubernetes-int-or-string");
    assert!(typed, "{at}: no single type: {schema}");
    if let Some(Value::Object(properties)) = map.get("properties") {
        assert_eq!(map["type"], "object", "{at}");
        for (name, child) in properties {
            assert_structural(child, &format!("{at}.{name}"));
        }
    }
    if let Some(items) = map.get("items") {
        assert_structural(items, &format!("{at}[]"));
    }
    if let Some(additional) = map.get("additionalProperties") {
        assert!(!map.contains_key("properties"), "{at}");
        assert_structural(additional, &format!("{at}[*]"));
    }
}

/// A spec using everything schemars has to be rewritten for.
#[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "shapes.krest.dev", version = "v1", cluster)]
pub struct ShapeSpec {
    /// Optional enum.
    pub level: Option<Level>,
    /// Internally tagged enum.
    pub tagged: Tagged,
    /// Externally tagged enum with data.
    pub external: External,
    /// Untagged int-or-string.
    pub port: IntOrString,
    /// A map.
    pub labels: BTreeMap<String, u16>,
    /// Anything.
    pub raw: Value,
    /// A recursive type.
    pub tree: Option<Box<Node>>,
    /// A tuple.
    pub pair: (u8, u8),
    /// Flattened extras.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Levels.
#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
pub enum Level {
    /// Low.
    Low,
    /// High.
    High,
}

/// A tagged enum.
#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Tagged {
    /// A.
    A {
        /// a.
        a: i32,
    },
    /// B.
    B {
        /// b.
        b: String,
    },
}

/// An externally tagged enum.
#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
pub enum External {
    /// Unit.
    Unit,
    /// Data.
    Data(String),
}

/// Int or string.
#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// Int.
    Int(i64),
    /// String.
    String(String),
}

/// A tree node.
#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    /// The value.
    pub value: i32,
    /// The children.
    pub children: Vec<Node>,
}

#[test]
fn derived_schemas_are_structural() {
    let schema = Shape::schema();
    assert_structural(&schema, "Shape");
    let spec = &schema["properties"]["spec"];
    let p = &spec["properties"];
    assert_eq!(
        p["level"],
        json!({"type": "string", "enum": ["Low", "High"], "nullable": true, "description": "Optional enum."})
    );
    assert_eq!(p["tagged"]["properties"]["type"]["enum"], json!(["A", "B"]));
    assert_eq!(p["tagged"]["required"], json!(["type"]));
    assert_eq!(p["external"]["x-kubernetes-preserve-unknown-fields"], true);
    assert_eq!(p["port"]["x-kubernetes-int-or-string"], true);
    assert_eq!(p["labels"]["additionalProperties"]["format"], "int32");
    assert_eq!(p["raw"]["x-kubernetes-preserve-unknown-fields"], true);
    // The recursion is cut where a type would contain itself again: below that, anything goes.
    let node = &p["tree"]["properties"]["children"]["items"];
    assert_eq!(node["properties"]["value"]["type"], "integer");
    assert_eq!(
        node["properties"]["children"]["items"],
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(p["tree"]["nullable"], true);
    assert_eq!(
        spec["x-kubernetes-preserve-unknown-fields"], true,
        "flatten keeps unknown fields"
    );
    assert_eq!(schema["required"], json!(["spec"]));
}
