//! The access stage of every request: authentication (client certificate, bearer token,
//! anonymous), then authorization, in kube-apiserver's order and with its answers: 401 for
//! credentials that are missing (anonymous off) or wrong, 403 with kube's message otherwise.
//!
//! Also `SelfSubjectAccessReview`, so `kubectl auth can-i` asks the same authorizer.

use std::sync::Arc;

use http::Request;
use serde_json::{json, Map, Value};

use crate::auth::{
    bearer_token, forbidden, Attributes, Authorizer, Decision, RequestInfo, TokenFile, UserInfo,
};
use crate::route::{Body, Call};
use crate::status::Status;

/// How requests are authenticated and authorized.
pub(crate) struct Access {
    /// Bearer tokens (`--token-auth-file`).
    pub tokens: Option<TokenFile>,
    /// Whether requests without credentials are served as `system:anonymous`.
    pub anonymous: bool,
    /// Who may do what; `None` allows everything.
    pub authorizer: Option<Arc<dyn Authorizer>>,
}

/// What a connection's client certificate established, set on each of its requests by the TLS
/// listener.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) enum PeerIdentity {
    /// A certificate signed by the client CA: its subject's user.
    Valid(UserInfo),
    /// A certificate the client CA does not vouch for, or one that cannot be read.
    Invalid,
}

impl Access {
    /// Authenticates and authorizes `request`, leaving the user in its extensions and the
    /// credentials out of its headers.
    pub fn check(&self, request: &mut Request<Body>) -> Result<(), Status> {
        let user = self.authenticate(request)?;
        request.headers_mut().remove(http::header::AUTHORIZATION);
        let outcome = self.authorize(&user, request);
        request.extensions_mut().insert(user);
        outcome
    }

    /// The union of the authenticators, as kube-apiserver runs it: a client certificate first,
    /// then a bearer token; any that fails makes the request 401 unless another succeeds, and
    /// anonymous is the fallback only when none was presented.
    fn authenticate(&self, request: &Request<Body>) -> Result<UserInfo, Status> {
        let mut failed = false;
        match request.extensions().get::<PeerIdentity>() {
            Some(PeerIdentity::Valid(user)) => return Ok(user.clone()),
            Some(PeerIdentity::Invalid) => failed = true,
            None => {}
        }
        if let Some(tokens) = &self.tokens {
            match bearer_token(request.headers()) {
                Some(Ok(token)) => match tokens.authenticate(token) {
                    Some(user) => return Ok(user),
                    None => failed = true,
                },
                Some(Err(())) => failed = true,
                None => {}
            }
        }
        if failed || !self.anonymous {
            return Err(Status::unauthorized());
        }
        Ok(UserInfo::anonymous())
    }

    fn authorize(&self, user: &UserInfo, request: &Request<Body>) -> Result<(), Status> {
        let Some(authorizer) = &self.authorizer else {
            return Ok(());
        };
        let uri = request.uri();
        let info = RequestInfo::parse(request.method().as_str(), uri.path(), uri.query());
        let attributes = Attributes {
            user,
            request: &info,
        };
        match authorizer.authorize(&attributes) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) | Decision::NoOpinion(reason) => {
                tracing::debug!(user = %user.name, verb = %info.verb, path = %info.path, %reason, "forbidden");
                Err(forbidden(&attributes, &reason))
            }
        }
    }
}

/// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: may the caller do what the
/// review describes?
pub(crate) async fn self_subject_access_review(
    mut call: Call,
) -> Result<http::Response<Body>, Status> {
    let body = std::mem::replace(
        call.request.body_mut(),
        crate::encode::full(bytes::Bytes::new()),
    );
    let bytes = crate::encode::Collect::new(body, crate::handlers::object::MAX_BODY_BYTES).await?;
    let content_type = call
        .request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let mut review = if crate::negotiate::media_type(content_type) == crate::namespace::PROTOBUF {
        match crate::namespace::access_review_from_protobuf(&bytes) {
            Ok(Value::Object(review)) => review,
            Ok(_) => return Err(Status::bad_request("the request body must be an object")),
            Err(e) => {
                return Err(Status::bad_request(format!(
                    "the request body is not a protobuf SelfSubjectAccessReview: {e}"
                )))
            }
        }
    } else {
        crate::handlers::object::parse_object(&bytes)?
    };
    let kind = review.get("kind").and_then(Value::as_str).unwrap_or("");
    if !kind.is_empty() && kind != "SelfSubjectAccessReview" {
        return Err(Status::bad_request(format!(
            "the body must be a SelfSubjectAccessReview, not {kind:?}"
        )));
    }
    let spec = review.get("spec").cloned().unwrap_or(Value::Null);
    let info = review_request_info(&spec)?;
    let anonymous = UserInfo::anonymous();
    let user = call
        .request
        .extensions()
        .get::<UserInfo>()
        .unwrap_or(&anonymous);
    let attributes = Attributes {
        user,
        request: &info,
    };
    let decision = match call
        .state
        .access
        .as_ref()
        .and_then(|a| a.authorizer.as_ref())
    {
        Some(authorizer) => authorizer.authorize(&attributes),
        None => Decision::Allow,
    };
    let status = match decision {
        Decision::Allow => json!({"allowed": true}),
        Decision::Deny(reason) => json!({"allowed": false, "denied": true, "reason": reason}),
        Decision::NoOpinion(reason) if reason.is_empty() => json!({"allowed": false}),
        Decision::NoOpinion(reason) => json!({"allowed": false, "reason": reason}),
    };
    review.insert("apiVersion".into(), json!("authorization.k8s.io/v1"));
    review.insert("kind".into(), json!("SelfSubjectAccessReview"));
    review
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    review.insert("status".into(), status);
    Ok(crate::encode::json_response(201, &Value::Object(review)))
}

/// The request a review's `spec` describes: `resourceAttributes` or `nonResourceAttributes`.
fn review_request_info(spec: &Value) -> Result<RequestInfo, Status> {
    let text = |v: &Value, field: &str| {
        v.get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if let Some(resource) = spec.get("resourceAttributes").filter(|v| v.is_object()) {
        return Ok(RequestInfo {
            is_resource_request: true,
            verb: text(resource, "verb"),
            api_group: text(resource, "group"),
            api_version: text(resource, "version"),
            namespace: text(resource, "namespace"),
            resource: text(resource, "resource"),
            subresource: text(resource, "subresource"),
            name: text(resource, "name"),
            ..RequestInfo::default()
        });
    }
    if let Some(path) = spec.get("nonResourceAttributes").filter(|v| v.is_object()) {
        return Ok(RequestInfo {
            is_resource_request: false,
            verb: text(path, "verb"),
            path: text(path, "path"),
            ..RequestInfo::default()
        });
    }
    Err(Status::new(
        422,
        "Invalid",
        "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
    ))
}
