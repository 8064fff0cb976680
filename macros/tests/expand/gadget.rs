/// A cluster-scoped kind with every verb and no subresources.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", cluster)]
pub struct GadgetSpec {
    pub vendor: String,
}
