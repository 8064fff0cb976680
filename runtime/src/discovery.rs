//! Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/{group}`, `/apis/{group}/{version}`),
//! built once when the server is built, from the same models as the routes, and the review kinds
//! every server serves (`authentication.k8s.io/v1`, `authorization.k8s.io/v1`).

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{json, Value};

use crate::codegen::{discovery, ResourceModel};
use crate::response::Body;

/// The prebuilt discovery documents, by path.
pub(crate) struct Discovery {
    documents: BTreeMap<String, Bytes>,
    /// Aggregated discovery (`apidiscovery.k8s.io`) of `/api` and `/apis`: the item lists.
    aggregated_core: Vec<Value>,
    aggregated_groups: Vec<Value>,
}

impl Discovery {
    /// Builds every document for `models`.
    pub fn new<'a>(models: impl Iterator<Item = &'a ResourceModel> + Clone) -> Discovery {
        let (aggregated_core, aggregated_groups) = aggregated(models.clone());
        let mut groups: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
        for review in crate::builtin::reviews::RESOURCES {
            groups
                .entry(review.group.to_string())
                .or_default()
                .entry("v1".to_string())
                .or_default()
                .push(json!({
                    "name": review.plural,
                    "singularName": review.singular(),
                    "namespaced": review.namespaced,
                    "kind": review.kind,
                    "verbs": ["create"],
                }));
        }
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
        Discovery {
            documents,
            aggregated_core,
            aggregated_groups,
        }
    }

    /// The paths served.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.documents.keys().map(String::as_str)
    }

    /// The document at `path`: aggregated discovery for `/api` and `/apis` when the client asks
    /// for it (as kubectl and client-go do), the legacy documents otherwise.
    pub fn response<B>(&self, path: &str, request: &http::Request<B>) -> http::Response<Body> {
        let accept = request
            .headers()
            .get(http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .unwrap_or("");
        let items = match path {
            "/api" => Some(&self.aggregated_core),
            "/apis" => Some(&self.aggregated_groups),
            _ => None,
        };
        if let (Some(items), Some(version)) = (items, aggregated_version(accept)) {
            let body = json!({
                "kind": "APIGroupDiscoveryList",
                "apiVersion": format!("apidiscovery.k8s.io/{version}"),
                "metadata": {},
                "items": items,
            });
            let mut response = crate::response::json_response(200, &body);
            let content_type = format!(
                "application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
            );
            if let Ok(value) = http::HeaderValue::from_str(&content_type) {
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_TYPE, value);
            }
            response
                .headers_mut()
                .insert(http::header::VARY, http::HeaderValue::from_static("Accept"));
            return response;
        }
        match self.documents.get(path) {
            Some(bytes) => crate::response::bytes_response(200, "application/json", bytes.clone()),
            None => crate::status::Status::path_not_found().into_response(),
        }
    }
}

/// The aggregated discovery version the `Accept` header asks for first, if any.
fn aggregated_version(accept: &str) -> Option<&'static str> {
    accept.split(',').find_map(|clause| {
        let mut parts = clause.split(';').map(str::trim);
        if parts.next()? != "application/json" {
            return None;
        }
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let has = |k: &str, v: &str| {
            params
                .iter()
                .any(|(pk, pv)| pk.trim() == k && pv.trim() == v)
        };
        if !has("g", "apidiscovery.k8s.io") || !has("as", "APIGroupDiscoveryList") {
            return None;
        }
        if has("v", "v2") {
            Some("v2")
        } else if has("v", "v2beta1") {
            Some("v2beta1")
        } else {
            None
        }
    })
}

/// The `APIGroupDiscovery` items: the core group's, and every named group's.
fn aggregated<'a>(models: impl Iterator<Item = &'a ResourceModel>) -> (Vec<Value>, Vec<Value>) {
    let mut groups: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    for review in crate::builtin::reviews::RESOURCES {
        groups
            .entry(review.group.to_string())
            .or_default()
            .entry("v1".to_string())
            .or_default()
            .push(json!({
                "resource": review.plural,
                "responseKind": {"group": review.group, "version": "v1", "kind": review.kind},
                "scope": if review.namespaced { "Namespaced" } else { "Cluster" },
                "singularResource": review.singular(),
                "verbs": ["create"],
            }));
    }
    for model in models {
        let entries = discovery(model);
        let kind = |e: &crate::codegen::DiscoveryResource| {
            json!({
                "group": e.group.clone().unwrap_or_else(|| model.group.to_string()),
                "version": e.version.clone().unwrap_or_else(|| model.version.to_string()),
                "kind": e.kind,
            })
        };
        let verbs = |e: &crate::codegen::DiscoveryResource| -> Vec<&str> {
            e.verbs.iter().map(|v| v.as_str()).collect()
        };
        let main = &entries[0];
        let subresources: Vec<Value> = entries[1..]
            .iter()
            .map(|e| {
                json!({
                    "subresource": e.name.split_once('/').map_or("", |(_, s)| s),
                    "responseKind": kind(e),
                    "verbs": verbs(e),
                })
            })
            .collect();
        let mut resource = json!({
            "resource": main.name,
            "responseKind": kind(main),
            "scope": if main.namespaced { "Namespaced" } else { "Cluster" },
            "singularResource": main.singular_name,
            "verbs": verbs(main),
        });
        if !main.short_names.is_empty() {
            resource["shortNames"] = json!(main.short_names);
        }
        if !main.categories.is_empty() {
            resource["categories"] = json!(main.categories);
        }
        if !subresources.is_empty() {
            resource["subresources"] = json!(subresources);
        }
        groups
            .entry(model.group.to_string())
            .or_default()
            .entry(model.version.to_string())
            .or_default()
            .push(resource);
    }
    let item = |name: &str, versions: &BTreeMap<String, Vec<Value>>| {
        let mut names: Vec<&String> = versions.keys().collect();
        names.sort_by(|a, b| compare_versions(b, a));
        json!({
            "metadata": {"name": name, "creationTimestamp": null},
            "versions": names.iter().map(|v| json!({"version": v, "resources": versions[*v], "freshness": "Current"})).collect::<Vec<_>>(),
        })
    };
    let core = groups
        .remove("")
        .map(|v| vec![item("", &v)])
        .unwrap_or_default();
    let named = groups.iter().map(|(g, v)| item(g, v)).collect();
    (core, named)
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
