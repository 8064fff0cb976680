// A plural appears in URLs: it must be a lower-case DNS label.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    plural = "Wid_gets"
)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
