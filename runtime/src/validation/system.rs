//! The values the server fills in on create: generated names, `metav1.Time` timestamps and
//! uids.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

/// The characters of a generated name's random suffix: no vowels, no look-alikes.
const NAME_SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
/// The length of a generated name's random suffix.
const NAME_SUFFIX_LEN: usize = 5;
/// The longest prefix kept by [`generate_name`]: 63 - 5.
const GENERATED_PREFIX_MAX: usize = 58;

/// A name from a `generateName` prefix, as Kubernetes' `SimpleNameGenerator` makes it: the
/// prefix cut to 58 bytes, then 5 random characters from `bcdfghjklmnpqrstvwxz2456789`.
pub fn generate_name(prefix: &str) -> String {
    let mut end = prefix.len().min(GENERATED_PREFIX_MAX);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    let mut rng = rand::rng();
    let mut name = String::with_capacity(end + NAME_SUFFIX_LEN);
    name.push_str(&prefix[..end]);
    for _ in 0..NAME_SUFFIX_LEN {
        let i = rng.random_range(0..NAME_SUFFIX_ALPHABET.len());
        name.push(char::from(NAME_SUFFIX_ALPHABET[i]));
    }
    name
}

/// The current time as a `metav1.Time`: RFC 3339, UTC, whole seconds (`2024-01-02T03:04:05Z`).
pub fn rfc3339_now() -> String {
    // Every write stamps the time (its managed fields' entry, a create's creationTimestamp),
    // many a second: each thread keeps the text of the last second it wrote.
    thread_local! {
        static LAST: std::cell::RefCell<(u64, String)> = const {
            std::cell::RefCell::new((u64::MAX, String::new()))
        };
    }
    let now = SystemTime::now();
    let Ok(since) = now.duration_since(UNIX_EPOCH) else {
        return rfc3339(now);
    };
    let second = since.as_secs();
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != second {
            *last = (second, rfc3339(now));
        }
        last.1.clone()
    })
}

/// `time` as a `metav1.Time`: RFC 3339, UTC, whole seconds (`2024-01-02T03:04:05Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let seconds = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        // Round towards the past: 0.5 s before the epoch is 23:59:59.
        Err(before) => {
            let d = before.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        );
    }
    // Every write stamps a time or two: digits by hand, without the formatting machinery.
    let mut out = String::with_capacity(20);
    push_digits(&mut out, year, 4);
    for (separator, value) in [
        ('-', i64::from(month)),
        ('-', i64::from(day)),
        ('T', of_day / 3600),
        (':', of_day % 3600 / 60),
        (':', of_day % 60),
    ] {
        out.push(separator);
        push_digits(&mut out, value, 2);
    }
    out.push('Z');
    out
}

/// Appends `value` (not negative) as `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: i64, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10_i64.pow(place) % 10) as u8;
        out.push(char::from(b'0' + digit));
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both fit: day is in 1..=31 and month in 1..=12.
    (year, month as u32, day as u32)
}

/// A new random UUID (version 4) in its text form: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
pub fn new_uid() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{validate_generate_name, validate_name};

    #[test]
    fn generated_names() {
        let name = generate_name("web-");
        assert_eq!(name.len(), 9);
        assert!(name.starts_with("web-"));
        assert!(name[4..].bytes().all(|b| NAME_SUFFIX_ALPHABET.contains(&b)));
        assert!(validate_name(&name).is_empty());
        let long = generate_name(&"p".repeat(100));
        assert_eq!(long.len(), 63);
        assert!(long.starts_with(&"p".repeat(58)));
        // Cutting never splits a character.
        let wide = generate_name(&"é".repeat(40));
        assert!(wide.starts_with(&"é".repeat(29)));
        assert_eq!(wide.len(), 58 + 5);
        assert_eq!(generate_name("").len(), 5);
        assert_ne!(generate_name("x-"), generate_name("x-"));
    }

    #[test]
    fn timestamps() {
        let at = |seconds: u64| rfc3339(UNIX_EPOCH + std::time::Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_704_164_645), "2024-01-02T03:04:05Z");
        assert_eq!(at(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(at(951_868_800), "2000-03-01T00:00:00Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
        let before = |d: std::time::Duration| rfc3339(UNIX_EPOCH - d);
        assert_eq!(
            before(std::time::Duration::from_secs(1)),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            before(std::time::Duration::from_millis(500)),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            before(std::time::Duration::from_secs(86_400 * 365)),
            "1969-01-01T00:00:00Z"
        );

        let now = rfc3339_now();
        let bytes = now.as_bytes();
        assert_eq!(bytes.len(), 20, "{now}");
        for (i, b) in bytes.iter().enumerate() {
            match i {
                4 | 7 => assert_eq!(*b, b'-'),
                10 => assert_eq!(*b, b'T'),
                13 | 16 => assert_eq!(*b, b':'),
                19 => assert_eq!(*b, b'Z'),
                _ => assert!(b.is_ascii_digit(), "{now}"),
            }
        }
        assert!(now.as_str() >= "2024-01-01T00:00:00Z");
        // The text kept for the last second is never another second's: each read lies between
        // two fresh ones (the second read of each pair is from the kept text).
        for _ in 0..3 {
            for _ in 0..2 {
                let before = rfc3339(std::time::SystemTime::now());
                let now = rfc3339_now();
                let after = rfc3339(std::time::SystemTime::now());
                assert!(before <= now && now <= after, "{before} {now} {after}");
            }
            std::thread::sleep(std::time::Duration::from_millis(400));
        }
    }

    #[test]
    fn uids_are_random_v4_uuids() {
        let uid = new_uid();
        assert_eq!(uid.len(), 36);
        let groups: Vec<&str> = uid.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(uid
            .chars()
            .all(|c| c == '-' || matches!(c, '0'..='9' | 'a'..='f')));
        assert!(groups[2].starts_with('4'));
        assert!(groups[3].starts_with(['8', '9', 'a', 'b']));
        assert_ne!(new_uid(), new_uid());
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Days since 1970-01-01 of a proleptic Gregorian date, counted the slow way.
        fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
            let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let year_days = |y: i64| if leap(y) { 366 } else { 365 };
            let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let mut days: i64 = if year >= 1970 {
                (1970..year).map(year_days).sum()
            } else {
                -(year..1970).map(year_days).sum::<i64>()
            };
            for m in 1..month {
                days += month_days[m as usize - 1] + i64::from(m == 2 && leap(year));
            }
            days + i64::from(day) - 1
        }

        proptest! {
            #[test]
            fn civil_dates_match_a_slow_count(days in -800_000i64..800_000) {
                let (year, month, day) = civil_from_days(days);
                prop_assert!((1..=12).contains(&month));
                prop_assert!((1..=31).contains(&day));
                prop_assert_eq!(days_from_civil(year, month, day), days);
            }

            #[test]
            fn generated_names_from_valid_prefixes_are_valid(
                prefix in "[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?){0,3}-?"
            ) {
                prop_assert!(validate_generate_name(&prefix).is_empty(), "{}", prefix);
                // Cut anywhere, a valid prefix followed by alphanumerics is a valid name.
                let name = generate_name(&prefix);
                prop_assert!(validate_name(&name).is_empty(), "{} from {}", name, prefix);
            }

            #[test]
            fn generated_names_are_short(prefix in any::<String>()) {
                prop_assert!(generate_name(&prefix).len() <= 63);
            }
        }
    }
}
