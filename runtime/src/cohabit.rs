//! Kinds whose objects are stored as another kind's: kube-apiserver's "cohabitating
//! resources". The `events.k8s.io/v1` Event is the core `v1` Event seen through another
//! shape: one stored object, served by both APIs, each in its own fields, converted as
//! kube-apiserver's `pkg/apis/events/v1` conversion does.
//!
//! `stored.rs` consults [`of`] for every key it makes and every object it decodes or encodes,
//! so handlers, watch hubs and selectors see each API's own shape with no case of their own.

use serde_json::{Map, Value};

use crate::codegen::ResourceModel;

/// Where a kind's objects are stored, and how its shape converts to and from the stored one.
pub(crate) struct Cohabitant {
    /// The group segment of the store keys (`core` for the core group).
    pub group: &'static str,
    /// The plural segment of the store keys.
    pub plural: &'static str,
    /// The stored object's `apiVersion`.
    pub api_version: &'static str,
    /// Converts a stored object into this kind's shape, in place.
    pub from_stored: fn(&mut Map<String, Value>),
    /// Converts an object of this kind into the stored shape, in place.
    pub to_stored: fn(&mut Map<String, Value>),
}

/// `events.k8s.io/v1` events, stored as core `v1` events.
static EVENTS: Cohabitant = Cohabitant {
    group: "core",
    plural: "events",
    api_version: "v1",
    from_stored: core_to_events,
    to_stored: events_to_core,
};

/// The cohabitant `model` is, if its objects are stored as another kind's.
#[inline]
pub(crate) fn of(model: &ResourceModel) -> Option<&'static Cohabitant> {
    (model.group == "events.k8s.io" && model.plural == "events").then_some(&EVENTS)
}

/// The fields of a core `v1` Event and the `events.k8s.io/v1` Event that carry the same data
/// under different names (core, events.k8s.io). The others (`action`, `eventTime`, `reason`,
/// `related`, `reportingInstance`, `series`, `type`) have the same name in both.
const RENAMED: [(&str, &str); 7] = [
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

/// A core `v1` Event as an `events.k8s.io/v1` one.
pub(crate) fn core_to_events(object: &mut Map<String, Value>) {
    for (core, events) in RENAMED {
        rename(object, core, events);
    }
}

/// An `events.k8s.io/v1` Event as a core `v1` one.
pub(crate) fn events_to_core(object: &mut Map<String, Value>) {
    for (core, events) in RENAMED {
        rename(object, events, core);
    }
}

/// Moves member `from` to `to` (dropping what `to` held: the shape being converted from has no
/// member of that name, or it would be the other shape's).
fn rename(object: &mut Map<String, Value>, from: &str, to: &str) {
    match object.remove(from) {
        Some(value) => {
            object.insert(to.to_string(), value);
        }
        None => {
            object.remove(to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_round_trip_through_the_core_shape() {
        let events = json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "w.1", "namespace": "default"},
            "eventTime": "2026-01-02T03:04:05.000000Z",
            "regarding": {"kind": "Widget", "name": "w", "namespace": "default"},
            "note": "scaled", "reason": "Scaled", "type": "Normal", "action": "Scale",
            "reportingController": "widgets", "reportingInstance": "pod-1",
            "series": {"count": 2, "lastObservedTime": "2026-01-02T03:05:05.000000Z"},
            "deprecatedCount": 3, "deprecatedSource": {"component": "widgets"},
        });
        let mut object = events.as_object().unwrap().clone();
        events_to_core(&mut object);
        assert_eq!(object["involvedObject"]["name"], "w");
        assert_eq!(object["message"], "scaled");
        assert_eq!(object["reportingComponent"], "widgets");
        assert_eq!(object["count"], 3);
        assert_eq!(object["source"]["component"], "widgets");
        assert_eq!(object["series"]["count"], 2);
        assert!(object.get("regarding").is_none() && object.get("note").is_none());
        core_to_events(&mut object);
        assert_eq!(Value::Object(object), events);
    }
}
