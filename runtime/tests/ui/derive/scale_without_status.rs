// The scale subresource reads the observed replicas from the status, so it needs one.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    scale(
        spec_replicas = ".spec.replicas",
        status_replicas = ".status.readyReplicas"
    )
)]
pub struct WidgetSpec {
    pub replicas: i32,
}

fn main() {}
