//! A CRD whose versions a webhook converts (`tests/conversion/pools.yaml`), through `krest new`:
//! it prints the fields that differ between each version and the storage version and where to
//! write the conversion, writes that file once (regenerating keeps the user's edit), and the
//! crate builds and serves every served version, converting with the user's code, as kubectl
//! sees it; the version that is not served is generated and not served.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{kubectl, kubectl_ok, root, start, target_dir};
use serde_json::{json, Value};

/// `krest new pool-server` on `tests/conversion` into `out`; its standard error.
fn krest_new(out: &Path) -> String {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(["new", "pool-server", "--schemas"])
        .arg(root().join("tests/conversion"))
        .arg("--out")
        .arg(out)
        .output()
        .expect("krest runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "krest new failed: {stderr}");
    stderr
}

/// The user's conversion of v1beta1: `className` is v1's `class`.
const USERS_V1BETA1: &str = r#"impl Convert for crate::fleet_example_com_v1beta1::Pool {
    type Hub = crate::fleet_example_com_v1::Pool;

    fn into_hub(self) -> Result<Self::Hub, Status> {
        // The user's own: `className` is v1's `class`.
        serde_json::from_value(serde_json::json!({
            "metadata": self.metadata,
            "spec": {"class": self.spec.class_name},
        }))
        .map_err(Status::internal)
    }

    fn from_hub(hub: Self::Hub) -> Result<Self, Status> {
        serde_json::from_value(serde_json::json!({
            "metadata": hub.metadata,
            "spec": {"className": hub.spec.class},
        }))
        .map_err(Status::internal)
    }
}
"#;

#[test]
fn krest_new_lists_the_differences_keeps_the_users_conversion_and_serves_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("pool-server");
    let said = krest_new(&krate);
    for line in [
        "krest: conversion: fleet.example.com Pool v1alpha1 <-> v1 (storage): fields differ",
        "krest:   only in v1: .spec.size, .spec.zones, .status",
        "krest: conversion: fleet.example.com Pool v1beta1 <-> v1 (storage): fields differ",
        "krest:   only in v1beta1: .spec.className, .spec.description",
        "krest:   only in v1: .spec.class, .spec.size, .spec.zones, .status",
    ] {
        assert!(said.lines().any(|l| l == line), "{line:?} not in:\n{said}");
    }
    let file = krate.join("src/conversion.rs");
    assert!(
        said.contains(&format!(
            "write the conversions in {} (written now",
            file.display()
        )),
        "{said}"
    );

    // The file holds one field-by-field conversion per version but the storage version.
    let written = std::fs::read_to_string(&file).unwrap();
    for version in ["v1alpha1", "v1beta1"] {
        assert!(
            written.contains(&format!(
                "impl Convert for crate::fleet_example_com_{version}::Pool {{"
            )),
            "{written}"
        );
    }
    assert!(written.contains("/// - only in v1beta1: .spec.className, .spec.description"));

    // The user writes v1beta1's conversion; regenerating keeps it.
    let start_at = written
        .find("impl Convert for crate::fleet_example_com_v1beta1::Pool {")
        .unwrap();
    let end_at = start_at + written[start_at..].find("\n}\n").unwrap() + 3;
    let edited = format!(
        "{}{USERS_V1BETA1}{}",
        &written[..start_at],
        &written[end_at..]
    );
    std::fs::write(&file, &edited).unwrap();
    let said = krest_new(&krate);
    assert!(said.contains("yours, kept as it is"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    let main = std::fs::read_to_string(krate.join("src/main.rs")).unwrap();
    assert!(main.contains("mod conversion;"), "{main}");

    // It builds, in the workspace's target folder (dependencies built once for every test).
    let target = target_dir();
    std::fs::copy(root().join("../Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the generated crate builds");

    let server = start(&target.join("debug/pool-server"));
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let versions = kubectl_ok(&server, &home, &["api-versions"]);
    let versions: Vec<&str> = versions.lines().collect();
    assert!(versions.contains(&"fleet.example.com/v1"), "{versions:?}");
    assert!(
        versions.contains(&"fleet.example.com/v1beta1"),
        "{versions:?}"
    );
    assert!(
        !versions.contains(&"fleet.example.com/v1alpha1"),
        "{versions:?}"
    );

    let pool = json!({
        "apiVersion": "fleet.example.com/v1", "kind": "Pool",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {"class": "gold", "size": 3, "zones": ["a", "b"]},
    });
    let path = dir.path().join("pool.json");
    std::fs::write(&path, pool.to_string()).unwrap();
    kubectl_ok(&server, &home, &["create", "-f", path.to_str().unwrap()]);

    // Through v1beta1, the user's conversion: `className`.
    let old: Value = serde_json::from_str(&kubectl_ok(
        &server,
        &home,
        &["get", "pools.v1beta1.fleet.example.com", "db", "-o", "json"],
    ))
    .unwrap();
    assert_eq!(old["spec"], json!({"className": "gold"}), "{old}");

    // Written back through v1beta1, read through v1: changed, nothing lost.
    let mut changed = old.clone();
    changed["spec"]["className"] = json!("silver");
    std::fs::write(&path, changed.to_string()).unwrap();
    kubectl_ok(&server, &home, &["replace", "-f", path.to_str().unwrap()]);
    let new: Value = serde_json::from_str(&kubectl_ok(
        &server,
        &home,
        &["get", "pools.v1.fleet.example.com", "db", "-o", "json"],
    ))
    .unwrap();
    assert_eq!(
        new["spec"],
        json!({"class": "silver", "size": 3, "zones": ["a", "b"]}),
        "{new}"
    );
    let unserved = kubectl(
        &server,
        &home,
        &["get", "pools.v1alpha1.fleet.example.com", "db"],
    );
    assert!(!unserved.status.success());
}
