//! Compile-fail tests of `#[derive(Resource)]`: every misuse is a compile error at the offending
//! token, several mistakes are reported at once, and the code using the object type adds no
//! errors (`no_cascade.rs`).
//!
//! After a deliberate change to a message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p krest --test derive_ui` and review them.

#[test]
fn derive_misuse() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/derive/*.rs");
}
