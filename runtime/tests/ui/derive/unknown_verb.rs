// `edit` is not a Kubernetes verb.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    verbs(get, list, edit)
)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
