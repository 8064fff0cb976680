//! Response encodings: a JSON response re-encoded as YAML or indented JSON when the client
//! asks.

use bytes::Bytes;
use http_body_util::BodyExt;

use crate::response::{full, Body};
use crate::status::Status;

/// Rewrites a JSON response as `output` asks: YAML, or indented JSON. Anything that is not a
/// plain JSON body (a stream, another type) goes out unchanged.
pub(crate) async fn reencode(
    response: http::Response<Body>,
    output: crate::negotiate::Output,
) -> http::Response<Body> {
    let json = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes() == b"application/json");
    if !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Status::internal(format!("encoding the response: {e}")).into_response(),
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return http::Response::from_parts(parts, full(bytes));
    };
    let (content_type, bytes): (&'static str, Bytes) = if output.yaml {
        match crate::yaml::to_string(&value) {
            Ok(text) => ("application/yaml", Bytes::from(text)),
            Err(e) => {
                return Status::internal(format!("encoding the response as YAML: {e}"))
                    .into_response()
            }
        }
    } else {
        let mut pretty = serde_json::to_vec_pretty(&value).unwrap_or_default();
        pretty.push(b'\n');
        ("application/json", Bytes::from(pretty))
    };
    parts.headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    parts.headers.remove(http::header::CONTENT_LENGTH);
    http::Response::from_parts(parts, full(bytes))
}
