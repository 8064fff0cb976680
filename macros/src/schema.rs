//! `#[derive(krest::JsonSchema)]`: schemars' derive, without the `#[schemars(crate = ...)]` a
//! crate that does not depend on schemars itself would need.
//!
//! schemars' derive names the crate `schemars` in what it generates, which a crate using krest
//! alone cannot resolve. This derive writes a private copy of the type (the same fields, doc
//! comments and `serde`/`schemars` attributes, renamed to the original's schema name) carrying
//! schemars' own derive with `crate = "krest::schemars"`, and implements `JsonSchema` for the
//! original by delegating to it. The schema is the one schemars derives for the original.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Data, DeriveInput, Fields};

/// Attributes the copy keeps: what schemars reads, and lint levels.
const KEPT: [&str; 7] = [
    "doc",
    "serde",
    "schemars",
    "validate",
    "garde",
    "deprecated",
    "allow",
];

pub fn derive(input: &DeriveInput) -> TokenStream {
    if input.generics.params.iter().next().is_some() {
        return syn::Error::new_spanned(
            &input.generics,
            "`krest::JsonSchema` does not derive generic types: use schemars' own derive, \
             `#[derive(krest::schemars::JsonSchema)]` with `#[schemars(crate = \"krest::schemars\")]`",
        )
        .to_compile_error();
    }
    let original = &input.ident;
    let copy_ident = format_ident!("__KrestJsonSchema{}", original);
    let mut copy = input.clone();
    copy.ident = copy_ident.clone();
    copy.vis = syn::Visibility::Inherited;
    copy.attrs = kept(&input.attrs);
    match &mut copy.data {
        Data::Struct(data) => keep_field_attrs(&mut data.fields),
        Data::Enum(data) => {
            for variant in &mut data.variants {
                variant.attrs = kept(&variant.attrs);
                keep_field_attrs(&mut variant.fields);
            }
        }
        Data::Union(_) => {}
    }
    // A `crate = "path"` the user wrote serves the impl too; otherwise krest's re-export.
    let user_crate = crate_path(&input.attrs);
    let crate_attr = user_crate
        .is_none()
        .then(|| quote!(#[schemars(crate = "krest::schemars")]));
    let schemars_path = user_crate.unwrap_or_else(|| syn::parse_quote!(::krest::schemars));
    let renamed =
        has_key(&input.attrs, "schemars", "rename") || has_key(&input.attrs, "serde", "rename");
    let rename_attr = (!renamed).then(|| {
        let name = original.to_string();
        quote!(#[schemars(rename = #name)])
    });
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let copy_type = quote!(#copy_ident #type_generics);
    quote! {
        #[allow(deprecated)]
        const _: () = {
            #[derive(#schemars_path::JsonSchema)]
            #crate_attr
            #rename_attr
            #[allow(dead_code, non_camel_case_types, clippy::all, clippy::pedantic)]
            #copy

            #[automatically_derived]
            #[allow(deprecated)]
            impl #impl_generics #schemars_path::JsonSchema for #original #type_generics #where_clause {
                fn inline_schema() -> bool {
                    <#copy_type as #schemars_path::JsonSchema>::inline_schema()
                }
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    <#copy_type as #schemars_path::JsonSchema>::schema_name()
                }
                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    <#copy_type as #schemars_path::JsonSchema>::schema_id()
                }
                fn json_schema(generator: &mut #schemars_path::SchemaGenerator) -> #schemars_path::Schema {
                    <#copy_type as #schemars_path::JsonSchema>::json_schema(generator)
                }
            }
        };
    }
}

fn kept(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| KEPT.iter().any(|k| a.path().is_ident(k)))
        .cloned()
        .collect()
}

fn keep_field_attrs(fields: &mut Fields) {
    for field in fields.iter_mut() {
        field.attrs = kept(&field.attrs);
    }
}

/// Whether a container `#[attr(...)]` has `key` (`rename`, not `rename_all`).
fn has_key(attrs: &[Attribute], attr: &str, key: &str) -> bool {
    attrs.iter().filter(|a| a.path().is_ident(attr)).any(|a| {
        a.meta
            .require_list()
            .map(|l| l.tokens.clone().into_iter().any(|t| t.to_string() == key))
            .unwrap_or(false)
    })
}

/// The path of `#[schemars(crate = "path")]`.
fn crate_path(attrs: &[Attribute]) -> Option<syn::Path> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("schemars")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                found = Some(meta.value()?.parse::<syn::LitStr>()?.parse()?);
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    found
}
