//! The official Python `kubernetes` client against `widgets-server` (the test script installs
//! it from PyPI): CRUD through `CustomObjectsApi` and a `watch.Watch().stream(...)`; the review
//! kinds (TokenReview, SubjectAccessReview, ...) against a server with tokens and RBAC; server-side
//! apply.

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn python_client_crud_and_watch() {
    support::run_python("watch_flow.py", "python client ok");
}

/// Server-side apply through `patch_namespaced_custom_object` with the apply content type, with
/// and without `force`.
#[test]
fn python_client_server_side_apply() {
    support::run_python("apply_flow.py", "python apply ok");
}

const TOKENS: &str = "\
proxy-token,system:serviceaccount:monitoring:proxy,p-1
jane-token,jane,j-1,\"dev\"
";

const POLICY: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: proxy-delegates}
subjects: [{kind: ServiceAccount, name: proxy, namespace: monitoring}]
roleRef: {kind: ClusterRole, name: system:auth-delegator, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: local-reviews}
rules: [{apiGroups: [authorization.k8s.io], resources: [localsubjectaccessreviews], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: proxy-local-reviews, namespace: default}
subjects: [{kind: ServiceAccount, name: proxy, namespace: monitoring}]
roleRef: {kind: ClusterRole, name: local-reviews}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: widget-reader, namespace: default}
rules: [{apiGroups: [demo.krest.dev], resources: [widgets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads, namespace: default}
subjects: [{kind: Group, name: dev}]
roleRef: {kind: Role, name: widget-reader}
";

#[test]
fn python_client_reviews() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::write(dir.join("tokens.csv"), TOKENS).unwrap();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .args(["--store", "memory", "--listen", &addr.to_string()])
        .arg(format!(
            "--token-auth-file={}",
            dir.join("tokens.csv").display()
        ))
        .arg(format!(
            "--authorization-policy-file={}",
            dir.join("policy.yaml").display()
        ))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "widgets-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/reviews.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(format!("http://{addr}"))
        .output()
        .expect("python3 runs");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "the Python client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("python reviews ok"));
}
