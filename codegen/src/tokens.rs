//! Emits the model and its actions as `const` expressions for generated code.
//!
//! `krate` is the path under which generated code reaches this crate's types, e.g.
//! `::krest::__private::codegen`: the derive never names `krest_codegen` itself, so users depend
//! on `krest` alone.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

use crate::actions::{Action, ActionVerb, SubresourceKind};
use crate::model::{ConnectSubresource, Method, PrinterColumn, ResourceModel, Scale, Scope};

/// `model` as a `const` expression of type `ResourceModel`, without a conversion (a function
/// cannot be written from its value: see [`model_tokens_converting`]).
pub fn model_tokens(model: &ResourceModel, krate: &TokenStream) -> TokenStream {
    model_tokens_converting(model, krate, None)
}

/// `model` as a `const` expression of type `ResourceModel` whose `conversion` is `conversion`,
/// a `const` expression of type `Conversion` (e.g. `::krest::__private::conversion_of::<T>()`).
pub fn model_tokens_converting(
    model: &ResourceModel,
    krate: &TokenStream,
    conversion: Option<&TokenStream>,
) -> TokenStream {
    let conversion = option_tokens(conversion.cloned());
    let s = |v: &str| str_tokens(v, krate);
    let group = s(&model.group);
    let version = s(&model.version);
    let kind = s(&model.kind);
    let plural = s(&model.plural);
    let singular = s(&model.singular);
    let short_names = model.short_names.iter().map(|n| s(n));
    let categories = model.categories.iter().map(|n| s(n));
    let scope = match model.scope {
        Scope::Cluster => quote!(#krate::Scope::Cluster),
        Scope::Namespaced => quote!(#krate::Scope::Namespaced),
    };
    let verbs = model.verbs.bits();
    let status = model.status;
    let scale = match &model.scale {
        None => quote!(::core::option::Option::None),
        Some(Scale {
            spec_replicas_path,
            status_replicas_path,
            label_selector_path,
        }) => {
            let spec = s(spec_replicas_path);
            let status = s(status_replicas_path);
            let selector = option_tokens(label_selector_path.as_deref().map(s));
            quote!(::core::option::Option::Some(#krate::Scale {
                spec_replicas_path: #spec,
                status_replicas_path: #status,
                label_selector_path: #selector,
            }))
        }
    };
    let connect = model.connect.iter().map(|c| {
        let ConnectSubresource {
            name,
            methods,
            subpath,
        } = c;
        let name = s(name);
        let methods = methods.iter().map(|m| method_tokens(*m, krate));
        quote!(#krate::ConnectSubresource {
            name: #name,
            methods: #krate::List::Borrowed(&[#(#methods),*]),
            subpath: #subpath,
        })
    });
    let columns = model.printer_columns.iter().map(|c| {
        let PrinterColumn {
            name,
            type_,
            format,
            json_path,
            priority,
            description,
        } = c;
        let (name, type_, format, json_path, description) =
            (s(name), s(type_), s(format), s(json_path), s(description));
        quote!(#krate::PrinterColumn {
            name: #name,
            type_: #type_,
            format: #format,
            json_path: #json_path,
            priority: #priority,
            description: #description,
        })
    });
    let selectable = model.selectable_fields.iter().map(|f| s(f));
    let deprecated = model.deprecated;
    let warning = option_tokens(model.deprecation_warning.as_deref().map(s));
    let storage_version = option_tokens(model.storage_version.as_deref().map(s));
    quote!(#krate::ResourceModel {
        group: #group,
        version: #version,
        kind: #kind,
        plural: #plural,
        singular: #singular,
        short_names: #krate::List::Borrowed(&[#(#short_names),*]),
        categories: #krate::List::Borrowed(&[#(#categories),*]),
        scope: #scope,
        verbs: #krate::VerbSet::from_bits(#verbs),
        status: #status,
        scale: #scale,
        connect: #krate::List::Borrowed(&[#(#connect),*]),
        printer_columns: #krate::List::Borrowed(&[#(#columns),*]),
        selectable_fields: #krate::List::Borrowed(&[#(#selectable),*]),
        deprecated: #deprecated,
        deprecation_warning: #warning,
        storage_version: #storage_version,
        conversion: #conversion,
        stored_conversions: #krate::List::Borrowed(&[]),
    })
}

/// `action` as a `const` expression of type `Action`.
pub fn action_tokens(action: &Action, krate: &TokenStream) -> TokenStream {
    let s = |v: &str| str_tokens(v, krate);
    let verb = syn_ident(match action.verb {
        ActionVerb::List => "List",
        ActionVerb::Post => "Post",
        ActionVerb::DeleteCollection => "DeleteCollection",
        ActionVerb::WatchList => "WatchList",
        ActionVerb::Get => "Get",
        ActionVerb::Put => "Put",
        ActionVerb::Patch => "Patch",
        ActionVerb::Delete => "Delete",
        ActionVerb::Watch => "Watch",
        ActionVerb::Connect => "Connect",
    });
    let method = method_tokens(action.method, krate);
    let path = s(&action.path);
    let kube_verb = option_tokens(action.kube_verb.map(|v| {
        let v = syn_ident(&format!("{v:?}"));
        quote!(#krate::Verb::#v)
    }));
    let subresource = option_tokens(action.subresource.as_deref().map(s));
    let subresource_kind = match action.subresource_kind {
        SubresourceKind::None => quote!(#krate::SubresourceKind::None),
        SubresourceKind::Status => quote!(#krate::SubresourceKind::Status),
        SubresourceKind::Scale => quote!(#krate::SubresourceKind::Scale),
        SubresourceKind::Connect(i) => quote!(#krate::SubresourceKind::Connect(#i)),
    };
    let namespaced = action.namespaced;
    let all_namespaces = action.all_namespaces;
    let subpath = action.subpath;
    let operation = s(&action.operation);
    let operation_id = s(&action.operation_id);
    let params = action.params.bits();
    quote!(#krate::Action {
        verb: #krate::ActionVerb::#verb,
        method: #method,
        path: #path,
        kube_verb: #kube_verb,
        subresource: #subresource,
        subresource_kind: #subresource_kind,
        namespaced: #namespaced,
        all_namespaces: #all_namespaces,
        subpath: #subpath,
        operation: #operation,
        operation_id: #operation_id,
        params: #krate::Params::from_bits(#params),
    })
}

fn method_tokens(method: Method, krate: &TokenStream) -> TokenStream {
    let m = syn_ident(&format!("{method:?}"));
    quote!(#krate::Method::#m)
}

fn str_tokens(s: &str, krate: &TokenStream) -> TokenStream {
    quote!(#krate::Str::Borrowed(#s))
}

fn option_tokens(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn syn_ident(name: &str) -> TokenStream {
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site()).into_token_stream()
}
