// Extra top-level fields cannot take the object's own names, nor `status` twice; selectable
// fields are simple paths; `storage_version` names another version.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, krest::JsonSchema)]
#[schemars(crate = "krest::schemars")]
pub struct Extra {
    pub note: String,
}

#[derive(Resource, Clone, Debug, Serialize, Deserialize, krest::JsonSchema)]
#[schemars(crate = "krest::schemars")]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    status = Extra,
    field(spec = Extra),
    field(status = Extra),
    field(note = Extra, note = Extra),
    selectable_fields("spec.color", ".metadata.name"),
    storage_version = "v1"
)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
