//! The named formats of `format.<name>().validate(value)`, with apimachinery's messages.

/// `dns1123Label`'s pattern and message.
const DNS1123_LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// The problems of `value` in `format`; empty when it is valid.
pub(super) fn validate(format: &str, value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let max = |n: usize, errors: &mut Vec<String>| {
        if value.len() > n {
            errors.push(format!("must be no more than {n} characters"));
        }
    };
    // A prefix (a generateName) may end in '-': checked as if a character followed.
    let prefixed;
    let value_for = |prefix: bool| -> &str {
        if prefix && value.ends_with('-') {
            &value[..value.len() - 1]
        } else {
            value
        }
    };
    match format {
        "dns1123Label" | "dns1123LabelPrefix" => {
            max(63, &mut errors);
            prefixed = value_for(format.ends_with("Prefix"));
            if !(label(prefixed, false) || prefixed.is_empty() && format.ends_with("Prefix")) {
                errors.push(DNS1123_LABEL.into());
            }
        }
        "dns1123Subdomain" | "dns1123SubdomainPrefix" => {
            max(253, &mut errors);
            prefixed = value_for(format.ends_with("Prefix"));
            if !prefixed.split('.').all(|l| label(l, false)) {
                errors.push(DNS1123_SUBDOMAIN.into());
            }
        }
        "dns1035Label" | "dns1035LabelPrefix" => {
            max(63, &mut errors);
            prefixed = value_for(format.ends_with("Prefix"));
            if !label(prefixed, true) {
                errors.push(DNS1035_LABEL.into());
            }
        }
        "qualifiedName" => {
            let (prefix, name) = match value.rsplit_once('/') {
                Some((p, n)) => (Some(p), n),
                None => (None, value),
            };
            if let Some(prefix) = prefix {
                if prefix.is_empty() {
                    errors.push("prefix part must be non-empty".into());
                } else if !prefix.split('.').all(|l| label(l, false)) {
                    errors.push(format!("prefix part {DNS1123_SUBDOMAIN}"));
                }
            }
            if name.is_empty() {
                errors.push("name part must be non-empty".into());
            } else {
                if name.len() > 63 {
                    errors.push("name part must be no more than 63 characters".into());
                }
                if !qualified(name) {
                    errors.push(QUALIFIED_NAME.into());
                }
            }
        }
        "labelValue" => {
            max(63, &mut errors);
            if !value.is_empty() && !qualified(value) {
                errors.push(LABEL_VALUE.into());
            }
        }
        "uri" => {
            if super::Url::parse(value).is_err() {
                errors.push("invalid URI".into());
            }
        }
        "uuid" => {
            let groups: Vec<&str> = value.split('-').collect();
            let lengths = [8, 4, 4, 4, 12];
            let ok = groups.len() == 5
                && groups
                    .iter()
                    .zip(lengths)
                    .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
            if !ok {
                errors.push("does not match the UUID format".into());
            }
        }
        "byte" => {
            let ok = value.len().is_multiple_of(4)
                && value
                    .trim_end_matches('=')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/');
            if !ok {
                errors.push("invalid base64".into());
            }
        }
        "date" => {
            if !date(value) {
                errors.push("invalid date".into());
            }
        }
        "datetime" => {
            let ok = value.len() >= 20
                && value.is_char_boundary(10)
                && date(&value[..10])
                && matches!(&value[10..11], "T" | "t");
            if !ok {
                errors.push("invalid datetime".into());
            }
        }
        _ => errors.push(format!("unknown format {format}")),
    }
    errors
}

/// An RFC 1123 label (`alpha_first`: an RFC 1035 one).
fn label(text: &str, alpha_first: bool) -> bool {
    let bytes = text.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let inner = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let first_ok = if alpha_first {
        first.is_ascii_lowercase()
    } else {
        first.is_ascii_lowercase() || first.is_ascii_digit()
    };
    first_ok && (last.is_ascii_lowercase() || last.is_ascii_digit()) && bytes.iter().all(inner)
}

/// A qualified name's name part, or a label value.
fn qualified(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `YYYY-MM-DD`.
fn date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
        && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
}
