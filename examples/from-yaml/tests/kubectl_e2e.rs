//! The kubectl end-to-end flow of `examples/widgets` (`examples/widgets/tests/kubectl_e2e.rs`),
//! run unchanged against `from-yaml-server`: the kinds generated from `schemas/*.yaml` must
//! behave exactly as the derive-declared ones.
//!
//! The shared file is compiled here with `env!` redirected: its server binary is this crate's,
//! and its manifests are the ones next to it.

macro_rules! env {
    ("CARGO_BIN_EXE_widgets-server") => {
        ::core::env!("CARGO_BIN_EXE_from-yaml-server")
    };
    ("CARGO_MANIFEST_DIR") => {
        ::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), "/../widgets")
    };
}

#[path = "../../widgets/tests/kubectl_e2e.rs"]
mod widgets_kubectl_e2e;
