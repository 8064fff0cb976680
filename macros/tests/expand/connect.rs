/// A kind in the core group with a connect subresource (two methods, with a subpath) and a
/// second, GET-only one.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "",
    version = "v1",
    namespaced,
    status = PodStatus,
    subresource(name = "exec", methods(GET, POST), subpath, handler = crate::exec::serve),
    subresource(name = "log", methods(GET), handler = serve_log)
)]
pub struct PodSpec {
    pub image: String,
}
