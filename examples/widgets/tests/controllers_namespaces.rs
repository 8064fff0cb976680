//! Namespace termination through kubectl: `kubectl delete namespace` waits while the namespace
//! is `Terminating` and returns once it is gone; an object with a finalizer keeps it (with
//! kube's conditions saying so, and new content refused) until the finalizer is removed; and a
//! re-created namespace is empty.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{start, temp_dir, Kubectl};

#[test]
fn kubectl_delete_namespace_waits_for_its_content() {
    let server = start(&["--store", "memory"]);
    let dir = temp_dir("namespaces");
    let k = Kubectl::new(&server, &dir);
    k.ok(&["create", "namespace", "team"]);
    let finalizers = k.ok(&[
        "get",
        "namespace",
        "team",
        "-o",
        "jsonpath={.spec.finalizers}",
    ]);
    assert_eq!(finalizers, "[\"kubernetes\"]");
    let widget = |name: &str, finalizer: bool| {
        let finalizers = if finalizer {
            "  finalizers: [demo.krest.dev/hold]\n"
        } else {
            ""
        };
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(
            &path,
            format!("apiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: team\n{finalizers}spec:\n  color: red\n  replicas: 1\n"),
        )
        .unwrap();
        path
    };
    k.ok(&["apply", "-f", widget("plain", false).to_str().unwrap()]);
    k.ok(&["apply", "-f", widget("held", true).to_str().unwrap()]);

    // The held object keeps the namespace: kubectl does not wait for it here.
    let out = k.ok(&["delete", "namespace", "team", "--wait=false"]);
    assert!(out.contains("namespace \"team\" deleted"), "{out}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = k.ok(&[
            "get",
            "namespace",
            "team",
            "-o",
            "jsonpath={.status.phase} {.status.conditions[?(@.type==\"NamespaceFinalizersRemaining\")].status}",
        ]);
        if status == "Terminating True" {
            break;
        }
        assert!(Instant::now() < deadline, "{status}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!k
        .output(&["get", "widget", "plain", "-n", "team"])
        .status
        .success());
    let refused = k.fails(&["apply", "-f", widget("new", false).to_str().unwrap()]);
    assert!(
        refused.contains(
            "unable to create new content in namespace team because it is being terminated"
        ),
        "{refused}"
    );

    // kubectl delete namespace waits; the finalizer goes meanwhile, and it returns.
    let mut waiting = Command::new("kubectl")
        .arg("--server")
        .arg(&k.server)
        .arg("--cache-dir")
        .arg(&k.cache)
        .args(["delete", "namespace", "team", "--timeout=30s"])
        .env("KUBECONFIG", "/dev/null")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "kubectl returned while the namespace stays"
    );
    k.ok(&[
        "patch",
        "widget",
        "held",
        "-n",
        "team",
        "--type=merge",
        "-p",
        "{\"metadata\":{\"finalizers\":null}}",
    ]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = waiting.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "kubectl delete namespace never returned"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    assert!(!k.output(&["get", "namespace", "team"]).status.success());

    // Nothing survived to reappear.
    k.ok(&["create", "namespace", "team"]);
    let listed = k.output(&["get", "widgets", "-n", "team"]);
    assert!(
        String::from_utf8_lossy(&listed.stderr).contains("No resources found"),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
