//! The subject of an X.509 certificate, read from its DER with a small, bounds-checked walker:
//! only the path to the subject's common names and organizations, nothing that needs a crate.
//! The chain itself is verified (by rustls) before a subject is read; this reads, it does not
//! vouch.

use super::UserInfo;

/// What a certificate's subject says of its holder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The common name (OID 2.5.4.3); the last one when there are several, as Go reads it.
    pub common_name: Option<String>,
    /// The organizations (OID 2.5.4.10), in order.
    pub organizations: Vec<String>,
}

impl Subject {
    /// The user this subject names, as kube-apiserver's `CommonNameUserConversion` maps a
    /// client certificate: the common name is the user, the organizations its groups (and
    /// `system:authenticated`). `None` without a common name, or with an empty one.
    pub fn user(&self) -> Option<UserInfo> {
        let name = self.common_name.clone().filter(|n| !n.is_empty())?;
        Some(
            UserInfo {
                name,
                groups: self.organizations.clone(),
                ..UserInfo::default()
            }
            .authenticated(),
        )
    }
}

/// Why a certificate's subject could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed certificate: {0}")]
pub struct X509Error(&'static str);

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const INTEGER: u8 = 0x02;
/// `[0] EXPLICIT Version`.
const VERSION: u8 = 0xa0;
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];

/// One DER element: its tag, its contents and what follows it. Lengths must be DER's (the
/// shortest form, at most four bytes of length) and within `input`.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), X509Error> {
    let (&tag, rest) = input.split_first().ok_or(X509Error("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(X509Error("a multi-byte tag"));
    }
    let (&first, rest) = rest.split_first().ok_or(X509Error("truncated length"))?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 {
            return Err(X509Error("an indefinite length"));
        }
        if count > 4 {
            return Err(X509Error("a length too long"));
        }
        let (bytes, rest) = rest
            .split_at_checked(count)
            .ok_or(X509Error("truncated length"))?;
        if bytes[0] == 0 || (count == 1 && bytes[0] < 0x80) {
            return Err(X509Error("a length not in its shortest form"));
        }
        let length = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let length = usize::try_from(length).map_err(|_| X509Error("a length too long"))?;
        (length, rest)
    };
    let (contents, rest) = rest
        .split_at_checked(length)
        .ok_or(X509Error("a length past the end"))?;
    Ok((tag, contents, rest))
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

/// Reads the subject of a DER certificate: `Certificate` -> `tbsCertificate` -> (version,
/// serial number, signature algorithm, issuer, validity) -> `subject`, a sequence of sets of
/// (type, value) pairs. Common names and organizations must be UTF8String, PrintableString,
/// IA5String, NumericString, TeletexString (read as Latin-1) or BMPString, each valid, the
/// strings Go's certificate parser accepts; other attributes are skipped.
///
/// ```
/// # use krest::auth::subject;
/// assert!(subject(b"not a certificate").is_err());
/// ```
pub fn subject(der: &[u8]) -> Result<Subject, X509Error> {
    let (certificate, rest) = expect(der, SEQUENCE, "not a certificate")?;
    if !rest.is_empty() {
        return Err(X509Error("trailing data after the certificate"));
    }
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

/// An ASN.1 string as text, as Go's `parseASN1String` reads it.
fn string(tag: u8, bytes: &[u8]) -> Result<String, X509Error> {
    let ascii = |valid: fn(&u8) -> bool, error: &'static str| {
        if bytes.iter().all(valid) {
            // All ASCII, so UTF-8.
            Ok(String::from_utf8_lossy(bytes).into_owned())
        } else {
            Err(X509Error(error))
        }
    };
    match tag {
        // UTF8String.
        0x0c => {
            String::from_utf8(bytes.to_vec()).map_err(|_| X509Error("a UTF8String is not UTF-8"))
        }
        // PrintableString, with `*` and `&` as Go allows them.
        0x13 => ascii(
            |&b| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b),
            "a PrintableString holds a character it may not",
        ),
        // IA5String.
        0x16 => ascii(u8::is_ascii, "an IA5String is not ASCII"),
        // NumericString.
        0x12 => ascii(
            |&b| b.is_ascii_digit() || b == b' ',
            "a NumericString holds more than digits and spaces",
        ),
        // TeletexString, read as Latin-1 as Go and BoringSSL read it.
        0x14 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UCS-2, big-endian, perhaps ending in a NUL.
        0x1e => {
            if !bytes.len().is_multiple_of(2) {
                return Err(X509Error("a BMPString of an odd length"));
            }
            let bytes = bytes.strip_suffix(&[0, 0]).unwrap_or(bytes);
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            let reserved =
                |&u: &u16| matches!(u, 0xfffe | 0xffff | 0xfdd0..=0xfdef | 0xd800..=0xdfff);
            if units.iter().any(reserved) {
                return Err(X509Error("a BMPString holds a noncharacter or a surrogate"));
            }
            Ok(char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect())
        }
        _ => Err(X509Error("a subject name is not a string Go reads")),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    /// `/CN=jane/O=dev/O=ops/OU=ignored`, version 3, issued by `/CN=krest-test-ca/O=ca-org`: UTF8Strings.
    const JANE: &str = "\
MIIBwTCCAWegAwIBAgIUE3GhuFRtYxXgzRdU2f6BngcspNgwCgYIKoZIzj0EAwIw
KTEWMBQGA1UEAwwNa3Jlc3QtdGVzdC1jYTEPMA0GA1UECgwGY2Etb3JnMCAXDTI2
MTEyMzAwNDYyNVoYDzIxMjYxMDMwMDA0NjI1WjA9MQ0wCwYDVQQDDARqYW5lMQww
CgYDVQQKDANkZXYxDDAKBgNVBAoMA29wczEQMA4GA1UECwwHaWdub3JlZDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABG2s1+RGL9+DZJdnklJQfsFL7zoLofc+JNvt
AMtaxy5AOcTfio3gqa1H03k8n9fJMwjL1WKpJ004EppeKkf9Nv2jVzBVMBMGA1Ud
JQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBRIOFdZL9qocUL9jN6yOKInxxAnLjAf
BgNVHSMEGDAWgBR0blONPzTeV5+JWaUNBX9LzpfG2zAKBggqhkjOPQQDAgNIADBF
AiAFVPCH3E4lCluWhLhE/efM4rVWf8uWNA78bShi2vPduQIhAMJvZoK83YlHC2LK
Xcp3noEtoPKYfcujP4twvRaLkR2i";

    /// `/CN=Zoë/O=system:masters`, version 1: a UTF8String beyond ASCII.
    const ZOE: &str = "\
MIIBTTCB9AIUE3GhuFRtYxXgzRdU2f6BngcspNIwCgYIKoZIzj0EAwIwKTEWMBQG
A1UEAwwNa3Jlc3QtdGVzdC1jYTEPMA0GA1UECgwGY2Etb3JnMCAXDTI2MTEyMzAw
NDU1NFoYDzIxMjYxMDMwMDA0NTU0WjAoMQ0wCwYDVQQDDARab8OrMRcwFQYDVQQK
DA5zeXN0ZW06bWFzdGVyczBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJr5FFDa
JIGjimQI7g1dvT7QNDoH4yq2q1Tj8Ka9y6YSG1bd+0CpfGlBMcI6Eu3WTgDjo4KJ
V17xn23ENstt4egwCgYIKoZIzj0EAwIDSAAwRQIgFJyq3FCHK6MJ3JILxoWTIlKZ
auU1pBJyaqKsr3F3bhECIQCOaBI5tLcqC26Kbu3Abs2lf4QESTzLLiuyLn0HW8KC
/A==";

    /// `/O=nobody`: no common name.
    const NOCN: &str = "\
MIIBNjCB3QIUE3GhuFRtYxXgzRdU2f6BngcspNMwCgYIKoZIzj0EAwIwKTEWMBQG
A1UEAwwNa3Jlc3QtdGVzdC1jYTEPMA0GA1UECgwGY2Etb3JnMCAXDTI2MTEyMzAw
NDU1NFoYDzIxMjYxMDMwMDA0NTU0WjARMQ8wDQYDVQQKDAZub2JvZHkwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAS3QnQEiYVQzYDiHPgZXXo7k0RRERrNoSmG6wGD
jo+09smvkbaCzag5EHgSsNcpXTElQunnivrlQaPNUSH6OtBpMAoGCCqGSM49BAMC
A0gAMEUCIQCFC0RMv4X+W5Ix3pOAAfvwaW0Sd8lyec1EspqNMlZFUwIgBO/AlXAy
MQbvvS2AAHZBVbAIBgDTXcaNbctoGt3blkY=";

    /// `/CN=Zoë/O=Café` as TeletexStrings (Latin-1), `string_mask=nombstr`.
    const T61: &str = "\
MIIBQzCB6QIUE3GhuFRtYxXgzRdU2f6BngcspNcwCgYIKoZIzj0EAwIwKTEWMBQG
A1UEAwwNa3Jlc3QtdGVzdC1jYTEPMA0GA1UECgwGY2Etb3JnMCAXDTI2MTEyMzAw
NDU1OFoYDzIxMjYxMDMwMDA0NTU4WjAdMQwwCgYDVQQDFANab+sxDTALBgNVBAoU
BENhZukwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR4r1w/CXPoVjVEIXPMUem2
jHLXu480c89s5gXwHzNFaDWHo5SN4Wuqwu/ZlKEPhkOY8XaNX5DoVQTeYEe8RGzS
MAoGCCqGSM49BAMCA0kAMEYCIQC9yV4qcpjTZFlwEWmQVEV2hJikhEvGFgWhDgol
nT5LmAIhAJ3J1AugY783XMeNBJBXFO72BzIkL3Obt1BdJOKQHZ8a";

    /// `/CN=Zoë/O=Ωmega` as BMPStrings, `string_mask=pkix`.
    const BMP: &str = "\
MIIBSzCB8gIUE3GhuFRtYxXgzRdU2f6BngcspNQwCgYIKoZIzj0EAwIwKTEWMBQG
A1UEAwwNa3Jlc3QtdGVzdC1jYTEPMA0GA1UECgwGY2Etb3JnMCAXDTI2MTEyMzAw
NDU1NFoYDzIxMjYxMDMwMDA0NTU0WjAmMQ8wDQYDVQQDHgYAWgBvAOsxEzARBgNV
BAoeCgOpAG0AZQBnAGEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT4f7hRzDjq
tV5fdG4jIYGMOTtlE99wgXR+HmtpsQJMEwFLkCokrmXrHSB+WG8kNMlLxRzQhcpy
907CUh7+iB3BMAoGCCqGSM49BAMCA0gAMEUCIH4e7ot52DVtxSpTSPBUWbjGzIbx
k5E6Pw1JTPAV2sBKAiEA7zzTbvg3urlQ9kN5A57mxuz367IaU2UWy+oXYn7ZA08=";

    /// `/O=grp+CN=first/CN=second`: a multi-valued RDN and two common names.
    const MULTI: &str = "\
MIIBUzCB+QIUE3GhuFRtYxXgzRdU2f6BngcspNUwCgYIKoZIzj0EAwIwKTEWMBQG
A1UEAwwNa3Jlc3QtdGVzdC1jYTEPMA0GA1UECgwGY2Etb3JnMCAXDTI2MTEyMzAw
NDU1NFoYDzIxMjYxMDMwMDA0NTU0WjAtMRowCgYDVQQKDANncnAwDAYDVQQDDAVm
aXJzdDEPMA0GA1UEAwwGc2Vjb25kMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
H9u71awdrN8ol6Ee/5e59xq+QThvG3ayc8M557dTxHgHajkM1zvRSbszEspT7r4G
P+OIeUe7ZwaI2zwPTA3zojAKBggqhkjOPQQDAgNJADBGAiEA1yxFLJl0ZN64Va+3
MgXLbrL1ASUxVQu0w++IVuiI9F8CIQD3wNqfDZsnHHOrMCgxosO30W+3GhfMJW99
7+ykhEygdg==";

    fn der(pem: &str) -> Vec<u8> {
        let text: String = pem.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap()
    }

    #[test]
    fn common_name_is_the_user_and_organizations_the_groups() {
        let jane = subject(&der(JANE)).unwrap();
        assert_eq!(
            jane,
            Subject {
                common_name: Some("jane".into()),
                organizations: vec!["dev".into(), "ops".into()],
            },
            "the subject's, not the issuer's"
        );
        let user = jane.user().unwrap();
        assert_eq!((user.name.as_str(), user.uid.as_str()), ("jane", ""));
        assert_eq!(user.groups, ["dev", "ops", "system:authenticated"]);

        let zoe = subject(&der(ZOE)).unwrap();
        assert_eq!(zoe.common_name.as_deref(), Some("Zoë"));
        assert_eq!(zoe.organizations, ["system:masters"]);

        let nobody = subject(&der(NOCN)).unwrap();
        assert_eq!(nobody.organizations, ["nobody"]);
        assert_eq!(nobody.user(), None, "no common name, no user");
        let empty = Subject {
            common_name: Some(String::new()),
            organizations: Vec::new(),
        };
        assert_eq!(empty.user(), None, "an empty common name, no user");
    }

    #[test]
    fn string_types() {
        let teletex = subject(&der(T61)).unwrap();
        assert_eq!(teletex.common_name.as_deref(), Some("Zoë"));
        assert_eq!(teletex.organizations, ["Café"]);
        let bmp = subject(&der(BMP)).unwrap();
        assert_eq!(bmp.common_name.as_deref(), Some("Zoë"));
        assert_eq!(bmp.organizations, ["Ωmega"]);
        let multi = subject(&der(MULTI)).unwrap();
        assert_eq!(multi.common_name.as_deref(), Some("second"), "the last one");
        assert_eq!(multi.organizations, ["grp"]);

        assert_eq!(
            string(0x13, b"Jane Doe (ops) *.x&y").unwrap(),
            "Jane Doe (ops) *.x&y"
        );
        assert!(string(0x13, b"a@b").is_err());
        assert!(string(0x13, b"\xc3\xa9").is_err());
        assert_eq!(string(0x16, b"a@b").unwrap(), "a@b");
        assert!(string(0x16, b"\x80").is_err());
        assert_eq!(string(0x12, b"0 9").unwrap(), "0 9");
        assert!(string(0x12, b"0x").is_err());
        assert!(string(0x0c, b"\xff").is_err());
        assert_eq!(string(0x1e, b"\x00a\x00\x00").unwrap(), "a");
        assert!(string(0x1e, b"\x00a\x00").is_err());
        assert!(string(0x1e, b"\xd8\x00\xdc\x00").is_err(), "no surrogates");
        assert!(string(0x1e, b"\xff\xfe").is_err());
        assert!(string(0x1c, b"\x00\x00\x00a").is_err(), "UniversalString");
        assert!(string(0x04, b"a").is_err(), "an OCTET STRING");
    }

    #[test]
    fn lengths_must_be_ders() {
        assert_eq!(
            element(&[0x04, 0x01, 0xaa, 0xbb]).unwrap(),
            (0x04, &[0xaa][..], &[0xbb][..])
        );
        assert_eq!(
            element(&[0x04, 0x81, 0x80]).unwrap_err(),
            X509Error("a length past the end")
        );
        let long = [&[0x04, 0x81, 0x80][..], &[0; 0x80]].concat();
        assert_eq!(element(&long).unwrap().1.len(), 0x80);
        for bad in [
            &[][..],
            &[0x04],
            &[0x04, 0x80],
            &[0x04, 0x81],
            &[0x04, 0x81, 0x01, 0x00],
            &[0x04, 0x82, 0x00, 0x80],
            &[0x04, 0x85, 1, 0, 0, 0, 0],
            &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x04, 0x02, 0x00],
            &[0x1f, 0x01, 0x00],
        ] {
            assert!(element(bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn odd_der_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            &[0x30],
            &[0x30, 0x00],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x82, 0xff, 0xff],
            &[0x30, 0x80],
            &[0x1f, 0x01, 0x00],
            &[0x30, 0x03, 0x30, 0x01, 0x02],
            &[0x30, 0x02, 0x30, 0x00],
        ] {
            assert!(subject(bytes).is_err(), "{bytes:02x?}");
        }
        let jane = der(JANE);
        let mut trailing = jane.clone();
        trailing.push(0);
        assert_eq!(
            subject(&trailing).unwrap_err(),
            X509Error("trailing data after the certificate")
        );
        // Every truncation fails cleanly, and so does every single-byte change that breaks the
        // structure (the others still read).
        for len in 0..jane.len() {
            assert!(subject(&jane[..len]).is_err(), "{len}");
        }
        for i in 0..jane.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bytes = jane.clone();
                bytes[i] ^= flip;
                let _ = subject(&bytes);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = subject(&bytes);
            let mut prefixed = vec![0x30, 0x82];
            prefixed.extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_be_bytes());
            prefixed.extend_from_slice(&bytes);
            let _ = subject(&prefixed);
        }
    }
}
