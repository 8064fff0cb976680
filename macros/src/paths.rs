//! The paths `#[resource(...)]` names (`scale`'s replicas and selector, printer columns,
//! selectable fields), checked against what the derive can see: the object's top-level fields
//! and the spec's own fields, by their JSON names (serde's `rename` and `rename_all`). A path
//! further in (`.status.readyReplicas`, `.spec.template.replicas`) goes through types the derive
//! cannot see; `Server::build` checks those against the schema.

use syn::{Data, DeriveInput, Fields, LitStr, Token};

/// What a path may start with, and the spec's JSON field names when they are known (`None`
/// when a `flatten` or an unusual serde attribute hides them).
pub struct Visible {
    pub top: Vec<String>,
    pub spec: Option<Vec<String>>,
    /// The spec type's name, for messages.
    pub spec_type: String,
    /// Whether the object has a `status` (the subresource or a `field(status = ...)`).
    pub status: bool,
}

impl Visible {
    /// The mistake in `path`, if the derive can see one: a message saying what to write.
    pub fn check(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix('.')?;
        let mut segments = rest.split(['.', '[']);
        let first = segments.next()?;
        if first == "status" && !self.status {
            return Some(format!(
                "`{path}`: the object has no `status`; add `status = StatusType` (the status subresource) or `field(status = StatusType)`"
            ));
        }
        if !self.top.iter().any(|t| t == first) {
            return Some(format!(
                "`{path}`: the object has no field `{first}`; a path starts with one of {}",
                quoted(&self.top)
            ));
        }
        let (Some(spec), "spec", Some(field)) = (&self.spec, first, segments.next()) else {
            return None;
        };
        (!spec.iter().any(|f| f == field)).then(|| {
            format!(
                "`{path}`: `{}` has no field `{field}` in JSON; its fields are {}",
                self.spec_type,
                quoted(spec)
            )
        })
    }
}

fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON names of the spec's fields, or `None` when they cannot be known from the struct.
pub fn spec_fields(input: &DeriveInput) -> Option<Vec<String>> {
    Some(
        serde_fields(input)?
            .into_iter()
            .map(|(name, _, _)| name)
            .collect(),
    )
}

/// The fields of the spec struct serde reads and writes: JSON name (serde's `rename` and
/// `rename_all` applied), index among the struct's fields, and the field; skipped fields left
/// out. `None` when the names cannot be known (not a struct of named fields, a flattened field,
/// a `rename` or `rename_all` for one direction only).
pub(crate) fn serde_fields(input: &DeriveInput) -> Option<Vec<(String, usize, &syn::Field)>> {
    let Data::Struct(data) = &input.data else {
        return None;
    };
    let Fields::Named(fields) = &data.fields else {
        return None;
    };
    let mut rename_all = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") && meta.input.peek(Token![=]) {
                rename_all = Some(meta.value()?.parse::<LitStr>()?.value());
                Ok(())
            } else if meta.path.is_ident("rename_all") {
                // `rename_all(serialize = ..)`: not followed.
                Err(meta.error("unsupported"))
            } else {
                crate::attr::skip_value(&meta)
            }
        })
        .ok()?;
    }
    let mut out = Vec::new();
    for (i, field) in fields.named.iter().enumerate() {
        let ident = field.ident.as_ref()?.to_string();
        let ident = ident.strip_prefix("r#").unwrap_or(&ident).to_string();
        let mut name = None;
        let mut skipped = false;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") && meta.input.peek(Token![=]) {
                    name = Some(meta.value()?.parse::<LitStr>()?.value());
                    Ok(())
                } else if meta.path.is_ident("flatten") || meta.path.is_ident("rename") {
                    Err(meta.error("unsupported"))
                } else {
                    if meta.path.is_ident("skip") {
                        skipped = true;
                    }
                    crate::attr::skip_value(&meta)
                }
            })
            .ok()?;
        }
        if skipped {
            continue;
        }
        let name = match (name, &rename_all) {
            (Some(name), _) => name,
            (None, None) => ident,
            (None, Some(rule)) => rename(&ident, rule)?,
        };
        out.push((name, i, field));
    }
    Some(out)
}

/// serde's `rename_all` applied to a snake_case field name.
pub(crate) fn rename(field: &str, rule: &str) -> Option<String> {
    let pascal: String = field
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    Some(match rule {
        "lowercase" | "snake_case" => field.to_string(),
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => field.to_ascii_uppercase(),
        "PascalCase" => pascal,
        "camelCase" => {
            let mut chars = pascal.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_lowercase().to_string() + chars.as_str()
            })
        }
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.replace('_', "-").to_ascii_uppercase(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_follow_serde() {
        let input: DeriveInput = syn::parse_quote! {
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct S {
                ready_replicas: i32,
                #[serde(rename = "x-y", default)]
                other: i32,
                #[serde(skip)]
                hidden: i32,
                r#type: String,
            }
        };
        assert_eq!(
            spec_fields(&input).unwrap(),
            ["readyReplicas", "x-y", "type"]
        );
        let flattened: DeriveInput = syn::parse_quote! {
            struct S { #[serde(flatten)] rest: Map }
        };
        assert_eq!(spec_fields(&flattened), None);
        assert_eq!(rename("a_b", "PascalCase").as_deref(), Some("AB"));
        assert_eq!(rename("a_b", "kebab-case").as_deref(), Some("a-b"));
    }

    #[test]
    fn paths_say_what_is_wrong() {
        let visible = Visible {
            top: vec!["metadata".into(), "spec".into()],
            spec: Some(vec!["color".into()]),
            spec_type: "WidgetSpec".into(),
            status: false,
        };
        assert_eq!(visible.check(".spec.color"), None);
        assert_eq!(visible.check(".metadata.name"), None);
        assert!(visible
            .check(".spec.replicas")
            .unwrap()
            .contains("`WidgetSpec` has no field `replicas`"));
        assert!(visible
            .check(".status.ready")
            .unwrap()
            .contains("add `status = StatusType`"));
        assert!(visible
            .check(".sepc.color")
            .unwrap()
            .contains("no field `sepc`"));
    }
}
