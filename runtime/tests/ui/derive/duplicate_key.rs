// Each key may be given once.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", namespaced, version = "v2")]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
