//! Bearer tokens from a static file: kube-apiserver's `--token-auth-file`.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::UserInfo;

/// The tokens of a token file, each with its user. Tokens are kept only as SHA-256 digests, and
/// a presented token's digest is compared with every one of them in constant time, with no
/// early exit: how long a lookup takes says nothing about how close a guess was.
pub struct TokenFile {
    entries: Vec<([u8; 32], UserInfo)>,
}

impl std::fmt::Debug for TokenFile {
    /// Names the users, never the tokens: this may be logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile")
            .field(
                "users",
                &self
                    .entries
                    .iter()
                    .map(|(_, u)| &u.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl TokenFile {
    /// Reads a token file.
    pub fn load(path: &Path) -> Result<TokenFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the token file {}: {e}", path.display()))?;
        TokenFile::parse(&text).map_err(|e| format!("the token file {}: {e}", path.display()))
    }

    /// Parses the CSV of a token file: `token,user,uid` and optionally `"group1,group2"`, one
    /// user per line. Blank lines and lines starting with `#` are skipped; as in kube-apiserver,
    /// a record with an empty token is skipped and a repeated token keeps its last user (both
    /// with a warning).
    pub fn parse(text: &str) -> Result<TokenFile, String> {
        let mut entries: Vec<([u8; 32], UserInfo)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim_start();
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let record = csv_record(line).map_err(|e| format!("line {number}: {e}"))?;
            if record.len() < 3 {
                return Err(format!(
                    "line {number}: a token needs at least 3 columns (token, user name, user uid), found {}",
                    record.len()
                ));
            }
            if record[0].is_empty() {
                tracing::warn!(
                    line = number,
                    "token file: a record with an empty token is skipped"
                );
                continue;
            }
            let user = UserInfo {
                name: record[1].clone(),
                uid: record[2].clone(),
                groups: record
                    .get(3)
                    .filter(|g| !g.is_empty())
                    .map(|g| g.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            }
            .authenticated();
            let digest = digest(&record[0]);
            if let Some(existing) = entries.iter_mut().find(|(d, _)| *d == digest) {
                tracing::warn!(
                    line = number,
                    "token file: a repeated token keeps its last user"
                );
                existing.1 = user;
            } else {
                entries.push((digest, user));
            }
        }
        Ok(TokenFile { entries })
    }

    /// The user `token` belongs to.
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

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One CSV record: fields separated by commas, optionally in double quotes (`""` is a quote).
fn csv_record(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("a quoted field is not closed".into()),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(c) => return Err(format!("{c:?} after a quoted field")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field.trim_end_matches('\r').to_string());
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// The bearer token of a request: `None` without an `Authorization: Bearer` header (another
/// scheme, such as Basic, is not a bearer token), `Some(Err(()))` for `Bearer` with no token.
pub fn bearer_token(headers: &http::HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    Some(if token.is_empty() { Err(()) } else { Ok(token) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_apiserver_csv() {
        let file = TokenFile::parse(
            "# comment\n\nt1,jane,1,\"dev,qa\"\nt2,bob,2\n\"t,3\",carol,3,\"\"\n,nobody,4\nt2,bobby,5\n",
        )
        .unwrap();
        assert_eq!(file.len(), 3);
        let jane = file.authenticate("t1").unwrap();
        assert_eq!(jane.name, "jane");
        assert_eq!(jane.uid, "1");
        assert_eq!(jane.groups, ["dev", "qa", "system:authenticated"]);
        assert_eq!(
            file.authenticate("t2").unwrap().name,
            "bobby",
            "the last one wins"
        );
        assert_eq!(
            file.authenticate("t2").unwrap().groups,
            ["system:authenticated"]
        );
        assert_eq!(file.authenticate("t,3").unwrap().name, "carol");
        assert!(file.authenticate("t").is_none());
        assert!(file.authenticate("").is_none());
        let debug = format!("{file:?}");
        assert!(!debug.contains("t1") && debug.contains("jane"), "{debug}");
    }

    #[test]
    fn bad_files_say_where() {
        assert!(TokenFile::parse("t1,jane\n")
            .unwrap_err()
            .contains("line 1: a token needs at least 3 columns"));
        assert!(TokenFile::parse("ok,a,1\n\"t1,jane,1\n")
            .unwrap_err()
            .starts_with("line 2"));
    }

    #[test]
    fn bearer_tokens() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(http::header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(http::header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some(Ok("abc")));
        headers.insert(http::header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some(Err(())));
    }
}
