//! RBAC from a policy file (`--authorization-policy-file`): `rbac.authorization.k8s.io/v1`
//! Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, matched exactly as kube-apiserver's
//! RBAC authorizer matches them (`plugin/pkg/auth/authorizer/rbac`), plus Kubernetes' bootstrap
//! policy for discovery, health, self reviews and `system:masters`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::authorizer::{
    go_quote, Attributes, Authorizer, Decision, NonResourceRule, ResourceRule, RuleList,
};
use super::user::{AUTHENTICATED, MASTERS, UNAUTHENTICATED};
use super::{RequestInfo, UserInfo};

const GROUP: &str = "rbac.authorization.k8s.io";
const API_VERSION: &str = "rbac.authorization.k8s.io/v1";

/// Why a policy could not be read: the file (`policy` for text), the document (counted from 1)
/// and, in a `List`, the item (counted from 0), the object and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PolicyError {
    file: String,
    message: String,
}

/// A `PolicyRule`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Rule {
    #[serde(default, deserialize_with = "null_as_empty")]
    verbs: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    api_groups: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    resources: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    resource_names: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURLs",
        deserialize_with = "null_as_empty"
    )]
    non_resource_urls: Vec<String>,
}

impl Rule {
    /// kube-apiserver's `RuleAllows`.
    fn allows(&self, r: &RequestInfo) -> bool {
        if !r.is_resource_request {
            return has(&self.verbs, &r.verb)
                && self
                    .non_resource_urls
                    .iter()
                    .any(|rule| url_matches(rule, &r.path));
        }
        has(&self.verbs, &r.verb)
            && has(&self.api_groups, &r.api_group)
            && self
                .resources
                .iter()
                .any(|rule| resource_matches(rule, &r.resource, &r.subresource))
            && (self.resource_names.is_empty() || self.resource_names.contains(&r.name))
    }

    /// kube-apiserver's `ValidatePolicyRule`, its messages prefixed by the rule's field path.
    fn validate(&self, at: &str, namespaced: bool) -> Result<(), String> {
        if self.verbs.is_empty() {
            return Err(format!(
                "{at}.verbs: Required value: verbs must contain at least one value"
            ));
        }
        if !self.non_resource_urls.is_empty() {
            if namespaced {
                return Err(format!(
                    "{at}.nonResourceURLs: Invalid value: namespaced rules cannot apply to non-resource URLs"
                ));
            }
            if !self.api_groups.is_empty()
                || !self.resources.is_empty()
                || !self.resource_names.is_empty()
            {
                return Err(format!(
                    "{at}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs"
                ));
            }
            return Ok(());
        }
        if self.api_groups.is_empty() {
            return Err(format!(
                "{at}.apiGroups: Required value: resource rules must supply at least one api group"
            ));
        }
        if self.resources.is_empty() {
            return Err(format!(
                "{at}.resources: Required value: resource rules must supply at least one resource"
            ));
        }
        Ok(())
    }
}

/// `VerbMatches` and `APIGroupMatches`: `*` or an exact match.
fn has(list: &[String], wanted: &str) -> bool {
    list.iter().any(|v| v == "*" || v == wanted)
}

/// `ResourceMatches`: `*`, exactly `resource` or `resource/subresource`, or `*/subresource`.
fn resource_matches(rule: &str, resource: &str, subresource: &str) -> bool {
    if rule == "*" {
        return true;
    }
    if subresource.is_empty() {
        return rule == resource;
    }
    let combined = rule
        .strip_prefix(resource)
        .and_then(|rest| rest.strip_prefix('/'));
    combined == Some(subresource) || rule.strip_prefix("*/") == Some(subresource)
}

/// `NonResourceURLMatches`: `*`, an exact match, or a prefix ending in `*`.
fn url_matches(rule: &str, path: &str) -> bool {
    rule == "*"
        || rule == path
        || (rule.ends_with('*') && path.starts_with(rule.trim_end_matches('*')))
}

/// What a binding refers to.
#[derive(Clone, Debug)]
struct RoleRef {
    /// A ClusterRole, rather than a Role in the binding's namespace.
    cluster: bool,
    name: String,
}

/// A RoleBinding (with its namespace) or a ClusterRoleBinding (without).
#[derive(Clone, Debug)]
struct Binding {
    namespace: Option<String>,
    role: RoleRef,
}

/// The RBAC authorizer: the bootstrap policy and the policy file's objects. RBAC allows or has
/// no opinion, never denies; its reason is empty unless a binding that applies refers to a role
/// that does not exist (`RBAC: role.rbac.authorization.k8s.io "x" not found`), as in
/// Kubernetes.
///
/// ```
/// # use krest::auth::{Attributes, Authorizer, Decision, Rbac, RequestInfo, UserInfo};
/// let rbac = Rbac::from_yaml(r#"
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata: {name: reader, namespace: team-a}
/// rules: [{apiGroups: [demo.krest.dev], resources: [widgets], verbs: [get, list]}]
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: RoleBinding
/// metadata: {name: readers, namespace: team-a}
/// subjects: [{kind: Group, name: dev}]
/// roleRef: {kind: Role, name: reader}
/// "#)?;
/// let jane = UserInfo { name: "jane".into(), groups: vec!["dev".into()], ..UserInfo::default() };
/// let list = RequestInfo::parse("GET", "/apis/demo.krest.dev/v1/namespaces/team-a/widgets", None);
/// let watch = RequestInfo::parse("GET", "/apis/demo.krest.dev/v1/namespaces/team-a/widgets", Some("watch=1"));
/// assert_eq!(rbac.authorize(&Attributes { user: &jane, request: &list }), Decision::Allow);
/// assert_eq!(
///     rbac.authorize(&Attributes { user: &jane, request: &watch }),
///     Decision::NoOpinion(String::new())
/// );
/// # Ok::<(), krest::auth::PolicyError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    /// Roles by namespace, then name.
    roles: HashMap<String, HashMap<String, Vec<Rule>>>,
    cluster_roles: HashMap<String, Vec<Rule>>,
    bindings: Vec<Binding>,
    /// The bindings each user name (ServiceAccounts included) is a subject of.
    by_user: HashMap<String, Vec<usize>>,
    /// The bindings each group is a subject of.
    by_group: HashMap<String, Vec<usize>>,
}

impl Rbac {
    /// Kubernetes' bootstrap policy alone: `system:discovery` (discovery, `/openapi`,
    /// `/version` and health) for authenticated users, `system:public-info-viewer` (`/version`
    /// and health, with each health check's own path) for everyone, `system:basic-user` (`SelfSubjectAccessReview`,
    /// `SelfSubjectRulesReview`, `SelfSubjectReview`) for authenticated users,
    /// `cluster-admin` (everything) for the group `system:masters`, and
    /// `system:auth-delegator` (create TokenReviews and SubjectAccessReviews), bound to no one.
    pub fn empty() -> Rbac {
        let mut rbac = Rbac::default();
        let paths = |urls: &[&str]| Rule {
            verbs: strings(&["get"]),
            non_resource_urls: strings(urls),
            ..Rule::default()
        };
        let create = |group: &str, resources: &[&str]| Rule {
            verbs: strings(&["create"]),
            api_groups: strings(&[group]),
            resources: strings(resources),
            ..Rule::default()
        };
        // Kubernetes' `system:public-info-viewer`, and the single health checks (`/readyz/store`)
        // that Kubernetes grants only to `system:monitoring`: krest's probes are public.
        let public = [
            "/healthz",
            "/livez",
            "/readyz",
            "/version",
            "/version/",
            "/healthz/*",
            "/livez/*",
            "/readyz/*",
        ];
        let discovery = [
            "/api",
            "/api/*",
            "/apis",
            "/apis/*",
            "/openapi",
            "/openapi/*",
        ];
        rbac.bootstrap(
            "system:discovery",
            vec![paths(&[&discovery[..], &public[..]].concat())],
            &[AUTHENTICATED],
        );
        rbac.bootstrap(
            "system:public-info-viewer",
            vec![paths(&public)],
            &[AUTHENTICATED, UNAUTHENTICATED],
        );
        rbac.bootstrap(
            "system:basic-user",
            vec![
                create(
                    "authorization.k8s.io",
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                ),
                create("authentication.k8s.io", &["selfsubjectreviews"]),
            ],
            &[AUTHENTICATED],
        );
        // Bound by no one: for a policy file's bindings (delegated authentication and
        // authorization, as kube-rbac-proxy and controllers' metrics endpoints do them).
        rbac.cluster_roles.insert(
            "system:auth-delegator".into(),
            vec![
                create("authentication.k8s.io", &["tokenreviews"]),
                create("authorization.k8s.io", &["subjectaccessreviews"]),
            ],
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
                Rule {
                    verbs: strings(&["*"]),
                    non_resource_urls: strings(&["*"]),
                    ..Rule::default()
                },
            ],
            &[MASTERS],
        );
        rbac
    }

    /// A ClusterRole and a ClusterRoleBinding of the same name to `groups`.
    fn bootstrap(&mut self, name: &str, rules: Vec<Rule>, groups: &[&str]) {
        self.cluster_roles.insert(name.to_string(), rules);
        let subjects = groups
            .iter()
            .map(|g| Subject::Group(g.to_string()))
            .collect();
        self.bind(
            None,
            RoleRef {
                cluster: true,
                name: name.to_string(),
            },
            subjects,
        );
    }

    fn bind(&mut self, namespace: Option<String>, role: RoleRef, subjects: Vec<Subject>) {
        let index = self.bindings.len();
        self.bindings.push(Binding { namespace, role });
        for subject in subjects {
            let (map, key) = match subject {
                Subject::User(name) => (&mut self.by_user, name),
                Subject::Group(name) => (&mut self.by_group, name),
            };
            let list = map.entry(key).or_default();
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
    }

    /// Reads a policy file: the bootstrap policy and the file's objects, as [`Rbac::from_yaml`].
    pub fn load(path: impl AsRef<Path>) -> Result<Rbac, PolicyError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Rbac::parse(&text, file)
    }

    /// Reads a policy from YAML: the bootstrap policy and, in documents separated by `---`,
    /// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings of
    /// `rbac.authorization.k8s.io/v1`, or `List`s of them. Objects are checked as
    /// kube-apiserver validates them; unknown fields are errors. A binding may refer to a role
    /// that does not exist: it grants nothing, as in Kubernetes. A ClusterRole named as one of
    /// the bootstrap policy's adds its rules to the bootstrap rules.
    pub fn from_yaml(text: &str) -> Result<Rbac, PolicyError> {
        Rbac::parse(text, "policy".to_string())
    }

    fn parse(text: &str, file: String) -> Result<Rbac, PolicyError> {
        let fail = |message: String| PolicyError {
            file: file.clone(),
            message,
        };
        let documents: Vec<Option<Value>> =
            serde_saphyr::from_str_multiple_with_options(text, yaml_options())
                .map_err(|e| fail(format!("not YAML: {e}")))?;
        let mut rbac = Rbac::empty();
        let mut defined = HashSet::new();
        for (index, document) in documents.into_iter().enumerate() {
            let document_at = format!("document {}", index + 1);
            let Some(document) = document.filter(|d| !d.is_null()) else {
                continue;
            };
            if document.get("kind").and_then(Value::as_str) != Some("List") {
                rbac.add(document, &mut defined)
                    .map_err(|e| fail(format!("{document_at}: {e}")))?;
                continue;
            }
            let items = match document.get("items") {
                Some(Value::Array(items)) => items.clone(),
                None | Some(Value::Null) => Vec::new(),
                Some(_) => return Err(fail(format!("{document_at}: List: items is not a list"))),
            };
            for (item, object) in items.into_iter().enumerate() {
                rbac.add(object, &mut defined)
                    .map_err(|e| fail(format!("{document_at}, item {item}: {e}")))?;
            }
        }
        Ok(rbac)
    }

    /// Adds one RBAC object; `defined` holds the kinds, namespaces and names already read.
    fn add(
        &mut self,
        mut object: Value,
        defined: &mut HashSet<(String, String, String)>,
    ) -> Result<(), String> {
        let Some(fields) = object.as_object_mut() else {
            return Err("an object is not a mapping".into());
        };
        let mut text = |field: &str| match fields.remove(field) {
            Some(Value::String(text)) => text,
            _ => String::new(),
        };
        let (kind, api_version) = (text("kind"), text("apiVersion"));
        let metadata = fields.remove("metadata");
        let namespaced = match kind.as_str() {
            "Role" | "RoleBinding" => true,
            "ClusterRole" | "ClusterRoleBinding" => false,
            "" => return Err("an object has no kind".into()),
            other => {
                return Err(format!(
                    "kind {other:?} is not Role, ClusterRole, RoleBinding or ClusterRoleBinding"
                ))
            }
        };
        if api_version != API_VERSION {
            return Err(format!(
                "{kind}: apiVersion {api_version:?} is not {API_VERSION}"
            ));
        }
        let metadata: Metadata = metadata
            .map(|m| typed(m).map_err(|e| format!("{kind} metadata: {e}")))
            .transpose()?
            .unwrap_or_default();
        let name = metadata.name;
        if name.is_empty() {
            return Err(format!("{kind} has no metadata.name"));
        }
        let namespace = match (namespaced, metadata.namespace) {
            (true, ns) if ns.is_empty() => {
                return Err(format!("{kind} {name:?} has no metadata.namespace"))
            }
            (true, ns) => Some(ns),
            // A cluster-scoped object's namespace is ignored, as kube-apiserver clears it.
            (false, _) => None,
        };
        let key = (
            kind.clone(),
            namespace.clone().unwrap_or_default(),
            name.clone(),
        );
        if !defined.insert(key) {
            return Err(match &namespace {
                Some(ns) => format!("{kind} {name:?} in namespace {ns:?} is defined twice"),
                None => format!("{kind} {name:?} is defined twice"),
            });
        }
        let what = format!("{kind} {name:?}");
        if matches!(kind.as_str(), "Role" | "ClusterRole") {
            let role: RoleObject = typed(object).map_err(|e| format!("{what}: {e}"))?;
            if role.aggregation_rule.is_some() {
                return Err(format!(
                    "{what}: aggregationRule is not supported: list the rules themselves"
                ));
            }
            for (i, rule) in role.rules.iter().enumerate() {
                rule.validate(&format!("rules[{i}]"), namespaced)
                    .map_err(|e| format!("{what}: {e}"))?;
            }
            match namespace {
                Some(ns) => {
                    self.roles.entry(ns).or_default().insert(name, role.rules);
                }
                None => self
                    .cluster_roles
                    .entry(name)
                    .or_default()
                    .extend(role.rules),
            }
            return Ok(());
        }
        let binding: BindingObject = typed(object).map_err(|e| format!("{what}: {e}"))?;
        let role_ref = binding.role_ref;
        if !role_ref.api_group.is_empty() && role_ref.api_group != GROUP {
            return Err(format!(
                "{what}: roleRef.apiGroup: Unsupported value: {:?}: supported values: {GROUP:?}",
                role_ref.api_group
            ));
        }
        let cluster = match role_ref.kind.as_str() {
            "ClusterRole" => true,
            "Role" if namespaced => false,
            other => {
                let supported = if namespaced {
                    "\"Role\", \"ClusterRole\""
                } else {
                    "\"ClusterRole\""
                };
                return Err(format!(
                    "{what}: roleRef.kind: Unsupported value: {other:?}: supported values: {supported}"
                ));
            }
        };
        if role_ref.name.is_empty() {
            return Err(format!("{what}: roleRef.name: Required value"));
        }
        let subjects = binding
            .subjects
            .iter()
            .enumerate()
            .map(|(i, s)| s.resolve(namespace.as_deref(), &format!("subjects[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{what}: {e}"))?;
        self.bind(
            namespace,
            RoleRef {
                cluster,
                name: role_ref.name,
            },
            subjects,
        );
        Ok(())
    }

    /// The rules a binding grants, or the error Kubernetes' rule resolver gives when its role
    /// does not exist.
    fn rules_of(&self, binding: &Binding) -> Result<&[Rule], String> {
        let name = &binding.role.name;
        let rules = if binding.role.cluster {
            self.cluster_roles.get(name)
        } else {
            binding
                .namespace
                .as_ref()
                .and_then(|ns| self.roles.get(ns))
                .and_then(|roles| roles.get(name))
        };
        let kind = if binding.role.cluster {
            "clusterrole"
        } else {
            "role"
        };
        rules
            .map(Vec::as_slice)
            .ok_or_else(|| format!("{kind}.{GROUP} {} not found", go_quote(name)))
    }
}

impl Rbac {
    /// The bindings that apply to `user` in `namespace`, ClusterRoleBindings first, then the
    /// RoleBindings of the namespace, as kube-apiserver's `VisitRulesFor` visits them.
    fn bindings_for<'a>(
        &'a self,
        user: &'a UserInfo,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Binding> + 'a {
        let mut candidates: Vec<usize> = self
            .by_user
            .get(&user.name)
            .into_iter()
            .chain(user.groups.iter().filter_map(|g| self.by_group.get(g)))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable_by_key(|&i| (self.bindings[i].namespace.is_some(), i));
        candidates.dedup();
        candidates
            .into_iter()
            .map(|i| &self.bindings[i])
            .filter(move |b| b.namespace.as_deref().is_none_or(|ns| ns == namespace))
    }
}

impl Authorizer for Rbac {
    /// Allows when a rule of a binding that applies to the user in the request's namespace
    /// allows.
    fn authorize(&self, attributes: &Attributes<'_>) -> Decision {
        let (user, request) = (attributes.user, attributes.request);
        let mut errors: Vec<String> = Vec::new();
        for binding in self.bindings_for(user, &request.namespace) {
            match self.rules_of(binding) {
                Ok(rules) => {
                    if rules.iter().any(|rule| rule.allows(request)) {
                        return Decision::Allow;
                    }
                }
                Err(e) => {
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
            }
        }
        Decision::NoOpinion(match errors.as_slice() {
            [] => String::new(),
            [one] => format!("RBAC: {one}"),
            many => format!("RBAC: [{}]", many.join(", ")),
        })
    }

    /// Every rule of the bindings that apply, as kube-apiserver's RBAC `RulesFor` lists them:
    /// a rule naming resources is a resource rule, one naming paths a non-resource rule; a
    /// binding whose role does not exist is an evaluation error, and the list is complete.
    fn rules_for(&self, user: &UserInfo, namespace: &str) -> RuleList {
        let mut list = RuleList::default();
        let mut errors: Vec<String> = Vec::new();
        for binding in self.bindings_for(user, namespace) {
            match self.rules_of(binding) {
                Ok(rules) => {
                    for rule in rules {
                        if !rule.resources.is_empty() {
                            list.resource_rules.push(ResourceRule {
                                verbs: rule.verbs.clone(),
                                api_groups: rule.api_groups.clone(),
                                resources: rule.resources.clone(),
                                resource_names: rule.resource_names.clone(),
                            });
                        }
                        if !rule.non_resource_urls.is_empty() {
                            list.non_resource_rules.push(NonResourceRule {
                                verbs: rule.verbs.clone(),
                                non_resource_urls: rule.non_resource_urls.clone(),
                            });
                        }
                    }
                }
                Err(e) => {
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
            }
        }
        list.evaluation_error = match errors.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        list
    }
}

/// A binding's subject, as the authorizer matches it.
#[derive(Clone, Debug)]
enum Subject {
    /// A user name: a User's, or a ServiceAccount's `system:serviceaccount:{namespace}:{name}`.
    User(String),
    Group(String),
}

/// The fields of `metadata` that matter here; labels and the others are let be.
#[derive(Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RoleObject {
    #[serde(default, deserialize_with = "null_as_empty")]
    rules: Vec<Rule>,
    #[serde(default)]
    aggregation_rule: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BindingObject {
    #[serde(default, deserialize_with = "null_as_empty")]
    subjects: Vec<SubjectObject>,
    role_ref: RoleRefObject,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RoleRefObject {
    #[serde(default)]
    api_group: String,
    kind: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubjectObject {
    kind: String,
    #[serde(default)]
    api_group: String,
    name: String,
    #[serde(default)]
    namespace: String,
}

impl SubjectObject {
    /// kube-apiserver's `ValidateRoleBindingSubject`, then the user name or group it matches.
    fn resolve(&self, binding_namespace: Option<&str>, at: &str) -> Result<Subject, String> {
        if self.name.is_empty() {
            return Err(format!("{at}.name: Required value"));
        }
        let api_group = |allowed: &str| {
            // User and Group subjects default their apiGroup.
            if self.api_group == allowed
                || (self.api_group.is_empty() && self.kind != "ServiceAccount")
            {
                Ok(())
            } else {
                Err(format!(
                    "{at}.apiGroup: Unsupported value: {:?}: supported values: {allowed:?}",
                    self.api_group
                ))
            }
        };
        match self.kind.as_str() {
            "User" => api_group(GROUP).map(|()| Subject::User(self.name.clone())),
            "Group" => api_group(GROUP).map(|()| Subject::Group(self.name.clone())),
            "ServiceAccount" => {
                api_group("")?;
                if self.name.contains([':', '/']) || self.name == "." || self.name == ".." {
                    return Err(format!(
                        "{at}.name: Invalid value: {:?}: not a ServiceAccount name",
                        self.name
                    ));
                }
                // A RoleBinding's ServiceAccounts default to its namespace.
                let namespace = Some(self.namespace.as_str())
                    .filter(|ns| !ns.is_empty())
                    .or(binding_namespace)
                    .ok_or_else(|| format!("{at}.namespace: Required value"))?;
                Ok(Subject::User(format!(
                    "system:serviceaccount:{namespace}:{}",
                    self.name
                )))
            }
            other => Err(format!(
                "{at}.kind: Unsupported value: {other:?}: supported values: \"ServiceAccount\", \"User\", \"Group\""
            )),
        }
    }
}

/// `value` as `T`, with the path of the field that is wrong: `rules[0].verbs: ...`.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.into_inner().to_string()
        } else {
            format!("{path}: {}", e.into_inner())
        }
    })
}

/// A list that may be written `null`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// A policy is short and shallow: refuse alias bombs and deep nesting before they cost.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    let mut aliases = serde_saphyr::options::AliasLimits::default();
    aliases.max_total_replayed_events = 100_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits = aliases;
    options.with_snippet = false;
    // YAML 1.2 core: a verb or name `yes` or `on` stays a string.
    options.strict_booleans = true;
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_match_as_kube_apiservers() {
        let rows = [
            ("*", "widgets", "", true),
            ("*", "widgets", "status", true),
            ("widgets", "widgets", "", true),
            ("widgets", "widgets", "status", false),
            ("widgets/status", "widgets", "status", true),
            ("widgets/status", "widgets", "", false),
            ("widgets/status", "widgets", "scale", false),
            ("widgets/", "widgets", "", false),
            ("*/status", "widgets", "status", true),
            ("*/status", "gadgets", "status", true),
            ("*/status", "widgets", "", false),
            ("*/status", "widgets", "scale", false),
            ("*/*", "widgets", "status", false),
            ("widget", "widgets", "", false),
            ("widgetsx/status", "widgets", "status", false),
        ];
        for (rule, resource, subresource, matches) in rows {
            assert_eq!(
                resource_matches(rule, resource, subresource),
                matches,
                "{rule} against {resource}/{subresource}"
            );
        }
    }

    #[test]
    fn urls_match_as_kube_apiservers() {
        let rows = [
            ("*", "/anything", true),
            ("/metrics", "/metrics", true),
            ("/metrics", "/metrics/", false),
            ("/metrics", "/metricsx", false),
            ("/logs/*", "/logs/", true),
            ("/logs/*", "/logs/a/b", true),
            ("/logs/*", "/logs", false),
            ("/logs*", "/logsx", true),
            ("/logs/**", "/logs/a", true),
            ("/a*b", "/ab", false),
        ];
        for (rule, path, matches) in rows {
            assert_eq!(url_matches(rule, path), matches, "{rule} against {path}");
        }
    }

    #[test]
    fn bindings_are_indexed_by_subject() {
        let rbac = Rbac::from_yaml(
            "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
subjects: [{kind: User, name: u}, {kind: User, name: u}, {kind: Group, name: g}, {kind: ServiceAccount, name: s, namespace: n}]
roleRef: {kind: ClusterRole, name: c}
",
        )
        .unwrap();
        let index = rbac.bindings.len() - 1;
        assert_eq!(rbac.by_user["u"], [index]);
        assert_eq!(rbac.by_user["system:serviceaccount:n:s"], [index]);
        assert_eq!(rbac.by_group["g"], [index]);
        assert_eq!(rbac.by_group[MASTERS].len(), 1);
    }
}
