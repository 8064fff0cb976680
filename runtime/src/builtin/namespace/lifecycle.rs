//! Namespace termination, as kube-apiserver and kube-controller-manager's namespace controller
//! have it: every Namespace is created with `spec.finalizers: [kubernetes]` (and keeps them
//! through updates: only `PUT .../finalize` changes them); deleting it marks it `Terminating`;
//! a controller then deletes its content (honouring each object's finalizers and, through the
//! garbage collector, its dependents), reports progress in `status.conditions`, and removes the
//! `kubernetes` finalizer once nothing is left, which lets the namespace go.

use std::sync::Arc;
use std::time::Duration;

use http::Response;
use serde_json::{json, Map, Value};

use super::{is_namespace, Namespace};
use crate::admission::{MutatingAdmission, Operation, Request};
use crate::codegen::Method;
use crate::registry::Registry;
use crate::response::Body;
use crate::route::{Call, CustomHandler};
use crate::status::Status;
use crate::store::{KeyValue, ListOptions, StoreError};
use crate::Resource as _;

/// The finalizer kube-apiserver puts in every namespace's spec.
pub(crate) const FINALIZER: &str = "kubernetes";

/// How often terminating namespaces are looked at.
const PERIOD: Duration = Duration::from_millis(200);

/// Whether a stored or served object still has finalizers: `metadata.finalizers`, and for a
/// Namespace, `spec.finalizers` too.
pub(crate) fn finalizers_left(value: &Value) -> bool {
    let non_empty = |v: &Value| v.as_array().is_some_and(|f| !f.is_empty());
    non_empty(&value["metadata"]["finalizers"])
        || (value["kind"] == "Namespace" && non_empty(&value["spec"]["finalizers"]))
}

/// The Namespace's strategy on writes (kube-apiserver's `PrepareForCreate` and
/// `PrepareForUpdate`): created with `spec.finalizers: [kubernetes]`; an update keeps the
/// finalizers it had.
pub(crate) struct Strategy;

impl MutatingAdmission for Strategy {
    fn admit(&self, request: &Request<'_>, object: &mut Value) -> Result<(), Status> {
        if !is_namespace(request.resource) || !request.subresource.is_empty() {
            return Ok(());
        }
        match request.operation {
            Operation::Create => object["spec"]["finalizers"] = json!([FINALIZER]),
            Operation::Update => {
                let kept = request
                    .old_object
                    .and_then(|old| old["spec"].get("finalizers"))
                    .cloned();
                match (kept, object["spec"].as_object_mut()) {
                    (Some(kept), _) => object["spec"]["finalizers"] = kept,
                    (None, Some(spec)) => {
                        spec.remove("finalizers");
                    }
                    (None, None) => {}
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// `PUT /api/v1/namespaces/{name}/finalize`: sets `spec.finalizers` to the body's; a
/// terminating namespace left with no finalizer goes.
pub(crate) fn finalize_route() -> (Method, String, CustomHandler) {
    let handler: CustomHandler = Arc::new(|call: Call| {
        Box::pin(async move { finalize(call).await.unwrap_or_else(Status::into_response) })
    });
    (
        Method::Put,
        "/api/v1/namespaces/{name}/finalize".to_string(),
        handler,
    )
}

async fn finalize(mut call: Call) -> Result<Response<Body>, Status> {
    let name = call
        .name()
        .map(|n| n.into_owned())
        .ok_or_else(|| Status::internal("finalize without a name"))?;
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
    let decode = |bytes: &[u8]| super::from_protobuf(bytes);
    let (object, _) = crate::request_body::read_object(
        body,
        content_type.as_deref(),
        Some(("Namespace", &decode)),
    )
    .await?;
    let finalizers = object
        .get("spec")
        .and_then(|s| s.get("finalizers"))
        .cloned()
        .unwrap_or(json!([]));
    let Some(list) = finalizers.as_array() else {
        return Err(Status::bad_request("spec.finalizers must be a list"));
    };
    let causes: Vec<_> = list
        .iter()
        .filter(|f| f.as_str() != Some(FINALIZER))
        .flat_map(|f| crate::validation::validate_finalizers(std::slice::from_ref(f)))
        .collect();
    if !causes.is_empty() {
        return Err(Status::invalid(&Namespace::MODEL, &name, causes));
    }
    let registry = call.registry.clone();
    let key = crate::stored::key(&Namespace::MODEL, None, &name);
    loop {
        let kv = registry
            .store
            .get(&key)
            .await
            .map_err(Status::from)?
            .ok_or_else(|| Status::not_found(&Namespace::MODEL, &name))?;
        let mut value = crate::stored::decode_stored(&kv, &Namespace::MODEL)?;
        if list.is_empty() {
            if let Some(spec) = value["spec"].as_object_mut() {
                spec.remove("finalizers");
            }
        } else {
            value["spec"]["finalizers"] = finalizers.clone();
        }
        match write_back(&registry, &kv, &value).await {
            Ok(Some(revision)) => {
                crate::stored::set_resource_version(&mut value, revision);
                return Ok(crate::response::json_response(200, &value));
            }
            Ok(None) => continue,
            Err(e) => return Err(Status::from(e)),
        }
    }
}

/// Writes a namespace back (or deletes it, when it is terminating with no finalizer left);
/// `Ok(None)` on a conflict.
async fn write_back(
    registry: &Registry,
    kv: &KeyValue,
    value: &Value,
) -> Result<Option<u64>, StoreError> {
    let deleting = value["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|t| !t.is_null());
    let result = if deleting && !finalizers_left(value) {
        registry
            .store
            .delete(&kv.key, Some(kv.mod_revision))
            .await
            .map(|(revision, _)| revision)
    } else {
        let bytes = crate::stored::encode_for_store(value, &Namespace::MODEL)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        registry.store.update(&kv.key, bytes, kv.mod_revision).await
    };
    match result {
        Ok(revision) => Ok(Some(revision)),
        Err(StoreError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Starts the namespace controller: every [`PERIOD`], each terminating namespace has its
/// content deleted, its conditions updated, and its `kubernetes` finalizer removed once empty.
pub(crate) fn start(registry: Arc<Registry>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = terminate_all(&registry).await {
                tracing::warn!(error = %e, "namespace controller");
            }
            tokio::time::sleep(PERIOD).await;
        }
    })
}

async fn terminate_all(registry: &Registry) -> Result<(), StoreError> {
    let prefix = crate::stored::key(&Namespace::MODEL, None, "");
    let page = registry.store.list(&prefix, ListOptions::default()).await?;
    for kv in page.items {
        let value: Value = serde_json::from_slice(&kv.value)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", kv.key)))?;
        if value["metadata"]
            .get("deletionTimestamp")
            .is_some_and(|t| !t.is_null())
        {
            let name = value["metadata"]["name"].as_str().unwrap_or("").to_string();
            terminate(registry, &name).await?;
        }
    }
    Ok(())
}

/// What is left in a namespace: objects by resource, and objects by finalizer.
#[derive(Default)]
struct Remaining {
    resources: Vec<(String, usize)>,
    finalizers: std::collections::BTreeMap<String, usize>,
    failures: Vec<String>,
}

/// One pass over a terminating namespace.
async fn terminate(registry: &Registry, name: &str) -> Result<(), StoreError> {
    let mut remaining = Remaining::default();
    let mut prefixes = std::collections::HashSet::new();
    for entry in registry.resources.iter().filter(|e| e.model.namespaced()) {
        let prefix = crate::stored::key(&entry.model, Some(name), "");
        if !prefixes.insert(prefix.clone()) {
            // The same objects as another resource (events.k8s.io's and core's Events).
            continue;
        }
        let page = registry.store.list(&prefix, ListOptions::default()).await?;
        if page.items.is_empty() {
            continue;
        }
        let mut count = 0;
        for kv in &page.items {
            let value: Value = match serde_json::from_slice(&kv.value) {
                Ok(value) => value,
                Err(e) => {
                    remaining.failures.push(format!("{}: {e}", kv.key));
                    continue;
                }
            };
            let deleting = value["metadata"]
                .get("deletionTimestamp")
                .is_some_and(|t| !t.is_null());
            if !deleting {
                if let Err(e) = crate::gc::delete(
                    registry,
                    &kv.key,
                    crate::handlers::delete::Propagation::Background,
                )
                .await
                {
                    remaining.failures.push(format!("{}: {e}", kv.key));
                }
            }
            // Whether it went: read it again.
            match registry.store.get(&kv.key).await? {
                None => {}
                Some(now) => {
                    count += 1;
                    let value: Value = serde_json::from_slice(&now.value).unwrap_or(Value::Null);
                    for f in value["metadata"]["finalizers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        if let Some(f) = f.as_str() {
                            *remaining.finalizers.entry(f.to_string()).or_default() += 1;
                        }
                    }
                }
            }
        }
        if count > 0 {
            let resource = if entry.model.group.is_empty() {
                entry.model.plural.to_string()
            } else {
                format!("{}.{}", entry.model.plural, entry.model.group)
            };
            remaining.resources.push((resource, count));
        }
    }
    let done = remaining.resources.is_empty() && remaining.failures.is_empty();
    let conditions = conditions(&remaining);
    let key = crate::stored::key(&Namespace::MODEL, None, name);
    loop {
        let Some(kv) = registry.store.get(&key).await? else {
            return Ok(());
        };
        let mut value = crate::stored::decode_stored(&kv, &Namespace::MODEL)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let changed = set_conditions(&mut value, &conditions);
        let mut finalized = false;
        if done {
            if let Some(list) = value["spec"]
                .get_mut("finalizers")
                .and_then(Value::as_array_mut)
            {
                let before = list.len();
                list.retain(|f| f != FINALIZER);
                finalized = list.len() != before;
                if list.is_empty() {
                    if let Some(spec) = value["spec"].as_object_mut() {
                        spec.remove("finalizers");
                    }
                }
            }
        }
        let gone = !finalizers_left(&value);
        if !changed && !finalized && !gone {
            return Ok(());
        }
        if write_back(registry, &kv, &value).await?.is_some() {
            return Ok(());
        }
    }
}

/// The conditions kube-controller-manager's namespace controller writes, for `remaining`.
fn conditions(remaining: &Remaining) -> Vec<(&'static str, bool, &'static str, String)> {
    let content_failure = if remaining.failures.is_empty() {
        (
            "NamespaceDeletionContentFailure",
            false,
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization".to_string(),
        )
    } else {
        (
            "NamespaceDeletionContentFailure",
            true,
            "ContentDeletionFailed",
            format!(
                "Failed to delete all resource types, {} remaining: {}",
                remaining.failures.len(),
                remaining.failures.join(", ")
            ),
        )
    };
    let content = if remaining.resources.is_empty() {
        (
            "NamespaceContentRemaining",
            false,
            "ContentRemoved",
            "All content successfully removed".to_string(),
        )
    } else {
        let list: Vec<String> = remaining
            .resources
            .iter()
            .map(|(r, n)| format!("{r} has {n} resource instances"))
            .collect();
        (
            "NamespaceContentRemaining",
            true,
            "SomeResourcesRemain",
            format!("Some resources are remaining: {}", list.join(", ")),
        )
    };
    let finalizers = if remaining.finalizers.is_empty() {
        (
            "NamespaceFinalizersRemaining",
            false,
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished".to_string(),
        )
    } else {
        let list: Vec<String> = remaining
            .finalizers
            .iter()
            .map(|(f, n)| format!("{f} in {n} resource instances"))
            .collect();
        (
            "NamespaceFinalizersRemaining",
            true,
            "SomeFinalizersRemain",
            format!(
                "Some content in the namespace has finalizers remaining: {}",
                list.join(", ")
            ),
        )
    };
    vec![
        (
            "NamespaceDeletionDiscoveryFailure",
            false,
            "ResourcesDiscovered",
            "All resources successfully discovered".to_string(),
        ),
        (
            "NamespaceDeletionGroupVersionParsingFailure",
            false,
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed".to_string(),
        ),
        content_failure,
        content,
        finalizers,
    ]
}

/// Sets `status.conditions` to `wanted`, keeping the `lastTransitionTime` of a condition whose
/// status did not change; returns whether anything changed.
fn set_conditions(
    value: &mut Value,
    wanted: &[(&'static str, bool, &'static str, String)],
) -> bool {
    let old: Vec<Value> = value["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let now = crate::validation::rfc3339_now();
    let conditions: Vec<Value> = wanted
        .iter()
        .map(|(kind, status, reason, message)| {
            let status = if *status { "True" } else { "False" };
            let previous = old.iter().find(|c| c["type"] == *kind);
            let since = previous
                .filter(|c| c["status"] == status)
                .and_then(|c| c.get("lastTransitionTime").cloned())
                .unwrap_or_else(|| json!(now));
            let mut condition = Map::new();
            condition.insert("type".into(), json!(kind));
            condition.insert("status".into(), json!(status));
            condition.insert("lastTransitionTime".into(), since);
            condition.insert("reason".into(), json!(reason));
            condition.insert("message".into(), json!(message));
            Value::Object(condition)
        })
        .collect();
    if conditions == old {
        return false;
    }
    value["status"]["conditions"] = Value::Array(conditions);
    true
}
