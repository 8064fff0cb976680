//! The string `format`s krest checks. Others are documentation only, as Kubernetes treats
//! formats it does not know.

/// Whether `text` has `format`; `true` for formats krest does not check.
pub(super) fn matches(format: &str, text: &str) -> bool {
    match format {
        "date-time" | "datetime" => is_date_time(text),
        "date" => is_date(text),
        "byte" => is_base64(text),
        "uuid" => is_uuid(text),
        _ => true,
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    digits(y, 4).is_some()
        && digits(m, 2).is_some_and(|m| (1..=12).contains(&m))
        && digits(d, 2).is_some_and(|d| (1..=31).contains(&d))
}

/// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(text: &str) -> bool {
    let Some((date, time)) = text.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !is_date(date) || time.len() < 9 {
        return false;
    }
    let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => return false,
    };
    let clock = clock.split_once('.').map_or(clock, |(c, frac)| {
        if !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) {
            c
        } else {
            ""
        }
    });
    let mut hms = clock.split(':');
    let ok_clock = matches!(
        (hms.next().and_then(|h| digits(h, 2)), hms.next().and_then(|m| digits(m, 2)), hms.next().and_then(|s| digits(s, 2)), hms.next()),
        (Some(h), Some(m), Some(s), None) if h < 24 && m < 60 && s <= 60
    );
    let ok_zone = zone.eq_ignore_ascii_case("z")
        || zone.len() == 6
            && zone[1..3].bytes().all(|b| b.is_ascii_digit())
            && &zone[3..4] == ":"
            && zone[4..6].bytes().all(|b| b.is_ascii_digit());
    ok_clock && ok_zone
}

fn is_base64(text: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok()
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn formats() {
        assert!(matches("date-time", "2024-01-02T03:04:05Z"));
        assert!(matches("date-time", "2024-01-02T03:04:05.123+02:00"));
        assert!(!matches("date-time", "2024-01-02"));
        assert!(!matches("date-time", "yesterday"));
        assert!(matches("date", "2024-12-31"));
        assert!(!matches("date", "2024-13-01"));
        assert!(matches("byte", "aGVsbG8="));
        assert!(!matches("byte", "not base64!"));
        assert!(matches("uuid", "123e4567-e89b-12d3-a456-426614174000"));
        assert!(!matches("uuid", "123"));
        assert!(matches("hostname", "anything: not checked"));
    }
}
