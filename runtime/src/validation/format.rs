//! The string formats of apimachinery's `pkg/util/validation` and `pkg/api/validate/content`:
//! DNS-1123 labels and subdomains, qualified names (label keys) and label values. Each check
//! returns what is wrong, in Kubernetes' words, or nothing.

/// The longest object name (a DNS-1123 subdomain).
const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// The longest namespace name (a DNS-1123 label), label key name part and label value.
const DNS1123_LABEL_MAX: usize = 63;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// How a "too long" message counts: apimachinery's older helpers say `characters`, the
/// `content` package (label keys and values) says `bytes`. Both count bytes.
#[derive(Clone, Copy)]
enum Unit {
    Characters,
    Bytes,
}

fn max_len_error(max: usize, unit: Unit) -> String {
    match unit {
        Unit::Characters => format!("must be no more than {max} characters"),
        Unit::Bytes => format!("must be no more than {max} bytes"),
    }
}

/// `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`, spaces included.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let examples: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{fmt}')",
        examples.join(" or ")
    )
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns_subdomain_text(value: &str) -> bool {
    value.split('.').all(crate::codegen::is_dns_label_pattern)
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_name_text(value: &str) -> bool {
    let bytes = value.as_bytes();
    let edge = |b: &u8| b.is_ascii_alphanumeric();
    bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes
            .iter()
            .all(|b| edge(b) || matches!(b, b'-' | b'_' | b'.'))
}

fn dns1123_subdomain(value: &str, unit: Unit) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX, unit));
    }
    if !is_dns_subdomain_text(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// What is wrong with `value` as a DNS-1123 subdomain (`IsDNS1123Subdomain`): at most 253
/// characters of lower-case alphanumerics, `-` and `.`. Empty when it is valid.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain(value, Unit::Characters)
}

/// What is wrong with `value` as a DNS-1123 label (`IsDNS1123Label`): at most 63 characters
/// of lower-case alphanumerics and `-`. Empty when it is valid.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX, Unit::Characters));
    }
    if !crate::codegen::is_dns_label_pattern(value) {
        if is_dns_subdomain_text(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// What is wrong with `value` as a qualified name, the format of label and annotation keys and
/// finalizers (`IsQualifiedName`): an optional DNS subdomain prefix and `/`, then a name of at
/// most 63 alphanumerics, `-`, `_` and `.`. Empty when it is valid.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let name_examples = ["MyName", "my.name", "123-abc"];
    let mut errs = Vec::new();
    let mut parts = value.split('/');
    let (prefix, name) = match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, _) => (None, name),
        (Some(prefix), Some(name), None) => (Some(prefix), name),
        _ => {
            return vec![format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &name_examples)
            )]
        }
    };
    match prefix {
        Some("") => errs.push("prefix part must be non-empty".to_string()),
        Some(prefix) => errs.extend(
            dns1123_subdomain(prefix, Unit::Bytes)
                .into_iter()
                .map(|msg| format!("prefix part {msg}")),
        ),
        None => {}
    }
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "name part {}",
            max_len_error(DNS1123_LABEL_MAX, Unit::Bytes)
        ));
    }
    if !is_label_name_text(name) {
        errs.push(format!(
            "name part {}",
            regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &name_examples)
        ));
    }
    errs
}

/// What is wrong with `value` as a label value (`IsValidLabelValue`): empty, or at most 63
/// alphanumerics, `-`, `_` and `.` that start and end with an alphanumeric. Empty when it is
/// valid.
pub fn is_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX, Unit::Bytes));
    }
    if !value.is_empty() && !is_label_name_text(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const NAME_PART_ERR: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    #[test]
    fn qualified_names() {
        for key in [
            "a",
            "A",
            "a.b_c-D",
            "example.com/a",
            "a.b/C",
            &format!("{}/x", "a".repeat(253)),
        ] {
            assert!(is_qualified_name(key).is_empty(), "{key}");
        }
        assert_eq!(is_qualified_name("-a"), [NAME_PART_ERR]);
        assert_eq!(is_qualified_name("/a"), ["prefix part must be non-empty"]);
        assert_eq!(
            is_qualified_name("a/"),
            [
                "name part must be non-empty".to_string(),
                NAME_PART_ERR.to_string()
            ]
        );
        assert_eq!(
            is_qualified_name(&"a".repeat(64)),
            ["name part must be no more than 63 bytes"]
        );
        assert_eq!(
            is_qualified_name("Example.com/a"),
            [format!("prefix part {SUBDOMAIN_ERR}")]
        );
        assert_eq!(
            is_qualified_name(&format!("{}/a", "a".repeat(254))),
            ["prefix part must be no more than 253 bytes"]
        );
        assert_eq!(
            is_qualified_name("a/b/c"),
            ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        );
    }

    #[test]
    fn label_values() {
        for value in ["", "a", "A_b.c-9", &"v".repeat(63)] {
            assert!(is_label_value(value).is_empty(), "{value}");
        }
        assert_eq!(
            is_label_value("-a"),
            ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
        );
        assert_eq!(
            is_label_value(&"v".repeat(64)),
            ["must be no more than 63 bytes"]
        );
        assert_eq!(is_label_value(&format!("{}-", "v".repeat(64))).len(), 2);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn checks_never_panic(text in any::<String>()) {
                let _ = is_dns1123_subdomain(&text);
                let _ = is_dns1123_label(&text);
                let _ = is_qualified_name(&text);
                let _ = is_label_value(&text);
            }
        }
    }
}
