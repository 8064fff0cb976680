//! The per-resource, typed part of a write: decode the JSON into the Rust type, which checks it
//! against the schema, and encode it back, which prunes unknown fields and applies serde
//! defaults. Everything else in a handler works on JSON.

use serde_json::Value;

use crate::resource::Resource;
use crate::status::Cause;

/// An object after its typed round trip.
pub(crate) struct Decoded {
    /// The canonical object.
    pub value: Value,
    /// Paths of fields the type does not know (`spec.foo`), dropped from `value`.
    pub unknown: Vec<String>,
}

/// Decodes objects of one resource; a plain fn pointer so that handlers stay non-generic.
#[derive(Clone, Copy)]
pub(crate) struct Decoder {
    canonical: fn(&Value) -> Result<Decoded, Cause>,
}

impl Decoder {
    /// The decoder of `R`.
    pub fn of<R: Resource>() -> Decoder {
        Decoder {
            canonical: canonical::<R>,
        }
    }

    /// Decodes `value` as the resource's type and encodes it back.
    pub fn canonical(&self, value: &Value) -> Result<Decoded, Cause> {
        (self.canonical)(value)
    }
}

fn canonical<R: Resource>(value: &Value) -> Result<Decoded, Cause> {
    let mut unknown = Vec::new();
    let mut record = |path: serde_ignored::Path<'_>| {
        let path = path.to_string();
        if path != "apiVersion" && path != "kind" {
            unknown.push(path);
        }
    };
    // The callback as a trait object: the wrapping deserializer's type is then the same for
    // every kind, so the visitors of what all kinds share (`ObjectMeta`, its maps, `Value`) are
    // instantiated once per crate rather than once per kind, which is most of a kind's compile
    // time.
    let mut record: &mut dyn FnMut(serde_ignored::Path<'_>) = &mut record;
    let deserializer = serde_ignored::Deserializer::new(value, &mut record);
    let object: R = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        // serde words a missing field "missing field `color`"; Kubernetes says Required value.
        match message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            Some(field) => {
                let full = if path == "." {
                    field.to_string()
                } else {
                    format!("{path}.{field}")
                };
                Cause::required(&full, "")
            }
            None => Cause::new(
                "FieldValueInvalid",
                if path == "." { String::new() } else { path },
                format!("Invalid value: {message}"),
            ),
        }
    })?;
    let value = serde_json::to_value(&object)
        .map_err(|e| Cause::new("FieldValueInvalid", "", e.to_string()))?;
    Ok(Decoded { value, unknown })
}
