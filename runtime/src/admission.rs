//! Admission: user code that may change (mutating) or refuse (validating) a write before it is
//! stored, run in kube-apiserver's order: mutating admission, then schema validation, then
//! validating admission.
//!
//! Admission runs on create, update (PUT and the `/status` and `/scale` subresources), patch
//! (on the patched object) and delete (on the object being deleted; a mutation there has no
//! effect, as in Kubernetes). A refusal is a [`Status`]: [`Request::deny`] builds the 403
//! Forbidden kube-apiserver's admission plugins answer with.

use std::sync::Arc;

use serde_json::Value;

use crate::auth::UserInfo;
use crate::codegen::ResourceModel;
use crate::status::{Details, Status};

/// The operation being admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// POST.
    Create,
    /// PUT or PATCH, of the object or one of its subresources.
    Update,
    /// DELETE, of one object or each object of a collection.
    Delete,
}

impl Operation {
    /// `CREATE`, `UPDATE`, `DELETE`, as in `admission.k8s.io/v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
        }
    }
}

/// What an admission sees of a write.
#[derive(Debug)]
pub struct Request<'a> {
    /// The operation.
    pub operation: Operation,
    /// The resource written.
    pub resource: &'a ResourceModel,
    /// `status` or `scale` for a subresource write, empty for the object itself.
    pub subresource: &'a str,
    /// The object's namespace (empty for cluster-scoped resources).
    pub namespace: &'a str,
    /// The object's name.
    pub name: &'a str,
    /// Who asked, when the server authenticates requests.
    pub user: Option<&'a UserInfo>,
    /// The stored object, for updates and deletes.
    pub old_object: Option<&'a Value>,
    /// Whether this is a dry run (`?dryRun=All`): nothing will be stored.
    pub dry_run: bool,
}

impl Request<'_> {
    /// A 403 refusal: `widgets.demo.krest.dev "name" is forbidden: {message}`.
    pub fn deny(&self, message: impl std::fmt::Display) -> Status {
        let resource = self.resource.qualified_resource();
        let message = if self.name.is_empty() {
            format!("{resource} is forbidden: {message}")
        } else {
            format!("{resource} {:?} is forbidden: {message}", self.name)
        };
        Status {
            details: Some(Box::new(Details {
                name: self.name.to_string(),
                group: self.resource.group.to_string(),
                kind: self.resource.plural.to_string(),
                ..Details::default()
            })),
            ..Status::new(403, "Forbidden", message)
        }
    }
}

/// Mutating admission: may change the object before it is validated and stored.
pub trait MutatingAdmission: Send + Sync + 'static {
    /// Changes `object` in place, or refuses the write.
    fn admit(&self, request: &Request<'_>, object: &mut Value) -> Result<(), Status>;
}

/// Validating admission: accepts or refuses the object after schema validation.
pub trait ValidatingAdmission: Send + Sync + 'static {
    /// Accepts or refuses `object` (the object being deleted, for a delete).
    fn validate(&self, request: &Request<'_>, object: &Value) -> Result<(), Status>;
}

/// The admissions a server runs, in the order they were added.
#[derive(Clone, Default)]
pub(crate) struct Chain {
    pub mutating: Vec<Arc<dyn MutatingAdmission>>,
    pub validating: Vec<Arc<dyn ValidatingAdmission>>,
}

impl Chain {
    /// Runs every mutating admission, in order.
    pub fn mutate(&self, request: &Request<'_>, object: &mut Value) -> Result<(), Status> {
        self.mutating
            .iter()
            .try_for_each(|a| a.admit(request, object))
    }

    /// Runs every validating admission, in order.
    pub fn validate(&self, request: &Request<'_>, object: &Value) -> Result<(), Status> {
        self.validating
            .iter()
            .try_for_each(|a| a.validate(request, object))
    }

    /// Whether there is anything to run.
    pub fn is_empty(&self) -> bool {
        self.mutating.is_empty() && self.validating.is_empty()
    }
}
