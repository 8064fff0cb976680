//! Errors as `metav1.Status`: every failure krest answers over HTTP is built here.

use std::fmt;

use serde::Serialize;
use serde_json::json;

use crate::codegen::ResourceModel;

/// A `metav1.Status` failure: the error type of every handler.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Status {
    /// The HTTP status code.
    pub code: u16,
    /// The machine-readable reason: `NotFound`, `Conflict`, ...
    pub reason: &'static str,
    /// The human-readable message.
    pub message: String,
    /// `details`, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<Details>>,
}

/// `metav1.StatusDetails`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Details {
    /// The object's name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The resource's group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The resource plural (or the kind, for Invalid).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's uid.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Field-level causes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
    /// Seconds after which to retry; also sent as `Retry-After`.
    #[serde(rename = "retryAfterSeconds", skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

/// `metav1.StatusCause`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cause {
    /// `FieldValueInvalid`, `FieldValueRequired`, ...
    pub reason: &'static str,
    /// What is wrong.
    pub message: String,
    /// The field path: `metadata.name`.
    pub field: String,
}

impl Cause {
    /// A cause of `reason` at `field`.
    pub fn new(
        reason: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Cause {
        Cause {
            reason,
            message: message.into(),
            field: field.into(),
        }
    }

    /// `field: Invalid value: "value": message`, as Kubernetes words a cause.
    pub fn invalid(field: &str, value: &str, message: &str) -> Cause {
        Cause::new(
            "FieldValueInvalid",
            field,
            format!("Invalid value: {}: {message}", json!(value)),
        )
    }

    /// `field: Required value: message`.
    pub fn required(field: &str, message: &str) -> Cause {
        Cause::new(
            "FieldValueRequired",
            field,
            format!("Required value: {message}"),
        )
    }

    /// `field: Forbidden: message`.
    pub fn forbidden(field: &str, message: &str) -> Cause {
        Cause::new(
            "FieldValueForbidden",
            field,
            format!("Forbidden: {message}"),
        )
    }

    /// `field: Too long: message`.
    pub fn too_long(field: &str, message: &str) -> Cause {
        Cause::new("FieldValueTooLong", field, format!("Too long: {message}"))
    }
}

/// The name of a resource in messages: `widgets.demo.krest.dev`.
fn qualified(model: &ResourceModel) -> String {
    model.qualified_resource()
}

impl Status {
    /// A failure with no details.
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Status {
        Status {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// 409 for an apply that would change fields other managers own: one
    /// `FieldManagerConflict` cause per field, as kube-apiserver's `NewApplyConflict`.
    pub fn apply_conflict(causes: Vec<Cause>, message: impl Into<String>) -> Status {
        let mut status = Status::new(409, "Conflict", message);
        status.details = Some(Box::new(Details {
            causes,
            ..Details::default()
        }));
        status
    }

    fn with_details(mut self, model: &ResourceModel, name: &str) -> Status {
        self.details = Some(Box::new(Details {
            name: name.to_string(),
            group: model.group.to_string(),
            kind: model.plural.to_string(),
            ..Details::default()
        }));
        self
    }

    /// 404: `widgets.demo.krest.dev "a" not found`.
    pub fn not_found(model: &ResourceModel, name: &str) -> Status {
        Status::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(model)),
        )
        .with_details(model, name)
    }

    /// 404 for a namespace that cannot exist (not a DNS label).
    pub fn not_found_namespace(namespace: &str) -> Status {
        let mut status = Status::new(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        );
        status.details = Some(Box::new(Details {
            name: namespace.to_string(),
            kind: "namespaces".into(),
            ..Details::default()
        }));
        status
    }

    /// 409: `widgets.demo.krest.dev "a" already exists`.
    pub fn already_exists(model: &ResourceModel, name: &str) -> Status {
        Status::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(model)),
        )
        .with_details(model, name)
    }

    /// 409: the object was modified since it was read.
    pub fn conflict(model: &ResourceModel, name: &str, why: &str) -> Status {
        Status::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                qualified(model)
            ),
        )
        .with_details(model, name)
    }

    /// 409 for a stale `resourceVersion`.
    pub fn modified(model: &ResourceModel, name: &str) -> Status {
        Status::conflict(
            model,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422: `Widget.demo.krest.dev "a" is invalid: [causes]`.
    pub fn invalid(model: &ResourceModel, name: &str, causes: Vec<Cause>) -> Status {
        let group_kind = if model.group.is_empty() {
            model.kind.to_string()
        } else {
            format!("{}.{}", model.kind, model.group)
        };
        let list: Vec<String> = causes
            .iter()
            .map(|c| {
                if c.field.is_empty() {
                    c.message.clone()
                } else {
                    format!("{}: {}", c.field, c.message)
                }
            })
            .collect();
        let joined = if list.len() == 1 {
            list[0].clone()
        } else {
            format!("[{}]", list.join(", "))
        };
        Status {
            code: 422,
            reason: "Invalid",
            message: format!("{group_kind} \"{name}\" is invalid: {joined}"),
            details: Some(Box::new(Details {
                name: name.to_string(),
                group: model.group.to_string(),
                kind: model.kind.to_string(),
                causes,
                ..Details::default()
            })),
        }
    }

    /// 422 for a JSON patch that does not apply. kube-apiserver answers it with this fixed
    /// message and no cause (`NewGenericServerResponse`); krest adds the patch library's error
    /// as a cause on `patch`, which kubectl prints.
    pub fn patch_not_applied(why: impl Into<String>) -> Status {
        Status {
            code: 422,
            reason: "Invalid",
            message: "the server rejected our request due to an error in our request".into(),
            details: Some(Box::new(Details {
                causes: vec![Cause::new("FieldValueInvalid", "patch", why)],
                ..Details::default()
            })),
        }
    }

    /// 400 with a free-text message.
    pub fn bad_request(message: impl Into<String>) -> Status {
        Status::new(400, "BadRequest", message)
    }

    /// 405 for a known path with a method it does not answer.
    pub fn method_not_allowed(message: impl Into<String>) -> Status {
        Status::new(405, "MethodNotAllowed", message)
    }

    /// 406: no acceptable media type.
    pub fn not_acceptable(accepted: &[&str]) -> Status {
        Status::new(
            406,
            "NotAcceptable",
            format!(
                "only the following media types are accepted: {}",
                accepted.join(", ")
            ),
        )
    }

    /// 415: the request body's content type is not accepted.
    pub fn unsupported_media_type(accepted: &[&str]) -> Status {
        Status::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    /// 413: the body is larger than allowed.
    pub fn too_large(limit: usize) -> Status {
        Status::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
        )
    }

    /// 401: the request's credentials are missing (with anonymous requests off) or invalid.
    pub fn unauthorized() -> Status {
        Status::new(401, "Unauthorized", "Unauthorized")
    }

    /// 429 with `Retry-After: 1`: too many requests in flight.
    pub fn too_many_requests() -> Status {
        Status {
            code: 429,
            reason: "TooManyRequests",
            message: "Too many requests, please try again later.".into(),
            details: Some(Box::new(Details {
                retry_after_seconds: Some(1),
                ..Details::default()
            })),
        }
    }

    /// 504: a request ran past the server's request timeout.
    pub fn timeout() -> Status {
        Status::new(
            504,
            "Timeout",
            "Timeout: request did not complete within the allotted timeout",
        )
    }

    /// 410: the requested revision has been compacted.
    pub fn expired(message: impl Into<String>) -> Status {
        Status::new(410, "Expired", message)
    }

    /// 500 with the cause's text.
    pub fn internal(message: impl fmt::Display) -> Status {
        let message = message.to_string();
        Status {
            code: 500,
            reason: "InternalError",
            message: format!("Internal error occurred: {message}"),
            details: Some(Box::new(Details {
                causes: vec![Cause::new("", "", message)],
                ..Details::default()
            })),
        }
    }

    /// 501 for something krest does not serve yet.
    pub fn not_implemented(message: impl Into<String>) -> Status {
        Status::new(501, "NotImplemented", message)
    }

    /// 404 for a path no route serves.
    pub fn path_not_found() -> Status {
        Status::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 504 with `Retry-After`: a revision newer than the store's.
    pub fn too_large_resource_version(requested: u64, current: u64) -> Status {
        Status {
            code: 504,
            reason: "Timeout",
            message: format!(
                "Timeout: Too large resource version: {requested}, current: {current}"
            ),
            details: Some(Box::new(Details {
                causes: vec![Cause::new(
                    "ResourceVersionTooLarge",
                    "",
                    format!("Too large resource version: {requested}, current: {current}"),
                )],
                retry_after_seconds: Some(1),
                ..Details::default()
            })),
        }
    }

    /// The Status object as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            v["details"] = serde_json::to_value(details).unwrap_or_default();
        }
        v
    }

    /// The Status as an HTTP response.
    pub fn into_response(self) -> http::Response<crate::Body> {
        let retry = self.details.as_ref().and_then(|d| d.retry_after_seconds);
        let mut response = crate::response::json_response(self.code, &self.to_json());
        if let Some(seconds) = retry {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A request body that could not be read: 413 past the limit, 400 when the connection failed.
impl From<crate::response::CollectError> for Status {
    fn from(e: crate::response::CollectError) -> Status {
        match e {
            crate::response::CollectError::TooLarge(limit) => Status::too_large(limit),
            crate::response::CollectError::Read(e) => {
                Status::bad_request(format!("reading the request body: {e}"))
            }
        }
    }
}

/// How a store failure reads over HTTP, in one place for every handler.
impl From<crate::store::StoreError> for Status {
    fn from(e: crate::store::StoreError) -> Status {
        use crate::store::StoreError;
        match e {
            StoreError::Expired { requested, compacted } => Status::expired(format!(
                "The resourceVersion for the provided list is too old: requested {requested}, oldest available {compacted}"
            )),
            StoreError::FutureRevision { requested, current } => {
                Status::too_large_resource_version(requested, current)
            }
            StoreError::TooLarge { limit, .. } => {
                let mut status = Status::too_large(limit);
                status.message = format!("Request entity too large: {e}");
                status
            }
            other => Status::internal(other),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for Status {}

/// A `Status{status: Success}` as returned by DELETE.
pub fn success(model: &ResourceModel, name: &str, uid: &str) -> serde_json::Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": model.group, "kind": model.plural, "uid": uid},
    })
}
