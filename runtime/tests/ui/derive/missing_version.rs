// Every resource needs a `version`.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", namespaced)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
