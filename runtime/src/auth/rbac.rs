//! RBAC from a policy file (`--authorization-policy-file`): `rbac.authorization.k8s.io/v1`
//! Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, matched exactly as kube-apiserver's
//! RBAC authorizer matches them, plus Kubernetes' bootstrap policy for discovery, health,
//! `SelfSubjectAccessReview` and `system:masters`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::authorizer::{Attributes, Authorizer, Decision};
use super::user::{AUTHENTICATED, MASTERS, UNAUTHENTICATED};
use super::{RequestInfo, UserInfo};

const API_VERSION: &str = "rbac.authorization.k8s.io/v1";

/// Why a policy could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PolicyError {
    /// The file, or `policy` for text.
    file: String,
    /// What is wrong, and in which document.
    message: String,
}

/// A `PolicyRule`.
#[derive(Clone, Debug, Default)]
struct Rule {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    resource_names: Vec<String>,
    non_resource_urls: Vec<String>,
}

impl Rule {
    /// kube-apiserver's `RuleAllows`.
    fn allows(&self, r: &RequestInfo) -> bool {
        let verb = has(&self.verbs, &r.verb);
        if !r.is_resource_request {
            return verb
                && self
                    .non_resource_urls
                    .iter()
                    .any(|u| url_matches(u, &r.path));
        }
        let combined;
        let resource = if r.subresource.is_empty() {
            &r.resource
        } else {
            combined = format!("{}/{}", r.resource, r.subresource);
            &combined
        };
        verb && has(&self.api_groups, &r.api_group)
            && self.resources.iter().any(|rule| {
                rule == "*"
                    || rule == resource
                    || (!r.subresource.is_empty()
                        && rule.strip_prefix("*/") == Some(r.subresource.as_str()))
            })
            && (self.resource_names.is_empty() || self.resource_names.contains(&r.name))
    }
}

/// `*` or an exact match.
fn has(list: &[String], wanted: &str) -> bool {
    list.iter().any(|v| v == "*" || v == wanted)
}

/// `*`, an exact match, or a prefix ending in `*`.
fn url_matches(rule: &str, path: &str) -> bool {
    rule == "*"
        || rule == path
        || rule
            .strip_suffix('*')
            .is_some_and(|prefix| path.starts_with(prefix))
}

/// A binding's subject.
#[derive(Clone, Debug)]
enum Subject {
    User(String),
    Group(String),
    /// `system:serviceaccount:{namespace}:{name}`.
    ServiceAccount(String),
}

impl Subject {
    fn covers(&self, user: &UserInfo) -> bool {
        match self {
            Subject::User(name) | Subject::ServiceAccount(name) => *name == user.name,
            Subject::Group(group) => user.groups.iter().any(|g| g == group),
        }
    }
}

/// A RoleBinding (with its namespace) or a ClusterRoleBinding (without).
#[derive(Clone, Debug)]
struct Binding {
    namespace: Option<String>,
    subjects: Vec<Subject>,
    /// `true` for a ClusterRole.
    cluster_role: bool,
    role: String,
}

/// The RBAC authorizer.
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    roles: HashMap<(String, String), Vec<Rule>>,
    cluster_roles: HashMap<String, Vec<Rule>>,
    bindings: Vec<Binding>,
}

impl Rbac {
    /// Kubernetes' bootstrap policy alone: discovery, `/openapi`, `/version` and health for
    /// authenticated users, `/version` and health for anonymous ones, `SelfSubjectAccessReview`
    /// and `SelfSubjectRulesReview` for authenticated users, everything for `system:masters`.
    pub fn empty() -> Rbac {
        let mut rbac = Rbac::default();
        let rule = |verbs: &[&str], urls: &[&str]| Rule {
            verbs: strings(verbs),
            non_resource_urls: strings(urls),
            ..Rule::default()
        };
        let health = ["/healthz", "/livez", "/readyz", "/version", "/version/"];
        let mut discovery = vec![
            "/api",
            "/api/*",
            "/apis",
            "/apis/*",
            "/openapi",
            "/openapi/*",
        ];
        discovery.extend(health);
        rbac.bootstrap(
            "system:discovery",
            vec![rule(&["get"], &discovery)],
            &[AUTHENTICATED],
        );
        rbac.bootstrap(
            "system:public-info-viewer",
            vec![rule(&["get"], &health)],
            &[AUTHENTICATED, UNAUTHENTICATED],
        );
        rbac.bootstrap(
            "system:basic-user",
            vec![Rule {
                verbs: strings(&["create"]),
                api_groups: strings(&["authorization.k8s.io"]),
                resources: strings(&["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                ..Rule::default()
            }],
            &[AUTHENTICATED],
        );
        rbac.bootstrap(
            "cluster-admin",
            vec![
                Rule {
                    verbs: strings(&["*"]),
                    api_groups: strings(&["*"]),
                    resources: strings(&["*"]),
                    ..Rule::default()
                },
                rule(&["*"], &["*"]),
            ],
            &[MASTERS],
        );
        rbac
    }

    fn bootstrap(&mut self, name: &str, rules: Vec<Rule>, groups: &[&str]) {
        self.cluster_roles.insert(name.to_string(), rules);
        self.bindings.push(Binding {
            namespace: None,
            subjects: groups
                .iter()
                .map(|g| Subject::Group(g.to_string()))
                .collect(),
            cluster_role: true,
            role: name.to_string(),
        });
    }

    /// Reads a policy file.
    pub fn load(path: &Path) -> Result<Rbac, PolicyError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            file: source.clone(),
            message: e.to_string(),
        })?;
        Rbac::parse(&text, source)
    }

    /// Reads a policy from YAML: documents separated by `---`, each a Role, ClusterRole,
    /// RoleBinding, ClusterRoleBinding or a `List` of them.
    pub fn from_yaml(text: &str) -> Result<Rbac, PolicyError> {
        Rbac::parse(text, "policy".to_string())
    }

    fn parse(text: &str, source: String) -> Result<Rbac, PolicyError> {
        let fail = |message: String| PolicyError {
            file: source.clone(),
            message,
        };
        let documents: Vec<Option<Value>> =
            serde_saphyr::from_str_multiple_with_options(text, serde_saphyr::Options::default())
                .map_err(|e| fail(format!("not YAML: {e}")))?;
        let mut rbac = Rbac::empty();
        for (index, document) in documents.into_iter().enumerate() {
            let Some(document) = document.filter(|d| !d.is_null()) else {
                continue;
            };
            let objects = if document.get("kind").and_then(Value::as_str) == Some("List") {
                document
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            } else {
                vec![document]
            };
            for (item, object) in objects.iter().enumerate() {
                rbac.add(object).map_err(|e| {
                    let at = if objects.len() > 1 {
                        format!("document {}, item {item}", index + 1)
                    } else {
                        format!("document {}", index + 1)
                    };
                    fail(format!("{at}: {e}"))
                })?;
            }
        }
        Ok(rbac)
    }

    /// Adds one RBAC object.
    fn add(&mut self, object: &Value) -> Result<(), String> {
        let text =
            |v: &Value, field: &str| v.get(field).and_then(Value::as_str).map(str::to_string);
        let kind = text(object, "kind").ok_or("no kind")?;
        let api_version = text(object, "apiVersion").unwrap_or_default();
        if api_version != API_VERSION {
            return Err(format!(
                "{kind}: apiVersion {api_version:?} is not {API_VERSION}"
            ));
        }
        let metadata = object.get("metadata").cloned().unwrap_or(Value::Null);
        let name = text(&metadata, "name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{kind} has no metadata.name"))?;
        let namespace = text(&metadata, "namespace").filter(|n| !n.is_empty());
        let namespaced = match kind.as_str() {
            "Role" | "RoleBinding" => true,
            "ClusterRole" | "ClusterRoleBinding" => false,
            other => {
                return Err(format!(
                    "kind {other:?} is not a Role, ClusterRole, RoleBinding or ClusterRoleBinding"
                ))
            }
        };
        let namespace = match (namespaced, namespace) {
            (true, Some(ns)) => Some(ns),
            (true, None) => return Err(format!("{kind} {name:?} has no metadata.namespace")),
            (false, _) => None,
        };
        match kind.as_str() {
            "Role" | "ClusterRole" => {
                let rules = object
                    .get("rules")
                    .and_then(Value::as_array)
                    .map(|rules| rules.iter().map(rule).collect::<Result<Vec<_>, _>>())
                    .transpose()
                    .map_err(|e| format!("{kind} {name:?}: {e}"))?
                    .unwrap_or_default();
                match namespace {
                    Some(ns) => self.roles.insert((ns, name), rules),
                    None => self.cluster_roles.insert(name, rules),
                };
            }
            _ => {
                let role_ref = object
                    .get("roleRef")
                    .ok_or_else(|| format!("{kind} {name:?} has no roleRef"))?;
                let role = text(role_ref, "name")
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| format!("{kind} {name:?}: roleRef has no name"))?;
                let cluster_role = match text(role_ref, "kind").as_deref() {
                    Some("ClusterRole") => true,
                    Some("Role") if namespaced => false,
                    other => {
                        return Err(format!(
                            "{kind} {name:?}: roleRef.kind {:?} must be {}",
                            other.unwrap_or(""),
                            if namespaced {
                                "Role or ClusterRole"
                            } else {
                                "ClusterRole"
                            }
                        ))
                    }
                };
                let subjects = object
                    .get("subjects")
                    .and_then(Value::as_array)
                    .map(|s| {
                        s.iter()
                            .map(|s| subject(s, namespace.as_deref()))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()
                    .map_err(|e| format!("{kind} {name:?}: {e}"))?
                    .unwrap_or_default();
                self.bindings.push(Binding {
                    namespace,
                    subjects,
                    cluster_role,
                    role,
                });
            }
        }
        Ok(())
    }

    /// The rules a binding grants (none when its role does not exist, as in Kubernetes).
    fn rules_of(&self, binding: &Binding) -> &[Rule] {
        let rules = if binding.cluster_role {
            self.cluster_roles.get(&binding.role)
        } else {
            binding
                .namespace
                .as_ref()
                .and_then(|ns| self.roles.get(&(ns.clone(), binding.role.clone())))
        };
        rules.map(Vec::as_slice).unwrap_or(&[])
    }
}

impl Authorizer for Rbac {
    fn authorize(&self, attributes: &Attributes<'_>) -> Decision {
        let request = attributes.request;
        let allowed = self.bindings.iter().any(|binding| {
            let applies = match &binding.namespace {
                None => true,
                // A RoleBinding grants resource requests in its namespace only.
                Some(ns) => request.is_resource_request && *ns == request.namespace,
            };
            applies
                && binding.subjects.iter().any(|s| s.covers(attributes.user))
                && self.rules_of(binding).iter().any(|r| r.allows(request))
        });
        if allowed {
            Decision::Allow
        } else {
            Decision::NoOpinion(String::new())
        }
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn string_list(rule: &Value, field: &str) -> Result<Vec<String>, String> {
    match rule.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{field} must be a list of strings"))
            })
            .collect(),
        Some(_) => Err(format!("{field} must be a list of strings")),
    }
}

fn rule(value: &Value) -> Result<Rule, String> {
    let rule = Rule {
        verbs: string_list(value, "verbs")?,
        api_groups: string_list(value, "apiGroups")?,
        resources: string_list(value, "resources")?,
        resource_names: string_list(value, "resourceNames")?,
        non_resource_urls: string_list(value, "nonResourceURLs")?,
    };
    if rule.verbs.is_empty() {
        return Err("a rule has no verbs".into());
    }
    if !rule.non_resource_urls.is_empty() && !rule.resources.is_empty() {
        return Err("a rule names both resources and nonResourceURLs".into());
    }
    Ok(rule)
}

fn subject(value: &Value, binding_namespace: Option<&str>) -> Result<Subject, String> {
    let field = |f: &str| value.get(f).and_then(Value::as_str).unwrap_or("");
    let name = field("name");
    if name.is_empty() {
        return Err("a subject has no name".into());
    }
    match field("kind") {
        "User" => Ok(Subject::User(name.to_string())),
        "Group" => Ok(Subject::Group(name.to_string())),
        "ServiceAccount" => {
            let namespace = Some(field("namespace"))
                .filter(|n| !n.is_empty())
                .or(binding_namespace)
                .ok_or("a ServiceAccount subject of a ClusterRoleBinding needs a namespace")?;
            Ok(Subject::ServiceAccount(format!(
                "system:serviceaccount:{namespace}:{name}"
            )))
        }
        other => Err(format!(
            "subject kind {other:?} is not User, Group or ServiceAccount"
        )),
    }
}
