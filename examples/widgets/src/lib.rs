//! The example resources: `Widget` (namespaced, with status and scale) and `Gadget`
//! (cluster-scoped), both in `demo.krest.dev/v1`. Their schemas (served at `/openapi/v3`, and
//! enforced on writes) come from the types: doc comments are descriptions, and
//! `#[schemars(...)]` adds bounds. [`pool`] holds `Pool` (`fleet.krest.dev`), served in two
//! versions of different shapes converted by Rust code.
//!
//! Run with: `cargo run -p krest-example-widgets --release`

use krest::{JsonSchema, Resource};
use serde::{Deserialize, Serialize};

/// The desired state of a widget.
#[derive(Resource, JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[schemars(crate = "krest::schemars")]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    short_names("wd"),
    categories("all"),
    status = WidgetStatus,
    scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"),
    printer_column(name = "Color", type = "string", json_path = ".spec.color"),
    printer_column(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
    printer_column(name = "Phase", type = "string", json_path = ".status.phase"),
    printer_column(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
    printer_column(name = "Size", type = "string", json_path = ".spec.size", priority = 1),
    selectable_fields(".spec.color")
)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSpec {
    /// The widget's color.
    pub color: String,
    /// How many replicas should run.
    #[schemars(range(min = 0))]
    pub replicas: i32,
    /// An optional size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

/// The observed state of a widget.
#[derive(JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[schemars(crate = "krest::schemars")]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    /// How many replicas are ready.
    #[serde(default)]
    pub ready_replicas: i32,
    /// The widget's phase.
    #[serde(default)]
    pub phase: String,
}

/// The desired state of a gadget.
#[derive(Resource, JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[schemars(crate = "krest::schemars")]
#[resource(group = "demo.krest.dev", version = "v1", cluster)]
pub struct GadgetSpec {
    /// Who made the gadget.
    pub vendor: String,
    /// The ports it listens on.
    #[serde(default)]
    pub ports: Vec<i32>,
}

pub mod pool;

pub mod admission {
    //! The example server's admission: one mutating (a default label on new widgets) and one
    //! validating (a limit on replicas, also through `/scale`).

    use krest::admission::{MutatingAdmission, Operation, Request, ValidatingAdmission};
    use krest::Status;
    use serde_json::{json, Value};

    /// The label every new Widget gets unless it says otherwise.
    pub const TIER_LABEL: &str = "demo.krest.dev/tier";

    /// Gives new Widgets the label `demo.krest.dev/tier: standard` when they have none.
    pub struct DefaultTier;

    impl MutatingAdmission for DefaultTier {
        fn admit(&self, request: &Request<'_>, object: &mut Value) -> Result<(), Status> {
            if request.operation != Operation::Create || request.resource.kind != "Widget" {
                return Ok(());
            }
            let metadata = &mut object["metadata"];
            if !metadata["labels"].is_object() {
                metadata["labels"] = json!({});
            }
            let labels = &mut metadata["labels"];
            if labels.get(TIER_LABEL).is_none() {
                labels[TIER_LABEL] = json!("standard");
            }
            Ok(())
        }
    }

    /// Refuses Widgets asking for more than `max` replicas, however they ask (create, update,
    /// patch, `/scale`).
    pub struct ReplicasLimit {
        /// The most replicas a Widget may have.
        pub max: i64,
    }

    impl ValidatingAdmission for ReplicasLimit {
        fn validate(&self, request: &Request<'_>, object: &Value) -> Result<(), Status> {
            if request.resource.kind != "Widget" || request.operation == Operation::Delete {
                return Ok(());
            }
            match object["spec"]["replicas"].as_i64() {
                Some(replicas) if replicas > self.max => Err(request.deny(format!(
                    "spec.replicas: {replicas} is more than this server allows ({})",
                    self.max
                ))),
                _ => Ok(()),
            }
        }
    }
}
