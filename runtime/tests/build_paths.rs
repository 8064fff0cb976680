//! `Server::build` checks the paths a kind's attributes name where the derive cannot see the
//! fields (a status type, a nested type): a typo is an error that names the kind, the
//! attribute, the path and the fields there are. A printer column naming a field the schema
//! lacks builds, with a logged warning: kube-apiserver serves such a column (empty cells).

use krest::{JsonSchema, Resource, Server};
use serde::{Deserialize, Serialize};

#[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    status = WidgetStatus,
    scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplica"),
    printer_column(name = "Size", type = "integer", json_path = ".spec.size.inches"),
    printer_column(name = "Ready", type = "string", json_path = ".status.conditions[0].status"),
)]
struct WidgetSpec {
    pub replicas: i32,
    pub size: Size,
}

#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
struct Size {
    pub centimeters: i32,
}

#[derive(JsonSchema, Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WidgetStatus {
    pub ready_replicas: i32,
    pub conditions: Vec<Condition>,
}

#[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
struct Condition {
    pub status: String,
}

#[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    status = WidgetStatus,
    scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"),
    printer_column(name = "Ready", type = "string", json_path = ".status.conditions[0].status"),
    printer_column(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
)]
struct GadgetSpec {
    pub replicas: i32,
}

#[test]
fn paths_the_schema_lacks_fail_the_build_with_what_to_write() {
    let error = Server::builder()
        .resource::<Widget>()
        .build()
        .err()
        .expect("the build fails");
    assert_eq!(
        error.to_string(),
        "Widget: scale `status_replicas` names `.status.readyReplica`, but `readyReplica` is not a field of the schema (it has `conditions`, `readyReplicas`); write the JSON name of a field, as `kubectl explain widgets` shows it"
    );
}

#[test]
fn paths_the_schema_has_build() {
    Server::builder()
        .resource::<Gadget>()
        .build()
        .expect("every path is in the schema");
}
