//! Response bodies: JSON today, YAML and Table through content negotiation.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::route::Body;

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A JSON response with `code`.
pub fn json_response(code: u16, value: &serde_json::Value) -> http::Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes_response(code, "application/json", bytes)
}

/// A response with `code`, a content type and a body.
pub fn bytes_response(
    code: u16,
    content_type: &'static str,
    bytes: impl Into<Bytes>,
) -> http::Response<Body> {
    let mut response = http::Response::new(full(bytes));
    *response.status_mut() =
        http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}
