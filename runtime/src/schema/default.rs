//! Structural defaulting: apiextensions' `structuraldefaulting.Default` over JSON values, on the
//! compiled schema.

use serde_json::Value;

use super::validate::Node;

/// Fills in the `default`s below `node` in `value`, then descends, so defaults inside a
/// defaulted object apply too. Subtrees without defaults are not visited.
pub(super) fn apply(node: &Node, value: &mut Value) {
    if !node.defaults_below {
        return;
    }
    match value {
        Value::Object(fields) => {
            for (name, property) in &node.properties {
                let Some(default) = &property.default else {
                    continue;
                };
                match fields.get(name) {
                    None => {
                        fields.insert(name.clone(), default.clone());
                    }
                    Some(Value::Null) if !property.nullable => {
                        fields.insert(name.clone(), default.clone());
                    }
                    Some(_) => {}
                }
            }
            for (name, field) in fields.iter_mut() {
                if let Some(sub) = node.properties.get(name).or(node.additional.as_deref()) {
                    apply(sub, field);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = &node.items {
                for item in items {
                    apply(sub, item);
                }
            }
        }
        _ => {}
    }
}
