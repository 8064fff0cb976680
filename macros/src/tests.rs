//! Expansion goldens: each `tests/expand/<case>.rs` holds a struct with `#[derive(Resource)]`;
//! its expansion, formatted by prettyplease, must equal the checked-in
//! `tests/expand/<case>.expanded.rs`. Run with `KREST_BLESS=1` to rewrite the goldens after a
//! deliberate change, then review the diff.
//!
//! These live inside the crate because a proc-macro crate's integration tests cannot call
//! `expand::derive`.

use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::DeriveInput;

fn expand_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand")
}

/// The derive input of a case: the one struct in its file.
fn input(case: &str) -> DeriveInput {
    let path = expand_dir().join(format!("{case}.rs"));
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("parsing {case}.rs: {e}"));
    let mut structs = file.items.into_iter().filter_map(|item| match item {
        syn::Item::Struct(s) => Some(s),
        _ => None,
    });
    let item = structs
        .next()
        .unwrap_or_else(|| panic!("{case}.rs has no struct"));
    assert!(
        structs.next().is_none(),
        "{case}.rs has more than one struct"
    );
    syn::parse2(item.into_token_stream()).expect("a struct is a derive input")
}

/// The expansion of a case, pretty-printed.
fn expand(case: &str) -> String {
    let tokens = crate::expand::derive(&input(case));
    let file: syn::File = syn::parse2(tokens.clone())
        .unwrap_or_else(|e| panic!("the expansion of {case} is not a file: {e}\n{tokens}"));
    prettyplease::unparse(&file)
}

fn check(case: &str) {
    let actual = expand(case);
    let golden = expand_dir().join(format!("{case}.expanded.rs"));
    if std::env::var_os("KREST_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden, &actual)
            .unwrap_or_else(|e| panic!("writing {}: {e}", golden.display()));
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e}\nrun `KREST_BLESS=1 cargo test -p krest-macros` to create it",
            golden.display()
        )
    });
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        let show = |text: &str| {
            text.lines()
                .skip(line.saturating_sub(2))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "the expansion of tests/expand/{case}.rs differs from {case}.expanded.rs at line {}\n\
             --- expected\n{}\n--- actual\n{}\n\
             if the change is intended, run `KREST_BLESS=1 cargo test -p krest-macros` and review \
             the diff",
            line + 1,
            show(&expected),
            show(&actual),
        );
    }
}

#[test]
fn widget() {
    check("widget");
}

#[test]
fn gadget() {
    check("gadget");
}

#[test]
fn read_only() {
    check("read_only");
}

#[test]
fn connect() {
    check("connect");
}

#[test]
fn custom_schema() {
    check("custom_schema");
}

#[test]
fn conversion() {
    check("conversion");
}

#[test]
fn every_case_has_a_test() {
    // A new `tests/expand/<case>.rs` without a `#[test]` above would never be checked.
    let mut cases: Vec<String> = std::fs::read_dir(expand_dir())
        .expect("tests/expand exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let case = name.strip_suffix(".rs")?;
            (!case.ends_with(".expanded")).then(|| case.to_string())
        })
        .collect();
    cases.sort();
    assert_eq!(
        cases,
        [
            "connect",
            "conversion",
            "custom_schema",
            "fields",
            "gadget",
            "read_only",
            "widget"
        ]
    );
}

#[test]
fn fields() {
    check("fields");
}

/// The expansion of an input with mistakes, as text (it is not a file: it holds
/// `compile_error!` invocations).
fn expand_failed(source: &str) -> String {
    let input: DeriveInput = syn::parse_str(source).expect("a derive input");
    crate::expand::derive(&input).to_string()
}

#[test]
fn a_mistake_still_emits_the_object_type() {
    let out = expand_failed(
        r#"#[resource(group = "demo.krest.dev", version = "1.0", status = WidgetStatus,
            field(operation = Operation), field(operation = Operation))]
        pub struct WidgetSpec { pub color: String }"#,
    );
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("pub struct Widget"), "{out}");
    assert!(
        out.contains("impl :: krest :: Resource for Widget"),
        "{out}"
    );
    assert!(out.contains("pub status"), "{out}");
    // The field declared twice is reported once and declared once.
    assert_eq!(out.matches("pub operation").count(), 1, "{out}");
    // No routes stand in for the ones a right input would have.
    assert!(
        out.contains("ROUTES : & 'static [:: krest :: __private :: Route] = & []"),
        "{out}"
    );
}

#[test]
fn nothing_stands_in_where_no_object_type_can() {
    // A kind that is no Rust identifier names no type; a generic spec has no object type.
    for source in [
        r#"#[resource(group = "g.io", version = "v1", kind = "my-widget")] pub struct WidgetSpec {}"#,
        r#"#[resource(group = "g.io", version = "v1")] pub struct WidgetSpec<T> { t: T }"#,
    ] {
        let out = expand_failed(source);
        assert!(out.contains("compile_error"), "{out}");
        assert!(!out.contains("pub struct"), "{out}");
        assert!(!out.contains("impl"), "{out}");
    }
}
