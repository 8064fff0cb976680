//! Server-side apply and field ownership, as kube-apiserver's field manager does them over
//! sigs.k8s.io/structured-merge-diff.
//!
//! - [`set`]: field paths, sets of them, and their `FieldsV1` encoding;
//! - [`typed`]: a kind's shape from its structural schema (`x-kubernetes-list-type`,
//!   `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`);
//! - [`walk`]: the fields a value sets, what changed between two values, the merge of an
//!   applied configuration, the removal of fields;
//! - [`managed`]: `metadata.managedFields`, updated by every write and by applies, with
//!   conflicts between managers.
//!
//! The handlers call [`track_update`] on every create, update and patch, and [`apply`] for an
//! apply patch; both work on JSON objects and the kind's [`Type`].

mod created;
pub(crate) mod managed;
mod managed_text;
pub(crate) mod set;
pub(crate) mod typed;
pub(crate) mod walk;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_managed;

use serde_json::{Map, Value};

use crate::stored::{ManagedText, Object};

pub(crate) use managed::{
    conflict_message, ApplyError, Changes, Managed, Manager, Operation, Scope,
};
pub(crate) use typed::Type;

/// How deep the walks descend; deeper objects are refused by validation anyway.
const MAX_DEPTH: usize = 128;

/// The longest manager name (kube-apiserver's `FieldManagerMaxLength`).
pub(crate) const MAX_MANAGER_LENGTH: usize = 128;

/// The manager kube-apiserver names for a write without `?fieldManager=`: the User-Agent up to
/// its first `/`, without unprintable characters, at most 128 bytes.
pub(crate) fn manager_from_user_agent(user_agent: &str) -> String {
    let prefix = user_agent.split('/').next().unwrap_or("");
    // The common case, on every write without `?fieldManager=`: short and printable ASCII.
    if prefix.len() <= MAX_MANAGER_LENGTH && prefix.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return prefix.to_owned();
    }
    let mut out = String::new();
    for c in prefix.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > MAX_MANAGER_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

/// Why a `fieldManager` is not valid: too long, or an unprintable character.
pub(crate) fn manager_problem(name: &str) -> Option<String> {
    if name.len() > MAX_MANAGER_LENGTH {
        return Some(format!(
            "fieldManager: Too long: may not be more than {MAX_MANAGER_LENGTH} bytes"
        ));
    }
    name.char_indices()
        .find(|(_, c)| c.is_control())
        .map(|(i, c)| {
            format!(
                "fieldManager: Invalid value: {}: invalid character U+{:04X} (at position {i})",
                Value::from(name),
                c as u32
            )
        })
}

/// Records a create, update or patch in `new`'s managed fields. The entries start from those
/// the client sent with `new` (an empty list, or one empty entry, clears them), else from
/// `old`'s; a write through a subresource always starts from `old`'s, and entries that cannot
/// be read are dropped, as kube-apiserver does: a write never fails over managed fields.
pub(crate) fn track_update(
    ty: &Type,
    old: Option<&Object>,
    new: &mut Object,
    manager: &Manager,
    scope: Scope,
    now: &str,
) {
    let empty = Value::Object(Map::new());
    let stored_text = old.and_then(|o| o.managed.as_ref());
    let stored = stored_text.map(ManagedText::get);
    let sent = new.managed.as_ref().map(ManagedText::get);
    // A create without managed fields of its own: one entry, written from the object.
    if old.is_none() && sent.is_none() {
        if let Some(created) = created::created(&new.value, ty, scope, manager, now) {
            debug_assert_eq!(
                created.as_ref().map(ManagedText::get),
                recorded(
                    None,
                    None,
                    Changes::between(&empty, &new.value, ty, scope),
                    manager,
                    now
                )
                .as_ref()
                .map(ManagedText::get),
                "managed fields of a create written from the object differ from those recorded"
            );
            new.managed = created;
            return;
        }
    }
    let changes = Changes::between(old.map_or(&empty, |o| &o.value), &new.value, ty, scope);
    let from_old = !manager.subresource.is_empty() || sent.is_none_or(|sent| Some(sent) == stored);
    // Most updates move no field between managers: their entries are copied as text.
    let quick = stored_text
        .filter(|_| from_old)
        .and_then(|text| managed::update_text(text, &changes, manager, now));
    if let Some(quick) = quick {
        debug_assert_eq!(
            Some(quick.get()),
            recorded(stored, sent, changes, manager, now)
                .as_ref()
                .map(ManagedText::get),
            "managed fields copied as text differ from those recorded"
        );
        new.managed = Some(quick);
        return;
    }
    new.managed = recorded(stored, sent, changes, manager, now);
}

/// [`track_update`] through [`Managed::update`]: the entries read, updated and written back.
fn recorded(
    stored: Option<&str>,
    sent: Option<&str>,
    changes: Changes,
    manager: &Manager,
    now: &str,
) -> Option<ManagedText> {
    let from_old = || Managed::read(stored).unwrap_or_default();
    let mut managed = if !manager.subresource.is_empty() {
        from_old()
    } else if Managed::is_reset(sent) {
        Managed::default()
    } else {
        match Managed::read(sent) {
            Ok(m) if !m.entries.is_empty() => m,
            _ => from_old(),
        }
    };
    managed.update(changes, manager, now);
    managed.write()
}

/// Applies `config` (an object with no `managedFields`) by `manager` over `live` (`None` when
/// the object does not exist yet): the object to write, with its managed fields.
pub(crate) fn apply(
    ty: &Type,
    live: Option<&Object>,
    config: &Value,
    manager: &Manager,
    scope: Scope,
    force: bool,
    now: &str,
) -> Result<Object, ApplyError> {
    let mut managed = match live {
        Some(live) => {
            Managed::read(live.managed.as_ref().map(ManagedText::get)).map_err(ApplyError::Live)?
        }
        None => Managed::default(),
    };
    let empty = Value::Object(Map::new());
    let live_value = live.map_or(&empty, |l| &l.value);
    let applier = managed::Applier {
        manager,
        scope,
        force,
        now,
    };
    let result = managed.apply(live_value, config, ty, &applier)?;
    let value = match result {
        Some(merged @ Value::Object(_)) => merged,
        Some(_) => Value::Object(Map::new()),
        None => live_value.clone(),
    };
    Ok(Object {
        value,
        managed: managed.write(),
    })
}

/// kubectl's client-side apply annotation.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The largest annotation kube-apiserver keeps in step (its total annotation size limit).
const MAX_LAST_APPLIED: usize = 256 * 1024;

/// After a server-side apply by `kubectl` of an object that has the client-side apply
/// annotation, sets the annotation to the applied configuration (without the annotation), so
/// that a later client-side apply computes its patch from what was last applied, as
/// kube-apiserver's `lastAppliedUpdater` does. Another manager opts out.
pub(crate) fn sync_last_applied(object: &mut Map<String, Value>, config: &Value, manager: &str) {
    let has = object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        .is_some();
    if manager != "kubectl" || !has {
        return;
    }
    let mut applied = config.clone();
    if let Some(annotations) = applied
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.remove(LAST_APPLIED);
        if annotations.is_empty() {
            if let Some(meta) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("annotations");
            }
        }
    }
    let text = format!("{}\n", set::canonical(&applied));
    if let Some(annotations) = object
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        if text.len() > MAX_LAST_APPLIED {
            annotations.remove(LAST_APPLIED);
        } else {
            annotations.insert(LAST_APPLIED.into(), Value::String(text));
        }
    }
}
