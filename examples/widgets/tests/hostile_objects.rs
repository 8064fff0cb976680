//! Hostile clients that attack through objects, one client at a time, against a real
//! `widgets-server` on loopback: large objects rewritten under a watch that never reads, a JSON
//! patch that doubles a value with `copy`, a body with thousands of unknown fields, and large
//! rewrites that would fill the disk. Each test asserts that the server stays up, keeps
//! answering another client, and stays within its memory or disk bound, and prints the peak
//! RSS it saw (docs/performance.md quotes these lines). `KREST_HOSTILE_SERVER=PATH` runs the same
//! attacks against another build of the server, to compare.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running `widgets-server`, killed on drop.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    fn start(args: &[&str]) -> ServerProcess {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let binary = std::env::var("KREST_HOSTILE_SERVER")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_widgets-server").to_string());
        let child = Command::new(binary)
            .arg("--authorization-mode=AlwaysAllow")
            .arg("--listen")
            .arg(addr.to_string())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("widgets-server starts");
        let server = ServerProcess { child, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.request("GET", "/readyz", &[], b"").0 != 200 {
            assert!(Instant::now() < deadline, "widgets-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// One HTTP/1.1 request on its own connection: status, header block, body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String, Vec<u8>) {
        let Ok(mut stream) = TcpStream::connect(self.addr) else {
            return (0, String::new(), Vec::new());
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: krest\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(body).is_err() {
            return (0, String::new(), Vec::new());
        }
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
            return (0, String::new(), Vec::new());
        };
        let head = String::from_utf8_lossy(&reply[..end]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, head, reply[end + 4..].to_vec())
    }

    fn json(&self, method: &str, path: &str, content_type: &str, body: &Value) -> u16 {
        let body = serde_json::to_vec(body).unwrap();
        self.request(method, path, &[("Content-Type", content_type)], &body)
            .0
    }

    /// `VmRSS` and `VmHWM` (peak) of the server process, in MiB.
    fn rss_mib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server is alive");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0)
                / 1024
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The server still answers another client and its process is alive.
    fn assert_serving(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server process died"
        );
        let (status, _, _) = self.request("GET", WIDGETS, &[], b"");
        assert_eq!(status, 200, "another client's list");
    }
}

const WIDGETS: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

fn widget(name: &str, size: String) -> Value {
    json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "metadata": {"name": name},
        "spec": {"color": "red", "replicas": 1, "size": size}})
}

/// 1.4 MB of text, different for each `i`: a Widget just under the 1.5 MiB object limit.
fn large(i: usize) -> String {
    format!("{i:04}{}", "x".repeat(1_400_000))
}

/// Rewrites a 1.4 MB Widget 150 times while one watch of it is open and never read: the
/// server keeps a bounded window of changes and closes the watcher once it is 64 MiB behind,
/// instead of holding every change (the unbounded server grew about 19 MB per update and
/// aborted).
#[test]
fn large_updates_under_a_watch_that_never_reads() {
    let mut server = ServerProcess::start(&["--store", "memory"]);
    assert_eq!(
        server.json(
            "POST",
            WIDGETS,
            "application/json",
            &widget("big", large(0))
        ),
        201
    );
    let mut watch = TcpStream::connect(server.addr).unwrap();
    watch
        .write_all(format!("GET {WIDGETS}?watch=true HTTP/1.1\r\nHost: krest\r\n\r\n").as_bytes())
        .unwrap();
    let (_, idle_peak) = server.rss_mib();
    let started = Instant::now();
    for i in 1..=150 {
        let status = server.json(
            "PATCH",
            &format!("{WIDGETS}/big"),
            "application/merge-patch+json",
            &json!({"spec": {"size": large(i)}}),
        );
        assert_eq!(status, 200, "update {i}");
    }
    let (rss, peak) = server.rss_mib();
    println!(
        "large_updates_under_a_watch: 150 updates of 1.4 MB in {:?}; RSS {rss} MiB, peak {peak} MiB (idle {idle_peak} MiB)",
        started.elapsed()
    );
    server.assert_serving();
    assert!(
        peak < 768,
        "peak RSS {peak} MiB: the window and the watcher's queue are bounded by bytes"
    );
    drop(watch);
}

/// The start of a response body, for a failed assertion's message.
fn short(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned()
}

/// Long lists of finalizers (a set) and owner references (keyed by uid), rewritten in another
/// order, applied over by a second manager, and merged by a strategic merge patch: each write
/// finds list items by lookups, where walks that scanned a list for each item took 12 s of a
/// release build's CPU for one apply of 24,000 finalizers (and 2.9 s for the strategic merge),
/// and more than this client's 60 s timeout in a debug build.
#[test]
fn long_lists_are_written_without_scanning_them_per_item() {
    let mut server = ServerProcess::start(&["--store", "memory"]);
    // A PATCH that must succeed: how long it took, and the object it answered.
    let patch = |server: &ServerProcess, path: &str, content_type: &str, body: &Value| {
        let started = Instant::now();
        let (status, _, answer) = server.request(
            "PATCH",
            path,
            &[("Content-Type", content_type)],
            &serde_json::to_vec(body).unwrap(),
        );
        let took = started.elapsed();
        assert_eq!(status, 200, "{}", short(&answer));
        (took, serde_json::from_slice::<Value>(&answer).unwrap())
    };
    let n = 24_000;
    let finalizers: Vec<String> = (0..n).map(|i| format!("x{i}")).collect();
    let mut w = widget("long", String::new());
    w["metadata"]["finalizers"] = json!(finalizers);
    let started = Instant::now();
    assert_eq!(server.json("POST", WIDGETS, "application/json", &w), 201);
    let create = started.elapsed();
    let (status, _, body) = server.request("GET", &format!("{WIDGETS}/long"), &[], b"");
    assert_eq!(status, 200);
    let mut stored: Value = serde_json::from_slice(&body).unwrap();
    stored["metadata"]["finalizers"] = json!(finalizers.iter().rev().collect::<Vec<_>>());
    stored["spec"]["replicas"] = json!(2);
    let started = Instant::now();
    let path = format!("{WIDGETS}/long");
    assert_eq!(server.json("PUT", &path, "application/json", &stored), 200);
    let update = started.elapsed();
    // A second manager applies every other finalizer and as many new ones: the set is merged.
    let applied: Vec<String> = (0..n / 2)
        .map(|i| format!("x{}", 2 * i))
        .chain((0..n / 2).map(|i| format!("y{i}")))
        .collect();
    let config = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "long", "finalizers": applied}});
    let (apply, merged) = patch(
        &server,
        &format!("{path}?fieldManager=second&force=true"),
        "application/apply-patch+yaml",
        &config,
    );
    let merged = merged["metadata"]["finalizers"].as_array().unwrap();
    assert_eq!(merged.len(), n + n / 2);
    assert_eq!(merged[0], json!("x23999"), "live items keep their order");
    // Owner references: a list keyed by uid. One owner exists, so that the garbage collector
    // keeps the dependent (it takes out the others, which is why the apply forces).
    let owner = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "name": "long",
        "uid": stored["metadata"]["uid"]});
    let refs: Vec<Value> = (1..3_000)
        .map(|i| json!({"apiVersion": "v1", "kind": "ConfigMap", "name": format!("o{i}"), "uid": format!("u-{i}")}))
        .chain([owner])
        .collect();
    let mut owned = widget("owned", String::new());
    owned["metadata"]["ownerReferences"] = json!(refs);
    assert_eq!(
        server.json("POST", WIDGETS, "application/json", &owned),
        201
    );
    owned["metadata"]["ownerReferences"] = json!(refs.iter().rev().collect::<Vec<_>>());
    let (owners, _) = patch(
        &server,
        &format!("{WIDGETS}/owned?fieldManager=second&force=true"),
        "application/apply-patch+yaml",
        &owned,
    );
    // kubectl's strategic merge patch of a Namespace: finalizers merge as a set.
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "long", "finalizers": finalizers}});
    assert_eq!(
        server.json("POST", "/api/v1/namespaces", "application/json", &namespace),
        201
    );
    let more: Vec<String> = (0..n).map(|i| format!("z{i}")).collect();
    let (strategic, merged) = patch(
        &server,
        "/api/v1/namespaces/long",
        "application/strategic-merge-patch+json",
        &json!({"metadata": {"finalizers": more}}),
    );
    assert_eq!(
        merged["metadata"]["finalizers"].as_array().unwrap().len(),
        2 * n
    );
    println!(
        "long_lists: {n} finalizers created in {create:?}, rewritten in {update:?}, applied over in {apply:?}, {n} more merged into a Namespace's in {strategic:?}; 3,000 owner references applied over in {owners:?}"
    );
    server.assert_serving();
}

/// A 68 KB JSON patch that doubles a 64 KiB value 16 times with `copy` is refused once the
/// copies would pass the request size limit, before they are made.
#[test]
fn json_patch_copy_amplification() {
    let mut server = ServerProcess::start(&["--store", "memory"]);
    let seed = "y".repeat(64 << 10);
    assert_eq!(
        server.json("POST", WIDGETS, "application/json", &widget("w", seed)),
        201
    );
    let mut ops = vec![json!({"op": "add", "path": "/spec/copies", "value": []})];
    ops.push(json!({"op": "copy", "from": "/spec/size", "path": "/spec/copies/-"}));
    for _ in 0..16 {
        ops.push(json!({"op": "copy", "from": "/spec/copies", "path": "/spec/copies/-"}));
    }
    let before = server.rss_mib().1;
    let (status, _, body) = server.request(
        "PATCH",
        &format!("{WIDGETS}/w?dryRun=All"),
        &[("Content-Type", "application/json-patch+json")],
        &serde_json::to_vec(&ops).unwrap(),
    );
    let (rss, peak) = server.rss_mib();
    println!("json_patch_copy_amplification: {status}; RSS {rss} MiB, peak {peak} MiB (before {before} MiB)");
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("accumulated size increase of copy"));
    server.assert_serving();
    assert!(peak < before + 128, "peak RSS {peak} MiB from {before} MiB");
}

/// A 2.8 MB body of 200,000 unknown fields under `fieldValidation=Warn` is created with a few
/// KB of `Warning` headers, not one header per field (which Go clients refuse past 10 MiB).
#[test]
fn warnings_are_capped_per_response() {
    let mut server = ServerProcess::start(&["--store", "memory"]);
    let mut spec = serde_json::Map::new();
    spec.insert("color".into(), json!("red"));
    spec.insert("replicas".into(), json!(1));
    for i in 0..200_000 {
        spec.insert(format!("u{i}"), json!(1));
    }
    let body = serde_json::to_vec(&json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "noisy"}, "spec": spec}))
    .unwrap();
    let (status, head, _) = server.request(
        "POST",
        &format!("{WIDGETS}?fieldValidation=Warn"),
        &[("Content-Type", "application/json")],
        &body,
    );
    let warnings = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("warning:"))
        .count();
    println!(
        "warnings_are_capped_per_response: {} byte body, {status}, {} bytes of headers, {warnings} warnings",
        body.len(),
        head.len()
    );
    assert_eq!(status, 201);
    assert!(head.len() < 16 << 10, "{} bytes of headers", head.len());
    assert!(head.contains("more warnings were left out"));
    server.assert_serving();
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// 100 rewrites of a 1.4 MB Widget on the embedded store keep at most the history's bound on
/// disk (here 32 MiB), not every change (about 280 MB with a bound by count alone).
#[test]
fn large_rewrites_do_not_fill_the_disk() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("krest-hostile-disk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut server = ServerProcess::start(&[
        "--data-dir",
        dir.to_str().unwrap(),
        "--store-history-bytes",
        "32Mi",
    ]);
    assert_eq!(
        server.json(
            "POST",
            WIDGETS,
            "application/json",
            &widget("big", large(0))
        ),
        201
    );
    for i in 1..=100 {
        let status = server.json(
            "PATCH",
            &format!("{WIDGETS}/big"),
            "application/merge-patch+json",
            &json!({"spec": {"size": large(i)}}),
        );
        assert_eq!(status, 200, "update {i}");
    }
    let used = dir_bytes(&dir) >> 20;
    println!("large_rewrites_do_not_fill_the_disk: 100 rewrites of 1.4 MB, {used} MiB on disk");
    server.assert_serving();
    assert!(used < 96, "{used} MiB on disk for a 32 MiB history");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
