//! The rules of `krest diff`, one change pair each: a CRD (or a model) before and after one
//! edit, and exactly the changes expected, with their class and path. Every rule of
//! `docs/diff.md` is here, and a test checks that none is missing.

// The base CRD is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

use std::collections::BTreeSet;

use krest_codegen::diff::{diff, Api, Class, Rule};
use krest_codegen::{ConnectSubresource, Method, ResourceModel, Verb, VerbSet};
use serde_json::{json, Value};

use Class::{Breaking as B, Compatible as C};

/// The CRD every pair starts from: Widget, with one served version `v1` and a schema that has
/// one of everything the rules look at.
fn base() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.demo.krest.dev"},
        "spec": {
            "group": "demo.krest.dev",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget",
                      "shortNames": ["wd"], "categories": ["all"]},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "subresources": {"status": {}, "scale": {
                    "specReplicasPath": ".spec.replicas",
                    "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [
                    {"name": "Color", "type": "string", "jsonPath": ".spec.color"}],
                "selectableFields": [{"jsonPath": ".spec.color"}],
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {
                            "type": "object",
                            "description": "The desired state.",
                            "required": ["color"],
                            "x-kubernetes-validations": [
                                {"rule": "self.replicas <= 10", "message": "at most 10"}],
                            "properties": {
                                "color": {"type": "string", "enum": ["red", "blue"]},
                                "name": {"type": "string", "maxLength": 63,
                                         "pattern": "^[a-z]+$"},
                                "replicas": {"type": "integer", "format": "int32",
                                             "minimum": 0, "maximum": 10},
                                "ratio": {"type": "number", "multipleOf": 0.5},
                                "mode": {"type": "string", "default": "auto"},
                                "size": {"type": "string", "nullable": true},
                                "port": {"x-kubernetes-int-or-string": true},
                                "tags": {"type": "array", "maxItems": 5,
                                         "x-kubernetes-list-type": "set",
                                         "items": {"type": "string"}},
                                "ports": {"type": "array",
                                          "x-kubernetes-list-type": "map",
                                          "x-kubernetes-list-map-keys": ["name"],
                                          "items": {"type": "object", "required": ["name"],
                                                    "properties": {
                                                        "name": {"type": "string"},
                                                        "port": {"type": "integer"}}}},
                                "labels": {"type": "object",
                                           "additionalProperties": {"type": "string"}},
                                "selector": {"type": "object",
                                             "properties": {"app": {"type": "string"}}},
                                "template": {"type": "object",
                                             "x-kubernetes-embedded-resource": true,
                                             "x-kubernetes-preserve-unknown-fields": true}
                            }
                        },
                        "status": {"type": "object",
                                   "x-kubernetes-preserve-unknown-fields": true,
                                   "properties": {"replicas": {"type": "integer"}}}
                    }
                }}
            }]
        }
    })
}

/// The spec schema of the first version.
fn spec(crd: &mut Value) -> &mut Value {
    &mut crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
}

/// A field of the spec schema.
fn field<'a>(crd: &'a mut Value, name: &str) -> &'a mut Value {
    &mut spec(crd)["properties"][name]
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().expect("an object").remove(key);
}

/// `base()` with a second served version `v1beta1` (a copy of `v1`, not stored).
fn two_versions() -> Value {
    let mut crd = base();
    let mut beta = crd["spec"]["versions"][0].clone();
    beta["name"] = json!("v1beta1");
    beta["storage"] = json!(false);
    crd["spec"]["versions"].as_array_mut().unwrap().push(beta);
    crd
}

fn api(crd: &Value) -> Api {
    // JSON is YAML: the pairs go through the same reader as CRD files.
    Api::from_yaml("widget.yaml", &crd.to_string()).expect("the CRD reads")
}

type Edit = fn(&mut Value);

/// One change pair: its name, how the old and new CRDs differ from `base()` (or from
/// `two_versions()`), and the changes expected: class, rule, version, path.
struct Case {
    name: &'static str,
    start: fn() -> Value,
    old: Edit,
    new: Edit,
    expected: &'static [(Class, Rule, Option<&'static str>, &'static str)],
}

const V1: Option<&str> = Some("v1");
const KIND: Option<&str> = None;

fn none(_: &mut Value) {}

// A table: one change pair per line or two, as written, not as rustfmt would spread it.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Rule::*;
    let case = |name, old: Edit, new: Edit, expected| Case {
        name,
        start: base,
        old,
        new,
        expected,
    };
    let two = |name, old: Edit, new: Edit, expected| Case {
        name,
        start: two_versions,
        old,
        new,
        expected,
    };
    vec![
        case("no change", none, none, &[]),
        // The definition.
        case("scope", none, |c| c["spec"]["scope"] = json!("Cluster"),
             &[(B, ScopeChanged, KIND, "spec.scope")]),
        case("plural", none, |c| {
            c["spec"]["names"]["plural"] = json!("gizmos");
            c["metadata"]["name"] = json!("gizmos.demo.krest.dev");
        }, &[(B, PluralChanged, KIND, "spec.names.plural")]),
        case("singular", none, |c| c["spec"]["names"]["singular"] = json!("gizmo"),
             &[(B, SingularChanged, KIND, "spec.names.singular")]),
        case("short names", none, |c| c["spec"]["names"]["shortNames"] = json!(["wdg"]),
             &[(B, ShortNameRemoved, KIND, "spec.names.shortNames[wd]"),
               (C, ShortNameAdded, KIND, "spec.names.shortNames[wdg]")]),
        case("categories", none, |c| c["spec"]["names"]["categories"] = json!(["demo"]),
             &[(B, CategoryRemoved, KIND, "spec.names.categories[all]"),
               (C, CategoryAdded, KIND, "spec.names.categories[demo]")]),
        // Versions.
        two("version removed", none, |c| {
            c["spec"]["versions"].as_array_mut().unwrap().pop();
        }, &[(B, VersionRemoved, Some("v1beta1"), "spec.versions[v1beta1]")]),
        two("unserved version removed", |c| c["spec"]["versions"][1]["served"] = json!(false), |c| {
            c["spec"]["versions"].as_array_mut().unwrap().pop();
        }, &[(C, VersionRemoved, Some("v1beta1"), "spec.versions[v1beta1]")]),
        two("version added", |c| {
            c["spec"]["versions"].as_array_mut().unwrap().pop();
        }, none, &[(C, VersionAdded, Some("v1beta1"), "spec.versions[v1beta1]")]),
        two("version unserved", none, |c| c["spec"]["versions"][1]["served"] = json!(false),
            &[(B, VersionUnserved, Some("v1beta1"), "spec.versions[v1beta1].served")]),
        two("version served", |c| c["spec"]["versions"][1]["served"] = json!(false), none,
            &[(C, VersionServed, Some("v1beta1"), "spec.versions[v1beta1].served")]),
        two("version deprecated", none, |c| c["spec"]["versions"][1]["deprecated"] = json!(true),
            &[(C, VersionDeprecated, Some("v1beta1"), "spec.versions[v1beta1].deprecated")]),
        two("storage version, schemas differ, no webhook", none, |c| {
            c["spec"]["versions"][0]["storage"] = json!(false);
            c["spec"]["versions"][1]["storage"] = json!(true);
            c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
                ["properties"]["extra"] = json!({"type": "string"});
        }, &[(C, FieldAdded, V1, ".spec.extra"),
             (B, StorageVersionChanged, KIND, "spec.versions[*].storage")]),
        two("storage version, same schemas", none, |c| {
            c["spec"]["versions"][0]["storage"] = json!(false);
            c["spec"]["versions"][1]["storage"] = json!(true);
        }, &[(C, StorageVersionChanged, KIND, "spec.versions[*].storage")]),
        two("storage version with a conversion webhook", none, |c| {
            c["spec"]["versions"][0]["storage"] = json!(false);
            c["spec"]["versions"][1]["storage"] = json!(true);
            c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
                ["properties"]["extra"] = json!({"type": "string"});
            c["spec"]["conversion"] = json!({"strategy": "Webhook", "webhook": {
                "conversionReviewVersions": ["v1"],
                "clientConfig": {"service": {"name": "w", "namespace": "n"}}}});
        }, &[(C, FieldAdded, V1, ".spec.extra"),
             (C, StorageVersionChanged, KIND, "spec.versions[*].storage")]),
        // Subresources, columns, selectable fields.
        case("status subresource", none, |c| remove(&mut c["spec"]["versions"][0]["subresources"], "status"),
             &[(B, SubresourceRemoved, V1, "spec.versions[v1].subresources.status")]),
        case("status subresource added", |c| remove(&mut c["spec"]["versions"][0]["subresources"], "status"), none,
             &[(C, SubresourceAdded, V1, "spec.versions[v1].subresources.status")]),
        case("scale removed", none, |c| remove(&mut c["spec"]["versions"][0]["subresources"], "scale"),
             &[(B, SubresourceRemoved, V1, "spec.versions[v1].subresources.scale")]),
        case("scale added", |c| remove(&mut c["spec"]["versions"][0]["subresources"], "scale"), none,
             &[(C, SubresourceAdded, V1, "spec.versions[v1].subresources.scale")]),
        case("scale changed", none, |c| c["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] = json!(".spec.count"),
             &[(B, SubresourceChanged, V1, "spec.versions[v1].subresources.scale")]),
        case("printer columns", none, |c| c["spec"]["versions"][0]["additionalPrinterColumns"] = json!([
                 {"name": "Color", "type": "string", "jsonPath": ".spec.color", "priority": 1},
                 {"name": "Mode", "type": "string", "jsonPath": ".spec.mode"}]),
             &[(C, PrinterColumnChanged, V1, "spec.versions[v1].additionalPrinterColumns[Color]"),
               (C, PrinterColumnChanged, V1, "spec.versions[v1].additionalPrinterColumns[Mode]")]),
        case("printer column removed", none, |c| remove(&mut c["spec"]["versions"][0], "additionalPrinterColumns"),
             &[(C, PrinterColumnChanged, V1, "spec.versions[v1].additionalPrinterColumns[Color]")]),
        case("selectable fields", none, |c| c["spec"]["versions"][0]["selectableFields"] = json!([{"jsonPath": ".spec.mode"}]),
             &[(B, SelectableFieldRemoved, V1, "spec.versions[v1].selectableFields[.spec.color]"),
               (C, SelectableFieldAdded, V1, "spec.versions[v1].selectableFields[.spec.mode]")]),
        // Fields.
        case("field removed", none, |c| remove(&mut spec(c)["properties"], "mode"),
             &[(B, FieldRemoved, V1, ".spec.mode")]),
        case("field renamed", none, |c| {
            let p = &mut spec(c)["properties"];
            p["fashion"] = p["mode"].clone();
            remove(p, "mode");
        }, &[(B, FieldRemoved, V1, ".spec.mode"), (C, FieldAdded, V1, ".spec.fashion")]),
        case("optional field added", none, |c| *field(c, "extra") = json!({"type": "string"}),
             &[(C, FieldAdded, V1, ".spec.extra")]),
        case("required field added", none, |c| {
            *field(c, "extra") = json!({"type": "string"});
            spec(c)["required"] = json!(["color", "extra"]);
        }, &[(B, RequiredFieldAdded, V1, ".spec.extra")]),
        case("required field added in a new optional object", none, |c| {
            *field(c, "extra") = json!({"type": "object", "required": ["a"],
                                        "properties": {"a": {"type": "string"}}});
        }, &[(C, FieldAdded, V1, ".spec.extra")]),
        case("field made required", none, |c| spec(c)["required"] = json!(["color", "replicas"]),
             &[(B, FieldMadeRequired, V1, ".spec.replicas")]),
        case("field made optional", none, |c| remove(spec(c), "required"),
             &[(C, FieldMadeOptional, V1, ".spec.color")]),
        // Types.
        case("type changed", none, |c| *field(c, "replicas") = json!({"type": "string"}),
             &[(B, TypeChanged, V1, ".spec.replicas")]),
        case("type changed in list items", none, |c| {
            spec(c)["properties"]["ports"]["items"]["properties"]["port"] = json!({"type": "string"});
        }, &[(B, TypeChanged, V1, ".spec.ports[*].port")]),
        case("map values changed type", none, |c| {
            field(c, "labels")["additionalProperties"] = json!({"type": "integer"});
        }, &[(B, TypeChanged, V1, ".spec.labels.*")]),
        case("map became an object", none, |c| {
            *field(c, "labels") = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        }, &[(B, TypeChanged, V1, ".spec.labels")]),
        case("format narrowed", |c| remove(field(c, "replicas"), "format"), |c| field(c, "replicas")["format"] = json!("int32"),
             &[(B, TypeChanged, V1, ".spec.replicas")]),
        case("format changed", none, |c| field(c, "replicas")["format"] = json!("int64"),
             &[(B, TypeChanged, V1, ".spec.replicas")]),
        case("format dropped", none, |c| remove(field(c, "replicas"), "format"),
             &[(C, TypeWidened, V1, ".spec.replicas")]),
        case("no longer nullable", none, |c| remove(field(c, "size"), "nullable"),
             &[(B, TypeChanged, V1, ".spec.size")]),
        case("nullable", |c| remove(field(c, "size"), "nullable"), none,
             &[(C, TypeWidened, V1, ".spec.size")]),
        case("int-or-string became an integer", none, |c| *field(c, "port") = json!({"type": "integer"}),
             &[(B, TypeChanged, V1, ".spec.port")]),
        case("embedded resource no more", none, |c| field(c, "template")["x-kubernetes-embedded-resource"] = json!(false),
             &[(B, TypeChanged, V1, ".spec.template")]),
        case("unknown fields pruned", none, |c| remove(&mut c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"], "x-kubernetes-preserve-unknown-fields"),
             &[(B, TypeChanged, V1, ".status")]),
        case("unknown fields kept", |c| remove(&mut c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"], "x-kubernetes-preserve-unknown-fields"), none,
             &[(C, TypeWidened, V1, ".status")]),
        // Validation.
        case("minimum raised", none, |c| field(c, "replicas")["minimum"] = json!(1),
             &[(B, ValidationTightened, V1, ".spec.replicas")]),
        case("minimum lowered", none, |c| field(c, "replicas")["minimum"] = json!(-1),
             &[(C, ValidationLoosened, V1, ".spec.replicas")]),
        case("maximum lowered", none, |c| field(c, "replicas")["maximum"] = json!(5),
             &[(B, ValidationTightened, V1, ".spec.replicas")]),
        case("maximum removed", none, |c| remove(field(c, "replicas"), "maximum"),
             &[(C, ValidationLoosened, V1, ".spec.replicas")]),
        case("maximum made exclusive", none, |c| field(c, "replicas")["exclusiveMaximum"] = json!(true),
             &[(B, ValidationTightened, V1, ".spec.replicas")]),
        case("length shortened", none, |c| field(c, "name")["maxLength"] = json!(10),
             &[(B, ValidationTightened, V1, ".spec.name")]),
        case("length lengthened", none, |c| field(c, "name")["maxLength"] = json!(253),
             &[(C, ValidationLoosened, V1, ".spec.name")]),
        case("minimum length added", none, |c| field(c, "name")["minLength"] = json!(1),
             &[(B, ValidationTightened, V1, ".spec.name")]),
        case("fewer items", none, |c| field(c, "tags")["maxItems"] = json!(3),
             &[(B, ValidationTightened, V1, ".spec.tags")]),
        case("at least one item", none, |c| field(c, "tags")["minItems"] = json!(1),
             &[(B, ValidationTightened, V1, ".spec.tags")]),
        case("unique items", none, |c| field(c, "ports")["uniqueItems"] = json!(true),
             &[(B, ValidationTightened, V1, ".spec.ports")]),
        case("at most some properties", none, |c| field(c, "labels")["maxProperties"] = json!(3),
             &[(B, ValidationTightened, V1, ".spec.labels")]),
        case("pattern changed", none, |c| field(c, "name")["pattern"] = json!("^[a-z0-9]+$"),
             &[(B, ValidationTightened, V1, ".spec.name")]),
        case("pattern added", none, |c| field(c, "mode")["pattern"] = json!("^[a-z]+$"),
             &[(B, ValidationTightened, V1, ".spec.mode")]),
        case("pattern removed", none, |c| remove(field(c, "name"), "pattern"),
             &[(C, ValidationLoosened, V1, ".spec.name")]),
        case("multipleOf coarser", none, |c| field(c, "ratio")["multipleOf"] = json!(1.0),
             &[(B, ValidationTightened, V1, ".spec.ratio")]),
        case("multipleOf finer", none, |c| field(c, "ratio")["multipleOf"] = json!(0.25),
             &[(C, ValidationLoosened, V1, ".spec.ratio")]),
        case("oneOf added", none, |c| spec(c)["oneOf"] = json!([{"required": ["name"]}, {"required": ["tags"]}]),
             &[(B, ValidationTightened, V1, ".spec")]),
        case("enum added", none, |c| field(c, "mode")["enum"] = json!(["auto", "manual"]),
             &[(B, ValidationTightened, V1, ".spec.mode")]),
        case("enum removed", none, |c| remove(field(c, "color"), "enum"),
             &[(C, ValidationLoosened, V1, ".spec.color")]),
        case("enum value removed", none, |c| field(c, "color")["enum"] = json!(["red"]),
             &[(B, EnumValueRemoved, V1, ".spec.color")]),
        case("enum value added", none, |c| field(c, "color")["enum"] = json!(["red", "blue", "green"]),
             &[(C, EnumValueAdded, V1, ".spec.color")]),
        case("CEL rule added", none, |c| spec(c)["x-kubernetes-validations"]
                 .as_array_mut().unwrap().push(json!({"rule": "has(self.name)"})),
             &[(B, ValidationRuleAdded, V1, ".spec")]),
        case("CEL rule changed", none, |c| spec(c)["x-kubernetes-validations"] = json!([{"rule": "self.replicas <= 5", "message": "at most 5"}]),
             &[(B, ValidationRuleAdded, V1, ".spec"), (C, ValidationRuleRemoved, V1, ".spec")]),
        case("CEL rule removed", none, |c| remove(spec(c), "x-kubernetes-validations"),
             &[(C, ValidationRuleRemoved, V1, ".spec")]),
        case("CEL message changed", none, |c| spec(c)["x-kubernetes-validations"][0]["message"] = json!("no more than 10"),
             &[(C, DescriptionChanged, V1, ".spec")]),
        // Merge semantics.
        case("list type changed", none, |c| field(c, "tags")["x-kubernetes-list-type"] = json!("atomic"),
             &[(B, ListTypeChanged, V1, ".spec.tags")]),
        case("list type made explicit", |c| remove(field(c, "tags"), "x-kubernetes-list-type"),
             |c| field(c, "tags")["x-kubernetes-list-type"] = json!("atomic"), &[]),
        case("list map keys changed", none, |c| {
            field(c, "ports")["x-kubernetes-list-map-keys"] = json!(["name", "port"]);
            field(c, "ports")["items"]["required"] = json!(["name", "port"]);
        }, &[(B, ListTypeChanged, V1, ".spec.ports"), (B, FieldMadeRequired, V1, ".spec.ports[*].port")]),
        case("map type changed", none, |c| field(c, "selector")["x-kubernetes-map-type"] = json!("atomic"),
             &[(B, ListTypeChanged, V1, ".spec.selector")]),
        // Defaults and descriptions.
        case("default changed", none, |c| field(c, "mode")["default"] = json!("manual"),
             &[(B, DefaultChanged, V1, ".spec.mode")]),
        case("default removed", none, |c| remove(field(c, "mode"), "default"),
             &[(B, DefaultChanged, V1, ".spec.mode")]),
        case("default added", none, |c| field(c, "name")["default"] = json!("x"),
             &[(C, DefaultAdded, V1, ".spec.name")]),
        case("description changed", none, |c| spec(c)["description"] = json!("What is wanted."),
             &[(C, DescriptionChanged, V1, ".spec")]),
    ]
}

type Seen = BTreeSet<(Class, Rule, Option<String>, String)>;

fn changes(report: &krest_codegen::diff::Report) -> Seen {
    report
        .changes
        .iter()
        .map(|c| (c.class, c.rule, c.version.clone(), c.path.clone()))
        .collect()
}

fn expected(list: &[(Class, Rule, Option<&str>, &str)]) -> Seen {
    list.iter()
        .map(|(class, rule, version, path)| {
            (*class, *rule, version.map(str::to_string), path.to_string())
        })
        .collect()
}

#[test]
fn each_change_pair_is_classified_with_its_path() {
    let mut failures = Vec::new();
    for case in cases() {
        let (mut old, mut new) = ((case.start)(), (case.start)());
        (case.old)(&mut old);
        (case.new)(&mut new);
        let report = diff(&api(&old), &api(&new));
        let (got, want) = (changes(&report), expected(case.expected));
        if got != want {
            failures.push(format!("{}:\n  got  {got:?}\n  want {want:?}", case.name));
        }
        assert_eq!(
            report.is_breaking(),
            case.expected
                .iter()
                .any(|(class, ..)| *class == Class::Breaking),
            "{}",
            case.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn kinds_removed_and_added() {
    let widget = api(&base());
    let report = diff(&widget, &Api::default());
    assert_eq!(
        changes(&report),
        expected(&[(B, Rule::KindRemoved, KIND, "")])
    );
    let report = diff(&Api::default(), &widget);
    assert_eq!(
        changes(&report),
        expected(&[(C, Rule::KindAdded, KIND, "")])
    );
}

/// Verbs and connect subresources exist only in derive-declared models.
/// A model change pair: its name, the edit, the changes expected.
type ModelCase = (&'static str, fn(&mut ResourceModel), Seen);

fn model_cases() -> Vec<ModelCase> {
    use Rule::*;
    vec![
        (
            "verb removed",
            |m| {
                m.verbs = VerbSet::READ_ONLY
                    .with(Verb::Create)
                    .with(Verb::Update)
                    .with(Verb::Patch)
                    .with(Verb::Delete)
            },
            expected(&[(B, VerbRemoved, V1, "verbs[deletecollection]")]),
        ),
        (
            "connect subresource removed",
            |m| m.connect = Vec::new().into(),
            expected(&[(
                B,
                SubresourceRemoved,
                V1,
                "spec.versions[v1].subresources.logs",
            )]),
        ),
        (
            "connect method removed",
            |m| {
                m.connect = vec![ConnectSubresource {
                    name: "logs".into(),
                    methods: vec![Method::Get].into(),
                    subpath: true,
                }]
                .into()
            },
            expected(&[(
                B,
                RouteRemoved,
                V1,
                "spec.versions[v1].subresources.logs[POST]",
            )]),
        ),
        (
            "connect sub-paths removed",
            |m| {
                m.connect = vec![ConnectSubresource {
                    name: "logs".into(),
                    methods: vec![Method::Get, Method::Post].into(),
                    subpath: false,
                }]
                .into()
            },
            expected(&[(
                B,
                RouteRemoved,
                V1,
                "spec.versions[v1].subresources.logs/{path}",
            )]),
        ),
        (
            "connect method and subresource added",
            |m| {
                m.connect = vec![
                    ConnectSubresource {
                        name: "logs".into(),
                        methods: vec![Method::Get, Method::Post, Method::Put].into(),
                        subpath: true,
                    },
                    ConnectSubresource {
                        name: "exec".into(),
                        methods: vec![Method::Post].into(),
                        subpath: false,
                    },
                ]
                .into()
            },
            expected(&[
                (
                    C,
                    RouteAdded,
                    V1,
                    "spec.versions[v1].subresources.logs[PUT]",
                ),
                (
                    C,
                    SubresourceAdded,
                    V1,
                    "spec.versions[v1].subresources.exec",
                ),
            ]),
        ),
    ]
}

fn model() -> ResourceModel {
    let mut model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
    model.connect = vec![ConnectSubresource {
        name: "logs".into(),
        methods: vec![Method::Get, Method::Post].into(),
        subpath: true,
    }]
    .into();
    model
}

#[test]
fn model_change_pairs_cover_verbs_and_routes() {
    let schema = json!({"type": "object"});
    for (name, edit, want) in model_cases() {
        let mut new = model();
        edit(&mut new);
        let report = diff(
            &Api::from_models("old", &[(model(), schema.clone())]),
            &Api::from_models("new", &[(new, schema.clone())]),
        );
        assert_eq!(changes(&report), want, "{name}");
    }
    // And the reverse of a removed verb is an added one.
    let mut fewer = model();
    fewer.verbs = VerbSet::READ_ONLY;
    let report = diff(
        &Api::from_models("old", &[(fewer, schema.clone())]),
        &Api::from_models("new", &[(model(), schema)]),
    );
    assert!(!report.is_breaking());
    assert!(
        report.changes.iter().all(|c| c.rule == Rule::VerbAdded),
        "{report:?}"
    );
    assert_eq!(report.changes.len(), 5);
}

#[test]
fn every_rule_has_a_change_pair() {
    let mut covered: BTreeSet<Rule> = cases()
        .iter()
        .flat_map(|c| c.expected.iter().map(|e| e.1))
        .collect();
    covered.extend([Rule::KindRemoved, Rule::KindAdded, Rule::VerbAdded]);
    covered.extend(
        model_cases()
            .into_iter()
            .flat_map(|(_, _, want)| want.into_iter().map(|w| w.1)),
    );
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| !covered.contains(r))
        .map(|r| r.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a change pair: {missing:?}"
    );
}

#[test]
fn changes_point_at_their_lines() {
    let old = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.demo.krest.dev}
spec:
  group: demo.krest.dev
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                vendor: {type: string}
                count: {type: integer, maximum: 10}
";
    let new = old
        .replace("                vendor: {type: string}\n", "")
        .replace("maximum: 10", "maximum: 5");
    let report = diff(
        &Api::from_yaml("old.yaml", old).unwrap(),
        &Api::from_yaml("new.yaml", &new).unwrap(),
    );
    let at: Vec<(&str, &str, u64)> = report
        .changes
        .iter()
        .map(|c| (c.path.as_str(), c.file.as_str(), c.line))
        .collect();
    // A removal points at the old file, anything else at the new one.
    assert_eq!(
        at,
        [
            (".spec.vendor", "old.yaml", 19),
            (".spec.count", "new.yaml", 19)
        ]
    );
    assert_eq!(report.changes[1].old, Some(json!(10)));
    assert_eq!(report.changes[1].new, Some(json!(5)));
    assert_eq!(
        report.changes[1].key(),
        "validation-tightened demo.krest.dev/v1 Gadget .spec.count"
    );
}
