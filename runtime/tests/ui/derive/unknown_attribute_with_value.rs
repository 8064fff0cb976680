use krest::Resource;

#[derive(Resource, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[resource(
    colour = "red",
    group = "demo.krest.dev",
    version = "v1",
    printer_column(name = "A", type = "string", json_path = ".spec.a", width = 3)
)]
pub struct WidgetSpec {
    pub a: String,
}

fn main() {}
