//! POST, PUT and PATCH, and the update path they share with the subresources.

use http::Response;
use serde_json::{Map, Value};

mod apply;

pub(crate) use apply::{apply_scale, APPLY_PATCH};

use super::context::Ctx;
use super::object::{check_namespace, check_type_meta, meta_mut, meta_str, respond, warn_unknown};
use super::read::parse_revision;
use crate::admission::Operation;
use crate::apply::{Manager, Scope};
use crate::json::Positions;
use crate::response::Body;
use crate::status::{Cause, Status};
use crate::store::{KeyValue, StoreError};
use crate::stored::{set_resource_version, Object};
use crate::validation;

/// How many times a write retries on a conflict it caused itself (a PATCH or a finalizer
/// removal racing another writer) before giving up with 409.
const MAX_RETRIES: usize = 16;

/// `fieldValidation`: what to do with fields the type does not know.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

fn field_validation(ctx: &Ctx) -> Result<FieldValidation, Status> {
    match ctx.query().get("fieldValidation").as_deref() {
        None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
        Some("Ignore") => Ok(FieldValidation::Ignore),
        Some("Strict") => Ok(FieldValidation::Strict),
        Some(other) => Err(Status::bad_request(format!(
            "fieldValidation: Unsupported value: {other:?}: supported values: \"Ignore\", \"Strict\", \"Warn\""
        ))),
    }
}

/// The manager a write records: `?fieldManager=`, else the User-Agent up to its first `/`, as
/// kube-apiserver names it; a 422 for a name too long or with unprintable characters.
pub(crate) fn field_manager(
    ctx: &Ctx,
    operation: crate::apply::Operation,
) -> Result<Manager, Status> {
    let given = ctx
        .query()
        .get("fieldManager")
        .map(|m| m.into_owned())
        .unwrap_or_default();
    if let Some(problem) = crate::apply::manager_problem(&given) {
        return Err(invalid_options(ctx, &problem));
    }
    let name = if given.is_empty() {
        crate::apply::manager_from_user_agent(ctx.header(http::header::USER_AGENT).unwrap_or(""))
    } else {
        given
    };
    Ok(Manager {
        name,
        operation,
        api_version: ctx.model().api_version(),
        subresource: ctx
            .call
            .route()
            .and_then(|r| r.action.subresource.as_deref())
            .unwrap_or("")
            .to_string(),
    })
}

/// kube-apiserver's 422 for invalid request options (`PatchOptions.meta.k8s.io "" is invalid:
/// fieldManager: Required value: is required for apply patch`).
pub(crate) fn invalid_options(ctx: &Ctx, problem: &str) -> Status {
    let kind = match *ctx.call.request.method() {
        http::Method::POST => "CreateOptions",
        http::Method::PUT => "UpdateOptions",
        _ => "PatchOptions",
    };
    Status::new(
        422,
        "Invalid",
        format!("{kind}.meta.k8s.io \"\" is invalid: {problem}"),
    )
}

/// Which top-level fields a write of `part` may own.
pub(crate) fn scope(ctx: &Ctx, part: Part) -> Scope {
    match part {
        Part::Status => Scope::Status,
        Part::Main if ctx.model().status => Scope::NotStatus,
        Part::Main => Scope::All,
    }
}

/// Records a create, update or patch by `manager` in `new`'s managed fields. `new` has the
/// schema's defaults already, so that the writer owns them, as in kube-apiserver.
fn track(
    ctx: &Ctx,
    old: Option<&Object>,
    new: &mut Object,
    manager: &Manager,
    part: Part,
    now: &str,
) {
    crate::apply::track_update(
        ctx.entry().shape(),
        old,
        new,
        manager,
        scope(ctx, part),
        now,
    );
}

/// How a write's managed fields come about.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// A create, update or patch: recorded as an `Update` by the request's manager.
    Update,
    /// An apply: the apply already set them; an object that did not change is not written.
    Applied,
}

/// The object after validation and its typed round trip, with the warnings about unknown and
/// duplicate fields (`unknown field "spec.x"`) to send.
pub(crate) struct Checked {
    pub object: Object,
    pub unknown: Vec<String>,
}

/// Admits and checks an object about to be written, in kube-apiserver's order: mutating
/// admission, metadata and schema validation (through the resource's type), validating
/// admission. The caller has applied the schema's defaults before (and before recording the
/// managed fields). `old` is the stored object, for updates.
pub(crate) fn check_object(
    ctx: &Ctx,
    object: Object,
    name: &str,
    old: Option<&Value>,
) -> Result<Checked, Status> {
    let model = ctx.model();
    let Object { mut value, managed } = object;
    let entry = ctx.entry();
    let admission = &ctx.registry().admission;
    let operation = match ctx.call.route().map(|r| r.action.verb) {
        Some(crate::codegen::ActionVerb::Post) => Operation::Create,
        _ => Operation::Update,
    };
    let request = ctx.admission_request(operation, name, old);
    admission.mutate(&request, &mut value)?;
    let causes = validation::validate_object_meta(
        value.get("metadata").unwrap_or(&Value::Null),
        model.namespaced(),
    );
    if !causes.is_empty() {
        return Err(Status::invalid(model, name, causes));
    }
    // The managed fields (apart, as text) skip the typed round trip: they are the server's,
    // already in their canonical form.
    let decoded = entry
        .decoder
        .canonical(&value)
        .map_err(|cause| Status::invalid(model, name, vec![cause]))?;
    let mode = field_validation(ctx)?;
    let problems: Vec<String> = decoded
        .unknown
        .iter()
        .map(|p| format!("unknown field \"{p}\""))
        .chain(
            ctx.duplicates
                .iter()
                .map(|p| format!("duplicate field \"{p}\"")),
        )
        .collect();
    if mode == FieldValidation::Strict && !problems.is_empty() {
        return Err(Status::bad_request(format!(
            "strict decoding error: {}",
            problems.join(", ")
        )));
    }
    let causes = entry.validator.validate(&decoded.value, old);
    if !causes.is_empty() {
        return Err(Status::invalid(model, name, causes));
    }
    admission.validate(&request, &decoded.value)?;
    let unknown = if mode == FieldValidation::Warn {
        problems
    } else {
        Vec::new()
    };
    Ok(Checked {
        object: Object {
            value: decoded.value,
            managed,
        },
        unknown,
    })
}

/// POST: create an object.
pub async fn create(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let dry_run = ctx.dry_run()?;
    let manager = field_manager(&ctx, crate::apply::Operation::Update)?;
    let body = Object::from_value(Value::Object(ctx.json_body().await?));
    let checked = insert(&ctx, body, dry_run, Some(&manager)).await?;
    let mut response = respond(&ctx, 201, &checked.object)?;
    warn_unknown(&mut response, &checked.unknown);
    Ok(response)
}

/// Creates `body`: the name (or a generated one), the system fields, the checks, the store.
/// `manager` records the create in the managed fields; `None` when an apply already did.
pub(crate) async fn insert(
    ctx: &Ctx,
    object: Object,
    dry_run: bool,
    manager: Option<&Manager>,
) -> Result<Checked, Status> {
    let model = ctx.model().clone();
    let Object { value, managed } = object;
    let Value::Object(mut body) = value else {
        return Err(Status::bad_request("the object is not a JSON object"));
    };
    let body_name = meta_str(&body, "name").unwrap_or("").to_string();
    check_type_meta(&mut body, &model, &body_name)?;
    check_namespace(&mut body, ctx)?;
    if let Some(namespace) = ctx.namespace() {
        crate::builtin::namespace::check_create(ctx.registry(), namespace).await?;
    }
    if meta_str(&body, "resourceVersion").is_some_and(|rv| !rv.is_empty()) {
        return Err(Status::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let generated = body_name.is_empty();
    let name = if generated {
        match meta_str(&body, "generateName").filter(|g| !g.is_empty()) {
            Some(prefix) => validation::generate_name(prefix),
            None => {
                return Err(Status::invalid(
                    &model,
                    "",
                    vec![Cause::required(
                        "metadata.name",
                        "name or generateName is required",
                    )],
                ))
            }
        }
    } else {
        body_name
    };
    let now = validation::rfc3339_now();
    {
        let meta = meta_mut(&mut body);
        meta.insert("name".into(), Value::String(name.clone()));
        for system in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ] {
            meta.remove(system);
        }
        meta.insert("uid".into(), Value::String(validation::new_uid()));
        meta.insert("creationTimestamp".into(), Value::String(now.clone()));
        meta.insert("generation".into(), Value::from(1));
    }
    if model.status {
        body.remove("status");
    }
    let mut object = Object {
        value: Value::Object(body),
        managed,
    };
    ctx.entry().validator.apply_defaults(&mut object.value);
    if let Some(manager) = manager {
        track(ctx, None, &mut object, manager, Part::Main, &now);
    }
    let checked = check_object(ctx, object, &name, None)?;
    let mut object = checked.object;
    if !dry_run {
        let key = ctx.key(&name);
        let bytes = object.encode(ctx.model())?;
        let store = &ctx.registry().store;
        let created = match ctx.entry().expiry {
            Some(ttl) => store.create_expiring(&key, bytes, ttl).await,
            None => store.create(&key, bytes).await,
        };
        match created {
            Ok(revision) => set_resource_version(&mut object.value, revision),
            Err(StoreError::AlreadyExists) if generated => {
                let mut status = Status::already_exists(&model, &name);
                status
                    .message
                    .push_str(", the server was not able to generate a unique name for the object");
                if let Some(details) = &mut status.details {
                    details.retry_after_seconds = Some(1);
                }
                return Err(status);
            }
            Err(StoreError::AlreadyExists) => return Err(Status::already_exists(&model, &name)),
            Err(e) => return Err(Status::from(e)),
        }
    }
    Ok(Checked {
        object,
        unknown: checked.unknown,
    })
}

/// Which part of an object a write may change.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The main resource: everything but `status` when there is a status subresource.
    Main,
    /// `/status`: only `status`.
    Status,
}

/// The result of an update.
pub(crate) struct Updated {
    pub object: Object,
    pub unknown: Vec<String>,
}

/// Applies `new` over `old` as an update of `part`, checks it, and writes it with
/// compare-and-swap at `expected` (the object's revision when the client gave none). Deletes the
/// object instead when the update removed the last finalizer of an object being deleted.
pub(crate) async fn commit_update(
    ctx: &Ctx,
    old_kv: &KeyValue,
    old: &Object,
    new: Object,
    part: Part,
    expected: u64,
    dry_run: bool,
) -> Result<Updated, Status> {
    let write = Write {
        part,
        expected,
        dry_run,
        tracking: Tracking::Update,
    };
    commit(ctx, old_kv, old, new, write).await
}

/// What an update writes and how.
#[derive(Clone, Copy)]
pub(crate) struct Write {
    pub part: Part,
    /// The revision the client expects (the object's own when it gave none).
    pub expected: u64,
    pub dry_run: bool,
    pub tracking: Tracking,
}

/// [`commit_update`], with the managed fields recorded as `write.tracking` says.
pub(crate) async fn commit(
    ctx: &Ctx,
    old_kv: &KeyValue,
    old: &Object,
    new: Object,
    write: Write,
) -> Result<Updated, Status> {
    let Write {
        part,
        expected,
        dry_run,
        tracking,
    } = write;
    let model = ctx.model().clone();
    let name = ctx.item_name()?.to_string();
    if expected != old_kv.mod_revision {
        return Err(Status::modified(&model, &name));
    }
    let no_members = Map::new();
    let old_map = old.value.as_object().unwrap_or(&no_members);
    // The managed fields the client sent (or an apply computed) stay apart: an update through
    // a subresource records its own from the old object's.
    let Object {
        value: new,
        managed,
    } = new;
    let Value::Object(mut new) = new else {
        return Err(Status::bad_request("the object is not a JSON object"));
    };
    if part == Part::Status {
        // Only status changes: start from the old object and take the new status.
        let status = new.remove("status");
        new = old_map.clone();
        match status {
            Some(status) => new.insert("status".into(), status),
            None => new.remove("status"),
        };
    } else if model.status {
        match old_map.get("status") {
            Some(status) => new.insert("status".into(), status.clone()),
            None => new.remove("status"),
        };
    }
    preserve_system_fields(&model, &name, old_map, &mut new)?;
    let changed_spec = !same_content(old_map, &new, model.status);
    let generation = old_map
        .get("metadata")
        .and_then(|m| m.get("generation"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    meta_mut(&mut new).insert(
        "generation".into(),
        Value::from(if changed_spec {
            generation + 1
        } else {
            generation
        }),
    );
    let mut new = Object {
        value: Value::Object(new),
        managed,
    };
    ctx.entry().validator.apply_defaults(&mut new.value);
    if tracking == Tracking::Update {
        let manager = field_manager(ctx, crate::apply::Operation::Update)?;
        track(
            ctx,
            Some(old),
            &mut new,
            &manager,
            part,
            &validation::rfc3339_now(),
        );
    }
    let checked = check_object(ctx, new, &name, Some(&old.value))?;
    let mut object = checked.object;
    if tracking == Tracking::Applied && same_object(old, &object) {
        // kube-apiserver writes nothing when an apply changes nothing: no new
        // resourceVersion, no watch event.
        return Ok(Updated {
            object: old.clone(),
            unknown: checked.unknown,
        });
    }
    if dry_run {
        set_resource_version(&mut object.value, old_kv.mod_revision);
        return Ok(Updated {
            object,
            unknown: checked.unknown,
        });
    }
    let value = &mut object.value;
    let store = &ctx.registry().store;
    let deleting = value["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|t| !t.is_null());
    // A Namespace's `spec.finalizers` hold it too.
    let finalizers_left = crate::builtin::namespace::lifecycle::finalizers_left(value);
    if deleting && !finalizers_left {
        let (revision, _) = store
            .delete(&old_kv.key, Some(old_kv.mod_revision))
            .await
            .map_err(|e| conflict_or(e, &model, &name))?;
        set_resource_version(value, revision);
    } else {
        let bytes = object.encode(ctx.model())?;
        let updated = match ctx.entry().expiry {
            Some(ttl) => {
                store
                    .update_expiring(&old_kv.key, bytes, old_kv.mod_revision, ttl)
                    .await
            }
            None => store.update(&old_kv.key, bytes, old_kv.mod_revision).await,
        };
        let revision = updated.map_err(|e| conflict_or(e, &model, &name))?;
        set_resource_version(&mut object.value, revision);
    }
    Ok(Updated {
        object,
        unknown: checked.unknown,
    })
}

/// Whether two versions of an object are the same but for their resourceVersion.
fn same_object(old: &Object, new: &Object) -> bool {
    let same_managed = match (&old.managed, &new.managed) {
        (Some(a), Some(b)) => a.get() == b.get(),
        (a, b) => a.is_none() && b.is_none(),
    };
    let (old, new) = (&old.value, &new.value);
    let (Some(a), Some(b)) = (old.as_object(), new.as_object()) else {
        return same_managed && old == new;
    };
    same_managed
        && a.len() == b.len()
        && a.iter()
            .all(|(key, value)| match (key.as_str(), b.get(key)) {
                ("metadata", Some(other)) => match (value.as_object(), other.as_object()) {
                    (Some(a), Some(b)) => {
                        let kept = |(k, _): &(&String, &Value)| *k != "resourceVersion";
                        a.iter().filter(kept).eq(b.iter().filter(kept))
                    }
                    _ => value == other,
                },
                (_, Some(other)) => value == other,
                (_, None) => false,
            })
}

fn conflict_or(e: StoreError, model: &crate::codegen::ResourceModel, name: &str) -> Status {
    match e {
        StoreError::Conflict { .. } => Status::modified(model, name),
        StoreError::NotFound => Status::not_found(model, name),
        e => Status::from(e),
    }
}

/// Whether two objects are the same without `metadata` (and `status`, when it has its own
/// subresource): what `generation` tracks.
fn same_content(a: &Map<String, Value>, b: &Map<String, Value>, status: bool) -> bool {
    let content = |(k, _): &(&String, &Value)| *k != "metadata" && !(status && *k == "status");
    a.iter().filter(content).eq(b.iter().filter(content))
}

/// Carries the fields clients cannot change from `old` into `new`, and rejects changes to
/// immutable ones (`BeforeUpdate`).
fn preserve_system_fields(
    model: &crate::codegen::ResourceModel,
    name: &str,
    old: &Map<String, Value>,
    new: &mut Map<String, Value>,
) -> Result<(), Status> {
    let empty = Map::new();
    let old_meta = old
        .get("metadata")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let meta = meta_mut(new);
    let mut causes = Vec::new();
    for field in ["uid", "creationTimestamp"] {
        match (
            meta.get(field).filter(|v| !v.is_null()),
            old_meta.get(field),
        ) {
            // A changed uid is refused; a changed creationTimestamp is ignored, as
            // kube-apiserver's BeforeUpdate does (clients re-encode it: the Python client
            // sends `+00:00` for `Z`).
            (Some(given), Some(old)) if given != old && field == "uid" => {
                causes.push(Cause::invalid(
                    &format!("metadata.{field}"),
                    given.as_str().unwrap_or(""),
                    "field is immutable",
                ))
            }
            _ => {}
        }
        match old_meta.get(field) {
            Some(v) => meta.insert(field.into(), v.clone()),
            None => meta.remove(field),
        };
    }
    for field in ["deletionTimestamp", "deletionGracePeriodSeconds"] {
        match old_meta.get(field) {
            Some(v) => meta.insert(field.into(), v.clone()),
            None => meta.remove(field),
        };
    }
    let deleting = old_meta.contains_key("deletionTimestamp");
    if deleting {
        let none = Vec::new();
        let old_finalizers = old_meta
            .get("finalizers")
            .and_then(Value::as_array)
            .unwrap_or(&none);
        let old_at = Positions::of_values(old_finalizers);
        let added = meta
            .get("finalizers")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                a.iter()
                    .any(|f| old_at.find_value(old_finalizers, f).is_none())
            });
        if added {
            causes.push(Cause::forbidden(
                "metadata.finalizers",
                "no new finalizers can be added if the object is being deleted",
            ));
        }
    }
    meta.remove("selfLink");
    if causes.is_empty() {
        Ok(())
    } else {
        Err(Status::invalid(model, name, causes))
    }
}

/// PUT: replace an object; `metadata.resourceVersion` is required.
pub async fn update(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let dry_run = ctx.dry_run()?;
    let mut body = ctx.json_body().await?;
    let (old_kv, old, expected) = prepare_replace(&ctx, &mut body).await?;
    let body = Object::from_value(Value::Object(body));
    let updated = commit_update(&ctx, &old_kv, &old, body, Part::Main, expected, dry_run).await?;
    let mut response = respond(&ctx, 200, &updated.object)?;
    warn_unknown(&mut response, &updated.unknown);
    Ok(response)
}

/// The checks a full replacement (PUT of the object or of `/status`) makes on its body, and
/// the current object it replaces.
pub(crate) async fn prepare_replace(
    ctx: &Ctx,
    body: &mut Map<String, Value>,
) -> Result<(KeyValue, Object, u64), Status> {
    let model = ctx.model().clone();
    let name = ctx.item_name()?.to_string();
    check_type_meta(body, &model, &name)?;
    check_namespace(body, ctx)?;
    let body_name = meta_str(body, "name").unwrap_or("");
    if body_name != name {
        return Err(Status::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let rv = match meta_str(body, "resourceVersion").filter(|rv| !rv.is_empty()) {
        Some(rv) => parse_revision(rv)?,
        None => {
            return Err(Status::invalid(
                &model,
                &name,
                vec![Cause::new(
                    "FieldValueInvalid",
                    "metadata.resourceVersion",
                    "Invalid value: 0x0: must be specified for an update",
                )],
            ))
        }
    };
    let (old_kv, old) = ctx.read(&name).await?;
    Ok((old_kv, old, rv))
}

/// The patch types krest applies.
const PATCH_TYPES: [&str; 2] = [
    "application/json-patch+json",
    "application/merge-patch+json",
];

/// The most operations a JSON patch may have (kube-apiserver's limit).
const MAX_JSON_PATCH_OPS: usize = 10_000;

/// Strategic merge patch: only for the built-in kinds kubectl patches no other way.
const STRATEGIC_MERGE_PATCH: &str = "application/strategic-merge-patch+json";

/// A parsed PATCH body.
pub(crate) enum Patch {
    Json(crate::patch::JsonPatch),
    Merge(Value),
    /// A strategic merge patch of a built-in kind.
    Strategic(Value),
}

/// Reads a PATCH body by its content type.
pub(crate) async fn read_patch(ctx: &mut Ctx) -> Result<Patch, Status> {
    let media = crate::negotiate::media_type(ctx.header(http::header::CONTENT_TYPE));
    let strategic =
        media == STRATEGIC_MERGE_PATCH && crate::builtin::strategic_merge_patch(ctx.model());
    if !PATCH_TYPES.contains(&media.as_str()) && !strategic {
        return Err(Status::unsupported_media_type(&PATCH_TYPES));
    }
    let bytes = ctx.body().await?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Status::bad_request(format!("the patch is not valid JSON: {e}")))?;
    if strategic {
        if !value.is_object() {
            return Err(Status::bad_request(
                "a strategic merge patch must be a JSON object",
            ));
        }
        return Ok(Patch::Strategic(value));
    }
    if media == PATCH_TYPES[0] {
        // kube-apiserver's order: a patch that does not decode is a 400 before it is counted.
        let patch = crate::patch::JsonPatch::parse(value).map_err(|e| Status::bad_request(e.0))?;
        if patch.len() > MAX_JSON_PATCH_OPS {
            let mut status = Status::too_large(crate::request_body::MAX_BODY_BYTES);
            status.message = format!(
                "Request entity too large: The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPS}, got {}",
                patch.len()
            );
            return Err(status);
        }
        Ok(Patch::Json(patch))
    } else {
        if !value.is_object() {
            return Err(Status::bad_request("a merge patch must be a JSON object"));
        }
        Ok(Patch::Merge(value))
    }
}

impl Patch {
    /// Applies the patch to `target`; a failing operation is a 422. The bytes a JSON patch's
    /// `copy` operations add are bounded by the largest request body, as in kube-apiserver.
    pub fn apply(&self, target: &mut Value) -> Result<(), Status> {
        match self {
            Patch::Json(patch) => patch
                .apply(target, crate::request_body::MAX_BODY_BYTES)
                .map_err(|e| Status::patch_not_applied(e.0)),
            Patch::Strategic(patch) => {
                crate::builtin::namespace::strategic_merge(target, patch);
                Ok(())
            }
            Patch::Merge(patch) => {
                crate::patch::merge(target, patch);
                Ok(())
            }
        }
    }

    /// A JSON patch's strict decoding errors (members of operations krest does not know).
    fn strict_errors(&self) -> &[String] {
        match self {
            Patch::Json(patch) => patch.strict_errors(),
            _ => &[],
        }
    }

    /// Whether the patch may read or change `metadata.managedFields`: any JSON patch (its
    /// paths have more than one spelling), a merge patch that names them or replaces
    /// `metadata`.
    fn may_touch_managed_fields(&self) -> bool {
        match self {
            Patch::Json(_) => true,
            Patch::Merge(patch) | Patch::Strategic(patch) => patch
                .get("metadata")
                .is_some_and(|meta| !meta.is_object() || meta.get("managedFields").is_some()),
        }
    }

    /// Whether the patch sets `metadata.resourceVersion` (a precondition then, not a retry).
    pub fn sets_resource_version(&self, patched: &Value, current: &Value) -> bool {
        patched["metadata"]["resourceVersion"] != current["metadata"]["resourceVersion"]
    }
}

/// PATCH: JSON patch or merge patch against the current object.
pub async fn patch(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    patch_part(&mut ctx, Part::Main).await
}

/// PATCH of the object or of `/status`: read, patch, update; retried when another writer got in
/// between, unless the patch itself pinned a `resourceVersion`.
pub(crate) async fn patch_part(ctx: &mut Ctx, part: Part) -> Result<Response<Body>, Status> {
    let media = crate::negotiate::media_type(ctx.header(http::header::CONTENT_TYPE));
    if media == APPLY_PATCH {
        return apply::apply_patch(ctx, part).await;
    }
    let dry_run = ctx.dry_run()?;
    if ctx.query().flag("force") {
        return Err(Status::new(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch",
        ));
    }
    let patch = read_patch(ctx).await?;
    let name = ctx.item_name()?.to_string();
    let mode = field_validation(ctx)?;
    for _ in 0..MAX_RETRIES {
        let (old_kv, old) = ctx.read(&name).await?;
        // The managed fields join the patched object only when the patch may concern them;
        // otherwise the update keeps the old object's (as it does for a body without them).
        let with_managed = patch.may_touch_managed_fields();
        let mut patched = if with_managed {
            old.clone().into_value()
        } else {
            old.value.clone()
        };
        patch.apply(&mut patched)?;
        // kube-apiserver: after the patch applies, unknown members of its operations are a
        // 422 under `Strict` and warnings (before the object's own) under `Warn`.
        if mode == FieldValidation::Strict && !patch.strict_errors().is_empty() {
            return Err(Status::invalid(
                ctx.model(),
                &name,
                vec![Cause::new(
                    "FieldValueInvalid",
                    "patch",
                    format!(
                        "strict decoding error: {}",
                        patch.strict_errors().join(", ")
                    ),
                )],
            ));
        }
        let pinned = patch.sets_resource_version(&patched, &old.value);
        let Value::Object(mut new) = patched else {
            return Err(Status::bad_request("the patch did not produce an object"));
        };
        let model = ctx.model().clone();
        check_type_meta(&mut new, &model, &name)?;
        if meta_str(&new, "name") != Some(name.as_str()) {
            return Err(Status::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                meta_str(&new, "name").unwrap_or("")
            )));
        }
        check_namespace(&mut new, ctx)?;
        let expected = match meta_str(&new, "resourceVersion").filter(|_| pinned) {
            Some(rv) => parse_revision(rv)?,
            None => old_kv.mod_revision,
        };
        let new = if with_managed {
            Object::from_value(Value::Object(new))
        } else {
            Object {
                value: Value::Object(new),
                managed: None,
            }
        };
        match commit_update(ctx, &old_kv, &old, new, part, expected, dry_run).await {
            Err(status) if status.reason == "Conflict" && !pinned => continue,
            Err(status) => return Err(status),
            Ok(updated) => {
                let mut response = respond(ctx, 200, &updated.object)?;
                if mode == FieldValidation::Warn {
                    warn_unknown(&mut response, patch.strict_errors());
                }
                warn_unknown(&mut response, &updated.unknown);
                return Ok(response);
            }
        }
    }
    Err(Status::modified(ctx.model(), &name))
}
