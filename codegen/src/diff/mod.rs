//! `krest diff`: the changes between two versions of an API, each classified as breaking or
//! compatible by Kubernetes' rules for API changes (the API conventions and
//! `api_changes.md`: what existing clients and stored objects survive).
//!
//! An [`Api`] is every kind of one side, read from CRD YAML ([`Api::read_path`],
//! [`Api::from_crds`]) or built from derive-declared models ([`Api::from_models`]). [`diff`]
//! compares two of them, kind by kind (`group` and `kind`) and version by version, and returns
//! a [`Report`]: its [`Change`]s, each with its [`Rule`], its class, and where it is (a path in
//! the CRD such as `spec.scope`, or a field of the objects such as `.spec.ports[*].port`).
//! The rules are in [`rules`] (definitions) and [`schema`] (the OpenAPI schemas); [`report`]
//! writes the text and JSON forms; [`git`] reads a side from a git revision.
//!
//! # Example
//!
//! ```
//! use krest_codegen::diff::{diff, Api, Rule};
//!
//! let old = r#"
//! apiVersion: apiextensions.k8s.io/v1
//! kind: CustomResourceDefinition
//! metadata: {name: gadgets.demo.krest.dev}
//! spec:
//!   group: demo.krest.dev
//!   names: {kind: Gadget, plural: gadgets}
//!   scope: Namespaced
//!   versions:
//!     - name: v1
//!       served: true
//!       storage: true
//!       schema:
//!         openAPIV3Schema:
//!           type: object
//!           properties:
//!             spec: {type: object, properties: {vendor: {type: string}}}
//! "#;
//! let new = old.replace("vendor: {type: string}", "maker: {type: string}");
//! let report = diff(&Api::from_yaml("old.yaml", old)?, &Api::from_yaml("new.yaml", &new)?);
//! assert!(report.is_breaking());
//! let removed = &report.changes[0];
//! assert_eq!((removed.rule, removed.path.as_str()), (Rule::FieldRemoved, ".spec.vendor"));
//! # Ok::<(), krest_codegen::Error>(())
//! ```

mod baseline;
pub mod git;
pub mod report;
pub mod rules;
pub mod schema;

use std::path::Path;

use serde_json::Value;

use crate::crd::{read_crd_definitions, Crd};
use crate::error::{Error, Result};
use crate::model::{ResourceModel, Scope};
use crate::yaml::{Node, NodeValue};

pub use baseline::Baseline;
pub use report::Report;
pub use rules::diff;

/// Whether a change breaks existing clients or stored objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A request, a stored object or a kubectl command that worked before fails, or reads
    /// differently, after the change.
    Breaking,
    /// Everything that worked still works.
    Compatible,
}

impl Class {
    /// `breaking` or `compatible`, as the JSON output writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        }
    }
}

macro_rules! rules {
    ($($(#[doc = $doc:literal])* $name:ident = $id:literal,)*) => {
        /// What changed: one rule of the API change rules. The ids (`field-removed`) are
        /// stable: they are in the JSON output and in allow lists.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($(#[doc = $doc])* $name,)*
        }

        impl Rule {
            /// Every rule, in the order documented.
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)*];

            /// The rule's stable id: `field-removed`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$name => $id,)*
                }
            }

            /// The rule with this id.
            pub fn parse(id: &str) -> Option<Rule> {
                Rule::ALL.iter().copied().find(|r| r.as_str() == id)
            }
        }
    };
}

rules! {
    /// A kind is no longer served at all.
    KindRemoved = "kind-removed",
    /// A new kind.
    KindAdded = "kind-added",
    /// A version was removed (breaking when it was served).
    VersionRemoved = "version-removed",
    /// A new version.
    VersionAdded = "version-added",
    /// A version is no longer served (`served: false`).
    VersionUnserved = "version-unserved",
    /// A version that was not served now is.
    VersionServed = "version-served",
    /// A version became deprecated (or its warning changed).
    VersionDeprecated = "version-deprecated",
    /// Namespaced became cluster-scoped, or the reverse: every URL changes.
    ScopeChanged = "scope-changed",
    /// The plural, the resource's name in every URL, changed.
    PluralChanged = "plural-changed",
    /// The singular name (`kubectl get widget`) changed.
    SingularChanged = "singular-changed",
    /// A verb is no longer offered.
    VerbRemoved = "verb-removed",
    /// A new verb.
    VerbAdded = "verb-added",
    /// A subresource (`status`, `scale`, a connect subresource) was removed.
    SubresourceRemoved = "subresource-removed",
    /// A subresource changed what it reads and writes (the paths of `scale`).
    SubresourceChanged = "subresource-changed",
    /// A new subresource.
    SubresourceAdded = "subresource-added",
    /// A route of a connect subresource was removed (a method, or its sub-paths).
    RouteRemoved = "route-removed",
    /// A new route of a connect subresource.
    RouteAdded = "route-added",
    /// The storage version changed (breaking when no webhook converts and the schemas differ).
    StorageVersionChanged = "storage-version-changed",
    /// A short name (`kubectl get wd`) was removed.
    ShortNameRemoved = "short-name-removed",
    /// A new short name.
    ShortNameAdded = "short-name-added",
    /// A category (`kubectl get all`) was removed.
    CategoryRemoved = "category-removed",
    /// A new category.
    CategoryAdded = "category-added",
    /// A field can no longer be used in field selectors.
    SelectableFieldRemoved = "selectable-field-removed",
    /// A new selectable field.
    SelectableFieldAdded = "selectable-field-added",
    /// A column of `kubectl get` was added, removed or changed.
    PrinterColumnChanged = "printer-column-changed",
    /// A field was removed from the schema.
    FieldRemoved = "field-removed",
    /// A new optional field.
    FieldAdded = "field-added",
    /// A new field that is required.
    RequiredFieldAdded = "required-field-added",
    /// An existing field became required.
    FieldMadeRequired = "field-made-required",
    /// A required field became optional.
    FieldMadeOptional = "field-made-optional",
    /// A field's type changed or narrowed (type, format, nullable, int-or-string, embedded
    /// resource, unknown fields, the values of a map).
    TypeChanged = "type-changed",
    /// A field's type widened (nullable, unknown fields kept, a format dropped or widened).
    TypeWidened = "type-widened",
    /// Validation became stricter: a bound, a length, an item or property count, a pattern,
    /// `multipleOf`, `uniqueItems`, an enum where there was none, `allOf`/`oneOf`/`anyOf`/`not`.
    ValidationTightened = "validation-tightened",
    /// Validation became looser.
    ValidationLoosened = "validation-loosened",
    /// A value was removed from an enum.
    EnumValueRemoved = "enum-value-removed",
    /// A value was added to an enum (noted: clients that switch over every value may not
    /// know it).
    EnumValueAdded = "enum-value-added",
    /// A new CEL rule in `x-kubernetes-validations`.
    ValidationRuleAdded = "validation-rule-added",
    /// A CEL rule was removed (a rule whose message alone changed is a description change).
    ValidationRuleRemoved = "validation-rule-removed",
    /// `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` or `x-kubernetes-map-type`
    /// changed: how apply merges the field.
    ListTypeChanged = "list-type-changed",
    /// A default was changed or removed.
    DefaultChanged = "default-changed",
    /// A default was added.
    DefaultAdded = "default-added",
    /// A description changed.
    DescriptionChanged = "description-changed",
}

/// One change between the two sides.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Breaking or compatible.
    pub class: Class,
    /// What changed.
    pub rule: Rule,
    /// The kind's API group.
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The version, for a change inside one version; `None` for the whole kind.
    pub version: Option<String>,
    /// Where: a path in the CRD (`spec.scope`, `spec.versions[v1].subresources.scale`) or, in
    /// a schema, a field of the objects (`.spec.ports[*].port`; `[*]` is every item of a
    /// list, `.*` every value of a map).
    pub path: String,
    /// What happened, in words.
    pub message: String,
    /// The value before, when there was one that says something.
    pub old: Option<Value>,
    /// The value after.
    pub new: Option<Value>,
    /// The file that shows the change (the new side's, or the old side's for a removal).
    pub file: String,
    /// The line in that file; 0 when unknown.
    pub line: u64,
}

impl Change {
    /// The id of this change in allow lists: `field-removed demo.krest.dev/v1 Widget .spec.size`
    /// (rule, `group/version` or just `group` for the whole kind, kind, path).
    pub fn key(&self) -> String {
        let at = match &self.version {
            Some(version) => format!("{}/{version}", self.group),
            None => self.group.clone(),
        };
        format!("{} {at} {} {}", self.rule.as_str(), self.kind, self.path)
    }
}

/// One side of a diff: every kind of an API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Api {
    /// The kinds, in the order read.
    pub kinds: Vec<ApiKind>,
}

/// One kind, with every version of it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKind {
    /// API group.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Plural.
    pub plural: String,
    /// Singular.
    pub singular: String,
    /// Short names.
    pub short_names: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Scope.
    pub scope: Scope,
    /// Whether a webhook converts between versions.
    pub webhook_conversion: bool,
    /// The versions, in document order.
    pub versions: Vec<ApiVersion>,
    /// Where it was read: file.
    pub file: String,
    /// Where it was read: line of its document (0 for a model).
    pub line: u64,
    /// The line of its `spec.names` (0 for a model).
    pub names_line: u64,
}

/// One version of a kind.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiVersion {
    /// Its model: verbs, subresources, printer columns, selectable fields, deprecation.
    pub model: ResourceModel,
    /// Whether it is served.
    pub served: bool,
    /// Whether objects are stored in it.
    pub storage: bool,
    /// Its `openAPIV3Schema`.
    pub schema: Node,
    /// The line of its entry in `spec.versions` (0 for a model).
    pub line: u64,
}

impl ApiKind {
    /// The version named `name`.
    pub fn version(&self, name: &str) -> Option<&ApiVersion> {
        self.versions.iter().find(|v| v.model.version == name)
    }

    /// The storage version.
    pub fn storage_version(&self) -> Option<&ApiVersion> {
        self.versions.iter().find(|v| v.storage)
    }
}

impl Api {
    /// The kinds of CRDs, as [`crate::read_crds`] (or [`read_crd_definitions`]) read them.
    pub fn from_crds(crds: &[Crd]) -> Api {
        let kinds = crds
            .iter()
            .map(|crd| ApiKind {
                group: crd.group.clone(),
                kind: crd.kind.clone(),
                plural: crd.plural.clone(),
                singular: crd.singular.clone(),
                short_names: crd.short_names.clone(),
                categories: crd.categories.clone(),
                scope: crd.scope,
                webhook_conversion: crd.webhook_conversion,
                versions: crd
                    .versions
                    .iter()
                    .map(|v| ApiVersion {
                        model: crd.model(v),
                        served: v.served,
                        storage: v.storage,
                        schema: v.schema.clone(),
                        line: v.line,
                    })
                    .collect(),
                file: crd.file.clone(),
                line: crd.line,
                names_line: crd.names_line,
            })
            .collect();
        Api { kinds }
    }

    /// The kinds of derive-declared types: each model with its object schema (what
    /// [`crate::crd::write_crds`] takes). Versions of one group and kind are one kind; unlike
    /// CRD YAML, models carry verbs and connect subresources, which are compared too.
    pub fn from_models(name: &str, models: &[(ResourceModel, Value)]) -> Api {
        let mut api = Api::default();
        for (model, schema) in models {
            let version = ApiVersion {
                model: model.clone(),
                served: true,
                storage: model.storage_version.is_none(),
                schema: node_from_json(schema),
                line: 0,
            };
            if let Some(kind) = api
                .kinds
                .iter_mut()
                .find(|k| k.group == *model.group && k.kind == *model.kind)
            {
                kind.versions.push(version);
                continue;
            }
            api.kinds.push(ApiKind {
                group: model.group.to_string(),
                kind: model.kind.to_string(),
                plural: model.plural.to_string(),
                singular: model.singular.to_string(),
                short_names: model.short_names.iter().map(|s| s.to_string()).collect(),
                categories: model.categories.iter().map(|s| s.to_string()).collect(),
                scope: model.scope,
                webhook_conversion: false,
                versions: vec![version],
                file: name.to_string(),
                line: 0,
                names_line: 0,
            });
        }
        api
    }

    /// The kinds of the CRDs in `text`, the contents of `file`.
    pub fn from_yaml(file: &str, text: &str) -> Result<Api> {
        Ok(Api::from_crds(&read_crd_definitions(file, text)?))
    }

    /// The kinds of the CRDs in a file, in the `.yaml`/`.yml` files of a folder (not its
    /// subfolders, as [`crate::Builder`] reads them), or on standard input for `-`.
    pub fn read_path(path: &Path) -> Result<Api> {
        if path == Path::new("-") {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::io("<stdin>", &e))?;
            return Api::from_yaml("<stdin>", &text);
        }
        let mut api = Api::default();
        for file in yaml_files(path)? {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, &e))?;
            api.kinds
                .extend(Api::from_yaml(&file.display().to_string(), &text)?.kinds);
        }
        Ok(api)
    }
}

/// `path` when it is a file, else the `.yaml`/`.yml` files in it, sorted.
pub(crate) fn yaml_files(path: &Path) -> Result<Vec<std::path::PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, &e))? {
        let file = entry.map_err(|e| Error::io(path, &e))?.path();
        if is_yaml(&file.to_string_lossy()) && file.is_file() {
            found.push(file);
        }
    }
    found.sort();
    Ok(found)
}

/// Whether a file name ends in `.yaml` or `.yml`.
pub(crate) fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// A JSON value as a YAML node without lines, so that models and CRDs compare alike.
pub fn node_from_json(value: &Value) -> Node {
    let value = match value {
        Value::Null => NodeValue::Null,
        Value::Bool(b) => NodeValue::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => NodeValue::Int(i),
            (None, Some(u)) => NodeValue::UInt(u),
            _ => NodeValue::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => NodeValue::String(s.clone()),
        Value::Array(items) => NodeValue::Seq(items.iter().map(node_from_json).collect()),
        Value::Object(map) => NodeValue::Map(
            map.iter()
                .map(|(k, v)| (k.clone(), node_from_json(v)))
                .collect(),
        ),
    };
    Node { line: 0, value }
}
