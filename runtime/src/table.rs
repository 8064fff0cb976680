//! Table output (`meta.k8s.io/v1` Table) for `kubectl get`: the resource's printer columns.
//!
//! A column's `jsonPath` is full JSONPath as kube-apiserver evaluates it ([`crate::jsonpath`]):
//! filters (`.status.conditions[?(@.type=="Ready")].status`), `[*]`, indexes and `..`. Paths
//! are parsed once, when the server is built ([`compile`]), and looked up by text per row. As
//! kube-apiserver's table convertor for custom resources does, a cell holds the first value
//! the path finds (a `[*]` column shows the first element), and is empty when the path finds
//! nothing or fails.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::codegen::ResourceModel;
use crate::jsonpath::JsonPath;
use crate::negotiate::IncludeObject;

/// Every printer column path of the built servers, parsed (`None` when it does not parse).
type Paths = RwLock<HashMap<Box<str>, Option<Arc<JsonPath>>>>;

fn paths() -> &'static Paths {
    static PATHS: OnceLock<Paths> = OnceLock::new();
    PATHS.get_or_init(Paths::default)
}

/// Parses the printer column paths of `model`, once, when a server serving it is built. A
/// path that does not parse is logged and its cells are empty (kube-apiserver would not serve
/// such a CRD's tables at all).
pub(crate) fn compile(model: &ResourceModel) {
    for column in model.printer_columns.iter() {
        if compiled(&column.json_path).is_none() {
            tracing::warn!(
                kind = %model.kind, column = %column.name, json_path = %column.json_path,
                "printer column path does not parse: its cells are empty"
            );
        }
    }
}

/// The parsed `path`, parsing it on first sight (a model not built into a server, in tests).
fn compiled(path: &str) -> Option<Arc<JsonPath>> {
    if let Some(found) = paths().read().ok().and_then(|p| p.get(path).cloned()) {
        return found;
    }
    let parsed = JsonPath::parse(path).ok().map(Arc::new);
    if let Ok(mut map) = paths().write() {
        map.insert(path.into(), parsed.clone());
    }
    parsed
}

const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESCRIPTION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// The Table of `objects`: a Name column, then the printer columns (or Age when there are
/// none), as kube-apiserver's table convertor for custom resources builds it.
pub fn table(
    model: &ResourceModel,
    objects: &[Value],
    include: IncludeObject,
    list_revision: Option<u64>,
) -> Value {
    let mut columns = vec![json!({
        "name": "Name", "type": "string", "format": "name", "description": NAME_DESCRIPTION, "priority": 0,
    })];
    let mut paths: Vec<(Option<Arc<JsonPath>>, &str)> = Vec::new();
    if model.printer_columns.is_empty() {
        columns.push(json!({"name": "Age", "type": "date", "format": "", "description": AGE_DESCRIPTION, "priority": 0}));
        paths.push((compiled(".metadata.creationTimestamp"), "date"));
    }
    for c in model.printer_columns.iter() {
        let description = if c.description.is_empty() {
            if c.name == "Age" {
                AGE_DESCRIPTION.to_string()
            } else {
                format!(
                    "Custom resource definition column (in JSONPath format): {}",
                    c.json_path
                )
            }
        } else {
            c.description.to_string()
        };
        columns.push(json!({
            "name": c.name, "type": c.type_, "format": c.format, "description": description, "priority": c.priority,
        }));
        paths.push((compiled(&c.json_path), &c.type_));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut cells = vec![object["metadata"]["name"].clone()];
            for (path, type_) in &paths {
                // The first value found, as kube-apiserver takes `results[0][0]`.
                let first = path
                    .as_ref()
                    .and_then(|p| p.find(object).ok())
                    .and_then(|found| found.first().copied());
                cells.push(cell(first, type_, now));
            }
            let mut row = json!({"cells": cells});
            match include {
                IncludeObject::None => {}
                IncludeObject::Object => row["object"] = object.clone(),
                IncludeObject::Metadata => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": object["metadata"].clone(),
                    })
                }
            }
            row
        })
        .collect();
    let revision = list_revision.map(|r| r.to_string()).or_else(|| {
        objects
            .first()
            .and_then(|o| o["metadata"]["resourceVersion"].as_str())
            .map(str::to_string)
    });
    let mut metadata = json!({});
    if let Some(rv) = revision {
        metadata["resourceVersion"] = json!(rv);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

/// A cell as kube-apiserver's table convertor makes it: `string` columns print any value as
/// kubectl's JSONPath prints it; the others keep a value of their type (an integer column
/// truncates a float, a number column widens an integer) and are empty otherwise; a `date`
/// is an age, `<unknown>` when empty and `<invalid>` when it is not a time.
fn cell(value: Option<&Value>, type_: &str, now: i64) -> Value {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Value::Null;
    };
    match (type_, value) {
        ("string", _) => crate::jsonpath::print(value).map_or(Value::Null, Value::String),
        ("integer", Value::Number(n)) => match n.as_i64() {
            Some(i) => json!(i),
            // Go's int64(float64): toward zero, saturating.
            None => n.as_f64().map_or(Value::Null, |f| json!(f as i64)),
        },
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        ("boolean", Value::Bool(_)) => value.clone(),
        ("date", Value::String(text)) => {
            if text.is_empty() || text == "null" {
                json!("<unknown>")
            } else {
                match parse_rfc3339(text) {
                    Some(at) => json!(human_duration(now - at)),
                    None => json!("<invalid>"),
                }
            }
        }
        _ => Value::Null,
    }
}

/// Reads the value at a simple JSON path (`.spec.replicas`).
pub(crate) fn get_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.trim_start_matches('.')
        .split('.')
        .filter(|s| !s.is_empty())
        .try_fold(value, |v, field| v.get(field))
}

/// Seconds since the epoch of an RFC 3339 time (`2024-01-02T03:04:05Z`, offsets and fractions
/// allowed).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest.get(1..3)?.parse::<i64>().ok()? * 3600
                + rest.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A duration as kubectl prints ages (apimachinery's `duration.HumanDuration`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        for (s, text) in [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (9 * 3600, "9h"),
            (3 * 86400 + 3600, "3d1h"),
            (20 * 86400, "20d"),
            (-5, "<invalid>"),
        ] {
            assert_eq!(human_duration(s), text, "{s}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-01-02T03:04:05Z"), Some(1_704_164_645));
        assert_eq!(
            parse_rfc3339("2024-01-02T04:04:05.123+01:00"),
            Some(1_704_164_645)
        );
        assert_eq!(parse_rfc3339("2024-13-02T03:04:05Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn widget_columns() {
        let mut model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        model.printer_columns = vec![crate::codegen::PrinterColumn {
            name: "Replicas".into(),
            type_: "integer".into(),
            format: "".into(),
            json_path: ".spec.replicas".into(),
            priority: 0,
            description: "".into(),
        }]
        .into();
        let object =
            json!({"metadata": {"name": "a", "resourceVersion": "7"}, "spec": {"replicas": 3}});
        let t = table(&model, &[object], IncludeObject::None, None);
        assert_eq!(t["columnDefinitions"][1]["name"], "Replicas");
        assert_eq!(t["rows"][0]["cells"], json!(["a", 3]));
        assert!(t["rows"][0].get("object").is_none());
        assert_eq!(t["metadata"]["resourceVersion"], "7");
    }

    fn column(name: &str, type_: &str, json_path: &str) -> crate::codegen::PrinterColumn {
        crate::codegen::PrinterColumn {
            name: name.to_string().into(),
            type_: type_.to_string().into(),
            format: "".into(),
            json_path: json_path.to_string().into(),
            priority: 0,
            description: "".into(),
        }
    }

    #[test]
    fn full_jsonpath_columns_as_kube_apiserver_fills_them() {
        let mut model = ResourceModel::new("cert-manager.io", "v1", "Certificate");
        model.printer_columns = vec![
            // cert-manager's READY, SECRET and STATUS columns.
            column(
                "Ready",
                "string",
                ".status.conditions[?(@.type==\"Ready\")].status",
            ),
            column("Secret", "string", ".spec.secretName"),
            column(
                "Status",
                "string",
                ".status.conditions[?(@.type==\"Ready\")].message",
            ),
            // A name used twice: both columns, as kube-apiserver serves them.
            column(
                "Ready",
                "string",
                ".status.conditions[?(@.type==\"Issuing\")].status",
            ),
            // `[*]`: the first value only.
            column("DNS", "string", ".spec.dnsNames[*]"),
            column("Names", "string", ".spec.dnsNames"),
            column(
                "Gen",
                "integer",
                ".status.conditions[-1].observedGeneration",
            ),
            column("Ratio", "integer", ".status.ratio"),
            column("Count", "number", ".status.count"),
            column("Count", "string", ".status.count"),
            column("Bad", "integer", ".spec.secretName"),
            column("Renew", "date", ".status.renewalTime"),
            column("Never", "date", ".status.never"),
            column(
                "Missing",
                "string",
                ".status.conditions[?(@.type==\"Gone\")].status",
            ),
            column("Deep", "string", "..reason"),
        ]
        .into();
        let object = json!({
            "metadata": {"name": "web"},
            "spec": {"secretName": "web-tls", "dnsNames": ["a.example", "b.example"]},
            "status": {
                "conditions": [
                    {"type": "Issuing", "status": "False", "reason": "Done", "observedGeneration": 1},
                    {"type": "Ready", "status": "True", "message": "Certificate is up to date", "observedGeneration": 2},
                ],
                "ratio": 2.9,
                "count": 3,
                "renewalTime": "not a time",
                "never": "",
            },
        });
        let t = table(&model, &[object], IncludeObject::None, None);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Name", "Ready", "Secret", "Status", "Ready", "DNS", "Names", "Gen", "Ratio",
                "Count", "Count", "Bad", "Renew", "Never", "Missing", "Deep"
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web",
                "True",
                "web-tls",
                "Certificate is up to date",
                "False",
                "a.example",
                "[\"a.example\",\"b.example\"]",
                2,
                2,
                3.0,
                "3",
                null,
                "<invalid>",
                "<unknown>",
                null,
                "Done"
            ])
        );
    }
}
