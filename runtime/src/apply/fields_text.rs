//! Questions about a `FieldsV1` set answered on its JSON text, without building the set: whether
//! a path is a member. An update that moves no field between managers asks a few of them and
//! copies every entry's `fieldsV1` as it is, where parsing each entry into a [`Set`] and
//! writing it back would cost many times more.
//!
//! The answers agree with [`Set::parse`] on any text it accepts: a node is a member when it is
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

/// Whether `path` is a member of the set `text` encodes; `None` when the text is not a
/// `FieldsV1` object.
pub(crate) fn has(text: &str, path: &[&Pe]) -> Option<bool> {
    if path.is_empty() {
        return Some(false);
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
    path: &'p [&'p Pe],
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
        let (first, rest) = self.path.split_first().expect("a path to look for");
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
    use super::has;

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
                let refs: Vec<_> = p.iter().collect();
                assert_eq!(has(text, &refs), Some(set.has(&p)), "{keys:?} in {text}");
            }
        }
    }

    #[test]
    fn text_that_is_not_fields_v1_has_no_answer() {
        let p = path(&["f:spec"]);
        let p: Vec<_> = p.iter().collect();
        assert_eq!(has("[]", &p), None);
        assert_eq!(has(r#"{"f:spec":{}"#, &p), None);
        assert_eq!(has(r#"{"f:spec":[]}"#, &p), None);
        assert_eq!(has(r#"{"f:spec":{}} x"#, &p), None);
    }
}
