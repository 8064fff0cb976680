//! The `krest` command: `routes`, `new` (and the freshness of `examples/generated`, its output
//! for `schemas/`), errors, and end to end: a crate generated from the real CRDs of
//! `tests/crds` builds, serves, and kubectl creates and gets one object of each kind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{kubectl_ok, root, start, target_dir};

use krest_codegen::scaffold::NewCrate;

fn krest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("krest runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "krest failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn routes_prints_the_route_table_of_the_schemas() {
    let out = stdout(&krest(&["routes", "../schemas"]));
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    // Gadget (cluster-scoped: 9 routes), then Widget (namespaced, status and scale: 17).
    assert_eq!(rows.len(), 26, "{out}");
    assert!(rows.iter().all(|r| r.len() == 4), "{out}");
    let expected = [
        [
            "GET",
            "/apis/demo.krest.dev/v1/gadgets",
            "list",
            "listDemoKrestDevV1Gadget",
        ],
        [
            "PUT",
            "/apis/demo.krest.dev/v1/gadgets/{name}",
            "update",
            "replaceDemoKrestDevV1Gadget",
        ],
        [
            "GET",
            "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale",
            "get",
            "readDemoKrestDevV1NamespacedWidgetScale",
        ],
        [
            "PATCH",
            "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status",
            "patch",
            "patchDemoKrestDevV1NamespacedWidgetStatus",
        ],
        [
            "GET",
            "/apis/demo.krest.dev/v1/watch/widgets",
            "watch",
            "watchDemoKrestDevV1WidgetListForAllNamespaces",
        ],
    ];
    for row in expected {
        assert!(rows.iter().any(|r| *r == row), "missing {row:?} in\n{out}");
    }
}

#[test]
fn errors_are_one_line_naming_file_line_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: x.dev\n",
    )
    .unwrap();
    let out = krest(&["routes", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "krest: error: {}:4: spec: missing field `names`\n",
            bad.display()
        )
    );
    let out = krest(&[]);
    assert_eq!(out.status.code(), Some(2));
    let out = krest(&["new"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("krest: `new` needs exactly one NAME\n")
    );
    // Unknown options keep their error; `--help` is not one.
    let out = krest(&["new", "x", "--schema", "s"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("krest: unknown option \"--schema\"\nusage:\n"),
        "{stderr}"
    );
}

/// `krest --help` and `krest COMMAND --help` (or `-h`): to standard output, exit 0, every option
/// with its meaning and default.
#[test]
fn help_goes_to_stdout_with_every_option() {
    let top = krest(&["--help"]);
    assert_eq!(top.status.code(), Some(0));
    let top = stdout(&top);
    for command in ["routes", "new", "generate", "crd"] {
        assert!(top.contains(&format!("\n  krest {command} ")), "{top}");
        for flag in ["--help", "-h"] {
            let out = krest(&[command, flag]);
            assert_eq!(out.status.code(), Some(0), "{command} {flag}");
            assert!(out.stderr.is_empty(), "{command} {flag}");
            let text = stdout(&out);
            assert!(
                text.starts_with(&format!("usage: krest {command}")),
                "{text}"
            );
            assert!(text.contains("-h, --help"), "{text}");
        }
    }
    let new = stdout(&krest(&["new", "--help"]));
    for line in ["  --schemas DIR\n", "  --out DIR\n", "(default: NAME)"] {
        assert!(new.contains(line), "{line} missing from:\n{new}");
    }
}

#[test]
fn new_writes_a_standalone_server_crate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("my-server");
    let result = krest(&[
        "new",
        "my-server",
        "--schemas",
        "../schemas",
        "--out",
        out.to_str().unwrap(),
    ]);
    stdout(&result);
    let mut files: Vec<String> = walk(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "Cargo.toml",
            "README.md",
            "build.rs",
            "schemas/gadget.yaml",
            "schemas/widget.yaml",
            "src/main.rs"
        ]
    );
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"my-server\""), "{manifest}");
    // Outside this workspace: a workspace of its own, krest by path from this checkout.
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let runtime = manifest
        .lines()
        .find_map(|l| l.strip_prefix("krest = { path = \""))
        .and_then(|l| l.strip_suffix("\" }"))
        .expect("krest is a path dependency");
    assert!(out.join(runtime).join("Cargo.toml").is_file(), "{runtime}");
    assert_eq!(
        std::fs::read(out.join("schemas/widget.yaml")).unwrap(),
        std::fs::read(root().join("../schemas/widget.yaml")).unwrap()
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `examples/generated` is what `krest new` writes for `schemas/`: regenerated into a temporary
/// folder, every file must equal the committed one.
#[test]
fn examples_generated_is_fresh() {
    let committed = root().join("../examples/generated");
    let krate = NewCrate::new("krest-example-generated", "../schemas", &committed);
    let fresh = tempfile::tempdir().unwrap();
    let files = krate.render().unwrap_or_else(|e| panic!("{e}"));
    for (path, text) in &files {
        let target = fresh.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    let mut stale = Vec::new();
    for (path, _) in &files {
        let new = std::fs::read(fresh.path().join(path)).unwrap();
        if std::fs::read(committed.join(path)).ok() != Some(new) {
            stale.push(path.display().to_string());
        }
    }
    let mut extra: Vec<String> = walk(&committed)
        .iter()
        .map(|p| p.strip_prefix(&committed).unwrap().to_path_buf())
        .filter(|p| !p.starts_with("target") && !files.iter().any(|(f, _)| f == p))
        .map(|p| p.display().to_string())
        .collect();
    extra.sort();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "examples/generated is stale (changed: {stale:?}, not generated: {extra:?}); regenerate it with\n  cargo run -p krest-codegen --features cli -- new krest-example-generated --schemas schemas --out examples/generated"
    );
}

// ---------------------------------------------------------------------------------------------
// End to end: `krest new` on the real CRDs, `cargo build`, serve, kubectl.

/// One valid object of each real kind.
const OBJECTS: &str = r#"
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: self-signed, namespace: default}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: default}
spec:
  secretName: web-tls
  dnsNames: [example.com]
  issuerRef: {name: self-signed}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http, interval: 30s}]
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  podMetricsEndpoints: [{port: http}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  gatewayClassName: example
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: edge}]
  hostnames: [example.com]
  rules: [{backendRefs: [{name: web, port: 8080}]}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: default}
spec:
  project: default
  destination: {server: "https://kubernetes.default.svc", namespace: guestbook}
  source: {repoURL: "https://example.com/apps.git", path: guestbook, targetRevision: HEAD}
"#;

#[test]
fn new_crate_from_the_real_crds_builds_serves_and_works_with_kubectl() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("crd-server");
    let crds = root().join("tests/crds");
    stdout(&krest(&[
        "new",
        "crd-server",
        "--schemas",
        crds.to_str().unwrap(),
        "--out",
        krate.to_str().unwrap(),
    ]));
    // The workspace's target folder: the dependencies are built once for every test.
    let target = target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let lockfile = root().join("../Cargo.lock");
    std::fs::copy(&lockfile, krate.join("Cargo.lock")).expect("copying Cargo.lock");
    let status = Command::new(&cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the generated crate builds");

    let server = start(&target.join("debug/crd-server"));
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let objects = dir.path().join("objects.yaml");
    std::fs::write(&objects, OBJECTS).unwrap();
    let created = kubectl_ok(&server, &home, &["create", "-f", objects.to_str().unwrap()]);
    for name in [
        "issuer.cert-manager.io/self-signed created",
        "certificate.cert-manager.io/web created",
        "servicemonitor.monitoring.coreos.com/web created",
        "podmonitor.monitoring.coreos.com/web created",
        "gateway.gateway.networking.k8s.io/edge created",
        "httproute.gateway.networking.k8s.io/web created",
        "application.argoproj.io/guestbook created",
    ] {
        assert!(created.contains(name), "{name} missing from:\n{created}");
    }
    for (resource, name, field, value) in [
        (
            "issuers.cert-manager.io",
            "self-signed",
            "{.metadata.name}",
            "self-signed",
        ),
        (
            "certificates.cert-manager.io",
            "web",
            "{.spec.secretName}",
            "web-tls",
        ),
        (
            "servicemonitors.monitoring.coreos.com",
            "web",
            "{.spec.endpoints[0].interval}",
            "30s",
        ),
        (
            "podmonitors.monitoring.coreos.com",
            "web",
            "{.spec.podMetricsEndpoints[0].port}",
            "http",
        ),
        (
            "gateways.gateway.networking.k8s.io",
            "edge",
            "{.spec.listeners[0].port}",
            "80",
        ),
        (
            "httproutes.gateway.networking.k8s.io",
            "web",
            "{.spec.hostnames[0]}",
            "example.com",
        ),
        (
            "applications.argoproj.io",
            "guestbook",
            "{.spec.source.path}",
            "guestbook",
        ),
    ] {
        let got = kubectl_ok(
            &server,
            &home,
            &[
                "get",
                resource,
                name,
                "-n",
                "default",
                "-o",
                &format!("jsonpath={field}"),
            ],
        );
        assert_eq!(got, value, "{resource}/{name} {field}");
    }
    // Short names and printer columns come from the CRDs.
    let table = kubectl_ok(&server, &home, &["get", "certs", "-n", "default"]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("READY") && table.contains("SECRET"),
        "{table}"
    );
    assert!(table.contains("web-tls"), "{table}");
    // cert-manager's READY column is a JSONPath filter,
    // `.status.conditions[?(@.type=="Ready")].status`: empty until the condition is there.
    // Each cell of the `web` row, cut at the header's column starts.
    let row = |table: &str| -> Vec<String> {
        let header = table.lines().next().unwrap_or_default();
        let starts: Vec<usize> = header
            .char_indices()
            .filter(|(i, c)| *c != ' ' && (*i == 0 || header.as_bytes()[i - 1] == b' '))
            .map(|(i, _)| i)
            .collect();
        let line = table
            .lines()
            .find(|l| l.starts_with("web "))
            .unwrap_or_default();
        starts
            .iter()
            .enumerate()
            .map(|(n, start)| {
                let end = starts
                    .get(n + 1)
                    .copied()
                    .unwrap_or(line.len())
                    .min(line.len());
                line.get(*start..end).unwrap_or_default().trim().to_string()
            })
            .collect()
    };
    // kubectl prints an empty cell as nothing.
    assert_eq!(row(&table)[..3], ["web", "", "web-tls"], "{table}");
    kubectl_ok(
        &server,
        &home,
        &[
            "patch",
            "certificate",
            "web",
            "-n",
            "default",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"conditions":[{"type":"Issuing","status":"False","reason":"Done"},{"type":"Ready","status":"True","reason":"Ready","message":"Certificate is up to date and has not expired"}]}}"#,
        ],
    );
    let table = kubectl_ok(&server, &home, &["get", "certs", "-n", "default"]);
    assert_eq!(row(&table)[..3], ["web", "True", "web-tls"], "{table}");
    let wide = kubectl_ok(
        &server,
        &home,
        &["get", "certs", "-n", "default", "-o", "wide"],
    );
    assert!(
        wide.contains("STATUS") && wide.contains("Certificate is up to date and has not expired"),
        "{wide}"
    );
}

/// `krest crd` runs a crate's CRD printer (here `examples/from-yaml/examples/print_crds.rs`,
/// over the derive-declared Widget and Gadget) and prints CRDs that read back.
#[test]
fn crd_prints_the_crds_of_derive_declared_kinds() {
    let manifest = root().join("../examples/from-yaml/Cargo.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(["crd", "--manifest-path"])
        .arg(&manifest)
        .args(["--example", "print_crds"])
        .output()
        .expect("krest runs");
    let yaml = stdout(&out);
    let crds = krest_codegen::read_crds("krest crd", &yaml).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = crds.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["widgets.demo.krest.dev", "gadgets.demo.krest.dev"]);
    let widget = crds[0].model(&crds[0].versions[0]);
    assert_eq!(widget.short_names.len(), 1);
    assert_eq!(widget.printer_columns.len(), 5);
    assert!(widget.scale.is_some());
    let out = krest(&["crd", "--example"]);
    assert_eq!(out.status.code(), Some(2));
}
