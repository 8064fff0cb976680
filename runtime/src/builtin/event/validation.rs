//! kube-apiserver's validation of a new Event (`ValidateEventCreate`), as a built-in validating
//! admission: the legacy rules for the core API (an event without `eventTime` must be in its
//! involved object's namespace; one with it must name its reporting controller and instance,
//! action and reason, within their lengths), and on `events.k8s.io/v1` also the strict ones
//! (`eventTime` required, `type` Normal or Warning, the deprecated fields unset, a series of at
//! least 2). Field paths are the core Event's, as kube-apiserver reports them.

use serde_json::Value;

use super::is_event;
use crate::admission::{Operation, Request, ValidatingAdmission};
use crate::status::{Cause, Status};

const REPORTING_INSTANCE_LIMIT: usize = 128;
const ACTION_LIMIT: usize = 128;
const REASON_LIMIT: usize = 128;
const NOTE_LIMIT: usize = 1024;

/// The admission; it looks only at creates of Events.
pub(crate) struct EventValidation;

impl ValidatingAdmission for EventValidation {
    fn validate(&self, request: &Request<'_>, object: &Value) -> Result<(), Status> {
        if request.operation != Operation::Create || !is_event(request.resource) {
            return Ok(());
        }
        let strict = !request.resource.group.is_empty();
        let mut core = object.as_object().cloned().unwrap_or_default();
        if strict {
            crate::cohabit::events_to_core(&mut core);
        }
        let causes = validate(&Value::Object(core), request.namespace, strict);
        if causes.is_empty() {
            Ok(())
        } else {
            Err(Status::invalid(request.resource, request.name, causes))
        }
    }
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or("")
}

fn set(value: &Value, field: &str) -> bool {
    !value[field].is_null()
}

/// The causes kube-apiserver would give for `event` (in core fields) created in `namespace`;
/// `strict` for the `events.k8s.io` API.
fn validate(event: &Value, namespace: &str, strict: bool) -> Vec<Cause> {
    let mut causes = Vec::new();
    let involved_namespace = text(&event["involvedObject"], "namespace");
    let mismatch = || {
        Cause::invalid(
            "involvedObject.namespace",
            involved_namespace,
            "does not match event.namespace",
        )
    };
    if !set(event, "eventTime") {
        let matches = if involved_namespace.is_empty() {
            namespace.is_empty() || namespace == "default"
        } else {
            namespace == involved_namespace
        };
        if !matches {
            causes.push(mismatch());
        }
    } else {
        if involved_namespace.is_empty() && namespace != "default" && namespace != "kube-system" {
            causes.push(mismatch());
        }
        let controller_field = if strict {
            "reportingController"
        } else {
            "reportingComponent"
        };
        let controller = text(event, "reportingComponent");
        if controller.is_empty() {
            causes.push(Cause::required(controller_field, ""));
        } else {
            for message in crate::validation::is_qualified_name(controller) {
                causes.push(Cause::invalid(controller_field, controller, &message));
            }
        }
        for (field, limit) in [
            ("reportingInstance", REPORTING_INSTANCE_LIMIT),
            ("action", ACTION_LIMIT),
            ("reason", REASON_LIMIT),
        ] {
            let value = text(event, field);
            if value.is_empty() {
                causes.push(Cause::required(field, ""));
            } else if value.chars().count() > limit {
                causes.push(Cause::invalid(
                    field,
                    "",
                    &format!("can have at most {limit} characters"),
                ));
            }
        }
        if text(event, "message").chars().count() > NOTE_LIMIT {
            causes.push(Cause::invalid(
                "message",
                "",
                &format!("can have at most {NOTE_LIMIT} characters"),
            ));
        }
    }
    if !strict {
        return causes;
    }
    if let Some(series) = event.get("series").filter(|s| !s.is_null()) {
        if series["count"].as_i64().unwrap_or(0) < 2 {
            causes.push(Cause::invalid("series.count", "", "should be at least 2"));
        }
        if !set(series, "lastObservedTime") {
            causes.push(Cause::required("series.lastObservedTime", ""));
        }
    }
    if !set(event, "eventTime") {
        causes.push(Cause::required("eventTime", ""));
    }
    let kind = text(event, "type");
    if kind != "Normal" && kind != "Warning" {
        causes.push(Cause::invalid(
            "type",
            "",
            &format!("has invalid value: {kind}"),
        ));
    }
    for field in ["firstTimestamp", "lastTimestamp"] {
        if set(event, field) {
            causes.push(Cause::invalid(field, "", "needs to be unset"));
        }
    }
    if event["count"].as_i64().is_some_and(|c| c != 0) {
        causes.push(Cause::invalid("count", "", "needs to be unset"));
    }
    let source = &event["source"];
    if !text(source, "component").is_empty() || !text(source, "host").is_empty() {
        causes.push(Cause::invalid("source", "", "needs to be unset"));
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(causes: &[Cause]) -> Vec<&str> {
        causes.iter().map(|c| c.field.as_str()).collect()
    }

    #[test]
    fn legacy_events_must_be_in_their_objects_namespace() {
        let event = json!({"involvedObject": {"namespace": "other"}, "reason": "R"});
        assert_eq!(
            fields(&validate(&event, "default", false)),
            ["involvedObject.namespace"]
        );
        let event = json!({"involvedObject": {"namespace": "team"}});
        assert!(validate(&event, "team", false).is_empty());
    }

    #[test]
    fn new_events_name_their_reporter() {
        let event = json!({"eventTime": "2026-01-01T00:00:00.000000Z", "involvedObject": {"namespace": "default"}, "type": "Normal"});
        assert_eq!(
            fields(&validate(&event, "default", true)),
            [
                "reportingController",
                "reportingInstance",
                "action",
                "reason"
            ]
        );
        let good = json!({
            "eventTime": "2026-01-01T00:00:00.000000Z", "involvedObject": {"namespace": "default"},
            "type": "Warning", "reportingComponent": "widgets", "reportingInstance": "w-0",
            "action": "Scale", "reason": "Failed", "series": {"count": 2, "lastObservedTime": "2026-01-01T00:00:01.000000Z"},
        });
        assert!(validate(&good, "default", true).is_empty());
        let mut bad = good.clone();
        bad["type"] = json!("Odd");
        bad["count"] = json!(3);
        bad["series"]["count"] = json!(1);
        assert_eq!(
            fields(&validate(&bad, "default", true)),
            ["series.count", "type", "count"]
        );
    }
}
