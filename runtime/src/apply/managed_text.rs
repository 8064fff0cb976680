//! Managed fields answered on their JSON text, without parsing them into entries and sets: the
//! entries of `metadata.managedFields` as the server writes them, and whether a path is a
//! member of a `FieldsV1` set. An update that moves no field between managers needs no more,
//! and copies every entry as it is, where parsing each entry into a [`Set`] and writing it back
//! would cost many times more.
//!
//! Membership agrees with [`Set::parse`] on any text it accepts: a node is a member when it is
//! `{}` or holds `"."`, and an element that appears twice in one node holds the union of its
//! occurrences. Keys are matched on their text first and decoded only when the text differs
//! (`k:` and `v:` elements written with other spacing or member order).
//!
//! [`Set`]: super::set::Set
//! [`Set::parse`]: super::set::Set::parse

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::set::{Pe, Step};
use crate::managed_entries::Scanner;
use crate::stored::ManagedText;

/// One entry of `metadata.managedFields` text as the server writes it (`Managed::write`), its
/// members as text.
pub(crate) struct EntrySpan<'t> {
    /// The whole entry, `{` to `}`.
    pub text: &'t str,
    pub api_version: &'t str,
    pub fields_type: &'t str,
    /// The `fieldsV1` object, as written.
    pub fields_v1: &'t str,
    pub manager: &'t str,
    pub operation: &'t str,
    /// Empty when absent (the server leaves an empty one out).
    pub subresource: &'t str,
    pub time: Option<&'t str>,
    /// Where in `text` the `time` member starts (its comma), or the closing brace when the
    /// entry has none.
    pub time_at: usize,
}

/// The entries of managed fields' text, when the server wrote it: where a stored object's read
/// found them ([`ManagedText::entries`]), or found now. `None` for text written some other way
/// (spaces, escapes, other member order), which is read with [`serde_json`].
pub(crate) fn entries(managed: &ManagedText) -> Option<Vec<EntrySpan<'_>>> {
    let text = managed.get();
    let at = managed.entries()?;
    let entries = at.iter().map(|e| EntrySpan {
        text: e.whole.of(text),
        api_version: e.api_version.of(text),
        fields_type: e.fields_type.of(text),
        fields_v1: e.fields_v1.of(text),
        manager: e.manager.of(text),
        operation: e.operation.of(text),
        subresource: e.subresource.map_or("", |s| s.of(text)),
        time: e.time.map(|t| t.of(text)),
        time_at: e.time_at as usize,
    });
    Some(entries.collect())
}

/// A key: its text between the quotes, and whether it has escapes.
fn key<'t>(scan: &mut Scanner<'t>) -> Option<(&'t [u8], bool)> {
    scan.expect(b"\"")?;
    let bytes = scan.text;
    let (start, mut i, mut escaped) = (scan.at, scan.at, false);
    loop {
        i = crate::json::string_stop(bytes, i)?;
        match bytes[i] {
            b'"' => break,
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    scan.at = i + 1;
    Some((&bytes[start..i], escaped))
}

/// Whether the `FieldsV1` key is `pe`; `None` when that takes decoding its escapes.
fn key_is((key, escaped): (&[u8], bool), step: &Step) -> Option<bool> {
    if !escaped {
        return Some(matches(key, step));
    }
    // A key with escapes is a keyed item or a set value when it says so before them.
    let item = key.starts_with(b"k:") || key.starts_with(b"v:");
    match step {
        Step::Field(_) | Step::Item(Pe::Field(_) | Pe::Index(_)) if item => Some(false),
        _ => None,
    }
}

/// [`has`] from the node that starts where `scan` is, written without spaces; `None` for text
/// written otherwise. Leaves the scanner after the node.
fn find(scan: &mut Scanner<'_>, path: &[Step]) -> Option<bool> {
    let (first, rest) = path.split_first()?;
    scan.expect(b"{")?;
    let mut found = false;
    if scan.eat(b"}") {
        return Some(false);
    }
    loop {
        let key = key(scan)?;
        scan.expect(b":")?;
        if !found && key_is(key, first)? {
            found = match rest.is_empty() {
                true => member(scan)?,
                false => find(scan, rest)?,
            };
        } else {
            scan.object()?;
        }
        if !scan.eat(b",") {
            scan.expect(b"}")?;
            return Some(found);
        }
    }
}

/// Whether the node that starts where `scan` is is itself a member: it holds nothing, or
/// `"."`.
fn member(scan: &mut Scanner<'_>) -> Option<bool> {
    scan.expect(b"{")?;
    if scan.eat(b"}") {
        return Some(true);
    }
    let mut dot = false;
    loop {
        let (key, escaped) = key(scan)?;
        if escaped && !(key.starts_with(b"k:") || key.starts_with(b"v:")) {
            return None;
        }
        dot |= key == b".";
        scan.expect(b":")?;
        scan.object()?;
        if !scan.eat(b",") {
            scan.expect(b"}")?;
            return Some(dot);
        }
    }
}

/// Whether `path` is a member of the set `text` encodes; `None` when the text is not a
/// `FieldsV1` object.
pub(crate) fn has(text: &str, path: &[Step]) -> Option<bool> {
    if path.is_empty() {
        return Some(false);
    }
    // Text as the server writes it is walked as it is; the parser takes the rest.
    let mut scan = Scanner {
        text: text.as_bytes(),
        at: 0,
    };
    if let Some(found) = find(&mut scan, path).filter(|_| scan.at == text.len()) {
        return Some(found);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let found = Find { path, depth: 0 }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(found)
}

/// Whether the `FieldsV1` key `key` is the element `pe`.
fn matches(key: &[u8], step: &Step) -> bool {
    let field = |name: &str| key.strip_prefix(b"f:") == Some(name.as_bytes());
    let pe = match step {
        Step::Field(name) => return field(name),
        Step::Item(pe) => pe,
    };
    match pe {
        Pe::Field(name) => field(name),
        Pe::Index(i) => key
            .strip_prefix(b"i:")
            .and_then(|n| std::str::from_utf8(n).ok())
            .is_some_and(|n| n.parse::<usize>().ok() == Some(*i)),
        Pe::Key(json) | Pe::Value(json) => {
            let prefix: &[u8] = if matches!(pe, Pe::Key(_)) {
                b"k:"
            } else {
                b"v:"
            };
            match key.strip_prefix(prefix) {
                Some(rest) if rest == json.as_bytes() => true,
                Some(_) => std::str::from_utf8(key)
                    .is_ok_and(|key| Pe::decode(key).is_ok_and(|decoded| decoded == *pe)),
                None => false,
            }
        }
    }
}

/// Looks for `path` in one node: true when some occurrence of its first element leads to it.
struct Find<'p> {
    path: &'p [Step<'p>],
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Find<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object in fieldsV1")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        use serde::de::Error;
        if self.depth > super::MAX_DEPTH {
            return Err(A::Error::custom("fieldsV1 nests too deeply"));
        }
        let Some((first, rest)) = self.path.split_first() else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(false);
        };
        let mut found = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if found || !matches(key.as_bytes(), first) {
                map.next_value::<IgnoredAny>()?;
            } else if rest.is_empty() {
                found = map.next_value_seed(Member)?;
            } else {
                found = map.next_value_seed(Find {
                    path: rest,
                    depth: self.depth + 1,
                })?;
            }
        }
        Ok(found)
    }
}

/// Whether a node is itself a member: it holds nothing, or `"."`.
struct Member;

impl<'de> DeserializeSeed<'de> for Member {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Member {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object in fieldsV1")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let (mut dot, mut elements) = (false, false);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            map.next_value::<IgnoredAny>()?;
            if key == "." {
                dot = true;
            } else {
                elements = true;
            }
        }
        Ok(dot || !elements)
    }
}

#[cfg(test)]
mod tests {
    use super::super::set::{path, Set};
    use super::super::set::{Pe, Step};
    use super::{find, has, Scanner};

    /// A path as a comparison records it: member names borrowed, other elements as they are.
    fn steps(path: &[Pe]) -> Vec<Step<'_>> {
        path.iter()
            .map(|pe| match pe {
                Pe::Field(name) => Step::Field(name),
                other => Step::Item(other.clone()),
            })
            .collect()
    }

    /// Every path the parsed set holds is found in the text, and paths it does not hold are
    /// not, over texts with `"."`, nested items, repeated elements and other spellings of keys.
    #[test]
    fn agrees_with_the_parsed_set() {
        let texts = [
            r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{".":{},"f:color":{},"f:replicas":{}}}"#,
            r#"{"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}},"f:tags":{"v:\"a\"":{}},"f:args":{"i:0":{}}}}"#,
            r#"{ "f:spec" : { "f:ports" : { "k:{\"protocol\": \"TCP\", \"port\": 80}" : { } } } }"#,
            r#"{"f:a":{"f:b":{}},"f:a":{"f:c":{}},"f:d":{},"f:d":{"f:e":{}}}"#,
            r#"{"f:x":{".":{}},"f:y":{"f:z":{".":{},"f:w":{}}}}"#,
            r#"{}"#,
        ];
        let probes = [
            vec!["f:metadata"],
            vec!["f:metadata", "f:labels"],
            vec!["f:metadata", "f:labels", "f:app"],
            vec!["f:spec"],
            vec!["f:spec", "f:color"],
            vec!["f:spec", "f:replicas"],
            vec!["f:spec", "f:size"],
            vec!["f:spec", "f:ports"],
            vec!["f:spec", "f:ports", r#"k:{"port":80,"protocol":"TCP"}"#],
            vec![
                "f:spec",
                "f:ports",
                r#"k:{"port":80,"protocol":"TCP"}"#,
                "f:port",
            ],
            vec!["f:spec", "f:ports", r#"k:{"port":81,"protocol":"TCP"}"#],
            vec!["f:spec", "f:tags", r#"v:"a""#],
            vec!["f:spec", "f:tags", r#"v:"b""#],
            vec!["f:spec", "f:args", "i:0"],
            vec!["f:spec", "f:args", "i:1"],
            vec!["f:a"],
            vec!["f:a", "f:b"],
            vec!["f:a", "f:c"],
            vec!["f:d"],
            vec!["f:d", "f:e"],
            vec!["f:x"],
            vec!["f:y"],
            vec!["f:y", "f:z"],
            vec!["f:y", "f:z", "f:w"],
        ];
        for text in texts {
            let set = Set::parse(text).unwrap();
            for keys in &probes {
                let p = path(keys);
                assert_eq!(
                    has(text, &steps(&p)),
                    Some(set.has(&p)),
                    "{keys:?} in {text}"
                );
                // Text without spaces or escapes is answered without the parser.
                if !text.contains([' ', '\\']) {
                    let mut scan = Scanner {
                        text: text.as_bytes(),
                        at: 0,
                    };
                    assert_eq!(
                        find(&mut scan, &steps(&p)),
                        Some(set.has(&p)),
                        "{keys:?} in {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn text_that_is_not_fields_v1_has_no_answer() {
        let spec = path(&["f:spec"]);
        let p = steps(&spec);
        assert_eq!(has("[]", &p), None);
        assert_eq!(has(r#"{"f:spec":{}"#, &p), None);
        assert_eq!(has(r#"{"f:spec":[]}"#, &p), None);
        assert_eq!(has(r#"{"f:spec":{}} x"#, &p), None);
    }
}
