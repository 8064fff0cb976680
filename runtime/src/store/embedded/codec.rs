//! How rows of the embedded store are laid out in bytes.
//!
//! - `keys` value: the key's `mod_revision` (8 bytes, big endian), then the value.
//! - `log` value: one [`Change`]: a kind byte (0 added, 1 modified, 2 deleted), the key and the
//!   value (each a 4-byte big-endian length and the bytes), then a flag byte and, when it is 1,
//!   the replaced value's revision (8 bytes) and bytes.

use bytes::Bytes;

use super::super::{EventKind, KeyValue};

/// One logged change, borrowed from the row it was read from.
pub(super) struct Change<'a> {
    pub kind: EventKind,
    pub key: &'a str,
    pub value: &'a [u8],
    /// The revision and value this change replaced (`None` for a create).
    pub prev: Option<(u64, &'a [u8])>,
}

impl<'a> Change<'a> {
    pub fn encode(&self) -> Vec<u8> {
        let prev_len = self.prev.map_or(0, |(_, v)| v.len() + 12);
        let mut out = Vec::with_capacity(self.key.len() + self.value.len() + prev_len + 10);
        out.push(match self.kind {
            EventKind::Added => 0,
            EventKind::Modified => 1,
            EventKind::Deleted => 2,
        });
        put_bytes(&mut out, self.key.as_bytes());
        put_bytes(&mut out, self.value);
        match self.prev {
            Some((rev, value)) => {
                out.push(1);
                out.extend_from_slice(&rev.to_be_bytes());
                put_bytes(&mut out, value);
            }
            None => out.push(0),
        }
        out
    }

    /// `None` when the bytes are not a change this module wrote.
    pub fn decode(bytes: &'a [u8]) -> Option<Change<'a>> {
        let (&kind, rest) = bytes.split_first()?;
        let kind = match kind {
            0 => EventKind::Added,
            1 => EventKind::Modified,
            2 => EventKind::Deleted,
            _ => return None,
        };
        let (key, rest) = take_bytes(rest)?;
        let (value, rest) = take_bytes(rest)?;
        let (&has_prev, rest) = rest.split_first()?;
        let prev = match has_prev {
            0 => None,
            1 => {
                let (rev, rest) = take_u64(rest)?;
                let (value, _) = take_bytes(rest)?;
                Some((rev, value))
            }
            _ => return None,
        };
        Some(Change {
            kind,
            key: std::str::from_utf8(key).ok()?,
            value,
            prev,
        })
    }

    /// The key as it was before this change, or `None` if it did not exist.
    pub fn before(&self) -> Option<KeyValue> {
        self.prev.map(|(rev, value)| KeyValue {
            key: self.key.to_string(),
            value: Bytes::copy_from_slice(value),
            mod_revision: rev,
        })
    }
}

/// Lengths are stored in 4 bytes: callers reject longer keys and values before they get here
/// (see [`fits`]).
fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Whether `bytes` can be stored: its length fits the 4-byte length prefix.
pub(super) fn fits(bytes: &[u8]) -> bool {
    u32::try_from(bytes.len()).is_ok()
}

fn take_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_at_checked(8)?;
    Some((u64::from_be_bytes(head.try_into().ok()?), rest))
}

fn take_bytes(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (head, rest) = bytes.split_at_checked(4)?;
    let len = usize::try_from(u32::from_be_bytes(head.try_into().ok()?)).ok()?;
    rest.split_at_checked(len)
}

/// A `keys` row's value.
pub(super) fn encode_entry(revision: u64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + value.len());
    out.extend_from_slice(&revision.to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// A `keys` row as a [`KeyValue`]; `None` when the row is too short to be one.
pub(super) fn decode_entry(key: &str, bytes: &[u8]) -> Option<KeyValue> {
    let (revision, value) = take_u64(bytes)?;
    Some(KeyValue {
        key: key.to_string(),
        value: Bytes::copy_from_slice(value),
        mod_revision: revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_round_trip() {
        for change in [
            Change {
                kind: EventKind::Added,
                key: "/a",
                value: b"1",
                prev: None,
            },
            Change {
                kind: EventKind::Deleted,
                key: "/b/c",
                value: b"",
                prev: Some((7, b"old")),
            },
        ] {
            let bytes = change.encode();
            let back = Change::decode(&bytes).expect("decodes");
            assert_eq!(
                (back.kind, back.key, back.value, back.prev),
                (change.kind, change.key, change.value, change.prev)
            );
            // Every truncation is rejected, never a panic.
            for len in 0..bytes.len() {
                let _ = Change::decode(&bytes[..len]);
            }
        }
        assert!(decode_entry("/k", b"short").is_none());
        assert_eq!(
            decode_entry("/k", &encode_entry(3, b"v")).map(|kv| kv.mod_revision),
            Some(3)
        );
    }
}
