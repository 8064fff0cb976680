//! The values of the Kubernetes CEL library types (quantity, IP, CIDR, URL, semver, format),
//! their parsing, and their member functions.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use cel::objects::{Map, Opaque};
use cel::Value;

use super::{key, opaque, parse_ip};

/// The type names, as cel-go's Kubernetes libraries name them.
pub(crate) const QUANTITY: &str = "kubernetes.Quantity";
pub(crate) const IP: &str = "net.IP";
pub(crate) const CIDR: &str = "net.CIDR";
pub(crate) const URL: &str = "kubernetes.URL";
pub(crate) const SEMVER: &str = "kubernetes.Semver";
pub(crate) const FORMAT: &str = "kubernetes.NamedFormat";

/// A quantity (`quantity('1.5Gi')`), exactly, in billionths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity(pub i128);

/// An IP address (`ip('10.0.0.1')`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(pub IpAddr);

/// A CIDR (`cidr('10.0.0.0/8')`): the address as written and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(pub IpAddr, pub u8);

/// A URL (`url('https://example.com:80/path?q=1')`), in its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    scheme: String,
    host: String,
    path: String,
    query: String,
}

/// A semantic version (`semver('1.2.3-rc.1')`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Semver {
    numbers: [u64; 3],
    pre: Vec<String>,
}

/// A named format (`format.dns1123Label()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format(pub &'static str);

macro_rules! opaque_type {
    ($t:ty, $name:expr) => {
        impl Opaque for $t {
            fn runtime_type_name(&self) -> &str {
                $name
            }
        }
    };
}

opaque_type!(Quantity, QUANTITY);
opaque_type!(Ip, IP);
opaque_type!(Cidr, CIDR);
opaque_type!(Url, URL);
opaque_type!(Semver, SEMVER);
opaque_type!(Format, FORMAT);

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses a quantity as Kubernetes writes them: a signed decimal number and a suffix,
    /// binary (`Ki`...`Ei`), decimal (`n`, `u`, `m`, `k`, `M`...`E`) or an exponent (`e3`).
    pub fn parse(text: &str) -> Result<Quantity, String> {
        let bad = || {
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".to_string()
        };
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return Err(bad());
        }
        let (mut exp10, binary): (i32, u32) = match suffix {
            "" => (0, 0),
            "Ki" => (0, 1),
            "Mi" => (0, 2),
            "Gi" => (0, 3),
            "Ti" => (0, 4),
            "Pi" => (0, 5),
            "Ei" => (0, 6),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            s if s.starts_with(['e', 'E']) => (s[1..].parse::<i32>().map_err(|_| bad())?, 0),
            _ => return Err(bad()),
        };
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return Err("quantity too large".into());
        }
        let mut value: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| bad())?
        };
        exp10 += 9 - fraction.len() as i32;
        let too_large = || "quantity too large".to_string();
        value = value
            .checked_mul(1024i128.pow(binary))
            .ok_or_else(too_large)?;
        if exp10 >= 0 {
            value = 10i128
                .checked_pow(exp10 as u32)
                .and_then(|p| value.checked_mul(p))
                .ok_or_else(too_large)?;
        } else if value != 0 {
            // Below a billionth: rounded up, as Kubernetes rounds.
            let divisor = 10i128.checked_pow((-exp10) as u32);
            value = match divisor {
                Some(d) => (value + d - 1) / d,
                None => 1,
            };
        }
        Ok(Quantity(if negative { -value } else { value }))
    }
}

impl Ip {
    /// Parses an IP address as kube's `ip()` does.
    pub fn parse(text: &str) -> Result<Ip, String> {
        parse_ip(text).map(Ip)
    }
}

impl Cidr {
    /// Parses a CIDR (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let err = || {
            format!(
                "network address parse error during conversion from string: invalid CIDR {text:?}"
            )
        };
        let (addr, bits) = text.split_once('/').ok_or_else(err)?;
        let addr = parse_ip(addr).map_err(|_| err())?;
        let bits: u8 = bits.parse().map_err(|_| err())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if bits > max {
            return Err(err());
        }
        Ok(Cidr(addr, bits))
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.0, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.1 as u32).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.1 as u32).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    fn masked(&self) -> Cidr {
        let addr = match self.0 {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - self.1 as u32).unwrap_or(0);
                IpAddr::V4((u32::from(a) & mask).into())
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - self.1 as u32).unwrap_or(0);
                IpAddr::V6((u128::from(a) & mask).into())
            }
        };
        Cidr(addr, self.1)
    }
}

impl Url {
    /// Parses an absolute URL or an absolute path, as Go's `url.ParseRequestURI`.
    pub fn parse(text: &str) -> Result<Url, String> {
        let err = || {
            format!("URL parse error during conversion from string: parse {text:?}: invalid URI for request")
        };
        if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (rest, query) = text.split_once('?').unwrap_or((text, ""));
        if rest.starts_with('/') {
            return Ok(Url {
                scheme: String::new(),
                host: String::new(),
                path: rest.into(),
                query: query.into(),
            });
        }
        let (scheme, after) = rest.split_once(':').ok_or_else(err)?;
        let valid_scheme = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return Err(err());
        }
        let (host, path) = match after.strip_prefix("//") {
            Some(authority) => {
                let end = authority.find('/').unwrap_or(authority.len());
                let host = authority[..end].rsplit('@').next().unwrap_or("");
                (host.to_string(), authority[end..].to_string())
            }
            None => (String::new(), after.to_string()),
        };
        Ok(Url {
            scheme: scheme.into(),
            host,
            path,
            query: query.into(),
        })
    }

    fn hostname(&self) -> &str {
        let host = &self.host;
        if let Some(rest) = host.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("");
        }
        host.split(':').next().unwrap_or("")
    }

    fn port(&self) -> &str {
        let host = &self.host;
        let after = match host.rfind(']') {
            Some(i) => &host[i + 1..],
            None => host,
        };
        after.split_once(':').map_or("", |(_, p)| p)
    }

    fn query_map(&self) -> Value {
        let mut map: HashMap<String, Vec<Value>> = HashMap::new();
        for pair in self.query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.entry(unescape(k))
                .or_default()
                .push(Value::from(unescape(v)));
        }
        Value::Map(Map {
            map: Arc::new(
                map.into_iter()
                    .map(|(k, v)| (key(&k), Value::List(Arc::new(v))))
                    .collect(),
            ),
        })
    }
}

/// `%XX` and `+` of a query, decoded.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Semver {
    /// Parses `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
    pub fn parse(text: &str) -> Result<Semver, String> {
        let err = || format!("Invalid semver: {text:?}");
        let core = text.split('+').next().unwrap_or("");
        let (numbers, pre) = match core.split_once('-') {
            Some((n, p)) => (n, p.split('.').map(str::to_string).collect()),
            None => (core, Vec::new()),
        };
        let parts: Vec<&str> = numbers.split('.').collect();
        if parts.len() != 3 {
            return Err(err());
        }
        let mut out = [0u64; 3];
        for (slot, part) in out.iter_mut().zip(&parts) {
            if part.is_empty() || (part.len() > 1 && part.starts_with('0')) {
                return Err(err());
            }
            *slot = part.parse().map_err(|_| err())?;
        }
        let pre: Vec<String> = pre;
        if pre.iter().any(|p: &String| {
            p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }) {
            return Err(err());
        }
        Ok(Semver { numbers: out, pre })
    }

    fn compare(&self, other: &Semver) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let order = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if order != Ordering::Equal {
                            return order;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            }
        })
    }
}

/// What a member function gives.
pub(crate) enum Member {
    Value(Value),
    Optional(Option<Value>),
}

fn int(order: Ordering) -> Value {
    Value::Int(match order {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    })
}

/// Calls the member function `name` on `receiver`, a value of a library type.
pub(crate) fn call_member(
    name: &str,
    receiver: &dyn Opaque,
    args: &[Value],
) -> Result<Member, String> {
    let no_overload = || {
        format!(
            "found no matching overload for '{name}' applied to '{}'",
            receiver.runtime_type_name()
        )
    };
    let arg = args.first();
    let value = |v: Value| Ok(Member::Value(v));
    if let Some(q) = receiver.downcast_ref::<Quantity>() {
        let other = || -> Result<i128, String> {
            match arg {
                Some(Value::Opaque(o)) => o
                    .downcast_ref::<Quantity>()
                    .map(|q| q.0)
                    .ok_or_else(no_overload),
                Some(Value::Int(i)) => Ok(*i as i128 * NANO),
                _ => Err(no_overload()),
            }
        };
        return match name {
            "isInteger" => value(Value::Bool(
                q.0 % NANO == 0 && i64::try_from(q.0 / NANO).is_ok(),
            )),
            "asInteger" => {
                if q.0 % NANO != 0 {
                    return Err("cannot convert value to integer".into());
                }
                i64::try_from(q.0 / NANO)
                    .map(Value::Int)
                    .map(Member::Value)
                    .map_err(|_| "cannot convert value to integer".into())
            }
            "asApproximateFloat" => value(Value::Float(q.0 as f64 / NANO as f64)),
            "sign" => value(Value::Int(q.0.signum() as i64)),
            "add" => value(opaque(Quantity(
                q.0.checked_add(other()?).ok_or("overflow")?,
            ))),
            "sub" => value(opaque(Quantity(
                q.0.checked_sub(other()?).ok_or("overflow")?,
            ))),
            "isGreaterThan" => value(Value::Bool(q.0 > other()?)),
            "isLessThan" => value(Value::Bool(q.0 < other()?)),
            "compareTo" => value(int(q.0.cmp(&other()?))),
            _ => Err(no_overload()),
        };
    }
    if let Some(Ip(addr)) = receiver.downcast_ref::<Ip>() {
        let addr = *addr;
        return match name {
            "family" => value(Value::Int(if addr.is_ipv4() { 4 } else { 6 })),
            "isUnspecified" => value(Value::Bool(addr.is_unspecified())),
            "isLoopback" => value(Value::Bool(addr.is_loopback())),
            "isLinkLocalMulticast" => value(Value::Bool(match addr {
                IpAddr::V4(a) => a.octets()[..3] == [224, 0, 0],
                IpAddr::V6(a) => a.segments()[0] & 0xff0f == 0xff02,
            })),
            "isLinkLocalUnicast" => value(Value::Bool(link_local_unicast(addr))),
            "isGlobalUnicast" => value(Value::Bool(
                !addr.is_unspecified()
                    && !addr.is_loopback()
                    && !addr.is_multicast()
                    && !link_local_unicast(addr)
                    && addr != IpAddr::V4(std::net::Ipv4Addr::BROADCAST),
            )),
            _ => Err(no_overload()),
        };
    }
    if let Some(c) = receiver.downcast_ref::<Cidr>() {
        return match name {
            "containsIP" => {
                let ip = match arg {
                    Some(Value::String(s)) => parse_ip(s)?,
                    Some(Value::Opaque(o)) => o.downcast_ref::<Ip>().ok_or_else(no_overload)?.0,
                    _ => return Err(no_overload()),
                };
                value(Value::Bool(c.contains(ip)))
            }
            "containsCIDR" => {
                let other = match arg {
                    Some(Value::String(s)) => Cidr::parse(s)?,
                    Some(Value::Opaque(o)) => *o.downcast_ref::<Cidr>().ok_or_else(no_overload)?,
                    _ => return Err(no_overload()),
                };
                value(Value::Bool(other.1 >= c.1 && c.contains(other.0)))
            }
            "ip" => value(opaque(Ip(c.0))),
            "masked" => value(opaque(c.masked())),
            "prefixLength" => value(Value::Int(c.1 as i64)),
            _ => Err(no_overload()),
        };
    }
    if let Some(u) = receiver.downcast_ref::<Url>() {
        return match name {
            "getScheme" => value(Value::from(u.scheme.as_str())),
            "getHost" => value(Value::from(u.host.as_str())),
            "getHostname" => value(Value::from(u.hostname())),
            "getPort" => value(Value::from(u.port())),
            "getEscapedPath" => value(Value::from(u.path.as_str())),
            "getQuery" => value(u.query_map()),
            _ => Err(no_overload()),
        };
    }
    if let Some(v) = receiver.downcast_ref::<Semver>() {
        let other = || -> Result<&Semver, String> {
            match arg {
                Some(Value::Opaque(o)) => o.downcast_ref::<Semver>().ok_or_else(no_overload),
                _ => Err(no_overload()),
            }
        };
        return match name {
            "major" => value(Value::Int(v.numbers[0] as i64)),
            "minor" => value(Value::Int(v.numbers[1] as i64)),
            "patch" => value(Value::Int(v.numbers[2] as i64)),
            "isGreaterThan" => value(Value::Bool(v.compare(other()?) == Ordering::Greater)),
            "isLessThan" => value(Value::Bool(v.compare(other()?) == Ordering::Less)),
            "compareTo" => value(int(v.compare(other()?))),
            _ => Err(no_overload()),
        };
    }
    if let Some(Format(format)) = receiver.downcast_ref::<Format>() {
        if name == "validate" {
            let Some(Value::String(text)) = arg else {
                return Err(no_overload());
            };
            let errors = super::formats::validate(format, text);
            return Ok(Member::Optional(if errors.is_empty() {
                None
            } else {
                Some(Value::List(Arc::new(
                    errors.into_iter().map(Value::from).collect(),
                )))
            }));
        }
    }
    Err(no_overload())
}

fn link_local_unicast(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.octets()[..2] == [169, 254],
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// Orders two scalar values (ints, uints, doubles, strings, bools).
pub(crate) fn compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::UInt(x), Value::UInt(y)) => Ok(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).ok_or("NaN".into()),
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Ok(x.cmp(y)),
        _ => Err(format!("cannot compare {a:?} and {b:?}")),
    }
}

/// A Go duration (`1h30m`, `1.5s`, `300ms`, `-2m`) in nanoseconds.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * scale;
    }
    if total > i64::MAX as f64 {
        return None;
    }
    let total = total.round() as i64;
    Some(if negative { -total } else { total })
}
