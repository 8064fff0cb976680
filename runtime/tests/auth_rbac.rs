//! RBAC's truth table: one policy file, and for each user and request whether RBAC allows it,
//! matched as kube-apiserver's RBAC authorizer matches (verbs, groups, resources and
//! subresources, names, namespaces, non-resource URLs, wildcards, bootstrap policy); then
//! kube-apiserver's 403 messages, and policy files that are refused with where and why.

use krest::auth::{
    forbidden, forbidden_message, Attributes, Authorizer, Decision, Rbac, RequestInfo, UserInfo,
};

const POLICY: &str = r#"
# A namespaced Role, bound to a group in its namespace.
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
metadata: {name: status-writer, labels: {team: ops}}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets/status]
  verbs: [update, patch]
- apiGroups: [demo.krest.dev]
  resources: [gadgets]
  resourceNames: [lamp]
  verbs: [get, list, watch, update, delete, deletecollection, create]
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
kind: ClusterRole
metadata: {name: anything-in-core}
rules:
- apiGroups: [""]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-everything}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: v1
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
  roleRef: {kind: ClusterRole, name: watcher, apiGroup: rbac.authorization.k8s.io}
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
---
# A ServiceAccount without a namespace is in the RoleBinding's.
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer-core, namespace: apps}
subjects: [{kind: ServiceAccount, name: deployer}]
roleRef: {kind: ClusterRole, name: anything-in-core}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
subjects: [{kind: Group, name: readers}]
roleRef: {kind: ClusterRole, name: read-everything}
---
"#;

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo {
        name: name.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..UserInfo::default()
    }
    .authenticated()
}

const W: &str = "/apis/demo.krest.dev/v1/namespaces";
const G: &str = "/apis/demo.krest.dev/v1/gadgets";

fn decide(rbac: &Rbac, user: &UserInfo, method: &str, uri: &str) -> Decision {
    let (path, query) = match uri.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (uri, None),
    };
    let request = RequestInfo::parse(method, path, query);
    rbac.authorize(&Attributes {
        user,
        request: &request,
    })
}

#[test]
fn truth_table() {
    let rbac = Rbac::from_yaml(POLICY).unwrap();
    let dev = user("dan", &["dev"]);
    let olga = user("olga", &[]);
    let robot = user("system:serviceaccount:ci:robot", &[]);
    let other_robot = user("system:serviceaccount:other:robot", &[]);
    let deployer = user("system:serviceaccount:apps:deployer", &[]);
    let other_deployer = user("system:serviceaccount:other:deployer", &[]);
    let dan_alone = user("dan", &[]);
    let wally = user("wally", &[]);
    let auditor = user("ann", &["auditors"]);
    let reader = user("rita", &["readers"]);
    let dora = user("dora", &[]);
    let root = user("root", &[]);
    let master = user("m", &["system:masters"]);
    let anonymous = UserInfo::anonymous();
    let rows: Vec<(&UserInfo, &str, String, bool)> = vec![
        // A namespaced Role through a group's RoleBinding: its namespace, its verbs only.
        (&dev, "GET", format!("{W}/team-a/widgets"), true),
        (&dev, "GET", format!("{W}/team-a/widgets/w"), true),
        (&dev, "HEAD", format!("{W}/team-a/widgets/w"), true),
        (&dev, "GET", format!("{W}/team-a/widgets?watch=true"), false),
        (&dev, "GET", format!("{W}/team-b/widgets"), false),
        (&dev, "GET", "/apis/demo.krest.dev/v1/widgets".into(), false),
        (&dev, "POST", format!("{W}/team-a/widgets"), false),
        (&dev, "PUT", format!("{W}/team-a/widgets/w"), false),
        (&dev, "GET", format!("{W}/team-a/widgets/w/status"), false),
        (&dev, "GET", format!("{W}/team-a/gadgets"), false),
        (
            &dev,
            "GET",
            "/apis/other.dev/v1/namespaces/team-a/widgets".into(),
            false,
        ),
        // A group the user is not in grants nothing.
        (&dan_alone, "GET", format!("{W}/team-a/widgets"), false),
        // A ClusterRole through a RoleBinding: only in the binding's namespace; `widgets/status`
        // grants the subresource and not the object.
        (&olga, "PUT", format!("{W}/team-b/widgets/w/status"), true),
        (&olga, "PATCH", format!("{W}/team-b/widgets/w/status"), true),
        (&olga, "PUT", format!("{W}/team-b/widgets/w"), false),
        (&olga, "PUT", format!("{W}/team-a/widgets/w/status"), false),
        (&olga, "GET", format!("{W}/team-b/widgets/w/status"), false),
        (&olga, "PUT", format!("{W}/team-b/widgets/w/scale"), false),
        (
            &olga,
            "PUT",
            "/apis/demo.krest.dev/v1/widgets/w/status".into(),
            false,
        ),
        // resourceNames: by name only; a list, a create or a deletecollection has none, a
        // watch or list pinned to the name by a field selector has.
        (&olga, "GET", format!("{W}/team-b/gadgets/lamp"), true),
        (&olga, "PUT", format!("{W}/team-b/gadgets/lamp"), true),
        (&olga, "DELETE", format!("{W}/team-b/gadgets/lamp"), true),
        (&olga, "GET", format!("{W}/team-b/gadgets/desk"), false),
        (&olga, "GET", format!("{W}/team-b/gadgets"), false),
        (&olga, "POST", format!("{W}/team-b/gadgets"), false),
        (&olga, "DELETE", format!("{W}/team-b/gadgets"), false),
        (
            &olga,
            "DELETE",
            format!("{W}/team-b/gadgets?fieldSelector=metadata.name%3Dlamp"),
            false,
        ),
        (
            &olga,
            "GET",
            format!("{W}/team-b/gadgets?watch=1&fieldSelector=metadata.name%3Dlamp"),
            true,
        ),
        (
            &olga,
            "GET",
            format!("{W}/team-b/gadgets?fieldSelector=metadata.name%3D%3Dlamp"),
            true,
        ),
        (
            &olga,
            "GET",
            format!("{W}/team-b/gadgets?fieldSelector=metadata.name!%3Dlamp"),
            false,
        ),
        (
            &olga,
            "GET",
            format!("{W}/team-b/watch/gadgets/lamp"),
            false,
        ),
        (
            &olga,
            "GET",
            "/apis/demo.krest.dev/v1/watch/namespaces/team-b/gadgets/lamp".into(),
            true,
        ),
        (&olga, "GET", format!("{G}/lamp"), false),
        // Watch is not list; delete is not deletecollection; ServiceAccounts by their user name,
        // everywhere through a ClusterRoleBinding.
        (&robot, "GET", format!("{W}/x/widgets?watch=1"), true),
        (
            &robot,
            "GET",
            "/apis/demo.krest.dev/v1/widgets?watch=true".into(),
            true,
        ),
        (
            &robot,
            "GET",
            "/apis/demo.krest.dev/v1/watch/widgets".into(),
            true,
        ),
        (&robot, "GET", format!("{W}/x/widgets"), false),
        (&robot, "GET", format!("{W}/x/widgets/w"), false),
        (&robot, "DELETE", format!("{W}/x/widgets/w"), true),
        (&robot, "DELETE", format!("{W}/x/widgets"), false),
        (&other_robot, "GET", format!("{W}/x/widgets?watch=1"), false),
        // A RoleBinding's ServiceAccount in its namespace, with `*` verbs and resources of the
        // core group only.
        (
            &deployer,
            "POST",
            "/api/v1/namespaces/apps/pods".into(),
            true,
        ),
        (
            &deployer,
            "DELETE",
            "/api/v1/namespaces/apps/pods".into(),
            true,
        ),
        (
            &deployer,
            "PATCH",
            "/api/v1/namespaces/apps/pods/p/status".into(),
            true,
        ),
        (
            &deployer,
            "GET",
            "/api/v1/namespaces/apps/pods/p/log".into(),
            true,
        ),
        (
            &deployer,
            "GET",
            "/api/v1/namespaces/other/pods".into(),
            false,
        ),
        (&deployer, "GET", "/api/v1/pods".into(), false),
        (&deployer, "GET", format!("{W}/apps/widgets"), false),
        (
            &other_deployer,
            "GET",
            "/api/v1/namespaces/apps/pods".into(),
            false,
        ),
        // `*` groups and resources, listed verbs.
        (&reader, "GET", format!("{W}/any/widgets/w/status"), true),
        (&reader, "GET", "/api/v1/namespaces".into(), true),
        (&reader, "GET", "/api/v1/nodes?watch=1".into(), true),
        (&reader, "POST", format!("{W}/any/widgets"), false),
        (&reader, "DELETE", format!("{W}/any/widgets"), false),
        (&reader, "GET", "/metrics".into(), false),
        // Non-resource URLs, exact and by prefix, only through ClusterRoleBindings.
        (&wally, "GET", "/metrics".into(), true),
        (&wally, "POST", "/metrics".into(), false),
        (&wally, "GET", "/metrics/x".into(), false),
        (&wally, "GET", "/logs/a/b".into(), true),
        (&wally, "GET", "/logs/".into(), true),
        (&wally, "GET", "/logs".into(), false),
        (&wally, "GET", "/logsx".into(), false),
        (&dev, "GET", "/metrics".into(), false),
        // `*/status` for any resource's status, in every namespace and at the cluster scope.
        (&auditor, "GET", format!("{W}/any/widgets/w/status"), true),
        (&auditor, "GET", format!("{G}/g/status"), true),
        (&auditor, "GET", format!("{G}/g"), false),
        (&auditor, "GET", format!("{G}/g/scale"), false),
        (&auditor, "PUT", format!("{G}/g/status"), false),
        (
            &auditor,
            "GET",
            "/api/v1/namespaces/n/pods/p/status".into(),
            true,
        ),
        (&auditor, "GET", "/api/v1/namespaces/n/status".into(), true),
        // A binding to a role that does not exist grants nothing.
        (&dora, "GET", format!("{W}/team-a/widgets"), false),
        // cluster-admin, bound by name or through system:masters: everything.
        (&root, "DELETE", format!("{W}/any/widgets"), true),
        (&root, "GET", "/metrics".into(), true),
        (&master, "PATCH", format!("{G}/g/status"), true),
        (
            &master,
            "DELETE",
            "/api/v1/namespaces/kube-system".into(),
            true,
        ),
        (&master, "GET", "/anything/at/all".into(), true),
        (&master, "OPTIONS", "/api/v1/pods".into(), true),
        // Bootstrap policy: discovery and OpenAPI for the authenticated, health and version for
        // everyone, self reviews for the authenticated.
        (&dora, "GET", "/api".into(), true),
        (&dora, "GET", "/api/v1".into(), true),
        (&dora, "GET", "/apis".into(), true),
        (&dora, "GET", "/apis/demo.krest.dev".into(), true),
        (&dora, "GET", "/apis/demo.krest.dev/v1".into(), true),
        (&dora, "GET", "/openapi/v2".into(), true),
        (
            &dora,
            "GET",
            "/openapi/v3/apis/demo.krest.dev/v1".into(),
            true,
        ),
        (&dora, "GET", "/version".into(), true),
        (&dora, "GET", "/version/".into(), true),
        (&dora, "GET", "/livez".into(), true),
        (&dora, "POST", "/apis".into(), false),
        (&dora, "GET", "/metrics".into(), false),
        // A single health check is public in krest (Kubernetes keeps it to system:monitoring),
        // a path under it is not a check.
        (&dora, "GET", "/healthz/etcd".into(), true),
        (&dora, "GET", "/healthzx".into(), false),
        (
            &dora,
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".into(),
            true,
        ),
        (
            &dora,
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews".into(),
            true,
        ),
        (
            &dora,
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews".into(),
            true,
        ),
        (
            &dora,
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews".into(),
            false,
        ),
        (&anonymous, "GET", "/version".into(), true),
        (&anonymous, "GET", "/healthz".into(), true),
        (&anonymous, "GET", "/livez".into(), true),
        (&anonymous, "GET", "/readyz".into(), true),
        (&anonymous, "GET", "/readyz/store".into(), true),
        (&anonymous, "GET", "/livez/ping".into(), true),
        (&anonymous, "POST", "/readyz".into(), false),
        (&anonymous, "GET", "/version/x".into(), false),
        (&anonymous, "GET", "/api".into(), false),
        (&anonymous, "GET", "/apis".into(), false),
        (&anonymous, "GET", "/apis/demo.krest.dev/v1".into(), false),
        (&anonymous, "GET", "/openapi/v3".into(), false),
        (&anonymous, "GET", "/metrics".into(), false),
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
        let decision = decide(&rbac, user, method, uri);
        assert!(!matches!(decision, Decision::Deny(_)), "RBAC never denies");
        let got = decision == Decision::Allow;
        if got != *allowed {
            wrong.push(format!(
                "{} {method} {uri}: got {got}, want {allowed}",
                user.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The bootstrap policy alone.
    let empty = Rbac::empty();
    assert_eq!(decide(&empty, &dora, "GET", "/apis"), Decision::Allow);
    assert_eq!(
        decide(&empty, &master, "DELETE", "/api/v1/nodes"),
        Decision::Allow
    );
    assert_ne!(decide(&empty, &anonymous, "GET", "/apis"), Decision::Allow);
    assert_ne!(
        decide(&empty, &dev, "GET", &format!("{W}/team-a/widgets")),
        Decision::Allow
    );
}

#[test]
fn a_missing_role_is_the_reason_when_its_binding_applies() {
    let rbac = Rbac::from_yaml(POLICY).unwrap();
    let dora = user("dora", &[]);
    assert_eq!(
        decide(&rbac, &dora, "GET", &format!("{W}/team-a/widgets")),
        Decision::NoOpinion(
            "RBAC: role.rbac.authorization.k8s.io \"does-not-exist\" not found".into()
        )
    );
    assert_eq!(
        decide(&rbac, &dora, "GET", &format!("{W}/team-b/widgets")),
        Decision::NoOpinion(String::new()),
        "the binding is in another namespace"
    );
    let rbac = Rbac::from_yaml(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: a}
subjects: [{kind: User, name: u}, {kind: Group, name: g}]
roleRef: {kind: ClusterRole, name: gone}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
subjects: [{kind: Group, name: g}]
roleRef: {kind: ClusterRole, name: gone}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: c, namespace: n}
subjects: [{kind: User, name: u}]
roleRef: {kind: Role, name: also-gone}
",
    )
    .unwrap();
    let u = user("u", &["g"]);
    assert_eq!(
        decide(&rbac, &u, "GET", "/api/v1/namespaces/n/pods"),
        Decision::NoOpinion(
            "RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, role.rbac.authorization.k8s.io \"also-gone\" not found]".into()
        )
    );
    // Discovery is still allowed by the bootstrap policy.
    assert_eq!(decide(&rbac, &u, "GET", "/apis"), Decision::Allow);
}

#[test]
fn refusals_read_as_kube_apiservers() {
    let rbac = Rbac::from_yaml(POLICY).unwrap();
    let dev = user("dan", &["dev"]);
    let dora = user("dora", &[]);
    let rows = [
        (
            &dev,
            "POST",
            format!("{W}/team-a/widgets"),
            "widgets.demo.krest.dev is forbidden: User \"dan\" cannot create resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"team-a\"",
        ),
        (
            &dev,
            "PUT",
            format!("{W}/team-a/widgets/w/status"),
            "widgets.demo.krest.dev \"w\" is forbidden: User \"dan\" cannot update resource \"widgets/status\" in API group \"demo.krest.dev\" in the namespace \"team-a\"",
        ),
        (
            &dev,
            "GET",
            format!("{W}/team-a/widgets?watch=1"),
            "widgets.demo.krest.dev is forbidden: User \"dan\" cannot watch resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"team-a\"",
        ),
        (
            &dev,
            "DELETE",
            G.to_string(),
            "gadgets.demo.krest.dev is forbidden: User \"dan\" cannot deletecollection resource \"gadgets\" in API group \"demo.krest.dev\" at the cluster scope",
        ),
        (
            &dev,
            "GET",
            "/api/v1/namespaces/team-a/pods/p/log".to_string(),
            "pods \"p\" is forbidden: User \"dan\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"team-a\"",
        ),
        (
            &dev,
            "GET",
            "/api/v1/nodes".to_string(),
            "nodes is forbidden: User \"dan\" cannot list resource \"nodes\" in API group \"\" at the cluster scope",
        ),
        (
            &dev,
            "GET",
            "/metrics".to_string(),
            "forbidden: User \"dan\" cannot get path \"/metrics\"",
        ),
        (
            &UserInfo::anonymous(),
            "GET",
            "/apis".to_string(),
            "forbidden: User \"system:anonymous\" cannot get path \"/apis\"",
        ),
        (
            &dora,
            "GET",
            format!("{W}/team-a/widgets/w"),
            "widgets.demo.krest.dev \"w\" is forbidden: User \"dora\" cannot get resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"team-a\": RBAC: role.rbac.authorization.k8s.io \"does-not-exist\" not found",
        ),
    ];
    for (user, method, uri, message) in rows {
        let (path, query) = uri.split_once('?').unwrap_or((&uri, ""));
        let request = RequestInfo::parse(method, path, Some(query));
        let attributes = Attributes {
            user,
            request: &request,
        };
        let Decision::NoOpinion(reason) = rbac.authorize(&attributes) else {
            panic!("{method} {uri} was allowed");
        };
        let status = forbidden(&attributes, &reason);
        assert_eq!((status.code, status.reason), (403, "Forbidden"));
        assert_eq!(status.message, message);
        let details = status.details.expect("details");
        assert_eq!(details.group, request.api_group);
        assert_eq!(details.kind, request.resource);
        assert_eq!(details.name, request.name);
    }
}

#[test]
fn forbidden_messages() {
    let rows = [
        ("jane", "GET", "/metrics", "", "User \"jane\" cannot get path \"/metrics\""),
        ("jane", "POST", "/logs/x", "nope", "User \"jane\" cannot post path \"/logs/x\": nope"),
        (
            "jane",
            "GET",
            "/apis/demo.krest.dev/v1/namespaces/default/widgets",
            "",
            "User \"jane\" cannot list resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"default\"",
        ),
        (
            "jane",
            "PATCH",
            "/apis/demo.krest.dev/v1/namespaces/default/widgets/w/scale",
            "",
            "User \"jane\" cannot patch resource \"widgets/scale\" in API group \"demo.krest.dev\" in the namespace \"default\"",
        ),
        (
            "jane",
            "DELETE",
            "/apis/demo.krest.dev/v1/gadgets",
            "",
            "User \"jane\" cannot deletecollection resource \"gadgets\" in API group \"demo.krest.dev\" at the cluster scope",
        ),
        (
            "system:serviceaccount:ci:robot",
            "GET",
            "/api/v1/namespaces/ci",
            "",
            "User \"system:serviceaccount:ci:robot\" cannot get resource \"namespaces\" in API group \"\" in the namespace \"ci\"",
        ),
        (
            "\"quoted\"",
            "GET",
            "/a\"b",
            "",
            "User \"\\\"quoted\\\"\" cannot get path \"/a\\\"b\"",
        ),
    ];
    for (name, method, path, reason, message) in rows {
        let user = UserInfo {
            name: name.into(),
            ..UserInfo::default()
        };
        let request = RequestInfo::parse(method, path, None);
        let attributes = Attributes {
            user: &user,
            request: &request,
        };
        assert_eq!(forbidden_message(&attributes, reason), message);
    }
}

#[test]
fn bad_policies_say_where_and_what() {
    const V1: &str = "apiVersion: rbac.authorization.k8s.io/v1\n";
    let rows = [
        ("rules: [\n".to_string(), "policy: not YAML"),
        ("a: &a [x]\nb: *b\n".to_string(), "policy: not YAML"),
        (
            format!("{V1}kind: Role\nmetadata: {{name: r}}\n"),
            "policy: document 1: Role \"r\" has no metadata.namespace",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{namespace: x}}\n"),
            "policy: document 1: ClusterRole has no metadata.name",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n".to_string(),
            "policy: document 1: kind \"Pod\" is not Role, ClusterRole, RoleBinding or ClusterRoleBinding",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: r, namespace: n}\n".to_string(),
            "policy: document 1: Role: apiVersion \"rbac.authorization.k8s.io/v1beta1\" is not rbac.authorization.k8s.io/v1",
        ),
        (
            "metadata: {name: r}\n".to_string(),
            "policy: document 1: an object has no kind",
        ),
        (
            "- a\n- b\n".to_string(),
            "policy: document 1: an object is not a mapping",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\n---\n{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\n"),
            "policy: document 2: ClusterRoleBinding \"b\": missing field `roleRef`",
        ),
        (
            format!("{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: Role, name: r}}\n"),
            "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
        ),
        (
            format!("{V1}kind: RoleBinding\nmetadata: {{name: b, namespace: n}}\nroleRef: {{kind: Roll, name: r}}\n"),
            "roleRef.kind: Unsupported value: \"Roll\": supported values: \"Role\", \"ClusterRole\"",
        ),
        (
            format!("{V1}kind: RoleBinding\nmetadata: {{name: b, namespace: n}}\nroleRef: {{kind: Role, name: r, apiGroup: rbac}}\n"),
            "roleRef.apiGroup: Unsupported value: \"rbac\"",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules: [{{resources: [x], apiGroups: [\"\"]}}]\n"),
            "policy: document 1: ClusterRole \"c\": rules[0].verbs: Required value: verbs must contain at least one value",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules: [{{verbs: [get], resources: [x]}}]\n"),
            "ClusterRole \"c\": rules[0].apiGroups: Required value: resource rules must supply at least one api group",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules:\n- {{verbs: [get], apiGroups: [\"\"], resources: [x]}}\n- {{verbs: [get], apiGroups: [\"\"]}}\n"),
            "ClusterRole \"c\": rules[1].resources: Required value",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules: [{{verbs: [get], resources: [x], nonResourceURLs: [/x]}}]\n"),
            "rules cannot apply to both regular resources and non-resource URLs",
        ),
        (
            format!("{V1}kind: Role\nmetadata: {{name: r, namespace: n}}\nrules: [{{verbs: [get], nonResourceURLs: [/x]}}]\n"),
            "Role \"r\": rules[0].nonResourceURLs: Invalid value: namespaced rules cannot apply to non-resource URLs",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules: [{{verb: [get], apiGroups: [\"\"], resources: [x]}}]\n"),
            "ClusterRole \"c\": rules[0].verb: unknown field `verb`, expected one of `verbs`",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules: [{{verbs: get, apiGroups: [\"\"], resources: [x]}}]\n"),
            "ClusterRole \"c\": rules[0].verbs: invalid type",
        ),
        (
            format!("{V1}kind: ClusterRole\nmetadata: {{name: c}}\naggregationRule: {{clusterRoleSelectors: []}}\n"),
            "ClusterRole \"c\": aggregationRule is not supported",
        ),
        (
            format!("{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: ClusterRole, name: c}}\nsubjects: [{{kind: Robot, name: r}}]\n"),
            "ClusterRoleBinding \"b\": subjects[0].kind: Unsupported value: \"Robot\"",
        ),
        (
            format!("{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: ClusterRole, name: c}}\nsubjects: [{{kind: User, name: u}}, {{kind: ServiceAccount, name: s}}]\n"),
            "ClusterRoleBinding \"b\": subjects[1].namespace: Required value",
        ),
        (
            format!("{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: ClusterRole, name: c}}\nsubjects: [{{kind: Group, name: \"\"}}]\n"),
            "subjects[0].name: Required value",
        ),
        (
            format!("{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: ClusterRole, name: c}}\nsubjects: [{{kind: User, name: u, apiGroup: \"\"}}, {{kind: ServiceAccount, name: s, namespace: n, apiGroup: rbac.authorization.k8s.io}}]\n"),
            "subjects[1].apiGroup: Unsupported value: \"rbac.authorization.k8s.io\"",
        ),
        (
            format!("{V1}kind: Role\nmetadata: {{name: r, namespace: n}}\n---\n{V1}kind: Role\nmetadata: {{name: r, namespace: n}}\n"),
            "policy: document 2: Role \"r\" in namespace \"n\" is defined twice",
        ),
        (
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: c}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: m}}\n".to_string(),
            "policy: document 1, item 1: kind \"ConfigMap\"",
        ),
    ];
    for (text, says) in rows {
        let e = Rbac::from_yaml(&text).unwrap_err().to_string();
        assert!(e.contains(says), "{e}\nshould say: {says}\nfor:\n{text}");
    }
    // A role of the same name in another namespace, or of another kind, is another role.
    Rbac::from_yaml(&format!(
        "{V1}kind: Role\nmetadata: {{name: r, namespace: a}}\n---\n{V1}kind: Role\nmetadata: {{name: r, namespace: b}}\n---\n{V1}kind: ClusterRole\nmetadata: {{name: r}}\n"
    ))
    .unwrap();
    // Empty documents, empty files and null lists are fine.
    Rbac::from_yaml("").unwrap();
    Rbac::from_yaml("---\n---\n").unwrap();
    Rbac::from_yaml(&format!(
        "{V1}kind: ClusterRole\nmetadata: {{name: c}}\nrules: null\n---\n{V1}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nsubjects: null\nroleRef: {{kind: ClusterRole, name: c}}\n"
    ))
    .unwrap();
}

#[test]
fn policy_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("policy.yaml");
    std::fs::write(&good, POLICY).unwrap();
    let rbac = Rbac::load(&good).unwrap();
    assert_eq!(
        decide(
            &rbac,
            &user("dan", &["dev"]),
            "GET",
            &format!("{W}/team-a/widgets")
        ),
        Decision::Allow
    );
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, format!("{POLICY}\nkind: Secret\n")).unwrap();
    let e = Rbac::load(&bad).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}: document 11: ", bad.display())),
        "{e}"
    );
    let e = Rbac::load(dir.path().join("missing.yaml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.yaml: "), "{e}");
}

/// A ClusterRole named as a bootstrap one adds to it; it does not replace it.
#[test]
fn bootstrap_roles_are_extended_not_replaced() {
    let rbac = Rbac::from_yaml(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:public-info-viewer}
rules: [{nonResourceURLs: [/metrics], verbs: [get]}]
",
    )
    .unwrap();
    let anonymous = UserInfo::anonymous();
    assert_eq!(
        decide(&rbac, &anonymous, "GET", "/metrics"),
        Decision::Allow
    );
    assert_eq!(
        decide(&rbac, &anonymous, "GET", "/healthz"),
        Decision::Allow
    );
}
