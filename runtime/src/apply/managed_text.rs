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

use super::set::Pe;

/// One entry of `metadata.managedFields` text as the server writes it (`Managed::write`):
/// members in that order, no space between tokens, strings without escapes.
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

/// The entries of `managedFields` text, when the server wrote it; `None` for text written
/// some other way (spaces, escapes, other member order), which is read with [`serde_json`].
pub(crate) fn scan_entries(text: &str) -> Option<Vec<EntrySpan<'_>>> {
    let mut scan = Scanner { text, at: 0 };
    scan.expect("[")?;
    let mut entries = Vec::new();
    if !scan.eat("]") {
        loop {
            entries.push(scan.entry()?);
            if !scan.eat(",") {
                break;
            }
        }
        scan.expect("]")?;
    }
    (scan.at == text.len()).then_some(entries)
}

/// A position in text being scanned.
struct Scanner<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Scanner<'t> {
    /// Steps over `literal` when the text goes on with it.
    fn eat(&mut self, literal: &str) -> bool {
        let found = self
            .text
            .as_bytes()
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(literal.as_bytes()));
        if found {
            self.at += literal.len();
        }
        found
    }

    fn expect(&mut self, literal: &str) -> Option<()> {
        self.eat(literal).then_some(())
    }

    /// A string without escapes, its quotes taken off.
    fn string(&mut self) -> Option<&'t str> {
        self.expect("\"")?;
        let end = crate::json::string_stop(self.text.as_bytes(), self.at)?;
        if self.text.as_bytes()[end] != b'"' {
            return None;
        }
        let out = &self.text[self.at..end];
        self.at = end + 1;
        Some(out)
    }

    /// An object, as written: brackets counted outside strings. Whether it is valid JSON is
    /// left to whoever reads it.
    fn object(&mut self) -> Option<&'t str> {
        let start = self.at;
        if !self.text[start..].starts_with('{') {
            return None;
        }
        self.at = crate::json::value_end(self.text.as_bytes(), start)?;
        Some(&self.text[start..self.at])
    }

    /// A key: its text between the quotes, and whether it has escapes.
    fn key(&mut self) -> Option<(&'t str, bool)> {
        self.expect("\"")?;
        let bytes = self.text.as_bytes();
        let (start, mut i, mut escaped) = (self.at, self.at, false);
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
        self.at = i + 1;
        Some((&self.text[start..i], escaped))
    }

    /// Whether the `FieldsV1` key is `pe`; `None` when that takes decoding its escapes.
    fn key_is((key, escaped): (&str, bool), pe: &Pe) -> Option<bool> {
        if !escaped {
            return Some(matches(key, pe));
        }
        // A key with escapes is a keyed item or a set value when it says so before them.
        let item = key.starts_with("k:") || key.starts_with("v:");
        match pe {
            Pe::Field(_) | Pe::Index(_) if item => Some(false),
            _ => None,
        }
    }

    /// [`has`] from the node that starts here, written without spaces; `None` for text
    /// written otherwise. Leaves the scanner after the node.
    fn find(&mut self, path: &[Pe]) -> Option<bool> {
        let (first, rest) = path.split_first()?;
        self.expect("{")?;
        let mut found = false;
        if self.eat("}") {
            return Some(false);
        }
        loop {
            let key = self.key()?;
            self.expect(":")?;
            if !found && Self::key_is(key, first)? {
                found = match rest.is_empty() {
                    true => self.member()?,
                    false => self.find(rest)?,
                };
            } else {
                self.object()?;
            }
            if !self.eat(",") {
                self.expect("}")?;
                return Some(found);
            }
        }
    }

    /// Whether the node that starts here is itself a member: it holds nothing, or `"."`.
    fn member(&mut self) -> Option<bool> {
        self.expect("{")?;
        if self.eat("}") {
            return Some(true);
        }
        let mut dot = false;
        loop {
            let (key, escaped) = self.key()?;
            if escaped && !(key.starts_with("k:") || key.starts_with("v:")) {
                return None;
            }
            dot |= key == ".";
            self.expect(":")?;
            self.object()?;
            if !self.eat(",") {
                self.expect("}")?;
                return Some(dot);
            }
        }
    }

    fn entry(&mut self) -> Option<EntrySpan<'t>> {
        let start = self.at;
        self.expect("{\"apiVersion\":")?;
        let api_version = self.string()?;
        self.expect(",\"fieldsType\":")?;
        let fields_type = self.string()?;
        self.expect(",\"fieldsV1\":")?;
        let fields_v1 = self.object()?;
        self.expect(",\"manager\":")?;
        let manager = self.string()?;
        self.expect(",\"operation\":")?;
        let operation = self.string()?;
        let subresource = match self.eat(",\"subresource\":") {
            true => self.string().filter(|s| !s.is_empty())?,
            false => "",
        };
        let time_at = self.at - start;
        let time = match self.eat(",\"time\":") {
            true => Some(self.string()?),
            false => None,
        };
        self.expect("}")?;
        Some(EntrySpan {
            text: &self.text[start..self.at],
            api_version,
            fields_type,
            fields_v1,
            manager,
            operation,
            subresource,
            time,
            time_at,
        })
    }
}

/// Whether `path` is a member of the set `text` encodes; `None` when the text is not a
/// `FieldsV1` object.
pub(crate) fn has(text: &str, path: &[Pe]) -> Option<bool> {
    if path.is_empty() {
        return Some(false);
    }
    // Text as the server writes it is walked as it is; the parser takes the rest.
    let mut scan = Scanner { text, at: 0 };
    if let Some(found) = scan.find(path).filter(|_| scan.at == text.len()) {
        return Some(found);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let found = Find { path, depth: 0 }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(found)
}

/// Whether the `FieldsV1` key `key` is the element `pe`.
fn matches(key: &str, pe: &Pe) -> bool {
    match pe {
        Pe::Field(name) => key.strip_prefix("f:") == Some(name.as_str()),
        Pe::Index(i) => key
            .strip_prefix("i:")
            .is_some_and(|n| n.parse::<usize>().ok() == Some(*i)),
        Pe::Key(json) | Pe::Value(json) => {
            let prefix = if matches!(pe, Pe::Key(_)) { "k:" } else { "v:" };
            match key.strip_prefix(prefix) {
                Some(rest) if rest == json => true,
                Some(_) => Pe::decode(key).is_ok_and(|decoded| decoded == *pe),
                None => false,
            }
        }
    }
}

/// Looks for `path` in one node: true when some occurrence of its first element leads to it.
struct Find<'p> {
    path: &'p [Pe],
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
            if found || !matches(&key, first) {
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
    use super::{has, scan_entries};

    /// Entries as the server writes them are scanned member by member; text written any other
    /// way is left to the JSON parser.
    #[test]
    fn entries_as_the_server_writes_them_are_scanned() {
        let text = concat!(
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:ports":{"k:{\"port\":80}":{}}}},"#,
            r#""manager":"a","operation":"Apply"},"#,
            r#"{"apiVersion":"demo/v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:x":{"v:\"}]\"":{}}}},"#,
            r#""manager":"b","operation":"Update","subresource":"status","time":"2026-01-01T00:00:00Z"}]"#
        );
        let entries = scan_entries(text).unwrap();
        assert_eq!(entries.len(), 2);
        let (a, b) = (&entries[0], &entries[1]);
        assert_eq!(
            (a.api_version, a.manager, a.operation, a.subresource, a.time),
            ("v1", "a", "Apply", "", None)
        );
        assert_eq!(
            a.fields_v1,
            r#"{"f:spec":{"f:ports":{"k:{\"port\":80}":{}}}}"#
        );
        assert_eq!(&a.text[a.time_at..], "}");
        assert_eq!(b.fields_v1, r#"{"f:status":{"f:x":{"v:\"}]\"":{}}}}"#);
        assert_eq!(
            (b.subresource, b.time, &b.text[b.time_at..]),
            (
                "status",
                Some("2026-01-01T00:00:00Z"),
                r#","time":"2026-01-01T00:00:00Z"}"#
            )
        );
        assert_eq!(
            entries[0].text.len() + entries[1].text.len() + 3,
            text.len()
        );
        assert_eq!(scan_entries("[]").map(|e| e.len()), Some(0));
        for other in [
            r#"[ {"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{},"manager":"a","operation":"Apply"}]"#,
            r#"[{"apiVersion":"v\u0031","fieldsType":"FieldsV1","fieldsV1":{},"manager":"a","operation":"Apply"}]"#,
            r#"[{"fieldsType":"FieldsV1","apiVersion":"v1","fieldsV1":{},"manager":"a","operation":"Apply"}]"#,
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{},"manager":"a","operation":"Apply","subresource":""}]"#,
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}},"manager":"a","operation":"Apply"}"#,
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{},"manager":"a","operation":"Apply"}]"#,
        ] {
            assert!(scan_entries(other).is_none(), "{other}");
        }
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
                assert_eq!(has(text, &p), Some(set.has(&p)), "{keys:?} in {text}");
                // Text without spaces or escapes is answered without the parser.
                if !text.contains([' ', '\\']) {
                    let mut scan = super::Scanner { text, at: 0 };
                    assert_eq!(scan.find(&p), Some(set.has(&p)), "{keys:?} in {text}");
                }
            }
        }
    }

    #[test]
    fn text_that_is_not_fields_v1_has_no_answer() {
        let p = path(&["f:spec"]);
        assert_eq!(has("[]", &p), None);
        assert_eq!(has(r#"{"f:spec":{}"#, &p), None);
        assert_eq!(has(r#"{"f:spec":[]}"#, &p), None);
        assert_eq!(has(r#"{"f:spec":{}} x"#, &p), None);
    }
}
