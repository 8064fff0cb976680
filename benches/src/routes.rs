//! The k8s-shaped route sets and request mixes every router is measured on.
//!
//! A route set of `n` resources holds the routes [`krest::codegen::actions`] makes for `n`
//! namespaced kinds with `status` and `scale` (17 routes each), ten kinds per group-version. The
//! request mix probes collection, item, subresource, all-namespaces and watch paths spread over
//! the resources, and paths no route answers.

use std::fmt::Write as _;

use krest::codegen::{actions, ActionVerb, Method, ResourceModel, Scale};
use krest::Resource as _;

use crate::names;

/// One route: the method and the path template (`{param}`, trailing `{param:*}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    /// The HTTP method.
    pub method: Method,
    /// The path template, as krest writes it.
    pub template: String,
}

/// A route of a served kind, with what the Go peer needs to serve it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedRoute {
    /// Method and template.
    pub route: RouteSpec,
    /// The installer's action verb.
    pub verb: ActionVerb,
    /// The subresource, if any.
    pub subresource: Option<String>,
    /// `group/version`, or `v1` for the core group.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The resource name in URLs.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

/// One request of a mix, and the template that must answer it (`None`: no route does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The HTTP method.
    pub method: Method,
    /// The concrete path.
    pub path: String,
    /// The template of the route that answers it.
    pub expected: Option<String>,
}

/// The route-set sizes the dispatch benchmark compares.
pub const SIZES: [usize; 3] = [1, 100, 500];

/// The model of generated kind `i`: namespaced, with `status` and `scale`.
pub fn bench_model(i: usize) -> ResourceModel {
    with_subresources(ResourceModel::new(names::group(i), "v1", names::kind(i)))
}

/// The model of the example's `Widget` (`demo.krest.dev/v1`), as far as routes go.
pub fn widget_model() -> ResourceModel {
    with_subresources(ResourceModel::new("demo.krest.dev", "v1", "Widget"))
}

fn with_subresources(mut model: ResourceModel) -> ResourceModel {
    model.status = true;
    model.scale = Some(Scale {
        spec_replicas_path: ".spec.replicas".into(),
        status_replicas_path: ".status.readyReplicas".into(),
        label_selector_path: None,
    });
    model
}

/// Every route of `n` generated kinds, in installation order.
pub fn route_set(n: usize) -> Vec<RouteSpec> {
    (0..n)
        .flat_map(|i| actions(&bench_model(i)))
        .map(|a| RouteSpec {
            method: a.method,
            template: a.path.into_owned(),
        })
        .collect()
}

/// The resource routes of the benchmark servers with `kinds` kinds: core `v1` Namespaces, the
/// example's `Widget`, then `kinds - 1` generated kinds (numbered from 1).
pub fn served_routes(kinds: usize) -> Vec<ServedRoute> {
    let models = [krest::Namespace::MODEL, widget_model()]
        .into_iter()
        .chain((1..kinds).map(bench_model));
    models
        .flat_map(|model| {
            let api_version = model.api_version();
            let kind = model.kind.to_string();
            let plural = model.plural.to_string();
            let namespaced = model.namespaced();
            actions(&model).into_iter().map(move |a| ServedRoute {
                route: RouteSpec {
                    method: a.method,
                    template: a.path.into_owned(),
                },
                verb: a.verb,
                subresource: a.subresource.map(|s| s.into_owned()),
                api_version: api_version.clone(),
                kind: kind.clone(),
                plural: plural.clone(),
                namespaced,
            })
        })
        .collect()
}

/// The request mix for a set of `n` generated kinds: eight shapes of hit over resources spread
/// through the set, then four misses.
pub fn request_mix(n: usize) -> Vec<Probe> {
    let mut probes = Vec::new();
    for k in 0..16 {
        let model = bench_model(k * 7919 % n);
        let prefix = model.prefix();
        let plural = &model.plural;
        let ns = format!("ns-{k}");
        let obj = format!("object-{k}");
        let ns_coll = format!("{prefix}/namespaces/{{namespace}}/{plural}");
        let item = format!("{ns_coll}/{{name}}");
        let (method, path, expected) = match k % 8 {
            0 => (
                Method::Get,
                format!("{prefix}/namespaces/{ns}/{plural}"),
                ns_coll,
            ),
            1 => (
                Method::Post,
                format!("{prefix}/namespaces/{ns}/{plural}"),
                ns_coll,
            ),
            2 => (
                Method::Get,
                format!("{prefix}/namespaces/{ns}/{plural}/{obj}"),
                item,
            ),
            3 => (
                Method::Put,
                format!("{prefix}/namespaces/{ns}/{plural}/{obj}"),
                item,
            ),
            4 => (
                Method::Get,
                format!("{prefix}/namespaces/{ns}/{plural}/{obj}/status"),
                format!("{item}/status"),
            ),
            5 => (
                Method::Put,
                format!("{prefix}/namespaces/{ns}/{plural}/{obj}/scale"),
                format!("{item}/scale"),
            ),
            6 => (
                Method::Get,
                format!("{prefix}/{plural}"),
                format!("{prefix}/{plural}"),
            ),
            _ => (
                Method::Get,
                format!("{prefix}/watch/namespaces/{ns}/{plural}/{obj}"),
                format!("{prefix}/watch/namespaces/{{namespace}}/{plural}/{{name}}"),
            ),
        };
        probes.push(Probe {
            method,
            path,
            expected: Some(expected),
        });
    }
    let last = bench_model(n - 1);
    let prefix = last.prefix();
    let plural = &last.plural;
    for path in [
        format!("{prefix}/namespaces/ns-x/unknowns/object-x"),
        format!("{prefix}/namespaces/ns-x/{plural}/object-x/unknown"),
        "/apis/unknown.example.com/v1/things".to_string(),
        "/api/v2/namespaces/ns-x/pods".to_string(),
    ] {
        probes.push(Probe {
            method: Method::Get,
            path,
            expected: None,
        });
    }
    probes
}

/// A krest template in matchit's syntax: `{path:*}` becomes the catch-all `{*path}`.
pub fn to_matchit(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_suffix(":*}") {
            Some(name) => format!("{{*{}}}", name.trim_start_matches('{')),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A route set as text for the Go peer: `METHOD TEMPLATE` per line.
pub fn render_routes(routes: &[RouteSpec]) -> String {
    let mut out = String::new();
    for r in routes {
        let _ = writeln!(out, "{} {}", r.method, r.template);
    }
    out
}

/// A request mix as text for the Go peer: `METHOD PATH EXPECTED-TEMPLATE` per line, `-` for a
/// miss.
pub fn render_probes(probes: &[Probe]) -> String {
    let mut out = String::new();
    for p in probes {
        let _ = writeln!(
            out,
            "{} {} {}",
            p.method,
            p.path,
            p.expected.as_deref().unwrap_or("-")
        );
    }
    out
}

/// Served routes as text for the Go peer's server: `METHOD TEMPLATE VERB SUBRESOURCE
/// API-VERSION KIND PLURAL SCOPE` per line, `-` for no subresource, scope `namespaced` or
/// `cluster`.
pub fn render_served(routes: &[ServedRoute]) -> String {
    let mut out = String::new();
    for r in routes {
        let _ = writeln!(
            out,
            "{} {} {} {} {} {} {} {}",
            r.route.method,
            r.route.template,
            r.verb,
            r.subresource.as_deref().unwrap_or("-"),
            r.api_version,
            r.kind,
            r.plural,
            if r.namespaced {
                "namespaced"
            } else {
                "cluster"
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use krest::router::{Match, Router};

    #[test]
    fn seventeen_routes_per_resource() {
        assert_eq!(route_set(1).len(), 17);
        assert_eq!(route_set(500).len(), 500 * 17);
    }

    #[test]
    fn widget_model_routes_are_the_derived_ones() {
        let derived: Vec<_> = krest_example_widgets::Widget::ROUTES
            .iter()
            .map(|r| (r.action.method, r.action.path.to_string()))
            .collect();
        let modelled: Vec<_> = actions(&widget_model())
            .into_iter()
            .map(|a| (a.method, a.path.into_owned()))
            .collect();
        assert_eq!(derived, modelled);
    }

    #[test]
    fn probes_match_what_they_expect_in_krest() {
        for n in SIZES {
            let routes = route_set(n);
            let mut router = Router::new();
            for r in &routes {
                router.insert(r.method, &r.template).unwrap();
            }
            for probe in request_mix(n) {
                let found = match router.find(probe.method, &probe.path) {
                    Match::Found { route, .. } => Some(routes[route].template.clone()),
                    _ => None,
                };
                assert_eq!(found, probe.expected, "{} {}", probe.method, probe.path);
            }
        }
    }

    #[test]
    fn catch_all_translation() {
        assert_eq!(
            to_matchit("/a/{name}/logs/{path:*}"),
            "/a/{name}/logs/{*path}"
        );
        assert_eq!(to_matchit("/a/{name}"), "/a/{name}");
    }
}
