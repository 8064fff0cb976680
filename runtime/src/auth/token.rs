//! Bearer tokens from a static file: kube-apiserver's `--token-auth-file`.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::UserInfo;

/// The tokens of a token file, each with its user.
///
/// Tokens are kept only as SHA-256 digests. [`TokenFile::authenticate`] compares the digest of
/// the presented token with every digest the file holds, each comparison in constant time and
/// with no early exit, so how long a lookup takes depends on the number of tokens only, never
/// on how much of a guess was right (a hash map would compare keys with an early exit; the
/// digests make that harmless too, but a scan needs no argument). `Debug` shows the user names,
/// never a token or digest: a `TokenFile` may be logged.
pub struct TokenFile {
    entries: Vec<([u8; 32], UserInfo)>,
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let users: Vec<&str> = self.entries.iter().map(|(_, u)| u.name.as_str()).collect();
        f.debug_struct("TokenFile").field("users", &users).finish()
    }
}

impl TokenFile {
    /// Reads a token file; errors name the file and the line.
    pub fn load(path: impl AsRef<Path>) -> Result<TokenFile, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the token file {}: {e}", path.display()))?;
        TokenFile::parse(&text).map_err(|e| format!("the token file {}: {e}", path.display()))
    }

    /// Parses a token file as kube-apiserver does: CSV records (Go's `encoding/csv`: fields in
    /// double quotes may hold commas, `""` is a quote) of `token,user,uid` and optionally
    /// `"group1,group2"`; more columns are ignored. A record with fewer than 3 columns is an
    /// error; one with an empty token is skipped, and a repeated token keeps its last user,
    /// both with a warning. Beyond kube-apiserver, blank lines and lines starting with `#` are
    /// skipped, and empty group names are dropped. Every user is in `system:authenticated`.
    ///
    /// ```
    /// # use krest::auth::TokenFile;
    /// let tokens = TokenFile::parse("# token,user,uid,groups\nt0ken,jane,42,\"dev,ops\"\n")?;
    /// let jane = tokens.authenticate("t0ken").unwrap();
    /// assert_eq!((jane.name.as_str(), jane.uid.as_str()), ("jane", "42"));
    /// assert_eq!(jane.groups, ["dev", "ops", "system:authenticated"]);
    /// assert!(tokens.authenticate("t0ke").is_none());
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(text: &str) -> Result<TokenFile, String> {
        let mut entries: Vec<([u8; 32], UserInfo)> = Vec::new();
        let mut seen: HashMap<[u8; 32], usize> = HashMap::new();
        for (line, record) in records(text)? {
            if record.len() < 3 {
                return Err(format!(
                    "line {line}: a token needs at least 3 columns (token, user name, user uid), found {}",
                    record.len()
                ));
            }
            let mut record = record.into_iter();
            let token = record.next().unwrap_or_default();
            if token.is_empty() {
                tracing::warn!(line, "token file: a record with an empty token is skipped");
                continue;
            }
            let user = UserInfo {
                name: record.next().unwrap_or_default(),
                uid: record.next().unwrap_or_default(),
                groups: record
                    .next()
                    .map(|groups| {
                        groups
                            .split(',')
                            .filter(|g| !g.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                ..UserInfo::default()
            }
            .authenticated();
            let digest = digest(&token);
            if let Some(&index) = seen.get(&digest) {
                tracing::warn!(line, "token file: a repeated token keeps its last user");
                entries[index].1 = user;
            } else {
                seen.insert(digest, entries.len());
                entries.push((digest, user));
            }
        }
        Ok(TokenFile { entries })
    }

    /// The user `token` belongs to, found in constant time (see [`TokenFile`]).
    pub fn authenticate(&self, token: &str) -> Option<UserInfo> {
        let presented = digest(token);
        let mut found = None;
        for (known, user) in &self.entries {
            if constant_time_eq(known, &presented) {
                found = Some(user);
            }
        }
        found.cloned()
    }

    /// How many tokens the file holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file holds no token.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `a` and `b` are equal, looking at every byte whatever the first difference
/// (`black_box` keeps the optimizer from stopping at one).
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut difference = 0u8;
    for (x, y) in a.iter().zip(b) {
        difference = std::hint::black_box(difference | (x ^ y));
    }
    difference == 0
}

/// The records of a CSV text, each with the line it starts on, as Go's `encoding/csv` reads
/// them with any number of fields: a field in double quotes may hold commas, newlines and `""`
/// (a quote); a quote elsewhere in a field is an error; `\r\n` ends a line as `\n` does.
/// Blank lines and lines starting with `#` are skipped.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.replace("\r\n", "\n");
    let mut lines = text.split('\n').zip(1..);
    let mut records = Vec::new();
    while let Some((line, start)) = lines.next() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = Vec::new();
        let mut rest = line;
        let mut number = start;
        'record: loop {
            let Some(quoted) = rest.strip_prefix('"') else {
                let (field, next) = match rest.split_once(',') {
                    Some((field, next)) => (field, Some(next)),
                    None => (rest, None),
                };
                if field.contains('"') {
                    return Err(format!("line {number}: bare \" in non-quoted field"));
                }
                fields.push(field.to_string());
                match next {
                    Some(next) => rest = next,
                    None => break 'record,
                }
                continue;
            };
            let mut field = String::new();
            rest = quoted;
            loop {
                let Some(end) = rest.find('"') else {
                    // The field goes on on the next line.
                    field.push_str(rest);
                    field.push('\n');
                    let Some((line, n)) = lines.next() else {
                        return Err(format!(
                            "line {start}: extraneous or missing \" in quoted-field"
                        ));
                    };
                    (rest, number) = (line, n);
                    continue;
                };
                field.push_str(&rest[..end]);
                rest = &rest[end + 1..];
                if let Some(after) = rest.strip_prefix('"') {
                    field.push('"');
                    rest = after;
                } else if rest.is_empty() {
                    fields.push(field);
                    break 'record;
                } else if let Some(next) = rest.strip_prefix(',') {
                    fields.push(field);
                    rest = next;
                    continue 'record;
                } else {
                    return Err(format!(
                        "line {number}: extraneous or missing \" in quoted-field"
                    ));
                }
            }
        }
        records.push((start, fields));
    }
    Ok(records)
}

/// The bearer token of a request's `Authorization` header, read as kube-apiserver reads it
/// (the value trimmed, then `Bearer` in any case, one space and the token up to the next
/// space): `None` without the header or with another scheme (Basic, say: not a bearer token,
/// so the request may still be anonymous), `Some(Err(()))` for `Bearer` with no token or one
/// that is not UTF-8 (a 401, where kube-apiserver would fall back to anonymous for an empty
/// one).
pub fn bearer_token(headers: &http::HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers
        .get(http::header::AUTHORIZATION)?
        .as_bytes()
        .trim_ascii();
    let mut parts = value.splitn(3, |&b| b == b' ');
    let scheme = parts.next()?;
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    match parts.next() {
        None | Some([]) => Some(Err(())),
        Some(token) => Some(std::str::from_utf8(token).map_err(|_| ())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_apiserver_csv() {
        let file = TokenFile::parse(concat!(
            "# comment\n",
            "\n",
            "t1,jane,1,\"dev,qa\"\n",
            "t2,bob,2\r\n",
            "\"t,3\",carol,3,\"\",extra\n",
            ",nobody,4\n",
            "t2,bobby,5\n",
            " t4 ,sp ace,6,\"a,,b\"\n",
            "\"t\"\"5\",\"multi\n",
            "line\",7,\"x\"\n",
            "   \n",
            "t6,last,8",
        ))
        .unwrap();
        assert_eq!(file.len(), 6);
        let jane = file.authenticate("t1").unwrap();
        assert_eq!((jane.name.as_str(), jane.uid.as_str()), ("jane", "1"));
        assert_eq!(jane.groups, ["dev", "qa", "system:authenticated"]);
        let bob = file.authenticate("t2").unwrap();
        assert_eq!(bob.name, "bobby", "the last one wins");
        assert_eq!(bob.groups, ["system:authenticated"]);
        assert_eq!(file.authenticate("t,3").unwrap().name, "carol");
        assert_eq!(
            file.authenticate("t,3").unwrap().groups,
            ["system:authenticated"]
        );
        let spaced = file.authenticate(" t4 ").unwrap();
        assert_eq!(
            spaced.name, "sp ace",
            "spaces are kept, as Go's csv keeps them"
        );
        assert_eq!(spaced.groups, ["a", "b", "system:authenticated"]);
        assert!(file.authenticate("t4").is_none());
        assert_eq!(file.authenticate("t\"5").unwrap().name, "multi\nline");
        assert_eq!(file.authenticate("t6").unwrap().name, "last");
        assert!(file.authenticate("t").is_none());
        assert!(file.authenticate("").is_none());
        let debug = format!("{file:?}");
        assert!(debug.contains("jane"), "{debug}");
        for token in ["t1", "t2", "t6"] {
            assert!(!debug.contains(token), "{debug}");
        }
    }

    #[test]
    fn bad_files_say_where() {
        let rows = [
            (
                "t1,jane\n",
                "line 1: a token needs at least 3 columns (token, user name, user uid), found 2",
            ),
            (
                "ok,a,1\n\n\"t1,jane,1\n",
                "line 3: extraneous or missing \" in quoted-field",
            ),
            (
                "ok,a,1\n\"t1\"x,jane,1\n",
                "line 2: extraneous or missing \" in quoted-field",
            ),
            (
                "ok,a,1\nt\"1,jane,1\n",
                "line 2: bare \" in non-quoted field",
            ),
            (
                "ok,a,1\n t1, \"jane\",1\n",
                "line 2: bare \" in non-quoted field",
            ),
        ];
        for (text, error) in rows {
            assert_eq!(TokenFile::parse(text).unwrap_err(), error, "{text:?}");
        }
        assert!(TokenFile::parse("").unwrap().is_empty());
    }

    #[test]
    fn the_comparator_looks_at_every_byte() {
        let a = digest("secret");
        assert!(constant_time_eq(&a, &a));
        for i in 0..32 {
            let mut b = a;
            b[i] ^= 0x80;
            assert!(!constant_time_eq(&a, &b), "a difference at byte {i}");
        }
        assert!(!constant_time_eq(&[0; 32], &[0xff; 32]));
        // Every entry is compared: the last of many is found.
        let text: String = (0..500)
            .map(|i| format!("token-{i},user-{i},{i}\n"))
            .collect();
        let file = TokenFile::parse(&text).unwrap();
        assert_eq!(file.authenticate("token-499").unwrap().name, "user-499");
        assert_eq!(file.authenticate("token-0").unwrap().name, "user-0");
        assert!(file.authenticate("token-500").is_none());
    }

    #[test]
    fn bearer_tokens() {
        type Row = (&'static [u8], Option<Result<&'static str, ()>>);
        let rows: [Row; 13] = [
            (b"Bearer abc", Some(Ok("abc"))),
            (b"bearer abc", Some(Ok("abc"))),
            (b"BEARER abc", Some(Ok("abc"))),
            (b"  Bearer abc  ", Some(Ok("abc"))),
            (b"Bearer abc def", Some(Ok("abc"))),
            (b"Bearer ", Some(Err(()))),
            (b"Bearer", Some(Err(()))),
            (b"Bearer  abc", Some(Err(()))),
            (b"Bearer \xff", Some(Err(()))),
            (b"Basic YTpi", None),
            (b"Bearerabc", None),
            (b"", None),
            (b"abc", None),
        ];
        for (value, want) in rows {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_bytes(value).unwrap(),
            );
            assert_eq!(
                bearer_token(&headers),
                want,
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
        assert_eq!(bearer_token(&http::HeaderMap::new()), None);
    }
}
