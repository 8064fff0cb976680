//! The rules on definitions: kinds, versions, names, scope, verbs, subresources, routes,
//! storage, printer columns and selectable fields. Schemas are compared by [`super::schema`].
//!
//! Kinds are matched by group and kind, versions by name. Paths name the CRD's fields, with
//! versions and list entries by name: `spec.versions[v1].subresources.scale`,
//! `spec.names.shortNames[wd]`. Verbs and connect subresources, which CRDs cannot declare,
//! come from derive-declared models (`verbs[delete]`, `spec.versions[v1].subresources.logs`).

use serde_json::{json, Value};

use super::schema::{diff_schema, json as node_json};
use super::{Api, ApiKind, ApiVersion, Change, Class, Report, Rule};
use crate::model::{Scale, Scope};
use crate::yaml::Node;

/// Every change from `old` to `new`.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut changes = Vec::new();
    for old_kind in &old.kinds {
        let found = new
            .kinds
            .iter()
            .find(|k| k.group == old_kind.group && k.kind == old_kind.kind);
        let mut sink = Sink::new(old_kind, found.unwrap_or(old_kind), &mut changes);
        match found {
            Some(new_kind) => diff_kind(&mut sink, old_kind, new_kind),
            None => {
                let served = old_kind.versions.iter().any(|v| v.served);
                let (class, note) = if served {
                    (Class::Breaking, "")
                } else {
                    (Class::Compatible, " (no version of it was served)")
                };
                sink.add(
                    class,
                    Rule::KindRemoved,
                    "",
                    format!("the kind was removed{note}"),
                )
                .at_old_line(old_kind.line);
            }
        }
    }
    for new_kind in &new.kinds {
        if !old
            .kinds
            .iter()
            .any(|k| k.group == new_kind.group && k.kind == new_kind.kind)
        {
            Sink::new(new_kind, new_kind, &mut changes)
                .add(
                    Class::Compatible,
                    Rule::KindAdded,
                    "",
                    format!("a new kind ({})", new_kind.plural),
                )
                .at_new_line(new_kind.line);
        }
    }
    Report::new(changes)
}

/// Where changes of one kind (and version) go, with the files they point at.
pub(crate) struct Sink<'a> {
    group: &'a str,
    kind: &'a str,
    version: Option<String>,
    old_file: &'a str,
    new_file: &'a str,
    new_line: u64,
    names_line: u64,
    changes: &'a mut Vec<Change>,
}

/// A change being added: where it is and its values are set on it.
pub(crate) struct Adding<'s> {
    change: &'s mut Change,
    old_file: &'s str,
}

impl Adding<'_> {
    /// The values before and after.
    pub(crate) fn values(self, old: Option<Value>, new: Option<Value>) -> Self {
        self.change.old = old;
        self.change.new = new;
        self
    }

    /// At `node` of the new side.
    pub(crate) fn at_new(self, node: &Node) -> Self {
        self.at_new_line(node.line)
    }

    /// At `line` of the new side's file.
    pub(crate) fn at_new_line(self, line: u64) -> Self {
        self.change.line = line;
        self
    }

    /// At `node` of the old side (what was removed).
    pub(crate) fn at_old(self, node: &Node) -> Self {
        self.at_old_line(node.line)
    }

    /// At `line` of the old side's file.
    pub(crate) fn at_old_line(self, line: u64) -> Self {
        self.change.file = self.old_file.to_string();
        self.change.line = line;
        self
    }
}

impl<'a> Sink<'a> {
    fn new(old: &'a ApiKind, new: &'a ApiKind, changes: &'a mut Vec<Change>) -> Sink<'a> {
        Sink {
            group: &new.group,
            kind: &new.kind,
            version: None,
            old_file: &old.file,
            new_file: &new.file,
            new_line: new.line,
            names_line: new.names_line,
            changes,
        }
    }

    /// Adds a change to `spec.names` (or a version's lists, which have no lines of their own).
    fn add_names(
        &mut self,
        class: Class,
        rule: Rule,
        path: &str,
        message: impl Into<String>,
    ) -> Adding<'_> {
        let line = if path.starts_with("spec.names") {
            self.names_line
        } else {
            self.new_line
        };
        self.add(class, rule, path, message).at_new_line(line)
    }

    /// Adds a change at `path`, at the new side's CRD until told otherwise.
    pub(crate) fn add(
        &mut self,
        class: Class,
        rule: Rule,
        path: &str,
        message: impl Into<String>,
    ) -> Adding<'_> {
        self.changes.push(Change {
            class,
            rule,
            group: self.group.to_string(),
            kind: self.kind.to_string(),
            version: self.version.clone(),
            path: path.to_string(),
            message: message.into(),
            old: None,
            new: None,
            file: self.new_file.to_string(),
            line: self.new_line,
        });
        Adding {
            change: self.changes.last_mut().expect("just pushed"),
            old_file: self.old_file,
        }
    }
}

/// Compares sets of names: each removed one with `removed`, each added one with `added`.
fn names(
    sink: &mut Sink<'_>,
    path: &str,
    old: &[String],
    new: &[String],
    (removed, added): (Rule, Rule),
    what: &str,
) {
    for name in old.iter().filter(|n| !new.contains(n)) {
        sink.add_names(
            Class::Breaking,
            removed,
            &format!("{path}[{name}]"),
            format!("the {what} `{name}` was removed"),
        )
        .values(Some(json!(name)), None);
    }
    for name in new.iter().filter(|n| !old.contains(n)) {
        sink.add_names(
            Class::Compatible,
            added,
            &format!("{path}[{name}]"),
            format!("a new {what} `{name}`"),
        )
        .values(None, Some(json!(name)));
    }
}

fn diff_kind(sink: &mut Sink<'_>, old: &ApiKind, new: &ApiKind) {
    if old.scope != new.scope {
        let scope = |s: Scope| match s {
            Scope::Cluster => "Cluster",
            Scope::Namespaced => "Namespaced",
        };
        sink.add(
            Class::Breaking,
            Rule::ScopeChanged,
            "spec.scope",
            format!(
                "the scope changed from {} to {}: every URL of the kind changes",
                scope(old.scope),
                scope(new.scope)
            ),
        )
        .values(Some(json!(scope(old.scope))), Some(json!(scope(new.scope))));
    }
    for (key, rule, a, b) in [
        ("plural", Rule::PluralChanged, &old.plural, &new.plural),
        (
            "singular",
            Rule::SingularChanged,
            &old.singular,
            &new.singular,
        ),
    ] {
        if a != b {
            sink.add_names(
                Class::Breaking,
                rule,
                &format!("spec.names.{key}"),
                format!("the {key} name changed from `{a}` to `{b}`"),
            )
            .values(Some(json!(a)), Some(json!(b)));
        }
    }
    names(
        sink,
        "spec.names.shortNames",
        &old.short_names,
        &new.short_names,
        (Rule::ShortNameRemoved, Rule::ShortNameAdded),
        "short name",
    );
    names(
        sink,
        "spec.names.categories",
        &old.categories,
        &new.categories,
        (Rule::CategoryRemoved, Rule::CategoryAdded),
        "category",
    );
    for old_version in &old.versions {
        let name = old_version.model.version.to_string();
        sink.version = Some(name.clone());
        let path = format!("spec.versions[{name}]");
        match new.version(&name) {
            Some(new_version) => diff_version(sink, &path, old_version, new_version),
            None if old_version.served => {
                sink.add(
                    Class::Breaking,
                    Rule::VersionRemoved,
                    &path,
                    "the version was removed",
                )
                .at_old_line(old_version.line);
            }
            None => {
                sink.add(
                    Class::Compatible,
                    Rule::VersionRemoved,
                    &path,
                    "the version, which was not served, was removed",
                )
                .at_old_line(old_version.line);
            }
        }
    }
    for new_version in &new.versions {
        let name = new_version.model.version.to_string();
        if old.version(&name).is_none() {
            sink.version = Some(name.clone());
            let served = if new_version.served {
                ""
            } else {
                " (not served)"
            };
            sink.add(
                Class::Compatible,
                Rule::VersionAdded,
                &format!("spec.versions[{name}]"),
                format!("a new version{served}"),
            )
            .at_new_line(new_version.line);
        }
    }
    sink.version = None;
    storage(sink, old, new);
}

/// A new storage version: objects already stored are read as they were written unless a
/// webhook converts them, so it breaks when the two versions' schemas differ.
fn storage(sink: &mut Sink<'_>, old: &ApiKind, new: &ApiKind) {
    let (Some(old_storage), Some(new_storage)) = (old.storage_version(), new.storage_version())
    else {
        return;
    };
    let (a, b) = (&old_storage.model.version, &new_storage.model.version);
    if a == b {
        return;
    }
    // Objects stored as `a` are served as `b` by relabelling them: safe when the new CRD's `a`
    // and `b` (or, with `a` gone, the old `a` and the new `b`) have the same schema.
    let stored = new.version(a).unwrap_or(old_storage);
    let same_schema = without_descriptions(node_json(&stored.schema))
        == without_descriptions(node_json(&new_storage.schema));
    let (class, why) = if new.webhook_conversion {
        (Class::Compatible, "a conversion webhook converts them")
    } else if same_schema {
        (Class::Compatible, "both versions have the same schema")
    } else {
        (
            Class::Breaking,
            "no conversion webhook converts objects already stored, and the schemas differ",
        )
    };
    sink.add(
        class,
        Rule::StorageVersionChanged,
        "spec.versions[*].storage",
        format!("the storage version changed from {a} to {b}: {why}"),
    )
    .values(Some(json!(a)), Some(json!(b)));
}

fn without_descriptions(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("description");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

fn diff_version(sink: &mut Sink<'_>, path: &str, old: &ApiVersion, new: &ApiVersion) {
    match (old.served, new.served) {
        (false, false) => return,
        (false, true) => {
            sink.add(
                Class::Compatible,
                Rule::VersionServed,
                &format!("{path}.served"),
                "the version is now served",
            )
            .at_new_line(new.line);
            return;
        }
        (true, false) => {
            sink.add(
                Class::Breaking,
                Rule::VersionUnserved,
                &format!("{path}.served"),
                "the version is no longer served",
            )
            .at_new_line(new.line);
            return;
        }
        (true, true) => {}
    }
    let (om, nm) = (&old.model, &new.model);
    if nm.deprecated && (!om.deprecated || om.deprecation_warning != nm.deprecation_warning) {
        sink.add(
            Class::Compatible,
            Rule::VersionDeprecated,
            &format!("{path}.deprecated"),
            format!(
                "the version is deprecated{}",
                nm.deprecation_warning
                    .as_ref()
                    .map(|w| format!(": {w}"))
                    .unwrap_or_default()
            ),
        );
    }
    for verb in om.verbs.iter().filter(|v| !nm.verbs.contains(*v)) {
        sink.add(
            Class::Breaking,
            Rule::VerbRemoved,
            &format!("verbs[{verb}]"),
            format!("the verb `{verb}` is no longer offered"),
        );
    }
    for verb in nm.verbs.iter().filter(|v| !om.verbs.contains(*v)) {
        sink.add(
            Class::Compatible,
            Rule::VerbAdded,
            &format!("verbs[{verb}]"),
            format!("a new verb `{verb}`"),
        );
    }
    subresources(sink, path, old, new);
    columns(sink, path, old, new);
    let selectable = |v: &ApiVersion| -> Vec<String> {
        v.model
            .selectable_fields
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    names(
        sink,
        &format!("{path}.selectableFields"),
        &selectable(old),
        &selectable(new),
        (Rule::SelectableFieldRemoved, Rule::SelectableFieldAdded),
        "selectable field",
    );
    diff_schema(sink, "", &old.schema, &new.schema);
}

fn subresources(sink: &mut Sink<'_>, path: &str, old: &ApiVersion, new: &ApiVersion) {
    let (om, nm) = (&old.model, &new.model);
    let at = |name: &str| format!("{path}.subresources.{name}");
    if om.status != nm.status {
        let (class, rule, message) = if om.status {
            (
                Class::Breaking,
                Rule::SubresourceRemoved,
                "the status subresource was removed",
            )
        } else {
            (
                Class::Compatible,
                Rule::SubresourceAdded,
                "a new status subresource (noted: the main resource now ignores status changes)",
            )
        };
        sink.add(class, rule, &at("status"), message);
    }
    let scale = |s: &Option<Scale>| {
        s.as_ref().map(|s| {
            json!({
                "specReplicasPath": &*s.spec_replicas_path,
                "statusReplicasPath": &*s.status_replicas_path,
                "labelSelectorPath": s.label_selector_path.as_deref(),
            })
        })
    };
    let (os, ns) = (scale(&om.scale), scale(&nm.scale));
    if os != ns {
        let (class, rule, message) = match (&os, &ns) {
            (Some(_), None) => (
                Class::Breaking,
                Rule::SubresourceRemoved,
                "the scale subresource was removed",
            ),
            (None, _) => (
                Class::Compatible,
                Rule::SubresourceAdded,
                "a new scale subresource",
            ),
            _ => (
                Class::Breaking,
                Rule::SubresourceChanged,
                "the scale subresource reads and writes other fields",
            ),
        };
        sink.add(class, rule, &at("scale"), message).values(os, ns);
    }
    for oc in om.connect.iter() {
        let path = at(&oc.name);
        let Some(nc) = nm.connect.iter().find(|c| c.name == oc.name) else {
            sink.add(
                Class::Breaking,
                Rule::SubresourceRemoved,
                &path,
                format!("the subresource `{}` was removed", oc.name),
            );
            continue;
        };
        for method in oc.methods.iter().filter(|m| !nc.methods.contains(m)) {
            sink.add(
                Class::Breaking,
                Rule::RouteRemoved,
                &format!("{path}[{method}]"),
                format!("`{method}` is no longer answered on `{}`", oc.name),
            );
        }
        for method in nc.methods.iter().filter(|m| !oc.methods.contains(m)) {
            sink.add(
                Class::Compatible,
                Rule::RouteAdded,
                &format!("{path}[{method}]"),
                format!("`{method}` is now answered on `{}`", oc.name),
            );
        }
        if oc.subpath != nc.subpath {
            let (class, rule, message) = if oc.subpath {
                (
                    Class::Breaking,
                    Rule::RouteRemoved,
                    "paths below the subresource are no longer answered",
                )
            } else {
                (
                    Class::Compatible,
                    Rule::RouteAdded,
                    "paths below the subresource are now answered",
                )
            };
            sink.add(class, rule, &format!("{path}/{{path}}"), message);
        }
    }
    for nc in nm.connect.iter() {
        if !om.connect.iter().any(|c| c.name == nc.name) {
            sink.add(
                Class::Compatible,
                Rule::SubresourceAdded,
                &at(&nc.name),
                format!("a new subresource `{}`", nc.name),
            );
        }
    }
}

fn columns(sink: &mut Sink<'_>, path: &str, old: &ApiVersion, new: &ApiVersion) {
    let (oc, nc) = (&old.model.printer_columns, &new.model.printer_columns);
    let column = |c: &crate::model::PrinterColumn| {
        json!({"name": &*c.name, "type": &*c.type_, "format": &*c.format,
               "jsonPath": &*c.json_path, "priority": c.priority, "description": &*c.description})
    };
    for o in oc.iter() {
        let at = format!("{path}.additionalPrinterColumns[{}]", o.name);
        match nc.iter().find(|n| n.name == o.name) {
            None => {
                sink.add(
                    Class::Compatible,
                    Rule::PrinterColumnChanged,
                    &at,
                    format!("the column `{}` was removed from `kubectl get`", o.name),
                )
                .values(Some(column(o)), None);
            }
            Some(n) if n != o => {
                sink.add(
                    Class::Compatible,
                    Rule::PrinterColumnChanged,
                    &at,
                    format!("the column `{}` of `kubectl get` changed", o.name),
                )
                .values(Some(column(o)), Some(column(n)));
            }
            Some(_) => {}
        }
    }
    for n in nc.iter().filter(|n| !oc.iter().any(|o| o.name == n.name)) {
        sink.add(
            Class::Compatible,
            Rule::PrinterColumnChanged,
            &format!("{path}.additionalPrinterColumns[{}]", n.name),
            format!("a new column `{}` in `kubectl get`", n.name),
        )
        .values(None, Some(column(n)));
    }
}
