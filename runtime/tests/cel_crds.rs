//! The CEL rules of real CRDs, through servers of the kinds krest-codegen generates from them
//! (the goldens of `codegen/tests/generated/`): the Gateway API HTTPRoute (dozens of rules:
//! macros, `duration`, escaped `namespace`, nested list cardinalities within kube-apiserver's
//! cost limits) and cert-manager's Issuer; the Gateway's rules compile in the same server.
//! Valid objects are created, invalid ones answered 422 with the CRD's messages at
//! kube-apiserver's field paths.

#![allow(dead_code, missing_docs)]

mod common;

use common::*;
use serde_json::{json, Value};

mod httproutes {
    include!("../../codegen/tests/generated/gateway.networking.k8s.io_httproutes/mod.rs");
}
mod issuers {
    include!("../../codegen/tests/generated/cert-manager.io_issuers/mod.rs");
}
mod gateways {
    include!("../../codegen/tests/generated/gateway.networking.k8s.io_gateways/mod.rs");
}

const ROUTES: &str = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes";
const ISSUERS: &str = "/apis/cert-manager.io/v1/namespaces/default/issuers";

fn server() -> krest::Server {
    let builder = krest::Server::builder();
    let builder = httproutes::register(builder);
    issuers::register(builder)
        .build()
        .expect("every rule compiles within the cost limits")
}

fn route(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": name}, "spec": spec})
}

/// A valid HTTPRoute exercising most rules: two parents with section names, matches, filters,
/// backends with ports, timeouts.
pub fn valid_route() -> Value {
    serde_json::from_str(include_str!(
        "../../codegen/tests/objects/httproute-spec.json"
    ))
    .expect("the HTTPRoute fixture is JSON")
}

/// What a case is, how it breaks the valid route, and the cause it expects (field, message).
type Case = (
    &'static str,
    Box<dyn Fn(&mut Value)>,
    (&'static str, &'static str),
);

fn messages(r: &Reply) -> Vec<(String, String)> {
    assert_eq!(r.code, 422, "{}", r.text);
    r.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap_or("").to_string(),
                c["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn httproute_rules_accept_valid_routes_and_refuse_invalid_ones() {
    let s = server();
    let r = json(&s, "POST", ROUTES, route("ok", valid_route())).await;
    assert_eq!(r.code, 201, "{}", r.text);

    let cases: Vec<Case> = vec![
        (
            "same parent, one without a section name",
            Box::new(|s: &mut Value| s["parentRefs"][1] = json!({"name": "gw"})),
            ("spec.parentRefs", "Invalid value: \"array\": sectionName must be specified when parentRefs includes 2 or more references to the same parent"),
        ),
        (
            "same parent and section twice",
            Box::new(|s: &mut Value| s["parentRefs"][1] = json!({"name": "gw", "sectionName": "http"})),
            ("spec.parentRefs", "Invalid value: \"array\": sectionName must be unique when parentRefs includes 2 or more references to the same parent"),
        ),
        (
            "a relative path",
            Box::new(|s: &mut Value| s["rules"][0]["matches"][1]["path"]["value"] = json!("health")),
            ("spec.rules[0].matches[1].path", "Invalid value: \"object\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"),
        ),
        (
            "a path with //",
            Box::new(|s: &mut Value| s["rules"][0]["matches"][0]["path"]["value"] = json!("/a//b")),
            ("spec.rules[0].matches[0].path", "Invalid value: \"object\": must not contain '//' when type one of ['Exact', 'PathPrefix']"),
        ),
        (
            "a Service backend without a port",
            Box::new(|s: &mut Value| s["rules"][0]["backendRefs"][1] = json!({"name": "api-v2"})),
            ("spec.rules[0].backendRefs[1]", "Invalid value: \"object\": Must have port for Service reference"),
        ),
        (
            "a redirect with backends",
            Box::new(|s: &mut Value| s["rules"][1]["backendRefs"] = json!([{"name": "x", "port": 80}])),
            ("spec.rules[1]", "Invalid value: \"object\": RequestRedirect filter must not be used together with backendRefs"),
        ),
        (
            "a filter whose type does not match its field",
            Box::new(|s: &mut Value| s["rules"][0]["filters"][0]["type"] = json!("ResponseHeaderModifier")),
            ("spec.rules[0].filters[0]", "Invalid value: \"object\": filter.requestHeaderModifier must be nil if the filter.type is not RequestHeaderModifier"),
        ),
        (
            "a backend timeout longer than the request's",
            Box::new(|s: &mut Value| s["rules"][0]["timeouts"]["backendRequest"] = json!("1m")),
            ("spec.rules[0].timeouts", "Invalid value: \"object\": backendRequest timeout cannot be longer than request timeout"),
        ),
        (
            "replacePrefixMatch with two matches",
            Box::new(|s: &mut Value| s["rules"][1]["matches"] = json!([{"path": {"type": "PathPrefix", "value": "/a"}}, {"path": {"type": "PathPrefix", "value": "/b"}}])),
            ("spec.rules[1]", "Invalid value: \"object\": When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"),
        ),
    ];
    for (i, (what, change, (field, message))) in cases.iter().enumerate() {
        let mut spec = valid_route();
        change(&mut spec);
        let r = json(&s, "POST", ROUTES, route(&format!("bad{i}"), spec)).await;
        let got = messages(&r);
        assert!(
            got.contains(&(field.to_string(), message.to_string())),
            "{what}: {got:?}"
        );
    }

    // A request timeout of zero disables the limit: any backend timeout goes.
    let mut spec = valid_route();
    spec["rules"][0]["timeouts"] = json!({"request": "0s", "backendRequest": "1h"});
    let r = json(&s, "POST", ROUTES, route("zero", spec)).await;
    assert_eq!(r.code, 201, "{}", r.text);
}

#[tokio::test]
async fn issuer_rules_accept_one_venafi_backend_only() {
    let s = server();
    let issuer = |name: &str, venafi: Value| {
        json!({"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": name},
               "spec": {"venafi": venafi}})
    };
    let tpp = json!({"url": "https://tpp.example.com", "credentialsRef": {"name": "c"}});
    let cloud = json!({"apiTokenSecretRef": {"name": "t", "key": "k"}});
    let r = json(
        &s,
        "POST",
        ISSUERS,
        issuer("one", json!({"zone": "z", "tpp": tpp})),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    let r = json(
        &s,
        "POST",
        ISSUERS,
        issuer("two", json!({"zone": "z", "tpp": tpp, "cloud": cloud})),
    )
    .await;
    assert_eq!(
        messages(&r),
        vec![(
            "spec.venafi".into(),
            "Invalid value: \"object\": exactly one of tpp, cloud, or ngts must be configured"
                .into()
        )]
    );
    let r = json(&s, "POST", ISSUERS, issuer("none", json!({"zone": "z"}))).await;
    assert_eq!(messages(&r).len(), 1, "{}", r.text);
}
