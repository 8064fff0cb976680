/// A version stored in another, deprecated, with selectable fields, a `status` without the
/// status subresource and another top-level field.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1beta1",
    kind = "Application",
    field(status = AppStatus),
    field(lastOperation = Operation),
    selectable_fields(".spec.project", ".status.phase"),
    deprecated = "demo.krest.dev/v1beta1 Application is going away; use v1",
    storage_version = "v1"
)]
pub struct AppSpec {
    pub project: String,
}
