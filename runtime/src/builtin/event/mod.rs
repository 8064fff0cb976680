//! The built-in Events: the core `v1` [`Event`] and the `events.k8s.io/v1` [`EventsEvent`],
//! two views of one stored object (`cohabit.rs` converts between their shapes, as
//! kube-apiserver's `pkg/apis/events/v1` does: `involvedObject` is `regarding`, `message` is
//! `note`, `source`, `firstTimestamp`, `lastTimestamp` and `count` are the `deprecated...`
//! fields, `reportingComponent` is `reportingController`).
//!
//! An Event has no `spec`: its fields sit beside `metadata`. The derive writes objects with a
//! spec, so these two kinds implement [`Resource`](crate::Resource) themselves (their route
//! tables still come from the derive, on an empty stand-in in `routes.rs`); nothing in the
//! handlers knows they are different.
//!
//! Field selectors: `involvedObject.*`, `reason`, `reportingComponent` and `type` on the core
//! API (as kube-apiserver's Event field label conversion allows; not `source`), and
//! `regarding.*`, `reason`, `reportingController` and `type` on the new one.

mod routes;
pub(crate) mod validation;

use std::borrow::Cow;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use crate::codegen::{PrinterColumn, ResourceModel, Scope, VerbSet};
use crate::resource::ObjectMeta;
use crate::schema::schema_for;

/// Whether `model` is one of the Event APIs (whose objects expire after `--event-ttl`).
pub(crate) fn is_event(model: &ResourceModel) -> bool {
    (model.group.is_empty() || model.group == "events.k8s.io") && model.plural == "events"
}

/// ObjectReference contains enough information to let you inspect or modify the referred
/// object.
#[derive(schemars::JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// If referring to a piece of an object instead of an entire object, this string should
    /// contain a valid JSON/Go field access statement, such as
    /// desiredState.manifest.containers[2].
    // The text is kube-apiserver's, served as the field's description: `[2]` is not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
    /// Kind of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Specific resourceVersion to which this reference is made, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// UID of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

/// EventSource contains information for an event.
#[derive(schemars::JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSource {
    /// Component from which the event is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Node name on which the event is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// EventSeries contain information on series of events, i.e. thing that was/is happening
/// continuously for some time.
#[derive(schemars::JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSeries {
    /// Number of occurrences in this series up to the last heartbeat time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// Time of the last occurrence observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_observed_time: Option<String>,
}

fn core_api_version<S: Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("v1")
}

fn events_api_version<S: Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("events.k8s.io/v1")
}

fn event_kind<S: Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("Event")
}

/// A core `v1` Event: a report of an event somewhere in the cluster.
#[derive(schemars::JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Always `v1` when written; the handlers check what a request sends.
    #[serde(skip_deserializing, serialize_with = "core_api_version")]
    #[schemars(skip)]
    api_version: (),
    /// Always `Event` when written.
    #[serde(skip_deserializing, serialize_with = "event_kind")]
    #[schemars(skip)]
    kind: (),
    /// Standard object's metadata.
    #[serde(default)]
    #[schemars(skip)]
    pub metadata: ObjectMeta,
    /// The object that this event is about.
    #[serde(default)]
    pub involved_object: ObjectReference,
    /// This should be a short, machine understandable string that gives the reason for the
    /// transition into the object's current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A human-readable description of the status of this operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The component reporting this event. Should be a short machine understandable string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<EventSource>,
    /// The time at which the event was first recorded. (Time of server receipt is in
    /// TypeMeta.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_timestamp: Option<String>,
    /// The time at which the most recent occurrence of this event was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_timestamp: Option<String>,
    /// The number of times this event has occurred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// Type of this event (Normal, Warning), new types could be added in the future
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Time when this Event was first observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// Data about the Event series this event represents or nil if it's a singleton Event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<EventSeries>,
    /// What action was taken/failed regarding to the Regarding object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Optional secondary object for more complex actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<ObjectReference>,
    /// Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_component: Option<String>,
    /// ID of the controller instance, e.g. `kubelet-xyzf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_instance: Option<String>,
}

/// An `events.k8s.io/v1` Event: a report of an event somewhere in the cluster. The same
/// stored object as the core [`Event`], in the new API's fields.
#[derive(schemars::JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsEvent {
    /// Always `events.k8s.io/v1` when written.
    #[serde(skip_deserializing, serialize_with = "events_api_version")]
    #[schemars(skip)]
    api_version: (),
    /// Always `Event` when written.
    #[serde(skip_deserializing, serialize_with = "event_kind")]
    #[schemars(skip)]
    kind: (),
    /// Standard object's metadata.
    #[serde(default)]
    #[schemars(skip)]
    pub metadata: ObjectMeta,
    /// eventTime is the time when this Event was first observed. It is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// series is data about the Event series this event represents or nil if it's a singleton
    /// Event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<EventSeries>,
    /// reportingController is the name of the controller that emitted this Event, e.g.
    /// `kubernetes.io/kubelet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_controller: Option<String>,
    /// reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_instance: Option<String>,
    /// action is what action was taken/failed regarding to the regarding object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// reason is why the action was taken. It is human-readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// regarding contains the object this Event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regarding: Option<ObjectReference>,
    /// related is the optional secondary object for more complex actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<ObjectReference>,
    /// note is a human-readable description of the status of this operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// type is the type of this event (Normal, Warning), new types could be added in the
    /// future.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// deprecatedSource is the deprecated field assuring backward compatibility with core.v1
    /// Event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_source: Option<EventSource>,
    /// deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with
    /// core.v1 Event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_first_timestamp: Option<String>,
    /// deprecatedLastTimestamp is the deprecated field assuring backward compatibility with
    /// core.v1 Event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_last_timestamp: Option<String>,
    /// deprecatedCount is the deprecated field assuring backward compatibility with core.v1
    /// Event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_count: Option<i32>,
}

/// A constant list of model strings.
macro_rules! strs {
    ($($s:literal),* $(,)?) => {
        Cow::Borrowed(&[$(Cow::Borrowed($s)),*])
    };
}

/// A printer column of the default view.
const fn column(name: &'static str, type_: &'static str, path: &'static str) -> PrinterColumn {
    PrinterColumn {
        name: Cow::Borrowed(name),
        type_: Cow::Borrowed(type_),
        format: Cow::Borrowed(""),
        json_path: Cow::Borrowed(path),
        priority: 0,
        description: Cow::Borrowed(""),
    }
}

/// The model of an Event API; the two differ in group, short names, columns and selectable
/// fields.
const fn model(
    group: &'static str,
    short_names: crate::codegen::List<crate::codegen::Str>,
    printer_columns: crate::codegen::List<PrinterColumn>,
    selectable_fields: crate::codegen::List<crate::codegen::Str>,
) -> ResourceModel {
    ResourceModel {
        group: Cow::Borrowed(group),
        version: Cow::Borrowed("v1"),
        kind: Cow::Borrowed("Event"),
        plural: Cow::Borrowed("events"),
        singular: Cow::Borrowed("event"),
        short_names,
        categories: Cow::Borrowed(&[]),
        scope: Scope::Namespaced,
        verbs: VerbSet::ALL,
        status: false,
        scale: None,
        connect: Cow::Borrowed(&[]),
        printer_columns,
        selectable_fields,
        deprecated: false,
        deprecation_warning: None,
        storage_version: None,
        conversion: None,
        stored_conversions: Cow::Borrowed(&[]),
    }
}

/// `kubectl get events`' columns, as kube-apiserver's table printer has them (the object by
/// name only: a column is one JSON path).
const CORE_COLUMNS: &[PrinterColumn] = &[
    column("Last Seen", "date", ".lastTimestamp"),
    column("Type", "string", ".type"),
    column("Reason", "string", ".reason"),
    column("Object", "string", ".involvedObject.name"),
    column("Message", "string", ".message"),
];

/// The same columns, in the `events.k8s.io` fields.
const EVENTS_COLUMNS: &[PrinterColumn] = &[
    column("Last Seen", "date", ".deprecatedLastTimestamp"),
    column("Type", "string", ".type"),
    column("Reason", "string", ".reason"),
    column("Object", "string", ".regarding.name"),
    column("Note", "string", ".note"),
];

impl crate::Resource for Event {
    type Spec = ();
    type Status = ();
    const MODEL: ResourceModel = model(
        "",
        strs!["ev"],
        Cow::Borrowed(CORE_COLUMNS),
        strs![
            ".involvedObject.kind",
            ".involvedObject.namespace",
            ".involvedObject.name",
            ".involvedObject.uid",
            ".involvedObject.apiVersion",
            ".involvedObject.resourceVersion",
            ".involvedObject.fieldPath",
            ".reason",
            ".reportingComponent",
            ".type",
        ],
    );
    const ROUTES: &'static [crate::Route] = routes::core::Event::ROUTES;

    fn schema() -> Value {
        let mut schema = event_schema::<Event>(
            &Self::MODEL,
            "Event is a report of an event somewhere in the cluster.  Events have a limited retention time and triggers and messages may evolve with time.  Event consumers should not rely on the timing of an event with a given Reason reflecting a consistent underlying trigger, or the continued existence of events with that Reason.  Events should be treated as informative, best-effort, supplemental data.",
            &["firstTimestamp", "lastTimestamp", "eventTime"],
        );
        schema["required"] = json!(["metadata", "involvedObject"]);
        schema
    }

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl crate::Resource for EventsEvent {
    type Spec = ();
    type Status = ();
    const MODEL: ResourceModel = model(
        "events.k8s.io",
        Cow::Borrowed(&[]),
        Cow::Borrowed(EVENTS_COLUMNS),
        strs![
            ".regarding.kind",
            ".regarding.namespace",
            ".regarding.name",
            ".regarding.uid",
            ".regarding.apiVersion",
            ".regarding.resourceVersion",
            ".regarding.fieldPath",
            ".reason",
            ".reportingController",
            ".type",
        ],
    );
    const ROUTES: &'static [crate::Route] = routes::events::Event::ROUTES;

    fn schema() -> Value {
        let mut schema = event_schema::<EventsEvent>(
            &Self::MODEL,
            "Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system. Events have a limited retention time and triggers and messages may evolve with time.  Event consumers should not rely on the timing of an event with a given Reason reflecting a consistent underlying trigger, or the continued existence of events with that Reason.  Events should be treated as informative, best-effort, supplemental data.",
            &[
                "eventTime",
                "deprecatedFirstTimestamp",
                "deprecatedLastTimestamp",
            ],
        );
        schema["required"] = json!(["eventTime"]);
        schema
    }

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// The object schema of an Event type: its fields' schema with `apiVersion`, `kind` and
/// `metadata` beside them, and `times` (and `series.lastObservedTime`) as `date-time`.
fn event_schema<T: schemars::JsonSchema>(
    model: &ResourceModel,
    description: &str,
    times: &[&str],
) -> Value {
    let base = crate::schema::object_schema(model, json!({}), None, Vec::new());
    let mut schema = schema_for::<T>();
    let mut properties = base["properties"].as_object().cloned().unwrap_or_default();
    properties.remove("spec");
    if let Some(own) = schema["properties"].as_object() {
        properties.extend(own.clone());
    }
    for time in times {
        properties[*time]["format"] = json!("date-time");
    }
    properties["series"]["properties"]["lastObservedTime"]["format"] = json!("date-time");
    let mut object = Map::new();
    object.insert("type".into(), json!("object"));
    object.insert("description".into(), json!(description));
    object.insert("properties".into(), Value::Object(properties));
    schema = Value::Object(object);
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Resource as _;

    #[test]
    fn the_models_match_their_routes() {
        for (model, routes) in [
            (&Event::MODEL, Event::ROUTES),
            (&EventsEvent::MODEL, EventsEvent::ROUTES),
        ] {
            let prefix = model.prefix();
            assert!(routes.iter().all(|r| r.action.path.starts_with(&prefix)));
            assert!(routes
                .iter()
                .any(|r| r.action.path.ends_with("/events/{name}")));
        }
        assert_eq!(Event::MODEL.api_version(), "v1");
        assert_eq!(EventsEvent::MODEL.api_version(), "events.k8s.io/v1");
    }

    #[test]
    fn written_with_type_meta_and_without_spec() {
        let event: Event = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
            "involvedObject": {"kind": "Widget", "name": "w"}, "reason": "Made", "count": 1,
        }))
        .unwrap();
        let written = serde_json::to_value(&event).unwrap();
        assert_eq!(written["apiVersion"], "v1");
        assert_eq!(written["kind"], "Event");
        assert_eq!(written["involvedObject"]["name"], "w");
        assert!(written.get("spec").is_none());
        let schema = Event::schema();
        assert_eq!(schema["properties"]["lastTimestamp"]["format"], "date-time");
        assert!(schema["properties"].get("spec").is_none());
        let schema = EventsEvent::schema();
        assert_eq!(
            schema["properties"]["series"]["properties"]["lastObservedTime"]["format"],
            "date-time"
        );
    }
}
