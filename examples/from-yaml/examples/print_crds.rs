//! Prints the CustomResourceDefinitions of the derive-declared `Widget` and `Gadget` of
//! `examples/widgets`, for `kubectl apply -f -` on a real cluster: what `krest crd` runs.
//!
//! Run with: `cargo run -p krest-example-from-yaml --example print_crds`
//! (or `krest crd --manifest-path examples/from-yaml/Cargo.toml --example print_crds`).

use std::process::ExitCode;

use krest::Resource;
use krest_example_widgets::{Gadget, Widget};

fn main() -> ExitCode {
    let kinds = [
        (Widget::MODEL, Widget::schema()),
        (Gadget::MODEL, Gadget::schema()),
    ];
    match krest_codegen::crd::write_crds(&kinds) {
        Ok(yaml) => {
            print!("{yaml}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("print_crds: {e}");
            ExitCode::FAILURE
        }
    }
}
