//! End to end: server-side apply through the real `kubectl` against `widgets-server`: the
//! first apply, an idempotent re-apply, a conflict with a second field manager and
//! `--force-conflicts`, `--dry-run=server`, and client-side apply followed by `--server-side`.

mod support;

use std::path::Path;

use support::{start, temp_dir, Kubectl};

/// A widget manifest with `color` and `replicas`.
fn manifest(name: &str, color: &str, replicas: u32) -> String {
    format!(
        "apiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: default\n  labels:\n    app: demo\nspec:\n  color: {color}\n  replicas: {replicas}\n"
    )
}

fn write(dir: &Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The managed fields entries of a widget as `manager/operation` strings, in order.
fn managers(k: &Kubectl, name: &str) -> Vec<String> {
    let out = k.ok(&[
        "get",
        "widget",
        name,
        "-o",
        "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}",
    ]);
    out.split_whitespace().map(str::to_string).collect()
}

fn field(k: &Kubectl, name: &str, path: &str) -> String {
    k.ok(&["get", "widget", name, "-o", &format!("jsonpath={{{path}}}")])
}

#[test]
fn kubectl_server_side_apply() {
    let dir = temp_dir("ssa");
    let server = start(&["--store", "memory"]);
    let k = Kubectl::new(&server, &dir);
    let red = write(&dir, "red.yaml", &manifest("ssa", "red", 1));

    // First apply creates.
    let out = k.ok(&["apply", "--server-side", "-f", &red]);
    assert_eq!(out.trim(), "widget.demo.krest.dev/ssa serverside-applied");
    assert_eq!(managers(&k, "ssa"), vec!["kubectl/Apply"]);
    assert_eq!(
        field(&k, "ssa", ".metadata.managedFields[0].fieldsV1"),
        r#"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:color":{},"f:replicas":{}}}"#
    );
    let rv = field(&k, "ssa", ".metadata.resourceVersion");

    // Re-applying the same file changes nothing, not even the resourceVersion.
    let out = k.ok(&["apply", "--server-side", "-f", &red]);
    assert_eq!(out.trim(), "widget.demo.krest.dev/ssa serverside-applied");
    assert_eq!(field(&k, "ssa", ".metadata.resourceVersion"), rv);

    // Another manager setting a different colour conflicts, and says with whom.
    let blue = write(&dir, "blue.yaml", &manifest("ssa", "blue", 1));
    let err = k.fails(&["apply", "--server-side", "--field-manager=ci", "-f", &blue]);
    assert!(
        err.contains(r#"Apply failed with 1 conflict: conflict with "kubectl": .spec.color"#),
        "{err}"
    );
    assert_eq!(field(&k, "ssa", ".spec.color"), "red");

    // --dry-run=server shows the forced result and writes nothing.
    let out = k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=ci",
        "--force-conflicts",
        "--dry-run=server",
        "-f",
        &blue,
        "-o",
        "jsonpath={.spec.color}",
    ]);
    assert_eq!(out, "blue");
    assert_eq!(field(&k, "ssa", ".spec.color"), "red");
    assert_eq!(field(&k, "ssa", ".metadata.resourceVersion"), rv);

    // --force-conflicts takes the field: ci owns the colour, kubectl keeps the rest.
    let out = k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=ci",
        "--force-conflicts",
        "-f",
        &blue,
    ]);
    assert_eq!(out.trim(), "widget.demo.krest.dev/ssa serverside-applied");
    assert_eq!(field(&k, "ssa", ".spec.color"), "blue");
    let mut owners = managers(&k, "ssa");
    owners.sort();
    assert_eq!(owners, vec!["ci/Apply", "kubectl/Apply"]);
    let fields = k.ok(&[
        "get",
        "widget",
        "ssa",
        "-o",
        "jsonpath={range .metadata.managedFields[*]}{.manager}={.fieldsV1}{\"\\n\"}{end}",
    ]);
    assert!(
        fields.contains(
            r#"kubectl={"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{}}}"#
        ),
        "{fields}"
    );
    assert!(
        fields.contains(
            r#"ci={"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:color":{},"f:replicas":{}}}"#
        ),
        "{fields}"
    );

    // kubectl edit-like writes are recorded as Update entries by their manager.
    k.ok(&["label", "widget", "ssa", "tier=front"]);
    assert!(
        managers(&k, "ssa").contains(&"kubectl-label/Update".to_string()),
        "{:?}",
        managers(&k, "ssa")
    );

    // A label kubectl no longer applies stays while ci still applies it, and goes when no
    // applier has it any more; kubectl-label's label stays throughout.
    let without_label = manifest("ssa", "blue", 1).replace("  labels:\n    app: demo\n", "");
    let file = write(&dir, "nolabel.yaml", &without_label);
    k.ok(&["apply", "--server-side", "-f", &file]);
    assert_eq!(field(&k, "ssa", ".metadata.labels.app"), "demo");
    k.ok(&["apply", "--server-side", "--field-manager=ci", "-f", &file]);
    assert_eq!(field(&k, "ssa", ".metadata.labels.app"), "");
    assert_eq!(field(&k, "ssa", ".metadata.labels.tier"), "front");
}

#[test]
fn kubectl_client_side_then_server_side_apply() {
    let dir = temp_dir("csa-ssa");
    let server = start(&["--store", "memory"]);
    let k = Kubectl::new(&server, &dir);
    let file = write(&dir, "w.yaml", &manifest("mig", "red", 1));
    let out = k.ok(&["apply", "-f", &file]);
    assert_eq!(out.trim(), "widget.demo.krest.dev/mig created");
    assert_eq!(
        managers(&k, "mig"),
        vec!["kubectl-client-side-apply/Update"]
    );

    // The same file server-side: no conflict with the client-side applier.
    let out = k.ok(&["apply", "--server-side", "-f", &file]);
    assert_eq!(out.trim(), "widget.demo.krest.dev/mig serverside-applied");
    // kubectl then moves the client-side applier's fields to its own Apply entry with a JSON
    // patch of managedFields (its client-side to server-side migration); kubectl-last-applied
    // owns the annotation.
    assert_eq!(
        managers(&k, "mig"),
        vec!["kubectl/Apply", "kubectl-last-applied/Apply"]
    );
    // A changed file server-side: the fields client-side apply set are now kubectl's.
    let changed = write(&dir, "w2.yaml", &manifest("mig", "green", 3));
    let out = k.ok(&["apply", "--server-side", "-f", &changed]);
    assert_eq!(out.trim(), "widget.demo.krest.dev/mig serverside-applied");
    assert_eq!(field(&k, "mig", ".spec.color"), "green");
    assert_eq!(field(&k, "mig", ".spec.replicas"), "3");
    assert!(
        managers(&k, "mig").contains(&"kubectl/Apply".to_string()),
        "{:?}",
        managers(&k, "mig")
    );
    // kubectl's server-side applies keep the client-side annotation in step, so that going back
    // to client-side apply works.
    let last = field(
        &k,
        "mig",
        ".metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration",
    );
    let last: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        last["spec"],
        serde_json::json!({"color": "green", "replicas": 3})
    );
    let back = write(
        &dir,
        "w3.yaml",
        &manifest("mig", "green", 4).replace("  labels:\n    app: demo\n", ""),
    );
    assert_eq!(
        k.ok(&["apply", "-f", &back]).trim(),
        "widget.demo.krest.dev/mig configured"
    );
    assert_eq!(field(&k, "mig", ".spec.replicas"), "4");
    assert_eq!(
        field(&k, "mig", ".metadata.labels.app"),
        "",
        "client-side apply removes what the file dropped"
    );
}

#[test]
fn kubectl_server_side_apply_of_a_namespace() {
    let dir = temp_dir("ssa-ns");
    let server = start(&["--store", "memory"]);
    let k = Kubectl::new(&server, &dir);
    let file = write(
        &dir,
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n    owner: a\n",
    );
    let out = k.ok(&["apply", "--server-side", "-f", &file]);
    assert_eq!(out.trim(), "namespace/team serverside-applied");
    let labels = k.ok(&[
        "get",
        "namespace",
        "team",
        "-o",
        "jsonpath={.metadata.labels.owner}",
    ]);
    assert_eq!(labels, "a");
    let managers = k.ok(&[
        "get",
        "namespace",
        "team",
        "-o",
        "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}",
    ]);
    assert_eq!(managers.trim(), "kubectl/Apply");
}
