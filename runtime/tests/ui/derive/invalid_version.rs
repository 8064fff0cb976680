// A version looks like `v1`, `v1beta2` or `v2alpha1`.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "1.0", namespaced)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
