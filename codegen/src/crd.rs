//! Reads `apiextensions.k8s.io/v1` CustomResourceDefinitions into [`Crd`]s: the names, scope and
//! versions (with their schemas, subresources, printer columns and selectable fields) that the
//! generators and `krest routes` need. Everything unsupported is an error naming the file, the
//! line and the path of what is wrong.
//!
//! # Example
//!
//! ```
//! let yaml = r#"
//! apiVersion: apiextensions.k8s.io/v1
//! kind: CustomResourceDefinition
//! metadata: {name: gadgets.demo.krest.dev}
//! spec:
//!   group: demo.krest.dev
//!   names: {kind: Gadget, plural: gadgets, singular: gadget}
//!   scope: Cluster
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
//! let crds = krest_codegen::read_crds("gadget.yaml", yaml)?;
//! let model = crds[0].model(&crds[0].versions[0]);
//! assert_eq!(model.prefix(), "/apis/demo.krest.dev/v1");
//! assert!(!model.namespaced());
//! # Ok::<(), krest_codegen::Error>(())
//! ```

use serde_json::Value;

use crate::check::{check, Field};
use crate::error::{Error, Result};
use crate::model::{List, PrinterColumn, ResourceModel, Scale, Scope, Str, PRINTER_COLUMN_TYPES};
use crate::yaml::{parse_documents, Node};

/// One CustomResourceDefinition.
#[derive(Clone, Debug, PartialEq)]
pub struct Crd {
    /// The file it was read from.
    pub file: String,
    /// The line its document starts on.
    pub line: u64,
    /// The line of `spec.names`.
    pub names_line: u64,
    /// `metadata.name`: `<plural>.<group>`.
    pub name: String,
    /// `spec.group`.
    pub group: String,
    /// `spec.names.kind`.
    pub kind: String,
    /// `spec.names.plural`.
    pub plural: String,
    /// `spec.names.singular` (the lower-case kind when not given).
    pub singular: String,
    /// `spec.names.listKind` (`<kind>List` when not given).
    pub list_kind: String,
    /// `spec.names.shortNames`.
    pub short_names: Vec<String>,
    /// `spec.names.categories`.
    pub categories: Vec<String>,
    /// `spec.scope`.
    pub scope: Scope,
    /// `spec.versions`, in document order.
    pub versions: Vec<CrdVersion>,
    /// `spec.conversion.strategy` is `Webhook`: a webhook converts between versions. krest
    /// serves every served version of such a CRD, each converting to and from the storage
    /// version in Rust (`krest::Convert`: field by field by default), and warns.
    pub webhook_conversion: bool,
    /// What kube-apiserver accepts in this CRD but krest has an opinion on: a short name that
    /// repeats the singular, a printer column named twice, a webhook conversion krest does not
    /// call. Printed as warnings (`cargo:warning` in a build script).
    pub warnings: Vec<Error>,
}

/// One entry of a CRD's `spec.versions`.
#[derive(Clone, Debug, PartialEq)]
pub struct CrdVersion {
    /// Its index in `spec.versions`, for error paths.
    pub index: usize,
    /// The line of its entry in `spec.versions`.
    pub line: u64,
    /// `name`: `v1`, `v1beta1`.
    pub name: String,
    /// `served`: whether the version's routes exist.
    pub served: bool,
    /// `storage`: whether objects are stored in this version (exactly one is).
    pub storage: bool,
    /// `deprecated`.
    pub deprecated: bool,
    /// `deprecationWarning`.
    pub deprecation_warning: Option<String>,
    /// `schema.openAPIV3Schema`, as parsed (lines kept for errors).
    pub schema: Node,
    /// `subresources.status` is set.
    pub status: bool,
    /// `subresources.scale`.
    pub scale: Option<Scale>,
    /// `additionalPrinterColumns`.
    pub printer_columns: Vec<PrinterColumn>,
    /// `selectableFields[].jsonPath`.
    pub selectable_fields: Vec<String>,
}

impl CrdVersion {
    /// The path of this version in its document: `spec.versions[1]`.
    pub fn path(&self) -> String {
        format!("spec.versions[{}]", self.index)
    }

    /// The path of its schema: `spec.versions[1].schema.openAPIV3Schema`.
    pub fn schema_path(&self) -> String {
        format!("{}.schema.openAPIV3Schema", self.path())
    }

    /// The schema as JSON, as it is served: the CRD's `openAPIV3Schema`, unchanged.
    pub fn schema_json(&self, file: &str) -> Result<Value> {
        self.schema
            .to_json()
            .map_err(|m| Error::new(file, self.schema.line, self.schema_path(), m))
    }
}

impl Crd {
    /// The resource model of `version`: what the derive attributes generated for it say, and
    /// what [`actions`](crate::actions) turns into its routes.
    pub fn model(&self, version: &CrdVersion) -> ResourceModel {
        let mut model =
            ResourceModel::new(self.group.clone(), version.name.clone(), self.kind.clone());
        model.plural = self.plural.clone().into();
        model.singular = self.singular.clone().into();
        model.short_names = List::Owned(self.short_names.iter().cloned().map(Str::from).collect());
        model.categories = List::Owned(self.categories.iter().cloned().map(Str::from).collect());
        model.scope = self.scope;
        model.status = version.status;
        model.scale = version.scale.clone();
        model.printer_columns = List::Owned(version.printer_columns.clone());
        model.selectable_fields = version
            .selectable_fields
            .iter()
            .cloned()
            .map(Str::from)
            .collect();
        model.deprecated = version.deprecated;
        model.deprecation_warning = version.deprecation_warning.clone().map(Str::from);
        model.storage_version = self
            .storage_version()
            .filter(|storage| storage.name != version.name)
            .map(|storage| Str::from(storage.name.clone()));
        model
    }

    /// The served versions, in document order.
    pub fn served(&self) -> impl Iterator<Item = &CrdVersion> {
        self.versions.iter().filter(|v| v.served)
    }

    /// The storage version.
    pub fn storage_version(&self) -> Option<&CrdVersion> {
        self.versions.iter().find(|v| v.storage)
    }
}

/// Reads every CustomResourceDefinition in `text`, the contents of `file` (one or more YAML
/// documents). Anything that is not an `apiextensions.k8s.io/v1` CRD, or a CRD krest cannot
/// serve as written, is an error.
pub fn read_crds(file: &str, text: &str) -> Result<Vec<Crd>> {
    parse_documents(file, text)?
        .iter()
        .enumerate()
        .map(|(i, document)| read_crd(file, i, document, false))
        .collect()
}

/// Reads every CustomResourceDefinition of `file` as [`read_crds`] does, but goes on past a CRD
/// krest cannot serve: the CRDs read, and an error for each document refused (or one for the
/// whole file when it is not YAML). What `--keep-going` and [`Builder::keep_going`] use.
///
/// [`Builder::keep_going`]: crate::Builder::keep_going
pub fn read_crds_keep_going(file: &str, text: &str) -> (Vec<Crd>, Vec<Error>) {
    let documents = match parse_documents(file, text) {
        Ok(documents) => documents,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut crds = Vec::new();
    let mut errors = Vec::new();
    for (i, document) in documents.iter().enumerate() {
        match read_crd(file, i, document, false) {
            Ok(crd) => crds.push(crd),
            Err(e) => errors.push(e),
        }
    }
    (crds, errors)
}

/// Reads CustomResourceDefinitions as [`read_crds`] does, but also those krest cannot serve as
/// written while Kubernetes can: versions converted by a webhook (`spec.conversion.strategy:
/// Webhook`), and what krest's own checks of a model reject (a `scale` without `status`).
/// `krest diff` compares such definitions (the published CRDs of other servers).
pub fn read_crd_definitions(file: &str, text: &str) -> Result<Vec<Crd>> {
    parse_documents(file, text)?
        .iter()
        .enumerate()
        .map(|(i, document)| read_crd(file, i, document, true))
        .collect()
}

/// A node and where it is, for error messages.
#[derive(Clone, Copy)]
struct At<'a> {
    file: &'a str,
    node: &'a Node,
}

impl<'a> At<'a> {
    fn error(&self, path: &str, message: impl Into<String>) -> Error {
        Error::new(self.file, self.node.line, path, message)
    }

    fn at(&self, node: &'a Node) -> At<'a> {
        At {
            file: self.file,
            node,
        }
    }

    /// The mapping entry `key`, when present and not null.
    fn get(&self, path: &str, key: &str) -> Result<Option<(At<'a>, String)>> {
        if self.node.as_map().is_none() {
            return Err(self.error(
                path,
                format!("expected a mapping, found {}", self.node.describe()),
            ));
        }
        Ok(self
            .node
            .get(key)
            .filter(|n| !n.is_null())
            .map(|n| (self.at(n), join(path, key))))
    }

    fn require(&self, path: &str, key: &str) -> Result<(At<'a>, String)> {
        self.get(path, key)?
            .ok_or_else(|| self.error(path, format!("missing field `{key}`")))
    }

    fn string(&self, path: &str) -> Result<String> {
        self.node.as_str().map(str::to_string).ok_or_else(|| {
            self.error(
                path,
                format!("expected a string, found {}", self.node.describe()),
            )
        })
    }

    fn bool(&self, path: &str) -> Result<bool> {
        self.node.as_bool().ok_or_else(|| {
            self.error(
                path,
                format!("expected true or false, found {}", self.node.describe()),
            )
        })
    }

    fn seq(&self, path: &str) -> Result<Vec<(At<'a>, String)>> {
        let items = self.node.as_seq().ok_or_else(|| {
            self.error(
                path,
                format!("expected a sequence, found {}", self.node.describe()),
            )
        })?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, n)| (self.at(n), format!("{path}[{i}]")))
            .collect())
    }

    fn optional_string(&self, path: &str, key: &str) -> Result<Option<String>> {
        self.get(path, key)?.map(|(n, p)| n.string(&p)).transpose()
    }

    fn optional_bool(&self, path: &str, key: &str) -> Result<bool> {
        Ok(self
            .get(path, key)?
            .map(|(n, p)| n.bool(&p))
            .transpose()?
            .unwrap_or(false))
    }

    fn strings(&self, path: &str, key: &str) -> Result<Vec<String>> {
        match self.get(path, key)? {
            None => Ok(Vec::new()),
            Some((n, p)) => n.seq(&p)?.iter().map(|(n, p)| n.string(p)).collect(),
        }
    }
}

/// `a.b`, or `b` at the root.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn read_crd(file: &str, index: usize, document: &Node, definitions_only: bool) -> Result<Crd> {
    let doc = At {
        file,
        node: document,
    };
    let (api_version, p) = doc.require("", "apiVersion")?;
    let api_version_text = api_version.string(&p)?;
    let (kind, kp) = doc.require("", "kind")?;
    let kind_text = kind.string(&kp)?;
    if kind_text != "CustomResourceDefinition" {
        return Err(kind.error(
            &kp,
            format!("document {index} is a `{kind_text}`, not a CustomResourceDefinition"),
        ));
    }
    if api_version_text != "apiextensions.k8s.io/v1" {
        return Err(api_version.error(
            &p,
            format!(
                "unsupported `{api_version_text}`: krest reads `apiextensions.k8s.io/v1` CustomResourceDefinitions"
            ),
        ));
    }
    let name = match doc.get("", "metadata")? {
        Some((metadata, p)) => metadata.optional_string(&p, "name")?.unwrap_or_default(),
        None => String::new(),
    };
    let (spec, sp) = doc.require("", "spec")?;
    let (group_node, gp) = spec.require(&sp, "group")?;
    let group = group_node.string(&gp)?;
    if !group.contains('.') {
        return Err(group_node.error(
            &gp,
            format!(
                "a CRD's `group` must be a DNS subdomain with at least one dot, found `{group}`"
            ),
        ));
    }
    let (names, np) = spec.require(&sp, "names")?;
    let (kind_node, kind_path) = names.require(&np, "kind")?;
    let kind = kind_node.string(&kind_path)?;
    let (plural_node, plural_path) = names.require(&np, "plural")?;
    let plural = plural_node.string(&plural_path)?;
    let singular = names
        .optional_string(&np, "singular")?
        .unwrap_or_else(|| kind.to_lowercase());
    let short_names = names.strings(&np, "shortNames")?;
    let categories = names.strings(&np, "categories")?;
    let (scope_node, scope_path) = spec.require(&sp, "scope")?;
    let scope = match scope_node.string(&scope_path)?.as_str() {
        "Namespaced" => Scope::Namespaced,
        "Cluster" => Scope::Cluster,
        other => {
            return Err(scope_node.error(
                &scope_path,
                format!("`scope` must be `Namespaced` or `Cluster`, found `{other}`"),
            ))
        }
    };
    let mut warnings = Vec::new();
    let list_kind = names.optional_string(&np, "listKind")?;
    if let Some(list_kind) = &list_kind {
        let path = join(&np, "listKind");
        if *list_kind == kind {
            return Err(Error::new(
                file,
                find_line(document, &path),
                path,
                format!("`listKind` `{list_kind}`: kind and listKind may not be the same"),
            ));
        }
        if *list_kind != format!("{kind}List") {
            warnings.push(Error::new(
                file,
                find_line(document, &path),
                path,
                format!("`listKind` `{list_kind}` is not `{kind}List`: krest serves lists of `{kind}` as `{kind}List`"),
            ));
        }
    }
    let mut webhook_conversion = false;
    if let Some((conversion, cp)) = spec.get(&sp, "conversion")? {
        if let Some(strategy) = conversion.optional_string(&cp, "strategy")? {
            let path = join(&cp, "strategy");
            let webhook = conversion.get(&cp, "webhook")?;
            match (strategy.as_str(), &webhook) {
                ("None", None) => {}
                ("None", Some((node, wp))) => {
                    return Err(node.error(
                        wp,
                        "`webhook` should not be set when `strategy` is not `Webhook`",
                    ))
                }
                ("Webhook", None) => {
                    return Err(conversion.error(
                        &join(&cp, "webhook"),
                        "`webhook` is required when `strategy` is `Webhook`",
                    ))
                }
                ("Webhook", Some((node, wp))) => {
                    let versions = node.strings(wp, "conversionReviewVersions")?;
                    if !versions.iter().any(|v| v == "v1" || v == "v1beta1") {
                        return Err(node.error(
                            &join(wp, "conversionReviewVersions"),
                            "`conversionReviewVersions` must include at least one of `v1`, `v1beta1`",
                        ));
                    }
                    webhook_conversion = true;
                    warnings.push(Error::new(
                        file,
                        find_line(document, &path),
                        path,
                        "conversion strategy `Webhook`: krest calls no webhook; each version converts to and from the storage version in Rust, by default field by field where names and types agree (`krest new` lists the fields that differ and writes `src/conversion.rs` for them; docs/conversion.md)",
                    ));
                }
                (other, _) => {
                    return Err(Error::new(
                        file,
                        find_line(document, &path),
                        path,
                        format!("conversion strategy `{other}` is not one of `None`, `Webhook`"),
                    ))
                }
            }
        }
    }
    if spec.optional_bool(&sp, "preserveUnknownFields")? {
        return Err(spec.error(
            &join(&sp, "preserveUnknownFields"),
            "`preserveUnknownFields: true` is not supported: set `x-kubernetes-preserve-unknown-fields` in the schema instead",
        ));
    }
    let (versions_node, vp) = spec.require(&sp, "versions")?;
    let mut versions = Vec::new();
    for (i, (version, path)) in versions_node.seq(&vp)?.into_iter().enumerate() {
        versions.push(read_version(i, version, &path)?);
    }
    if versions.is_empty() {
        return Err(versions_node.error(&vp, "a CRD needs at least one version"));
    }
    let storage: Vec<_> = versions.iter().filter(|v| v.storage).collect();
    if storage.len() != 1 {
        return Err(versions_node.error(
            &vp,
            format!(
                "exactly one version must have `storage: true`, found {}",
                storage.len()
            ),
        ));
    }
    for (i, v) in versions.iter().enumerate() {
        if versions[..i].iter().any(|w| w.name == v.name) {
            return Err(
                versions_node.error(&v.path(), format!("version `{}` is listed twice", v.name))
            );
        }
    }
    let list_kind = list_kind.unwrap_or_else(|| format!("{kind}List"));
    let mut crd = Crd {
        file: file.to_string(),
        line: document.line,
        names_line: names.node.line,
        name,
        group,
        kind,
        plural,
        singular,
        list_kind,
        short_names,
        categories,
        scope,
        versions,
        webhook_conversion,
        warnings,
    };
    let mut model_warnings = Vec::new();
    for version in crd.versions.iter().filter(|_| !definitions_only) {
        let model = crd.model(version);
        for problem in check(&model) {
            let path = match problem.field {
                Field::Group => gp.clone(),
                Field::Version => join(&version.path(), "name"),
                Field::Kind => kind_path.clone(),
                Field::Plural => plural_path.clone(),
                Field::Singular => join(&np, "singular"),
                Field::ShortName(i) => format!("{np}.shortNames[{i}]"),
                Field::Category(i) => format!("{np}.categories[{i}]"),
                Field::Scale => format!("{}.subresources.scale", version.path()),
                Field::PrinterColumn(i) => {
                    format!("{}.additionalPrinterColumns[{i}]", version.path())
                }
                Field::SelectableField(i) => {
                    format!("{}.selectableFields[{i}].jsonPath", version.path())
                }
                Field::StorageVersion | Field::Verbs | Field::Connect(_) => version.path(),
            };
            let is_error = problem.is_error();
            let error = Error::new(file, find_line(document, &path), path, problem.message);
            if is_error {
                return Err(error);
            }
            // Names are checked once per version: warn once.
            if !model_warnings.contains(&error) {
                model_warnings.push(error);
            }
        }
    }
    crd.warnings.extend(model_warnings);
    let expected = format!("{}.{}", crd.plural, crd.group);
    if !crd.name.is_empty() && crd.name != expected {
        return Err(Error::new(
            file,
            find_line(document, "metadata.name"),
            "metadata.name",
            format!(
                "`metadata.name` must be `<plural>.<group>` (`{expected}`), found `{}`",
                crd.name
            ),
        ));
    }
    Ok(crd)
}

/// The line of the node at `path` (dotted keys and `[i]`) below `root`, or of the deepest
/// node on the way that exists.
fn find_line(root: &Node, path: &str) -> u64 {
    let mut node = root;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        match node.get(key) {
            Some(next) => node = next,
            None => return node.line,
        }
        for index in indexes
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse::<usize>().ok())
        {
            match node.as_seq().and_then(|items| items.get(index)) {
                Some(next) => node = next,
                None => return node.line,
            }
        }
    }
    node.line
}

fn read_version(index: usize, version: At<'_>, path: &str) -> Result<CrdVersion> {
    let (name_node, name_path) = version.require(path, "name")?;
    let name = name_node.string(&name_path)?;
    let served = version.optional_bool(path, "served")?;
    let storage = version.optional_bool(path, "storage")?;
    let deprecated = version.optional_bool(path, "deprecated")?;
    let deprecation_warning = version.optional_string(path, "deprecationWarning")?;
    let (schema, schema_path) = version.require(path, "schema")?;
    let (open_api, _) = schema.require(&schema_path, "openAPIV3Schema")?;
    let mut status = false;
    let mut scale = None;
    if let Some((subresources, sp)) = version.get(path, "subresources")? {
        if subresources.node.as_map().is_none() {
            return Err(subresources.error(&sp, "expected a mapping"));
        }
        status = subresources.node.get("status").is_some();
        if let Some((s, p)) = subresources.get(&sp, "scale")? {
            let (spec_node, spec_path) = s.require(&p, "specReplicasPath")?;
            let (status_node, status_path) = s.require(&p, "statusReplicasPath")?;
            scale = Some(Scale {
                spec_replicas_path: spec_node.string(&spec_path)?.into(),
                status_replicas_path: status_node.string(&status_path)?.into(),
                label_selector_path: s.optional_string(&p, "labelSelectorPath")?.map(Str::from),
            });
        }
        for (key, node) in subresources.node.as_map().unwrap_or_default() {
            if key != "status" && key != "scale" {
                return Err(subresources.at(node).error(
                    &join(&sp, key),
                    format!("unknown subresource `{key}`: a CRD has only `status` and `scale`"),
                ));
            }
        }
    }
    let mut printer_columns = Vec::new();
    if let Some((columns, cp)) = version.get(path, "additionalPrinterColumns")? {
        for (column, p) in columns.seq(&cp)? {
            printer_columns.push(read_column(column, &p)?);
        }
    }
    let mut selectable_fields = Vec::new();
    if let Some((fields, fp)) = version.get(path, "selectableFields")? {
        for (field, p) in fields.seq(&fp)? {
            let (json_path, jp) = field.require(&p, "jsonPath")?;
            let json_path_text = json_path.string(&jp)?;
            if !json_path_text.starts_with('.') {
                return Err(json_path.error(
                    &jp,
                    format!("`jsonPath` must start with `.`, found `{json_path_text}`"),
                ));
            }
            selectable_fields.push(json_path_text);
        }
    }
    Ok(CrdVersion {
        index,
        line: version.node.line,
        name,
        served,
        storage,
        deprecated,
        deprecation_warning,
        schema: open_api.node.clone(),
        status,
        scale,
        printer_columns,
        selectable_fields,
    })
}

fn read_column(column: At<'_>, path: &str) -> Result<PrinterColumn> {
    let (name, np) = column.require(path, "name")?;
    let (type_node, tp) = column.require(path, "type")?;
    let type_ = type_node.string(&tp)?;
    if !PRINTER_COLUMN_TYPES.contains(&type_.as_str()) {
        return Err(type_node.error(
            &tp,
            format!(
                "printer column type must be one of {}, found `{type_}`",
                PRINTER_COLUMN_TYPES.join(", ")
            ),
        ));
    }
    let (json_path, jp) = column.require(path, "jsonPath")?;
    let priority = match column.get(path, "priority")? {
        None => 0,
        Some((p, pp)) => p
            .node
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| p.error(&pp, "`priority` must be a 32-bit integer"))?,
    };
    Ok(PrinterColumn {
        name: name.string(&np)?.into(),
        type_: type_.into(),
        format: column
            .optional_string(path, "format")?
            .unwrap_or_default()
            .into(),
        json_path: json_path.string(&jp)?.into(),
        priority,
        description: column
            .optional_string(path, "description")?
            .unwrap_or_default()
            .into(),
    })
}

/// The CustomResourceDefinitions of derive-declared kinds, as YAML documents: the other way
/// from [`read_crds`], for `kubectl apply` on a real cluster. Each entry is a kind's model and
/// its object schema (what `Resource::schema` returns); versions of one group and kind become
/// one CRD, stored in the version without a `storage_version` (the first given when that does
/// not name exactly one).
///
/// # Example
///
/// ```
/// use krest_codegen::ResourceModel;
///
/// let model = ResourceModel::new("demo.krest.dev", "v1", "Gadget");
/// let schema = serde_json::json!({"type": "object", "properties": {"spec": {"type": "object"}}});
/// let yaml = krest_codegen::crd::write_crds(&[(model.clone(), schema)])?;
/// let crds = krest_codegen::read_crds("gadget.yaml", &yaml)?;
/// assert_eq!(crds[0].model(&crds[0].versions[0]), model);
/// # Ok::<(), krest_codegen::Error>(())
/// ```
pub fn write_crds(kinds: &[(ResourceModel, Value)]) -> Result<String> {
    use serde_json::json;
    let mut crds: Vec<(String, String, Value)> = Vec::new();
    for (model, schema) in kinds {
        let mut version = json!({
            "name": &*model.version,
            "served": true,
            "storage": model.storage_version.is_none(),
            "schema": {"openAPIV3Schema": schema},
        });
        if model.deprecated {
            version["deprecated"] = json!(true);
            if let Some(warning) = &model.deprecation_warning {
                version["deprecationWarning"] = json!(&**warning);
            }
        }
        if !model.selectable_fields.is_empty() {
            version["selectableFields"] = model
                .selectable_fields
                .iter()
                .map(|path| json!({"jsonPath": &**path}))
                .collect();
        }
        if model.status || model.scale.is_some() {
            let mut subresources = serde_json::Map::new();
            if model.status {
                subresources.insert("status".into(), json!({}));
            }
            if let Some(scale) = &model.scale {
                let mut s = json!({
                    "specReplicasPath": &*scale.spec_replicas_path,
                    "statusReplicasPath": &*scale.status_replicas_path,
                });
                if let Some(selector) = &scale.label_selector_path {
                    s["labelSelectorPath"] = json!(&**selector);
                }
                subresources.insert("scale".into(), s);
            }
            version["subresources"] = Value::Object(subresources);
        }
        if !model.printer_columns.is_empty() {
            let columns: Vec<Value> = model
                .printer_columns
                .iter()
                .map(|c| {
                    let mut column = json!({
                        "name": &*c.name,
                        "type": &*c.type_,
                        "jsonPath": &*c.json_path,
                    });
                    if !c.format.is_empty() {
                        column["format"] = json!(&*c.format);
                    }
                    if !c.description.is_empty() {
                        column["description"] = json!(&*c.description);
                    }
                    if c.priority != 0 {
                        column["priority"] = json!(c.priority);
                    }
                    column
                })
                .collect();
            version["additionalPrinterColumns"] = Value::Array(columns);
        }
        if let Some((_, _, crd)) = crds
            .iter_mut()
            .find(|(g, k, _)| *g == *model.group && *k == *model.kind)
        {
            if let Some(versions) = crd["spec"]["versions"].as_array_mut() {
                versions.push(version);
            }
            continue;
        }
        let mut names = json!({
            "kind": &*model.kind,
            "listKind": format!("{}List", model.kind),
            "plural": &*model.plural,
            "singular": &*model.singular,
        });
        if !model.short_names.is_empty() {
            names["shortNames"] = json!(model.short_names.iter().map(|s| &**s).collect::<Vec<_>>());
        }
        if !model.categories.is_empty() {
            names["categories"] = json!(model.categories.iter().map(|s| &**s).collect::<Vec<_>>());
        }
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": model.qualified_resource()},
            "spec": {
                "group": &*model.group,
                "names": names,
                "scope": if model.namespaced() { "Namespaced" } else { "Cluster" },
                "versions": [version],
            },
        });
        crds.push((model.group.to_string(), model.kind.to_string(), crd));
    }
    for (_, _, crd) in &mut crds {
        if let Some(versions) = crd["spec"]["versions"].as_array_mut() {
            if versions
                .iter()
                .filter(|v| v["storage"] == json!(true))
                .count()
                != 1
            {
                for (i, version) in versions.iter_mut().enumerate() {
                    version["storage"] = json!(i == 0);
                }
            }
        }
    }
    let mut out = String::new();
    for (_, _, crd) in &crds {
        let text = serde_saphyr::to_string(crd)
            .map_err(|e| Error::new("<crd>", 0, "", format!("writing YAML failed: {e}")))?;
        out.push_str("---\n");
        out.push_str(&text);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}
