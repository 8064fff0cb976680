use krest::Resource;

// The status type derives JsonSchema, the spec does not: the error points at the spec.
#[derive(Resource, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", status = WidgetStatus)]
pub struct WidgetSpec {
    pub color: String,
}

#[derive(krest::JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
pub struct WidgetStatus {
    pub ready: bool,
}

fn main() {}
