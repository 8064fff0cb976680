//! Field paths, `FieldsV1`, the kind's shape and the walks.

use serde_json::{json, Value};

use super::set::{path, show_path, Pe, Set};
use super::typed::{ListKind, Type};
use super::walk;

/// A kind with one field of each list and map type.
pub(super) fn schema() -> Value {
    let named = |props: Value| json!({"type": "object", "properties": props});
    json!({"type": "object", "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": named(json!({
            "color": {"type": "string"},
            "size": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
            "args": {"type": "array", "items": {"type": "string"}},
            "ports": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["port", "protocol"],
                "items": named(json!({
                    "port": {"type": "integer"},
                    "protocol": {"type": "string", "default": "TCP"},
                    "name": {"type": "string"},
                })),
            },
            "containers": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                "items": named(json!({
                    "name": {"type": "string"},
                    "image": {"type": "string"},
                    "env": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": named(json!({"name": {"type": "string"}, "value": {"type": "string"}})),
                    },
                })),
            },
            "selector": {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {
                "app": {"type": "string"}, "tier": {"type": "string"}}},
            "extra": {"type": "object", "additionalProperties": {"type": "string"}},
            "blob": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "port": {"x-kubernetes-int-or-string": true},
        })),
        "status": named(json!({"phase": {"type": "string"}})),
    }})
}

pub(super) fn ty() -> Type {
    Type::object(&schema())
}

fn set_of(fields: Value) -> Set {
    Set::from_fields_v1(&fields).expect("valid FieldsV1")
}

#[test]
fn fields_v1_round_trips_kube_examples() {
    // The shapes of kube-apiserver's documentation and of a Deployment kubectl applied.
    for example in [
        json!({"f:metadata": {"f:labels": {"f:test-label": {}}}, "f:data": {"f:key": {}}}),
        json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:spec": {".": {}, "f:color": {}}}),
        json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {
            "k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}}),
        json!({"f:spec": {"f:ports": {
            "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:protocol": {}}}}}),
        json!({"f:metadata": {"f:finalizers": {".": {}, "v:\"example.com/stop\"": {}}}}),
        json!({"f:spec": {"f:items": {"i:0": {}, "i:1": {"f:x": {}}}}}),
    ] {
        let set = set_of(example.clone());
        assert_eq!(set.to_fields_v1(), example);
    }
}

/// The text keeps kube-apiserver's key order: `"."` first, then keys sorted as text (so
/// `i:10` before `i:2`), members and nodes with children interleaved.
#[test]
fn fields_v1_text_is_written_in_key_order() {
    for text in [
        r#"{"f:a":{},"f:b":{".":{},"f:c":{}},"f:d":{"f:e":{}},"f:z":{}}"#,
        r#"{"f:items":{"i:0":{},"i:10":{},"i:2":{"f:x":{}}}}"#,
        r#"{"f:ports":{"k:{\"port\":80}":{".":{},"f:name":{}},"k:{\"port\":9}":{}},"f:tags":{"v:\"a\"":{},"v:\"b\"":{}}}"#,
    ] {
        let set = Set::parse(text).unwrap();
        let written = serde_json::to_string(&super::set::FieldsV1(&set)).unwrap();
        assert_eq!(written, text);
    }
}

#[test]
fn fields_v1_keys_are_read_canonically() {
    // Key members in another order and spacing name the same item.
    let a = set_of(json!({"f:ports": {"k:{ \"protocol\": \"TCP\", \"port\": 80 }": {}}}));
    let b = set_of(json!({"f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {}}}));
    assert_eq!(a, b);
}

#[test]
fn fields_v1_refuses_what_is_not_fields_v1() {
    for bad in [
        json!([]),
        json!({"f:a": 1}),
        json!({"x:a": {}}),
        json!({"a": {}}),
        json!({"k:[1]": {}}),
        json!({"k:{": {}}),
        json!({"i:-1": {}}),
        json!({"v:nope": {}}),
    ] {
        assert!(Set::from_fields_v1(&bad).is_err(), "{bad}");
    }
}

#[test]
fn paths_print_as_kube_apiserver_prints_them() {
    let p = path(&[
        "f:spec",
        "f:ports",
        "k:{\"port\":80,\"protocol\":\"TCP\"}",
        "f:name",
    ]);
    assert_eq!(show_path(&p), ".spec.ports[port=80,protocol=\"TCP\"].name");
    assert_eq!(show_path(&path(&["f:tags", "v:\"a\""])), ".tags[=\"a\"]");
    assert_eq!(show_path(&path(&["f:items", "i:3"])), ".items[3]");
    assert_eq!(Pe::Field("x".into()).encode(), "f:x");
}

#[test]
fn set_operations() {
    let a = set_of(json!({"f:spec": {".": {}, "f:a": {}, "f:b": {}}}));
    let b = set_of(json!({"f:spec": {"f:b": {}, "f:c": {}}}));
    assert_eq!(
        a.union(&b).to_fields_v1(),
        json!({"f:spec": {".": {}, "f:a": {}, "f:b": {}, "f:c": {}}})
    );
    assert_eq!(
        a.difference(&b).to_fields_v1(),
        json!({"f:spec": {".": {}, "f:a": {}}})
    );
    assert_eq!(
        a.intersection(&b).to_fields_v1(),
        json!({"f:spec": {"f:b": {}}})
    );
    assert!(a.has(&path(&["f:spec"])));
    assert!(!b.has(&path(&["f:spec"])));
    assert!(a.difference(&a).is_empty());
    assert_eq!(a.paths().len(), 3);
}

#[test]
fn shapes_follow_the_schema_and_kube_defaults() {
    let ty = ty();
    let spec = ty.field("spec");
    assert_eq!(*spec.field("color"), Type::Scalar);
    assert_eq!(*spec.field("port"), Type::Scalar);
    let Type::List(args) = spec.field("args") else {
        panic!("list")
    };
    assert_eq!(
        args.kind,
        ListKind::Atomic,
        "a list without a type is atomic"
    );
    let Type::List(tags) = spec.field("tags") else {
        panic!("list")
    };
    assert_eq!(tags.kind, ListKind::Set);
    let Type::List(ports) = spec.field("ports") else {
        panic!("list")
    };
    assert_eq!(
        ports.kind,
        ListKind::Map(vec![
            ("port".into(), None),
            ("protocol".into(), Some(json!("TCP")))
        ])
    );
    assert!(matches!(spec.field("selector"), Type::Map(m) if m.atomic));
    assert!(matches!(spec.field("extra"), Type::Map(m) if !m.atomic && m.fields.is_empty()));
    assert_eq!(*spec.field("blob"), Type::Deduced);
    // metadata is ObjectMeta whatever the schema says.
    let meta = ty.field("metadata");
    assert!(meta.is_named("labels"));
    let Type::List(finalizers) = meta.field("finalizers") else {
        panic!("list")
    };
    assert_eq!(finalizers.kind, ListKind::Set);
}

#[test]
fn field_set_of_a_configuration() {
    let config = json!({
        "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "w", "labels": {"app": "a"}},
        "spec": {
            "color": "red",
            "tags": ["x", "y"],
            "args": ["--a"],
            "ports": [{"port": 80, "name": "http"}],
            "containers": [{"name": "c", "env": [{"name": "A", "value": "1"}]}],
            "selector": {"app": "a"},
            "extra": {"k": "v"},
            "blob": {"deep": {"x": 1}, "list": [1]},
            "port": "http",
        },
    });
    let set = walk::field_set(&config, &ty()).expect("valid");
    assert_eq!(
        set.to_fields_v1(),
        json!({
            "f:apiVersion": {}, "f:kind": {},
            "f:metadata": {"f:name": {}, "f:labels": {"f:app": {}}},
            "f:spec": {
                "f:color": {},
                "f:tags": {"v:\"x\"": {}, "v:\"y\"": {}},
                "f:args": {},
                "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:name": {}}},
                "f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:name": {}, "f:env": {
                    "k:{\"name\":\"A\"}": {".": {}, "f:name": {}, "f:value": {}}}}},
                "f:selector": {},
                "f:extra": {"f:k": {}},
                "f:blob": {"f:deep": {".": {}, "f:x": {}}, "f:list": {}},
                "f:port": {},
            },
        })
    );
}

#[test]
fn empty_and_null_named_fields_are_members() {
    let set = walk::field_set(&json!({"spec": {"extra": {}, "color": null}}), &ty()).unwrap();
    assert_eq!(
        set.to_fields_v1(),
        json!({"f:spec": {"f:extra": {}, "f:color": {}}})
    );
}

#[test]
fn configurations_that_break_list_semantics_are_refused() {
    let ty = ty();
    let missing =
        walk::field_set(&json!({"spec": {"containers": [{"image": "x"}]}}), &ty).unwrap_err();
    assert_eq!(
        missing,
        ".spec.containers: element 0: associative list with keys has an element that omits all key fields [\"name\"] (and doesn't have default values for any key fields)"
    );
    let twice = walk::field_set(&json!({"spec": {"tags": ["a", "a"]}}), &ty).unwrap_err();
    assert_eq!(twice, ".spec.tags: duplicate entries for key [=\"a\"]");
    let map_in_set = walk::field_set(&json!({"spec": {"tags": [{"a": 1}]}}), &ty).unwrap_err();
    assert!(map_in_set.contains("associative list without keys has an element that's a map type"));
    let scalar_in_map_list = walk::merge(None, Some(&json!({"spec": {"ports": [80]}})), &ty);
    assert!(scalar_in_map_list.is_err());
}

fn merged(live: Value, config: Value) -> Value {
    walk::merge(Some(&live), Some(&config), &ty())
        .unwrap()
        .unwrap()
}

#[test]
fn merge_by_list_and_map_type() {
    let live = json!({"spec": {
        "color": "red", "size": 1,
        "tags": ["a", "b"],
        "args": ["--x", "--y"],
        "ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}],
        "selector": {"app": "a", "tier": "web"},
        "extra": {"k": "v"},
        "blob": {"a": 1, "inner": {"b": 2}},
        "port": 8080,
    }});
    let config = json!({"spec": {
        "color": "blue",
        "tags": ["c", "a"],
        "args": ["--z"],
        "ports": [{"port": 80, "protocol": "TCP", "name": "web"}, {"port": 53, "protocol": "UDP"}],
        "selector": {"app": "b"},
        "extra": {"j": "w"},
        "blob": {"inner": {"c": 3}},
        "port": "http",
    }});
    assert_eq!(
        merged(live, config),
        json!({"spec": {
            "color": "blue", "size": 1,
            // a set: union, in the order kube-apiserver gives
            "tags": ["c", "a", "b"],
            // atomic: replaced
            "args": ["--z"],
            // keyed: items merged by key (protocol defaults to TCP), live-only items where they were
            "ports": [{"port": 80, "protocol": "TCP", "name": "web"}, {"port": 443, "name": "https"},
                      {"port": 53, "protocol": "UDP"}],
            // atomic map: replaced
            "selector": {"app": "b"},
            "extra": {"k": "v", "j": "w"},
            // unknown fields kept: granular, deduced
            "blob": {"a": 1, "inner": {"b": 2, "c": 3}},
            "port": "http",
        }})
    );
}

#[test]
fn merged_list_order() {
    let order = |live: Value, config: Value| {
        merged(
            json!({"spec": {"tags": live}}),
            json!({"spec": {"tags": config}}),
        )["spec"]["tags"]
            .clone()
    };
    assert_eq!(
        order(json!(["a", "b", "c"]), json!(["c", "a"])),
        json!(["b", "c", "a"])
    );
    assert_eq!(
        order(json!(["a", "b"]), json!(["a", "x", "b"])),
        json!(["a", "x", "b"])
    );
    assert_eq!(
        order(json!(["a", "b"]), json!(["x"])),
        json!(["a", "b", "x"])
    );
    assert_eq!(order(json!([]), json!(["x"])), json!(["x"]));
}

#[test]
fn nested_keyed_lists_merge_item_by_item() {
    let live = json!({"spec": {"containers": [
        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "side", "image": "side:1"},
    ]}});
    let config = json!({"spec": {"containers": [
        {"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]},
    ]}});
    assert_eq!(
        merged(live, config),
        json!({"spec": {"containers": [
            {"name": "app", "image": "app:1", "env": [
                {"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]},
            {"name": "side", "image": "side:1"},
        ]}})
    );
}

#[test]
fn compare_reports_added_modified_removed() {
    let old = json!({"spec": {"color": "red", "size": 1, "tags": ["a"], "extra": {"k": "v"}}});
    let new =
        json!({"spec": {"color": "blue", "tags": ["a", "b"], "extra": {"k": "v"}, "args": ["x"]}});
    let c = walk::compare(&old, &new, &ty());
    assert_eq!(
        Set::of_steps(&c.modified).to_fields_v1(),
        json!({"f:spec": {"f:color": {}}})
    );
    assert_eq!(
        Set::of_steps(&c.removed).to_fields_v1(),
        json!({"f:spec": {"f:size": {}}})
    );
    assert_eq!(
        Set::of_steps(&c.added).to_fields_v1(),
        json!({"f:spec": {"f:tags": {"v:\"b\"": {}}, "f:args": {}}})
    );
    assert!(walk::compare(&old, &old, &ty()).is_empty());
}

#[test]
fn compare_from_nothing_owns_the_maps_it_creates() {
    let (old, new) = (json!({}), json!({"spec": {"color": "red"}}));
    let c = walk::compare(&old, &new, &ty());
    assert_eq!(
        Set::of_steps(&c.added).to_fields_v1(),
        json!({"f:spec": {".": {}, "f:color": {}}})
    );
}

#[test]
fn remove_takes_out_members_and_what_empties() {
    let mut value = json!({"spec": {
        "color": "red",
        "tags": ["a", "b"],
        "ports": [{"port": 80, "name": "http"}, {"port": 443}],
        "extra": {"k": "v"},
    }});
    let set = set_of(json!({"f:spec": {
        "f:color": {},
        "f:tags": {"v:\"a\"": {}},
        "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {"f:name": {}}, "k:{\"port\":443,\"protocol\":\"TCP\"}": {}},
        "f:extra": {"f:k": {}},
    }}));
    walk::remove(&mut value, &set, &ty());
    assert_eq!(
        value,
        json!({"spec": {"tags": ["b"], "ports": [{"port": 80}]}})
    );
}

#[test]
fn named_fields_become_members_for_pruning() {
    let set = set_of(
        json!({"f:spec": {"f:extra": {"f:k": {}}, "f:containers": {"k:{\"name\":\"c\"}": {"f:image": {}}}}}),
    );
    let named = walk::named_fields_as_members(&set, &ty());
    assert_eq!(
        named.to_fields_v1(),
        json!({"f:spec": {".": {}, "f:extra": {".": {}, "f:k": {}},
            "f:containers": {".": {}, "k:{\"name\":\"c\"}": {"f:image": {}}}}})
    );
}

#[test]
fn fields_the_schema_prunes_are_no_ones() {
    let ty = ty();
    let config =
        json!({"spec": {"color": "red", "shade": "dark", "blob": {"kept": 1}}, "extra": 1});
    let set = walk::field_set(&config, &ty).unwrap();
    assert_eq!(
        set.to_fields_v1(),
        json!({"f:spec": {"f:color": {}, "f:blob": {"f:kept": {}}}})
    );
    let old = json!({"spec": {}});
    let c = walk::compare(&old, &config, &ty);
    assert_eq!(
        Set::of_steps(&c.added).to_fields_v1(),
        json!({"f:spec": {"f:color": {}, "f:blob": {".": {}, "f:kept": {}}}})
    );
    // The merge keeps them, for the write's pruning to warn about or refuse.
    assert_eq!(merged(json!({}), config.clone()), config);
}
