//! kube-rs's part of the end-to-end tests' support (`mod.rs`): an `Api` of the server's Widgets.

use kube::api::Api;
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::Client;

use crate::support::ServerProcess;

/// The Widgets of namespace `default`, through kube-rs.
pub fn widgets(server: &ServerProcess) -> Api<DynamicObject> {
    let config = kube::Config::new(format!("http://{}", server.addr).parse().unwrap());
    let client = Client::try_from(config).unwrap();
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    Api::namespaced_with(client, "default", &resource)
}
