//! From CRD schemas to Rust type definitions: the model the templates render.
//!
//! Each served version of each CRD becomes a [`ResourceDef`] (the spec struct that carries
//! `#[derive(Resource)]`, the status type, the embedded schema) plus the [`TypeDef`]s its schema
//! needs, named from their schema path (`CertificateSpecPrivateKey`). CRDs of one group-version
//! share a [`Module`], which becomes one generated file.
//!
//! | schema | Rust |
//! |---|---|
//! | `type: object` with `properties` | a struct named from its path |
//! | `type: object` with `additionalProperties` | `BTreeMap<String, T>` |
//! | `type: object` with neither | `BTreeMap<String, serde_json::Value>` |
//! | `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-embedded-resource` | `serde_json::Value` |
//! | `x-kubernetes-int-or-string` | `IntOrString` (generated into the file) |
//! | `type: array` | `Vec<T>` |
//! | `type: string` with identifier-like `enum` values | an enum; other strings `String` |
//! | `type: integer`, `format: int32` | `i32` (`i64` otherwise) |
//! | `type: number` | `f64` |
//! | `type: boolean` | `bool` |
//! | not `required`, or `nullable` | `Option<T>` |

use std::collections::{BTreeMap, HashSet};

use crate::crd::{Crd, CrdVersion};
use crate::error::{Error, Result};
use crate::ident::{field_ident, is_ident, type_part, upper_camel};
use crate::model::ResourceModel;
use crate::yaml::{Node, NodeValue};

/// The keywords of apiextensions' `JSONSchemaProps` that krest understands. Validation-only
/// keywords are accepted and left to the served schema.
const KEYWORDS: [&str; 39] = [
    "id",
    "$schema",
    "description",
    "type",
    "format",
    "title",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "enum",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "properties",
    "additionalProperties",
    "externalDocs",
    "example",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

/// Keywords of JSON Schema that structural CRD schemas forbid and krest cannot type.
const UNSUPPORTED: [&str; 6] = [
    "$ref",
    "definitions",
    "dependencies",
    "additionalItems",
    "patternProperties",
    "$defs",
];

/// Names of the generated helper types, which schema-derived names must not take.
pub const INT_OR_STRING: &str = "IntOrString";

/// Everything generated for one group-version: one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// The files the CRDs came from, for the file header.
    pub sources: Vec<String>,
    /// The served kinds of this group-version.
    pub resources: Vec<ResourceDef>,
    /// Every type, in the order they are first reached.
    pub types: Vec<TypeDef>,
    /// Whether `IntOrString` is used (and so generated).
    pub int_or_string: bool,
}

impl Module {
    /// The file name: `demo_krest_dev_v1.rs`; the core group is `core`.
    pub fn file_stem(&self) -> String {
        module_stem(&self.group, &self.version)
    }
}

/// The module (and file stem) of a group-version: `demo_krest_dev_v1`; the core group is
/// `core`.
pub fn module_stem(group: &str, version: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    format!("{}_{}", crate::ident::snake(group), version)
}

/// One served version of one CRD.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDef {
    /// The model the `#[resource(...)]` attributes reproduce.
    pub model: ResourceModel,
    /// The spec struct (carries the derive).
    pub spec: String,
    /// The status type, when the version has a status subresource.
    pub status: Option<String>,
    /// The other top-level fields (a `status` without the subresource, Argo CD's
    /// `operation`): each JSON name and Rust type, for `field(name = Type)`.
    pub fields: Vec<(String, String)>,
    /// The CRD's `openAPIV3Schema` for this version, as compact JSON.
    pub schema_json: String,
    /// Whether this is the storage version.
    pub storage: bool,
    /// Whether the version is deprecated, and its warning.
    pub deprecated: Option<String>,
    /// Whether the version is served (`served: true`): a version that is not has its types,
    /// and no routes.
    pub served: bool,
    /// How this version converts to and from the storage version, when its CRD's conversion
    /// strategy is `Webhook` and it is not the storage version.
    pub conversion: Option<ConversionDef>,
}

/// How a generated version converts to and from its storage version (`krest::Convert`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConversionDef {
    /// The storage version's module (the file stem): `fleet_krest_dev_v1`.
    pub hub_module: String,
    /// Whether the generated module implements `krest::Convert` itself, with the default
    /// conversion (field by field where names and types agree); otherwise the crate does, in
    /// its own `src/conversion.rs` ([`Builder::user_conversion`](crate::Builder::user_conversion)).
    pub default_impl: bool,
}

/// A generated type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// Its name.
    pub name: String,
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// A struct or an enum.
    pub body: TypeBody,
}

/// The shape of a [`TypeDef`].
#[derive(Clone, Debug, PartialEq)]
pub enum TypeBody {
    /// A struct with named fields.
    Struct {
        /// The fields, in schema order.
        fields: Vec<FieldDef>,
        /// Whether every field is optional, so `Default` can be derived.
        default: bool,
    },
    /// A string enum.
    Enum {
        /// The variants, in schema order.
        variants: Vec<VariantDef>,
        /// The index of the default variant, if the schema gives one.
        default: Option<usize>,
    },
}

/// A field of a generated struct.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    /// The Rust identifier (`dns_names`, `r#type`).
    pub ident: String,
    /// The JSON name (`dnsNames`), when it differs from the identifier.
    pub rename: Option<String>,
    /// The Rust type, `Option` included.
    pub ty: String,
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// What `#[serde(...)]` says besides `rename`.
    pub serde: FieldSerde,
    /// For a defaulted field: the name and body of the function giving the default.
    pub default_fn: Option<(String, String, String)>,
}

/// How serde treats a field when it is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldSerde {
    /// Required.
    Required,
    /// `Option`: `default, skip_serializing_if = "Option::is_none"`.
    Optional,
    /// `default = "..."`: the schema's default.
    DefaultFn,
    /// `default`: the type's own default (`0`, `false`, `""`, an empty list or map).
    Default,
    /// `flatten`: every field of the object.
    Flatten,
}

/// A variant of a generated string enum.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantDef {
    /// The Rust identifier.
    pub ident: String,
    /// The JSON value, when it differs from the identifier.
    pub rename: Option<String>,
}

/// Builds the modules of `crds`: one per group-version, with every version's types (a version
/// that is not served has no routes: see [`ResourceDef::served`]).
pub fn build_modules(crds: &[Crd]) -> Result<Vec<Module>> {
    let mut modules: BTreeMap<(String, String), Module> = BTreeMap::new();
    let mut names: BTreeMap<(String, String), Names> = BTreeMap::new();
    for crd in crds {
        for version in &crd.versions {
            let key = (crd.group.clone(), version.name.clone());
            let module = modules.entry(key.clone()).or_insert_with(|| Module {
                group: crd.group.clone(),
                version: version.name.clone(),
                sources: Vec::new(),
                resources: Vec::new(),
                types: Vec::new(),
                int_or_string: false,
            });
            if let Some(other) = module.resources.iter().find(|r| {
                r.model.kind == crd.kind.as_str() || r.model.plural == crd.plural.as_str()
            }) {
                return Err(Error::new(
                    &crd.file,
                    crd.names_line,
                    "spec.names",
                    format!(
                        "`{}` `{}` is defined twice in `{}/{}` (kind `{}`)",
                        crd.kind, crd.plural, crd.group, version.name, other.model.kind
                    ),
                ));
            }
            let source = file_name(&crd.file).to_string();
            if !module.sources.contains(&source) {
                module.sources.push(source);
            }
            let names = names.entry(key).or_default();
            let mut cx = Cx {
                file: &crd.file,
                names,
                types: Vec::new(),
                int_or_string: false,
            };
            let resource = cx.resource(crd, version)?;
            module.int_or_string |= cx.int_or_string;
            module.types.extend(cx.types);
            module.resources.push(resource);
        }
    }
    // The kinds (the derive's object types) were claimed as the modules filled up; a type
    // name claimed earlier under a later kind's name would clash with its object type.
    for module in modules.values() {
        for resource in &module.resources {
            if let Some(ty) = module.types.iter().find(|t| t.name == *resource.model.kind) {
                return Err(Error::new(
                    module.sources.join(", "),
                    0,
                    "",
                    format!(
                        "the generated type `{}` has the name of the kind `{}`",
                        ty.name, resource.model.kind
                    ),
                ));
            }
        }
    }
    Ok(modules.into_values().collect())
}

/// The type names taken in one module.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    /// `base`, or `base2`, `base3`... if taken.
    fn claim(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.0.contains(&name) || name == INT_OR_STRING {
            name = format!("{base}{n}");
            n += 1;
        }
        self.0.insert(name.clone());
        name
    }
}

/// What is being generated, and where.
struct Cx<'a> {
    file: &'a str,
    names: &'a mut Names,
    types: Vec<TypeDef>,
    int_or_string: bool,
}

/// A schema node and its path (`spec.versions[0].schema.openAPIV3Schema.properties.spec`).
#[derive(Clone, Copy)]
struct At<'a> {
    node: &'a Node,
    path: &'a str,
}

impl Cx<'_> {
    fn error(&self, at: At<'_>, message: impl Into<String>) -> Error {
        Error::new(self.file, at.node.line, at.path, message)
    }

    fn resource(&mut self, crd: &Crd, version: &CrdVersion) -> Result<ResourceDef> {
        let model = crd.model(version);
        let schema_path = version.schema_path();
        let root = At {
            node: &version.schema,
            path: &schema_path,
        };
        self.check_keywords(root)?;
        if root.node.get("type").and_then(Node::as_str) != Some("object") {
            return Err(self.error(root, "the root of a CRD schema must be `type: object`"));
        }
        let properties = self.properties(root)?;
        // The derive owns the object type's name; claim it before any schema type can.
        self.names.0.insert(crd.kind.clone());
        let root_doc = description(root.node);
        let spec_name = self.names.claim(&format!("{}Spec", crd.kind));
        let spec_path = format!("{schema_path}.properties.spec");
        let spec_node = properties
            .iter()
            .find(|(k, _)| k == "spec")
            .map(|(_, n)| *n);
        let mut spec_doc = spec_node.map(description).unwrap_or_default();
        if spec_doc.is_empty() {
            spec_doc = root_doc.clone();
        }
        if spec_doc.is_empty() {
            spec_doc = vec![format!("The desired state of a `{}`.", crd.kind)];
        }
        spec_doc.push(String::new());
        spec_doc.push(format!(
            "`{}/{}` `{}`{}{} (from `{}`).",
            crd.group,
            version.name,
            crd.kind,
            if version.storage {
                ", the storage version"
            } else {
                ""
            },
            match (version.deprecated, version.served) {
                (_, false) => ", not served (its types only)",
                (true, true) => ", deprecated",
                (false, true) => "",
            },
            file_name(&crd.file)
        ));
        if let Some(warning) = &version.deprecation_warning {
            spec_doc.push(String::new());
            spec_doc.push(format!("Deprecated: {}", sanitize(warning)));
        }
        self.object_root(&spec_name, spec_node, &spec_path, spec_doc)?;

        let status = if version.status {
            let name = self.names.claim(&format!("{}Status", crd.kind));
            let node = properties
                .iter()
                .find(|(k, _)| k == "status")
                .map(|(_, n)| *n);
            let mut doc = node.map(description).unwrap_or_default();
            if doc.is_empty() {
                doc = vec![format!("The observed state of a `{}`.", crd.kind)];
            }
            self.object_root(
                &name,
                node,
                &format!("{schema_path}.properties.status"),
                doc,
            )?;
            Some(name)
        } else {
            None
        };
        let mut fields = Vec::new();
        for (json, node) in &properties {
            if matches!(json.as_str(), "apiVersion" | "kind" | "metadata" | "spec")
                || (json == "status" && version.status)
            {
                continue;
            }
            let path = format!("{schema_path}.properties.{json}");
            let name = format!("{}{}", crd.kind, type_part(json));
            let ty = if json == "status" {
                let name = self.names.claim(&name);
                let mut doc = description(node);
                if doc.is_empty() {
                    doc = vec![format!("The observed state of a `{}`.", crd.kind)];
                }
                self.object_root(&name, Some(node), &path, doc)?;
                name
            } else {
                let at = At { node, path: &path };
                self.check_keywords(at)?;
                self.ty(&name, at)?
            };
            fields.push((json.clone(), ty));
        }
        let schema = version.schema_json(self.file)?;
        Ok(ResourceDef {
            model,
            spec: spec_name,
            status,
            fields,
            schema_json: schema.to_string(),
            storage: version.storage,
            deprecated: version
                .deprecated
                .then(|| version.deprecation_warning.clone().unwrap_or_default()),
            served: version.served,
            conversion: crd
                .storage_version()
                .filter(|hub| crd.webhook_conversion && hub.name != version.name)
                .map(|hub| ConversionDef {
                    hub_module: module_stem(&crd.group, &hub.name),
                    default_impl: true,
                }),
        })
    }

    /// A spec or status type: always a struct with named fields, as the derive needs.
    fn object_root(
        &mut self,
        name: &str,
        node: Option<&Node>,
        path: &str,
        doc: Vec<String>,
    ) -> Result<()> {
        let Some(node) = node else {
            self.types.push(TypeDef {
                name: name.to_string(),
                doc,
                body: TypeBody::Struct {
                    fields: Vec::new(),
                    default: true,
                },
            });
            return Ok(());
        };
        let at = At { node, path };
        self.check_keywords(at)?;
        let open = flag(node, "x-kubernetes-preserve-unknown-fields")
            || flag(node, "x-kubernetes-embedded-resource");
        let ty = node.get("type").and_then(Node::as_str);
        if ty != Some("object") && !(ty.is_none() && open) {
            return Err(self.error(
                at,
                "must be `type: object`: `#[derive(Resource)]` needs a struct with named fields",
            ));
        }
        let has_properties = node
            .get("properties")
            .is_some_and(|p| p.as_map().is_none_or(|m| !m.is_empty()));
        let map = node
            .get("additionalProperties")
            .is_some_and(|a| a.as_bool() != Some(false));
        if has_properties && !open {
            return self.struct_type(name, at, doc);
        }
        let fields = if open || map {
            // Every field of the object, kept in a flattened map.
            let value = if open {
                "::serde_json::Value".to_string()
            } else {
                self.map_value(name, at)?
            };
            vec![FieldDef {
                ident: "fields".into(),
                rename: None,
                ty: format!("::std::collections::BTreeMap<::std::string::String, {value}>"),
                doc: vec!["Every field of the object.".into()],
                serde: FieldSerde::Flatten,
                default_fn: None,
            }]
        } else {
            Vec::new()
        };
        self.types.push(TypeDef {
            name: name.to_string(),
            doc,
            body: TypeBody::Struct {
                fields,
                default: true,
            },
        });
        Ok(())
    }

    /// Rejects keywords krest does not know, and the ones structural schemas forbid.
    fn check_keywords(&self, at: At<'_>) -> Result<()> {
        let Some(entries) = at.node.as_map() else {
            return Err(self.error(
                at,
                format!("a schema must be a mapping, found {}", at.node.describe()),
            ));
        };
        for (key, value) in entries {
            let here = At {
                node: value,
                path: at.path,
            };
            if UNSUPPORTED.contains(&key.as_str()) {
                return Err(self.error(
                    here,
                    format!("unsupported schema keyword `{key}`: CRD schemas must be structural, with every type written out"),
                ));
            }
            if !KEYWORDS.contains(&key.as_str()) {
                return Err(self.error(here, format!("unknown schema keyword `{key}`")));
            }
        }
        if let Some(items) = at.node.get("items") {
            if items.as_seq().is_some() {
                return Err(self.error(
                    At {
                        node: items,
                        path: at.path,
                    },
                    "unsupported: `items` as a list (a tuple); use one schema",
                ));
            }
        }
        Ok(())
    }

    fn properties<'n>(&self, at: At<'n>) -> Result<Vec<(String, &'n Node)>> {
        match at.node.get("properties") {
            None => Ok(Vec::new()),
            Some(p) => match p.as_map() {
                Some(entries) => Ok(entries.iter().map(|(k, v)| (k.clone(), v)).collect()),
                None => Err(self.error(
                    At {
                        node: p,
                        path: at.path,
                    },
                    format!("`properties` must be a mapping, found {}", p.describe()),
                )),
            },
        }
    }

    fn struct_type(&mut self, name: &str, at: At<'_>, doc: Vec<String>) -> Result<()> {
        let required = self.required(at)?;
        let properties = self.properties(at)?;
        if let Some(extra) = at.node.get("additionalProperties") {
            if extra.as_bool() != Some(false) {
                return Err(self.error(
                    At {
                        node: extra,
                        path: at.path,
                    },
                    "unsupported: both `properties` and `additionalProperties`",
                ));
            }
        }
        // Reserve the slot so that the struct comes before the types of its fields.
        let slot = self.types.len();
        self.types.push(TypeDef {
            name: name.to_string(),
            doc: Vec::new(),
            body: TypeBody::Struct {
                fields: Vec::new(),
                default: false,
            },
        });
        let mut fields = Vec::new();
        let mut idents = HashSet::new();
        for (json, node) in &properties {
            let path = format!("{}.properties.{json}", at.path);
            let here = At { node, path: &path };
            self.check_keywords(here)?;
            let mut ident = field_ident(json);
            let mut n = 2;
            while !idents.insert(ident.clone()) {
                ident = format!("{}_{n}", field_ident(json).trim_start_matches("r#"));
                n += 1;
            }
            let ty = self.ty(&format!("{name}{}", type_part(json)), here)?;
            let nullable = flag(node, "nullable");
            let is_required = required.contains(json) && !nullable;
            let mut field_doc = description(node);
            if field_doc.is_empty() {
                field_doc = vec![format!("The `{json}` field.")];
            }
            let bare = ident.trim_start_matches("r#");
            let rename = (bare != json).then(|| json.clone());
            let (ty, serde, default_fn) = if is_required {
                (ty, FieldSerde::Required, None)
            } else if let Some(default) = node.get("default").filter(|_| !nullable) {
                match default_expr(&ty, default, &self.types) {
                    Some(DefaultValue::Empty) => (ty, FieldSerde::Default, None),
                    Some(DefaultValue::Expr(expr)) => {
                        let fn_name = format!("default_{}", bare);
                        (ty.clone(), FieldSerde::DefaultFn, Some((fn_name, ty, expr)))
                    }
                    None => (option(&ty), FieldSerde::Optional, None),
                }
            } else {
                (option(&ty), FieldSerde::Optional, None)
            };
            fields.push(FieldDef {
                ident,
                rename,
                ty,
                doc: field_doc,
                serde,
                default_fn,
            });
        }
        let default = fields.iter().all(|f| f.serde == FieldSerde::Optional);
        self.types[slot] = TypeDef {
            name: name.to_string(),
            doc,
            body: TypeBody::Struct { fields, default },
        };
        Ok(())
    }

    fn required(&self, at: At<'_>) -> Result<HashSet<String>> {
        let Some(node) = at.node.get("required") else {
            return Ok(HashSet::new());
        };
        let here = At {
            node,
            path: at.path,
        };
        let items = node
            .as_seq()
            .ok_or_else(|| self.error(here, "`required` must be a list of property names"))?;
        items
            .iter()
            .map(|n| {
                n.as_str().map(str::to_string).ok_or_else(|| {
                    self.error(
                        At {
                            node: n,
                            path: at.path,
                        },
                        "`required` must be a list of property names",
                    )
                })
            })
            .collect()
    }

    /// The Rust type of the schema at `at` (without the `Option` of an optional field); `name`
    /// is the name a struct or enum for it gets.
    fn ty(&mut self, name: &str, at: At<'_>) -> Result<String> {
        let node = at.node;
        if flag(node, "x-kubernetes-int-or-string") {
            self.int_or_string = true;
            return Ok(INT_OR_STRING.to_string());
        }
        if flag(node, "x-kubernetes-preserve-unknown-fields")
            || flag(node, "x-kubernetes-embedded-resource")
        {
            return Ok("::serde_json::Value".to_string());
        }
        let Some(type_node) = node.get("type") else {
            return Err(self.error(
                at,
                "missing `type`: a structural schema gives every property a type (or `x-kubernetes-int-or-string` / `x-kubernetes-preserve-unknown-fields`)",
            ));
        };
        let format = node.get("format").and_then(Node::as_str).unwrap_or("");
        match type_node.as_str() {
            Some("object") => {
                if node.get("properties").is_some_and(|p| p.as_map().is_some_and(|m| !m.is_empty())) {
                    let name = self.names.claim(name);
                    let doc = type_doc(node, at.path);
                    self.struct_type(&name, at, doc)?;
                    Ok(name)
                } else {
                    let value = self.map_value(name, at)?;
                    Ok(format!(
                        "::std::collections::BTreeMap<::std::string::String, {value}>"
                    ))
                }
            }
            Some("array") => {
                let Some(items) = node.get("items") else {
                    return Err(self.error(at, "`type: array` needs `items`"));
                };
                let path = format!("{}.items", at.path);
                let here = At {
                    node: items,
                    path: &path,
                };
                self.check_keywords(here)?;
                let item = self.ty(name, here)?;
                Ok(format!("::std::vec::Vec<{item}>"))
            }
            Some("string") => match self.string_enum(name, at)? {
                Some(name) => Ok(name),
                None => Ok("::std::string::String".to_string()),
            },
            Some("integer") => Ok(match format {
                "int32" => "i32",
                _ => "i64",
            }
            .to_string()),
            Some("number") => Ok("f64".to_string()),
            Some("boolean") => Ok("bool".to_string()),
            Some(other) => Err(self.error(
                At {
                    node: type_node,
                    path: at.path,
                },
                format!("unsupported `type: {other}`: expected object, array, string, integer, number or boolean"),
            )),
            None => Err(self.error(
                At {
                    node: type_node,
                    path: at.path,
                },
                format!("`type` must be a string, found {}", type_node.describe()),
            )),
        }
    }

    /// The value type of an object used as a map.
    fn map_value(&mut self, name: &str, at: At<'_>) -> Result<String> {
        match at.node.get("additionalProperties") {
            None => Ok("::serde_json::Value".to_string()),
            Some(extra) if extra.as_bool().is_some() => Ok("::serde_json::Value".to_string()),
            Some(extra) => {
                let path = format!("{}.additionalProperties", at.path);
                let here = At {
                    node: extra,
                    path: &path,
                };
                self.check_keywords(here)?;
                self.ty(name, here)
            }
        }
    }

    /// A Rust enum for a string schema with an `enum` whose values all make distinct
    /// identifiers; `None` when there is no enum or it cannot be one.
    fn string_enum(&mut self, name: &str, at: At<'_>) -> Result<Option<String>> {
        let Some(values) = at.node.get("enum") else {
            return Ok(None);
        };
        let Some(items) = values.as_seq() else {
            return Err(self.error(
                At {
                    node: values,
                    path: at.path,
                },
                "`enum` must be a list",
            ));
        };
        let mut variants: Vec<VariantDef> = Vec::new();
        for item in items {
            match &item.value {
                NodeValue::Null => continue,
                NodeValue::String(value) => {
                    let ident = upper_camel(value);
                    if !is_ident(&ident) || variants.iter().any(|v| v.ident == ident) {
                        return Ok(None);
                    }
                    if variants
                        .iter()
                        .any(|v| v.rename.as_deref().unwrap_or(&v.ident) == value)
                    {
                        continue;
                    }
                    let rename = (ident != *value).then(|| value.clone());
                    variants.push(VariantDef { ident, rename });
                }
                _ => {
                    return Err(self.error(
                        At {
                            node: item,
                            path: at.path,
                        },
                        format!(
                            "a string `enum` value must be a string, found {}",
                            item.describe()
                        ),
                    ))
                }
            }
        }
        if variants.is_empty() {
            return Ok(None);
        }
        let default = at.node.get("default").and_then(Node::as_str).and_then(|d| {
            variants
                .iter()
                .position(|v| v.rename.as_deref().unwrap_or(&v.ident) == d)
        });
        let name = self.names.claim(name);
        self.types.push(TypeDef {
            name: name.clone(),
            doc: type_doc(at.node, at.path),
            body: TypeBody::Enum { variants, default },
        });
        Ok(Some(name))
    }
}

/// What a schema `default` becomes.
enum DefaultValue {
    /// The type's own default: `0`, `false`, `""`, an empty list or map.
    Empty,
    /// An expression of the field's type.
    Expr(String),
}

/// The default of a field of type `ty` as Rust, when it is simple: a scalar, an enum variant,
/// or an empty list or map. Anything else stays `Option` (the server applies it on writes).
fn default_expr(ty: &str, default: &Node, types: &[TypeDef]) -> Option<DefaultValue> {
    // The type's own default needs no function.
    let zero = match (&default.value, ty) {
        (NodeValue::Bool(b), "bool") => !b,
        (NodeValue::Int(i), "i32" | "i64") => *i == 0,
        (NodeValue::String(s), "::std::string::String") => s.is_empty(),
        _ => false,
    };
    if zero {
        return Some(DefaultValue::Empty);
    }
    match (&default.value, ty) {
        (NodeValue::Bool(b), "bool") => Some(DefaultValue::Expr(b.to_string())),
        (NodeValue::Int(i), "i64") => Some(DefaultValue::Expr(i.to_string())),
        (NodeValue::Int(i), "i32") => i32::try_from(*i)
            .ok()
            .map(|i| DefaultValue::Expr(i.to_string())),
        (NodeValue::Int(i), "f64") => Some(DefaultValue::Expr(format!("{i}.0"))),
        (NodeValue::Float(f), "f64") if f.is_finite() => Some(DefaultValue::Expr(format!("{f:?}"))),
        (NodeValue::String(s), "::std::string::String") => Some(DefaultValue::Expr(format!(
            "::std::string::String::from({s:?})"
        ))),
        (NodeValue::String(s), _) => {
            let def = types.iter().find(|t| t.name == ty)?;
            let TypeBody::Enum { variants, .. } = &def.body else {
                return None;
            };
            let variant = variants
                .iter()
                .find(|v| v.rename.as_deref().unwrap_or(&v.ident) == s)?;
            Some(DefaultValue::Expr(format!("{ty}::{}", variant.ident)))
        }
        (NodeValue::Seq(items), _) if items.is_empty() && ty.starts_with("::std::vec::Vec<") => {
            Some(DefaultValue::Empty)
        }
        (NodeValue::Map(entries), _)
            if entries.is_empty() && ty.starts_with("::std::collections::BTreeMap<") =>
        {
            Some(DefaultValue::Empty)
        }
        _ => None,
    }
}

/// The last component of a path: generated files name their sources without the directories
/// of whoever ran the generator.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn option(ty: &str) -> String {
    format!("::core::option::Option<{ty}>")
}

fn flag(node: &Node, key: &str) -> bool {
    node.get(key).and_then(Node::as_bool) == Some(true)
}

/// The doc of a generated type: its description, or where it is in the object.
fn type_doc(node: &Node, path: &str) -> Vec<String> {
    let doc = description(node);
    if doc.is_empty() {
        vec![format!("`{}`.", object_path(path))]
    } else {
        doc
    }
}

/// Where a schema path points in an object: `...openAPIV3Schema.properties.spec.properties.
/// rules.items` is `.spec.rules[*]`.
fn object_path(schema_path: &str) -> String {
    let rest = schema_path
        .split_once("openAPIV3Schema")
        .map_or(schema_path, |(_, rest)| rest);
    let mut out = String::new();
    let mut parts = rest.split('.').filter(|p| !p.is_empty());
    while let Some(part) = parts.next() {
        match part {
            "properties" => {
                out.push('.');
                out.push_str(parts.next().unwrap_or(""));
            }
            "items" => out.push_str("[*]"),
            "additionalProperties" => out.push_str(".*"),
            other => {
                out.push('.');
                out.push_str(other);
            }
        }
    }
    out
}

/// A schema's `description` as doc lines, made safe for rustdoc (see [`sanitize`]).
fn description(node: &Node) -> Vec<String> {
    node.get("description")
        .and_then(Node::as_str)
        .map(|d| {
            let text = sanitize(d);
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines
        })
        .unwrap_or_default()
}

/// Description text as doc comment text: no indented code blocks or fences (rustdoc would run
/// them as doctests), no trailing blanks, no line breaks inside.
pub fn sanitize(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim().lines() {
        let line = line.trim().replace("```", "'''");
        out.push_str(&line);
        out.push('\n');
    }
    out.trim_end().to_string()
}
