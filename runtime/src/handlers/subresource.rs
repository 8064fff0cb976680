//! The `status` and `scale` subresources.

use http::Response;
use serde_json::{json, Map, Value};

use super::context::Ctx;
use super::object::{check_namespace, meta_str, respond};
use super::read::parse_revision;
use super::write::{
    apply_scale, commit_update, patch_part, prepare_replace, read_patch, Part, APPLY_PATCH,
};
use crate::response::Body;
use crate::status::{Cause, Status};
use crate::stored::Object;
use crate::table::get_path;

/// PUT `/status`: only the status of the body is kept.
pub async fn update_status(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let dry_run = ctx.dry_run()?;
    let mut body = ctx.json_body().await?;
    let (old_kv, old, expected) = prepare_replace(&ctx, &mut body).await?;
    let body = Object::from_value(Value::Object(body));
    let updated = commit_update(&ctx, &old_kv, &old, body, Part::Status, expected, dry_run).await?;
    respond(&ctx, 200, &updated.object)
}

/// PATCH `/status`: the patch applies to the whole object; only its status is kept.
pub async fn patch_status(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    patch_part(&mut ctx, Part::Status).await
}

/// Writes `new` at a simple JSON path (`.spec.replicas`), creating objects on the way.
pub(crate) fn set_path(value: &mut Value, path: &str, new: Value) {
    let mut at = value;
    let fields: Vec<&str> = path
        .trim_start_matches('.')
        .split('.')
        .filter(|s| !s.is_empty())
        .collect();
    for (i, field) in fields.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Some(object) = at.as_object_mut() else {
            return;
        };
        if i + 1 == fields.len() {
            object.insert((*field).to_string(), new);
            return;
        }
        at = object
            .entry(*field)
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// The `autoscaling/v1` Scale of an object.
fn scale_of(ctx: &Ctx, object: &Value) -> Value {
    let model = ctx.model();
    let scale = model.scale.as_ref();
    let replicas = |path: Option<&str>| {
        path.and_then(|p| get_path(object, p))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let meta = &object["metadata"];
    let mut metadata = Map::new();
    for field in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(field) {
            metadata.insert(field.into(), v.clone());
        }
    }
    let mut status = json!({"replicas": replicas(scale.map(|s| &*s.status_replicas_path))});
    if let Some(selector) = scale
        .and_then(|s| s.label_selector_path.as_deref())
        .and_then(|p| get_path(object, p))
        .and_then(Value::as_str)
    {
        status["selector"] = json!(selector);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": replicas(scale.map(|s| &*s.spec_replicas_path))},
        "status": status,
    })
}

/// GET `/scale`.
pub async fn get_scale(ctx: Ctx) -> Result<Response<Body>, Status> {
    let name = ctx.item_name()?.to_string();
    let (_, object) = ctx.read(&name).await?;
    Ok(crate::response::json_response(
        200,
        &scale_of(&ctx, &object.value),
    ))
}

/// Applies a Scale's `spec.replicas` to the object; its `resourceVersion`, if set, is a
/// precondition.
async fn write_scale(
    ctx: &Ctx,
    scale: &Map<String, Value>,
    retry: bool,
) -> Result<Response<Body>, Status> {
    let model = ctx.model().clone();
    let name = ctx.item_name()?.to_string();
    let dry_run = ctx.dry_run()?;
    if scale
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k != "Scale")
    {
        return Err(Status::bad_request(
            "the body of a scale request must be an autoscaling/v1 Scale",
        ));
    }
    let replicas = match scale.get("spec").and_then(|s| s.get("replicas")) {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().ok_or_else(|| {
            Status::invalid(
                &model,
                &name,
                vec![Cause::invalid(
                    "spec.replicas",
                    &v.to_string(),
                    "must be an integer",
                )],
            )
        })?,
    };
    if !(0..=i64::from(i32::MAX)).contains(&replicas) {
        return Err(Status::invalid(
            &model,
            &name,
            vec![Cause::new(
                "FieldValueInvalid",
                "spec.replicas",
                format!("Invalid value: {replicas}: must be greater than or equal to 0"),
            )],
        ));
    }
    let pinned = meta_str(scale, "resourceVersion")
        .filter(|rv| !rv.is_empty())
        .map(parse_revision)
        .transpose()?;
    let Some(spec_path) = model
        .scale
        .as_ref()
        .map(|s| s.spec_replicas_path.to_string())
    else {
        return Err(Status::not_found(&model, &name));
    };
    loop {
        let (old_kv, old) = ctx.read(&name).await?;
        let mut new = Object {
            value: old.value.clone(),
            managed: None,
        };
        set_path(&mut new.value, &spec_path, json!(replicas));
        let expected = pinned.unwrap_or(old_kv.mod_revision);
        match commit_update(ctx, &old_kv, &old, new, Part::Main, expected, dry_run).await {
            Err(status) if retry && pinned.is_none() && status.reason == "Conflict" => continue,
            Err(status) => return Err(status),
            Ok(updated) => {
                return Ok(crate::response::json_response(
                    200,
                    &scale_of(ctx, &updated.object.value),
                ))
            }
        }
    }
}

/// PUT `/scale`.
pub async fn update_scale(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let mut body = ctx.json_body().await?;
    check_namespace(&mut body, &ctx)?;
    let name = ctx.item_name()?;
    if meta_str(&body, "name").is_some_and(|n| n != name) {
        return Err(Status::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            meta_str(&body, "name").unwrap_or("")
        )));
    }
    write_scale(&ctx, &body, false).await
}

/// PATCH `/scale`: the patch applies to the current Scale.
pub async fn patch_scale(mut ctx: Ctx) -> Result<Response<Body>, Status> {
    let media = crate::negotiate::media_type(ctx.header(http::header::CONTENT_TYPE));
    if media == APPLY_PATCH {
        let name = ctx.item_name()?.to_string();
        let Some(spec_path) = ctx
            .model()
            .scale
            .as_ref()
            .map(|s| s.spec_replicas_path.to_string())
        else {
            return Err(Status::not_found(ctx.model(), &name));
        };
        return apply_scale(&mut ctx, &spec_path, scale_of).await;
    }
    let patch = read_patch(&mut ctx).await?;
    let name = ctx.item_name()?.to_string();
    let (_, object) = ctx.read(&name).await?;
    let current = scale_of(&ctx, &object.value);
    let mut patched = current.clone();
    patch.apply(&mut patched)?;
    let pinned = patch.sets_resource_version(&patched, &current);
    let Value::Object(mut scale) = patched else {
        return Err(Status::bad_request("the patch did not produce an object"));
    };
    if !pinned {
        if let Some(meta) = scale.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
        }
    }
    write_scale(&ctx, &scale, !pinned).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let mut v = json!({"spec": {"replicas": 3}});
        assert_eq!(get_path(&v, ".spec.replicas"), Some(&json!(3)));
        assert_eq!(get_path(&v, ".status.readyReplicas"), None);
        set_path(&mut v, ".status.readyReplicas", json!(2));
        set_path(&mut v, ".spec.replicas", json!(5));
        assert_eq!(
            v,
            json!({"spec": {"replicas": 5}, "status": {"readyReplicas": 2}})
        );
    }
}
