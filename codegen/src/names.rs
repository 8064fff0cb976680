//! Names Kubernetes derives from other names: plurals, operation ids, storage version hashes.

use sha2::{Digest, Sha256};

/// Kinds whose lower-case name ends in one of these are their own plural.
const UNPLURALIZED_SUFFIXES: [&str; 1] = ["endpoints"];

/// The plural and singular resource names Kubernetes guesses for a kind
/// (apimachinery's `meta.UnsafeGuessKindToResource`): `Widget` gives `widgets` and `widget`,
/// `Policy` gives `policies`, `Ingress` gives `ingresses`.
pub fn guess_plural_and_singular(kind: &str) -> (String, String) {
    let singular = kind.to_lowercase();
    if singular.is_empty() || UNPLURALIZED_SUFFIXES.iter().any(|s| singular.ends_with(s)) {
        return (singular.clone(), singular);
    }
    let plural = if singular.ends_with('s') {
        format!("{singular}es")
    } else if let Some(stem) = singular.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{singular}s")
    };
    (plural, singular)
}

/// Removes characters that cannot appear in an operation id and capitalizes the letter after
/// each one removed (kube-openapi's `ToValidOperationID`): `demo.krest.dev` becomes `DemoKrestDev`
/// when `capitalize_first` is set.
pub fn to_valid_operation_id(s: &str, capitalize_first: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut capitalize = capitalize_first;
    for (i, c) in s.chars().enumerate() {
        if c.is_alphabetic() || c == '_' || (i != 0 && c.is_numeric()) {
            if capitalize {
                out.extend(c.to_uppercase());
                capitalize = false;
            } else {
                out.push(c);
            }
        } else {
            capitalize = true;
        }
    }
    out
}

/// Operation-name prefixes kube-apiserver recognizes; the shortest that matches wins, which is
/// why `deletecollectionNamespacedPod` becomes `deleteCoreV1CollectionNamespacedPod`.
const OPERATION_VERBS: [&str; 12] = [
    "get",
    "log",
    "read",
    "replace",
    "patch",
    "delete",
    "deletecollection",
    "watch",
    "connect",
    "proxy",
    "list",
    "create",
];

/// The OpenAPI operation id of a route (kube-apiserver's `GetOperationIDAndTags`): the verb of
/// the go-restful operation name, then the group (with `.k8s.io` trimmed, `core` for `/api`) and
/// version, then the rest of the name.
pub fn operation_id(operation: &str, group: &str, version: &str) -> String {
    let prefix = OPERATION_VERBS
        .iter()
        .filter(|v| operation.starts_with(*v))
        .min_by_key(|v| v.len())
        .copied()
        .unwrap_or("");
    let group = if group.is_empty() { "core" } else { group };
    let group = group.strip_suffix(".k8s.io").unwrap_or(group);
    let capitalize = !prefix.is_empty();
    let mut id = prefix.to_string();
    id.push_str(&to_valid_operation_id(group, capitalize));
    let capitalize = !id.is_empty();
    id.push_str(&to_valid_operation_id(version, capitalize));
    let capitalize = !id.is_empty();
    id.push_str(&to_valid_operation_id(
        &operation[prefix.len()..],
        capitalize,
    ));
    id
}

/// The OpenAPI tag of a group-version: `demoKrestDev_v1`, `core_v1`.
pub fn operation_tag(group: &str, version: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    let group = group.strip_suffix(".k8s.io").unwrap_or(group);
    format!(
        "{}_{}",
        to_valid_operation_id(group, false),
        to_valid_operation_id(version, false)
    )
}

/// The discovery `storageVersionHash`: base64 of the first 8 bytes of
/// `sha256("<group>/<version>/<kind>")`, as kube-apiserver computes it.
pub fn storage_version_hash(group: &str, version: &str, kind: &str) -> String {
    let digest = Sha256::digest(format!("{group}/{version}/{kind}").as_bytes());
    base64(&digest[..8])
}

/// Standard base64 with padding, enough for the hash above.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Upper-cases the first letter (Go's `strings.Title` on one word).
pub fn title(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_kubernetes_guesses() {
        for (kind, plural) in [
            ("Widget", "widgets"),
            ("Policy", "policies"),
            ("Ingress", "ingresses"),
            ("Endpoints", "endpoints"),
            // Kubernetes' guess, not English: `UnsafeGuessKindToResource` turns any final
            // `y` into `ies` (which is why Gateway API CRDs set their plural explicitly).
            ("Gateway", "gatewaies"),
            ("HTTPRoute", "httproutes"),
        ] {
            assert_eq!(guess_plural_and_singular(kind).0, plural, "{kind}");
        }
        assert_eq!(guess_plural_and_singular("Widget").1, "widget");
    }

    #[test]
    fn operation_ids_match_kube_apiserver() {
        assert_eq!(
            operation_id("readNamespacedPod", "", "v1"),
            "readCoreV1NamespacedPod"
        );
        assert_eq!(
            operation_id("deletecollectionNamespacedPod", "", "v1"),
            "deleteCoreV1CollectionNamespacedPod"
        );
        assert_eq!(
            operation_id("listClusterRole", "rbac.authorization.k8s.io", "v1"),
            "listRbacAuthorizationV1ClusterRole"
        );
        assert_eq!(
            operation_id("connectGetNamespacedPodExec", "", "v1"),
            "connectCoreV1GetNamespacedPodExec"
        );
        assert_eq!(
            operation_id("listWidgetForAllNamespaces", "example.com", "v1beta2"),
            "listExampleComV1beta2WidgetForAllNamespaces"
        );
        assert_eq!(
            operation_tag("rbac.authorization.k8s.io", "v1"),
            "rbacAuthorization_v1"
        );
        assert_eq!(operation_tag("", "v1"), "core_v1");
    }

    #[test]
    fn storage_version_hashes_match_kube_apiserver() {
        assert_eq!(
            storage_version_hash("apps", "v1", "Deployment"),
            "8aSe+NMegvE="
        );
        assert_eq!(storage_version_hash("", "v1", "Pod"), "xPOwRZ+Yhw8=");
    }
}
