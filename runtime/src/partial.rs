//! `PartialObjectMetadata`: an object's metadata under `meta.k8s.io`'s `apiVersion` and
//! `kind`, as kube-apiserver writes it for `Accept: application/json;as=PartialObjectMetadata;
//! g=meta.k8s.io;v=v1` (client-go's metadata informers, kube-rs' `get_metadata`,
//! `list_metadata`, `watch_metadata` and `metadata_watcher`).
//!
//! The metadata is cut out of the object's JSON as it is stored or shared (a scan of its top
//! level that stops at `metadata`, which comes third), so that an object is never decoded to
//! answer with its metadata.

use serde_json::{json, Value};

use crate::codegen::ResourceModel;
use crate::json::metadata_range;
use crate::negotiate::MetaVersion;
use crate::status::Status;
use crate::store::KeyValue;
use crate::stored::decode_stored;

/// 406 for `as=PartialObjectMetadata` on a list, worded as kube-apiserver words it for a
/// custom resource.
pub(crate) fn list_not_acceptable() -> Status {
    Status::new(
        406,
        "NotAcceptable",
        "you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)",
    )
}

/// 406 for `as=PartialObjectMetadataList` on a single object.
pub(crate) fn object_not_acceptable() -> Status {
    Status::new(
        406,
        "NotAcceptable",
        "you requested PartialObjectMetadataList, but the requested object is not a list (*unstructured.Unstructured)",
    )
}

/// The `PartialObjectMetadata` of a decoded object.
pub(crate) fn from_value(value: &Value, version: MetaVersion) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": version.api_version(),
        "metadata": value.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// Appends the `PartialObjectMetadata` of the object whose JSON is `object`. `revision`, when
/// given, is spliced in as `metadata.resourceVersion` (stored objects have none). `false`, and
/// nothing written, when `object` has no `metadata` object.
pub(crate) fn write(
    out: &mut Vec<u8>,
    version: MetaVersion,
    object: &[u8],
    revision: Option<u64>,
) -> bool {
    let Some(range) = metadata_range(object) else {
        return false;
    };
    let metadata = &object[range];
    out.extend_from_slice(b"{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"");
    out.extend_from_slice(version.api_version().as_bytes());
    out.extend_from_slice(b"\",\"metadata\":");
    match revision {
        None => out.extend_from_slice(metadata),
        Some(revision) => {
            out.extend_from_slice(b"{\"resourceVersion\":\"");
            out.extend_from_slice(revision.to_string().as_bytes());
            out.push(b'"');
            // The members after the opening brace, behind a comma unless there are none.
            let members = &metadata[1..];
            if members.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'}') {
                out.push(b',');
            }
            out.extend_from_slice(members);
        }
    }
    out.push(b'}');
    true
}

/// Appends the `PartialObjectMetadata` of a stored object, with its revision as
/// `resourceVersion`; an object whose metadata cannot be cut out is decoded instead.
pub(crate) fn write_stored(
    out: &mut Vec<u8>,
    version: MetaVersion,
    kv: &KeyValue,
    model: &ResourceModel,
) -> Result<(), Status> {
    if !write(out, version, &kv.value, Some(kv.mod_revision)) {
        let value = decode_stored(kv, model)?;
        serde_json::to_writer(&mut *out, &from_value(&value, version))
            .map_err(|e| Status::internal(format!("encoding {}: {e}", kv.key)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(object: &str, revision: Option<u64>) -> Option<Value> {
        let mut out = Vec::new();
        write(&mut out, MetaVersion::V1, object.as_bytes(), revision)
            .then(|| serde_json::from_slice(&out).expect("valid JSON"))
    }

    #[test]
    fn metadata_is_cut_out_wherever_it_is() {
        let object = r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"name":"a","labels":{"x":"}\"{"}},"spec":{"metadata":{"name":"no"}}}"#;
        assert_eq!(
            partial(object, Some(7)).unwrap(),
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                   "metadata": {"name": "a", "labels": {"x": "}\"{"}, "resourceVersion": "7"}})
        );
        // After other members of every kind, with spaces, and without a revision to add.
        let object = r#" { "spec" : {"a":[1,{"b":"]"}],"metadata":{}} , "n": -1.5e3, "t": true, "metadata" : { } } "#;
        assert_eq!(partial(object, None).unwrap()["metadata"], json!({}));
        assert_eq!(
            partial(r#"{"metadata":{}}"#, Some(3)).unwrap()["metadata"],
            json!({"resourceVersion": "3"})
        );
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"metadata":null}"#,
            r#"{"spec":{}}"#,
            r#"{"metadata":{"a":"#,
            r#"{"a":"x"#,
        ] {
            assert!(partial(bad, Some(1)).is_none(), "{bad}");
        }
    }

    #[test]
    fn values_convert_too() {
        let value =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}, "spec": {}});
        assert_eq!(
            from_value(&value, MetaVersion::V1beta1),
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1beta1", "metadata": {"name": "n"}})
        );
    }
}
