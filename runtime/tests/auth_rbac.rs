//! RBAC's truth table: one policy file, and for each user and request whether RBAC allows it,
//! matched as kube-apiserver's RBAC authorizer matches (verbs, groups, resources and
//! subresources, names, namespaces, non-resource URLs, wildcards, bootstrap policy).

use krest::auth::{
    forbidden, Attributes, Authorizer, Decision, Rbac, RequestInfo, UserInfo, AUTHENTICATED,
};

const POLICY: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: team-a}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads, namespace: team-a}
subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: status-writer}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets/status]
  verbs: [update, patch]
- apiGroups: [demo.krest.dev]
  resources: [gadgets]
  resourceNames: [lamp]
  verbs: [get, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: any-status}
rules:
- apiGroups: ["*"]
  resources: ["*/status"]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: watcher}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets]
  verbs: [watch, delete]
- nonResourceURLs: [/metrics, /logs/*]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: ops-status-in-team-b, namespace: team-b}
  subjects: [{kind: User, name: olga}]
  roleRef: {kind: ClusterRole, name: status-writer}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: robots-watch}
  subjects:
  - {kind: ServiceAccount, name: robot, namespace: ci}
  - {kind: User, name: wally}
  roleRef: {kind: ClusterRole, name: watcher}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: everyone-reads-status}
  subjects: [{kind: Group, name: auditors}]
  roleRef: {kind: ClusterRole, name: any-status}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: dangling, namespace: team-a}
  subjects: [{kind: User, name: dora}]
  roleRef: {kind: Role, name: does-not-exist}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: root}
  subjects: [{kind: User, name: root}]
  roleRef: {kind: ClusterRole, name: cluster-admin}
"#;

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo {
        name: name.into(),
        uid: String::new(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
    .authenticated()
}

const W: &str = "/apis/demo.krest.dev/v1/namespaces";
const G: &str = "/apis/demo.krest.dev/v1/gadgets";

#[test]
fn truth_table() {
    let rbac = Rbac::from_yaml(POLICY).unwrap();
    let dev = user("dan", &["dev"]);
    let olga = user("olga", &[]);
    let robot = user("system:serviceaccount:ci:robot", &[]);
    let other_robot = user("system:serviceaccount:other:robot", &[]);
    let wally = user("wally", &[]);
    let auditor = user("ann", &["auditors"]);
    let dora = user("dora", &[]);
    let root = user("root", &[]);
    let master = user("m", &["system:masters"]);
    let anonymous = UserInfo::anonymous();
    let rows: Vec<(&UserInfo, &str, String, bool)> = vec![
        // A namespaced Role through a group's RoleBinding: its namespace, its verbs only.
        (&dev, "GET", format!("{W}/team-a/widgets"), true),
        (&dev, "GET", format!("{W}/team-a/widgets/w"), true),
        (&dev, "GET", format!("{W}/team-a/widgets?watch=true"), false),
        (&dev, "GET", format!("{W}/team-b/widgets"), false),
        (&dev, "GET", "/apis/demo.krest.dev/v1/widgets".into(), false),
        (&dev, "POST", format!("{W}/team-a/widgets"), false),
        (&dev, "GET", format!("{W}/team-a/widgets/w/status"), false),
        (&dev, "GET", format!("{W}/team-a/gadgets"), false),
        // A ClusterRole through a RoleBinding: only in the binding's namespace; `widgets/status`
        // grants the subresource and not the object; resourceNames restrict by name.
        (&olga, "PUT", format!("{W}/team-b/widgets/w/status"), true),
        (&olga, "PATCH", format!("{W}/team-b/widgets/w/status"), true),
        (&olga, "PUT", format!("{W}/team-b/widgets/w"), false),
        (&olga, "PUT", format!("{W}/team-a/widgets/w/status"), false),
        (&olga, "GET", format!("{W}/team-b/widgets/w/status"), false),
        (&olga, "PUT", format!("{W}/team-b/widgets/w/scale"), false),
        (&olga, "GET", format!("{G}/lamp"), false),
        // Watch is not list; delete is not deletecollection; ServiceAccounts by their user name.
        (&robot, "GET", format!("{W}/x/widgets?watch=1"), true),
        (
            &robot,
            "GET",
            "/apis/demo.krest.dev/v1/watch/widgets".into(),
            true,
        ),
        (&robot, "GET", format!("{W}/x/widgets"), false),
        (&robot, "DELETE", format!("{W}/x/widgets/w"), true),
        (&robot, "DELETE", format!("{W}/x/widgets"), false),
        (&other_robot, "GET", format!("{W}/x/widgets?watch=1"), false),
        // Non-resource URLs, exact and by prefix, only through ClusterRoleBindings.
        (&wally, "GET", "/metrics".into(), true),
        (&wally, "POST", "/metrics".into(), false),
        (&wally, "GET", "/logs/a/b".into(), true),
        (&wally, "GET", "/logsx".into(), false),
        (&dev, "GET", "/metrics".into(), false),
        // `*/status` for any resource's status, in every namespace and at the cluster scope.
        (&auditor, "GET", format!("{W}/any/widgets/w/status"), true),
        (&auditor, "GET", format!("{G}/g/status"), true),
        (&auditor, "GET", format!("{G}/g"), false),
        (
            &auditor,
            "GET",
            "/api/v1/namespaces/n/pods/p/status".into(),
            true,
        ),
        // A binding to a role that does not exist grants nothing.
        (&dora, "GET", format!("{W}/team-a/widgets"), false),
        // cluster-admin, bound by name or through system:masters: everything.
        (&root, "DELETE", format!("{W}/any/widgets"), true),
        (&root, "GET", "/metrics".into(), true),
        (&master, "PATCH", format!("{G}/g/status"), true),
        (&master, "GET", "/anything/at/all".into(), true),
        // Bootstrap policy: discovery and OpenAPI for the authenticated, health and version for
        // everyone, access reviews for the authenticated.
        (&dora, "GET", "/apis".into(), true),
        (&dora, "GET", "/apis/demo.krest.dev/v1".into(), true),
        (&dora, "GET", "/api/v1".into(), true),
        (
            &dora,
            "GET",
            "/openapi/v3/apis/demo.krest.dev/v1".into(),
            true,
        ),
        (&dora, "GET", "/version".into(), true),
        (
            &dora,
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".into(),
            true,
        ),
        (&anonymous, "GET", "/version".into(), true),
        (&anonymous, "GET", "/healthz".into(), true),
        (&anonymous, "GET", "/readyz".into(), true),
        (&anonymous, "GET", "/apis".into(), false),
        (&anonymous, "GET", "/openapi/v3".into(), false),
        (
            &anonymous,
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".into(),
            false,
        ),
        (&anonymous, "GET", format!("{W}/team-a/widgets"), false),
    ];
    let mut wrong = Vec::new();
    for (user, method, uri, allowed) in &rows {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let request = RequestInfo::parse(method, path, Some(query));
        let decision = rbac.authorize(&Attributes {
            user,
            request: &request,
        });
        let got = decision == Decision::Allow;
        assert!(!matches!(decision, Decision::Deny(_)), "RBAC never denies");
        if got != *allowed {
            wrong.push(format!(
                "{} {method} {uri}: got {got}, want {allowed}",
                user.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(dev.groups.iter().any(|g| g == AUTHENTICATED));
}

#[test]
fn refusals_read_as_kube_apiservers() {
    let rbac = Rbac::from_yaml(POLICY).unwrap();
    let dev = user("dan", &["dev"]);
    let rows = [
        (
            "POST",
            format!("{W}/team-a/widgets"),
            "widgets.demo.krest.dev is forbidden: User \"dan\" cannot create resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"team-a\"",
        ),
        (
            "PUT",
            format!("{W}/team-a/widgets/w/status"),
            "widgets.demo.krest.dev \"w\" is forbidden: User \"dan\" cannot update resource \"widgets/status\" in API group \"demo.krest.dev\" in the namespace \"team-a\"",
        ),
        (
            "DELETE",
            G.to_string(),
            "gadgets.demo.krest.dev is forbidden: User \"dan\" cannot deletecollection resource \"gadgets\" in API group \"demo.krest.dev\" at the cluster scope",
        ),
        (
            "GET",
            "/api/v1/namespaces/team-a/pods/p/log".to_string(),
            "pods \"p\" is forbidden: User \"dan\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"team-a\"",
        ),
        (
            "GET",
            "/metrics".to_string(),
            "forbidden: User \"dan\" cannot get path \"/metrics\"",
        ),
    ];
    for (method, path, message) in rows {
        let request = RequestInfo::parse(method, &path, None);
        let attributes = Attributes {
            user: &dev,
            request: &request,
        };
        let Decision::NoOpinion(reason) = rbac.authorize(&attributes) else {
            panic!("{method} {path} was allowed");
        };
        let status = forbidden(&attributes, &reason);
        assert_eq!((status.code, status.reason), (403, "Forbidden"));
        assert_eq!(status.message, message);
    }
}

#[test]
fn bad_policies_say_where_and_what() {
    let rows = [
        ("kind: Role\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: r}\n", "document 1: Role \"r\" has no metadata.namespace"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "document 1: Pod: apiVersion \"v1\" is not rbac.authorization.k8s.io/v1"),
        ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Secret\nmetadata: {name: s}\n", "kind \"Secret\" is not a Role, ClusterRole, RoleBinding or ClusterRoleBinding"),
        ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n", "document 2: ClusterRoleBinding \"b\" has no roleRef"),
        ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\n", "roleRef.kind \"Role\" must be ClusterRole"),
        ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules: [{resources: [x]}]\n", "ClusterRole \"c\": a rule has no verbs"),
        ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: c}\nsubjects: [{kind: Robot, name: r}]\n", "subject kind \"Robot\" is not User, Group or ServiceAccount"),
        ("rules: [\n", "not YAML"),
    ];
    for (text, says) in rows {
        let e = Rbac::from_yaml(text).unwrap_err().to_string();
        assert!(e.starts_with("policy: "), "{e}");
        assert!(e.contains(says), "{e}\nshould say: {says}");
    }
    let e = Rbac::load(std::path::Path::new("/no/such/policy.yaml"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("/no/such/policy.yaml: "), "{e}");
}
