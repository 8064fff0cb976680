//! `rule` attributes: CEL validation rules declared on the spec type (`#[resource(rule =
//! "...")]`, with `self` the spec) and on its fields (`#[resource(rule(...))]` on a field, with
//! `self` the field), checked at compile time with a span at the rule, and emitted into the
//! kind's schema as `x-kubernetes-validations`.
//!
//! The check is krest-codegen's ([`Program::check`]), against a schema guessed from the Rust
//! types (strings, integers, numbers, booleans, options, vectors, maps; other types are not
//! checked): it catches what does not parse, an undeclared function or variable, an unknown
//! field of the spec, an operator on the wrong types, a rule that is not a bool. The cost,
//! which depends on the schema's bounds, is checked when the server is built.

use krest_codegen::cel::{Program, Rule};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use serde_json::{json, Value};
use syn::meta::ParseNestedMeta;
use syn::{Data, DeriveInput, Fields, LitStr, Token};

/// A rule as written: where it goes (`None`: the spec; `Some(name)`: the spec's field, by its
/// JSON name) and the rule.
pub struct Declared {
    pub field: Option<String>,
    pub rule: Rule,
}

/// Reads and checks every rule of `input`: the rules, or the errors at their spans.
pub fn rules(input: &DeriveInput) -> (Vec<Declared>, Option<syn::Error>) {
    let mut out = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_error = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let fields = spec_fields(input);
    let spec_schema = match &fields {
        Some(fields) => json!({
            "type": "object",
            "properties": fields.iter().map(|(name, _, schema)| (name.clone(), schema.clone())).collect::<serde_json::Map<_, _>>(),
        }),
        None => json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("resource")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rule") {
                let (rule, spans) = parse_rule(&meta)?;
                match check(&rule, &spec_schema, &spans) {
                    Ok(()) => out.push(Declared { field: None, rule }),
                    Err(e) => push_error(e),
                }
            } else {
                crate::attr::skip_value(&meta)?;
            }
            Ok(())
        });
        // Other keys' errors are `attr.rs`'s to report.
        drop(result);
    }
    if let Data::Struct(data) = &input.data {
        if let Fields::Named(named) = &data.fields {
            for (i, field) in named.named.iter().enumerate() {
                for attr in field.attrs.iter().filter(|a| a.path().is_ident("resource")) {
                    let found = fields
                        .as_ref()
                        .and_then(|f| f.iter().find(|(_, index, _)| *index == i));
                    let result = attr.parse_nested_meta(|meta| {
                        if !meta.path.is_ident("rule") {
                            return Err(meta.error("unknown field attribute; expected `rule`"));
                        }
                        let (rule, spans) = parse_rule(&meta)?;
                        let Some((name, _, schema)) = found else {
                            return Err(syn::Error::new(
                                spans.rule,
                                "a rule on a field needs the field's JSON name: not a `#[serde(skip)]` or `#[serde(flatten)]` field, nor in a spec with `rename_all(serialize = ..)`",
                            ));
                        };
                        check(&rule, schema, &spans)?;
                        out.push(Declared {
                            field: Some(name.clone()),
                            rule,
                        });
                        Ok(())
                    });
                    if let Err(e) = result {
                        push_error(e);
                    }
                }
            }
        }
    }
    (out, errors)
}

/// Where each part of a rule was written.
struct Spans {
    rule: Span,
    message_expression: Option<Span>,
    reason: Option<Span>,
    field_path: Option<Span>,
    message: Option<Span>,
}

/// `rule = "..."` or `rule("...", message = "...", message_expression = "...", reason =
/// "...", field_path = "...", optional_old_self)`.
fn parse_rule(meta: &ParseNestedMeta<'_>) -> syn::Result<(Rule, Spans)> {
    if meta.input.peek(Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        return Ok((
            Rule::new(lit.value()),
            Spans {
                rule: lit.span(),
                message_expression: None,
                reason: None,
                field_path: None,
                message: None,
            },
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let lit: LitStr = content.parse()?;
    let mut rule = Rule::new(lit.value());
    let mut spans = Spans {
        rule: lit.span(),
        message_expression: None,
        reason: None,
        field_path: None,
        message: None,
    };
    while !content.is_empty() {
        content.parse::<Token![,]>()?;
        if content.is_empty() {
            break;
        }
        let key: syn::Ident = content.parse()?;
        if key == "optional_old_self" {
            rule.optional_old_self = true;
            continue;
        }
        content.parse::<Token![=]>()?;
        let value: LitStr = content.parse()?;
        let text = Some(value.value());
        match key.to_string().as_str() {
            "message" => {
                rule.message = text;
                spans.message = Some(value.span());
            }
            "message_expression" => {
                rule.message_expression = text;
                spans.message_expression = Some(value.span());
            }
            "reason" => {
                rule.reason = text;
                spans.reason = Some(value.span());
            }
            "field_path" => {
                rule.field_path = text;
                spans.field_path = Some(value.span());
            }
            _ => {
                return Err(syn::Error::new(
                    key.span(),
                    "unknown rule option; expected `message`, `message_expression`, `reason`, `field_path` or `optional_old_self`",
                ))
            }
        }
    }
    Ok((rule, spans))
}

/// The rule checked against `schema`, its error at the part it is about.
fn check(rule: &Rule, schema: &Value, spans: &Spans) -> syn::Result<()> {
    Program::check(rule, schema).map_err(|e| {
        let span = match e.field {
            "messageExpression" => spans.message_expression,
            "reason" => spans.reason,
            "fieldPath" => spans.field_path,
            "message" => spans.message,
            _ => None,
        }
        .unwrap_or(spans.rule);
        syn::Error::new(
            span,
            format!("invalid CEL rule: {}: {}", e.field, e.message),
        )
    })
}

/// The spec's fields: JSON name, index among the fields, and the schema guessed from the Rust
/// type; `None` when the names cannot be known (a flattened field, an unsupported
/// `rename_all`).
fn spec_fields(input: &DeriveInput) -> Option<Vec<(String, usize, Value)>> {
    Some(
        crate::paths::serde_fields(input)?
            .into_iter()
            .map(|(name, i, field)| (name, i, guess(&field.ty)))
            .collect(),
    )
}

/// The schema a Rust type most likely has: exact for scalars, options, vectors and string
/// maps; open (`{}`, not checked) for anything else.
fn guess(ty: &syn::Type) -> Value {
    let syn::Type::Path(path) = ty else {
        return json!({});
    };
    let Some(last) = path.path.segments.last() else {
        return json!({});
    };
    let args: Vec<&syn::Type> = match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    match (last.ident.to_string().as_str(), args.as_slice()) {
        ("String", []) => json!({"type": "string"}),
        ("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "isize" | "usize", []) => {
            json!({"type": "integer"})
        }
        ("f32" | "f64", []) => json!({"type": "number"}),
        ("bool", []) => json!({"type": "boolean"}),
        ("Option" | "Box", [inner]) => guess(inner),
        ("Vec", [inner]) => json!({"type": "array", "items": guess(inner)}),
        ("BTreeMap" | "HashMap", [_, value]) => {
            json!({"type": "object", "additionalProperties": guess(value)})
        }
        _ => json!({}),
    }
}

/// The tokens adding the rules to `schema` (a `serde_json::Value` variable) in
/// `Resource::schema`.
pub fn tokens(rules: &[Declared], private: &TokenStream) -> TokenStream {
    let adds = rules.iter().map(|d| {
        let field = match &d.field {
            Some(name) => quote!(::core::option::Option::Some(#name)),
            None => quote!(::core::option::Option::None),
        };
        let opt = |v: &Option<String>| match v {
            Some(s) => quote!(::core::option::Option::Some(#s)),
            None => quote!(::core::option::Option::None),
        };
        let rule = &d.rule.rule;
        let message = opt(&d.rule.message);
        let message_expression = opt(&d.rule.message_expression);
        let reason = opt(&d.rule.reason);
        let field_path = opt(&d.rule.field_path);
        let optional = d.rule.optional_old_self;
        quote! {
            #private::add_rule(&mut schema, #field, #rule, #message, #message_expression, #reason, #field_path, #optional);
        }
    });
    quote!(#(#adds)*)
}
