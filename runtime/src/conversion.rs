//! Conversion between the versions of a kind, in Rust the user owns: hub and spoke.
//!
//! The storage version is the hub. Every other version that differs from it in more than its
//! `apiVersion` implements [`Convert`] (into and from the hub) and says so with
//! `#[resource(..., storage_version = "v1", conversion)]`; the derive puts the two functions,
//! typed in between and JSON at both ends, into the version's model. `stored.rs` calls
//! `to_hub` on every object it writes through such a version and `from_hub` on every object
//! it reads through it, so that gets, lists, watch events, write bodies and responses, delete
//! responses and selectors see each version's own shape with no case of their own (as
//! `cohabit.rs` does for Events).
//!
//! Nothing is lost in a round trip through a version that cannot express all of another's
//! fields: what a conversion drops is kept, as a JSON merge patch, in the annotation
//! [`ANNOTATION`] of the converted object, and put back when it converts the other way (the
//! convention of Kubernetes projects, e.g. Cluster API's `cluster.x-k8s.io/conversion-data`).
//! See docs/conversion.md.

use serde_json::{Map, Value};

use crate::codegen::{Conversion, ConvertFn, ResourceModel, Str};
use crate::resource::Resource;
use crate::status::{Cause, Status};

/// The annotation holding, as a JSON merge patch, what the last conversion into an object's
/// version could not express; the next conversion out of it applies the patch.
pub const ANNOTATION: &str = "conversion.krest.dev/lost-fields";

/// A version of a kind that converts to and from the kind's storage version, its hub.
///
/// Implemented on the object type of each version other than the storage version (the type
/// the derive names after the kind, e.g. `v1beta1::Pool`), with
/// `#[resource(storage_version = "...", conversion)]` on its spec. N versions need 2(N-1)
/// functions. Metadata is not the conversion's business: the object keeps its own, and a
/// field one version cannot express is kept for it (see [`ANNOTATION`]), so that a function
/// only maps the fields both versions know.
pub trait Convert: Resource {
    /// The storage version's object type.
    type Hub: Resource;
    /// This version's object as the hub's. An error (e.g. a value the hub cannot hold) is
    /// the request's answer.
    fn into_hub(self) -> Result<Self::Hub, Status>;
    /// The hub's object as this version's.
    fn from_hub(hub: Self::Hub) -> Result<Self, Status>;
}

/// The model's conversion of `T`: what `#[resource(conversion)]` puts in `T::MODEL`.
#[doc(hidden)]
pub const fn conversion_of<T: Convert>() -> Conversion {
    Conversion {
        to_hub: to_hub_json::<T>,
        from_hub: from_hub_json::<T>,
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn to_hub_json<T: Convert>(object: Value) -> Result<Value, BoxError> {
    let spoke: T = typed::<T>(object)?;
    Ok(serde_json::to_value(spoke.into_hub()?)?)
}

fn from_hub_json<T: Convert>(object: Value) -> Result<Value, BoxError> {
    let hub = typed::<T::Hub>(object)?;
    Ok(serde_json::to_value(T::from_hub(hub)?)?)
}

/// The default conversion between two versions of a kind: field by field where names and
/// types agree (a serde round trip through JSON). Fields one version lacks are dropped here,
/// and kept by the runtime for the version that has them (see [`ANNOTATION`]). A field the
/// target requires that the source lacks, or whose type differs, is an error naming both
/// versions: write that conversion.
pub fn by_field_names<A: Resource, B: Resource>(object: A) -> Result<B, Status> {
    let mut value = serde_json::to_value(object).map_err(Status::internal)?;
    if let Some(object) = value.as_object_mut() {
        object.insert("apiVersion".into(), Value::String(B::MODEL.api_version()));
    }
    serde_json::from_value(value).map_err(|e| {
        Status::internal(format!(
            "the default conversion from {}/{} to {}/{} {} (field by field) cannot convert \
             this object: {e}; implement krest::Convert for the fields that differ \
             (docs/conversion.md)",
            A::MODEL.group,
            A::MODEL.version,
            B::MODEL.group,
            B::MODEL.version,
            B::MODEL.kind
        ))
    })
}

/// `object` as `R`: a stored or validated object that is not of `R`'s shape is the server's
/// fault.
fn typed<R: Resource>(object: Value) -> Result<R, Status> {
    serde_json::from_value(object).map_err(|e| {
        Status::internal(format!(
            "converting an object: it is not a valid {}/{} {}: {e}",
            R::MODEL.group,
            R::MODEL.version,
            R::MODEL.kind
        ))
    })
}

/// An object of the version `conversion` belongs to, as the hub's: the write direction. An
/// [`ANNOTATION`] that is not a JSON object is the client's mistake (422).
pub(crate) fn to_hub(
    model: &ResourceModel,
    conversion: &Conversion,
    object: &Map<String, Value>,
) -> Result<Map<String, Value>, Status> {
    convert(object, conversion.to_hub, conversion.from_hub, Some(model))
}

/// An object stored in the version `conversion` belongs to (written while it was the storage
/// version) as the hub's, to be read: an [`ANNOTATION`] that is not a JSON object is ignored.
pub(crate) fn stored_to_hub(
    conversion: &Conversion,
    object: &Map<String, Value>,
) -> Result<Map<String, Value>, Status> {
    convert(object, conversion.to_hub, conversion.from_hub, None)
}

/// An object of the hub as the version `conversion` belongs to: the read direction. An
/// [`ANNOTATION`] that is not a JSON object (a hub client may write anything) is ignored.
pub(crate) fn from_hub(
    conversion: &Conversion,
    object: &Map<String, Value>,
) -> Result<Map<String, Value>, Status> {
    convert(object, conversion.from_hub, conversion.to_hub, None)
}

/// `source` converted by `forth`, with what `back` cannot restore kept in the annotation, what
/// the source's annotation kept put back, and the source's metadata. `strict`: the model a
/// write goes through, whose client answers for an annotation that is not a JSON object.
fn convert(
    source: &Map<String, Value>,
    forth: ConvertFn,
    back: ConvertFn,
    strict: Option<&ResourceModel>,
) -> Result<Map<String, Value>, Status> {
    let mut source = source.clone();
    let kept = take_annotation(&mut source, strict)?;
    let metadata = source.get("metadata").cloned();
    let source = Value::Object(source);
    let mut target = call(forth, source.clone())?;
    if let Some(kept) = &kept {
        crate::patch::merge(&mut target, kept);
    }
    let returned = call(back, target.clone())?;
    let lost = merge_patch(&body(&returned), &body(&source));
    let Value::Object(mut target) = target else {
        return Err(Status::internal("a conversion did not return an object"));
    };
    let mut metadata = match metadata {
        Some(Value::Object(metadata)) => metadata,
        _ => Map::new(),
    };
    if let Some(lost) = lost {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !annotations.is_object() {
            *annotations = Value::Object(Map::new());
        }
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(ANNOTATION.into(), Value::String(lost.to_string()));
        }
    }
    target.insert("metadata".into(), Value::Object(metadata));
    Ok(target)
}

/// Calls one direction of a conversion; an error that is not a [`Status`] is a 500.
fn call(f: ConvertFn, object: Value) -> Result<Value, Status> {
    f(object).map_err(|e| match e.downcast::<Status>() {
        Ok(status) => *status,
        Err(e) => Status::internal(format!("converting an object: {e}")),
    })
}

/// Takes [`ANNOTATION`] out of `object`'s metadata (and the annotations map, when it was the
/// only one), parsed.
fn take_annotation(
    object: &mut Map<String, Value>,
    strict: Option<&ResourceModel>,
) -> Result<Option<Value>, Status> {
    let Some(annotations) = object
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    else {
        return Ok(None);
    };
    let Some(text) = annotations.remove(ANNOTATION) else {
        return Ok(None);
    };
    if annotations.is_empty() {
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("annotations");
        }
    }
    let patch = text
        .as_str()
        .and_then(|t| serde_json::from_str::<Value>(t).ok());
    match (patch, strict) {
        (Some(patch @ Value::Object(_)), _) => Ok(Some(patch)),
        (_, None) => Ok(None),
        (_, Some(model)) => {
            let name = object
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            Err(Status::invalid(
                model,
                name,
                vec![Cause::invalid(
                    &format!("metadata.annotations[{ANNOTATION}]"),
                    text.as_str().unwrap_or_default(),
                    "must be a JSON object: what a conversion between versions could not \
                     express, written back as read",
                )],
            ))
        }
    }
}

/// An object without `apiVersion`, `kind` and `metadata`: what conversions compare.
fn body(object: &Value) -> Value {
    let mut body = object.as_object().cloned().unwrap_or_default();
    for member in ["apiVersion", "kind", "metadata"] {
        body.remove(member);
    }
    Value::Object(body)
}

/// The JSON merge patch (RFC 7396) that turns `from` into `to`; `None` when they are equal.
fn merge_patch(from: &Value, to: &Value) -> Option<Value> {
    match (from, to) {
        (Value::Object(from), Value::Object(to)) => {
            let mut patch = Map::new();
            for (key, value) in to {
                match from.get(key) {
                    Some(old) => {
                        if let Some(p) = merge_patch(old, value) {
                            patch.insert(key.clone(), p);
                        }
                    }
                    None => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in from.keys().filter(|k| !to.contains_key(*k)) {
                patch.insert(key.clone(), Value::Null);
            }
            (!patch.is_empty()).then_some(Value::Object(patch))
        }
        _ if from == to => None,
        _ => Some(to.clone()),
    }
}

/// Gives each version of a kind the conversions of its other versions (see
/// `ResourceModel::stored_conversions`), so that it reads objects stored in any of them.
pub(crate) fn link(resources: &mut [crate::registry::ResourceEntry]) {
    let all: Vec<(usize, Str, Str, Str, Conversion)> = resources
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let m = &e.model;
            m.conversion
                .map(|c| (i, m.group.clone(), m.plural.clone(), m.version.clone(), c))
        })
        .collect();
    for (index, entry) in resources.iter_mut().enumerate() {
        let peers: Vec<(Str, Conversion)> = all
            .iter()
            .filter(|(i, group, plural, ..)| {
                *i != index && *group == entry.model.group && *plural == entry.model.plural
            })
            .map(|(_, _, _, version, c)| (version.clone(), *c))
            .collect();
        if !peers.is_empty() {
            entry.model.stored_conversions = peers.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patches_turn_one_object_into_the_other() {
        let from = json!({"spec": {"a": 1, "b": {"c": 2}, "gone": true}, "status": {}});
        let to = json!({"spec": {"a": 1, "b": {"c": 3}, "new": [1]}, "status": {}});
        let patch = merge_patch(&from, &to).unwrap();
        assert_eq!(
            patch,
            json!({"spec": {"b": {"c": 3}, "gone": null, "new": [1]}})
        );
        let mut applied = from.clone();
        crate::patch::merge(&mut applied, &patch);
        assert_eq!(applied, to);
        assert_eq!(merge_patch(&to, &to), None);
    }
}
