// `namespace` is not an attribute (the scope is spelled `namespaced`).
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", namespace)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
