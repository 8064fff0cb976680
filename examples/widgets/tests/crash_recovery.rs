//! Crash recovery of the embedded store: `widgets-server` is killed with SIGKILL at random
//! moments during concurrent writes and restarted on the same data directory, again and again.
//! After each restart: every acknowledged write is present, the revision never goes back, new
//! writes get larger revisions, and a watch resumed from a pre-crash revision gets exactly the
//! acknowledged changes after it, in order (or a 410 Expired).
//!
//! `KREST_CRASH_ROUNDS` sets the number of kills (default 20).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const COLLECTION: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, addr: SocketAddr) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .args([
            "--store",
            "embedded",
            "--listen",
            &addr.to_string(),
            "--data-dir",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if http(addr, "GET", "/readyz", None).is_some_and(|(code, _)| code == 200) {
            return process;
        }
        assert!(Instant::now() < deadline, "widgets-server did not restart");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One request; `None` when the connection failed (the server is down).
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // HTTP/1.0, so that a streamed list comes back delimited by the close, not chunked.
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let code = response.get(9..12)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((code, serde_json::from_str(body).unwrap_or(Value::Null)))
}

fn rv_of(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The events of a watch from `after`, until `want` names were seen or the stream went quiet.
fn watch_from(addr: SocketAddr, after: u64, want: usize) -> Result<Vec<(String, u64)>, u16> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    write!(stream, "GET {COLLECTION}?watch=true&resourceVersion={after}&timeoutSeconds=5 HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut events = Vec::new();
    let mut line = String::new();
    while events.len() < want {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        // Chunk-size lines of the chunked encoding are not events.
        let Ok(event) = serde_json::from_str::<Value>(line.trim()) else {
            continue;
        };
        if !event.is_object() {
            continue;
        }
        if event["type"] == "ERROR" {
            return Err(event["object"]["code"].as_u64().unwrap_or(0) as u16);
        }
        let name = event["object"]["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        events.push((name, rv_of(&event["object"])));
    }
    Ok(events)
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let rounds: usize = std::env::var("KREST_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("krest-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // Every acknowledged create: name -> revision.
    let acked: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let mut max_seen = 0u64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..rounds {
        let server = start(&dir, addr);
        // After the restart: nothing acknowledged is lost, and the revision did not go back.
        let (code, list) = http(addr, "GET", COLLECTION, None).unwrap();
        assert_eq!(code, 200);
        let present: BTreeMap<String, u64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["metadata"]["name"].as_str().unwrap().to_string(),
                    rv_of(i),
                )
            })
            .collect();
        let snapshot = acked.lock().unwrap().clone();
        for (name, rv) in &snapshot {
            assert_eq!(
                present.get(name),
                Some(rv),
                "round {round}: acknowledged {name}@{rv} is missing after the crash"
            );
        }
        let list_rv: u64 = list["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            list_rv >= max_seen,
            "round {round}: revision went back from {max_seen} to {list_rv}"
        );
        // A watch resumed from a pre-crash revision: exactly the acknowledged writes after it.
        if let Some((_, &middle)) = snapshot.iter().nth(snapshot.len() / 2) {
            let expected: Vec<(String, u64)> = {
                let mut v: Vec<(String, u64)> = present
                    .iter()
                    .filter(|(_, rv)| **rv > middle)
                    .map(|(n, rv)| (n.clone(), *rv))
                    .collect();
                v.sort_by_key(|(_, rv)| *rv);
                v
            };
            match watch_from(addr, middle, expected.len()) {
                Ok(events) => assert_eq!(events, expected, "round {round}: resumed watch"),
                Err(code) => assert_eq!(
                    code, 410,
                    "round {round}: only Expired may replace the events"
                ),
            }
        }
        // Concurrent writers, then a kill at a random moment.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let (acked, stop) = (acked.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        let name = format!("r{round:03}-t{t}-{n:05}");
                        n += 1;
                        let body = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"color": "c", "replicas": 1}});
                        match http(addr, "POST", COLLECTION, Some(&body)) {
                            Some((201, object)) => {
                                acked.lock().unwrap().insert(name, rv_of(&object));
                            }
                            Some((code, object)) => assert!(code < 500, "a 5xx before the crash: {code} {object}"),
                            None => break,
                        }
                    }
                })
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(50 + seed % 250));
        drop(server); // SIGKILL
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for w in writers {
            w.join().unwrap();
        }
        max_seen = max_seen
            .max(acked.lock().unwrap().values().copied().max().unwrap_or(0))
            .max(list_rv);
    }
    // A final restart: new writes get larger revisions.
    let _server = start(&dir, addr);
    let body = json!({"apiVersion": "demo.krest.dev/v1", "kind": "Widget", "metadata": {"name": "after"}, "spec": {"color": "c", "replicas": 1}});
    let (code, object) = http(addr, "POST", COLLECTION, Some(&body)).unwrap();
    assert_eq!(code, 201);
    assert!(
        rv_of(&object) > max_seen,
        "a new write's revision {} is not above {max_seen}",
        rv_of(&object)
    );
    assert!(
        acked.lock().unwrap().len() > rounds,
        "the writers made progress"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
