//! End to end: the real `kubectl` against `widgets-server`, reading and writing `Pool`s through
//! both their versions (`fleet.krest.dev/v1`, stored, and `v1beta1`, converted by Rust code):
//! each version shows its own fields, and a round trip through the older version loses
//! nothing of the newer one. And `v1`'s CEL rule, as kubectl sees it refuse an object.

mod support;

use serde_json::{json, Value};
use support::{start, temp_dir, Kubectl};

const V1: &str = "pools.v1.fleet.krest.dev";
const V1BETA1: &str = "pools.v1beta1.fleet.krest.dev";
const ANNOTATION: &str = "conversion.krest.dev/lost-fields";

fn write(dir: &std::path::Path, name: &str, object: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(object).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

fn get(k: &Kubectl, resource: &str, name: &str) -> Value {
    serde_json::from_str(&k.ok(&["get", resource, name, "-o", "json"])).unwrap()
}

#[test]
fn kubectl_round_trips_through_the_older_version_without_losing_fields() {
    let dir = temp_dir("conversion");
    let server = start(&["--store", "memory"]);
    let k = Kubectl::new(&server, &dir);

    let versions = k.ok(&["api-versions"]);
    for version in ["fleet.krest.dev/v1", "fleet.krest.dev/v1beta1"] {
        assert!(versions.lines().any(|l| l == version), "{versions}");
    }

    // Written in v1.
    let pool = json!({
        "apiVersion": "fleet.krest.dev/v1", "kind": "Pool",
        "metadata": {"name": "db", "namespace": "default", "labels": {"app": "db"}},
        "spec": {"class": "gold", "size": 3, "zones": ["eu-1", "eu-2"]},
    });
    k.ok(&["create", "-f", &write(&dir, "v1.json", &pool)]);

    // Read through v1beta1: its own shape, the rest kept in the annotation.
    let old = get(&k, V1BETA1, "db");
    assert_eq!(old["apiVersion"], "fleet.krest.dev/v1beta1");
    assert_eq!(old["spec"], json!({"className": "gold"}), "{old}");
    let kept: Value =
        serde_json::from_str(old["metadata"]["annotations"][ANNOTATION].as_str().unwrap()).unwrap();
    assert_eq!(
        kept,
        json!({"spec": {"size": 3, "zones": ["eu-1", "eu-2"]}})
    );
    let table = k.ok(&["get", V1BETA1, "db"]);
    assert!(
        table.lines().nth(1).is_some_and(|l| l.contains("gold")),
        "{table}"
    );

    // Changed through v1beta1 and written back with `kubectl replace`.
    let mut changed = old.clone();
    changed["spec"]["className"] = json!("silver");
    changed["spec"]["description"] = json!("the database machines");
    k.ok(&["replace", "-f", &write(&dir, "v1beta1.json", &changed)]);

    // Read through v1: the change, and nothing lost.
    let new = get(&k, V1, "db");
    assert_eq!(
        new["spec"],
        json!({"class": "silver", "size": 3, "zones": ["eu-1", "eu-2"]}),
        "{new}"
    );
    assert_eq!(new["metadata"]["labels"], json!({"app": "db"}));
    // ... and what v1 lacks is kept for v1beta1.
    let old = get(&k, V1BETA1, "db");
    assert_eq!(old["spec"]["description"], "the database machines");

    // A merge patch through v1beta1 keeps v1's fields too.
    k.ok(&[
        "patch",
        V1BETA1,
        "db",
        "--type=merge",
        "-p",
        r#"{"spec":{"className":"bronze"}}"#,
    ]);
    let new = get(&k, V1, "db");
    assert_eq!(new["spec"]["class"], "bronze");
    assert_eq!(new["spec"]["size"], 3);
    assert_eq!(new["spec"]["zones"], json!(["eu-1", "eu-2"]));

    // Lists are converted item by item.
    let list: Value = serde_json::from_str(&k.ok(&["get", V1BETA1, "-o", "json"])).unwrap();
    assert_eq!(list["items"][0]["spec"]["className"], "bronze");
    assert_eq!(list["items"][0]["apiVersion"], "fleet.krest.dev/v1beta1");

    // The stored versions and the storage migration, through kubectl's raw requests: every
    // pool is stored in v1, so the migration reads one and writes none.
    let stored: Value =
        serde_json::from_str(&k.ok(&["get", "--raw", "/krest/storage/fleet.krest.dev/pools"]))
            .unwrap();
    assert_eq!(stored["storageVersion"], "v1");
    assert_eq!(stored["storedVersions"], json!(["v1"]));
    let empty = write(&dir, "empty.json", &json!({}));
    let migrated: Value = serde_json::from_str(&k.ok(&[
        "create",
        "--raw",
        "/krest/storage/fleet.krest.dev/pools/migrate",
        "-f",
        &empty,
    ]))
    .unwrap();
    assert_eq!(
        (
            migrated["examined"].as_u64(),
            migrated["rewritten"].as_u64()
        ),
        (Some(1), Some(0))
    );

    k.ok(&["delete", V1BETA1, "db"]);
    assert!(k.fails(&["get", V1, "db"]).contains("NotFound"));
}

/// A CEL rule of a kind (`Pool`'s `size(self.zones) <= self.size`) refuses what breaks it, on
/// create and on update, and kubectl prints the failure as kube-apiserver words it: the object,
/// the rule's field path, and its message.
#[test]
fn kubectl_sees_a_cel_rule_refuse_an_object() {
    let dir = temp_dir("cel-rule");
    let server = start(&["--store", "memory"]);
    let k = Kubectl::new(&server, &dir);
    let pool = |name: &str, size: u32, zones: &str| {
        let path = dir.join(format!("{name}-{size}.yaml"));
        let yaml = format!(
            "apiVersion: fleet.krest.dev/v1\nkind: Pool\nmetadata: {{name: {name}, namespace: default}}\nspec: {{class: gold, size: {size}, zones: [{zones}]}}\n"
        );
        std::fs::write(&path, yaml).unwrap();
        path.to_str().unwrap().to_string()
    };
    let refused = "The Pool \"wide\" is invalid: spec.zones: Invalid value: \"object\": a pool spreads over at most one zone per machine";

    let err = k.fails(&["create", "-f", &pool("wide", 1, "eu-1, eu-2")]);
    assert!(err.contains(refused), "{err}");
    k.fails(&["get", "pool", "wide"]);

    k.ok(&["create", "-f", &pool("wide", 2, "eu-1, eu-2")]);
    let patch_size = |size: u32| {
        let patch = format!(r#"{{"spec":{{"size":{size}}}}}"#);
        k.output(&["patch", "pool", "wide", "--type", "merge", "-p", &patch])
    };
    let refusal = patch_size(1);
    let err = String::from_utf8_lossy(&refusal.stderr);
    assert!(!refusal.status.success() && err.contains(refused), "{err}");
    let size = k.ok(&["get", "pool", "wide", "-o", "jsonpath={.spec.size}"]);
    assert_eq!(size, "2");
    assert!(patch_size(3).status.success());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
