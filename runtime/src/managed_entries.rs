//! The entries of `metadata.managedFields` text as the server writes them (`Managed::write`:
//! members in that order, no space between tokens, strings without escapes), found in one pass
//! without parsing them: where each entry and each of its members is.
//!
//! A stored object's managed fields are stepped over once, when it is read (`stored.rs`), and
//! the places found then are kept with their text ([`ManagedText`]), so that an update that
//! moves no field between managers (`apply/managed_text.rs`) does not scan them again.
//!
//! [`ManagedText`]: crate::stored::ManagedText

/// Where a piece of the text is: byte offsets from the start of the managed fields' text. They
/// are at ASCII delimiters or the text's ends, so they fall on character boundaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// The piece of `text` (the managed fields' text this span was found in).
    pub fn of(self, text: &str) -> &str {
        &text[self.start as usize..self.end as usize]
    }

    fn between(start: usize, end: usize, base: usize) -> Option<Span> {
        Some(Span {
            start: u32::try_from(start - base).ok()?,
            end: u32::try_from(end - base).ok()?,
        })
    }
}

/// One entry's places in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EntryAt {
    /// The whole entry, `{` to `}`.
    pub whole: Span,
    pub api_version: Span,
    pub fields_type: Span,
    /// The `fieldsV1` object, as written.
    pub fields_v1: Span,
    pub manager: Span,
    pub operation: Span,
    /// Absent when the entry has none (the server leaves an empty one out).
    pub subresource: Option<Span>,
    pub time: Option<Span>,
    /// Where the `time` member starts (its comma), or the entry's closing brace when it has
    /// none, from the start of the entry.
    pub time_at: u32,
}

/// The entries of the managed fields' text that starts at `start` in `text`, and where that
/// text ends; `None` for text written some other way (spaces, escapes, other member order),
/// which is left to a JSON parser. Whether the `fieldsV1` objects are valid JSON is not
/// checked: they are found by counting brackets outside strings.
pub(crate) fn scan(text: &[u8], start: usize) -> Option<(Vec<EntryAt>, usize)> {
    let mut scan = Scanner { text, at: start };
    scan.expect(b"[")?;
    // Most objects have one to three managers: one allocation.
    let mut entries = Vec::with_capacity(4);
    if !scan.eat(b"]") {
        loop {
            entries.push(scan.entry(start)?);
            if !scan.eat(b",") {
                break;
            }
        }
        scan.expect(b"]")?;
    }
    Some((entries, scan.at))
}

/// A position in JSON text being scanned.
pub(crate) struct Scanner<'t> {
    pub text: &'t [u8],
    pub at: usize,
}

impl Scanner<'_> {
    /// Steps over `literal` when the text goes on with it.
    pub fn eat(&mut self, literal: &[u8]) -> bool {
        let found = self
            .text
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(literal));
        if found {
            self.at += literal.len();
        }
        found
    }

    pub fn expect(&mut self, literal: &[u8]) -> Option<()> {
        self.eat(literal).then_some(())
    }

    /// A string without escapes: where its text is, between the quotes.
    pub fn string(&mut self) -> Option<(usize, usize)> {
        self.expect(b"\"")?;
        let end = crate::json::string_stop(self.text, self.at)?;
        if self.text[end] != b'"' {
            return None;
        }
        let start = self.at;
        self.at = end + 1;
        Some((start, end))
    }

    /// An object, as written: brackets counted outside strings.
    pub fn object(&mut self) -> Option<(usize, usize)> {
        let start = self.at;
        if self.text.get(start) != Some(&b'{') {
            return None;
        }
        self.at = crate::json::value_end(self.text, start)?;
        Some((start, self.at))
    }

    fn entry(&mut self, base: usize) -> Option<EntryAt> {
        let span = |(start, end): (usize, usize)| Span::between(start, end, base);
        let start = self.at;
        self.expect(b"{\"apiVersion\":")?;
        let api_version = span(self.string()?)?;
        self.expect(b",\"fieldsType\":")?;
        let fields_type = span(self.string()?)?;
        self.expect(b",\"fieldsV1\":")?;
        let fields_v1 = span(self.object()?)?;
        self.expect(b",\"manager\":")?;
        let manager = span(self.string()?)?;
        self.expect(b",\"operation\":")?;
        let operation = span(self.string()?)?;
        let subresource = match self.eat(b",\"subresource\":") {
            true => Some(span(self.string().filter(|(s, e)| s < e)?)?),
            false => None,
        };
        let time_at = u32::try_from(self.at - start).ok()?;
        let time = match self.eat(b",\"time\":") {
            true => Some(span(self.string()?)?),
            false => None,
        };
        self.expect(b"}")?;
        Some(EntryAt {
            whole: span((start, self.at))?,
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

#[cfg(test)]
mod tests {
    use super::scan;

    /// Entries as the server writes them are scanned member by member, from where they start
    /// in a larger text; text written any other way is left to the JSON parser.
    #[test]
    fn entries_as_the_server_writes_them_are_scanned() {
        let text = concat!(
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:ports":{"k:{\"port\":80}":{}}}},"#,
            r#""manager":"a","operation":"Apply"},"#,
            r#"{"apiVersion":"demo/v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:x":{"v:\"}]\"":{}}}},"#,
            r#""manager":"b","operation":"Update","subresource":"status","time":"2026-01-01T00:00:00Z"}]"#
        );
        let within = format!(r#"{{"managedFields":{text},"name":"x"}}"#);
        let start = within.find('[').unwrap();
        let (entries, end) = scan(within.as_bytes(), start).unwrap();
        assert_eq!(&within[start..end], text);
        assert_eq!(entries.len(), 2);
        let (a, b) = (&entries[0], &entries[1]);
        let of = |s: super::Span| s.of(text);
        assert_eq!(
            (of(a.api_version), of(a.manager), of(a.operation)),
            ("v1", "a", "Apply")
        );
        assert_eq!((a.subresource, a.time), (None, None));
        assert_eq!(
            of(a.fields_v1),
            r#"{"f:spec":{"f:ports":{"k:{\"port\":80}":{}}}}"#
        );
        assert_eq!(&of(a.whole)[a.time_at as usize..], "}");
        assert_eq!(of(b.fields_v1), r#"{"f:status":{"f:x":{"v:\"}]\"":{}}}}"#);
        assert_eq!(
            (
                b.subresource.map(of),
                b.time.map(of),
                &of(b.whole)[b.time_at as usize..]
            ),
            (
                Some("status"),
                Some("2026-01-01T00:00:00Z"),
                r#","time":"2026-01-01T00:00:00Z"}"#
            )
        );
        assert_eq!(of(a.whole).len() + of(b.whole).len() + 3, text.len());
        assert_eq!(scan(b"[]", 0).map(|(e, end)| (e.len(), end)), Some((0, 2)));
        for other in [
            r#"[ {"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{},"manager":"a","operation":"Apply"}]"#,
            r#"[{"apiVersion":"v\u0031","fieldsType":"FieldsV1","fieldsV1":{},"manager":"a","operation":"Apply"}]"#,
            r#"[{"fieldsType":"FieldsV1","apiVersion":"v1","fieldsV1":{},"manager":"a","operation":"Apply"}]"#,
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{},"manager":"a","operation":"Apply","subresource":""}]"#,
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}},"manager":"a","operation":"Apply"}"#,
            r#"[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{},"manager":"a","operation":"Apply"}]"#,
        ] {
            assert!(scan(other.as_bytes(), 0).is_none(), "{other}");
        }
    }
}
