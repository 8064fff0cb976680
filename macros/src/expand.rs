//! Emits the object type, its `Resource` impl with the model and route table as `const` data,
//! and its serde impls.

use krest_codegen::tokens::{action_tokens, model_tokens, model_tokens_converting};
use krest_codegen::{actions, SubresourceKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::DeriveInput;

use crate::attr::{Failed, Input};

/// Expands `#[derive(Resource)]`: parse, check, emit.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let (rules, rule_errors) = crate::rules::rules(input);
    match Input::from_syn(input) {
        Ok(input) => match rule_errors {
            None => impl_resource(&input, &rules),
            Some(errors) => {
                let mut tokens = errors.to_compile_error();
                tokens.extend(fallback(input));
                tokens
            }
        },
        Err(Failed {
            mut errors,
            partial,
        }) => {
            if let Some(more) = rule_errors {
                errors.combine(more);
            }
            let mut tokens = errors.to_compile_error();
            if let Some(partial) = partial {
                tokens.extend(fallback(*partial));
            }
            tokens
        }
    }
}

/// What stands in for the expansion of an input with mistakes, as thiserror and serde do: the
/// object type, its constructor and stub impls of the traits users rely on (`Resource`,
/// serde), so that every use of the object type still resolves and the mistakes in the
/// attributes are the only errors. The crate does not compile, so no stub body ever runs.
fn fallback(mut input: Input<'_>) -> TokenStream {
    // The object is named after the kind; a kind that is no identifier names nothing to stand
    // in for (its error is already reported).
    if syn::parse_str::<syn::Ident>(&input.model.kind).is_err() {
        return TokenStream::new();
    }
    // Fields that collided are reported; keep one of each name so the struct is well formed.
    let mut names = vec!["metadata".to_string(), "spec".to_string()];
    if input.status.is_some() {
        names.push("status".into());
    }
    input.fields.retain(|f| {
        let name = f.ident.to_string();
        let fresh = !names.contains(&name);
        names.push(name);
        fresh
    });
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let spec = input.ident;
    let object = format_ident!("{}", &*input.model.kind, span = spec.span());
    let status_type = match &input.status {
        Some(ty) => ty.to_token_stream(),
        None => quote!(()),
    };
    let model_const = model_tokens(&input.model, &quote!(#private::codegen));
    let (structure, constructor) = object_tokens(&input, &object);
    quote! {
        #structure

        const _: () = {
            #constructor

            #[automatically_derived]
            impl #krate::Resource for #object {
                type Spec = #spec;
                type Status = #status_type;
                const MODEL: #private::codegen::ResourceModel = #model_const;
                const ROUTES: &'static [#private::Route] = &[];

                fn schema() -> #private::serde_json::Value {
                    #private::serde_json::Value::Null
                }

                fn metadata(&self) -> &#krate::ObjectMeta {
                    &self.metadata
                }

                fn metadata_mut(&mut self) -> &mut #krate::ObjectMeta {
                    &mut self.metadata
                }
            }

            #[automatically_derived]
            impl #private::serde::Serialize for #object {
                fn serialize<__S>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error>
                where
                    __S: #private::serde::Serializer,
                {
                    serializer.serialize_unit()
                }
            }

            #[automatically_derived]
            impl<'de> #private::serde::Deserialize<'de> for #object {
                fn deserialize<__D>(_: __D) -> ::core::result::Result<Self, __D::Error>
                where
                    __D: #private::serde::Deserializer<'de>,
                {
                    ::core::result::Result::Err(<__D::Error as #private::serde::de::Error>::custom(
                        "the `Resource` derive failed",
                    ))
                }
            }
        };
    }
}

fn impl_resource(input: &Input<'_>, rules: &[crate::rules::Declared]) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let codegen = quote!(#private::codegen);
    let spec = input.ident;
    let model = &input.model;
    let object = format_ident!("{}", &*model.kind, span = spec.span());

    let routes = actions(model).into_iter().map(|action| {
        let connect = connect_tokens(input, &action, &private);
        let action = action_tokens(&action, &codegen);
        quote!(#private::Route { action: #action, connect: #connect })
    });
    // A version that converts names its `Convert` implementation in its model.
    let conversion = input
        .conversion
        .then(|| quote!(#private::conversion_of::<Self>()));
    let model_const = model_tokens_converting(model, &codegen, conversion.as_ref());

    let status_repr = match &input.status {
        Some(ty) => ty.to_token_stream(),
        None => quote!(#private::serde::de::IgnoredAny),
    };
    let (status_type, status_ref, status_from) = match &input.status {
        Some(ty) => (
            ty.to_token_stream(),
            quote!(self.status.as_ref()),
            quote!(status: repr.status,),
        ),
        None => (
            quote!(()),
            quote!(::core::option::Option::None::<&()>),
            TokenStream::new(),
        ),
    };
    let status_check = input
        .status
        .iter()
        .chain(input.fields.iter().map(|f| &f.ty))
        .map(|ty| quote_spanned!(ty_span(ty)=> __assert_data::<#ty>();));
    let serialize_fields = if input.fields.is_empty() {
        quote!(|_| ::core::result::Result::Ok(()))
    } else {
        let each = input.fields.iter().map(|f| {
            let (ident, json) = (&f.ident, &f.json);
            quote! {
                if let ::core::option::Option::Some(value) = &self.#ident {
                    #private::serde::ser::SerializeStruct::serialize_field(__object, #json, value)?;
                }
            }
        });
        quote!(|__object| {
            #(#each)*
            ::core::result::Result::Ok(())
        })
    };
    let deserialize = deserialize_tokens(input, &object, &status_repr, &status_from);
    let spec_check = quote_spanned!(spec.span()=> __assert_data::<#spec>(););
    let schema_fn = schema_tokens(input, &private);
    let schema_fn = if rules.is_empty() {
        schema_fn
    } else {
        let adds = crate::rules::tokens(rules, &private);
        quote! {
            let mut schema = { #schema_fn };
            #adds
            schema
        }
    };

    let (structure, constructor) = object_tokens(input, &object);

    quote! {
        #structure

        const _: () = {
            fn __assert_data<T: #private::Data>() {}
            const _: fn() = || {
                #spec_check
                #(#status_check)*
            };

            #[automatically_derived]
            impl #krate::Resource for #object {
                type Spec = #spec;
                type Status = #status_type;
                const MODEL: #codegen::ResourceModel = #model_const;
                const ROUTES: &'static [#private::Route] = &[#(#routes),*];

                fn schema() -> #private::serde_json::Value {
                    #schema_fn
                }

                fn metadata(&self) -> &#krate::ObjectMeta {
                    &self.metadata
                }

                fn metadata_mut(&mut self) -> &mut #krate::ObjectMeta {
                    &mut self.metadata
                }
            }

            #constructor

            #[automatically_derived]
            impl #private::serde::Serialize for #object {
                fn serialize<__S>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error>
                where
                    __S: #private::serde::Serializer,
                {
                    #private::serialize_object::<Self, __S, _, _>(
                        serializer,
                        &self.metadata,
                        &self.spec,
                        #status_ref,
                        #serialize_fields,
                    )
                }
            }

            #[automatically_derived]
            impl<'de> #private::serde::Deserialize<'de> for #object {
                fn deserialize<__D>(deserializer: __D) -> ::core::result::Result<Self, __D::Error>
                where
                    __D: #private::serde::Deserializer<'de>,
                {
                    #deserialize
                }
            }
        };
    }
}

/// The object struct and its inherent impl (`new`): the same whether the input is right or not.
fn object_tokens(input: &Input<'_>, object: &syn::Ident) -> (TokenStream, TokenStream) {
    let krate = &input.krate;
    let spec = input.ident;
    let vis = input.vis;
    let model = &input.model;
    let doc = format!(
        " The `{}` resource (`{}`), with its spec in [`{spec}`].",
        model.kind,
        model.api_version()
    );
    let (status_field, status_init) = match &input.status {
        Some(ty) => (
            quote! {
                /// The observed state of the object.
                pub status: ::core::option::Option<#ty>,
            },
            quote!(status: ::core::option::Option::None,),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let field_decls = input.fields.iter().map(|f| {
        let (ident, ty) = (&f.ident, &f.ty);
        let doc = format!(" The object's top-level `{}`.", f.json);
        quote! {
            #[doc = #doc]
            pub #ident: ::core::option::Option<#ty>,
        }
    });
    let field_inits = input.fields.iter().map(|f| {
        let ident = &f.ident;
        quote!(#ident: ::core::option::Option::None,)
    });
    let structure = quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #object {
            /// Standard object metadata.
            pub metadata: #krate::ObjectMeta,
            /// The desired state of the object.
            pub spec: #spec,
            #status_field
            #(#field_decls)*
        }
    };
    let constructor = quote! {
        #[automatically_derived]
        impl #object {
            /// A new object named `name` with `spec` and no status.
            pub fn new(name: &str, spec: #spec) -> Self {
                #object {
                    metadata: #krate::ObjectMeta::named(name),
                    spec,
                    #status_init
                    #(#field_inits)*
                }
            }
        }
    };
    (structure, constructor)
}

/// The body of the object's `Deserialize::deserialize`: through the runtime's `ObjectRepr`, or,
/// when there are extra top-level fields, through a wire struct of its own.
fn deserialize_tokens(
    input: &Input<'_>,
    object: &syn::Ident,
    status_repr: &TokenStream,
    status_from: &TokenStream,
) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let spec = input.ident;
    if input.fields.is_empty() {
        return quote! {
            let repr = <#private::ObjectRepr<#spec, #status_repr>
                as #private::serde::Deserialize<'de>>::deserialize(deserializer)?;
            ::core::result::Result::Ok(#object {
                metadata: repr.metadata,
                spec: repr.spec,
                #status_from
            })
        };
    }
    let serde_path = format!("{}", quote!(#private::serde)).replace(' ', "");
    let status = input.status.as_ref().map(|_| {
        quote! {
            #[serde(default = "::core::option::Option::default")]
            status: ::core::option::Option<#status_repr>,
        }
    });
    let decls = input.fields.iter().map(|f| {
        let (ident, ty, json) = (&f.ident, &f.ty, &f.json);
        quote! {
            #[serde(default = "::core::option::Option::default", rename = #json)]
            #ident: ::core::option::Option<#ty>,
        }
    });
    let moves = input.fields.iter().map(|f| {
        let ident = &f.ident;
        quote!(#ident: repr.#ident,)
    });
    quote! {
        #[derive(#private::serde::Deserialize)]
        #[serde(crate = #serde_path)]
        struct __Repr {
            #[serde(default)]
            metadata: #krate::ObjectMeta,
            spec: #spec,
            #status
            #(#decls)*
        }
        let repr = <__Repr as #private::serde::Deserialize<'de>>::deserialize(deserializer)?;
        ::core::result::Result::Ok(#object {
            metadata: repr.metadata,
            spec: repr.spec,
            #status_from
            #(#moves)*
        })
    }
}

/// The body of `Resource::schema`. The calls of `schema_for` are spanned on the spec and
/// status types, so that a missing `JsonSchema` impl is reported once, at the user's type.
fn schema_tokens(input: &Input<'_>, private: &TokenStream) -> TokenStream {
    if let Some(path) = &input.schema {
        return quote!(#path());
    }
    let spec = input.ident;
    let krate = &input.krate;
    let spec_schema = quote_spanned!(spec.span()=> #private::schema_for::<#spec>());
    let status = match &input.status {
        Some(ty) => {
            let schema = quote_spanned!(ty_span(ty)=> #private::schema_for::<#ty>());
            quote!(::core::option::Option::Some(#schema))
        }
        None => quote!(::core::option::Option::None),
    };
    let fields = input.fields.iter().map(|f| {
        let (ty, json) = (&f.ty, &f.json);
        let schema = quote_spanned!(ty_span(ty)=> #private::schema_for::<#ty>());
        quote!((#json, #schema))
    });
    quote! {
        #private::object_schema(
            &<Self as #krate::Resource>::MODEL,
            #spec_schema,
            #status,
            ::std::vec![#(#fields),*],
        )
    }
}

fn ty_span(ty: &syn::Type) -> proc_macro2::Span {
    syn::spanned::Spanned::span(ty)
}

/// The runtime handler serving `action` for this resource.
/// The user's handler of a connect-style action; every other action is served by the runtime's
/// handler for its subresource and verb (`handlers::for_route`), so the derive names none.
fn connect_tokens(
    input: &Input<'_>,
    action: &krest_codegen::Action,
    private: &TokenStream,
) -> TokenStream {
    match action.subresource_kind {
        SubresourceKind::Connect(i) => {
            let handler = &input.connect_handlers[i];
            quote!(::core::option::Option::Some(|call| #private::handlers::connect(call, #handler)))
        }
        _ => quote!(::core::option::Option::None),
    }
}
