/// A read-only kind: only get, list and watch, with an explicit kind and plural.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1beta1",
    kind = "Report",
    plural = "reports",
    singular = "report",
    namespaced,
    verbs(get, list, watch)
)]
pub(crate) struct ReportSpecification {
    pub text: String,
}
