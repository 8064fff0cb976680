//! The outcome of a diff, written for people (grouped by kind and version, breaking first) or
//! as JSON.
//!
//! # JSON
//!
//! The shape is stable: fields may be added, none renamed or removed, while `format` is
//! `krest-diff/v1`.
//!
//! ```json
//! {
//!   "breaking": 1,
//!   "changes": [
//!     {
//!       "class": "breaking",
//!       "file": "old/widget.yaml",
//!       "group": "demo.krest.dev",
//!       "key": "field-removed demo.krest.dev/v1 Widget .spec.size",
//!       "kind": "Widget",
//!       "line": 83,
//!       "message": "the field was removed",
//!       "new": null,
//!       "old": null,
//!       "path": ".spec.size",
//!       "rule": "field-removed",
//!       "version": "v1"
//!     }
//!   ],
//!   "compatible": 0,
//!   "format": "krest-diff/v1"
//! }
//! ```
//!
//! Keys are written in alphabetical order; every key is always present. `class` is
//! `breaking` or `compatible`; `rule` is a [`Rule`] id; `key` is what allow lists name.
//! `version` is null for a change to the whole kind; `old` and `new` are the values before
//! and after when they say something (a bound, an enum value, a name), else null; `line` is 0
//! when unknown. Changes are in the order of the text report.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Change, Class, Rule};

/// Every change between two sides, sorted: by kind (kinds with breaking changes first), then
/// the kind's own changes before its versions', then breaking before compatible.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

/// How many description changes of one version the text report lists before it counts them.
const DESCRIPTIONS_LISTED: usize = 3;

impl Report {
    /// A report of `changes`, sorted.
    pub fn new(mut changes: Vec<Change>) -> Report {
        let breaking: Vec<(String, String, Option<String>)> = changes
            .iter()
            .filter(|c| c.class == Class::Breaking)
            .map(|c| (c.group.clone(), c.kind.clone(), c.version.clone()))
            .collect();
        let kind_breaks = |c: &Change| {
            breaking
                .iter()
                .any(|(g, k, _)| *g == c.group && *k == c.kind)
        };
        let version_breaks = |c: &Change| {
            breaking
                .iter()
                .any(|(g, k, v)| *g == c.group && *k == c.kind && *v == c.version)
        };
        // Stable: within one class of one version, changes stay in schema order.
        changes.sort_by_cached_key(|c| {
            (
                !kind_breaks(c),
                c.group.clone(),
                c.kind.clone(),
                c.version.is_some(),
                !version_breaks(c),
                c.version.clone(),
                c.class,
            )
        });
        Report { changes }
    }

    /// Whether anything breaks.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.class == Class::Breaking)
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.class == Class::Breaking)
    }

    fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }

    /// The report as text: a header per kind and version, a line per change
    /// (`class rule path: message (file:line)`), and a summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < self.changes.len() {
            let first = &self.changes[i];
            let end = self.changes[i..]
                .iter()
                .position(|c| {
                    (&c.group, &c.kind, &c.version) != (&first.group, &first.kind, &first.version)
                })
                .map_or(self.changes.len(), |n| i + n);
            let group = &self.changes[i..end];
            let _ = match &first.version {
                Some(v) => writeln!(out, "{}/{v} {}", first.group, first.kind),
                None => writeln!(out, "{} {}", first.group, first.kind),
            };
            let descriptions = group
                .iter()
                .filter(|c| c.rule == Rule::DescriptionChanged)
                .count();
            for change in group {
                if change.rule == Rule::DescriptionChanged && descriptions > DESCRIPTIONS_LISTED {
                    continue;
                }
                let path = if change.path.is_empty() {
                    String::new()
                } else {
                    format!(" {}", change.path)
                };
                let _ = write!(
                    out,
                    "  {:<10} {:<24}{path}: {}",
                    change.class.as_str(),
                    change.rule.as_str(),
                    change.message
                );
                let _ = match change.line {
                    0 => writeln!(out, " ({})", change.file),
                    line => writeln!(out, " ({}:{line})", change.file),
                };
            }
            if descriptions > DESCRIPTIONS_LISTED {
                let _ = writeln!(
                    out,
                    "  {:<10} {:<24} {descriptions} descriptions changed (--output json lists them)",
                    Class::Compatible.as_str(),
                    Rule::DescriptionChanged.as_str()
                );
            }
            out.push('\n');
            i = end;
        }
        let (breaking, compatible) = (self.count(Class::Breaking), self.count(Class::Compatible));
        if breaking + compatible == 0 {
            out.push_str("no changes\n");
        } else {
            let _ = writeln!(
                out,
                "{breaking} breaking, {compatible} compatible change{}",
                if breaking + compatible == 1 { "" } else { "s" }
            );
        }
        out
    }

    /// The report as JSON, in the shape documented on this module.
    pub fn to_json(&self) -> Value {
        json!({
            "format": "krest-diff/v1",
            "breaking": self.count(Class::Breaking),
            "compatible": self.count(Class::Compatible),
            "changes": self.changes.iter().map(|c| json!({
                "class": c.class.as_str(),
                "rule": c.rule.as_str(),
                "group": c.group,
                "kind": c.kind,
                "version": c.version,
                "path": c.path,
                "message": c.message,
                "old": c.old,
                "new": c.new,
                "file": c.file,
                "line": c.line,
                "key": c.key(),
            })).collect::<Vec<_>>(),
        })
    }
}
