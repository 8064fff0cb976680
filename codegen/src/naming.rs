//! kube-apiserver's naming controller over a set of CustomResourceDefinitions: within one API
//! group, a CRD whose plural, singular, short names, kind or list kind another CRD already
//! uses is created but never established (its `NamesAccepted` condition is `False`), so it
//! serves nothing. krest reads the CRDs in file order and refuses the later one with the
//! controller's reason, as a cluster that had them applied in that order would.

use std::collections::BTreeSet;

use crate::crd::Crd;
use crate::error::Error;

/// The CRDs kube-apiserver would establish, in order, and an error for each it would not: a
/// second CRD of the same name, or one whose names another CRD of its group already uses.
pub fn establish(crds: Vec<Crd>) -> (Vec<Crd>, Vec<Error>) {
    let mut accepted: Vec<Crd> = Vec::new();
    let mut errors = Vec::new();
    for crd in crds {
        match conflict(&accepted, &crd) {
            Some(error) => errors.push(error),
            None => accepted.push(crd),
        }
    }
    (accepted, errors)
}

/// Why `crd` is not established next to `accepted`, if it is not.
fn conflict(accepted: &[Crd], crd: &Crd) -> Option<Error> {
    let at = |path: &str, message: String| {
        Some(Error::new(
            crd.file.clone(),
            crd.names_line,
            path.to_string(),
            message,
        ))
    };
    let group: Vec<&Crd> = accepted.iter().filter(|c| c.group == crd.group).collect();
    if let Some(other) = group.iter().find(|c| c.plural == crd.plural) {
        return at(
            "spec.names.plural",
            format!(
                "`{}.{}` is already defined in {}:{}: kube-apiserver refuses a second CRD of that name; leave one of the two out",
                crd.plural, crd.group, other.file, other.line
            ),
        );
    }
    // The names of the other CRDs of the group (the controller's `getAcceptedNamesForGroup`).
    let mut resources: BTreeSet<&str> = BTreeSet::new();
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    for other in &group {
        resources.insert(&other.plural);
        resources.insert(&other.singular);
        resources.extend(other.short_names.iter().map(String::as_str));
        kinds.insert(&other.kind);
        kinds.insert(&other.list_kind);
    }
    let owner = |name: &str, kind: bool| -> String {
        let other = group.iter().find(|c| {
            if kind {
                c.kind == name || c.list_kind == name
            } else {
                c.plural == name || c.singular == name || c.short_names.iter().any(|s| s == name)
            }
        });
        other.map_or_else(String::new, |c| {
            format!(" by `{}.{}` ({}:{})", c.plural, c.group, c.file, c.line)
        })
    };
    let refuse = |path: &str, reason: &str, name: &str, kind: bool| {
        at(
            path,
            format!(
                "\"{name}\" is already in use{}: kube-apiserver does not establish this CRD ({reason}); rename it",
                owner(name, kind)
            ),
        )
    };
    if resources.contains(crd.singular.as_str()) {
        return refuse(
            "spec.names.singular",
            "SingularConflict",
            &crd.singular,
            false,
        );
    }
    if resources.contains(crd.plural.as_str()) {
        return refuse("spec.names.plural", "PluralConflict", &crd.plural, false);
    }
    for (i, short) in crd.short_names.iter().enumerate() {
        if resources.contains(short.as_str()) {
            return refuse(
                &format!("spec.names.shortNames[{i}]"),
                "ShortNamesConflict",
                short,
                false,
            );
        }
    }
    if kinds.contains(crd.kind.as_str()) {
        return refuse("spec.names.kind", "KindConflict", &crd.kind, true);
    }
    if kinds.contains(crd.list_kind.as_str()) {
        return refuse(
            "spec.names.listKind",
            "ListKindConflict",
            &crd.list_kind,
            true,
        );
    }
    None
}
