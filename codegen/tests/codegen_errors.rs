//! Bad input: every error names the file, the line and the path of what is wrong, and stops
//! generation. Hostile YAML (alias bombs, runaway nesting) is an error, never an OOM.

use krest_codegen::schema::build_modules;
use krest_codegen::{read_crds, Builder};

/// The error generating from `yaml` (read as the file `bad.yaml`), as printed.
fn error(yaml: &str) -> String {
    let result = read_crds("bad.yaml", yaml).and_then(|crds| build_modules(&crds).map(|_| ()));
    match result {
        Ok(()) => panic!("expected an error from:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

/// A valid CRD whose `spec` schema properties are `properties` (indented for their place).
fn crd_with_spec_properties(properties: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.bad.krest.dev
spec:
  group: bad.krest.dev
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
{properties}"
    )
}

const SPEC: &str = "spec.versions[0].schema.openAPIV3Schema.properties.spec";

#[test]
fn malformed_yaml_names_the_file_and_line() {
    assert_eq!(
        error("apiVersion: apiextensions.k8s.io/v1\nkind: [unclosed\nspec: {}\n"),
        "bad.yaml:3: invalid YAML (column 5): illegal placement of ':' indicator"
    );
    assert_eq!(
        error("a: 1\n  b: 2\n"),
        "bad.yaml:2: invalid YAML (column 4): mapping values are not allowed in this context"
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let message = error("apiVersion: a\napiVersion: b\n");
    assert!(
        message
            .starts_with("bad.yaml:2: invalid YAML (column 1): duplicate mapping key: apiVersion"),
        "{message}"
    );
}

#[test]
fn a_crd_missing_its_names_is_an_error() {
    let yaml = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.bad.krest.dev}
spec:
  group: bad.krest.dev
  scope: Namespaced
  versions: []
";
    assert_eq!(error(yaml), "bad.yaml:5: spec: missing field `names`");
    let yaml = yaml.replace("  scope:", "  names: {plural: things}\n  scope:");
    assert_eq!(error(&yaml), "bad.yaml:6: spec.names: missing field `kind`");
}

#[test]
fn names_kubernetes_rejects_are_errors_at_their_path() {
    let yaml = crd_with_spec_properties("                a: {type: string}\n")
        .replace("plural: things", "plural: Things");
    assert_eq!(
        error(&yaml),
        "bad.yaml:7: spec.names.plural: `plural` must be a lower-case DNS-1035 label (a-z, 0-9 and `-`, starting with a letter and ending with a letter or digit), found `Things`"
    );
    let yaml = crd_with_spec_properties("                a: {type: string}\n")
        .replace("group: bad.krest.dev", "group: bad");
    assert_eq!(
        error(&yaml),
        "bad.yaml:6: spec.group: a CRD's `group` must be a DNS subdomain with at least one dot, found `bad`"
    );
    let yaml = crd_with_spec_properties("                a: {type: string}\n")
        .replace("name: things.bad.krest.dev", "name: widgets.bad.krest.dev");
    assert_eq!(
        error(&yaml),
        "bad.yaml:4: metadata.name: `metadata.name` must be `<plural>.<group>` (`things.bad.krest.dev`), found `widgets.bad.krest.dev`"
    );
}

#[test]
fn an_unsupported_schema_construct_is_an_error_at_its_path() {
    let yaml = crd_with_spec_properties(
        "                a: {type: string}\n                b:\n                  $ref: '#/definitions/B'\n",
    );
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:22: {SPEC}.properties.b: unsupported schema keyword `$ref`: CRD schemas must be structural, with every type written out")
    );
    let yaml = crd_with_spec_properties("                when: {type: 'null'}\n");
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:20: {SPEC}.properties.when: unsupported `type: null`: expected object, array, string, integer, number or boolean")
    );
    let yaml = crd_with_spec_properties(
        "                m:\n                  type: object\n                  properties: {a: {type: string}}\n                  additionalProperties: {type: string}\n",
    );
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:23: {SPEC}.properties.m: unsupported: both `properties` and `additionalProperties`")
    );
    let yaml = crd_with_spec_properties(
        "                list:\n                  type: array\n                  items: [{type: string}]\n",
    );
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:22: {SPEC}.properties.list: unsupported: `items` as a list (a tuple); use one schema")
    );
    let yaml = crd_with_spec_properties("                x: {type: string, frobnicate: true}\n");
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:20: {SPEC}.properties.x: unknown schema keyword `frobnicate`")
    );
}

#[test]
fn missing_schema_fields_are_errors_at_their_path() {
    let yaml = crd_with_spec_properties("                a: {description: no type}\n");
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:20: {SPEC}.properties.a: missing `type`: a structural schema gives every property a type (or `x-kubernetes-int-or-string` / `x-kubernetes-preserve-unknown-fields`)")
    );
    let yaml = crd_with_spec_properties("                a: {type: array}\n");
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:20: {SPEC}.properties.a: `type: array` needs `items`")
    );
    let yaml = crd_with_spec_properties("                a: {type: string}\n").replace(
        "      schema:\n        openAPIV3Schema:",
        "      schema:\n        other:",
    );
    assert_eq!(
        error(&yaml),
        "bad.yaml:14: spec.versions[0].schema: missing field `openAPIV3Schema`"
    );
}

#[test]
fn a_spec_that_is_not_an_object_is_an_error() {
    let yaml = crd_with_spec_properties("                a: {type: string}\n").replace(
        "            spec:\n              type: object\n              properties:\n                a: {type: string}\n",
        "            spec:\n              type: string\n",
    );
    assert_eq!(
        error(&yaml),
        format!("bad.yaml:18: {SPEC}: must be `type: object`: `#[derive(Resource)]` needs a struct with named fields")
    );
}

#[test]
fn documents_that_are_not_v1_crds_are_errors() {
    assert_eq!(
        error("apiVersion: apps/v1\nkind: Deployment\n"),
        "bad.yaml:2: kind: document 0 is a `Deployment`, not a CustomResourceDefinition"
    );
    assert_eq!(
        error("apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\n"),
        "bad.yaml:1: apiVersion: unsupported `apiextensions.k8s.io/v1beta1`: krest reads `apiextensions.k8s.io/v1` CustomResourceDefinitions"
    );
}

#[test]
fn versions_need_exactly_one_storage_version() {
    let yaml = crd_with_spec_properties("                a: {type: string}\n")
        .replace("storage: true", "storage: false");
    assert_eq!(
        error(&yaml),
        "bad.yaml:10: spec.versions: exactly one version must have `storage: true`, found 0"
    );
}

#[test]
fn an_alias_bomb_is_rejected_not_expanded() {
    // Each level refers to the one before nine times: 9^9 (387 million) strings if expanded.
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        yaml.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let message = error(&yaml);
    assert!(message.starts_with("bad.yaml:"), "{message}");
    assert!(message.contains(": invalid YAML "), "{message}");
    assert!(message.contains("budget breached"), "{message}");
}

#[test]
fn excessive_nesting_is_rejected() {
    let depth = 100_000;
    let yaml = format!("{}{}\n", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(
        error(&yaml),
        "bad.yaml:1: invalid YAML (column 256): recursion limit exceeded"
    );
    let mut yaml = String::new();
    for i in 0..1_000 {
        yaml.push_str(&" ".repeat(i));
        yaml.push_str("a:\n");
    }
    assert_eq!(
        error(&yaml),
        "bad.yaml:257: invalid YAML (column 257): budget breached: Depth { depth: 257 }"
    );
    // Just under the limit is fine (and reaches the CRD checks).
    let yaml = format!("{}{}\n", "[".repeat(250), "]".repeat(250));
    assert_eq!(
        error(&yaml),
        "bad.yaml:1: expected a mapping, found a sequence"
    );
}

#[test]
fn two_crds_for_one_kind_are_an_error() {
    let one = crd_with_spec_properties("                a: {type: string}\n");
    let yaml = format!("{one}---\n{one}");
    assert_eq!(
        error(&yaml),
        "bad.yaml:28: spec.names: `Thing` `things` is defined twice in `bad.krest.dev/v1` (kind `Thing`)"
    );
}

#[test]
fn the_builder_names_missing_and_empty_inputs() {
    let missing = Builder::new()
        .schemas("no/such/dir")
        .rerun_if_changed(false)
        .render()
        .unwrap_err()
        .to_string();
    assert!(missing.starts_with("no/such/dir: "), "{missing}");
    let empty = tempfile::tempdir().unwrap();
    let message = Builder::new()
        .schemas(empty.path())
        .rerun_if_changed(false)
        .render()
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        format!(
            "{}: no CustomResourceDefinition found (looked for *.yaml and *.yml files)",
            empty.path().display()
        )
    );
}
