// A group is a lower-case DNS subdomain.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "Demo_Krest.dev", version = "v1", namespaced)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
