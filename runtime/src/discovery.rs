//! Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/{group}`, `/apis/{group}/{version}`),
//! built once when the server is built, from the same models as the routes.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{json, Value};

use crate::codegen::{discovery, ResourceModel};
use crate::route::Body;

/// The prebuilt discovery documents, by path.
pub(crate) struct Discovery {
    documents: BTreeMap<String, Bytes>,
}

impl Discovery {
    /// Builds every document for `models`.
    pub fn new<'a>(models: impl Iterator<Item = &'a ResourceModel>) -> Discovery {
        let mut groups: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
        for model in models {
            let resources = groups
                .entry(model.group.to_string())
                .or_default()
                .entry(model.version.to_string())
                .or_default();
            for entry in discovery(model) {
                let mut resource = json!({
                    "name": entry.name,
                    "singularName": entry.singular_name,
                    "namespaced": entry.namespaced,
                    "kind": entry.kind,
                    "verbs": entry.verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
                });
                if let (Some(group), Some(version)) = (&entry.group, &entry.version) {
                    resource["group"] = json!(group);
                    resource["version"] = json!(version);
                }
                if !entry.short_names.is_empty() {
                    resource["shortNames"] = json!(entry.short_names);
                }
                if !entry.categories.is_empty() {
                    resource["categories"] = json!(entry.categories);
                }
                if let Some(hash) = entry.storage_version_hash {
                    resource["storageVersionHash"] = json!(hash);
                }
                resources.push(resource);
            }
        }
        let mut documents = BTreeMap::new();
        let mut put = |path: String, value: Value| {
            documents.insert(path, Bytes::from(value.to_string()));
        };
        put(
            "/api".into(),
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}]}),
        );
        let core = groups.remove("").unwrap_or_default();
        let core_v1 = core.get("v1").cloned().unwrap_or_default();
        put(
            "/api/v1".into(),
            json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": core_v1}),
        );
        let mut group_list = Vec::new();
        for (group, versions) in &groups {
            let mut names: Vec<&String> = versions.keys().collect();
            names.sort_by(|a, b| compare_versions(b, a));
            let versions_json: Vec<Value> = names
                .iter()
                .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
                .collect();
            let document = json!({
                "name": group,
                "versions": versions_json,
                "preferredVersion": versions_json[0],
            });
            let mut api_group = document.clone();
            api_group["kind"] = json!("APIGroup");
            api_group["apiVersion"] = json!("v1");
            put(format!("/apis/{group}"), api_group);
            group_list.push(document);
            for (version, resources) in versions {
                put(
                    format!("/apis/{group}/{version}"),
                    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": format!("{group}/{version}"), "resources": resources}),
                );
            }
        }
        put(
            "/apis".into(),
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": group_list}),
        );
        Discovery { documents }
    }

    /// The paths served.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.documents.keys().map(String::as_str)
    }

    /// The document at `path`.
    pub fn response<B>(&self, path: &str, _request: &http::Request<B>) -> http::Response<Body> {
        match self.documents.get(path) {
            Some(bytes) => crate::encode::bytes_response(200, "application/json", bytes.clone()),
            None => crate::status::Status::path_not_found().into_response(),
        }
    }
}

/// Orders versions as Kubernetes does (`CompareKubeAwareVersionStrings`): GA before beta
/// before alpha, higher numbers first; other strings after, alphabetically.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(v: &str) -> Option<(u64, u8, u64)> {
        let rest = v.strip_prefix('v')?;
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let major: u64 = rest[..digits].parse().ok()?;
        let rest = &rest[digits..];
        if rest.is_empty() {
            return Some((major, 3, 0));
        }
        let (stage, minor) = if let Some(m) = rest.strip_prefix("beta") {
            (2, m)
        } else {
            (1, rest.strip_prefix("alpha")?)
        };
        Some((major, stage, minor.parse().ok()?))
    }
    match (key(a), key(b)) {
        (Some((ma, sa, na)), Some((mb, sb, nb))) => sa.cmp(&sb).then(ma.cmp(&mb)).then(na.cmp(&nb)),
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (None, None) => b.cmp(a),
    }
}

/// `/version`, in kube-apiserver's `version.Info` shape.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": concat!("v1.32.0-krest.", env!("CARGO_PKG_VERSION")),
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_aware_version_order() {
        let mut versions = vec![
            "v1alpha1", "v2", "v1beta2", "v1", "foo", "v1beta1", "v10", "v2beta1",
        ];
        versions.sort_by(|a, b| compare_versions(b, a));
        assert_eq!(
            versions,
            ["v10", "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
        );
    }
}
