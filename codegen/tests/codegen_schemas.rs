//! Schema goldens: CRD YAML in, generated Rust out, compared exactly with checked-in files
//! (typify's `tests/schemas.rs`); the test target `goldens` (`tests/compile/goldens.rs`)
//! compiles every golden and serves them.
//!
//! - `tests/schemas/<name>.yaml` -> `tests/schemas/<name>.rs` (a `pub mod` per group-version).
//! - `schemas/` (Widget and Gadget) -> `tests/generated/demo/`.
//! - each CRD in `tests/crds/` -> `tests/generated/<file stem>/` (every file `Builder`
//!   writes: the index `mod.rs` and one module per group-version).
//!
//! A golden that differs from what the generator writes now fails the test: the checked-in
//! output is stale. `KREST_BLESS=1 cargo test -p krest-codegen --all-features --test
//! codegen_schemas` rewrites them.

use std::path::{Path, PathBuf};

use krest_codegen::schema::build_modules;
use krest_codegen::{read_crds, render, Builder};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("KREST_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file `path` (or rewrites it when blessing).
fn check_golden(path: &Path, actual: &str) -> Result<(), String> {
    if bless() {
        std::fs::create_dir_all(path.parent().expect("a golden has a folder"))
            .expect("creating the golden folder");
        std::fs::write(path, actual).expect("writing the golden");
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e}; run with KREST_BLESS=1 to create it",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "{} is stale: first difference at line {}:\n  golden:    {:?}\n  generated: {:?}\nrun with KREST_BLESS=1 to rewrite it",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end of file>"),
        actual.lines().nth(line).unwrap_or("<end of file>"),
    ))
}

/// The files of a golden directory, by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Renders `input` with `Builder` and compares every file with `tests/generated/<case>/`.
fn check_builder_case(case: &str, input: &Path) -> Result<(), String> {
    let rendered = Builder::new()
        .schemas(input)
        .rerun_if_changed(false)
        .render()
        .map_err(|e| e.to_string())?;
    let dir = root().join("tests/generated").join(case);
    if bless() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut problems = Vec::new();
    for (name, text) in &rendered {
        if let Err(e) = check_golden(&dir.join(name), text) {
            problems.push(e);
        }
    }
    let mut expected: Vec<String> = rendered.iter().map(|(n, _)| n.clone()).collect();
    expected.sort();
    let found = files_in(&dir);
    if found != expected {
        problems.push(format!(
            "{}: holds {found:?}, the generator writes {expected:?}",
            dir.display()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn synthetic_schemas_match_their_goldens() {
    let dir = root().join("tests/schemas");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/schemas exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    inputs.sort();
    let names: Vec<String> = inputs
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    // A new case needs a line in `tests/compile/goldens.rs` too.
    assert_eq!(
        names,
        ["conversion", "names", "shapes", "types", "versions"]
    );
    let mut problems = Vec::new();
    for input in &inputs {
        let text = std::fs::read_to_string(input).unwrap();
        let file = format!(
            "tests/schemas/{}",
            input.file_name().unwrap().to_string_lossy()
        );
        let crds = read_crds(&file, &text).unwrap_or_else(|e| panic!("{e}"));
        let modules = build_modules(&crds).unwrap_or_else(|e| panic!("{e}"));
        // One file holding every group-version's module, as `mod.rs` would include them.
        let mut all = String::new();
        for module in &modules {
            let source = render::render_module(module).unwrap_or_else(|e| panic!("{e}"));
            let body = source.strip_prefix(render::HEADER).unwrap_or(&source);
            all.push_str(&format!("pub mod {} {{\n{body}\n}}\n", module.file_stem()));
        }
        let source = render::format_source(&file, &all).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = check_golden(&input.with_extension("rs"), &source) {
            problems.push(e);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn widget_and_gadget_match_their_goldens() {
    if let Err(e) = check_builder_case("demo", &root().join("../schemas")) {
        panic!("{e}");
    }
}

/// The seven real CRDs of `tests/crds` (cert-manager, Prometheus operator, Gateway API,
/// Argo CD), as their projects publish them (sources and commits in `tests/crds/README.md`).
const REAL_CRDS: [&str; 7] = [
    "argoproj.io_applications",
    "cert-manager.io_certificates",
    "cert-manager.io_issuers",
    "gateway.networking.k8s.io_gateways",
    "gateway.networking.k8s.io_httproutes",
    "monitoring.coreos.com_podmonitors",
    "monitoring.coreos.com_servicemonitors",
];

fn real_crds_dir() -> PathBuf {
    root().join("tests/crds")
}

#[test]
fn real_crds_match_their_goldens() {
    let dir = real_crds_dir();
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, REAL_CRDS);
    let mut problems = Vec::new();
    for name in REAL_CRDS {
        if let Err(e) = check_builder_case(name, &dir.join(format!("{name}.yaml"))) {
            problems.push(e);
        }
    }
    let cases = files_in(&root().join("tests/generated"));
    let mut expected: Vec<String> = REAL_CRDS.iter().map(|s| s.to_string()).collect();
    expected.push("demo".into());
    expected.sort();
    assert_eq!(cases, expected, "tests/generated holds one folder per case");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
