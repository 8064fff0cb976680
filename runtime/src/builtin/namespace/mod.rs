//! The built-in core `v1` [`Namespace`], and what serving it turns on: namespaced objects may
//! only be created in a namespace that exists and is not being deleted (kube-apiserver's
//! `NamespaceLifecycle` admission: 403 in a terminating one), and namespaces terminate as
//! Kubernetes' do (`lifecycle.rs`): created with `spec.finalizers: [kubernetes]`, deleting one
//! marks it `Terminating`, and the namespace controller deletes its content (each object's
//! finalizers honoured), reports progress in `status.conditions`, and removes the `kubernetes`
//! finalizer once the namespace is empty (`PUT .../finalize` edits that list too); the
//! namespace goes when no finalizer is left.
//!
//! kubectl treats Namespace as one of its built-in kinds: its typed client sends it as protobuf
//! (`kubectl create namespace`) and `kubectl apply` patches it with a strategic merge patch, so
//! for this kind krest reads both.
//!
//! Include it with [`ServerBuilder::namespaces`](crate::ServerBuilder::namespaces) (or
//! `.resource::<krest::Namespace>()`). The server then creates `default`, `kube-system` and
//! `kube-public` when it starts, as kube-apiserver does.

pub(crate) mod lifecycle;
pub(crate) mod protobuf;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::registry::Registry;
use crate::schema::{object_schema, schema_for};
use crate::status::Status;
use crate::store::StoreError;
use crate::Resource as _;

/// The namespaces a server with namespaces always has.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// The spec of a core `v1` Namespace.
#[derive(
    krest_macros::Resource,
    schemars::JsonSchema,
    Clone,
    Debug,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
)]
#[resource(
    crate = "crate",
    group = "",
    version = "v1",
    kind = "Namespace",
    cluster,
    short_names("ns"),
    verbs(create, delete, get, list, patch, update, watch),
    status = NamespaceStatus,
    printer_column(name = "Status", type = "string", json_path = ".status.phase"),
    printer_column(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
    schema = namespace_schema
)]
pub struct NamespaceSpec {
    /// Finalizers is an opaque list of values that must be empty to permanently remove object
    /// from storage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}

/// The observed state of a Namespace.
#[derive(schemars::JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamespaceStatus {
    /// Phase is the current lifecycle phase of the namespace: `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// The Namespace schema: the derived one, with a name that must be a DNS label, a default
/// (empty) spec, as `kubectl create namespace` and most manifests leave it out, and the
/// `Active` phase by default.
fn namespace_schema() -> Value {
    let mut schema = object_schema(
        &Namespace::MODEL,
        schema_for::<NamespaceSpec>(),
        Some(schema_for::<NamespaceStatus>()),
        Vec::new(),
    );
    schema["description"] =
        json!("Namespace provides a scope for Names. Use of multiple namespaces is optional.");
    schema["properties"]["spec"]["default"] = json!({});
    schema["properties"]["status"]["default"] = json!({"phase": "Active"});
    schema["properties"]["metadata"] = json!({
        "type": "object",
        "properties": {"name": {
            "type": "string",
            "maxLength": 63,
            "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        }},
    });
    if let Some(map) = schema.as_object_mut() {
        map.remove("required");
    }
    schema
}

/// Whether `state` serves namespaces.
pub(crate) fn served(registry: &Registry) -> bool {
    registry.resources.iter().any(|e| is_namespace(&e.model))
}

/// Creates the system namespaces that do not exist yet.
pub(crate) async fn bootstrap(registry: &Registry) -> Result<(), StoreError> {
    for name in SYSTEM_NAMESPACES {
        ensure(registry, name).await?;
    }
    Ok(())
}

/// Creates namespace `name` unless it exists.
async fn ensure(registry: &Registry, name: &str) -> Result<(), StoreError> {
    let mut namespace = Namespace::new(
        name,
        NamespaceSpec {
            finalizers: vec![lifecycle::FINALIZER.into()],
        },
    );
    namespace.status = Some(NamespaceStatus {
        phase: Some("Active".into()),
    });
    let meta = &mut namespace.metadata;
    meta.uid = Some(crate::validation::new_uid());
    meta.creation_timestamp = Some(crate::validation::rfc3339_now());
    meta.generation = Some(1);
    let bytes = serde_json::to_vec(&namespace).map_err(|e| StoreError::Backend(e.to_string()))?;
    match registry
        .store
        .create(
            &crate::stored::key(&Namespace::MODEL, None, name),
            bytes.into(),
        )
        .await
    {
        Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(e) => Err(e),
    }
}

/// NamespaceLifecycle: a namespaced object may be created only in a namespace that exists and
/// is not being deleted. The system namespaces are created on first use.
pub(crate) async fn check_create(registry: &Registry, namespace: &str) -> Result<(), Status> {
    if !served(registry) {
        return Ok(());
    }
    let key = crate::stored::key(&Namespace::MODEL, None, namespace);
    let mut found = registry.store.get(&key).await.map_err(Status::from)?;
    if found.is_none() && SYSTEM_NAMESPACES.contains(&namespace) {
        ensure(registry, namespace).await.map_err(Status::from)?;
        found = registry.store.get(&key).await.map_err(Status::from)?;
    }
    let Some(kv) = found else {
        return Err(Status::not_found_namespace(namespace));
    };
    let terminating = serde_json::from_slice::<Value>(&kv.value)
        .ok()
        .is_some_and(|ns| {
            ns["metadata"]
                .get("deletionTimestamp")
                .is_some_and(|t| !t.is_null())
        });
    if terminating {
        return Err(Status::new(
            403,
            "Forbidden",
            format!("unable to create new content in namespace {namespace} because it is being terminated"),
        ));
    }
    Ok(())
}

/// Decodes a protobuf Namespace body into JSON.
pub(crate) fn from_protobuf(body: &[u8]) -> Result<Value, String> {
    protobuf::namespace_to_json(body)
}

/// Applies a strategic merge patch to a Namespace (see `patch/strategic.rs`).
pub(crate) fn strategic_merge(target: &mut Value, patch: &Value) {
    crate::patch::strategic::apply(target, patch);
}

/// Whether `model` is the core Namespace.
pub(crate) fn is_namespace(model: &crate::codegen::ResourceModel) -> bool {
    model.group.is_empty() && model.plural == "namespaces"
}
