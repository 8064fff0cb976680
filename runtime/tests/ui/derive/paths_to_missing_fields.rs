use krest::{JsonSchema, Resource};

// Paths into the spec's own fields are checked by their JSON names (`rename_all` applies);
// paths into types the derive cannot see (`.status.readyReplicas`) are checked by
// `Server::build`.
#[derive(Resource, JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
#[serde(rename_all = "camelCase")]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    status = WidgetStatus,
    scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"),
    printer_column(name = "Color", type = "string", json_path = ".spec.colour"),
    printer_column(name = "Size", type = "integer", json_path = ".spec.sizeInches"),
    printer_column(name = "Owner", type = "string", json_path = ".sepc.owner"),
)]
pub struct WidgetSpec {
    pub color: String,
    pub size_inches: i32,
}

#[derive(JsonSchema, Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    pub ready_replicas: i32,
}

// And no status at all.
#[derive(Resource, JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    printer_column(name = "Ready", type = "boolean", json_path = ".status.ready"),
)]
pub struct GadgetSpec {
    pub size: i32,
}

fn main() {}
