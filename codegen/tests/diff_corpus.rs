//! `krest diff` on real CRDs: two published releases of each project of `tests/crds`, copied
//! into `tests/crds/published/` (sources, tags, commits and blob ids in `tests/crds/README.md`),
//! where the project made a change that breaks clients. Each test names every breaking change
//! found, and the compatible changes that go with it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use krest_codegen::diff::{diff, Api, Class, Report, Rule};

fn published(dir: &str) -> Api {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/crds/published")
        .join(dir);
    Api::read_path(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn report(old: &str, new: &str) -> Report {
    diff(&published(old), &published(new))
}

/// `(kind, version, rule, path)` of each change of `class`, descriptions left out.
fn of(report: &Report, class: Class) -> BTreeSet<(String, String, &'static str, String)> {
    report
        .changes
        .iter()
        .filter(|c| c.class == class && c.rule != Rule::DescriptionChanged)
        .map(|c| {
            (
                c.kind.clone(),
                c.version.clone().unwrap_or_default(),
                c.rule.as_str(),
                c.path.clone(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, &str, &str)]) -> BTreeSet<(String, String, &'static str, String)> {
    items
        .iter()
        .map(|(k, v, r, p)| {
            let rule = Rule::parse(r).unwrap_or_else(|| panic!("no rule {r}"));
            (k.to_string(), v.to_string(), rule.as_str(), p.to_string())
        })
        .collect()
}

/// Prometheus operator v0.80.0 renamed `scrapeFallbackProtocol` to `fallbackScrapeProtocol`
/// (its changelog: "[CHANGE] Rename the field ... #7199"): a removed field and a new one.
#[test]
fn prometheus_operator_v0_79_to_v0_80_renamed_a_field() {
    let report = report("prometheus-operator/v0.79.0", "prometheus-operator/v0.80.0");
    assert_eq!(
        of(&report, Class::Breaking),
        set(&[
            (
                "PodMonitor",
                "v1",
                "field-removed",
                ".spec.scrapeFallbackProtocol"
            ),
            (
                "ServiceMonitor",
                "v1",
                "field-removed",
                ".spec.scrapeFallbackProtocol"
            ),
        ])
    );
    assert_eq!(
        of(&report, Class::Compatible),
        set(&[
            (
                "PodMonitor",
                "v1",
                "field-added",
                ".spec.fallbackScrapeProtocol"
            ),
            (
                "ServiceMonitor",
                "v1",
                "field-added",
                ".spec.fallbackScrapeProtocol"
            ),
        ])
    );
}

/// Gateway API v0.8.0 stopped serving v1alpha2 Gateways and moved its webhook's validation
/// into CEL rules and `oneOf`s in the schema.
#[test]
fn gateway_api_v0_7_to_v0_8_stopped_serving_v1alpha2_and_added_cel_rules() {
    let report = report("gateway-api/v0.7.0", "gateway-api/v0.8.0");
    let breaking = of(&report, Class::Breaking);
    assert!(breaking.contains(&(
        "Gateway".into(),
        "v1alpha2".into(),
        "version-unserved",
        "spec.versions[v1alpha2].served".into()
    )));
    // Several rules at one path: counted over the changes, not the set.
    let count = |rule: &str, path: &str| {
        report
            .breaking()
            .filter(|c| c.version.as_deref() == Some("v1beta1"))
            .filter(|c| c.rule.as_str() == rule && c.path == path)
            .count()
    };
    assert_eq!(count("validation-rule-added", ".spec.listeners"), 5);
    assert_eq!(count("validation-rule-added", ".spec.addresses"), 2);
    assert_eq!(count("validation-rule-added", ".spec.listeners[*].tls"), 1);
    assert_eq!(count("validation-tightened", ".spec.addresses[*]"), 1);
    assert_eq!(report.breaking().count(), 13, "{}", report.to_text());
    // Nothing is reported inside the version that is no longer served.
    assert!(report
        .changes
        .iter()
        .all(|c| c.version.as_deref() != Some("v1alpha2") || c.rule == Rule::VersionUnserved));
}

/// cert-manager v1.6.0 stopped serving its three pre-v1 versions (breaking), and v1.7.0
/// removed them (compatible by then) along with the conversion webhook.
#[test]
fn cert_manager_v1_5_to_v1_7_unserved_then_removed_old_versions() {
    let unserved = report("cert-manager/v1.5.0", "cert-manager/v1.6.0");
    let versions = ["v1alpha2", "v1alpha3", "v1beta1"];
    let expected: Vec<(&str, &str, &str, String)> = versions
        .iter()
        .map(|v| {
            (
                "Certificate",
                *v,
                "version-unserved",
                format!("spec.versions[{v}].served"),
            )
        })
        .collect();
    let expected: Vec<(&str, &str, &str, &str)> = expected
        .iter()
        .map(|(k, v, r, p)| (*k, *v, *r, p.as_str()))
        .collect();
    assert_eq!(of(&unserved, Class::Breaking), set(&expected));

    let removed = report("cert-manager/v1.6.0", "cert-manager/v1.7.0");
    assert!(!removed.is_breaking(), "{}", removed.to_text());
    let expected: Vec<String> = versions
        .iter()
        .map(|v| format!("spec.versions[{v}]"))
        .collect();
    let mut want: Vec<(&str, &str, &str, &str)> = versions
        .iter()
        .zip(&expected)
        .map(|(v, p)| ("Certificate", *v, "version-removed", p.as_str()))
        .collect();
    want.push((
        "Certificate",
        "v1",
        "field-added",
        ".spec.additionalOutputFormats",
    ));
    assert_eq!(of(&removed, Class::Compatible), set(&want));
}

/// Argo CD v2.4.0 removed ksonnet support: the `ksonnet` source is gone from every place an
/// Application holds a source.
#[test]
fn argo_cd_v2_3_to_v2_4_removed_ksonnet() {
    let report = report("argo-cd/v2.3.0", "argo-cd/v2.4.0");
    let paths = [
        ".operation.sync.source.ksonnet",
        ".spec.source.ksonnet",
        ".status.history[*].source.ksonnet",
        ".status.operationState.operation.sync.source.ksonnet",
        ".status.operationState.syncResult.source.ksonnet",
        ".status.sync.comparedTo.source.ksonnet",
    ];
    let want: Vec<(&str, &str, &str, &str)> = paths
        .iter()
        .map(|p| ("Application", "v1alpha1", "field-removed", *p))
        .collect();
    assert_eq!(of(&report, Class::Breaking), set(&want));
    assert_eq!(of(&report, Class::Compatible), set(&[]));
}

/// A side compared with itself has no changes.
#[test]
fn a_release_compared_with_itself_has_no_changes() {
    for dir in [
        "argo-cd/v2.4.0",
        "gateway-api/v0.8.0",
        "cert-manager/v1.5.0",
    ] {
        let report = report(dir, dir);
        assert!(report.changes.is_empty(), "{dir}: {}", report.to_text());
    }
}
