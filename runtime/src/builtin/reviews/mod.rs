//! The review kinds: who am I, is this token good, may this user do that, what may I do.
//!
//! | kind | path | answers |
//! |---|---|---|
//! | `authentication.k8s.io/v1` SelfSubjectReview | `/apis/authentication.k8s.io/v1/selfsubjectreviews` | the caller (`kubectl auth whoami`) |
//! | `authentication.k8s.io/v1` TokenReview | `/apis/authentication.k8s.io/v1/tokenreviews` | the user a bearer token authenticates as |
//! | `authorization.k8s.io/v1` SelfSubjectAccessReview | `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews` | may the caller (`kubectl auth can-i`) |
//! | `authorization.k8s.io/v1` SubjectAccessReview | `/apis/authorization.k8s.io/v1/subjectaccessreviews` | may the user the review names |
//! | `authorization.k8s.io/v1` LocalSubjectAccessReview | `/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews` | the same, in one namespace |
//! | `authorization.k8s.io/v1` SelfSubjectRulesReview | `/apis/authorization.k8s.io/v1/selfsubjectrulesreviews` | the caller's rules in a namespace (`kubectl auth can-i --list`) |
//!
//! Each is a `create` of its resource, authorized like any request before it gets here; the
//! handlers answer 201 with the review and its `status`, as kube-apiserver's registries do, with
//! their errors: 400 for a body that is not the review, 422 for a review missing what it needs.
//! Bodies are JSON, YAML or Kubernetes protobuf ([`protobuf`]), as kubectl sends them.

pub(crate) mod protobuf;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};

use crate::auth::filter::Access;
use crate::auth::{Attributes, Authorizer, Decision, RequestInfo, RuleList, UserInfo};
use crate::codegen::{Method, ResourceModel};
use crate::response::Body;
use crate::route::Call;
use crate::route::CustomHandler;
use crate::status::{Cause, Status};

const AUTHENTICATION: &str = "authentication.k8s.io";
const AUTHORIZATION: &str = "authorization.k8s.io";

/// The API group of a review kind.
fn group_of(kind: &str) -> &'static str {
    if kind == "SelfSubjectReview" || kind == "TokenReview" {
        AUTHENTICATION
    } else {
        AUTHORIZATION
    }
}

/// A review resource, as discovery lists it: only `create`, never stored.
pub(crate) struct ReviewResource {
    /// The API group.
    pub group: &'static str,
    /// The plural, as in the path.
    pub plural: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// Whether it is created in a namespace.
    pub namespaced: bool,
}

/// Every review kind (all in version `v1`).
pub(crate) const RESOURCES: &[ReviewResource] = &[
    ReviewResource {
        group: AUTHENTICATION,
        plural: "selfsubjectreviews",
        kind: "SelfSubjectReview",
        namespaced: false,
    },
    ReviewResource {
        group: AUTHENTICATION,
        plural: "tokenreviews",
        kind: "TokenReview",
        namespaced: false,
    },
    ReviewResource {
        group: AUTHORIZATION,
        plural: "localsubjectaccessreviews",
        kind: "LocalSubjectAccessReview",
        namespaced: true,
    },
    ReviewResource {
        group: AUTHORIZATION,
        plural: "selfsubjectaccessreviews",
        kind: "SelfSubjectAccessReview",
        namespaced: false,
    },
    ReviewResource {
        group: AUTHORIZATION,
        plural: "selfsubjectrulesreviews",
        kind: "SelfSubjectRulesReview",
        namespaced: false,
    },
    ReviewResource {
        group: AUTHORIZATION,
        plural: "subjectaccessreviews",
        kind: "SubjectAccessReview",
        namespaced: false,
    },
];

impl ReviewResource {
    /// The singular name: the kind, lowercased.
    pub fn singular(&self) -> String {
        self.kind.to_ascii_lowercase()
    }

    fn path(&self) -> String {
        if self.namespaced {
            format!(
                "/apis/{}/v1/namespaces/{{namespace}}/{}",
                self.group, self.plural
            )
        } else {
            format!("/apis/{}/v1/{}", self.group, self.plural)
        }
    }
}

/// The `POST` routes of the review kinds.
pub(crate) fn routes(access: Option<Arc<Access>>) -> Vec<(Method, String, CustomHandler)> {
    RESOURCES
        .iter()
        .map(|resource| {
            let kind = resource.kind;
            let access = access.clone();
            let handler: CustomHandler = Arc::new(move |call: Call| {
                let access = access.clone();
                Box::pin(async move {
                    review(kind, call, access.as_deref())
                        .await
                        .unwrap_or_else(Status::into_response)
                })
            });
            (Method::Post, resource.path(), handler)
        })
        .collect()
}

async fn review(
    kind: &'static str,
    mut call: Call,
    access: Option<&Access>,
) -> Result<http::Response<Body>, Status> {
    let object = read(&mut call, kind).await?;
    let anonymous = UserInfo::anonymous();
    let user = call
        .request
        .extensions()
        .get::<UserInfo>()
        .unwrap_or(&anonymous)
        .clone();
    let authorizer = access.and_then(|a| a.authorizer.as_deref());
    let answer = match kind {
        "SelfSubjectReview" => self_subject_review(&user),
        "TokenReview" => token_review(object, access.and_then(|a| a.tokens.as_ref()))?,
        "SelfSubjectAccessReview" => self_subject_access_review(object, &user, authorizer)?,
        "SubjectAccessReview" => subject_access_review(object, None, authorizer)?,
        "LocalSubjectAccessReview" => {
            let namespace = call.namespace().map(|n| n.into_owned()).unwrap_or_default();
            subject_access_review(object, Some(&namespace), authorizer)?
        }
        _ => self_subject_rules_review(object, &user, authorizer)?,
    };
    Ok(crate::response::json_response(201, &Value::Object(answer)))
}

/// The review in the body: JSON, YAML or protobuf, of `kind` (or of no kind, as a JSON body may
/// leave it out), else 400.
async fn read(call: &mut Call, kind: &str) -> Result<Map<String, Value>, Status> {
    let body = std::mem::replace(
        call.request.body_mut(),
        crate::response::full(bytes::Bytes::new()),
    );
    let content_type = call
        .request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let decode = |bytes: &[u8]| protobuf::review_to_json(bytes, kind).map(Value::Object);
    let (object, _) =
        crate::request_body::read_object(body, content_type.as_deref(), Some((kind, &decode)))
            .await?;
    let sent = object.get("kind").and_then(Value::as_str).unwrap_or("");
    if !sent.is_empty() && sent != kind {
        return Err(cannot_handle(kind, format!("the body is a {sent:?}")));
    }
    let group = group_of(kind);
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !api_version.is_empty() && api_version != format!("{group}/v1") {
        return Err(cannot_handle(
            kind,
            format!("the API version in the data ({api_version}) does not match the expected API version ({group}/v1)"),
        ));
    }
    Ok(object)
}

/// kube-apiserver's 400 for a body its decoder cannot read as the kind.
fn cannot_handle(kind: &str, why: impl std::fmt::Display) -> Status {
    Status::bad_request(format!(
        "{kind} in version \"v1\" cannot be handled as a {kind}: {why}"
    ))
}

/// The body's `field` as `T`, or 400 naming the field that is wrong.
fn typed<T: serde::de::DeserializeOwned + Default>(
    object: &Map<String, Value>,
    field: &str,
    kind: &str,
) -> Result<T, Status> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." {
                cannot_handle(kind, format!("{field}: {inner}"))
            } else {
                cannot_handle(kind, format!("{field}.{path}: {inner}"))
            }
        }),
    }
}

/// A string, list or map that may be written `null`, as Go's JSON decoder reads it.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceAttributes {
    #[serde(default, deserialize_with = "nullable")]
    namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    verb: String,
    #[serde(default, deserialize_with = "nullable")]
    group: String,
    #[serde(default, deserialize_with = "nullable")]
    version: String,
    #[serde(default, deserialize_with = "nullable")]
    resource: String,
    #[serde(default, deserialize_with = "nullable")]
    subresource: String,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
}

#[derive(Default, Deserialize)]
struct NonResourceAttributes {
    #[serde(default, deserialize_with = "nullable")]
    path: String,
    #[serde(default, deserialize_with = "nullable")]
    verb: String,
}

/// A `SubjectAccessReviewSpec` (a SelfSubjectAccessReview's spec is its first two fields).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessSpec {
    #[serde(default)]
    resource_attributes: Option<ResourceAttributes>,
    #[serde(default)]
    non_resource_attributes: Option<NonResourceAttributes>,
    #[serde(default, deserialize_with = "nullable")]
    user: String,
    #[serde(default, deserialize_with = "nullable")]
    groups: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    extra: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    uid: String,
}

impl AccessSpec {
    /// The request the spec describes (kube-apiserver's `AuthorizationAttributesFrom`).
    fn request(&self) -> RequestInfo {
        if let Some(r) = &self.resource_attributes {
            return RequestInfo {
                is_resource_request: true,
                verb: r.verb.clone(),
                api_group: r.group.clone(),
                api_version: r.version.clone(),
                namespace: r.namespace.clone(),
                resource: r.resource.clone(),
                subresource: r.subresource.clone(),
                name: r.name.clone(),
                ..RequestInfo::default()
            };
        }
        let path = self.non_resource_attributes.as_ref();
        RequestInfo {
            is_resource_request: false,
            verb: path.map(|p| p.verb.clone()).unwrap_or_default(),
            path: path.map(|p| p.path.clone()).unwrap_or_default(),
            ..RequestInfo::default()
        }
    }

    /// kube-apiserver's `ValidateSelfSubjectAccessReviewSpec`: exactly one of the attributes.
    fn check_attributes(&self, causes: &mut Vec<Cause>) {
        match (&self.resource_attributes, &self.non_resource_attributes) {
            (Some(_), Some(_)) => causes.push(Cause::new(
                "FieldValueInvalid",
                "spec.nonResourceAttributes",
                "Invalid value: \"object\": cannot be specified in combination with resourceAttributes",
            )),
            (None, None) => causes.push(Cause::invalid(
                "spec.resourceAttributes",
                "null",
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )),
            _ => {}
        }
    }
}

/// 422 `{Kind}.{group} "" is invalid: ...`.
fn invalid(kind: &str, causes: Vec<Cause>) -> Status {
    let group = group_of(kind);
    Status::invalid(
        &ResourceModel::new(group, "v1", kind.to_string()),
        "",
        causes,
    )
}

/// Whether `metadata` is empty (`{}`, `{creationTimestamp: null}` as Go clients send it), but
/// for the fields named in `allowed`.
fn metadata_is_empty(object: &Map<String, Value>, allowed: &[&str]) -> bool {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match object.get("metadata") {
        None | Some(Value::Null) => true,
        Some(Value::Object(meta)) => meta
            .iter()
            .all(|(k, v)| allowed.contains(&k.as_str()) || k == "managedFields" || empty(v)),
        Some(_) => false,
    }
}

/// The review sent, with its type and `status`: what the review registries answer.
fn answer(mut object: Map<String, Value>, kind: &str, status: Value) -> Map<String, Value> {
    let group = group_of(kind);
    object.insert("kind".into(), json!(kind));
    object.insert("apiVersion".into(), json!(format!("{group}/v1")));
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = metadata {
        meta.entry("creationTimestamp").or_insert(Value::Null);
    }
    object.entry("spec").or_insert_with(|| json!({}));
    object.insert("status".into(), status);
    object
}

/// A decision as a `SubjectAccessReviewStatus`.
fn access_status(decision: Decision) -> Value {
    match decision {
        Decision::Allow => json!({"allowed": true}),
        Decision::Deny(reason) if reason.is_empty() => json!({"allowed": false, "denied": true}),
        Decision::Deny(reason) => json!({"allowed": false, "denied": true, "reason": reason}),
        Decision::NoOpinion(reason) if reason.is_empty() => json!({"allowed": false}),
        Decision::NoOpinion(reason) => json!({"allowed": false, "reason": reason}),
    }
}

fn decide(authorizer: Option<&dyn Authorizer>, user: &UserInfo, request: &RequestInfo) -> Decision {
    match authorizer {
        Some(authorizer) => authorizer.authorize(&Attributes { user, request }),
        None => Decision::Allow,
    }
}

/// `SelfSubjectAccessReview`: may the caller do what the spec describes.
fn self_subject_access_review(
    object: Map<String, Value>,
    user: &UserInfo,
    authorizer: Option<&dyn Authorizer>,
) -> Result<Map<String, Value>, Status> {
    const KIND: &str = "SelfSubjectAccessReview";
    let spec: AccessSpec = typed(&object, "spec", KIND)?;
    let mut causes = Vec::new();
    spec.check_attributes(&mut causes);
    if !metadata_is_empty(&object, &[]) {
        causes.push(Cause::new(
            "FieldValueInvalid",
            "metadata",
            "Invalid value: \"object\": must be empty",
        ));
    }
    if !causes.is_empty() {
        return Err(invalid(KIND, causes));
    }
    let decision = decide(authorizer, user, &spec.request());
    Ok(answer(object, KIND, access_status(decision)))
}

/// `SubjectAccessReview` (cluster-wide) and `LocalSubjectAccessReview` (in `namespace`, the
/// path's): may the user the spec names do what it describes.
fn subject_access_review(
    mut object: Map<String, Value>,
    namespace: Option<&str>,
    authorizer: Option<&dyn Authorizer>,
) -> Result<Map<String, Value>, Status> {
    let kind = if namespace.is_some() {
        "LocalSubjectAccessReview"
    } else {
        "SubjectAccessReview"
    };
    if let Some(namespace) = namespace {
        // The create handler's `EnsureObjectNamespaceMatchesRequestNamespace`.
        let sent = object
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if !sent.is_empty() && sent != namespace {
            return Err(Status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        if let Some(Value::Object(meta)) = object.get_mut("metadata") {
            meta.insert("namespace".into(), json!(namespace));
        } else {
            object.insert("metadata".into(), json!({"namespace": namespace}));
        }
    }
    let spec: AccessSpec = typed(&object, "spec", kind)?;
    let mut causes = Vec::new();
    spec.check_attributes(&mut causes);
    if spec.user.is_empty() && spec.groups.is_empty() {
        causes.push(Cause::invalid(
            "spec.user",
            "",
            "at least one of user or group must be specified",
        ));
    }
    match namespace {
        None if !metadata_is_empty(&object, &[]) => causes.push(Cause::new(
            "FieldValueInvalid",
            "metadata",
            "Invalid value: \"object\": must be empty",
        )),
        Some(_) if !metadata_is_empty(&object, &["namespace"]) => causes.push(Cause::new(
            "FieldValueInvalid",
            "metadata",
            "Invalid value: \"object\": must be empty except for namespace",
        )),
        Some(namespace) => {
            if let Some(r) = &spec.resource_attributes {
                if r.namespace != namespace {
                    causes.push(Cause::invalid(
                        "spec.resourceAttributes.namespace",
                        &r.namespace,
                        "must match metadata.namespace",
                    ));
                }
            }
            if spec.non_resource_attributes.is_some() {
                causes.push(Cause::new(
                    "FieldValueInvalid",
                    "spec.nonResourceAttributes",
                    "Invalid value: \"object\": disallowed on this kind of request",
                ));
            }
        }
        None => {}
    }
    if !causes.is_empty() {
        return Err(invalid(kind, causes));
    }
    let user = UserInfo {
        name: spec.user.clone(),
        uid: spec.uid.clone(),
        groups: spec.groups.clone(),
        extra: spec.extra.clone(),
    };
    let decision = decide(authorizer, &user, &spec.request());
    Ok(answer(object, kind, access_status(decision)))
}

#[derive(Default, Deserialize)]
struct RulesSpec {
    #[serde(default, deserialize_with = "nullable")]
    namespace: String,
}

/// `SelfSubjectRulesReview`: the caller's rules in the spec's namespace. The answer is a new
/// review holding only the status, as kube-apiserver's.
fn self_subject_rules_review(
    object: Map<String, Value>,
    user: &UserInfo,
    authorizer: Option<&dyn Authorizer>,
) -> Result<Map<String, Value>, Status> {
    const KIND: &str = "SelfSubjectRulesReview";
    let spec: RulesSpec = typed(&object, "spec", KIND)?;
    if spec.namespace.is_empty() {
        return Err(Status::bad_request("no namespace on request"));
    }
    let rules = match authorizer {
        Some(authorizer) => authorizer.rules_for(user, &spec.namespace),
        None => crate::auth::everything(),
    };
    Ok(answer(Map::new(), KIND, rules_status(&rules)))
}

/// A `SubjectRulesReviewStatus`.
fn rules_status(rules: &RuleList) -> Value {
    let resource_rules: Vec<Value> = rules
        .resource_rules
        .iter()
        .map(|r| {
            let mut rule = json!({"verbs": r.verbs});
            for (field, list) in [
                ("apiGroups", &r.api_groups),
                ("resources", &r.resources),
                ("resourceNames", &r.resource_names),
            ] {
                if !list.is_empty() {
                    rule[field] = json!(list);
                }
            }
            rule
        })
        .collect();
    let non_resource_rules: Vec<Value> = rules
        .non_resource_rules
        .iter()
        .map(|r| json!({"verbs": r.verbs, "nonResourceURLs": r.non_resource_urls}))
        .collect();
    let mut status = json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": rules.incomplete,
    });
    if !rules.evaluation_error.is_empty() {
        status["evaluationError"] = json!(rules.evaluation_error);
    }
    status
}

/// An `authentication.k8s.io/v1` `UserInfo`.
fn user_info(user: &UserInfo) -> Value {
    let mut info = json!({"username": user.name});
    if !user.uid.is_empty() {
        info["uid"] = json!(user.uid);
    }
    if !user.groups.is_empty() {
        info["groups"] = json!(user.groups);
    }
    if !user.extra.is_empty() {
        info["extra"] = json!(user.extra);
    }
    info
}

/// `SelfSubjectReview`: the caller, as the server sees it (after impersonation).
fn self_subject_review(user: &UserInfo) -> Map<String, Value> {
    let review = json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": crate::validation::rfc3339_now()},
        "status": {"userInfo": user_info(user)},
    });
    match review {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[derive(Default, Deserialize)]
struct TokenSpec {
    #[serde(default, deserialize_with = "nullable")]
    token: String,
    #[serde(default, deserialize_with = "nullable")]
    audiences: Vec<String>,
}

/// `TokenReview`: the user the server's token authenticator (`--token-auth-file`) finds for
/// the token. Static tokens carry no audiences, so a review that asks for audiences is not
/// authenticated, as kube-apiserver answers for a token its authenticators do not issue for
/// them; without a token authenticator the status stays empty, as kube-apiserver's does.
fn token_review(
    object: Map<String, Value>,
    tokens: Option<&crate::auth::TokenFile>,
) -> Result<Map<String, Value>, Status> {
    const KIND: &str = "TokenReview";
    let spec: TokenSpec = typed(&object, "spec", KIND)?;
    if spec.token.is_empty() {
        return Err(Status::bad_request(
            "token is required for TokenReview in authentication",
        ));
    }
    let Some(tokens) = tokens else {
        return Ok(answer(object, KIND, json!({"user": {}})));
    };
    let user = spec
        .audiences
        .is_empty()
        .then(|| tokens.authenticate(&spec.token))
        .flatten();
    let status = match user {
        Some(user) => json!({"authenticated": true, "user": user_info(&user)}),
        None => json!({"user": {}, "error": "invalid bearer token"}),
    };
    Ok(answer(object, KIND, status))
}
