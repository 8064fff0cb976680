//! End to end: the everyday kubectl surface against `widgets-server`, without
//! `--validate=false`: apply (create, then the client-side three-way merge patch), server-side
//! field validation (strict and warn), `explain`, printer columns, selectors, chunked lists,
//! `delete -l`, and namespaces.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::ServerProcess;

/// A `widgets-server` on the memory store.
fn start() -> ServerProcess {
    support::start(&["--store", "memory"])
}

struct Kubectl {
    server: String,
    cache: PathBuf,
    dir: PathBuf,
}

impl Kubectl {
    fn new(server: &ServerProcess, name: &str) -> Kubectl {
        let dir = std::env::temp_dir().join(format!("krest-surface-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Kubectl {
            server: format!("http://{}", server.addr),
            cache: dir.join("kube-cache"),
            dir,
        }
    }

    fn output(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--server")
            .arg(&self.server)
            .arg("--cache-dir")
            .arg(&self.cache)
            .arg("--request-timeout=20s")
            .args(args)
            .env("KUBECONFIG", "/dev/null")
            .stdin(Stdio::null())
            .output()
            .expect("kubectl is installed (scripts/test.sh installs it)")
    }

    /// Runs kubectl, which must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.ok_with_stderr(args).0
    }

    /// Runs kubectl, which must succeed; returns its stdout and stderr.
    fn ok_with_stderr(&self, args: &[&str]) -> (String, String) {
        let out = self.output(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {stderr}\n{stdout}"
        );
        (stdout, stderr)
    }

    /// Runs kubectl, which must fail; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should have failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Writes `text` to a file in the test's directory; returns its path.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Kubectl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn manifest(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn widget_yaml(name: &str, namespace: &str, color: &str, replicas: i32, extra: &str) -> String {
    format!(
        "apiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels:\n    color: {color}\nspec:\n  color: {color}\n  replicas: {replicas}\n{extra}"
    )
}

/// The rows of a table kubectl printed, split on whitespace, without the header.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn apply_creates_then_patches_with_server_side_validation() {
    let server = start();
    let k = Kubectl::new(&server, "apply");
    let (created, stderr) = k.ok_with_stderr(&["apply", "-f", &manifest("widget.yaml")]);
    assert_eq!(created.trim(), "widget.demo.krest.dev/blue created");
    assert!(stderr.is_empty(), "no warnings: {stderr}");
    assert!(k
        .ok(&[
            "get",
            "widget",
            "blue",
            "-o",
            "jsonpath={.metadata.annotations}"
        ])
        .contains("kubectl.kubernetes.io/last-applied-configuration"));

    // Change the file and apply again: kubectl GETs, computes a three-way merge patch from the
    // last-applied annotation and PATCHes.
    let changed = std::fs::read_to_string(manifest("widget.yaml"))
        .unwrap()
        .replace("replicas: 2", "replicas: 4")
        .replace("  labels:\n    app: demo\n", "  labels:\n    tier: front\n");
    let file = k.file("widget.yaml", &changed);
    let (configured, stderr) = k.ok_with_stderr(&["apply", "-f", &file]);
    assert_eq!(configured.trim(), "widget.demo.krest.dev/blue configured");
    assert!(stderr.is_empty(), "no warnings: {stderr}");
    assert_eq!(
        k.ok(&[
            "get",
            "widget",
            "blue",
            "-o",
            "jsonpath={.spec.replicas} {.metadata.labels}"
        ]),
        r#"4 {"demo.krest.dev/tier":"standard","tier":"front"}"#,
        "the label the file dropped is removed, the new one added, the admission's default kept"
    );
    assert_eq!(
        k.ok(&["apply", "-f", &file]).trim(),
        "widget.demo.krest.dev/blue unchanged"
    );

    // A value the schema forbids is refused by the server with the field's cause.
    let invalid = k.file(
        "invalid.yaml",
        &changed.replace("replicas: 4", "replicas: -1"),
    );
    let refused = k.fails(&["apply", "-f", &invalid]);
    assert!(
        refused.contains(
            "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"
        ),
        "{refused}"
    );

    // Server-side apply is served (kubectl_apply.rs tests it in full).
    assert_eq!(
        k.ok(&["apply", "--server-side", "-f", &file]).trim(),
        "widget.demo.krest.dev/blue serverside-applied"
    );
}

#[test]
fn create_with_an_unknown_field_strict_and_warn() {
    let server = start();
    let k = Kubectl::new(&server, "unknown");
    let file = k.file(
        "odd.yaml",
        &widget_yaml("odd", "default", "red", 1, "  x: 1\n"),
    );
    let refused = k.fails(&["create", "-f", &file]);
    assert!(
        refused.contains("strict decoding error: unknown field \"spec.x\""),
        "{refused}"
    );
    assert!(k.fails(&["get", "widget", "odd"]).contains("not found"));

    let (created, stderr) = k.ok_with_stderr(&["create", "--validate=warn", "-f", &file]);
    assert_eq!(created.trim(), "widget.demo.krest.dev/odd created");
    assert!(
        stderr.contains("Warning: unknown field \"spec.x\""),
        "{stderr}"
    );
    assert_eq!(
        k.ok(&["get", "widget", "odd", "-o", "jsonpath={.spec}"]),
        r#"{"color":"red","replicas":1}"#,
        "the unknown field was dropped"
    );
}

#[test]
fn explain_prints_types_and_doc_comments() {
    let server = start();
    let k = Kubectl::new(&server, "explain");
    let color = k.ok(&["explain", "widgets.spec.color"]);
    assert!(color.contains("KIND:       Widget"), "{color}");
    assert!(color.contains("FIELD: color <string>"), "{color}");
    assert!(color.contains("The widget's color."), "{color}");
    let spec = k.ok(&["explain", "widgets.spec"]);
    assert!(
        spec.contains("replicas\t<integer> -required-")
            && spec.contains("How many replicas should run."),
        "{spec}"
    );
    let gadget = k.ok(&["explain", "gadgets.spec.ports"]);
    assert!(gadget.contains("FIELD: ports <[]integer>"), "{gadget}");
    let namespace = k.ok(&["explain", "namespaces.status.phase"]);
    assert!(namespace.contains("FIELD: phase <string>"), "{namespace}");
}

#[test]
fn get_columns_selectors_and_chunks() {
    let server = start();
    let k = Kubectl::new(&server, "get");
    let mut docs = Vec::new();
    for i in 0..7 {
        let color = if i % 2 == 0 { "red" } else { "blue" };
        let size = if i == 0 { "  size: large\n" } else { "" };
        docs.push(widget_yaml(&format!("w{i}"), "default", color, i, size));
    }
    let file = k.file("seven.yaml", &docs.join("---\n"));
    let created = k.ok(&["create", "-f", &file]);
    assert_eq!(created.lines().count(), 7, "{created}");

    let table = k.ok(&["get", "widgets"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "COLOR", "REPLICAS", "PHASE", "AGE"]);
    let all = rows(&table);
    assert_eq!(all.len(), 7);
    assert_eq!(&all[3][..3], ["w3", "blue", "3"]);

    let wide = k.ok(&["get", "widgets", "-o", "wide"]);
    let header: Vec<&str> = wide.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "COLOR", "REPLICAS", "PHASE", "AGE", "SIZE"]
    );
    assert_eq!(rows(&wide)[0].last().map(String::as_str), Some("large"));

    let red: Vec<String> = rows(&k.ok(&["get", "widgets", "-l", "color=red"]))
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(red, ["w0", "w2", "w4", "w6"]);
    let one = rows(&k.ok(&["get", "widgets", "--field-selector", "metadata.name=w5"]));
    assert_eq!(one.len(), 1);
    assert_eq!(one[0][..3], ["w5", "blue", "5"]);
    // `spec.color` is a selectable field of Widget; `spec.size` is not.
    let by_color: Vec<String> = rows(&k.ok(&[
        "get",
        "widgets",
        "--field-selector",
        "spec.color=red,metadata.name!=w0",
    ]))
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    assert_eq!(by_color, ["w2", "w4", "w6"]);
    let refused = k.fails(&["get", "widgets", "--field-selector", "spec.size=large"]);
    assert!(
        refused.contains("field label not supported: spec.size"),
        "{refused}"
    );

    // Pages of two: four requests, one table.
    let out = k.output(&["get", "widgets", "--chunk-size=2", "-v=6"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let names: Vec<String> = rows(&stdout).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(names, ["w0", "w1", "w2", "w3", "w4", "w5", "w6"]);
    let log = String::from_utf8_lossy(&out.stderr);
    let pages: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("GET ") && l.contains("/widgets?") && l.contains("limit=2"))
        .collect();
    assert_eq!(pages.len(), 4, "{log}");
    assert_eq!(
        pages.iter().filter(|l| l.contains("continue=")).count(),
        3,
        "{log}"
    );

    let deleted = k.ok(&["delete", "widgets", "-l", "color=red"]);
    assert_eq!(deleted.lines().count(), 4, "{deleted}");
    assert!(
        deleted.contains("widget.demo.krest.dev \"w0\" deleted"),
        "{deleted}"
    );
    let left: Vec<String> = rows(&k.ok(&["get", "widgets"]))
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(left, ["w1", "w3", "w5"]);
}

#[test]
fn namespaces() {
    let server = start();
    let k = Kubectl::new(&server, "namespaces");
    assert_eq!(
        k.ok(&["create", "namespace", "team-a"]).trim(),
        "namespace/team-a created"
    );
    let table = k.ok(&["get", "namespaces"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "STATUS", "AGE"]);
    let names: Vec<(String, String)> = rows(&table)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for ns in ["default", "kube-public", "kube-system", "team-a"] {
        assert!(
            names.contains(&(ns.to_string(), "Active".to_string())),
            "{table}"
        );
    }

    // A namespace manifest, applied twice: kubectl patches built-in kinds with a strategic
    // merge patch.
    let manifest =
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n  labels:\n    tier: a\n";
    let file = k.file("ns.yaml", manifest);
    assert_eq!(
        k.ok(&["apply", "-f", &file]).trim(),
        "namespace/team-b created"
    );
    let file = k.file("ns.yaml", &manifest.replace("tier: a", "tier: b"));
    assert_eq!(
        k.ok(&["apply", "-f", &file]).trim(),
        "namespace/team-b configured"
    );
    assert_eq!(
        k.ok(&[
            "get",
            "namespace",
            "team-b",
            "-o",
            "jsonpath={.metadata.labels.tier}"
        ]),
        "b"
    );

    let missing = k.file("missing.yaml", &widget_yaml("a", "nowhere", "red", 1, ""));
    let refused = k.fails(&["create", "-f", &missing]);
    assert!(
        refused.contains("namespaces \"nowhere\" not found"),
        "{refused}"
    );

    let placed = k.file("placed.yaml", &widget_yaml("a", "team-a", "red", 1, ""));
    k.ok(&["create", "-f", &placed]);
    assert_eq!(rows(&k.ok(&["get", "widgets", "-n", "team-a"])).len(), 1);
    assert_eq!(
        k.ok(&["delete", "namespace", "team-a"]).trim(),
        "namespace \"team-a\" deleted"
    );
    let gone = k.output(&["get", "widgets", "-n", "team-a"]);
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("No resources found in team-a namespace."),
        "{gone:?}"
    );
}
