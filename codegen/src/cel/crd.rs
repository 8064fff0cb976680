//! The rules of a CustomResourceDefinition read from YAML, checked as kube-apiserver checks
//! them when the CRD is created, with the file and line of each refused rule: what
//! `krest routes`, `krest new` and build.rs ([`crate::Builder::read`]) report.

use serde_json::Value as Json;

use super::schema::{child_cardinality, node_rules};
use super::{cost_message, PER_SCHEMA_COST_LIMIT};
use crate::crd::{Crd, CrdVersion};
use crate::yaml::Node;
use crate::{Error, Result};

/// Checks every rule of every version of `crd`: the first refused one is the error
/// (`schemas/route.yaml:42: spec.versions[0].schema.openAPIV3Schema.properties[spec]
/// .x-kubernetes-validations[0].rule: compilation failed: ... (rule: self.x > 0)`).
pub fn check_crd(crd: &Crd) -> Result<()> {
    for version in &crd.versions {
        check_version(&crd.file, version)?;
    }
    Ok(())
}

fn check_version(file: &str, version: &CrdVersion) -> Result<()> {
    let root = version.schema_path();
    let mut total = 0u64;
    walk(file, &version.schema, 1, &root, 0, &mut total)?;
    if total > PER_SCHEMA_COST_LIMIT {
        return Err(Error::new(
            file,
            version.schema.line,
            root,
            cost_message(
                "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                total,
                PER_SCHEMA_COST_LIMIT,
            ),
        ));
    }
    Ok(())
}

fn walk(
    file: &str,
    node: &Node,
    cardinality: u64,
    path: &str,
    depth: usize,
    total: &mut u64,
) -> Result<()> {
    if depth > 128 {
        return Ok(());
    }
    let json = || {
        node.to_json()
            .map_err(|m| Error::new(file, node.line, path, m))
    };
    if let Some(entries) = node.get("x-kubernetes-validations") {
        let schema = json()?;
        let rules = node_rules(&schema, cardinality, path);
        if let Some(problem) = rules.problems.into_iter().next() {
            let entry = entries.as_seq().and_then(|e| e.get(problem.index));
            let line = entry
                .and_then(|e| e.get("rule").or(Some(e)))
                .map_or(node.line, |n| n.line);
            let path = problem.path.clone();
            let message = if problem.rule.is_empty() {
                problem.message
            } else {
                format!("{} (rule: {})", problem.message, problem.rule.trim())
            };
            return Err(Error::new(file, line, path, message));
        }
        *total = total.saturating_add(rules.cost);
    }
    if let Some(properties) = node.get("properties").and_then(Node::as_map) {
        for (name, sub) in properties {
            walk(
                file,
                sub,
                cardinality,
                &format!("{path}.properties.{name}"),
                depth + 1,
                total,
            )?;
        }
    }
    let counted = |json: &Json| child_cardinality(json, cardinality);
    if let Some(items) = node.get("items") {
        let c = counted(&bounds(node));
        walk(file, items, c, &format!("{path}.items"), depth + 1, total)?;
    }
    if let Some(additional) = node
        .get("additionalProperties")
        .filter(|a| a.as_map().is_some())
    {
        let c = counted(&bounds(node));
        walk(
            file,
            additional,
            c,
            &format!("{path}.additionalProperties"),
            depth + 1,
            total,
        )?;
    }
    Ok(())
}

/// The keys of `node` that its children's cardinality depends on, as JSON.
fn bounds(node: &Node) -> Json {
    let mut out = serde_json::Map::new();
    for key in ["type", "maxItems", "maxProperties"] {
        if let Some(value) = node.get(key).and_then(|v| v.to_json().ok()) {
            out.insert(key.into(), value);
        }
    }
    // The items' whole schema: their smallest size counts their required properties.
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = node.get(key).and_then(|v| v.to_json().ok()) {
            out.insert(key.into(), sub);
        }
    }
    Json::Object(out)
}
