/// A kind whose schema comes from a function, as kinds generated from a CRD have it.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", cluster, schema = crate::schemas::gizmo)]
pub struct GizmoSpec {
    pub vendor: String,
}
