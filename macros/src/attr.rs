//! Parses `#[resource(...)]` into a [`ResourceModel`], keeping the spans of what the user wrote so
//! that every error points at its source. Errors are collected, not stopped at the first.

use std::collections::HashSet;

use krest_codegen::{
    check, ConnectSubresource, Field, List, Method, PrinterColumn, ResourceModel, Scale, Scope,
    Str, Verb, VerbSet,
};
use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Ident, LitInt, LitStr, Token};

/// The attributes `#[resource(...)]` accepts.
const ATTRIBUTES: &str = "`group`, `version`, `kind`, `plural`, `singular`, `namespaced`, \
    `cluster`, `short_names`, `categories`, `verbs`, `status`, `scale`, `subresource`, \
    `printer_column`, `selectable_fields`, `field`, `deprecated`, `storage_version`, \
    `conversion`, `schema`, `rule`, `crate`";

/// Top-level names an extra `field(...)` cannot take: the object's own members.
const RESERVED_FIELDS: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];

/// A parsed derive input: the model plus what the emitter needs that is not part of it.
pub struct Input<'a> {
    pub ident: &'a Ident,
    pub vis: &'a syn::Visibility,
    pub model: ResourceModel,
    /// The status type, when there is a status subresource.
    pub status: Option<syn::Type>,
    /// Top-level fields besides `metadata`, `spec` and the status subresource's `status`.
    pub fields: Vec<ExtraField>,
    /// The handler of each connect subresource, in the model's order.
    pub connect_handlers: Vec<syn::Path>,
    /// The function returning the object's schema, when `schema = path` replaces the one
    /// derived from the spec and status types.
    pub schema: Option<syn::Path>,
    /// Whether the object type converts to and from the storage version through its
    /// `krest::Convert` implementation (`conversion`).
    pub conversion: bool,
    /// The path of the runtime crate (`::krest` unless `crate = "..."`).
    pub krate: syn::Path,
}

/// A top-level field of the object declared with `field(name = Type)`: written and read with
/// the object through its main endpoints (a `status` without the status subresource, Argo CD's
/// `operation`).
pub struct ExtraField {
    /// The name in JSON, as written: `operation`, `lastSync`.
    pub json: String,
    /// The Rust field: the JSON name in snake case.
    pub ident: Ident,
    /// Its type; the field is an `Option` of it.
    pub ty: syn::Type,
}

/// Collects errors so that the user sees all of them at once (serde's `Ctxt`).
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }
}

/// Where each part of the model was written, for error spans.
#[derive(Default)]
struct Spans {
    group: Option<Span>,
    version: Option<Span>,
    kind: Option<Span>,
    plural: Option<Span>,
    singular: Option<Span>,
    short_names: Vec<Span>,
    categories: Vec<Span>,
    verbs: Option<Span>,
    scale: Option<Span>,
    connect: Vec<Span>,
    columns: Vec<Span>,
    selectable: Vec<Span>,
    storage_version: Option<Span>,
    conversion: Option<Span>,
}

/// The raw attribute values, before defaults.
#[derive(Default)]
struct Raw {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    plural: Option<String>,
    singular: Option<String>,
    scope: Option<(Scope, Span)>,
    short_names: Vec<Str>,
    categories: Vec<Str>,
    verbs: Option<VerbSet>,
    status: Option<syn::Type>,
    scale: Option<Scale>,
    connect: Vec<ConnectSubresource>,
    connect_handlers: Vec<syn::Path>,
    columns: Vec<PrinterColumn>,
    selectable: Vec<Str>,
    fields: Vec<ExtraField>,
    deprecated: Option<Option<String>>,
    storage_version: Option<String>,
    conversion: bool,
    schema: Option<syn::Path>,
    krate: Option<syn::Path>,
}

/// A derive input with mistakes: every error, and what could still be read of the input, from
/// which the derive emits a stand-in object type so that the mistakes are the only errors.
pub struct Failed<'a> {
    pub errors: syn::Error,
    /// What was read despite the errors (the model as far as it parsed); `None` when no object
    /// type can stand in (a generic spec).
    pub partial: Option<Box<Input<'a>>>,
}

impl<'a> Input<'a> {
    /// Parses and checks the derive input.
    pub fn from_syn(input: &'a DeriveInput) -> Result<Self, Failed<'a>> {
        let mut errors = Errors::default();
        match &input.data {
            Data::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {}
            _ => errors.at(
                input.ident.span(),
                "`Resource` can only be derived for a struct with named fields (the spec)",
            ),
        }
        if input.generics.params.iter().next().is_some() {
            errors.at(
                input.generics.span(),
                "`Resource` cannot be derived for a generic struct",
            );
        }

        let mut raw = Raw::default();
        let mut spans = Spans::default();
        let mut seen = HashSet::new();
        let mut attr_span = None;
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("resource")) {
            attr_span.get_or_insert(attr.path().span());
            let result = attr.parse_nested_meta(|meta| {
                parse_one(&meta, &mut raw, &mut spans, &mut seen, &mut errors)
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        let anchor = attr_span.unwrap_or_else(|| input.ident.span());
        if let Some(field) = raw.fields.iter().find(|f| f.json == "status") {
            if raw.status.is_some() {
                errors.at(
                    field.ident.span(),
                    "`status` is already the status subresource's field: use either `status = Type` (with the subresource) or `field(status = Type)` (without)",
                );
            }
        }

        let group = raw.group.clone().unwrap_or_else(|| {
            errors.at(anchor, "missing `group`: add `#[resource(group = \"example.com\")]` (an empty string is the core group)");
            String::new()
        });
        let version = raw.version.clone().unwrap_or_else(|| {
            errors.at(
                anchor,
                "missing `version`: add `#[resource(version = \"v1\")]`",
            );
            "v1".into()
        });
        let kind = match raw.kind.clone() {
            Some(kind) => kind,
            None => {
                let name = input.ident.to_string();
                match name.strip_suffix("Spec") {
                    Some(kind) if !kind.is_empty() => kind.to_string(),
                    _ => name,
                }
            }
        };
        let mut model = ResourceModel::new(group, version, kind);
        if let Some(plural) = raw.plural {
            model.plural = plural.into();
        }
        if let Some(singular) = raw.singular {
            model.singular = singular.into();
        }
        model.scope = raw.scope.map_or(Scope::Namespaced, |(scope, _)| scope);
        model.short_names = List::Owned(raw.short_names);
        model.categories = List::Owned(raw.categories);
        if let Some(verbs) = raw.verbs {
            model.verbs = verbs;
        }
        model.status = raw.status.is_some();
        model.scale = raw.scale;
        model.connect = List::Owned(raw.connect);
        model.printer_columns = List::Owned(raw.columns);
        model.selectable_fields = List::Owned(raw.selectable);
        if let Some(warning) = raw.deprecated {
            model.deprecated = true;
            model.deprecation_warning = warning.map(Str::from);
        }
        model.storage_version = raw.storage_version.map(Str::from);
        if let (Some(span), None) = (spans.conversion, &model.storage_version) {
            errors.at(
                span,
                "`conversion` converts to and from the storage version: \
                 add `storage_version = \"...\"` naming it (the storage version itself converts nothing)",
            );
        }

        // What kube-apiserver accepts (krest's warnings) the derive accepts too: generated code
        // reproduces CRDs that have them.
        for problem in check(&model).into_iter().filter(|p| p.is_error()) {
            let span = match problem.field {
                Field::Group => spans.group,
                Field::Version => spans.version,
                Field::Kind => spans.kind.or(Some(input.ident.span())),
                Field::Plural => spans.plural.or(spans.kind),
                Field::Singular => spans.singular.or(spans.kind),
                Field::ShortName(i) => spans.short_names.get(i).copied(),
                Field::Category(i) => spans.categories.get(i).copied(),
                Field::Verbs => spans.verbs,
                Field::Scale => spans.scale,
                Field::Connect(i) => spans.connect.get(i).copied(),
                Field::PrinterColumn(i) => spans.columns.get(i).copied(),
                Field::SelectableField(i) => spans.selectable.get(i).copied(),
                Field::StorageVersion => spans.storage_version,
            };
            errors.at(span.unwrap_or(anchor), problem.message);
        }
        check_paths(
            input,
            &model,
            raw.status.is_some(),
            &raw.fields,
            &spans,
            anchor,
            &mut errors,
        );

        let parsed = Input {
            ident: &input.ident,
            vis: &input.vis,
            model,
            status: raw.status,
            fields: raw.fields,
            connect_handlers: raw.connect_handlers,
            schema: raw.schema,
            conversion: raw.conversion,
            krate: raw.krate.unwrap_or_else(|| syn::parse_quote!(::krest)),
        };
        match errors.0 {
            None => Ok(parsed),
            Some(errors) => Err(Failed {
                errors,
                partial: input.generics.params.is_empty().then(|| Box::new(parsed)),
            }),
        }
    }
}

/// The paths the attributes name, against the fields the derive can see (`paths.rs`).
fn check_paths(
    input: &DeriveInput,
    model: &ResourceModel,
    status: bool,
    fields: &[ExtraField],
    spans: &Spans,
    anchor: Span,
    errors: &mut Errors,
) {
    let has_status = status || fields.iter().any(|f| f.json == "status");
    let mut top: Vec<String> = ["apiVersion", "kind", "metadata", "spec"]
        .map(String::from)
        .into();
    if has_status {
        top.push("status".into());
    }
    top.extend(
        fields
            .iter()
            .filter(|f| f.json != "status")
            .map(|f| f.json.clone()),
    );
    let visible = crate::paths::Visible {
        top,
        spec: crate::paths::spec_fields(input),
        spec_type: input.ident.to_string(),
        status: has_status,
    };
    let mut named: Vec<(&str, Option<Span>)> = Vec::new();
    if let Some(scale) = &model.scale {
        named.push((&scale.spec_replicas_path, spans.scale));
        // Without a status, `check` already says that `scale` needs one.
        if has_status {
            named.push((&scale.status_replicas_path, spans.scale));
            if let Some(selector) = &scale.label_selector_path {
                named.push((selector, spans.scale));
            }
        }
    }
    for (i, column) in model.printer_columns.iter().enumerate() {
        named.push((&column.json_path, spans.columns.get(i).copied()));
    }
    for (i, field) in model.selectable_fields.iter().enumerate() {
        named.push((field, spans.selectable.get(i).copied()));
    }
    for (path, span) in named {
        if let Some(message) = visible.check(path) {
            errors.at(span.unwrap_or(anchor), message);
        }
    }
}

/// Parses one `key = value` or `key(...)` of `#[resource(...)]`.
fn parse_one(
    meta: &ParseNestedMeta<'_>,
    raw: &mut Raw,
    spans: &mut Spans,
    seen: &mut HashSet<String>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
        return Err(meta.error(format!("unknown attribute; expected one of {ATTRIBUTES}")));
    };
    let span = meta.path.span();
    let repeatable = matches!(
        key.as_str(),
        "subresource" | "printer_column" | "field" | "selectable_fields" | "rule"
    );
    if !repeatable && !seen.insert(key.clone()) {
        errors.at(span, format!("`{key}` specified more than once"));
    }
    match key.as_str() {
        "group" => {
            let lit = string(meta)?;
            spans.group = Some(lit.span());
            raw.group = Some(lit.value());
        }
        "version" => {
            let lit = string(meta)?;
            spans.version = Some(lit.span());
            raw.version = Some(lit.value());
        }
        "kind" => {
            let lit = string(meta)?;
            spans.kind = Some(lit.span());
            raw.kind = Some(lit.value());
        }
        "plural" => {
            let lit = string(meta)?;
            spans.plural = Some(lit.span());
            raw.plural = Some(lit.value());
        }
        "singular" => {
            let lit = string(meta)?;
            spans.singular = Some(lit.span());
            raw.singular = Some(lit.value());
        }
        "namespaced" | "cluster" => {
            let scope = if key == "cluster" {
                Scope::Cluster
            } else {
                Scope::Namespaced
            };
            if let Some((other, _)) = raw.scope {
                if other != scope {
                    errors.at(
                        span,
                        "`namespaced` and `cluster` cannot both be set: a resource has one scope",
                    );
                }
            }
            raw.scope = Some((scope, span));
        }
        "short_names" | "categories" => {
            let mut names = Vec::new();
            let mut name_spans = Vec::new();
            list_of_strings(meta, &key, |lit| {
                name_spans.push(lit.span());
                names.push(Str::from(lit.value()));
            })?;
            if key == "short_names" {
                raw.short_names.extend(names);
                spans.short_names.extend(name_spans);
            } else {
                raw.categories.extend(names);
                spans.categories.extend(name_spans);
            }
        }
        "verbs" => {
            spans.verbs = Some(span);
            let mut verbs = VerbSet::EMPTY;
            meta.parse_nested_meta(|inner| {
                let name = inner
                    .path
                    .get_ident()
                    .map(Ident::to_string)
                    .unwrap_or_default();
                match Verb::parse(&name) {
                    Some(verb) if verbs.contains(verb) => {
                        errors.at(inner.path.span(), format!("verb `{name}` listed twice"))
                    }
                    Some(verb) => verbs = verbs.with(verb),
                    None => errors.at(
                        inner.path.span(),
                        format!(
                            "unknown verb `{name}`; expected one of {}",
                            Verb::ALL.map(|v| format!("`{v}`")).join(", ")
                        ),
                    ),
                }
                Ok(())
            })?;
            raw.verbs = Some(verbs);
        }
        "status" => {
            let value = meta.value()?;
            raw.status = Some(if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse()?
            } else {
                value.parse()?
            });
        }
        "scale" => {
            spans.scale = Some(span);
            raw.scale = Some(parse_scale(meta, errors)?);
        }
        "subresource" => {
            spans.connect.push(span);
            let (connect, handler) = parse_subresource(meta, span, errors)?;
            raw.connect.push(connect);
            raw.connect_handlers.push(handler);
        }
        "printer_column" => {
            spans.columns.push(span);
            raw.columns.push(parse_column(meta, span, errors)?);
        }
        "selectable_fields" => {
            list_of_strings(meta, &key, |lit| {
                spans.selectable.push(lit.span());
                raw.selectable.push(Str::from(lit.value()));
            })?;
        }
        "field" => {
            meta.parse_nested_meta(|inner| {
                let Some(name) = inner.path.get_ident() else {
                    return Err(
                        inner.error("`field` takes `name = Type`: `field(operation = Operation)`")
                    );
                };
                let json = name.to_string();
                let json = json.strip_prefix("r#").unwrap_or(&json).to_string();
                let ty = inner.value()?.parse::<syn::Type>()?;
                if RESERVED_FIELDS.contains(&json.as_str()) {
                    errors.at(
                        name.span(),
                        format!("`{json}` is a member of every object; `field` declares others"),
                    );
                } else if raw.fields.iter().any(|f| f.json == json) {
                    errors.at(name.span(), format!("field `{json}` is declared twice"));
                } else {
                    let ident = snake_case_ident(&json, name.span());
                    raw.fields.push(ExtraField { json, ident, ty });
                }
                Ok(())
            })?;
        }
        "deprecated" => {
            raw.deprecated = Some(if meta.input.peek(Token![=]) {
                Some(string(meta)?.value())
            } else {
                None
            });
        }
        "storage_version" => {
            let lit = string(meta)?;
            spans.storage_version = Some(lit.span());
            raw.storage_version = Some(lit.value());
        }
        "conversion" => {
            spans.conversion = Some(meta.path.span());
            raw.conversion = true;
        }
        "schema" => {
            raw.schema = Some(path_value(meta)?);
        }
        "crate" => {
            raw.krate = Some(string(meta)?.parse()?);
        }
        // Read, checked and emitted by `rules.rs`.
        "rule" if meta.input.peek(syn::token::Paren) => {
            let content;
            syn::parenthesized!(content in meta.input);
            content.parse::<proc_macro2::TokenStream>()?;
        }
        "rule" => skip_value(meta)?,
        _ => {
            errors.at(
                span,
                format!("unknown attribute `{key}`; expected one of {ATTRIBUTES}"),
            );
            skip_value(meta)?;
        }
    }
    Ok(())
}

/// The Rust identifier of a JSON field name, as generated types name theirs: `lastSync` is
/// `last_sync`, a keyword is raw.
fn snake_case_ident(json: &str, span: Span) -> Ident {
    let mut ident = syn::parse_str::<Ident>(&krest_codegen::field_ident(json))
        .unwrap_or_else(|_| Ident::new("field", span));
    ident.set_span(span);
    ident
}

/// Reads past the value of an attribute this parser does not need, or already reported as
/// unknown (`= expr` or `(...)`), so that the keys after it are still parsed and checked.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// `key = path::to::item` or `key = "path::to::item"`.
fn path_value(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse()
    } else {
        value.parse()
    }
}

fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// `key("a", "b")`.
fn list_of_strings(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    mut each: impl FnMut(LitStr),
) -> syn::Result<()> {
    let content;
    syn::parenthesized!(content in meta.input);
    let lits = content
        .parse_terminated(<LitStr as syn::parse::Parse>::parse, Token![,])
        .map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("`{key}` takes a list of strings: `{key}(\"a\", \"b\")`"),
            )
        })?;
    lits.into_iter().for_each(&mut each);
    Ok(())
}

fn parse_scale(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Scale> {
    let mut spec = None;
    let mut status = None;
    let mut selector = None;
    meta.parse_nested_meta(|inner| {
        let key = inner.path.get_ident().map(Ident::to_string).unwrap_or_default();
        let slot = match key.as_str() {
            "spec_replicas" => &mut spec,
            "status_replicas" => &mut status,
            "label_selector" => &mut selector,
            _ => {
                errors.at(
                    inner.path.span(),
                    format!("unknown `scale` attribute `{key}`; expected one of `spec_replicas`, `status_replicas`, `label_selector`"),
                );
                skip_value(&inner)?;
                return Ok(());
            }
        };
        if slot.is_some() {
            errors.at(inner.path.span(), format!("`{key}` specified more than once"));
        }
        *slot = Some(Str::from(string(&inner)?.value()));
        Ok(())
    })?;
    let span = meta.path.span();
    Ok(Scale {
        spec_replicas_path: spec.unwrap_or_else(|| {
            errors.at(span, "`scale` needs `spec_replicas = \".spec.replicas\"`");
            ".spec.replicas".into()
        }),
        status_replicas_path: status.unwrap_or_else(|| {
            errors.at(
                span,
                "`scale` needs `status_replicas = \".status.replicas\"`",
            );
            ".status.replicas".into()
        }),
        label_selector_path: selector,
    })
}

fn parse_subresource(
    meta: &ParseNestedMeta<'_>,
    span: Span,
    errors: &mut Errors,
) -> syn::Result<(ConnectSubresource, syn::Path)> {
    let mut name = None;
    let mut methods = Vec::new();
    let mut subpath = false;
    let mut handler = None;
    meta.parse_nested_meta(|inner| {
        let key = inner.path.get_ident().map(Ident::to_string).unwrap_or_default();
        match key.as_str() {
            "name" => name = Some(string(&inner)?.value()),
            "subpath" => subpath = true,
            "handler" => handler = Some(path_value(&inner)?),
            "methods" => inner.parse_nested_meta(|m| {
                let text = m.path.get_ident().map(Ident::to_string).unwrap_or_default();
                match Method::parse(&text) {
                    Some(method) => methods.push(method),
                    None => errors.at(
                        m.path.span(),
                        format!(
                            "unknown method `{text}`; expected one of {}",
                            Method::ALL.map(|m| format!("`{m}`")).join(", ")
                        ),
                    ),
                }
                Ok(())
            })?,
            _ => {
                errors.at(
                    inner.path.span(),
                    format!("unknown `subresource` attribute `{key}`; expected one of `name`, `methods`, `subpath`, `handler`"),
                );
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    let name = name.unwrap_or_else(|| {
        errors.at(span, "`subresource` needs `name = \"...\"`");
        "unnamed".into()
    });
    let handler = handler.unwrap_or_else(|| {
        errors.at(span, "`subresource` needs `handler = path::to::async_fn`");
        syn::parse_quote!(missing_handler)
    });
    Ok((
        ConnectSubresource {
            name: name.into(),
            methods: List::Owned(methods),
            subpath,
        },
        handler,
    ))
}

fn parse_column(
    meta: &ParseNestedMeta<'_>,
    span: Span,
    errors: &mut Errors,
) -> syn::Result<PrinterColumn> {
    let mut column = PrinterColumn {
        name: Str::Borrowed(""),
        type_: Str::Borrowed("string"),
        format: Str::Borrowed(""),
        json_path: Str::Borrowed(""),
        priority: 0,
        description: Str::Borrowed(""),
    };
    let mut has = HashSet::new();
    meta.parse_nested_meta(|inner| {
        let key = inner.path.get_ident().map(Ident::to_string).unwrap_or_default();
        if !has.insert(key.clone()) {
            errors.at(inner.path.span(), format!("`{key}` specified more than once"));
        }
        match key.as_str() {
            "name" => column.name = string(&inner)?.value().into(),
            "type" => column.type_ = string(&inner)?.value().into(),
            "format" => column.format = string(&inner)?.value().into(),
            "json_path" => column.json_path = string(&inner)?.value().into(),
            "description" => column.description = string(&inner)?.value().into(),
            "priority" => column.priority = inner.value()?.parse::<LitInt>()?.base10_parse()?,
            _ => {
                errors.at(
                    inner.path.span(),
                    format!("unknown `printer_column` attribute `{key}`; expected one of `name`, `type`, `json_path`, `priority`, `description`, `format`"),
                );
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    for (required, add) in [
        ("name", "`name = \"Color\"`"),
        (
            "type",
            "`type = \"string\"` (or `integer`, `number`, `boolean`, `date`: kubectl formats the cell by it)",
        ),
        ("json_path", "`json_path = \".spec.color\"`"),
    ] {
        if !has.contains(required) {
            errors.at(
                span,
                format!("`printer_column` needs `{required}`: add {add}"),
            );
        }
    }
    Ok(column)
}
