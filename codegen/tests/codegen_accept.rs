//! What kube-apiserver accepts, krest generates: its CRD validation's refusals are errors with
//! its reason, krest's stricter opinions are warnings, the naming controller's conflicts leave
//! the later CRD out, and `--keep-going` (`Builder::keep_going`) generates the other files.

use std::path::{Path, PathBuf};
use std::process::Command;

use krest_codegen::schema::build_modules;
use krest_codegen::{read_crds, Builder};

/// A CRD of group `demo.krest.dev` with `names` (a flow mapping's content) and `extra` lines
/// under its one version.
fn crd(names: &str, version_extra: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: demo.krest.dev
  names: {{{names}}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
{version_extra}      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {{type: object, properties: {{size: {{type: integer}}}}}}
            status:
              type: object
              properties:
                conditions:
                  type: array
                  items: {{type: object, properties: {{type: {{type: string}}, status: {{type: string}}}}}}
"
    )
}

fn warnings(yaml: &str) -> Vec<String> {
    let crds = read_crds("ok.yaml", yaml).expect("kube-apiserver accepts it, and so does krest");
    build_modules(&crds).expect("its types generate");
    crds.iter()
        .flat_map(|c| c.warnings.iter().map(ToString::to_string))
        .collect()
}

fn refusal(yaml: &str) -> String {
    match read_crds("bad.yaml", yaml) {
        Ok(_) => panic!("expected a refusal of:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_short_name_equal_to_the_singular_is_a_warning() {
    let yaml = crd(
        "kind: Telemetry, plural: telemetries, singular: telemetry, shortNames: [telemetry, tm, tm]",
        "",
    );
    assert_eq!(
        warnings(&yaml),
        [
            "ok.yaml:5: spec.names.shortNames[0]: short name `telemetry` repeats the plural or singular name",
            "ok.yaml:5: spec.names.shortNames[2]: short name `tm` is listed twice",
        ]
    );
}

#[test]
fn printer_columns_named_twice_are_kept_both() {
    let columns = "      additionalPrinterColumns:
        - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type==\"Ready\")].status'}
        - {name: Ready, type: integer, jsonPath: .spec.size, priority: 1}
";
    let yaml = crd("kind: Widget, plural: widgets", columns);
    assert_eq!(
        warnings(&yaml),
        ["ok.yaml:13: spec.versions[0].additionalPrinterColumns[1]: printer column `Ready` is declared twice: tables carry both columns, as kube-apiserver serves them"]
    );
    let crds = read_crds("ok.yaml", &yaml).unwrap();
    let model = crds[0].model(&crds[0].versions[0]);
    let names: Vec<_> = model.printer_columns.iter().map(|c| &*c.name).collect();
    assert_eq!(names, ["Ready", "Ready"]);
    assert_eq!(
        &*model.printer_columns[0].json_path,
        ".status.conditions[?(@.type==\"Ready\")].status"
    );
}

#[test]
fn a_webhook_conversion_generates_every_version_converting_with_a_warning() {
    let yaml = crd("kind: Widget, plural: widgets", "").replace(
        "  versions:\n    - name: v1\n      served: true\n      storage: true\n",
        "  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig: {service: {name: conv, namespace: system, path: /convert}}
  versions:
    - name: v1beta1
      served: true
      storage: false
      schema: {openAPIV3Schema: {type: object}}
    - name: v1alpha1
      served: false
      storage: false
      schema: {openAPIV3Schema: {type: object}}
    - name: v1
      served: true
      storage: true
",
    );
    let all = warnings(&yaml);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0].starts_with("ok.yaml:8: spec.conversion.strategy: conversion strategy `Webhook`: krest calls no webhook; each version converts to and from the storage version in Rust"),
        "{}",
        all[0]
    );
    let crds = read_crds("ok.yaml", &yaml).unwrap();
    let modules = build_modules(&crds).unwrap();
    // Every version is generated; the one not served has no routes, and every version but
    // the storage version converts to and from it.
    let versions: Vec<_> = modules
        .iter()
        .map(|m| {
            let r = &m.resources[0];
            (m.version.as_str(), r.served, r.conversion.is_some())
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("v1", true, false),
            ("v1alpha1", false, true),
            ("v1beta1", true, true)
        ]
    );
}

#[test]
fn what_kube_apiserver_refuses_is_refused_with_its_reason() {
    let column = "      additionalPrinterColumns:\n        - {name: Size, type: integer, format: int8, jsonPath: .spec.size}\n";
    assert_eq!(
        refusal(&crd("kind: Widget, plural: widgets", column)),
        "bad.yaml:12: spec.versions[0].additionalPrinterColumns[0]: printer column format `int8` is not one of `int32`, `int64`, `float`, `double`, `byte`, `date`, `date-time`, `password`"
    );
    // A DNS-1035 label starts with a letter: kube-apiserver refuses `3dwidgets`.
    assert_eq!(
        refusal(&crd("kind: Widget, plural: 3dwidgets", "")),
        "bad.yaml:5: spec.names.plural: `plural` must be a lower-case DNS-1035 label (a-z, 0-9 and `-`, starting with a letter and ending with a letter or digit), found `3dwidgets`"
    );
    assert_eq!(
        refusal(&crd("kind: Widget, plural: widgets, listKind: Widget", "")),
        "bad.yaml:5: spec.names.listKind: `listKind` `Widget`: kind and listKind may not be the same"
    );
    assert_eq!(
        refusal(&crd("kind: Widget, plural: widgets", "").replace("  scope:", "  conversion: {strategy: Magic}\n  scope:")),
        "bad.yaml:6: spec.conversion.strategy: conversion strategy `Magic` is not one of `None`, `Webhook`"
    );
    let webhook = |config: &str| {
        crd("kind: Widget, plural: widgets", "").replace(
            "  scope:",
            &format!("  conversion:\n    strategy: Webhook\n{config}  scope:"),
        )
    };
    assert_eq!(
        refusal(&webhook("")),
        "bad.yaml:7: spec.conversion.webhook: `webhook` is required when `strategy` is `Webhook`"
    );
    assert_eq!(
        refusal(&webhook("    webhook: {conversionReviewVersions: [v2]}\n")),
        "bad.yaml:8: spec.conversion.webhook.conversionReviewVersions: `conversionReviewVersions` must include at least one of `v1`, `v1beta1`"
    );
    let selectable = "      selectableFields:\n        - jsonPath: .metadata.labels\n";
    assert_eq!(
        refusal(&crd("kind: Widget, plural: widgets", selectable)),
        "bad.yaml:12: spec.versions[0].selectableFields[0].jsonPath: selectable field `.metadata.labels` must not point to fields in metadata (`.metadata.name` and `.metadata.namespace` are always selectable)"
    );
}

#[test]
fn what_krest_cannot_serve_says_what_to_do() {
    // kube-apiserver takes a kind with a dash; a Rust type cannot have one.
    assert_eq!(
        refusal(&crd("kind: Wid-get, plural: widgets", "")),
        "bad.yaml:5: spec.names.kind: `kind` must be an upper-camel-case identifier such as `Widget`, found `Wid-get`: krest names Rust types after it"
    );
}

/// A temporary folder of CRD files, removed on drop.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str, files: &[(&str, String)]) -> Folder {
        let dir = std::env::temp_dir().join(format!("krest-accept-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Three files: a good Widget, a Gadget whose short name Widget already uses (the naming
/// controller leaves it out), and a file whose printer column kube-apiserver refuses.
fn mixed(name: &str) -> Folder {
    Folder::new(
        name,
        &[
            (
                "a-widget.yaml",
                crd("kind: Widget, plural: widgets, shortNames: [wd]", ""),
            ),
            (
                "b-gadget.yaml",
                crd("kind: Gadget, plural: gadgets, shortNames: [widget]", ""),
            ),
            (
                "c-bad.yaml",
                crd(
                    "kind: Bad, plural: bads",
                    "      additionalPrinterColumns:\n        - {name: X, type: text, jsonPath: .spec.size}\n",
                ),
            ),
        ],
    )
}

#[test]
fn the_builder_keeps_going_past_refused_crds() {
    let folder = mixed("builder");
    let dir = &folder.0;
    let error = Builder::new()
        .schemas(dir)
        .rerun_if_changed(false)
        .read_all()
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("c-bad.yaml:12: spec.versions[0].additionalPrinterColumns[0].type: printer column type must be one of string, integer, number, boolean, date, found `text`"),
        "{error}"
    );
    std::fs::remove_file(dir.join("c-bad.yaml")).unwrap();
    let error = Builder::new()
        .schemas(dir)
        .rerun_if_changed(false)
        .read_all()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("b-gadget.yaml:5: spec.names.shortNames[0]: \"widget\" is already in use by `widgets.demo.krest.dev` (")
            && error.ends_with("a-widget.yaml:1): kube-apiserver does not establish this CRD (ShortNamesConflict); rename it"),
        "{error}"
    );
    let folder = mixed("builder2");
    let dir = &folder.0;
    let out = dir.join("out");
    let generated = Builder::new()
        .schemas(dir)
        .out_dir(&out)
        .rerun_if_changed(false)
        .keep_going(true)
        .generate()
        .unwrap();
    let refused: Vec<String> = generated.refused.iter().map(ToString::to_string).collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0]
            .contains("b-gadget.yaml:5: spec.names.shortNames[0]: \"widget\" is already in use"),
        "{refused:?}"
    );
    assert!(refused[1].contains("c-bad.yaml:12: spec.versions[0].additionalPrinterColumns[0].type: printer column type must be one of"), "{refused:?}");
    let module = std::fs::read_to_string(out.join("demo_krest_dev_v1.rs")).unwrap();
    assert!(
        module.contains("kind = \"Widget\""),
        "the good file generates"
    );
    assert!(!module.contains("Gadget") && !module.contains("kind = \"Bad\""));
}

fn krest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_krest"))
        .args(args)
        .output()
        .expect("run krest")
}

#[test]
fn routes_and_new_keep_going_print_each_refusal_and_exit_1() {
    let folder = mixed("cli");
    let dir = folder.0.to_str().unwrap();
    let out = krest(&["routes", dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no routes without --keep-going");

    let out = krest(&["routes", dir, "--keep-going"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("gadgets") && !stdout.contains("bads"),
        "{stdout}"
    );
    let errors: Vec<&str> = stderr.lines().collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(
        errors[0].starts_with(&format!(
            "krest: error: {dir}/b-gadget.yaml:5: spec.names.shortNames[0]: "
        )),
        "{stderr}"
    );
    assert!(errors[1].starts_with(&format!("krest: error: {dir}/c-bad.yaml:12: spec.versions[0].additionalPrinterColumns[0].type: ")), "{stderr}");
    assert_eq!(
        errors[2],
        "krest: error: 2 CustomResourceDefinition(s) left out (--keep-going)"
    );

    let krate = Path::new(dir).join("crate");
    let out = krest(&[
        "new",
        "mixed",
        "--schemas",
        dir,
        "--out",
        krate.to_str().unwrap(),
        "--keep-going",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let build = std::fs::read_to_string(krate.join("build.rs")).unwrap();
    assert!(build.contains(".keep_going(true)"), "{build}");
    let readme = std::fs::read_to_string(krate.join("README.md")).unwrap();
    assert!(
        readme.contains("`Widget`") && !readme.contains("`Gadget`"),
        "{readme}"
    );
}
