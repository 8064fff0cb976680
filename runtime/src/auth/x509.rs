//! The subject of an X.509 certificate, read from its DER with a small, bounds-checked walker:
//! only the path to the subject's common name and organizations, nothing that needs a crate.
//! The chain itself is verified by rustls before a subject is read.

use super::UserInfo;

/// What a certificate's subject says of its holder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The common name (OID 2.5.4.3), the last one when there are several.
    pub common_name: Option<String>,
    /// The organizations (OID 2.5.4.10), in order.
    pub organizations: Vec<String>,
}

impl Subject {
    /// The user this subject names, as kube-apiserver maps client certificates: the common
    /// name is the user, the organizations its groups. `None` without a common name.
    pub fn user(&self) -> Option<UserInfo> {
        let name = self.common_name.clone().filter(|n| !n.is_empty())?;
        Some(
            UserInfo {
                name,
                uid: String::new(),
                groups: self.organizations.clone(),
            }
            .authenticated(),
        )
    }
}

/// Why a certificate could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed certificate: {0}")]
pub struct X509Error(&'static str);

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xa0;
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];

/// One DER element: its tag and contents, and what follows it.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), X509Error> {
    let (&tag, rest) = input.split_first().ok_or(X509Error("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(X509Error("multi-byte tags are not used in a subject"));
    }
    let (&first, rest) = rest.split_first().ok_or(X509Error("truncated length"))?;
    let (length, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 || rest.len() < count {
            return Err(X509Error("bad length"));
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (length, &rest[count..])
    };
    if rest.len() < length {
        return Err(X509Error("length past the end"));
    }
    Ok((tag, &rest[..length], &rest[length..]))
}

/// The contents of an element that must have `tag`, and what follows it.
fn expect<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), X509Error> {
    match element(input)? {
        (t, contents, rest) if t == tag => Ok((contents, rest)),
        _ => Err(X509Error(what)),
    }
}

/// Reads the subject of a DER certificate.
pub fn subject(der: &[u8]) -> Result<Subject, X509Error> {
    let (certificate, _) = expect(der, SEQUENCE, "not a certificate")?;
    let (tbs, _) = expect(certificate, SEQUENCE, "no tbsCertificate")?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = element(rest)?.2;
    }
    let (_, rest) = expect(rest, INTEGER, "no serial number")?;
    let (_, rest) = expect(rest, SEQUENCE, "no signature algorithm")?;
    let (_, rest) = expect(rest, SEQUENCE, "no issuer")?;
    let (_, rest) = expect(rest, SEQUENCE, "no validity")?;
    let (mut names, _) = expect(rest, SEQUENCE, "no subject")?;
    let mut subject = Subject::default();
    while !names.is_empty() {
        let (mut set, next) = expect(names, SET, "a subject part is not a set")?;
        names = next;
        while !set.is_empty() {
            let (pair, next) = expect(set, SEQUENCE, "a subject attribute is not a sequence")?;
            set = next;
            let (oid, value) = expect(pair, OID, "a subject attribute has no type")?;
            let (tag, text, _) = element(value)?;
            if oid == COMMON_NAME {
                subject.common_name = Some(string(tag, text)?);
            } else if oid == ORGANIZATION {
                subject.organizations.push(string(tag, text)?);
            }
        }
    }
    Ok(subject)
}

/// An ASN.1 string as text.
fn string(tag: u8, bytes: &[u8]) -> Result<String, X509Error> {
    match tag {
        // UTF8String, PrintableString, IA5String, VisibleString.
        0x0c | 0x13 | 0x16 | 0x1a => String::from_utf8(bytes.to_vec())
            .map_err(|_| X509Error("a subject string is not UTF-8")),
        // TeletexString, read as Latin-1 as most implementations do.
        0x14 => Ok(bytes.iter().map(|&b| b as char).collect()),
        // BMPString: UTF-16BE.
        0x1e if bytes.len().is_multiple_of(2) => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_err(|_| X509Error("a BMPString is not UTF-16"))
        }
        // UniversalString: UTF-32BE.
        0x1c if bytes.len().is_multiple_of(4) => bytes
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect::<Option<String>>()
            .ok_or(X509Error("a UniversalString is not UTF-32")),
        _ => Err(X509Error("a subject attribute is not a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate for `subject`, made by the `openssl` command, as DER.
    fn certificate(subject: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("cert.der");
        let status = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args([
                "-nodes", "-days", "1", "-outform", "DER", "-utf8", "-subj", subject,
            ])
            .arg("-keyout")
            .arg(dir.path().join("key.pem"))
            .arg("-out")
            .arg(&out)
            .output()
            .expect("openssl is installed (scripts/test.sh installs it)");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        std::fs::read(out).unwrap()
    }

    #[test]
    fn common_name_is_the_user_and_organizations_the_groups() {
        let der = certificate("/CN=jane/O=dev/O=ops/OU=ignored");
        let jane = subject(&der).unwrap();
        assert_eq!(jane.common_name.as_deref(), Some("jane"));
        assert_eq!(jane.organizations, ["dev", "ops"]);
        let user = jane.user().unwrap();
        assert_eq!(user.name, "jane");
        assert_eq!(user.groups, ["dev", "ops", "system:authenticated"]);
        let der = certificate("/CN=Zoë/O=system:masters");
        let zoe = subject(&der).unwrap();
        assert_eq!(zoe.common_name.as_deref(), Some("Zoë"));
        assert_eq!(zoe.organizations, ["system:masters"]);
        let der = certificate("/O=nobody");
        assert_eq!(
            subject(&der).unwrap().user(),
            None,
            "no common name, no user"
        );
    }

    #[test]
    fn odd_der_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            &[0x30],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x82, 0xff, 0xff],
            &[0x30, 0x80],
            &[0x1f, 0x01, 0x00],
            &[0x30, 0x03, 0x30, 0x01, 0x02],
        ] {
            assert!(subject(bytes).is_err(), "{bytes:?}");
        }
        // Every truncation of a real certificate fails cleanly.
        let der = certificate("/CN=jane/O=dev");
        for len in 0..der.len() {
            let _ = subject(&der[..len]);
        }
    }
}
