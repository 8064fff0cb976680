//! Request bodies: read whole, within the size limit, and parsed as an object from JSON, YAML
//! or (for the kinds that take it) protobuf.

use serde_json::{Map, Value};

use crate::response::{Body, Collect};
use crate::status::Status;

/// The largest request body krest reads (kube-apiserver's `MaxRequestBodyBytes`).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Reads `body` whole, at most [`MAX_BODY_BYTES`] (413 past it).
pub fn read(body: Body) -> Collect {
    Collect::new(body, MAX_BODY_BYTES)
}

/// A decoder of a protobuf body into JSON, for a kind that kubectl sends as protobuf.
pub type Protobuf<'a> = &'a (dyn Fn(&[u8]) -> Result<Value, String> + Sync);

/// Reads `body` as an object by its `Content-Type`: JSON (with the paths of fields it holds
/// twice), YAML, or protobuf when `protobuf` decodes it (`kind` names it in errors). Anything
/// else is a 415, a body that is not an object a 400.
pub async fn read_object(
    body: Body,
    content_type: Option<&str>,
    protobuf: Option<(&str, Protobuf<'_>)>,
) -> Result<(Map<String, Value>, Vec<String>), Status> {
    if let Some((kind, decode)) = protobuf {
        if crate::negotiate::media_type(content_type) == PROTOBUF {
            let bytes = read(body).await?;
            return match decode(&bytes) {
                Ok(Value::Object(map)) => Ok((map, Vec::new())),
                Ok(_) => Err(Status::bad_request("the request body must be an object")),
                Err(e) => Err(Status::bad_request(format!(
                    "the request body is not a protobuf {kind}: {e}"
                ))),
            };
        }
    }
    crate::negotiate::check_content_type(content_type, &crate::negotiate::BODY_TYPES)?;
    let yaml = crate::negotiate::is_yaml(content_type);
    let bytes = read(body).await?;
    if yaml {
        return parse_yaml_object(&bytes).map(|map| (map, Vec::new()));
    }
    match crate::json::parse(&bytes) {
        Ok((Value::Object(map), duplicates)) => Ok((map, duplicates)),
        Ok(_) => Err(Status::bad_request(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(Status::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// Kubernetes' protobuf media type.
pub const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";

/// Parses a JSON object, or 400.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, Status> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Status::bad_request(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(Status::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// Parses a YAML document holding an object, or 400.
pub fn parse_yaml_object(bytes: &[u8]) -> Result<Map<String, Value>, Status> {
    match crate::yaml::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Status::bad_request(
            "the request body must be a YAML mapping (an object)",
        )),
        Err(e) => Err(Status::bad_request(format!(
            "the request body is not valid YAML: {e}"
        ))),
    }
}
