//! DELETE of one object and of a collection, with finalizers, preconditions and the garbage
//! collector's `propagationPolicy` (`orphanDependents`, deprecated, too): `Foreground` and
//! `Orphan` leave the object marked for deletion with the `foregroundDeletion` or `orphan`
//! finalizer, which the collector (`gc/`) removes when its dependents are done with.

use http::Response;
use serde_json::{json, Value};

use super::context::Ctx;
use super::read::read_list;
use crate::admission::Operation;
use crate::codegen::ResourceModel;
use crate::request_body::parse_object;
use crate::response::Body;
use crate::selection::Selection;
use crate::status::{success, Status};
use crate::store::{KeyValue, StoreError};
use crate::stored::{encode_for_store, set_resource_version};
use crate::validation;

/// `DeleteOptions` from the body and the query.
#[derive(Default)]
struct Options {
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: bool,
    /// `propagationPolicy`, or what `orphanDependents` says; `None`: the object's own
    /// finalizers decide (dependents are collected in the background).
    propagation: Option<Propagation>,
}

/// What happens to an object's dependents when it is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Propagation {
    /// The owner goes once its reference is removed from every dependent.
    Orphan,
    /// The owner goes now; the garbage collector deletes the dependents afterwards.
    Background,
    /// The dependents that block the owner go first, then the owner.
    Foreground,
}

/// Adds the finalizer `policy` asks for and removes the other garbage-collection one, as
/// kube-apiserver's `deletionFinalizersForGarbageCollection` does (`Background` removes both;
/// no policy changes nothing). Returns whether the finalizers changed.
pub(crate) fn set_propagation_finalizers(value: &mut Value, policy: Option<Propagation>) -> bool {
    const ORPHAN: &str = "orphan";
    const FOREGROUND: &str = "foregroundDeletion";
    let Some(policy) = policy else {
        return false;
    };
    let (add, remove): (Option<&str>, &[&str]) = match policy {
        Propagation::Orphan => (Some(ORPHAN), &[FOREGROUND]),
        Propagation::Foreground => (Some(FOREGROUND), &[ORPHAN]),
        Propagation::Background => (None, &[ORPHAN, FOREGROUND]),
    };
    let meta = &mut value["metadata"];
    let mut finalizers: Vec<Value> = meta["finalizers"].as_array().cloned().unwrap_or_default();
    let before = finalizers.clone();
    finalizers.retain(|f| !remove.iter().any(|r| f == r));
    if let Some(add) = add {
        if !finalizers.iter().any(|f| f == add) {
            finalizers.push(json!(add));
        }
    }
    if finalizers == before {
        return false;
    }
    if finalizers.is_empty() {
        if let Some(meta) = meta.as_object_mut() {
            meta.remove("finalizers");
        }
    } else {
        meta["finalizers"] = Value::Array(finalizers);
    }
    true
}

async fn options(ctx: &mut Ctx) -> Result<Options, Status> {
    let mut options = Options {
        dry_run: ctx.dry_run()?,
        ..Options::default()
    };
    let q = ctx.query();
    q.int("gracePeriodSeconds")?;
    let propagation = q.text("propagationPolicy").map(|p| p.into_owned());
    let mut orphan = match q.text("orphanDependents").as_deref() {
        None => None,
        Some("true" | "1" | "") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => {
            return Err(Status::bad_request(format!(
                "orphanDependents: invalid value {other:?}: must be true or false"
            )))
        }
    };
    let body = ctx.body().await?;
    let mut propagation_body = None;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let body = parse_object(&body)?;
        if let Some(pre) = body.get("preconditions") {
            options.uid = pre.get("uid").and_then(Value::as_str).map(str::to_string);
            options.resource_version = pre
                .get("resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        if body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|v| v == "All"))
        {
            options.dry_run = true;
        }
        propagation_body = body
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(value) = body.get("orphanDependents").and_then(Value::as_bool) {
            orphan = Some(value);
        }
    }
    if let Some(p) = propagation.or(propagation_body) {
        if !matches!(p.as_str(), "Orphan" | "Background" | "Foreground") {
            return Err(Status::new(
                422,
                "Invalid",
                format!("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""),
            ));
        }
        if orphan.is_some() {
            return Err(Status::new(
                422,
                "Invalid",
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"\": orphanDependents and deletionPropagation cannot be both set",
            ));
        }
        options.propagation = Some(match p.as_str() {
            "Orphan" => Propagation::Orphan,
            "Foreground" => Propagation::Foreground,
            _ => Propagation::Background,
        });
    } else if let Some(orphan) = orphan {
        options.propagation = Some(if orphan {
            Propagation::Orphan
        } else {
            Propagation::Background
        });
    }
    Ok(options)
}

/// What deleting one object did.
enum Deleted {
    /// Removed now; the last state, at the deletion's revision.
    Gone(Value),
    /// Finalizers remain: the object, now marked for deletion.
    Pending(Value),
}

/// Deletes one stored object: removes it, or marks it when finalizers remain. Retries when a
/// concurrent write got in between, unless preconditions pin the revision.
async fn delete_one(ctx: &Ctx, name: &str, options: &Options) -> Result<Deleted, Status> {
    let model = ctx.model().clone();
    let store = &ctx.registry().store;
    let key = ctx.key(name);
    loop {
        let (kv, object) = ctx.read(name).await?;
        let mut value = object.into_value();
        check_preconditions(&model, name, options, &value)?;
        admit_delete(ctx, name, &value)?;
        let changed = set_propagation_finalizers(&mut value, options.propagation);
        // A Namespace's `spec.finalizers` hold it too.
        let finalizers = crate::builtin::namespace::lifecycle::finalizers_left(&value);
        if finalizers {
            let deleting = value["metadata"]
                .get("deletionTimestamp")
                .is_some_and(|t| !t.is_null());
            if deleting && !changed {
                return Ok(Deleted::Pending(value));
            }
            if !deleting {
                mark_deleting(&mut value);
            }
            let namespace = crate::builtin::namespace::is_namespace(&model);
            if namespace {
                value["status"]["phase"] = json!("Terminating");
            }
            if options.dry_run {
                return Ok(Deleted::Pending(value));
            }
            match store
                .update(&key, encode_for_store(&value, &model)?, kv.mod_revision)
                .await
            {
                Ok(revision) => {
                    // A terminating namespace: the namespace controller deletes its content.
                    set_resource_version(&mut value, revision);
                    return Ok(Deleted::Pending(value));
                }
                Err(StoreError::Conflict { .. }) if options.resource_version.is_none() => continue,
                Err(StoreError::Conflict { .. }) => return Err(Status::modified(&model, name)),
                Err(StoreError::NotFound) => return Err(Status::not_found(&model, name)),
                Err(e) => return Err(Status::from(e)),
            }
        }
        if options.dry_run {
            return Ok(Deleted::Gone(value));
        }
        match store.delete(&key, Some(kv.mod_revision)).await {
            Ok((revision, _)) => {
                set_resource_version(&mut value, revision);
                return Ok(Deleted::Gone(value));
            }
            Err(StoreError::Conflict { .. }) if options.resource_version.is_none() => continue,
            Err(StoreError::Conflict { .. }) => return Err(Status::modified(&model, name)),
            Err(StoreError::NotFound) => return Err(Status::not_found(&model, name)),
            Err(e) => return Err(Status::from(e)),
        }
    }
}

/// Runs admission on the object about to be deleted (a mutation there changes nothing).
fn admit_delete(ctx: &Ctx, name: &str, value: &Value) -> Result<(), Status> {
    let admission = &ctx.registry().admission;
    if admission.is_empty() {
        return Ok(());
    }
    let request = ctx.admission_request(Operation::Delete, name, Some(value));
    admission.mutate(&request, &mut value.clone())?;
    admission.validate(&request, value)
}

fn check_preconditions(
    model: &ResourceModel,
    name: &str,
    options: &Options,
    value: &Value,
) -> Result<(), Status> {
    let meta = &value["metadata"];
    if let Some(uid) = &options.uid {
        let actual = meta["uid"].as_str().unwrap_or("");
        if uid != actual {
            return Err(Status::conflict(
                model,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                ),
            ));
        }
    }
    if let Some(rv) = &options.resource_version {
        let actual = meta["resourceVersion"].as_str().unwrap_or("");
        if rv != actual {
            return Err(Status::conflict(
                model,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
                ),
            ));
        }
    }
    Ok(())
}

/// Sets `deletionTimestamp` and bumps `generation`, as `markAsDeleting` does.
fn mark_deleting(value: &mut Value) {
    let meta = &mut value["metadata"];
    meta["deletionTimestamp"] = json!(validation::rfc3339_now());
    meta["deletionGracePeriodSeconds"] = json!(0);
    let generation = meta["generation"].as_i64().unwrap_or(0);
    if generation > 0 {
        meta["generation"] = json!(generation + 1);
    }
}

/// DELETE one object: `Status{Success}` when it is gone, the object while finalizers remain.
pub async fn delete(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let options = options(&mut ctx).await?;
    let name = ctx.item_name()?.to_string();
    match delete_one(&ctx, &name, &options).await? {
        Deleted::Gone(value) => {
            let uid = value["metadata"]["uid"].as_str().unwrap_or("");
            Ok(crate::response::json_response(
                200,
                &success(ctx.model(), &name, uid),
            ))
        }
        Deleted::Pending(value) => {
            super::object::respond(&ctx, 200, &crate::stored::Object::from_value(value))
        }
    }
}

/// DELETECOLLECTION: deletes every object the selectors pick; answers with the list of them.
pub async fn delete_collection(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let options = options(&mut ctx).await?;
    let selection = Selection::from_query(&ctx.query(), ctx.model(), ctx.namespace().is_some())?;
    let listed = read_list(&ctx, &selection).await?;
    let mut items = Vec::with_capacity(listed.items.len());
    for kv in &listed.items {
        let Some(name) = name_of(kv) else { continue };
        match delete_one(&ctx, &name, &options).await {
            Ok(Deleted::Gone(value) | Deleted::Pending(value)) => items.push(value),
            // Deleted by someone else meanwhile: that is what was asked.
            Err(status) if status.code == 404 => {}
            Err(status) => return Err(status),
        }
    }
    let model = ctx.model();
    let revision = ctx
        .registry()
        .store
        .current_revision()
        .await
        .map_err(Status::from)?;
    let list = json!({
        "apiVersion": model.api_version(),
        "kind": format!("{}List", model.kind),
        "metadata": {"resourceVersion": revision.to_string()},
        "items": items,
    });
    Ok(crate::response::json_response(200, &list))
}

fn name_of(kv: &KeyValue) -> Option<String> {
    kv.key.rsplit('/').next().map(str::to_string)
}
