//! Field selectors: the grammar and the matching of apimachinery's `fields.ParseSelector`.

use std::fmt;

use serde_json::Value;

use crate::status::Status;

/// How a [`FieldRequirement`] compares a field to its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldOperator {
    /// `field=value` or `field==value`.
    Equals,
    /// `field!=value`.
    NotEquals,
}

/// One term of a [`FieldSelector`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    field: String,
    operator: FieldOperator,
    value: String,
}

impl FieldRequirement {
    /// The field's dotted path: `metadata.name`, `spec.color`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The operator.
    pub fn operator(&self) -> FieldOperator {
        self.operator
    }

    /// The value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    fn matches(&self, object: &Value) -> bool {
        let actual = field_text(object, &self.field);
        match self.operator {
            FieldOperator::Equals => actual == self.value,
            FieldOperator::NotEquals => actual != self.value,
        }
    }
}

/// `field=value` or `field!=value`, the value escaped as `fields.EscapeValue` does.
impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operator = match self.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(f, "{}{operator}{}", self.field, escape_value(&self.value))
    }
}

/// A parsed `fieldSelector`: terms that must all hold. The empty selector matches everything.
///
/// ```
/// use krest::selectors::FieldSelector;
/// use serde_json::json;
///
/// let selector = FieldSelector::parse("metadata.name=a\\,b,spec.size!=3").unwrap();
/// assert!(selector.check_fields(&["metadata.name", "spec.size"]).is_ok());
/// assert!(selector.matches(&json!({"metadata": {"name": "a,b"}, "spec": {"size": 2}})));
/// assert_eq!(selector.exact_name(), Some("a,b"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    /// Sorted by their canonical text, so that printing and parsing again is the identity.
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses a comma-separated list of `field=value`, `field==value` and `field!=value`
    /// terms, as `fields.ParseSelector` does: `\,`, `\=` and `\\` (and, beyond Kubernetes,
    /// `\!`) escape those characters in values; nothing is trimmed. A malformed term is a 400.
    pub fn parse(text: &str) -> Result<FieldSelector, Status> {
        let mut terms = split_terms(text);
        terms.sort_unstable();
        let mut requirements = Vec::new();
        for term in terms.into_iter().filter(|t| !t.is_empty()) {
            let Some((field, operator, raw)) = split_term(term) else {
                return Err(Status::bad_request(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                )));
            };
            let value = unescape_value(raw).map_err(Status::bad_request)?;
            // Kubernetes drops a term with neither field nor value (`=`).
            if field.is_empty() && value.is_empty() {
                continue;
            }
            requirements.push(FieldRequirement {
                field: field.to_string(),
                operator,
                value,
            });
        }
        requirements.sort_by_cached_key(ToString::to_string);
        Ok(FieldSelector { requirements })
    }

    /// Whether the selector has no term, so matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The terms, in canonical order.
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// Checks that every field is one the kind can be selected by; the first that is not is a
    /// 400 `field label not supported: spec.x`, as for a custom resource. Custom resources
    /// allow `metadata.name`, `metadata.namespace` when namespaced, and their selectable
    /// fields.
    pub fn check_fields(&self, allowed: &[&str]) -> Result<(), Status> {
        match self
            .requirements
            .iter()
            .find(|r| !allowed.contains(&r.field.as_str()))
        {
            Some(r) => Err(Status::bad_request(format!(
                "field label not supported: {}",
                r.field
            ))),
            None => Ok(()),
        }
    }

    /// Whether `object` satisfies every term. Fields are read by their dotted path and
    /// compared as text: strings as they are, numbers and booleans as JSON prints them, and
    /// anything else, a missing field included, as the empty string.
    pub fn matches(&self, object: &Value) -> bool {
        self.requirements.iter().all(|r| r.matches(object))
    }

    /// The value an equality term (`field=value` or `field==value`) pins `field` to, if any.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator == FieldOperator::Equals)
            .map(|r| r.value.as_str())
    }

    /// The name a `metadata.name=X` term pins, as when kubectl watches a single object.
    pub fn exact_name(&self) -> Option<&str> {
        self.requires_exact_match("metadata.name")
    }
}

/// The canonical form: terms sorted, joined by `,`, values escaped (`a=x\,y,b!=z`); it parses
/// back to the same selector.
impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

/// The field at a dotted path as text; `""` when missing or not a scalar.
fn field_text(object: &Value, path: &str) -> String {
    let mut value = object;
    for segment in path.split('.') {
        match value.get(segment) {
            Some(inner) => value = inner,
            None => return String::new(),
        }
    }
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}

/// Splits on commas that are not escaped by a backslash.
fn split_terms(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            terms.push(&text[start..i]);
            start = i + 1;
        }
    }
    terms.push(&text[start..]);
    terms
}

/// Splits a term at its first operator: at each position `!=`, then `==`, then `=`.
fn split_term(term: &str) -> Option<(&str, FieldOperator, &str)> {
    let operators = [
        ("!=", FieldOperator::NotEquals),
        ("==", FieldOperator::Equals),
        ("=", FieldOperator::Equals),
    ];
    term.char_indices().find_map(|(i, _)| {
        let rest = &term[i..];
        operators.iter().find_map(|(text, operator)| {
            rest.strip_prefix(text)
                .map(|value| (&term[..i], *operator, value))
        })
    })
}

/// Resolves backslash escapes; an unknown escape, a trailing backslash or a bare `=` is an
/// error worded as apimachinery's.
fn unescape_value(raw: &str) -> Result<String, String> {
    if !raw.contains(['\\', ',', '=']) {
        return Ok(raw.to_string());
    }
    let mut value = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('\\' | ',' | '=' | '!')) => value.push(escaped),
                Some(other) => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{other}"
                    ))
                }
                None => return Err("invalid field selector: invalid escape sequence: \\".into()),
            },
            // apimachinery prints the rune with %v, that is as its code point.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    u32::from(c)
                ))
            }
            c => value.push(c),
        }
    }
    Ok(value)
}

/// Escapes `\`, `,` and `=` as `fields.EscapeValue` does.
fn escape_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(text: &str) -> FieldSelector {
        FieldSelector::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn error(text: &str) -> String {
        let status = FieldSelector::parse(text).expect_err(text);
        assert_eq!(
            (status.code, status.reason),
            (400, "BadRequest"),
            "{text:?}"
        );
        status.message
    }

    fn terms(selector: &FieldSelector) -> Vec<(&str, FieldOperator, &str)> {
        selector
            .requirements()
            .iter()
            .map(|r| (r.field(), r.operator(), r.value()))
            .collect()
    }

    #[test]
    fn empty_selectors_match_everything() {
        for text in ["", ",", ",,", "=", "!=", "==,="] {
            let selector = parse(text);
            assert!(selector.is_empty(), "{text:?}");
            assert!(selector.matches(&json!({})));
            assert_eq!(selector.to_string(), "");
            assert_eq!(selector.exact_name(), None);
        }
    }

    #[test]
    fn operators_parse() {
        use FieldOperator::{Equals, NotEquals};
        assert_eq!(terms(&parse("a=b")), [("a", Equals, "b")]);
        assert_eq!(terms(&parse("a==b")), [("a", Equals, "b")]);
        assert_eq!(terms(&parse("a!=b")), [("a", NotEquals, "b")]);
        assert_eq!(terms(&parse("a=")), [("a", Equals, "")]);
        assert_eq!(terms(&parse("=b")), [("", Equals, "b")]);
        assert_eq!(terms(&parse("a=!b")), [("a", Equals, "!b")]);
        assert_eq!(terms(&parse("a!b=c")), [("a!b", Equals, "c")]);
        assert_eq!(
            terms(&parse("b=2,a!=1,")),
            [("a", NotEquals, "1"), ("b", Equals, "2")]
        );
        // Nothing is trimmed.
        assert_eq!(terms(&parse(" a = b ")), [(" a ", Equals, " b ")]);
    }

    #[test]
    fn escapes_in_values() {
        let selector = parse(r"metadata.name=a\,b\=c\\d\!e");
        assert_eq!(selector.exact_name(), Some(r"a,b=c\d!e"));
        assert_eq!(selector.to_string(), r"metadata.name=a\,b\=c\\d!e");
        assert_eq!(parse(&selector.to_string()), selector);
        assert_eq!(
            terms(&parse(r"a!=\=")),
            [("a", FieldOperator::NotEquals, "=")]
        );
    }

    #[test]
    fn errors_are_worded_as_kubernetes() {
        assert_eq!(
            error("a=b,c"),
            "invalid selector: 'a=b,c'; can't understand 'c'"
        );
        assert_eq!(
            error("metadata.name"),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'"
        );
        assert_eq!(
            error(r"a=b\x"),
            r"invalid field selector: invalid escape sequence: \x"
        );
        assert_eq!(
            error(r"a=b\"),
            r"invalid field selector: invalid escape sequence: \"
        );
        assert_eq!(
            error("a=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            error("a!==b"),
            "invalid field selector: unescaped character in value: 61"
        );
    }

    #[test]
    fn unsupported_fields_are_rejected() {
        let allowed = ["metadata.name", "metadata.namespace"];
        assert!(parse("metadata.name=a,metadata.namespace!=b")
            .check_fields(&allowed)
            .is_ok());
        assert!(parse("").check_fields(&[]).is_ok());
        let status = parse("spec.x=1,metadata.name=a")
            .check_fields(&allowed)
            .unwrap_err();
        assert_eq!(status.code, 400);
        assert_eq!(status.reason, "BadRequest");
        assert_eq!(status.message, "field label not supported: spec.x");
        let status = parse("metadata.namespace=a")
            .check_fields(&["metadata.name"])
            .unwrap_err();
        assert_eq!(
            status.message,
            "field label not supported: metadata.namespace"
        );
    }

    #[test]
    fn matching_reads_dotted_paths() {
        let object = json!({
            "metadata": {"name": "a", "namespace": "ns"},
            "spec": {"size": 3, "on": true, "tags": ["x"], "nothing": null, "nested": {"k": "v"}},
        });
        let cases = [
            ("metadata.name=a", true),
            ("metadata.name==a", true),
            ("metadata.name!=a", false),
            ("metadata.name=b", false),
            ("metadata.namespace=ns,metadata.name=a", true),
            ("metadata.namespace=ns,metadata.name=b", false),
            ("spec.size=3", true),
            ("spec.on=true", true),
            ("spec.nested.k=v", true),
            ("spec.tags=", true),
            ("spec.nothing=", true),
            ("spec.missing=", true),
            ("spec.missing!=", false),
            ("spec.missing!=x", true),
            ("status.phase=Running", false),
            ("metadata.name.deeper=", true),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).matches(&object), expected, "{text}");
        }
    }

    #[test]
    fn exact_name_needs_equality() {
        assert_eq!(parse("metadata.name=a").exact_name(), Some("a"));
        assert_eq!(parse("metadata.name==a,spec.x=1").exact_name(), Some("a"));
        assert_eq!(parse("metadata.name!=a").exact_name(), None);
        assert_eq!(parse("metadata.namespace=a").exact_name(), None);
        assert_eq!(
            parse("metadata.namespace=ns,metadata.name=a")
                .requires_exact_match("metadata.namespace"),
            Some("ns")
        );
    }

    #[test]
    fn display_is_canonical() {
        let cases = [
            ("b==1,a!=2", "a!=2,b=1"),
            (r"a=x\,y", r"a=x\,y"),
            (r"a=\!", "a=!"),
            ("a=1,a=1", "a=1,a=1"),
        ];
        for (text, canonical) in cases {
            let selector = parse(text);
            assert_eq!(selector.to_string(), canonical, "{text}");
            assert_eq!(parse(canonical), selector, "{text}");
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn requirement() -> impl Strategy<Value = (String, FieldOperator, String)> {
            (
                "[a-z]{1,6}(\\.[a-zA-Z]{1,6}){0,2}",
                prop_oneof![Just(FieldOperator::Equals), Just(FieldOperator::NotEquals)],
                any::<String>(),
            )
        }

        proptest! {
            #[test]
            fn parse_never_panics(text in any::<String>()) {
                let _ = FieldSelector::parse(&text);
            }

            #[test]
            fn whatever_parses_round_trips(text in prop_oneof![
                "[ab.=!,\\\\x ]{0,24}",
                prop::collection::vec(
                    prop::sample::select(&[
                        "a", "b.c", "=", "==", "!=", "!", ",", "\\", "\\,", "\\=", "\\\\", "\\!", "x", " ", "é",
                    ][..]),
                    0..12,
                ).prop_map(|t| t.concat()),
            ]) {
                match FieldSelector::parse(&text) {
                    Ok(selector) => {
                        let printed = selector.to_string();
                        prop_assert_eq!(FieldSelector::parse(&printed), Ok(selector), "{:?} printed as {:?}", text, printed);
                    }
                    Err(status) => prop_assert_eq!(status.code, 400),
                }
            }

            #[test]
            fn escaped_values_survive(requirements in prop::collection::vec(requirement(), 0..5)) {
                let text: Vec<String> = requirements
                    .iter()
                    .map(|(field, operator, value)| {
                        let operator = if *operator == FieldOperator::Equals { "=" } else { "!=" };
                        format!("{field}{operator}{}", escape_value(value))
                    })
                    .collect();
                let selector = FieldSelector::parse(&text.join(","));
                prop_assert!(selector.is_ok(), "{:?}", selector);
                let selector = selector.unwrap();
                let mut expected: Vec<(&str, FieldOperator, &str)> = requirements
                    .iter()
                    .map(|(f, o, v)| (f.as_str(), *o, v.as_str()))
                    .collect();
                let mut actual = terms(&selector);
                expected.sort_unstable_by_key(|t| format!("{t:?}"));
                actual.sort_unstable_by_key(|t| format!("{t:?}"));
                prop_assert_eq!(actual, expected);
                prop_assert_eq!(FieldSelector::parse(&selector.to_string()), Ok(selector));
            }

            #[test]
            fn matching_compares_text(value in "[a-z0-9]{0,4}", other in "[a-z0-9]{0,4}") {
                let object = json!({"spec": {"v": value}});
                let eq = parse(&format!("spec.v={other}"));
                let ne = parse(&format!("spec.v!={other}"));
                prop_assert_eq!(eq.matches(&object), value == other);
                prop_assert_eq!(ne.matches(&object), value != other);
            }
        }
    }
}
