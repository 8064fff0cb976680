//! The Kubernetes CEL libraries that CRD rules use, beyond what the `cel` crate has (its
//! standard library, the `has`/`all`/`exists`/`exists_one`/`map`/`filter` macros, and the
//! strings and lists extensions): regex `find`/`findAll`, the list functions (`isSorted`,
//! `sum`, `min`, `max`, `indexOf`, `lastIndexOf`), `quantity`, `ip` and `cidr`, `url`,
//! `semver`, `format`, and `duration` (as integer nanoseconds: see docs/validation.md).
//!
//! [`signature`] is each function's type and cost for the checker; [`extension`] registers the
//! implementations.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock, RwLock};

use cel::common::types::{CelOptional, DYN_TYPE, INT_TYPE, LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::objects::{Key, Opaque};
use cel::{DeclarationError, Env, ExecutionError, Value};

use super::check::{operands, resolved, size, tenth, type_name, Checked, Ty};

mod formats;
pub(super) mod kinds;

pub use kinds::{Cidr, Format, Ip, Quantity, Semver, Url};

/// The type, own cost and result size of a call of `name`, or why it is refused.
pub fn signature<'a>(
    name: &str,
    target: Option<&Checked<'a>>,
    args: &[Checked<'a>],
) -> Result<(Ty<'a>, u64, u64), String> {
    let arg = |i: usize| args.get(i);
    let arg_size = |i: usize| arg(i).map_or(0, size);
    let target_size = target.map_or(0, size);
    let string_fn = |ty: Ty<'a>| Ok((ty, 1 + tenth(target_size), target_size));
    match (name, target) {
        ("_&&_" | "_||_", None) | ("!_", None) | ("@not_strictly_false", None) => {
            for a in args {
                if !a.ty.maybe_bool() {
                    return Err(format!(
                        "found no matching overload for '{name}' applied to '({})'",
                        args.iter().map(type_name).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            // cel-go counts `&&` and `||` as the cost of their operands only.
            let own = u64::from(!matches!(name, "_&&_" | "_||_"));
            Ok((Ty::Bool, own, 1))
        }
        ("_?_:_", None) if args.len() == 3 => {
            if !args[0].ty.maybe_bool() {
                return Err(format!(
                    "found no matching overload for '_?_:_' applied to '({}, {}, {})'",
                    type_name(&args[0]),
                    type_name(&args[1]),
                    type_name(&args[2])
                ));
            }
            let ty = match (resolved(&args[1]), resolved(&args[2])) {
                (a, Ty::Null) => a,
                (a, b) if std::mem::discriminant(&a) == std::mem::discriminant(&b) => a,
                _ => Ty::Dyn,
            };
            Ok((ty, 0, args[1].size.max(args[2].size)))
        }
        ("_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_", None) if args.len() == 2 => {
            operands(name, &args[0], &args[1])?;
            let traversed = match resolved(&args[0]) {
                Ty::String | Ty::Bytes | Ty::List(_) | Ty::Map(_) | Ty::Schema(..) => {
                    tenth(arg_size(0).min(arg_size(1)))
                }
                _ => 0,
            };
            Ok((Ty::Bool, 1 + traversed, 1))
        }
        ("_+_", None) if args.len() == 2 => {
            operands(name, &args[0], &args[1])?;
            let ty = resolved(&args[0]);
            let (cost, size) = match ty {
                Ty::String | Ty::Bytes | Ty::List(_) => (
                    1 + tenth(arg_size(0) + arg_size(1)),
                    arg_size(0) + arg_size(1),
                ),
                _ => (1, 1),
            };
            Ok((ty, cost, size))
        }
        ("_-_" | "_*_" | "_/_" | "_%_", None) if args.len() == 2 => {
            operands(name, &args[0], &args[1])?;
            Ok((resolved(&args[0]), 1, 1))
        }
        ("-_", None) => Ok((args.first().map_or(Ty::Dyn, resolved), 1, 1)),
        // `a.?b`: an optional of the field, if `a` has it.
        ("_?._", None) if args.len() == 2 => Ok((Ty::Optional(Box::new(Ty::Dyn)), 1, arg_size(0))),
        ("_[?_]", None) if args.len() == 2 => Ok((Ty::Optional(Box::new(Ty::Dyn)), 1, arg_size(0))),
        ("_[_]", None) if args.len() == 2 => {
            let ty = match resolved(&args[0]) {
                Ty::List(item) | Ty::Map(item) => *item,
                Ty::Dyn | Ty::Schema(..) => Ty::Dyn,
                other => {
                    return Err(format!(
                        "found no matching overload for '_[_]' applied to '({}, {})'",
                        other.name_for_message(),
                        type_name(&args[1])
                    ))
                }
            };
            let size = arg_size(0);
            Ok((ty, 1, size))
        }
        ("@in", None) if args.len() == 2 => {
            let cost = match resolved(&args[1]) {
                Ty::List(_) => 1 + arg_size(1),
                _ => 1,
            };
            Ok((Ty::Bool, cost, 1))
        }
        ("size", None) if args.len() == 1 => Ok((Ty::Int, 1, 1)),
        ("size", Some(_)) if args.is_empty() => Ok((Ty::Int, 1, 1)),
        ("int" | "uint" | "double" | "string" | "bool" | "bytes" | "dyn" | "type", None)
            if args.len() == 1 =>
        {
            let ty = match name {
                "int" => Ty::Int,
                "uint" => Ty::Uint,
                "double" => Ty::Double,
                "string" => Ty::String,
                "bool" => Ty::Bool,
                "bytes" => Ty::Bytes,
                _ => Ty::Dyn,
            };
            // cel-go charges a traversal for conversions between strings and bytes only.
            let cost = if matches!(name, "string" | "bytes") {
                1 + tenth(arg_size(0))
            } else {
                1
            };
            Ok((ty, cost, arg_size(0)))
        }
        ("duration", None) if args.len() == 1 => Ok((Ty::Int, 1, 1)),
        // A duration's parts (durations are integer nanoseconds here).
        ("getHours" | "getMinutes" | "getSeconds" | "getMilliseconds", Some(t))
            if args.is_empty() && matches!(resolved(t), Ty::Int | Ty::Dyn) =>
        {
            Ok((Ty::Int, 1, 1))
        }
        ("contains" | "startsWith" | "endsWith", Some(_)) if args.len() == 1 => {
            Ok((Ty::Bool, 1 + tenth(target_size + arg_size(0)), 1))
        }
        ("matches", Some(_)) if args.len() == 1 => Ok((
            Ty::Bool,
            1 + tenth(target_size) * tenth(arg_size(0)).max(1),
            1,
        )),
        ("matches", None) if args.len() == 2 => Ok((
            Ty::Bool,
            1 + tenth(arg_size(0)) * tenth(arg_size(1)).max(1),
            1,
        )),
        ("find", Some(_)) if args.len() == 1 => Ok((
            Ty::String,
            1 + tenth(target_size) * tenth(arg_size(0)).max(1),
            target_size,
        )),
        ("findAll", Some(_)) if !args.is_empty() => Ok((
            Ty::List(Box::new(Ty::String)),
            1 + tenth(target_size) * tenth(arg_size(0)).max(1),
            target_size,
        )),
        (
            "lowerAscii" | "upperAscii" | "trim" | "replace" | "substring" | "charAt" | "reverse"
            | "format",
            Some(_),
        ) => string_fn(Ty::String),
        ("indexOf" | "lastIndexOf", Some(t)) => match resolved(t) {
            Ty::List(_) => Ok((Ty::Int, 1 + target_size, 1)),
            _ => string_fn(Ty::Int),
        },
        ("split", Some(_)) => Ok((
            Ty::List(Box::new(Ty::String)),
            1 + tenth(target_size),
            target_size,
        )),
        ("join", Some(_)) => Ok((Ty::String, 1 + tenth(target_size), MAX_JOIN)),
        ("strings.quote", None) => Ok((Ty::String, 1 + tenth(arg_size(0)), arg_size(0) * 2)),
        ("isSorted" | "sum" | "min" | "max", Some(t)) => {
            let item = match resolved(t) {
                Ty::List(item) => *item,
                _ => Ty::Dyn,
            };
            let ty = if name == "isSorted" { Ty::Bool } else { item };
            Ok((ty, 1 + target_size, 1))
        }
        ("slice" | "flatten" | "distinct" | "sort", Some(t)) => {
            Ok((resolved(t), 1 + target_size, target_size))
        }
        ("lists.range", None) => Ok((Ty::List(Box::new(Ty::Int)), 1, MAX_JOIN)),
        ("max" | "min", None) => Ok((Ty::Dyn, 1 + args.len() as u64, 1)),
        ("quantity", None) => Ok((Ty::Opaque(kinds::QUANTITY), 1 + tenth(arg_size(0)), 1)),
        ("ip", None) => Ok((Ty::Opaque(kinds::IP), 1 + tenth(arg_size(0)), 1)),
        ("cidr", None) => Ok((Ty::Opaque(kinds::CIDR), 1 + tenth(arg_size(0)), 1)),
        ("url", None) => Ok((Ty::Opaque(kinds::URL), 1 + tenth(arg_size(0)), 1)),
        ("semver", None) => Ok((Ty::Opaque(kinds::SEMVER), 1 + tenth(arg_size(0)), 1)),
        ("isQuantity" | "isIP" | "isCIDR" | "isURL" | "isSemver" | "ip.isCanonical", None) => {
            Ok((Ty::Bool, 1 + tenth(arg_size(0)), 1))
        }
        (f, None)
            if f.strip_prefix("format.")
                .is_some_and(|n| FORMAT_FUNCTIONS.iter().any(|(name, _)| *name == n)) =>
        {
            Ok((Ty::Opaque(kinds::FORMAT), 1, 1))
        }
        ("validate", Some(_)) => Ok((
            Ty::Optional(Box::new(Ty::List(Box::new(Ty::String)))),
            1 + tenth(arg_size(0)),
            1,
        )),
        (
            "isInteger"
            | "isGreaterThan"
            | "isLessThan"
            | "isUnspecified"
            | "isLoopback"
            | "isLinkLocalMulticast"
            | "isLinkLocalUnicast"
            | "isGlobalUnicast"
            | "containsIP"
            | "containsCIDR"
            | "hasValue",
            Some(_),
        ) => Ok((Ty::Bool, 1, 1)),
        (
            "asInteger" | "sign" | "compareTo" | "family" | "prefixLength" | "major" | "minor"
            | "patch",
            Some(_),
        ) => Ok((Ty::Int, 1, 1)),
        ("asApproximateFloat", Some(_)) => Ok((Ty::Double, 1, 1)),
        ("add" | "sub", Some(_)) => Ok((Ty::Opaque(kinds::QUANTITY), 1, 1)),
        ("ip", Some(_)) => Ok((Ty::Opaque(kinds::IP), 1, 1)),
        ("masked", Some(_)) => Ok((Ty::Opaque(kinds::CIDR), 1, 1)),
        ("getScheme" | "getHost" | "getHostname" | "getPort" | "getEscapedPath", Some(_)) => {
            Ok((Ty::String, 1, MAX_JOIN))
        }
        ("getQuery", Some(_)) => Ok((
            Ty::Map(Box::new(Ty::List(Box::new(Ty::String)))),
            1,
            MAX_JOIN,
        )),
        ("value" | "orValue", Some(t)) => match resolved(t) {
            Ty::Optional(inner) => Ok((*inner, 1, t.size)),
            _ => Ok((Ty::Dyn, 1, t.size)),
        },
        ("or", Some(t)) => Ok((t.ty.clone(), 1, t.size)),
        ("optional.of" | "optional.ofNonZeroValue", None) if args.len() == 1 => {
            Ok((Ty::Optional(Box::new(args[0].ty.clone())), 1, args[0].size))
        }
        ("optional.none", None) => Ok((Ty::Optional(Box::new(Ty::Dyn)), 1, 1)),
        (name, _) => Err(format!(
            "undeclared reference to '{name}' (in container '')"
        )),
    }
}

/// The size assumed for strings and lists a function makes up.
const MAX_JOIN: u64 = super::MAX_REQUEST_BYTES;

impl Ty<'_> {
    fn name_for_message(&self) -> &'static str {
        match self {
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Uint => "uint",
            Ty::Double => "double",
            Ty::String => "string",
            Ty::Bytes => "bytes",
            Ty::Null => "null_type",
            _ => "dyn",
        }
    }
}

/// Registers the Kubernetes libraries on `env`.
pub fn extension(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("duration", "k8s_duration", vec![STRING_TYPE], duration)?;
    env.add_member_overload("getHours", "k8s_duration_hours", INT_TYPE, vec![], hours)?;
    env.add_member_overload(
        "getMinutes",
        "k8s_duration_minutes",
        INT_TYPE,
        vec![],
        minutes,
    )?;
    env.add_member_overload(
        "getSeconds",
        "k8s_duration_seconds",
        INT_TYPE,
        vec![],
        seconds,
    )?;
    env.add_member_overload(
        "getMilliseconds",
        "k8s_duration_milliseconds",
        INT_TYPE,
        vec![],
        milliseconds,
    )?;
    // `matches`, with the compiled patterns kept (the `cel` crate's compiles the pattern on
    // every call).
    env.add_overload(
        "matches",
        "matches",
        vec![STRING_TYPE, STRING_TYPE],
        matches,
    )?;
    env.add_member_overload(
        "matches",
        "matches_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        matches,
    )?;
    env.add_member_overload("find", "k8s_find", STRING_TYPE, vec![STRING_TYPE], find)?;
    env.add_member_overload(
        "findAll",
        "k8s_find_all",
        STRING_TYPE,
        vec![STRING_TYPE],
        find_all,
    )?;
    env.add_member_overload(
        "findAll",
        "k8s_find_all_n",
        STRING_TYPE,
        vec![STRING_TYPE, cel::common::types::INT_TYPE],
        find_all,
    )?;
    for (name, f) in [
        ("isSorted", is_sorted as cel::common::functions::Function),
        ("sum", sum),
        ("min", list_min),
        ("max", list_max),
    ] {
        env.add_member_overload(name, &format!("k8s_list_{name}"), LIST_TYPE, vec![], f)?;
    }
    env.add_member_overload(
        "indexOf",
        "k8s_list_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        index_of,
    )?;
    env.add_member_overload(
        "lastIndexOf",
        "k8s_list_last_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        last_index_of,
    )?;
    for (name, f) in [
        ("quantity", quantity as cel::common::functions::Function),
        ("isQuantity", is_quantity),
        ("ip", ip),
        ("isIP", is_ip),
        ("ip.isCanonical", ip_is_canonical),
        ("cidr", cidr),
        ("isCIDR", is_cidr),
        ("url", url),
        ("isURL", is_url),
        ("semver", semver),
        ("isSemver", is_semver),
    ] {
        env.add_overload(name, &format!("k8s_{name}"), vec![STRING_TYPE], f)?;
    }
    for (format, f) in FORMAT_FUNCTIONS {
        env.add_overload(
            &format!("format.{format}"),
            &format!("k8s_format_{format}"),
            vec![],
            *f,
        )?;
    }
    // The members of the library types: one overload on any receiver each, which looks at
    // the receiver's type (quantity and semver share `isGreaterThan`, ...).
    env.add_member_overload("ip", "k8s_member_ip", DYN_TYPE, vec![], cidr_ip)?;
    for (name, f) in MEMBER_FUNCTIONS0 {
        env.add_member_overload(name, &format!("k8s_member_{name}"), DYN_TYPE, vec![], *f)?;
    }
    for (name, f) in MEMBER_FUNCTIONS1 {
        env.add_member_overload(
            name,
            &format!("k8s_member_{name}_1"),
            DYN_TYPE,
            vec![DYN_TYPE],
            *f,
        )?;
    }
    Ok(())
}

type Result0<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

/// The arguments as `Value`s.
fn values(args: &[CowVal]) -> Result<Vec<Value>, ExecutionError> {
    args.iter().map(|a| Value::try_from(&**a)).collect()
}

/// A function's result, or its error as CEL reports it.
fn lift<'b, 'v>(function: &str, result: Result<Value, String>) -> Result0<'b, 'v> {
    let value = result.map_err(|m| ExecutionError::function_error(function, m))?;
    Ok(CowVal::Owned(Box::<dyn Val>::try_from(value)?))
}

fn string_arg(args: &[Value], i: usize) -> Result<&str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.as_str()),
        other => Err(format!("expected a string, got {other:?}")),
    }
}

fn opaque<T: Opaque>(value: T) -> Value {
    Value::Opaque(Arc::new(value))
}

/// Defines a CEL function from a body over the arguments as `Value`s.
macro_rules! function {
    ($name:ident, $cel:literal, |$a:ident| $body:expr) => {
        fn $name<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result0<'b, 'v> {
            #[allow(clippy::redundant_closure_call)]
            fn body($a: Vec<Value>) -> Result<Value, String> {
                $body
            }
            lift($cel, body(values(&args)?))
        }
    };
}

function!(duration, "duration", |a| kinds::parse_duration(string_arg(
    &a, 0
)?)
.map(Value::Int)
.ok_or_else(|| format!(
    "invalid duration {:?}",
    string_arg(&a, 0).unwrap_or("")
)));

/// A duration's whole `unit`s (in nanoseconds), truncated towards zero as Go's are.
fn duration_in(a: &[Value], unit: i64) -> Result<Value, String> {
    match a.first() {
        Some(Value::Int(nanos)) => Ok(Value::Int(nanos / unit)),
        _ => Err("no such overload".into()),
    }
}

function!(hours, "getHours", |a| duration_in(&a, 3_600_000_000_000));
function!(minutes, "getMinutes", |a| duration_in(&a, 60_000_000_000));
function!(seconds, "getSeconds", |a| duration_in(&a, 1_000_000_000));
function!(milliseconds, "getMilliseconds", |a| duration_in(
    &a, 1_000_000
));

function!(find, "find", |a| {
    let re = regex(string_arg(&a, 1)?)?;
    let text = string_arg(&a, 0)?;
    Ok(Value::from(re.find(text).map_or("", |m| m.as_str())))
});

function!(find_all, "findAll", |a| {
    let re = regex(string_arg(&a, 1)?)?;
    let text = string_arg(&a, 0)?;
    let limit = match a.get(2) {
        Some(Value::Int(n)) if *n >= 0 => *n as usize,
        _ => usize::MAX,
    };
    Ok(Value::List(Arc::new(
        re.find_iter(text)
            .take(limit)
            .map(|m| Value::from(m.as_str()))
            .collect(),
    )))
});

function!(matches, "matches", |a| {
    let re = regex(string_arg(&a, 1)?)?;
    Ok(Value::Bool(re.is_match(string_arg(&a, 0)?)))
});

/// The patterns compiled so far: rules' patterns are nearly always literals, so a few dozen.
static PATTERNS: LazyLock<RwLock<HashMap<String, Arc<regex::Regex>>>> =
    LazyLock::new(Default::default);

/// At most this many patterns are kept; past that the cache starts over.
const MAX_PATTERNS: usize = 1024;

/// `pattern` compiled (RE2 syntax, as cel-go's; linear in time), from the cache when it was
/// compiled before.
pub(super) fn regex(pattern: &str) -> Result<Arc<regex::Regex>, String> {
    if let Some(re) = PATTERNS.read().ok().and_then(|p| p.get(pattern).cloned()) {
        return Ok(re);
    }
    let re = Arc::new(
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| e.to_string())?,
    );
    if let Ok(mut patterns) = PATTERNS.write() {
        if patterns.len() >= MAX_PATTERNS {
            patterns.clear();
        }
        patterns.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

fn list(a: &[Value]) -> Result<&[Value], String> {
    match a.first() {
        Some(Value::List(items)) => Ok(items.as_slice()),
        _ => Err("expected a list".into()),
    }
}

function!(is_sorted, "isSorted", |a| {
    let items = list(&a)?;
    for pair in items.windows(2) {
        if kinds::compare(&pair[0], &pair[1])? == std::cmp::Ordering::Greater {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
});

function!(sum, "sum", |a| {
    let items = list(&a)?;
    let mut total = match items.first() {
        Some(Value::Float(_)) => Value::Float(0.0),
        Some(Value::UInt(_)) => Value::UInt(0),
        _ => Value::Int(0),
    };
    for item in items {
        total = match (&total, item) {
            (Value::Int(t), Value::Int(i)) => {
                Value::Int(t.checked_add(*i).ok_or("integer overflow")?)
            }
            (Value::UInt(t), Value::UInt(i)) => {
                Value::UInt(t.checked_add(*i).ok_or("integer overflow")?)
            }
            (Value::Float(t), Value::Float(i)) => Value::Float(t + i),
            _ => return Err("sum of mixed types".into()),
        };
    }
    Ok(total)
});

fn extreme(a: &[Value], want: std::cmp::Ordering) -> Result<Value, String> {
    let items = list(a)?;
    let mut best = items.first().ok_or("empty list")?;
    for item in items {
        if kinds::compare(item, best)? == want {
            best = item;
        }
    }
    Ok(best.clone())
}

function!(list_min, "min", |a| extreme(&a, std::cmp::Ordering::Less));
function!(list_max, "max", |a| extreme(
    &a,
    std::cmp::Ordering::Greater
));

function!(index_of, "indexOf", |a| {
    let items = list(&a)?;
    let found = items.iter().position(|i| Some(i) == a.get(1));
    Ok(Value::Int(found.map_or(-1, |i| i as i64)))
});

function!(last_index_of, "lastIndexOf", |a| {
    let items = list(&a)?;
    let found = items.iter().rposition(|i| Some(i) == a.get(1));
    Ok(Value::Int(found.map_or(-1, |i| i as i64)))
});

function!(quantity, "quantity", |a| Quantity::parse(string_arg(
    &a, 0
)?)
.map(opaque));
function!(is_quantity, "isQuantity", |a| Ok(Value::Bool(
    Quantity::parse(string_arg(&a, 0)?).is_ok()
)));
function!(ip, "ip", |a| Ip::parse(string_arg(&a, 0)?).map(opaque));
function!(is_ip, "isIP", |a| Ok(Value::Bool(
    Ip::parse(string_arg(&a, 0)?).is_ok()
)));
function!(ip_is_canonical, "ip.isCanonical", |a| {
    let text = string_arg(&a, 0)?;
    let parsed = Ip::parse(text)?;
    Ok(Value::Bool(parsed.0.to_string() == text))
});
function!(cidr, "cidr", |a| Cidr::parse(string_arg(&a, 0)?)
    .map(opaque));
function!(is_cidr, "isCIDR", |a| Ok(Value::Bool(
    Cidr::parse(string_arg(&a, 0)?).is_ok()
)));
function!(url, "url", |a| Url::parse(string_arg(&a, 0)?).map(opaque));
function!(is_url, "isURL", |a| Ok(Value::Bool(
    Url::parse(string_arg(&a, 0)?).is_ok()
)));
function!(semver, "semver", |a| Semver::parse(string_arg(&a, 0)?)
    .map(opaque));
function!(is_semver, "isSemver", |a| Ok(Value::Bool(
    Semver::parse(string_arg(&a, 0)?).is_ok()
)));

/// `format.<name>()` for every named format: one function each, as an overload does not see
/// the name it was called by.
macro_rules! formats {
    ($($name:ident),*) => {
        $(
            #[allow(non_snake_case)]
            fn $name<'b, 'v>(_args: Vec<CowVal<'b, 'v>>) -> Result0<'b, 'v> {
                lift("format", Ok(opaque(Format(stringify!($name)))))
            }
        )*
        /// Every named format and its function.
        const FORMAT_FUNCTIONS: &[(&str, cel::common::functions::Function)] =
            &[$((stringify!($name), $name)),*];
    };
}

formats!(
    dns1123Label,
    dns1123Subdomain,
    dns1035Label,
    qualifiedName,
    dns1123LabelPrefix,
    dns1123SubdomainPrefix,
    dns1035LabelPrefix,
    labelValue,
    uri,
    uuid,
    byte,
    date,
    datetime
);

/// A member function of the library types, for each name: one function each, as an
/// overload does not see the name it was called by.
macro_rules! members {
    ($table:ident: $($name:ident),*) => {
        $(
            #[allow(non_snake_case)]
            fn $name<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result0<'b, 'v> {
                member(stringify!($name), args)
            }
        )*
        /// The member functions and their names.
        const $table: &[(&str, cel::common::functions::Function)] =
            &[$((stringify!($name), $name)),*];
    };
}

members!(MEMBER_FUNCTIONS0: isInteger, asInteger, asApproximateFloat, sign, family,
    isUnspecified, isLoopback, isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast,
    masked, prefixLength, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery,
    major, minor, patch);

/// `ip()` on a CIDR: not named `ip` in Rust, which is the function of `ip('...')`.
fn cidr_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result0<'b, 'v> {
    member("ip", args)
}

members!(MEMBER_FUNCTIONS1: add, sub, isGreaterThan, isLessThan, compareTo, containsIP,
    containsCIDR, validate);

fn member<'b, 'v>(name: &str, args: Vec<CowVal<'b, 'v>>) -> Result0<'b, 'v> {
    let a = values(&args)?;
    let Some(Value::Opaque(receiver)) = a.first() else {
        return Err(ExecutionError::function_error(
            name,
            format!("found no matching overload for '{name}'"),
        ));
    };
    match kinds::call_member(name, receiver.as_ref(), &a[1..]) {
        Ok(kinds::Member::Value(v)) => lift(name, Ok(v)),
        Ok(kinds::Member::Optional(None)) => Ok(CowVal::owned(CelOptional::none())),
        Ok(kinds::Member::Optional(Some(v))) => {
            Ok(CowVal::owned(CelOptional::of(Box::<dyn Val>::try_from(v)?)))
        }
        Err(message) => Err(ExecutionError::function_error(name, message)),
    }
}

/// A `Key` for a map of strings.
pub(super) fn key(text: &str) -> Key {
    Key::String(Arc::new(text.to_string()))
}

/// An IP address of a string, as kube's `ip()` takes it: no zone, no IPv4-mapped IPv6.
pub(super) fn parse_ip(text: &str) -> Result<IpAddr, String> {
    let addr: IpAddr = text
        .parse()
        .map_err(|_| format!("IP Address {text:?} parse error during conversion from string"))?;
    if let IpAddr::V6(v6) = addr {
        if v6.to_ipv4_mapped().is_some() {
            return Err(format!("IPv4-mapped IPv6 address {text:?} is not allowed"));
        }
    }
    Ok(addr)
}
