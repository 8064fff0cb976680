use krest::Resource;

#[derive(Resource, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", verbs(get, patch))]
pub struct WidgetSpec {
    pub a: String,
}

fn main() {}
