//! PATCH with `application/apply-patch+yaml`: server-side apply of a configuration by a field
//! manager, which creates the object when it does not exist yet. The merge, the pruning and
//! the ownership rules are `crate::apply`'s; this is the request's part: its options and body,
//! the retries when another writer got in between, and the write.

use http::Response;
use serde_json::{Map, Value};

use super::{
    commit, field_manager, insert, invalid_options, scope, Part, Tracking, Write, MAX_RETRIES,
};
use crate::apply::{conflict_message, ApplyError, Operation};
use crate::handlers::context::Ctx;
use crate::handlers::object::{check_namespace, check_type_meta, meta_str, respond, warn_unknown};
use crate::handlers::read::parse_revision;
use crate::response::Body;
use crate::status::{Cause, Status};

/// The apply patch's media type (JSON is YAML, so either body comes under it).
pub(crate) const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// Reads the configuration: a JSON object (with the paths of fields it holds twice) or a YAML
/// mapping; an empty body is an empty configuration.
fn parse(bytes: &[u8]) -> Result<(Map<String, Value>, Vec<String>), Status> {
    let json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[');
    let (value, duplicates) = if json {
        crate::json::parse(bytes)
            .map_err(|e| Status::bad_request(format!("error decoding YAML: {e}")))?
    } else {
        let value = crate::yaml::from_slice(bytes)
            .map_err(|e| Status::bad_request(format!("error decoding YAML: {e}")))?;
        (value, Vec::new())
    };
    match value {
        Value::Object(map) => Ok((map, duplicates)),
        Value::Null => Ok((Map::new(), duplicates)),
        other => Err(Status::bad_request(format!(
            "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            crate::patch::go_type(&other)
        ))),
    }
}

/// The checks kube-apiserver makes of a configuration before it merges it: no managed fields,
/// the resource's apiVersion and kind.
fn check_config(ctx: &Ctx, config: &mut Map<String, Value>, name: &str) -> Result<(), Status> {
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|f| !f.is_null())
    {
        return Err(Status::bad_request("metadata.managedFields must be nil"));
    }
    let model = ctx.model();
    let expected = model.api_version();
    let given = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if given != expected {
        return Err(Status::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {given}, expected: {expected}"
        )));
    }
    if config
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        return Err(Status::bad_request(format!(
            "Object 'Kind' is missing in '{}'",
            Value::Object(config.clone())
        )));
    }
    check_type_meta(config, model, name)
}

/// An apply failure as the client sees it.
fn apply_status(ctx: &Ctx, error: ApplyError) -> Status {
    match error {
        ApplyError::Conflicts(conflicts) => {
            let causes = conflicts
                .iter()
                .map(|c| {
                    Cause::new(
                        "FieldManagerConflict",
                        c.field(),
                        format!("conflict with {}", c.manager.describe()),
                    )
                })
                .collect();
            Status::apply_conflict(causes, conflict_message(&conflicts))
        }
        ApplyError::Invalid(why) => {
            let model = ctx.model();
            Status::new(
                422,
                "Invalid",
                format!(
                    "failed to create typed patch object ({}, Kind={}): {why}",
                    model.api_version(),
                    model.kind
                ),
            )
        }
        ApplyError::Live(why) => {
            Status::internal(format!("failed to decode managed fields: {why}"))
        }
    }
}

/// The name check kube-apiserver makes of the merged object.
fn check_name(object: &Map<String, Value>, name: &str) -> Result<(), Status> {
    let given = meta_str(object, "name").unwrap_or("");
    if given != name {
        return Err(Status::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    Ok(())
}

/// What every apply asks: the options checked (`fieldManager` required, `force`, `dryRun`,
/// `fieldValidation`), the object's name and the configuration's bytes.
struct Request {
    dry_run: bool,
    manager: crate::apply::Manager,
    force: bool,
    name: String,
    bytes: bytes::Bytes,
}

impl Request {
    async fn read(ctx: &mut Ctx) -> Result<Request, Status> {
        let dry_run = ctx.dry_run()?;
        if ctx.query().get("fieldManager").is_none_or(|m| m.is_empty()) {
            return Err(invalid_options(
                ctx,
                "fieldManager: Required value: is required for apply patch",
            ));
        }
        let manager = field_manager(ctx, Operation::Apply)?;
        let force = ctx.query().flag("force");
        super::field_validation(ctx)?;
        let name = ctx.item_name()?.to_string();
        let bytes = ctx.body().await?;
        Ok(Request {
            dry_run,
            manager,
            force,
            name,
            bytes,
        })
    }
}

/// PATCH with an apply configuration, of the object or of its status.
pub(crate) async fn apply_patch(ctx: &mut Ctx, part: Part) -> Result<Response<Body>, Status> {
    let Request {
        dry_run,
        manager,
        force,
        name,
        bytes,
    } = Request::read(ctx).await?;
    let (mut config, duplicates) = parse(&bytes)?;
    // Fields given twice: a 400 under `Strict`, warnings under `Warn`, as for other writes.
    ctx.duplicates = duplicates;
    check_config(ctx, &mut config, &name)?;
    // A resourceVersion in the configuration is a precondition.
    let pinned = match meta_str(&config, "resourceVersion").filter(|rv| !rv.is_empty()) {
        Some(rv) => Some(parse_revision(rv)?),
        None => None,
    };
    let config = Value::Object(config);
    let scope = scope(ctx, part);
    for _ in 0..MAX_RETRIES {
        let live = match ctx.read(&name).await {
            Ok(found) => Some(found),
            Err(status) if status.code == 404 => None,
            Err(status) => return Err(status),
        };
        let now = crate::validation::rfc3339_now();
        let applied = crate::apply::apply(
            ctx.entry().shape(),
            live.as_ref().map(|(_, object)| object),
            &config,
            &manager,
            scope,
            force,
            &now,
        )
        .map_err(|e| apply_status(ctx, e))?;
        let mut object = applied;
        let Some(members) = object.value.as_object_mut() else {
            return Err(Status::internal(
                "an apply made an object that is not an object",
            ));
        };
        crate::apply::sync_last_applied(members, &config, &manager.name);
        check_name(members, &name)?;
        check_namespace(members, ctx)?;
        let Some((old_kv, old)) = live else {
            if part == Part::Status || pinned.is_some() {
                return Err(Status::not_found(ctx.model(), &name));
            }
            if let Some(meta) = members.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("resourceVersion");
            }
            match insert(ctx, object, dry_run, None).await {
                // Created by someone else in between: apply over theirs.
                Err(status) if status.reason == "AlreadyExists" => continue,
                Err(status) => return Err(status),
                Ok(created) => {
                    let mut response = respond(ctx, 201, &created.object)?;
                    warn_unknown(&mut response, &created.unknown);
                    return Ok(response);
                }
            }
        };
        let write = Write {
            part,
            expected: pinned.unwrap_or(old_kv.mod_revision),
            dry_run,
            tracking: Tracking::Applied,
        };
        match commit(ctx, &old_kv, &old, object, write).await {
            Err(status) if status.reason == "Conflict" && pinned.is_none() => continue,
            Err(status) => return Err(status),
            Ok(updated) => {
                let mut response = respond(ctx, 200, &updated.object)?;
                warn_unknown(&mut response, &updated.unknown);
                return Ok(response);
            }
        }
    }
    Err(Status::modified(ctx.model(), &name))
}

/// PATCH `/scale` with an apply configuration of an `autoscaling/v1` Scale, as kube-apiserver
/// maps it: its `spec.replicas` is applied to the object's replicas field (`spec_path`) by the
/// manager, recorded with `subresource: scale`; the answer is the object's Scale (`scale_of`).
pub(crate) async fn apply_scale(
    ctx: &mut Ctx,
    spec_path: &str,
    scale_of: fn(&Ctx, &Value) -> Value,
) -> Result<Response<Body>, Status> {
    let Request {
        dry_run,
        manager,
        force,
        name,
        bytes,
    } = Request::read(ctx).await?;
    let (config, _) = parse(&bytes)?;
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|f| !f.is_null())
    {
        return Err(Status::bad_request("metadata.managedFields must be nil"));
    }
    let given = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if given != "autoscaling/v1" {
        return Err(Status::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {given}, expected: autoscaling/v1"
        )));
    }
    if config.get("kind").and_then(Value::as_str) != Some("Scale") {
        return Err(Status::bad_request(
            "the body of a scale request must be an autoscaling/v1 Scale",
        ));
    }
    let model = ctx.model().clone();
    let mut parent = serde_json::json!({
        "apiVersion": model.api_version(),
        "kind": model.kind.as_ref(),
        "metadata": {"name": name},
    });
    if let Some(replicas) = config.get("spec").and_then(|s| s.get("replicas")) {
        match replicas.as_i64() {
            Some(n) if (0..=i64::from(i32::MAX)).contains(&n) => {
                crate::handlers::subresource::set_path(&mut parent, spec_path, Value::from(n))
            }
            _ => {
                return Err(Status::invalid(
                    &model,
                    &name,
                    vec![Cause::new(
                        "FieldValueInvalid",
                        "spec.replicas",
                        format!("Invalid value: {replicas}: must be greater than or equal to 0"),
                    )],
                ))
            }
        }
    }
    let pinned = match meta_str(&config, "resourceVersion").filter(|rv| !rv.is_empty()) {
        Some(rv) => Some(parse_revision(rv)?),
        None => None,
    };
    for _ in 0..MAX_RETRIES {
        let (old_kv, old) = ctx.read(&name).await?;
        let applied = crate::apply::apply(
            ctx.entry().shape(),
            Some(&old),
            &parent,
            &manager,
            scope(ctx, Part::Main),
            force,
            &crate::validation::rfc3339_now(),
        )
        .map_err(|e| apply_status(ctx, e))?;
        let write = Write {
            part: Part::Main,
            expected: pinned.unwrap_or(old_kv.mod_revision),
            dry_run,
            tracking: Tracking::Applied,
        };
        match commit(ctx, &old_kv, &old, applied, write).await {
            Err(status) if status.reason == "Conflict" && pinned.is_none() => continue,
            Err(status) => return Err(status),
            Ok(updated) => {
                return Ok(crate::response::json_response(
                    200,
                    &scale_of(ctx, &updated.object.value),
                ))
            }
        }
    }
    Err(Status::modified(&model, &name))
}
