//! Every rule of a schema, compiled at its place with apiextensions' checks: each rule's own
//! cost times how many times it may run on one object, and the schema's total.

use serde_json::Value as Json;

use super::check::min_serialized_size;
use super::MAX_REQUEST_BYTES;
use super::{cost_message, Program, Rule, PER_SCHEMA_COST_LIMIT};

/// A rule refused, with its place in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, as kube-apiserver names it: `openAPIV3Schema.properties[spec]
    /// .x-kubernetes-validations[0].rule`.
    pub path: String,
    /// The rule's expression (empty for the schema's total).
    pub rule: String,
    /// The rule's index in its node's `x-kubernetes-validations`.
    pub index: usize,
    /// Why.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rule.is_empty() {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(f, "{}: {} (rule: {})", self.path, self.message, self.rule)
        }
    }
}

/// The compiled rules of one schema node.
#[derive(Debug, Default)]
pub struct NodeRules {
    /// The rules that compiled.
    pub programs: Vec<Program>,
    /// The rules that did not.
    pub problems: Vec<Problem>,
    /// Their estimated cost on one object: each rule's cost times `cardinality`.
    pub cost: u64,
}

/// Compiles the rules of `node`, which may be evaluated `cardinality` times on one object, at
/// `path` (for problems).
pub fn node_rules(node: &Json, cardinality: u64, path: &str) -> NodeRules {
    let cardinality = effective_cardinality(node, cardinality);
    let mut out = NodeRules::default();
    let Some(entries) = node
        .get("x-kubernetes-validations")
        .and_then(Json::as_array)
    else {
        return out;
    };
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{path}.x-kubernetes-validations[{i}]");
        let Some(rule) = Rule::from_json(entry) else {
            out.problems.push(Problem {
                path: format!("{at}.rule"),
                rule: String::new(),
                index: i,
                message: "Required value".into(),
            });
            continue;
        };
        match Program::compile(&rule, node, cardinality) {
            Ok(program) => {
                out.cost = out
                    .cost
                    .saturating_add(program.cost.saturating_mul(cardinality));
                out.programs.push(program);
            }
            Err(e) => out.problems.push(Problem {
                path: format!("{at}.{}", e.field),
                rule: rule.rule.clone(),
                index: i,
                message: e.message,
            }),
        }
    }
    super::direct::share_fields(out.programs.iter_mut().filter_map(|p| p.direct.as_mut()));
    out
}

/// The cardinality of a node under a list or map without `maxItems` (`maxProperties`):
/// [`node_rules`] then bounds it by how many of the node fit in a request.
pub const UNBOUNDED: u64 = u64::MAX;

/// How many times a rule on the items (or values) of `node` may run on one object: the
/// product of `maxItems` (`maxProperties`) down from the root, or [`UNBOUNDED`] below a list
/// or map without one, as kube-apiserver counts it.
pub fn child_cardinality(node: &Json, cardinality: u64) -> u64 {
    let key = match node.get("type").and_then(Json::as_str) {
        Some("array") => "maxItems",
        _ => "maxProperties",
    };
    match node.get(key).and_then(Json::as_u64) {
        Some(bound) if cardinality != UNBOUNDED => cardinality.saturating_mul(bound.max(1)),
        _ => UNBOUNDED,
    }
}

/// A node's cardinality as a rule's cost is multiplied by: the bounded product, or, below an
/// unbounded list or map, how many values of the node fit in a request (kube-apiserver's
/// `maxCardinality` of the node's smallest serialized size).
fn effective_cardinality(node: &Json, cardinality: u64) -> u64 {
    if cardinality != UNBOUNDED {
        return cardinality;
    }
    MAX_REQUEST_BYTES / (min_serialized_size(node) + 1)
}

/// Compiles every rule of `schema` (a CRD's `openAPIV3Schema`, or a kind's schema) and checks
/// the total cost: what kube-apiserver refuses when the CRD is created.
pub fn check_rules(schema: &Json) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut total = 0u64;
    walk(schema, 1, "openAPIV3Schema", 0, &mut problems, &mut total);
    if total > PER_SCHEMA_COST_LIMIT {
        problems.push(Problem {
            path: "openAPIV3Schema".into(),
            rule: String::new(),
            index: 0,
            message: cost_message(
                "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                total,
                PER_SCHEMA_COST_LIMIT,
            ),
        });
    }
    problems
}

fn walk(
    node: &Json,
    cardinality: u64,
    path: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
    total: &mut u64,
) {
    if depth > 128 {
        return;
    }
    let rules = node_rules(node, cardinality, path);
    problems.extend(rules.problems);
    *total = total.saturating_add(rules.cost);
    if let Some(properties) = node.get("properties").and_then(Json::as_object) {
        for (name, sub) in properties {
            walk(
                sub,
                cardinality,
                &format!("{path}.properties[{name}]"),
                depth + 1,
                problems,
                total,
            );
        }
    }
    if let Some(items) = node.get("items") {
        let c = child_cardinality(node, cardinality);
        walk(
            items,
            c,
            &format!("{path}.items"),
            depth + 1,
            problems,
            total,
        );
    }
    if let Some(additional) = node.get("additionalProperties").filter(|a| a.is_object()) {
        let c = child_cardinality(node, cardinality);
        walk(
            additional,
            c,
            &format!("{path}.additionalProperties"),
            depth + 1,
            problems,
            total,
        );
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(branches) = node.get(key).and_then(Json::as_array) {
            for (i, branch) in branches.iter().enumerate() {
                if branch.get("x-kubernetes-validations").is_some() {
                    problems.push(Problem {
                        path: format!("{path}.{key}[{i}].x-kubernetes-validations"),
                        rule: String::new(),
                        index: 0,
                        message: "Forbidden: x-kubernetes-validations is not allowed in allOf, anyOf, oneOf or not".into(),
                    });
                }
            }
        }
    }
}
