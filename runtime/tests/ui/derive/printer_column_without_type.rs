use krest::{JsonSchema, Resource};

// A CRD's printer column needs its type (kubectl formats the cell by it).
#[derive(Resource, JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    printer_column(name = "Color", json_path = ".spec.color")
)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
