//! Strategic merge patch for the core Namespace only. kubectl knows Namespace as a built-in
//! kind and patches it with `application/strategic-merge-patch+json` whatever the server
//! publishes (`kubectl apply` of a namespace manifest, a second time). A Namespace has few
//! lists, so the patch strategies of its fields are written out here rather than read from Go
//! struct tags: `metadata.finalizers` merges as a set, `metadata.ownerReferences` by `uid`,
//! `status.conditions` by `type`; every other list is replaced. The directives kubectl emits
//! (`$patch`, `$retainKeys`, `$deleteFromPrimitiveList/…`, `$setElementOrder/…`) are honoured.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::json::Positions;

/// How a list field merges.
enum ListStrategy {
    /// Replaced by the patch's list.
    Replace,
    /// A list of scalars merged as a set.
    Set,
    /// A list of objects merged by the value of a key.
    ByKey(&'static str),
}

fn strategy(path: &str) -> ListStrategy {
    match path {
        "metadata.finalizers" => ListStrategy::Set,
        "metadata.ownerReferences" => ListStrategy::ByKey("uid"),
        "status.conditions" => ListStrategy::ByKey("type"),
        _ => ListStrategy::Replace,
    }
}

/// Applies `patch` to `target`.
pub fn apply(target: &mut Value, patch: &Value) {
    merge(target, patch, "");
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The patch without its directives.
fn plain(patch: &Map<String, Value>) -> Value {
    Value::Object(
        patch
            .iter()
            .filter(|(k, _)| !k.starts_with('$'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn merge(target: &mut Value, patch: &Value, path: &str) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            *target = plain(patch);
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(fields) = target else {
        return;
    };
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        let keep: HashSet<&str> = keep.iter().filter_map(Value::as_str).collect();
        fields.retain(|k, _| keep.contains(k.as_str()) || patch.contains_key(k));
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(gone)) = (fields.get_mut(field), value) {
                let mut index = Positions::new();
                for (i, v) in gone.iter().enumerate() {
                    index.insert(index.hash([Some(v)]), i);
                }
                list.retain(|v| {
                    !index
                        .get(index.hash([Some(v)]))
                        .iter()
                        .any(|&i| gone[i] == *v)
                });
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        let path = child(path, key);
        match value {
            Value::Null => {
                fields.remove(key);
            }
            Value::Object(_) => {
                let slot = fields.entry(key.clone()).or_insert(Value::Null);
                merge(slot, value, &path);
                if slot.is_null() {
                    fields.remove(key);
                }
            }
            Value::Array(items) => {
                let slot = fields
                    .entry(key.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                merge_list(slot, items, strategy(&path));
            }
            scalar => {
                fields.insert(key.clone(), scalar.clone());
            }
        }
    }
}

fn merge_list(target: &mut Value, items: &[Value], strategy: ListStrategy) {
    let replace = |target: &mut Value| {
        *target = Value::Array(
            items
                .iter()
                .filter(|i| i.get("$patch").is_none())
                .cloned()
                .collect(),
        )
    };
    let Value::Array(list) = target else {
        replace(target);
        return;
    };
    match strategy {
        ListStrategy::Replace => replace(target),
        // Items are found through an index, not by scanning the list for each: both lists are
        // as long as a body's size allows.
        ListStrategy::Set => {
            let mut index = Positions::of_values(list);
            for item in items {
                if index.find_value(list, item).is_none() {
                    index.insert(index.hash([Some(item)]), list.len());
                    list.push(item.clone());
                }
            }
        }
        ListStrategy::ByKey(key) => {
            // Deleted items leave a hole until the end, so that positions hold.
            let mut slots: Vec<Option<Value>> =
                std::mem::take(list).into_iter().map(Some).collect();
            let mut index = Positions::new();
            for (i, v) in slots.iter().enumerate() {
                let id = v.as_ref().and_then(|v| v.get(key));
                index.insert(index.hash([id]), i);
            }
            for item in items {
                let Some(id) = item.get(key) else { continue };
                let hash = index.hash([Some(id)]);
                let at = index
                    .get(hash)
                    .iter()
                    .copied()
                    .find(|&i| slots[i].as_ref().and_then(|e| e.get(key)) == Some(id));
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (at, delete) {
                    (Some(i), true) => slots[i] = None,
                    (None, true) => {}
                    (Some(i), false) => {
                        if let Some(e) = &mut slots[i] {
                            merge(e, item, "");
                        }
                    }
                    (None, false) => {
                        let mut fresh = Value::Null;
                        merge(&mut fresh, item, "");
                        index.insert(hash, slots.len());
                        slots.push(Some(fresh));
                    }
                }
            }
            *list = slots.into_iter().flatten().collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::apply;
    use serde_json::json;

    #[test]
    fn what_kubectl_apply_sends() {
        let mut ns = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "x", "labels": {"a": "b", "keep": "1"}, "annotations": {"old": "1"},
                         "finalizers": ["one"], "ownerReferences": [{"uid": "u1", "name": "p"}]},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active", "conditions": [{"type": "A", "status": "True"}]},
        });
        apply(
            &mut ns,
            &json!({
                "metadata": {
                    "annotations": {"old": null, "new": "2"},
                    "labels": {"a": "c"},
                    "$setElementOrder/finalizers": ["one", "two"],
                    "finalizers": ["two"],
                    "ownerReferences": [{"uid": "u1", "name": "q"}, {"uid": "u2", "name": "r"}],
                },
                "spec": {"finalizers": []},
                "status": {"conditions": [{"type": "A", "$patch": "delete"}, {"type": "B", "status": "False"}]},
            }),
        );
        assert_eq!(
            ns["metadata"],
            json!({"name": "x", "labels": {"a": "c", "keep": "1"}, "annotations": {"new": "2"},
                   "finalizers": ["one", "two"],
                   "ownerReferences": [{"uid": "u1", "name": "q"}, {"uid": "u2", "name": "r"}]})
        );
        assert_eq!(ns["spec"], json!({"finalizers": []}));
        assert_eq!(
            ns["status"]["conditions"],
            json!([{"type": "B", "status": "False"}])
        );
    }

    /// Items found by key or value in long lists, and a key deleted then added again in one
    /// patch, as the lists' scans found them.
    #[test]
    fn long_lists_merge_item_by_item() {
        let n = 20_000;
        let names = |from: usize, to: usize| -> Vec<String> {
            (from..to).map(|i| format!("f{i}")).collect()
        };
        let refs = |from: usize, to: usize, name: &str| -> Vec<serde_json::Value> {
            (from..to)
                .map(|i| json!({"uid": format!("u{i}"), "name": name}))
                .collect()
        };
        let mut ns =
            json!({"metadata": {"finalizers": names(0, n), "ownerReferences": refs(0, n, "a")}});
        let mut changed = refs(n / 2, n + n / 2, "b");
        changed.push(json!({"uid": "u0", "$patch": "delete"}));
        changed.push(json!({"uid": "u0", "name": "again"}));
        changed.push(json!({"uid": "u1", "$patch": "delete"}));
        apply(
            &mut ns,
            &json!({"metadata": {"finalizers": names(n / 2, n + n / 2), "ownerReferences": changed,
                                 "$deleteFromPrimitiveList/finalizers": names(0, n / 4)}}),
        );
        assert_eq!(ns["metadata"]["finalizers"], json!(names(n / 4, n + n / 2)));
        let mut expected = refs(2, n / 2, "a");
        expected.extend(refs(n / 2, n + n / 2, "b"));
        expected.push(json!({"uid": "u0", "name": "again"}));
        assert_eq!(ns["metadata"]["ownerReferences"], json!(expected));
    }

    #[test]
    fn directives() {
        let mut ns =
            json!({"metadata": {"labels": {"a": "1", "b": "2"}, "finalizers": ["x", "y"]}});
        apply(
            &mut ns,
            &json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}),
        );
        assert_eq!(ns["metadata"]["finalizers"], json!(["y"]));
        apply(
            &mut ns,
            &json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
        );
        assert_eq!(ns["metadata"]["labels"], json!({"c": "3"}));
        apply(
            &mut ns,
            &json!({"metadata": {"$retainKeys": ["labels"], "labels": {"d": "4"}}}),
        );
        assert_eq!(ns["metadata"], json!({"labels": {"c": "3", "d": "4"}}));
        apply(
            &mut ns,
            &json!({"metadata": {"labels": {"$patch": "delete"}}}),
        );
        assert_eq!(ns["metadata"], json!({}));
        apply(&mut ns, &json!({"spec": 3}));
        assert_eq!(ns["spec"], 3);
    }
}
