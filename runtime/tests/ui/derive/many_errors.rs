// Every mistake is reported at once, each at its own token.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "Demo_Krest.dev",
    version = "1.0",
    namespaced,
    cluster,
    verbs(get, edit),
    plural = "Widgets"
)]
pub struct WidgetSpec {
    pub color: String,
}

fn main() {}
