/// A version that converts to and from its storage version through `krest::Convert`.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1beta1",
    kind = "Gadget",
    cluster,
    storage_version = "v1",
    conversion
)]
pub struct GadgetSpec {
    pub maker: String,
}
