//! `krest diff`, run as the built binary: exit status 0 (nothing breaks), 1 (something
//! breaks), 2 (an input cannot be read, with its file and line; or a usage mistake); the JSON
//! shape of `docs/diff.md`; standard input; and `--git` against a throwaway repository.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn krest_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("krest runs")
}

fn krest(args: &[&str]) -> Output {
    krest_in(&root(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

const PROM_OLD: &str = "tests/crds/published/prometheus-operator/v0.79.0";
const PROM_NEW: &str = "tests/crds/published/prometheus-operator/v0.80.0";

#[test]
fn nothing_breaks_exit_0() {
    let out = krest(&["diff", "../schemas", "../schemas"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "no changes\n");
    // Compatible changes only: still 0. v1.6.0 -> v1.7.0 of cert-manager removed versions
    // that were no longer served, and added a field.
    let out = krest(&[
        "diff",
        "tests/crds/published/cert-manager/v1.6.0",
        "tests/crds/published/cert-manager/v1.7.0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("compatible version-removed"), "{stdout}");
    assert!(
        stdout.ends_with("0 breaking, 5 compatible changes\n"),
        "{stdout}"
    );
}

#[test]
fn a_breaking_change_exits_1_with_the_report() {
    let out = krest(&["diff", PROM_OLD, PROM_NEW]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // Grouped by kind and version, breaking first.
    assert_eq!(lines[0], "monitoring.coreos.com/v1 PodMonitor");
    assert!(
        lines[1].starts_with(
            "  breaking   field-removed            .spec.scrapeFallbackProtocol: the field was removed ("
        ),
        "{stdout}"
    );
    assert!(
        lines[1].ends_with("v0.79.0/monitoring.coreos.com_podmonitors.yaml:1097)"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 breaking, 4 compatible changes\n"),
        "{stdout}"
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = krest(&["diff", PROM_OLD, PROM_NEW, "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&json), ["breaking", "changes", "compatible", "format"]);
    assert_eq!(json["format"], "krest-diff/v1");
    assert_eq!(json["breaking"], 2);
    assert_eq!(json["compatible"], 4);
    let changes = json["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 6);
    for change in changes {
        assert_eq!(
            keys(change),
            [
                "class", "file", "group", "key", "kind", "line", "message", "new", "old", "path",
                "rule", "version"
            ]
        );
        assert!(["breaking", "compatible"].contains(&change["class"].as_str().unwrap()));
        assert!(change["line"].as_u64().is_some());
    }
    let first = &changes[0];
    assert_eq!(first["class"], "breaking");
    assert_eq!(first["rule"], "field-removed");
    assert_eq!(first["group"], "monitoring.coreos.com");
    assert_eq!(first["kind"], "PodMonitor");
    assert_eq!(first["version"], "v1");
    assert_eq!(first["path"], ".spec.scrapeFallbackProtocol");
    assert_eq!(first["line"], 1097);
    assert_eq!(
        first["key"],
        "field-removed monitoring.coreos.com/v1 PodMonitor .spec.scrapeFallbackProtocol"
    );
    // A change with values: v1.5.0 -> v1.6.0 of cert-manager, a version no longer served.
    let out = krest(&[
        "diff",
        "tests/crds/published/cert-manager/v1.5.0",
        "tests/crds/published/cert-manager/v1.6.0",
        "--output=json",
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["changes"][0]["rule"], "version-unserved");
    assert_eq!(json["changes"][0]["path"], "spec.versions[v1alpha2].served");
}

#[test]
fn an_unreadable_input_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: [unclosed\n",
    )
    .unwrap();
    let out = krest(&["diff", "../schemas", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let prefix = format!("krest: error: {}:", bad.display());
    let rest = stderr
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{stderr}"));
    let line = rest.split(':').next().unwrap_or_default();
    assert_eq!(line, "4", "{stderr}");
    assert!(rest.contains("unclosed bracket"), "{stderr}");
    assert!(out.stdout.is_empty());

    // A CRD that is not one krest reads: its line and path.
    std::fs::write(
        &bad,
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec:\n  group: demo.krest.dev\n  names: {kind: Gadget, plural: gadgets}\n  scope: Everywhere\n  versions: []\n",
    )
    .unwrap();
    let out = krest(&["diff", bad.to_str().unwrap(), "../schemas"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.yaml:7: spec.scope:"), "{stderr}");

    let out = krest(&["diff", "no-such-folder", "../schemas"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-folder"));
}

#[test]
fn usage_mistakes_exit_2() {
    for args in [
        &["diff", "../schemas"][..],
        &["diff", "a", "b", "c"],
        &["diff", "../schemas", "../schemas", "--output", "yaml"],
        &["diff", "--git", "HEAD", "a", "b"],
    ] {
        let out = krest(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("usage:"), "{args:?}");
    }
}

#[test]
fn standard_input_is_one_side() {
    let widget = std::fs::read_to_string(root().join("../schemas/widget.yaml")).unwrap();
    let changed = widget.replace("shortNames: [wd]", "shortNames: [wdg]");
    let mut child = Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(["diff", "../schemas/widget.yaml", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(changed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("short-name-removed       spec.names.shortNames[wd]"),
        "{stdout}"
    );
    assert!(stdout.contains("(<stdin>:"), "{stdout}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=krest",
            "-c",
            "user.email=krest@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

#[test]
fn git_compares_a_revision_with_the_working_tree() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::create_dir(dir.join("schemas")).unwrap();
    for file in ["widget.yaml", "gadget.yaml"] {
        std::fs::copy(
            root().join("../schemas").join(file),
            dir.join("schemas").join(file),
        )
        .unwrap();
    }
    std::fs::write(dir.join("notes.yaml"), "not: a crd\n").unwrap();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "v1"]);

    let out = krest_in(dir, &["diff", "--git", "HEAD", "schemas"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "no changes\n");

    // Tighten a bound in the working tree.
    let widget = dir.join("schemas/widget.yaml");
    let text_before = std::fs::read_to_string(&widget).unwrap();
    std::fs::write(&widget, text_before.replace("minimum: 0", "minimum: 1")).unwrap();
    for args in [
        &["diff", "--git", "HEAD", "schemas"][..],
        &["diff", "--git", "HEAD", "schemas/widget.yaml"],
        // Without PATH: every CRD file below the current folder (notes.yaml is skipped).
        &["diff", "--git", "HEAD"],
    ] {
        let out = krest_in(dir, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("breaking   validation-tightened     .spec.replicas: `minimum` changed from `0` to `1` (schemas/widget.yaml:"),
            "{args:?}: {stdout}"
        );
        assert!(
            stdout.ends_with("1 breaking, 0 compatible change\n"),
            "{stdout}"
        );
    }

    // A removal points at the file at the revision.
    let size = "                size:\n                  description: An optional size.\n                  type: string\n                  nullable: true\n";
    assert!(text_before.contains(size));
    std::fs::write(&widget, text_before.replace(size, "")).unwrap();
    let out = krest_in(dir, &["diff", "--git", "HEAD", "schemas"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("(HEAD:schemas/widget.yaml:"),
        "{}",
        text(&out.stdout)
    );

    // A revision that does not exist cannot be read: 2, naming it.
    let out = krest_in(dir, &["diff", "--git", "no-such-ref", "schemas"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no-such-ref"),
        "{}",
        text(&out.stderr)
    );
}
