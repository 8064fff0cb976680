//! Rust names for schema names: `dnsNames` gives the field `dns_names`, `privateKey` the type
//! part `PrivateKey`, `type` the field `r#type`.

// Only `field_ident` is used without the YAML front end (by the derive).
#![cfg_attr(not(feature = "yaml"), allow(dead_code))]

/// Rust's strict and reserved keywords (2015 to 2024 editions), which need escaping as idents.
const KEYWORDS: [&str; 51] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual",
];

/// Keywords that cannot be raw identifiers (`r#self` is not allowed): these get a `_` suffix.
const NOT_RAW: [&str; 4] = ["crate", "self", "Self", "super"];

/// Whether `s` is a keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s) || s == "yield"
}

/// The words of a name: split at anything not alphanumeric and at case changes, so that
/// `dnsNames`, `dns_names` and `DNSNames` all give `dns` and `names`.
fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_uppercase() && !word.is_empty() {
            let prev = chars[i - 1];
            // A plural acronym (`URIs`, `podIPs`) keeps its `s`.
            let plural_s = chars.get(i + 1) == Some(&'s')
                && chars.get(i + 2).is_none_or(|n| !n.is_lowercase());
            let next_lower = !plural_s && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // `dnsNames` splits before `N`; `DNSNames` before the `N` of `Names`.
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// `UpperCamelCase` of `s`, ASCII only: `privateKey` gives `PrivateKey`, `GET` gives `Get`,
/// `http/1.1` gives `Http11`. Characters outside ASCII are dropped.
pub fn upper_camel(s: &str) -> String {
    let mut out = String::new();
    for word in words(s) {
        let mut chars = word.chars().filter(char::is_ascii_alphanumeric);
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// `UpperCamelCase` that keeps each word's inner capitals (`URIs` stays `URIs`): for type names
/// built from property names, which read better unchanged.
pub fn type_part(s: &str) -> String {
    let mut out = String::new();
    for word in words(s) {
        let mut chars = word.chars().filter(char::is_ascii_alphanumeric);
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// `snake_case` of `s`, ASCII only: `dnsNames` gives `dns_names`, `podIP` gives `pod_ip`.
pub fn snake(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// A field identifier for the property `name`: snake case, keywords escaped (`r#type`, or
/// `self_` where a raw identifier is not allowed), a leading digit or nothing prefixed with
/// `field_`.
pub fn field_ident(name: &str) -> String {
    let snake = snake(name);
    if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("field_{snake}");
    }
    escape(snake)
}

/// `s` made usable as an identifier when it is a keyword.
pub fn escape(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if is_keyword(&s) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Whether `s` is a plain (non-keyword) Rust identifier.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s != "_"
        && !is_keyword(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("dnsNames"), "dns_names");
        assert_eq!(snake("podIP"), "pod_ip");
        assert_eq!(snake("HTTPRoute"), "http_route");
        assert_eq!(snake("URIs"), "uris");
        assert_eq!(snake("podIPs"), "pod_ips");
        assert_eq!(snake("DNSNames"), "dns_names");
        assert_eq!(snake("x-kubernetes"), "x_kubernetes");
        assert_eq!(snake("ipv4Address"), "ipv4_address");
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(field_ident("$ref"), "r#ref");
        assert_eq!(field_ident("1x"), "field_1x");
        assert_eq!(field_ident("@"), "field_");
        assert_eq!(upper_camel("GET"), "Get");
        assert_eq!(upper_camel("PathPrefix"), "PathPrefix");
        assert_eq!(upper_camel("http/1.1"), "Http11");
        assert_eq!(upper_camel("Ed25519"), "Ed25519");
        assert_eq!(type_part("privateKey"), "PrivateKey");
        assert_eq!(type_part("URIs"), "URIs");
        assert!(is_ident("Foo_1"));
        assert!(!is_ident("1foo"));
        assert!(!is_ident("type"));
    }
}
