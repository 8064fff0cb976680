//! The versions of CRDs converted in Rust: for each version of a CRD whose conversion strategy
//! is `Webhook` (other than its storage version), the fields that differ from the storage
//! version's, and the user's conversion file `krest new` writes once (`src/conversion.rs`:
//! one `krest::Convert` implementation per version, field by field until the user says
//! otherwise).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::crd::Crd;
use crate::error::Result;
use crate::schema::module_stem;

/// The file of a generated crate where its conversions live; `krest new` writes it once and
/// never again.
pub const USER_FILE: &str = "src/conversion.rs";

/// One version that converts to and from its storage version (the hub).
#[derive(Clone, Debug, PartialEq)]
pub struct VersionPair {
    /// The CRD's group.
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The converting version.
    pub version: String,
    /// The storage version.
    pub hub: String,
    /// The CRD's file, for messages.
    pub file: String,
    /// JSON paths (`.spec.className`) only the converting version has.
    pub only_here: Vec<String>,
    /// JSON paths only the storage version has.
    pub only_in_hub: Vec<String>,
    /// JSON paths both have, with different types: (path, here, in the hub).
    pub retyped: Vec<(String, String, String)>,
}

impl VersionPair {
    /// Whether the two versions have the same fields of the same types (the default
    /// conversion is then exact).
    pub fn same_fields(&self) -> bool {
        self.only_here.is_empty() && self.only_in_hub.is_empty() && self.retyped.is_empty()
    }

    /// The differences, one line each (`only in v1beta1: .spec.a, .spec.b`); none when the
    /// fields agree.
    pub fn differences(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.only_here.is_empty() {
            lines.push(format!(
                "only in {}: {}",
                self.version,
                self.only_here.join(", ")
            ));
        }
        if !self.only_in_hub.is_empty() {
            lines.push(format!(
                "only in {}: {}",
                self.hub,
                self.only_in_hub.join(", ")
            ));
        }
        for (path, here, hub) in &self.retyped {
            lines.push(format!(
                "{path}: {here} in {}, {hub} in {}",
                self.version, self.hub
            ));
        }
        lines
    }
}

/// Every version of `crds` that converts (its CRD's strategy is `Webhook` and it is not the
/// storage version), with the fields that differ from the storage version's.
pub fn version_pairs(crds: &[Crd]) -> Result<Vec<VersionPair>> {
    let mut pairs = Vec::new();
    for crd in crds.iter().filter(|c| c.webhook_conversion) {
        let Some(hub) = crd.storage_version() else {
            continue;
        };
        let hub_fields = fields_of(&hub.schema_json(&crd.file)?);
        for version in crd.versions.iter().filter(|v| v.name != hub.name) {
            let here = fields_of(&version.schema_json(&crd.file)?);
            let only = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
                let paths: Vec<&String> = a.keys().filter(|p| !b.contains_key(*p)).collect();
                // A field whose parent is listed already is not listed again.
                paths
                    .iter()
                    .filter(|p| !paths.iter().any(|q| is_under(p, q)))
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
            };
            let retyped = here
                .iter()
                .filter_map(|(path, ty)| {
                    let hub_ty = hub_fields.get(path)?;
                    (hub_ty != ty).then(|| (path.clone(), ty.clone(), hub_ty.clone()))
                })
                .collect();
            pairs.push(VersionPair {
                group: crd.group.clone(),
                kind: crd.kind.clone(),
                version: version.name.clone(),
                hub: hub.name.clone(),
                file: crd.file.clone(),
                only_here: only(&here, &hub_fields),
                only_in_hub: only(&hub_fields, &here),
                retyped,
            });
        }
    }
    Ok(pairs)
}

/// Whether `path` is below `parent` (`.spec.a.b` below `.spec.a`, `.spec.a[]` below `.spec.a`).
fn is_under(path: &str, parent: &str) -> bool {
    path.len() > parent.len()
        && path.starts_with(parent)
        && matches!(path.as_bytes()[parent.len()], b'.' | b'[')
}

/// The fields of an object schema by JSON path (`.spec.replicas`, `.spec.ports[].name`,
/// `.spec.labels.*`), each with its type; `apiVersion`, `kind` and `metadata` left out.
fn fields_of(schema: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, node) in properties {
            if !matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
                walk(node, format!(".{name}"), &mut out);
            }
        }
    }
    out
}

fn walk(node: &Value, path: String, out: &mut BTreeMap<String, String>) {
    let ty = if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        "int-or-string"
    } else {
        node.get("type").and_then(Value::as_str).unwrap_or("any")
    };
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            walk(child, format!("{path}.{name}"), out);
        }
    }
    if let Some(items) = node.get("items") {
        walk(items, format!("{path}[]"), out);
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        walk(values, format!("{path}.*"), out);
    }
    out.insert(path, ty.to_string());
}

/// The text of [`USER_FILE`] for `pairs`: one `krest::Convert` implementation per converting
/// version, field by field, each preceded by the fields that differ.
pub fn render_user_file(pairs: &[VersionPair]) -> String {
    let mut out = String::from(
        "//! Conversion between the versions of the CRDs in `schemas/` whose conversion strategy is\n\
         //! `Webhook`: each version but the storage version converts to and from it\n\
         //! (`krest::Convert`; see krest's docs/conversion.md). Every read, write, list and watch\n\
         //! through that version goes through these functions.\n\
         //!\n\
         //! Written once by `krest new`: this file is yours, and regenerating never overwrites it.\n\
         //! The default, `by_field_names`, converts field by field where names and types agree;\n\
         //! what one version lacks krest keeps for it (an annotation), so nothing is lost in a\n\
         //! round trip. Replace it where fields differ. A version added to a CRD later needs an\n\
         //! `impl` here too: the build names the one missing.\n\n\
         use krest::conversion::by_field_names;\n\
         use krest::{Convert, Status};\n",
    );
    for pair in pairs {
        let module = module_stem(&pair.group, &pair.version);
        let hub = module_stem(&pair.group, &pair.hub);
        let _ = write!(
            out,
            "\n/// `{}` `{}`: `{}` to and from `{}`, the storage version (from `{}`).\n",
            pair.group,
            pair.kind,
            pair.version,
            pair.hub,
            crate::schema::file_name(&pair.file)
        );
        if pair.same_fields() {
            out.push_str("/// Their fields agree: the default conversion is exact.\n");
        } else {
            out.push_str("///\n/// Fields that differ:\n");
            for line in pair.differences() {
                let _ = writeln!(out, "/// - {line}");
            }
        }
        let _ = write!(
            out,
            "impl Convert for crate::{module}::{kind} {{\n    \
                 type Hub = crate::{hub}::{kind};\n\n    \
                 fn into_hub(self) -> Result<Self::Hub, Status> {{\n        \
                     by_field_names(self)\n    \
                 }}\n\n    \
                 fn from_hub(hub: Self::Hub) -> Result<Self, Status> {{\n        \
                     by_field_names(hub)\n    \
                 }}\n\
             }}\n",
            kind = pair.kind
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_by_path_with_their_types() {
        let schema = json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"},
            "spec": {"type": "object", "properties": {
                "ports": {"type": "array", "items": {"type": "object", "properties": {
                    "port": {"x-kubernetes-int-or-string": true}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            }},
        }});
        let fields = fields_of(&schema);
        assert_eq!(
            fields.into_iter().collect::<Vec<_>>(),
            [
                (".spec", "object"),
                (".spec.labels", "object"),
                (".spec.labels.*", "string"),
                (".spec.ports", "array"),
                (".spec.ports[]", "object"),
                (".spec.ports[].port", "int-or-string"),
            ]
            .map(|(p, t)| (p.to_string(), t.to_string()))
        );
        assert!(is_under(".spec.a.b", ".spec.a"));
        assert!(is_under(".spec.a[]", ".spec.a"));
        assert!(!is_under(".spec.ab", ".spec.a"));
    }
}
