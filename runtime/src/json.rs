//! JSON request bodies parsed into `serde_json` values while noting duplicate fields: Go's
//! decoder keeps the last of them, and kube-apiserver reports them under
//! `fieldValidation=Strict` (an error) and `Warn` (a warning), as it does unknown fields. And
//! JSON the server wrote itself stepped over without parsing ([`value_end`]), to find an
//! object's `metadata` ([`metadata_range`]). And list items found by value without scanning
//! the list ([`Positions`]).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::ops::Range;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `bytes` as JSON; also returns the paths of fields that appear twice in one object
/// (`spec.color`, `spec.ports[1].name`). The last occurrence wins.
pub(crate) fn parse(bytes: &[u8]) -> Result<(Value, Vec<String>), serde_json::Error> {
    let mut noting = Noting::default();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Seed(&mut noting).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok((value, noting.duplicates))
}

/// Where the value of the top-level `metadata` member of the JSON object `json` lies, when it
/// is an object. Members before it are stepped over without being parsed; nothing after it is
/// read. `json` is well-formed (the server wrote it); anything unexpected is `None`.
pub(crate) fn metadata_range(json: &[u8]) -> Option<Range<usize>> {
    let start = metadata_at(json)?;
    Some(start..value_end(json, start)?)
}

/// Where the top-level `metadata` object of `json` opens (its `{`), as [`metadata_range`]
/// finds it, without stepping over the metadata itself.
pub(crate) fn metadata_at(json: &[u8]) -> Option<usize> {
    let mut i = skip_space(json, 0);
    if json.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_space(json, i);
        if json.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = value_end(json, i)?;
        let key = &json[i + 1..key_end - 1];
        i = skip_space(json, key_end);
        if json.get(i) != Some(&b':') {
            return None;
        }
        i = skip_space(json, i + 1);
        if key == b"metadata" {
            return (json.get(i) == Some(&b'{')).then_some(i);
        }
        i = skip_space(json, value_end(json, i)?);
        if json.get(i) != Some(&b',') {
            return None;
        }
        i += 1;
    }
}

/// The first byte from `i` on that is not JSON whitespace.
pub(crate) fn skip_space(json: &[u8], mut i: usize) -> usize {
    while json.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Where the JSON value that starts at `start` ends: strings are stepped over to their closing
/// quote, objects and arrays by counting brackets outside strings, anything else up to the
/// next `,`, `}`, `]` or space. Only for text known to be JSON (the server's own): whether it
/// is valid is not checked. `None` when the text ends first.
pub(crate) fn value_end(json: &[u8], start: usize) -> Option<usize> {
    match *json.get(start)? {
        b'"' => string_end(json, start),
        b'{' | b'[' => {
            let (mut depth, mut i) = (0usize, start);
            loop {
                match *json.get(i)? {
                    b'"' => {
                        i = string_end(json, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        // A number, `true`, `false` or `null`.
        _ => {
            let mut i = start;
            while json
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            Some(i)
        }
    }
}

/// Past the closing quote of the string that opens at `start`.
fn string_end(json: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i = string_stop(json, i)?;
        match json[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// The first byte from `at` on that a JSON string does not hold as it is: a quote, a backslash
/// or a control character; `None` when the text ends first. Eight bytes are looked at at once:
/// most of the server's text (keys, managed fields) is strings, and this is where stepping
/// over it spends its time.
pub(crate) fn string_stop(json: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const SPACES: u64 = u64::from_le_bytes([0x20; 8]);
    const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_le_bytes([b'\\'; 8]);
    // The high bit of each byte of `v` below `n` (bytes below 0x80; a byte at or above it is
    // never below): the lowest one set is exact, those above it may be set by the borrow.
    let below = |v: u64, n: u64| v.wrapping_sub(n) & !v & HIGHS;
    while let Some(word) = json
        .get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        let word = u64::from_le_bytes(word);
        let found =
            below(word ^ QUOTES, ONES) | below(word ^ BACKSLASHES, ONES) | below(word, SPACES);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    json.get(at..)?
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// Whether `text` goes into a JSON string as it is: no quote, backslash or control character.
pub(crate) fn needs_no_escape(text: &str) -> bool {
    string_stop(text.as_bytes(), 0).is_none()
}

/// One step of a path: a field or a list index.
enum Step {
    Field(String),
    Index(usize),
}

/// Where the parser is, and the duplicates seen so far. The path is only rendered when a
/// duplicate turns up, so parsing a clean body costs little more than `serde_json`'s own.
#[derive(Default)]
struct Noting {
    path: Vec<Step>,
    duplicates: Vec<String>,
}

impl Noting {
    fn note_duplicate(&mut self, key: &str) {
        let mut text = String::new();
        for step in &self.path {
            match step {
                Step::Field(name) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(name);
                }
                Step::Index(i) => text.push_str(&format!("[{i}]")),
            }
        }
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(key);
        if !self.duplicates.contains(&text) {
            self.duplicates.push(text);
        }
    }
}

/// Builds a value, noting duplicate fields.
struct Seed<'a>(&'a mut Noting);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let noting = self.0;
        let mut items = Vec::new();
        loop {
            noting.path.push(Step::Index(items.len()));
            let item = seq.next_element_seed(Seed(&mut *noting));
            noting.path.pop();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let noting = self.0;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            noting.path.push(Step::Field(key));
            let value = map.next_value_seed(Seed(&mut *noting));
            // The step pushed above, now taken back.
            if let Some(Step::Field(key)) = noting.path.pop() {
                let value = value?;
                if object.contains_key(&key) {
                    noting.note_duplicate(&key);
                }
                object.insert(key, value);
            }
        }
        Ok(Value::Object(object))
    }
}

/// Positions of a list's items by a hash of their identity (the item, or the values of its
/// key fields), so that finding an item does not scan the list: a list is as long as an
/// object's size allows, and a scan for each item of another list makes a merge or a check
/// quadratic. Callers compare the items at the positions a hash gives. Each index seeds its
/// own hashes, so that a client cannot choose items that collide.
pub(crate) struct Positions {
    state: RandomState,
    by_hash: HashMap<u64, Vec<usize>>,
}

impl Positions {
    pub fn new() -> Positions {
        Positions {
            state: RandomState::new(),
            by_hash: HashMap::new(),
        }
    }

    /// An index of `items` by value.
    pub fn of_values(items: &[Value]) -> Positions {
        let mut index = Positions::new();
        for (i, item) in items.iter().enumerate() {
            index.insert(index.hash([Some(item)]), i);
        }
        index
    }

    /// The first position of a value equal to `item` in `items`, indexed by value.
    pub fn find_value(&self, items: &[Value], item: &Value) -> Option<usize> {
        let at = self.get(self.hash([Some(item)]));
        at.iter().copied().find(|&i| items[i] == *item)
    }

    /// The hash of an identity made of `parts` (`None` for a key field an item lacks). Equal
    /// values hash alike, whatever the order of their objects' members.
    pub fn hash<'v>(&self, parts: impl IntoIterator<Item = Option<&'v Value>>) -> u64 {
        let mut h = self.state.build_hasher();
        for part in parts {
            match part {
                Some(value) => hash_value(value, &self.state, &mut h),
                None => h.write_u8(0xff),
            }
        }
        h.finish()
    }

    /// Records position `at` under `hash`.
    pub fn insert(&mut self, hash: u64, at: usize) {
        self.by_hash.entry(hash).or_default().push(at);
    }

    /// The positions recorded under `hash`, in the order they were.
    pub fn get(&self, hash: u64) -> &[usize] {
        self.by_hash.get(&hash).map_or(&[], Vec::as_slice)
    }
}

/// Feeds `value` to `h`. An object's members are hashed apart and summed, since equal maps
/// need not iterate in the same order (`serde_json`'s `preserve_order`).
fn hash_value(value: &Value, state: &RandomState, h: &mut impl Hasher) {
    match value {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => (2u8, n).hash(h),
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            for item in items {
                hash_value(item, state, h);
            }
        }
        Value::Object(members) => {
            let mut sum = 0u64;
            for (name, member) in members {
                let mut m = state.build_hasher();
                name.hash(&mut m);
                hash_value(member, state, &mut m);
                sum = sum.wrapping_add(m.finish());
            }
            (5u8, members.len(), sum).hash(h);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Equal values hash alike, whatever the order of their members; unequal ones apart.
    #[test]
    fn positions_hash_equal_values_alike() {
        use serde_json::{json, Map, Value};
        let index = super::Positions::new();
        let hash = |v: &Value| index.hash([Some(v)]);
        let mut a = Map::new();
        a.insert("x".into(), json!(1));
        a.insert("y".into(), json!([true, null, "s"]));
        let mut b = Map::new();
        b.insert("y".into(), json!([true, null, "s"]));
        b.insert("x".into(), json!(1));
        assert_eq!(hash(&Value::Object(a)), hash(&Value::Object(b)));
        let distinct = [
            json!(null),
            json!(false),
            json!(1),
            json!(1.5),
            json!("1"),
            json!([1]),
            json!({"x": 1}),
            json!({"x": 2}),
            json!({"y": 1}),
        ];
        for (i, v) in distinct.iter().enumerate() {
            for w in &distinct[i + 1..] {
                assert_ne!(hash(v), hash(w), "{v} and {w}");
            }
        }
        assert_ne!(index.hash([None]), index.hash([Some(&json!(null))]));
    }

    #[test]
    fn values_are_stepped_over_whole() {
        let text = br#"{"a":"x\"}","b":[1,{"c":"]"}],"d":12.5,"e":null}"#;
        let at = |needle: &[u8]| {
            text.windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        let end = |from: usize| super::value_end(text, from).unwrap();
        assert_eq!(end(0), text.len());
        assert_eq!(&text[at(b"\"x")..end(at(b"\"x"))], br#""x\"}""#);
        assert_eq!(&text[at(b"[1")..end(at(b"[1"))], br#"[1,{"c":"]"}]"#);
        assert_eq!(&text[at(b"12.5")..end(at(b"12.5"))], b"12.5");
        assert_eq!(&text[at(b"null")..end(at(b"null"))], b"null");
        assert_eq!(super::value_end(br#"{"a":[1,2}"#, 0), None);
        assert_eq!(super::value_end(br#""open"#, 0), None);
    }

    /// Strings of every length and with escapes at every place around the eight-byte steps end
    /// where `serde_json` ends them, alone and inside objects.
    #[test]
    fn strings_end_where_the_parser_ends_them() {
        for len in 0..40 {
            for at in 0..=len {
                for escape in [
                    "", "\\\"", "\\\\", "\\n", "\\u00e9", "é", "\u{7f}", "\u{80}",
                ] {
                    let mut content = "x".repeat(len);
                    content.insert_str(at, escape);
                    let string = format!("\"{content}\"");
                    assert!(serde_json::from_str::<String>(&string).is_ok(), "{string}");
                    assert_eq!(super::value_end(string.as_bytes(), 0), Some(string.len()));
                    let object = format!("{{{string}:[{string},{{\"k\":{string}}}]}},1");
                    assert_eq!(
                        super::value_end(object.as_bytes(), 0),
                        Some(object.len() - 2)
                    );
                    assert_eq!(
                        super::value_end(&string.as_bytes()[..string.len() - 1], 0),
                        None
                    );
                }
            }
        }
    }

    use super::parse;
    use serde_json::json;

    #[test]
    fn notes_duplicates_and_keeps_the_last() {
        let (value, duplicates) = parse(
            br#"{"spec": {"a": 1, "a": 2, "l": [{"n": 1, "n": 2}]}, "kind": "W", "kind": "X", "spec": {"a": 3, "a": 4}}"#,
        )
        .unwrap();
        assert_eq!(value, json!({"spec": {"a": 4}, "kind": "X"}));
        assert_eq!(duplicates, ["spec.a", "spec.l[0].n", "kind", "spec"]);
        let (value, duplicates) = parse(br#"[1, "x", null, true, 2.5, {"b": {}}]"#).unwrap();
        assert_eq!(value, json!([1, "x", null, true, 2.5, {"b": {}}]));
        assert!(duplicates.is_empty());
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        assert!(parse(b"{").is_err());
        assert!(parse(b"{} x").is_err());
        assert!(parse(format!("{}1{}", "[".repeat(200), "]".repeat(200)).as_bytes()).is_err());
    }
}
