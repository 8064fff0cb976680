//! Impersonation through the whole server (no sockets): `Impersonate-User`, `-Group`, `-Uid`
//! and `-Extra-*` authorized with RBAC's `impersonate` verb on users, groups, service accounts,
//! uids and user extras, kube-apiserver's 403 for the first thing refused, the request then
//! running as the impersonated user, and health probes without credentials.

mod common;

use common::*;
use krest::auth::{Rbac, TokenFile};
use krest::Server;
use serde_json::json;

const TOKENS: &str = "\
alice-token,alice,1
bob-token,bob,2,\"dev\"
carol-token,carol,3
";

const POLICY: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonator}
rules:
- apiGroups: ['']
  resources: [users]
  resourceNames: [bob, system:anonymous]
  verbs: [impersonate]
- apiGroups: ['']
  resources: [groups]
  resourceNames: [dev, system:unauthenticated]
  verbs: [impersonate]
- apiGroups: [authentication.k8s.io]
  resources: [userextras/scopes, uids]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-impersonates}
subjects: [{kind: User, name: alice}]
roleRef: {kind: ClusterRole, name: impersonator}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: robots, namespace: ci}
rules:
- apiGroups: ['']
  resources: [serviceaccounts]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-is-robots, namespace: ci}
subjects: [{kind: User, name: alice}]
roleRef: {kind: Role, name: robots}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: widget-reader, namespace: default}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads, namespace: default}
subjects: [{kind: Group, name: dev}]
roleRef: {kind: Role, name: widget-reader}
";

fn secured() -> Server {
    Server::builder()
        .resource::<Widget>()
        .tokens(TokenFile::parse(TOKENS).unwrap())
        .authorizer(Rbac::from_yaml(POLICY).unwrap())
        .build()
        .unwrap()
}

const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

async fn request(
    s: &Server,
    method: &str,
    uri: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let bearer = format!("Bearer {token}");
    let mut headers = vec![
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    let body = (method == "POST").then(|| b"{}".to_vec());
    send(s, method, uri, &headers, body).await
}

#[tokio::test]
async fn requests_run_as_the_impersonated_user() {
    let s = secured();
    // Alice may not list widgets; as bob she may, with bob's groups from the headers only.
    let r = request(&s, "GET", WIDGETS, "alice-token", &[]).await;
    assert_eq!(r.code, 403);
    let r = request(
        &s,
        "GET",
        WIDGETS,
        "alice-token",
        &[("impersonate-user", "bob")],
    )
    .await;
    assert_eq!(
        r.code, 403,
        "bob's token groups are not the impersonated user's: {}",
        r.text
    );
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("User \"bob\" cannot list"));
    let as_bob = [("impersonate-user", "bob"), ("impersonate-group", "dev")];
    let r = request(&s, "GET", WIDGETS, "alice-token", &as_bob).await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = request(&s, "POST", WHOAMI, "alice-token", &as_bob).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(
        r.body["status"]["userInfo"],
        json!({"username": "bob", "groups": ["dev", "system:authenticated"]})
    );
    // Uid and extras.
    let r = request(
        &s,
        "POST",
        WHOAMI,
        "alice-token",
        &[
            ("impersonate-user", "bob"),
            ("impersonate-uid", "b-1"),
            ("impersonate-extra-scopes", "read"),
            ("impersonate-extra-scopes", "write"),
        ],
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(
        r.body["status"]["userInfo"],
        json!({"username": "bob", "uid": "b-1", "groups": ["system:authenticated"], "extra": {"scopes": ["read", "write"]}})
    );
    // A service account in a namespace where alice may impersonate them: its own groups.
    let r = request(
        &s,
        "POST",
        WHOAMI,
        "alice-token",
        &[("impersonate-user", "system:serviceaccount:ci:robot")],
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(
        r.body["status"]["userInfo"]["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:ci",
            "system:authenticated"
        ])
    );
    // Anonymous, explicitly: in system:unauthenticated, so /version but no SelfSubjectReview.
    let as_anonymous = [("impersonate-user", "system:anonymous")];
    let r = request(&s, "GET", "/version", "alice-token", &as_anonymous).await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = request(&s, "POST", WHOAMI, "alice-token", &as_anonymous).await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("User \"system:anonymous\" cannot create resource \"selfsubjectreviews\""));
}

/// A token, the impersonation headers it sends and the 403 message.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[tokio::test]
async fn refusals_are_kube_apiservers_403_for_the_first_thing_refused() {
    let s = secured();
    let cases: [Case; 6] = [
        (
            "carol-token",
            &[("impersonate-user", "bob")],
            "users \"bob\" is forbidden: User \"carol\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
        ),
        (
            "alice-token",
            &[("impersonate-user", "eve")],
            "users \"eve\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
        ),
        (
            "alice-token",
            &[("impersonate-user", "bob"), ("impersonate-group", "dev"), ("impersonate-group", "system:masters")],
            "groups \"system:masters\" is forbidden: User \"alice\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope",
        ),
        (
            "alice-token",
            &[("impersonate-user", "system:serviceaccount:prod:robot")],
            "serviceaccounts \"robot\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"prod\"",
        ),
        (
            "alice-token",
            &[("impersonate-user", "bob"), ("impersonate-extra-team", "x")],
            "userextras.authentication.k8s.io \"x\" is forbidden: User \"alice\" cannot impersonate resource \"userextras/team\" in API group \"authentication.k8s.io\" at the cluster scope",
        ),
        (
            "bob-token",
            &[("impersonate-user", "bob"), ("impersonate-uid", "1")],
            "users \"bob\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
        ),
    ];
    for (token, headers, message) in cases {
        let r = request(&s, "GET", WIDGETS, token, headers).await;
        assert_eq!(
            (r.code, r.reason()),
            (403, "Forbidden"),
            "{headers:?}: {}",
            r.text
        );
        assert_eq!(r.body["message"], message, "{headers:?}");
    }
    // Groups without a user: kube-apiserver's 500.
    let r = request(
        &s,
        "GET",
        WIDGETS,
        "alice-token",
        &[("impersonate-group", "dev")],
    )
    .await;
    assert_eq!((r.code, r.reason()), (500, "InternalError"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Internal error occurred: requested [{Group  dev    }] without impersonating a user"
    );
    // Without credentials there is no one to impersonate from: 401 first.
    let r = send(&s, "GET", WIDGETS, &[("impersonate-user", "bob")], None).await;
    assert_eq!(r.code, 401);
}

#[tokio::test]
async fn probes_need_no_credentials_when_everything_else_does() {
    let s = secured();
    for path in [
        "/livez",
        "/readyz",
        "/healthz",
        "/readyz/ping",
        "/livez/ping",
        "/healthz/ping",
    ] {
        let r = get(&s, path).await;
        assert_eq!(r.code, 200, "{path}: {}", r.text);
    }
    for path in ["/version", "/metrics", "/apis", WIDGETS, "/readyz/a/b"] {
        let r = get(&s, path).await;
        assert_eq!(r.code, 401, "{path}: {}", r.text);
    }
    // Wrong credentials on a probe are still 401.
    let r = send(
        &s,
        "GET",
        "/readyz",
        &[("authorization", "Bearer wrong")],
        None,
    )
    .await;
    assert_eq!(r.code, 401);
}
