//! The discovery entries of a resource (`metav1.APIResource`), from the same model as its routes.

use crate::actions::{actions, SubresourceKind};
use crate::model::{ResourceModel, Verb, VerbSet};

/// One entry of an `APIResourceList`: the resource itself or one of its subresources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveryResource {
    /// `widgets`, or `widgets/status` for a subresource.
    pub name: String,
    /// `widget`; empty for subresources, as kube-apiserver leaves it.
    pub singular_name: String,
    /// Whether the resource is namespaced (a subresource shares its parent's scope).
    pub namespaced: bool,
    /// The group, when it differs from the list's (the `scale` subresource's `autoscaling`).
    pub group: Option<String>,
    /// The version, when the group differs from the list's.
    pub version: Option<String>,
    /// The kind served: `Widget`, or `Scale` for the scale subresource.
    pub kind: String,
    /// The Kubernetes verbs, sorted.
    pub verbs: Vec<Verb>,
    /// Short names (main resource only).
    pub short_names: Vec<String>,
    /// Categories (main resource only).
    pub categories: Vec<String>,
    /// `storageVersionHash` (main resource only).
    pub storage_version_hash: Option<String>,
}

/// The discovery entries of a resource: the resource first, then each subresource in the order
/// its routes appear. A subresource whose routes map to no verb (HEAD/OPTIONS-only connect routes)
/// is still listed, with no verbs, as kube-apiserver does.
pub fn discovery(model: &ResourceModel) -> Vec<DiscoveryResource> {
    let table = actions(model);
    let mut out = vec![DiscoveryResource {
        name: model.plural.to_string(),
        singular_name: model.singular.to_string(),
        namespaced: model.namespaced(),
        group: None,
        version: None,
        kind: model.kind.to_string(),
        verbs: verbs_of(&table, SubresourceKind::None),
        short_names: model.short_names.iter().map(|s| s.to_string()).collect(),
        categories: model.categories.iter().map(|s| s.to_string()).collect(),
        storage_version_hash: Some(model.storage_version_hash()),
    }];
    let mut seen: Vec<SubresourceKind> = Vec::new();
    for action in &table {
        let (Some(sub), kind) = (&action.subresource, action.subresource_kind) else {
            continue;
        };
        if seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        let scale = kind == SubresourceKind::Scale;
        out.push(DiscoveryResource {
            name: format!("{}/{}", model.plural, sub),
            singular_name: String::new(),
            namespaced: model.namespaced(),
            group: scale.then(|| "autoscaling".to_string()),
            version: scale.then(|| "v1".to_string()),
            kind: if scale {
                "Scale".into()
            } else {
                model.kind.to_string()
            },
            verbs: verbs_of(&table, kind),
            short_names: Vec::new(),
            categories: Vec::new(),
            storage_version_hash: None,
        });
    }
    out
}

fn verbs_of(table: &[crate::actions::Action], kind: SubresourceKind) -> Vec<Verb> {
    let set: VerbSet = table
        .iter()
        .filter(|a| a.subresource_kind == kind)
        .filter_map(|a| a.kube_verb)
        .collect();
    set.iter().collect()
}
