//! No lost updates: 8 clients each make 200 read-modify-write increments of one counter over
//! HTTP against `widgets-server`, retrying on 409 Conflict. The final value must equal the
//! number of successful writes, and no request may get a 5xx. Run against every durable store.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ITEM: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets/counter";

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> SocketAddr {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}").parse().unwrap()
}

fn wait_for(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{addr} did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_server(args: &[&str]) -> (Process, SocketAddr) {
    let addr = free_addr();
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .arg("--listen")
        .arg(addr.to_string())
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(addr);
    (Process(child), addr)
}

/// One HTTP/1.1 request on its own connection: (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let code = response
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (code, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn increments(addr: SocketAddr) {
    let (code, _) = http(
        addr,
        "POST",
        "/apis/demo.krest.dev/v1/namespaces/default/widgets",
        Some(
            &json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "metadata": {"name": "counter"}, "spec": {"color": "c", "replicas": 0}}),
        ),
    );
    assert_eq!(code, 201);
    let successes = Arc::new(AtomicUsize::new(0));
    let conflicts = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (successes, conflicts) = (successes.clone(), conflicts.clone());
            std::thread::spawn(move || {
                let mut done = 0;
                while done < 200 {
                    let (code, mut object) = http(addr, "GET", ITEM, None);
                    assert_eq!(code, 200, "GET failed: {object}");
                    let n = object["spec"]["replicas"].as_i64().unwrap();
                    object["spec"]["replicas"] = json!(n + 1);
                    let (code, reply) = http(addr, "PUT", ITEM, Some(&object));
                    assert!(code < 500, "a 5xx: {code} {reply}");
                    match code {
                        200 => {
                            successes.fetch_add(1, Ordering::SeqCst);
                            done += 1;
                        }
                        409 => {
                            assert_eq!(reply["reason"], "Conflict");
                            conflicts.fetch_add(1, Ordering::SeqCst);
                        }
                        other => panic!("unexpected {other}: {reply}"),
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let (_, object) = http(addr, "GET", ITEM, None);
    let successes = successes.load(Ordering::SeqCst);
    assert_eq!(successes, 1600);
    assert_eq!(
        object["spec"]["replicas"].as_i64(),
        Some(successes as i64),
        "every acknowledged increment is there"
    );
    assert!(
        conflicts.load(Ordering::SeqCst) > 0,
        "the clients really raced"
    );
}

#[test]
fn no_lost_updates_memory() {
    let (_server, addr) = start_server(&["--store", "memory"]);
    increments(addr);
}

#[test]
fn no_lost_updates_embedded() {
    let dir = std::env::temp_dir().join(format!("krest-lost-embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (_server, addr) =
        start_server(&["--store", "embedded", "--data-dir", dir.to_str().unwrap()]);
    increments(addr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "etcd")]
#[test]
fn no_lost_updates_etcd() {
    let client = free_addr();
    let peer = free_addr();
    let dir = std::env::temp_dir().join(format!("krest-etcd-lost-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("http://{client}");
    let etcd = Command::new("etcd")
        .args(["--name", "lost", "--data-dir"])
        .arg(&dir)
        .args([
            "--listen-client-urls",
            &url,
            "--advertise-client-urls",
            &url,
        ])
        .args([
            "--listen-peer-urls",
            &format!("http://{peer}"),
            "--initial-advertise-peer-urls",
            &format!("http://{peer}"),
        ])
        .args(["--initial-cluster", &format!("lost=http://{peer}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("etcd is installed (scripts/test.sh installs Debian's etcd-server)");
    let _etcd = Process(etcd);
    wait_for(client);
    let (_server, addr) = start_server(&["--store", "etcd", "--etcd-endpoints", &url]);
    increments(addr);
    let _ = std::fs::remove_dir_all(&dir);
}
