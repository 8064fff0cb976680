//! The build-time check: `Builder::baseline` compares the schemas with a committed baseline
//! before generating, and `generate` (what `build.rs` calls) fails listing what breaks, unless
//! it is on the allow list.

use std::path::{Path, PathBuf};

use krest_codegen::Builder;

fn schemas() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// A copy of `schemas/` whose Widget lost its optional `size` field.
fn without_size(dir: &Path) -> PathBuf {
    let out = dir.join("schemas");
    std::fs::create_dir_all(&out).unwrap();
    for file in ["widget.yaml", "gadget.yaml"] {
        let text = std::fs::read_to_string(schemas().join(file)).unwrap();
        let size = "                size:\n                  description: An optional size.\n                  type: string\n                  nullable: true\n";
        assert!(file != "widget.yaml" || text.contains(size));
        std::fs::write(out.join(file), text.replace(size, "")).unwrap();
    }
    out
}

const KEY: &str = "field-removed demo.krest.dev/v1 Widget .spec.size";

#[test]
fn an_unchanged_api_generates() {
    let dir = tempfile::tempdir().unwrap();
    let generated = Builder::new()
        .schemas(schemas())
        .baseline(schemas())
        .out_dir(dir.path().join("out"))
        .rerun_if_changed(false)
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!generated.files.is_empty());
}

#[test]
fn a_breaking_change_fails_the_build_listing_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let error = Builder::new()
        .schemas(without_size(dir.path()))
        .baseline(schemas())
        .out_dir(&out)
        .rerun_if_changed(false)
        .generate()
        .unwrap_err();
    assert_eq!(error.file, schemas().display().to_string());
    assert!(
        error
            .message
            .starts_with("1 breaking change(s) against the API baseline"),
        "{error}"
    );
    assert!(
        error
            .message
            .contains(&format!("\n  {KEY}\n      the field was removed")),
        "{error}"
    );
    // Nothing was generated.
    assert!(!out.exists());
}

#[test]
fn an_allowed_break_generates() {
    let dir = tempfile::tempdir().unwrap();
    let builder = Builder::new()
        .schemas(without_size(dir.path()))
        .baseline(schemas())
        .allow_breaking(KEY)
        .out_dir(dir.path().join("out"))
        .rerun_if_changed(false);
    builder.generate().unwrap_or_else(|e| panic!("{e}"));
    let report = builder
        .check_baseline()
        .unwrap()
        .expect("a baseline is set");
    assert_eq!(
        report.breaking().map(|c| c.key()).collect::<Vec<_>>(),
        [KEY]
    );
}

#[test]
fn an_allowed_break_that_is_not_there_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = Builder::new()
        .schemas(schemas())
        .baseline(schemas())
        .allow_breaking(KEY)
        .out_dir(dir.path().join("out"))
        .rerun_if_changed(false)
        .generate()
        .unwrap_err();
    assert!(
        error.message.contains(&format!(
            "allowed but not found (remove it from the allow list): {KEY}"
        )),
        "{error}"
    );
}

#[test]
fn a_missing_baseline_is_an_error_saying_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("api-baseline");
    let error = Builder::new()
        .schemas(schemas())
        .baseline(&missing)
        .out_dir(dir.path().join("out"))
        .rerun_if_changed(false)
        .generate()
        .unwrap_err();
    assert_eq!(error.file, missing.display().to_string());
    assert!(error.message.contains("the API baseline"), "{error}");
}

#[test]
fn without_a_baseline_nothing_is_compared() {
    let report = Builder::new().schemas(schemas()).check_baseline().unwrap();
    assert!(report.is_none());
}
