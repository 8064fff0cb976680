// `conversion` converts to and from the storage version: a version without `storage_version`
// is the storage version and converts nothing; a version that converts implements `Convert`.
use krest::{JsonSchema, Resource};
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", conversion)]
pub struct WidgetSpec {
    pub color: String,
}

#[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1beta1",
    kind = "Gadget",
    storage_version = "v1",
    conversion
)]
pub struct GadgetSpec {
    pub vendor: String,
}

fn main() {}
