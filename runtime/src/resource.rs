//! The [`Resource`] trait that `#[derive(Resource)]` implements, and object metadata.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::codegen::ResourceModel;
use crate::route::Route;

/// A kind krest can serve: implemented by `#[derive(Resource)]` on the kind's spec struct.
///
/// The model and the route table are `const` data computed at compile time.
pub trait Resource: Data {
    /// The spec struct the derive was applied to.
    type Spec: Data;
    /// The status type, or `()` when the kind has no status subresource.
    type Status;
    /// Group, version, kind, names, scope, verbs, subresources, printer columns.
    const MODEL: ResourceModel;
    /// Every route of the kind, as kube-apiserver's `registerResourceHandlers` would build it,
    /// with the handler that serves it.
    const ROUTES: &'static [Route];

    /// The structural OpenAPI v3 schema of a whole object: what `/openapi/v3` publishes and
    /// what writes are defaulted and validated against. The derive builds it with
    /// [`object_schema`](crate::schema::object_schema) from the spec's and status's
    /// `JsonSchema`, or calls the function given as `#[resource(schema = path)]`.
    fn schema() -> serde_json::Value;

    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;
    /// The object's metadata, mutably.
    fn metadata_mut(&mut self) -> &mut ObjectMeta;
}

/// What a spec or status type must be: serializable, cloneable, printable, shareable.
pub trait Data:
    Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static
{
}

impl<T> Data for T where
    T: Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static
{
}

/// Standard object metadata (`metav1.ObjectMeta`), the fields clients set and read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    /// Unique within a namespace (or the server, for cluster-scoped kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A prefix from which the server generates a unique name when `name` is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// The namespace of a namespaced object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Set by the server on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The store revision of the last write, for optimistic concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Grows when anything outside metadata (and status) changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// RFC 3339, second precision, set by the server on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Set when deletion was requested while finalizers remain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// Seconds allowed for graceful deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Labels, matched by label selectors.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations: free-form data for tools.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Finalizers that must be removed before the object is deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
    /// Owners of the object.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<serde_json::Value>,
    /// Which field managers set which fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_fields: Vec<serde_json::Value>,
}

impl ObjectMeta {
    /// Metadata with only a name.
    pub fn named(name: &str) -> Self {
        ObjectMeta {
            name: Some(name.to_string()),
            ..ObjectMeta::default()
        }
    }
}

/// Serializes an object with `apiVersion` and `kind` first, as Kubernetes does, then
/// `metadata`, `spec`, `status` and what `fields` writes (the extra top-level fields). Called by
/// generated `Serialize` impls.
#[doc(hidden)]
pub fn serialize_object<R, S, Sp, St>(
    serializer: S,
    metadata: &ObjectMeta,
    spec: &Sp,
    status: Option<&St>,
    fields: impl FnOnce(&mut S::SerializeStruct) -> Result<(), S::Error>,
) -> Result<S::Ok, S::Error>
where
    R: Resource,
    S: Serializer,
    Sp: Serialize,
    St: Serialize,
{
    let api_version = if R::MODEL.group.is_empty() {
        R::MODEL.version.to_string()
    } else {
        format!("{}/{}", R::MODEL.group, R::MODEL.version)
    };
    let mut object = serializer.serialize_struct("Object", 5)?;
    object.serialize_field("apiVersion", &api_version)?;
    object.serialize_field("kind", &*R::MODEL.kind)?;
    object.serialize_field("metadata", metadata)?;
    object.serialize_field("spec", spec)?;
    if let Some(status) = status {
        object.serialize_field("status", status)?;
    }
    fields(&mut object)?;
    object.end()
}

/// The wire shape of an object, decoded by generated `Deserialize` impls. `apiVersion` and
/// `kind` are checked by the handlers against the route, not here.
#[doc(hidden)]
#[derive(Deserialize)]
pub struct ObjectRepr<Sp, St> {
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: Sp,
    #[serde(default = "Option::default")]
    pub status: Option<St>,
}
