//! The `#[derive(Resource)]` macro of krest. Use it through the `krest` crate, which re-exports it
//! and documents its attributes.

mod attr;
mod expand;
mod paths;
mod rules;
mod schema;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives a Kubernetes-style resource from its spec struct; see the `krest` crate's docs.
#[proc_macro_derive(Resource, attributes(resource))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}

/// schemars' `JsonSchema` derive, for crates that depend on krest alone: no
/// `#[schemars(crate = "krest::schemars")]` needed. Every `schemars` and `serde` attribute works
/// as with schemars' own derive.
#[proc_macro_derive(JsonSchema, attributes(schemars, serde, validate, garde))]
pub fn derive_json_schema(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    schema::derive(&input).into()
}
