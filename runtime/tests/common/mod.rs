//! Test resources and a socket-free client for handler tests.

#![allow(dead_code, missing_docs)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use krest::{Body, Resource, Server};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    namespaced,
    short_names("wd"),
    categories("all"),
    status = WidgetStatus,
    scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"),
    printer_column(name = "Color", type = "string", json_path = ".spec.color"),
    printer_column(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
    printer_column(name = "Size", type = "string", json_path = ".spec.size", priority = 1),
)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSpec {
    pub color: String,
    #[schemars(range(min = 0))]
    pub replicas: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

#[derive(JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    #[serde(default)]
    pub ready_replicas: i32,
    #[serde(default)]
    pub phase: String,
}

#[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[resource(group = "demo.krest.dev", version = "v1", cluster)]
pub struct GadgetSpec {
    pub vendor: String,
    #[serde(default)]
    pub ports: Vec<i32>,
}

pub const WIDGETS: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";
pub const GADGETS: &str = "/apis/demo.krest.dev/v1/gadgets";

pub fn server() -> Server {
    Server::builder()
        .resource::<Widget>()
        .resource::<Gadget>()
        .build()
        .expect("server builds")
}

pub struct Reply {
    pub code: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The `reason` of a Status body.
    pub fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or("")
    }
}

pub async fn send(
    server: &Server,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Reply {
    let mut request = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let body: Body = Full::new(Bytes::from(body.unwrap_or_default()))
        .map_err(|never| match never {})
        .boxed();
    let response = server.handle(request.body(body).unwrap()).await;
    let code = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        code,
        headers,
        body,
        text,
    }
}

pub async fn get(server: &Server, uri: &str) -> Reply {
    send(server, "GET", uri, &[], None).await
}

pub async fn json(server: &Server, method: &str, uri: &str, body: Value) -> Reply {
    send(
        server,
        method,
        uri,
        &[("content-type", "application/json")],
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

pub async fn patch(server: &Server, uri: &str, content_type: &str, body: Value) -> Reply {
    send(
        server,
        "PATCH",
        uri,
        &[("content-type", content_type)],
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

pub fn widget(name: &str, color: &str, replicas: i32) -> Value {
    serde_json::json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name, "labels": {"app": "demo", "color": color}},
        "spec": {"color": color, "replicas": replicas},
    })
}
