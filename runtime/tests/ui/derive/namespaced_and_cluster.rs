// A resource has one scope.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", namespaced, cluster)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
