//! The review kinds through the whole server (no sockets): SelfSubjectReview, TokenReview,
//! SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview, who may create
//! each (RBAC's `create` on the review's resource), their answers and kube-apiserver's errors
//! (400 for a body that is not the review, 422 for a review missing what it needs), and
//! discovery listing them.

mod common;

use common::*;
use krest::auth::{Rbac, TokenFile};
use krest::Server;
use serde_json::{json, Value};

const TOKENS: &str = "\
admin-token,admin,1,\"system:masters\"
jane-token,jane,2,\"dev,qa\"
bob-token,bob,3
proxy-token,system:serviceaccount:monitoring:proxy,4
";

const POLICY: &str = "
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
metadata: {name: dev-reads-widgets, namespace: default}
subjects:
- {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: widget-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-dangling, namespace: default}
subjects:
- {kind: Group, name: qa, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: gone, apiGroup: rbac.authorization.k8s.io}
---
# Kubernetes' system:auth-delegator: what kube-rbac-proxy and controller metrics endpoints need.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: proxy-delegates}
subjects:
- {kind: ServiceAccount, name: proxy, namespace: monitoring}
roleRef: {kind: ClusterRole, name: system:auth-delegator, apiGroup: rbac.authorization.k8s.io}
";

fn secured() -> Server {
    Server::builder()
        .resource::<Widget>()
        .resource::<Gadget>()
        .tokens(TokenFile::parse(TOKENS).unwrap())
        .authorizer(Rbac::from_yaml(POLICY).unwrap())
        .build()
        .unwrap()
}

async fn post(s: &Server, token: &str, uri: &str, body: Value) -> Reply {
    let bearer = format!("Bearer {token}");
    send(
        s,
        "POST",
        uri,
        &[
            ("authorization", bearer.as_str()),
            ("content-type", "application/json"),
        ],
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

const SSR: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const TOKEN_REVIEWS: &str = "/apis/authentication.k8s.io/v1/tokenreviews";
const SAR: &str = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
const SSRR: &str = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
const SSAR: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

fn lsar(namespace: &str) -> String {
    format!("/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews")
}

#[tokio::test]
async fn self_subject_review_is_the_caller() {
    let s = secured();
    let r = post(
        &s,
        "jane-token",
        SSR,
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview", "metadata": {"creationTimestamp": null}}),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "SelfSubjectReview");
    assert_eq!(r.body["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(
        r.body["status"]["userInfo"],
        json!({"username": "jane", "uid": "2", "groups": ["dev", "qa", "system:authenticated"]})
    );
    assert!(r.body["metadata"]["creationTimestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z') && !t.starts_with("1970")));
    // Bob has no binding but system:basic-user's: he may still ask who he is.
    let r = post(&s, "bob-token", SSR, json!({})).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["status"]["userInfo"]["username"], "bob");
    // Anonymous requests are off: 401 before any review.
    let r = json(&s, "POST", SSR, json!({})).await;
    assert_eq!(r.code, 401);
}

#[tokio::test]
async fn token_review_authenticates_with_the_token_file() {
    let s = secured();
    let review = |token: &str| json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}});
    let r = post(&s, "proxy-token", TOKEN_REVIEWS, review("jane-token")).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(
        r.body["status"],
        json!({"authenticated": true, "user": {"username": "jane", "uid": "2", "groups": ["dev", "qa", "system:authenticated"]}})
    );
    assert_eq!(
        r.body["spec"]["token"], "jane-token",
        "the review is echoed"
    );
    let r = post(&s, "proxy-token", TOKEN_REVIEWS, review("nobody")).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(
        r.body["status"],
        json!({"user": {}, "error": "invalid bearer token"})
    );
    // Static tokens are for no audience in particular: a review that asks for one fails.
    let mut scoped = review("jane-token");
    scoped["spec"]["audiences"] = json!(["vault"]);
    let r = post(&s, "proxy-token", TOKEN_REVIEWS, scoped).await;
    assert_eq!(r.body["status"]["authenticated"], Value::Null, "{}", r.text);
    // Errors: no token (400, as kube-apiserver's registry), a body that is not a TokenReview.
    let r = post(&s, "proxy-token", TOKEN_REVIEWS, json!({"spec": {}})).await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "token is required for TokenReview in authentication"
    );
    let r = post(
        &s,
        "proxy-token",
        TOKEN_REVIEWS,
        json!({"spec": {"token": 5}}),
    )
    .await;
    assert_eq!(r.code, 400, "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("TokenReview in version \"v1\" cannot be handled as a TokenReview: spec.token: invalid type"),
        "{}",
        r.text
    );
    let r = post(
        &s,
        "proxy-token",
        TOKEN_REVIEWS,
        json!({"kind": "SubjectAccessReview", "spec": {"token": "x"}}),
    )
    .await;
    assert_eq!(r.code, 400, "{}", r.text);
    let bearer = "Bearer proxy-token";
    let r = send(
        &s,
        "POST",
        TOKEN_REVIEWS,
        &[
            ("authorization", bearer),
            ("content-type", "application/json"),
        ],
        Some(b"{not json".to_vec()),
    )
    .await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"), "{}", r.text);
    // Who may create TokenReviews: RBAC's `create tokenreviews`, which Jane lacks.
    let r = post(&s, "jane-token", TOKEN_REVIEWS, review("bob-token")).await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "tokenreviews.authentication.k8s.io is forbidden: User \"jane\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope"
    );
}

#[tokio::test]
async fn subject_access_reviews_ask_about_the_named_user() {
    let s = secured();
    let sar = |spec: Value| json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec});
    let get_widgets = json!({"namespace": "default", "verb": "get", "group": "demo.krest.dev", "resource": "widgets"});
    let r = post(
        &s,
        "proxy-token",
        SAR,
        sar(json!({"user": "jane", "groups": ["dev"], "resourceAttributes": get_widgets})),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "SubjectAccessReview");
    assert_eq!(r.body["status"], json!({"allowed": true}));
    assert_eq!(r.body["spec"]["user"], "jane", "the spec is echoed");
    // The groups are the review's, not the token file's: without `dev`, Jane may not.
    let r = post(
        &s,
        "proxy-token",
        SAR,
        sar(json!({"user": "jane", "resourceAttributes": get_widgets})),
    )
    .await;
    assert_eq!(r.body["status"], json!({"allowed": false}), "{}", r.text);
    // A binding to a missing role is the reason.
    let r = post(
        &s,
        "proxy-token",
        SAR,
        sar(json!({"user": "q", "groups": ["qa"], "resourceAttributes": get_widgets})),
    )
    .await;
    assert_eq!(
        r.body["status"],
        json!({"allowed": false, "reason": "RBAC: role.rbac.authorization.k8s.io \"gone\" not found"})
    );
    let r = post(
        &s,
        "proxy-token",
        SAR,
        sar(json!({"groups": ["system:masters"], "nonResourceAttributes": {"path": "/metrics", "verb": "get"}})),
    )
    .await;
    assert_eq!(r.body["status"], json!({"allowed": true}), "{}", r.text);
    // 422s, with every cause, as kube-apiserver's validation lists them.
    let r = post(&s, "proxy-token", SAR, sar(json!({}))).await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: [spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: \"\": at least one of user or group must be specified]"
    );
    assert_eq!(r.body["details"]["kind"], "SubjectAccessReview");
    assert_eq!(r.body["details"]["group"], "authorization.k8s.io");
    let both = json!({"user": "u", "resourceAttributes": get_widgets, "nonResourceAttributes": {"path": "/x", "verb": "get"}});
    let r = post(&s, "proxy-token", SAR, sar(both)).await;
    assert_eq!(r.code, 422);
    assert_eq!(
        r.body["details"]["causes"][0]["field"],
        "spec.nonResourceAttributes"
    );
    let mut named = sar(json!({"user": "u", "resourceAttributes": get_widgets}));
    named["metadata"] = json!({"name": "x"});
    let r = post(&s, "proxy-token", SAR, named).await;
    assert_eq!(r.code, 422);
    assert_eq!(r.body["details"]["causes"][0]["field"], "metadata");
    // Bob may not create SubjectAccessReviews; everyone may create SelfSubjectAccessReviews.
    let r = post(
        &s,
        "bob-token",
        SAR,
        sar(json!({"user": "u", "resourceAttributes": get_widgets})),
    )
    .await;
    assert_eq!(r.code, 403, "{}", r.text);
    let r = post(
        &s,
        "bob-token",
        SSAR,
        json!({"spec": {"resourceAttributes": get_widgets}}),
    )
    .await;
    assert_eq!(
        (r.code, &r.body["status"]),
        (201, &json!({"allowed": false}))
    );
}

#[tokio::test]
async fn local_subject_access_reviews_are_in_the_path_namespace() {
    let s = secured();
    let lsar_body = |namespace: Option<&str>, attributes_namespace: &str| {
        let mut body = json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
            "spec": {"user": "jane", "groups": ["dev"], "resourceAttributes": {"namespace": attributes_namespace, "verb": "list", "group": "demo.krest.dev", "resource": "widgets"}},
        });
        if let Some(namespace) = namespace {
            body["metadata"] = json!({"namespace": namespace});
        }
        body
    };
    let r = post(
        &s,
        "admin-token",
        &lsar("default"),
        lsar_body(None, "default"),
    )
    .await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["metadata"]["namespace"], "default");
    assert_eq!(r.body["status"], json!({"allowed": true}));
    let r = post(
        &s,
        "admin-token",
        &lsar("other"),
        lsar_body(Some("other"), "other"),
    )
    .await;
    assert_eq!(r.body["status"], json!({"allowed": false}), "{}", r.text);
    // The object's namespace must be the path's: kube-apiserver's 400.
    let r = post(
        &s,
        "admin-token",
        &lsar("default"),
        lsar_body(Some("other"), "default"),
    )
    .await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "the namespace of the provided object does not match the namespace sent on the request"
    );
    // The attributes' namespace must be the object's: 422.
    let r = post(
        &s,
        "admin-token",
        &lsar("default"),
        lsar_body(None, "other"),
    )
    .await;
    assert_eq!((r.code, r.reason()), (422, "Invalid"), "{}", r.text);
    assert_eq!(
        r.body["message"],
        "LocalSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes.namespace: Invalid value: \"other\": must match metadata.namespace"
    );
    // Creating one is a namespaced `create localsubjectaccessreviews`.
    let r = post(
        &s,
        "jane-token",
        &lsar("default"),
        lsar_body(None, "default"),
    )
    .await;
    assert_eq!(r.code, 403, "{}", r.text);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("cannot create resource \"localsubjectaccessreviews\" in API group \"authorization.k8s.io\" in the namespace \"default\""));
}

#[tokio::test]
async fn self_subject_rules_reviews_list_rbac_rules_for_the_namespace() {
    let s = secured();
    let rules = |namespace: &str| json!({"kind": "SelfSubjectRulesReview", "spec": {"namespace": namespace}});
    let r = post(&s, "jane-token", SSRR, rules("default")).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "SelfSubjectRulesReview");
    let status = &r.body["status"];
    let resource_rules = status["resourceRules"].as_array().unwrap();
    assert!(
        resource_rules.contains(&json!({"verbs": ["get", "list"], "apiGroups": ["demo.krest.dev"], "resources": ["widgets"]})),
        "{status}"
    );
    assert!(
        resource_rules.contains(&json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]})),
        "system:basic-user's rules are listed too: {status}"
    );
    assert!(status["nonResourceRules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["nonResourceURLs"]
            .as_array()
            .unwrap()
            .contains(&json!("/version"))));
    assert_eq!(status["incomplete"], false);
    // Jane's `qa` binding refers to a role that does not exist.
    assert_eq!(
        status["evaluationError"],
        "role.rbac.authorization.k8s.io \"gone\" not found"
    );
    // In another namespace, the default Role does not apply.
    let r = post(&s, "jane-token", SSRR, rules("other")).await;
    let status = &r.body["status"];
    assert!(!status["resourceRules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["resources"] == json!(["widgets"])));
    assert_eq!(status["evaluationError"], Value::Null);
    // No namespace: kube-apiserver's 400.
    let r = post(&s, "jane-token", SSRR, json!({"spec": {}})).await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"));
    assert_eq!(r.body["message"], "no namespace on request");
    // A server without an authorizer lists everything.
    let open = server();
    let r = json(&open, "POST", SSRR, rules("default")).await;
    assert_eq!(
        r.body["status"]["resourceRules"],
        json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}])
    );
}

#[tokio::test]
async fn protobuf_reviews_as_kubectl_sends_them() {
    let s = secured();
    fn field(number: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![number << 3 | 2, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }
    let envelope = |kind: &[u8], raw: &[u8]| {
        let type_meta = [field(1, b"authorization.k8s.io/v1"), field(2, kind)].concat();
        let mut body = b"k8s\0".to_vec();
        body.extend(field(1, &type_meta));
        body.extend(field(2, raw));
        body
    };
    let post_protobuf = |body: Vec<u8>| {
        let s = &s;
        async move {
            send(
                s,
                "POST",
                SSRR,
                &[
                    ("authorization", "Bearer jane-token"),
                    ("content-type", "application/vnd.kubernetes.protobuf"),
                ],
                Some(body),
            )
            .await
        }
    };
    let body = envelope(
        b"SelfSubjectRulesReview",
        &[field(1, b""), field(2, &field(1, b"default"))].concat(),
    );
    let r = post_protobuf(body).await;
    assert_eq!(r.code, 201, "{}", r.text);
    assert!(r.text.contains("\"widgets\""), "{}", r.text);
    let r = post_protobuf(envelope(b"SelfSubjectAccessReview", b"")).await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"), "{}", r.text);
    let r = post_protobuf(b"k8s\0\xff".to_vec()).await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"), "{}", r.text);
}

#[tokio::test]
async fn discovery_lists_the_review_kinds() {
    let s = server();
    let r = get(&s, "/apis/authorization.k8s.io/v1").await;
    assert_eq!(r.code, 200);
    let names: Vec<&str> = r.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "localsubjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
            "subjectaccessreviews"
        ]
    );
    assert_eq!(
        r.body["resources"][0],
        json!({"name": "localsubjectaccessreviews", "singularName": "localsubjectaccessreview", "namespaced": true, "kind": "LocalSubjectAccessReview", "verbs": ["create"]})
    );
    let r = get(&s, "/apis/authentication.k8s.io/v1").await;
    assert_eq!(
        r.body["resources"].as_array().unwrap().len(),
        2,
        "{}",
        r.text
    );
    let r = send(
        &s,
        "GET",
        "/apis",
        &[(
            "accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        )],
        None,
    )
    .await;
    let groups: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(
        groups.contains(&"authentication.k8s.io") && groups.contains(&"authorization.k8s.io"),
        "{groups:?}"
    );
}
