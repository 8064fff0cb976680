// Every resource needs a `group` (the empty string for the core group).
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(version = "v1", namespaced)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
