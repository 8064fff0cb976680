//! Two `widgets-server`s on one etcd cluster: exactly one runs the garbage collector and the
//! namespace controller, the holder of the Lease `kube-system/krest-controllers`; killed in the
//! middle of a foreground cascade, the other takes the Lease over and finishes it. etcd runs as
//! a real process (the test fails without it, never skips).
#![cfg(feature = "etcd")]

mod support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{start, temp_dir, Kubectl};

struct Etcd {
    child: Child,
    dir: std::path::PathBuf,
    endpoint: String,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_etcd() -> Etcd {
    let (client, peer) = (free_port(), free_port());
    let dir = std::env::temp_dir().join(format!("krest-etcd-election-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let endpoint = format!("http://127.0.0.1:{client}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let child = Command::new("etcd")
        .args(["--name", "election", "--data-dir"])
        .arg(&dir)
        .args(["--listen-client-urls", &endpoint])
        .args(["--advertise-client-urls", &endpoint])
        .args(["--listen-peer-urls", &peer_url])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", &format!("election={peer_url}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("etcd is installed (scripts/test.sh installs Debian's etcd-server)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", client)).is_err() {
        assert!(Instant::now() < deadline, "etcd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Etcd {
        child,
        dir,
        endpoint,
    }
}

/// The Lease's holder and transitions, read through `k`.
fn holder(k: &Kubectl) -> Option<(String, String)> {
    let out = k.output(&[
        "get",
        "lease",
        "krest-controllers",
        "-n",
        "kube-system",
        "-o",
        "jsonpath={.spec.holderIdentity} {.spec.leaseTransitions}",
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (who, transitions) = text.split_once(' ')?;
    (out.status.success() && !who.is_empty()).then(|| (who.to_string(), transitions.to_string()))
}

fn eventually<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn one_server_collects_and_another_takes_over() {
    let etcd = start_etcd();
    let args = [
        "--store",
        "etcd",
        "--etcd-endpoints",
        etcd.endpoint.as_str(),
        "--leader-elect-lease-duration",
        "2s",
    ];
    let mut first = start(&args);
    let dir = temp_dir("election");
    let k_first = Kubectl::new(&first, &dir.join("first"));
    let (leader, _) = eventually("the first server leads", Duration::from_secs(10), || {
        holder(&k_first)
    });
    let second = start(&args);
    let k = Kubectl::new(&second, &dir.join("second"));
    // With both running, the first keeps the Lease: one leader, renewing.
    for _ in 0..20 {
        assert_eq!(holder(&k).map(|h| h.0).as_deref(), Some(leader.as_str()));
        std::thread::sleep(Duration::from_millis(100));
    }

    // An owner with 300 blocking dependents, deleted in the foreground through the second
    // server; the first (the collector) is killed right away.
    let manifest = dir.join("owner.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: owner\n  namespace: default\nspec:\n  color: red\n  replicas: 1\n",
    )
    .unwrap();
    k.ok(&["apply", "-f", manifest.to_str().unwrap()]);
    let uid = k.ok(&["get", "widget", "owner", "-o", "jsonpath={.metadata.uid}"]);
    let mut children = String::new();
    for i in 0..300 {
        children.push_str(&format!(
            "---\napiVersion: demo.krest.dev/v1\nkind: Widget\nmetadata:\n  name: child-{i:03}\n  namespace: default\n  ownerReferences:\n  - apiVersion: demo.krest.dev/v1\n    kind: Widget\n    name: owner\n    uid: {uid}\n    blockOwnerDeletion: true\nspec:\n  color: red\n  replicas: 1\n"
        ));
    }
    let children_file = dir.join("children.yaml");
    std::fs::write(&children_file, children).unwrap();
    k.ok(&["create", "-f", children_file.to_str().unwrap()]);
    k.ok(&[
        "delete",
        "widget",
        "owner",
        "--cascade=foreground",
        "--wait=false",
    ]);
    let _ = first.child.kill();
    let _ = first.child.wait();

    // The second server takes the Lease over and finishes the cascade.
    let (taken, transitions) = eventually(
        "the second server takes over",
        Duration::from_secs(20),
        || holder(&k).filter(|(who, _)| *who != leader),
    );
    assert_ne!(taken, leader);
    assert_eq!(transitions, "1");
    eventually("the cascade finishes", Duration::from_secs(30), || {
        (!k.output(&["get", "widget", "owner"]).status.success()).then_some(())
    });
    let left = k.ok(&["get", "widgets", "-o", "name"]);
    assert_eq!(left.trim(), "", "dependents left: {left}");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
