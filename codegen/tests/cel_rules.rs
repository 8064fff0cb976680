//! CEL rules checked when code is generated: a rule that does not parse or type-check, or
//! whose estimated cost is over kube-apiserver's limits, stops `Builder` (build.rs),
//! `krest routes` and `krest new` with the file, the line, the rule's place and the rule; the
//! rules of every real CRD in `tests/crds/` pass.

use std::path::Path;
use std::process::Command;

use krest_codegen::Builder;

/// A CRD whose `spec` has `rules` (YAML lines of an `x-kubernetes-validations` list, at the
/// spec's indentation) and the properties `replicas` (integer) and `names` (strings, no
/// bounds).
fn crd(rules: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.cel.krest.dev
spec:
  group: cel.krest.dev
  names: {{kind: Thing, plural: things}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                replicas: {{type: integer}}
                names: {{type: array, items: {{type: string}}}}
              x-kubernetes-validations:
{rules}"
    )
}

fn write(dir: &Path, yaml: &str) {
    std::fs::write(dir.join("thing.yaml"), yaml).unwrap();
}

fn builder_error(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), yaml);
    let file = dir.path().join("thing.yaml");
    match Builder::new().schemas(&file).read() {
        Ok(_) => panic!("accepted:\n{yaml}"),
        Err(e) => e
            .to_string()
            .replace(&file.display().to_string(), "thing.yaml"),
    }
}

const AT: &str = "spec.versions[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-validations";

#[test]
fn a_rule_that_does_not_parse_names_file_line_and_rule() {
    let e = builder_error(&crd("                - rule: self.replicas >\n"));
    assert!(
        e.starts_with(&format!(
            "thing.yaml:23: {AT}[0].rule: compilation failed: ERROR: <input>:1:"
        )),
        "{e}"
    );
    assert!(e.ends_with("(rule: self.replicas >)"), "{e}");
}

#[test]
fn a_rule_that_does_not_type_check_is_refused() {
    let e = builder_error(&crd(
        "                - rule: self.replicas > 0\n                - rule: self.replicas == 'three'\n",
    ));
    assert_eq!(
        e,
        format!("thing.yaml:24: {AT}[1].rule: compilation failed: ERROR: <input>:1:1: found no matching overload for '_==_' applied to '(int, string)' (rule: self.replicas == 'three')")
    );
    let e = builder_error(&crd("                - rule: self.replica > 0\n"));
    assert!(e.contains("undefined field 'replica'"), "{e}");
}

#[test]
fn an_unbounded_rule_is_refused() {
    let e = builder_error(&crd(
        "                - rule: self.names.all(a, self.names.all(b, a == b))\n",
    ));
    assert!(
        e.starts_with(&format!("thing.yaml:23: {AT}[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)")),
        "{e}"
    );
}

#[test]
fn the_rules_of_real_crds_pass() {
    let crds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crds");
    let read = Builder::new().schemas(&crds).read().unwrap();
    assert!(read.iter().any(|c| c.kind == "HTTPRoute"));
}

#[test]
fn krest_routes_and_new_refuse_a_bad_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &crd("                - rule: self.nothing == 1\n"),
    );
    let routes = Command::new(env!("CARGO_BIN_EXE_krest"))
        .arg("routes")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!routes.status.success());
    let stderr = String::from_utf8_lossy(&routes.stderr);
    assert!(stderr.contains("thing.yaml:23: "), "{stderr}");
    assert!(
        stderr.contains("undefined field 'nothing' (rule: self.nothing == 1)"),
        "{stderr}"
    );
    let out = dir.path().join("crate");
    let new = Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(["new", "demo", "--schemas"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!new.status.success());
    let stderr = String::from_utf8_lossy(&new.stderr);
    assert!(stderr.contains("undefined field 'nothing'"), "{stderr}");
    assert!(!out.join("Cargo.toml").exists());
}
