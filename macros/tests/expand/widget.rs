/// A namespaced kind with status, scale and printer columns, as the example crate declares it.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    short_names("wd"),
    categories("all"),
    status = WidgetStatus,
    scale(
        spec_replicas = ".spec.replicas",
        status_replicas = ".status.readyReplicas",
        label_selector = ".status.selector"
    ),
    printer_column(name = "Color", type = "string", json_path = ".spec.color"),
    printer_column(
        name = "Replicas",
        type = "integer",
        format = "int32",
        json_path = ".spec.replicas",
        description = "Desired replicas"
    ),
    printer_column(name = "Size", type = "string", json_path = ".spec.size", priority = 1)
)]
pub struct WidgetSpec {
    pub color: String,
    pub replicas: i32,
    pub size: Option<String>,
}
