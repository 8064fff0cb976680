//! End to end: starts `widgets-server` on a free loopback port and drives the real `kubectl`
//! binary against it, with no kubeconfig, asserting what kubectl prints at each step.

mod support;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::{start, temp_dir, Kubectl};

fn manifests() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn everyday_kubectl(store_args: &[&str], name: &str) {
    let dir = temp_dir(name);
    let mut args = store_args.to_vec();
    let data = dir.join("data");
    let data = data.to_str().unwrap().to_string();
    if store_args.contains(&"embedded") {
        args.extend(["--data-dir", &data]);
    }
    let server = start(&args);
    let k = Kubectl::new(&server, &dir);
    let widget = manifests().join("widget.yaml");
    let gadget = manifests().join("gadget.yaml");

    let resources = k.ok(&["api-resources", "--api-group", "demo.krest.dev"]);
    let widgets_line = resources
        .lines()
        .find(|l| l.starts_with("widgets"))
        .unwrap_or_default();
    for word in ["wd", "demo.krest.dev/v1", "true", "Widget"] {
        assert!(
            widgets_line.split_whitespace().any(|w| w == word),
            "{word} in {resources}"
        );
    }
    assert!(resources
        .lines()
        .any(|l| l.starts_with("gadgets") && l.contains("false") && l.contains("Gadget")));

    let created = k.ok(&["create", "--validate=false", "-f", widget.to_str().unwrap()]);
    assert_eq!(created.trim(), "widget.demo.krest.dev/blue created");
    k.ok(&["create", "--validate=false", "-f", gadget.to_str().unwrap()]);

    let table = k.ok(&["get", "widgets"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "COLOR", "REPLICAS", "PHASE", "AGE"]);
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..3], ["blue", "blue", "2"]);
    let wide = k.ok(&["get", "widgets", "-o", "wide"]);
    assert!(wide.lines().next().unwrap().contains("SIZE"), "{wide}");

    let yaml = k.ok(&["get", "wd", "blue", "-o", "yaml"]);
    assert!(
        yaml.contains("color: blue")
            && yaml.contains("resourceVersion:")
            && yaml.contains("kind: Widget"),
        "{yaml}"
    );
    let gadgets = k.ok(&["get", "gadgets"]);
    assert!(
        gadgets.lines().nth(1).unwrap().starts_with("probe"),
        "{gadgets}"
    );

    assert_eq!(
        k.ok(&["label", "widget", "blue", "tier=front"]).trim(),
        "widget.demo.krest.dev/blue labeled"
    );
    assert_eq!(
        k.ok(&["annotate", "widget", "blue", "note=hi"]).trim(),
        "widget.demo.krest.dev/blue annotated"
    );
    assert_eq!(
        k.ok(&["get", "wd", "-l", "tier=front", "-o", "name"])
            .trim(),
        "widget.demo.krest.dev/blue"
    );
    assert_eq!(
        k.ok(&["scale", "widget", "blue", "--replicas=5"]).trim(),
        "widget.demo.krest.dev/blue scaled"
    );
    assert_eq!(
        k.ok(&["get", "widget", "blue", "-o", "jsonpath={.spec.replicas}"]),
        "5"
    );
    assert_eq!(
        k.ok(&[
            "patch",
            "widget",
            "blue",
            "--type=merge",
            "-p",
            r#"{"spec":{"color":"red"}}"#
        ])
        .trim(),
        "widget.demo.krest.dev/blue patched"
    );
    assert_eq!(
        k.ok(&[
            "patch",
            "widget",
            "blue",
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#
        ])
        .trim(),
        "widget.demo.krest.dev/blue patched"
    );
    assert_eq!(
        k.ok(&[
            "get",
            "widget",
            "blue",
            "-o",
            "jsonpath={.spec.color} {.spec.replicas} {.metadata.annotations.note}"
        ]),
        "red 3 hi"
    );
    // JSON patch as kube-apiserver applies it: a `test` of a missing path passes against null
    // (kube-rs's finalizer helper relies on it); once the path exists, the same test fails.
    let test_then_add = r#"[{"op":"test","path":"/metadata/annotations/reviewed","value":null},{"op":"add","path":"/metadata/annotations/reviewed","value":"yes"}]"#;
    assert_eq!(
        k.ok(&[
            "patch",
            "widget",
            "blue",
            "--type=json",
            "-p",
            test_then_add
        ])
        .trim(),
        "widget.demo.krest.dev/blue patched"
    );
    assert_eq!(
        k.ok(&[
            "get",
            "widget",
            "blue",
            "-o",
            "jsonpath={.metadata.annotations.reviewed}"
        ]),
        "yes"
    );
    let failed = k.fails(&[
        "patch",
        "widget",
        "blue",
        "--type=json",
        "-p",
        test_then_add,
    ]);
    assert!(
        failed.contains("The request is invalid")
            && failed.contains("testing value /metadata/annotations/reviewed failed"),
        "{failed}"
    );

    // A deliberately stale update: read, let someone else write, then replace with the old copy.
    let stale = k.ok(&["get", "widget", "blue", "-o", "json"]);
    let stale_file = dir.join("stale.json");
    std::fs::write(&stale_file, stale.replace("\"red\"", "\"green\"")).unwrap();
    k.ok(&["label", "widget", "blue", "tier=back", "--overwrite"]);
    let conflict = k.fails(&[
        "replace",
        "--validate=false",
        "-f",
        stale_file.to_str().unwrap(),
    ]);
    assert!(
        conflict.contains("the object has been modified"),
        "{conflict}"
    );

    assert_eq!(
        k.ok(&["delete", "widget", "blue"]).trim(),
        "widget.demo.krest.dev \"blue\" deleted"
    );
    let empty = k.output(&["get", "widgets"]);
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("No resources found in default namespace.")
    );
    let missing = k.fails(&["get", "widget", "blue"]);
    assert!(
        missing.contains("NotFound") || missing.contains("not found"),
        "{missing}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kubectl_against_memory_store() {
    everyday_kubectl(&["--store", "memory"], "memory");
}

/// Reads lines from a child's stdout on a thread, so the test can wait with a deadline.
fn lines_of(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_line(lines: &std::sync::mpsc::Receiver<String>) -> String {
    lines
        .recv_timeout(Duration::from_secs(20))
        .expect("kubectl printed the next watch line within 20 s")
}

#[test]
fn kubectl_watch_sees_changes_in_order() {
    let dir = temp_dir("watch");
    let server = start(&["--store", "memory"]);
    let k = Kubectl::new(&server, &dir);
    k.ok(&[
        "create",
        "--validate=false",
        "-f",
        manifests().join("gadget.yaml").to_str().unwrap(),
    ]);
    let watch = |extra: &[&str]| {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--server")
            .arg(&k.server)
            .arg("--cache-dir")
            .arg(&k.cache)
            .env("KUBECONFIG", "/dev/null")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        cmd.spawn().expect("kubectl get -w starts")
    };
    let mut plain = watch(&["get", "widgets", "-w"]);
    let mut events = watch(&["get", "widgets", "-A", "-w", "--output-watch-events"]);
    let plain_lines = lines_of(&mut plain);
    let event_lines = lines_of(&mut events);
    // Give both watches time to list and start watching.
    std::thread::sleep(Duration::from_secs(2));

    k.ok(&[
        "create",
        "--validate=false",
        "-f",
        manifests().join("widget.yaml").to_str().unwrap(),
    ]);
    k.ok(&[
        "patch",
        "widget",
        "blue",
        "--type=merge",
        "-p",
        r#"{"spec":{"replicas":7}}"#,
    ]);
    k.ok(&["delete", "widget", "blue", "--wait=false"]);

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let line = next_line(&plain_lines);
        if line.starts_with("NAME") {
            continue;
        }
        seen.push(line);
    }
    assert!(
        seen[0].starts_with("blue") && seen[0].split_whitespace().nth(2) == Some("2"),
        "{seen:?}"
    );
    assert!(
        seen[1].starts_with("blue") && seen[1].split_whitespace().nth(2) == Some("7"),
        "{seen:?}"
    );
    assert!(seen[2].starts_with("blue"), "{seen:?}");

    let mut kinds = Vec::new();
    while kinds.len() < 3 {
        let line = next_line(&event_lines);
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"EVENT") {
            continue;
        }
        assert_eq!(words.get(1..3), Some(&["default", "blue"][..]), "{line}");
        kinds.push(words[0].to_string());
    }
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);
    let _ = plain.kill();
    let _ = events.kill();
    let _ = plain.wait();
    let _ = events.wait();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kubectl_against_embedded_store() {
    everyday_kubectl(&["--store", "embedded"], "embedded");
}

/// `kubectl get widget/a -w` again after a write to another kind (a new namespace): the
/// Widget watch must not wait for a Widget event to learn the store's revision.
#[test]
fn kubectl_watch_after_another_kind_changed() {
    let dir = temp_dir("watch-other-kind");
    let data = dir.join("data");
    let server = start(&["--data-dir", data.to_str().unwrap()]);
    let k = Kubectl::new(&server, &dir);
    k.ok(&[
        "apply",
        "-f",
        manifests().join("widget.yaml").to_str().unwrap(),
    ]);
    let watch_once = || {
        let mut child = Command::new("kubectl")
            .arg("--server")
            .arg(&k.server)
            .arg("--cache-dir")
            .arg(&k.cache)
            .env("KUBECONFIG", "/dev/null")
            .args(["get", "widget/blue", "-w", "--output-watch-events"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl get -w starts");
        let lines = lines_of(&mut child);
        let mut first = next_line(&lines);
        if first.starts_with("EVENT") {
            first = next_line(&lines);
        }
        // Still watching a moment later: no 504 from the server ended it.
        std::thread::sleep(Duration::from_secs(4));
        let running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        let _ = child.wait();
        assert!(running, "kubectl get -w ended: {stderr}");
        assert!(
            !stderr.contains("Timeout"),
            "kubectl get -w reported: {stderr}"
        );
        first
    };
    assert!(watch_once().contains("blue"));
    k.ok(&["create", "namespace", "other"]);
    let again = watch_once();
    assert!(again.contains("blue"), "{again}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
