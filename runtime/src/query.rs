//! Query strings decoded the way kube-apiserver's parameter codec does: unknown parameters are
//! ignored, booleans parse the Go way, bad integers are a 400.

use std::borrow::Cow;

use crate::status::Status;

/// A request's query string.
#[derive(Clone, Copy, Debug, Default)]
pub struct Query<'a>(&'a str);

impl<'a> Query<'a> {
    /// The query of `uri`.
    pub fn of(uri: &'a http::Uri) -> Query<'a> {
        Query(uri.query().unwrap_or(""))
    }

    /// The first value of `key`, decoded; `Some("")` for a bare `?key`.
    pub fn get(&self, key: &str) -> Option<Cow<'a, str>> {
        if self.0.is_empty() {
            return None;
        }
        self.0.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == key).then(|| decode(v))
        })
    }

    /// Every value of `key`.
    pub fn all(&self, key: &'a str) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.0.split('&').filter_map(move |pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == key).then(|| decode(v))
        })
    }

    /// A Go-style boolean: absent is `false`; present, only `0` and (any case) `false` are
    /// false, anything else, even empty, is true.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    /// A non-empty string parameter.
    pub fn text(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// An integer parameter; a value that is not one is a 400.
    pub fn int(&self, key: &str) -> Result<Option<i64>, Status> {
        match self.text(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                Status::bad_request(format!(
                    "invalid value {v:?} for query parameter {key}: not an integer"
                ))
            }),
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte.
fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_booleans_and_decoding() {
        let uri: http::Uri =
            "/x?watch&a=True&b=0&c=FALSE&d=no&sel=app%3Dweb%2Ctier+in+(a)&n=12&bad=x&pct=%"
                .parse()
                .unwrap();
        let q = Query::of(&uri);
        assert!(q.flag("watch"));
        assert!(q.flag("a"));
        assert!(!q.flag("b"));
        assert!(!q.flag("c"));
        assert!(q.flag("d"));
        assert!(!q.flag("missing"));
        assert_eq!(q.get("sel").unwrap(), "app=web,tier in (a)");
        assert_eq!(q.int("n").unwrap(), Some(12));
        assert_eq!(q.int("bad").unwrap_err().code, 400);
        assert_eq!(q.get("pct").unwrap(), "%");
    }
}
