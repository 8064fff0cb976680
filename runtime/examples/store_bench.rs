//! Durable creates per second of the embedded store and of etcd on the same disk, side by side,
//! with 1, 16 and 64 concurrent clients; prints throughput and p50/p99 latency per level.
//!
//! Run with: `cargo run --release -p krest --features etcd --example store_bench -- [seconds]`
//! (etcd from Debian's `etcd-server` must be on the PATH; without the `etcd` feature only the
//! embedded store runs).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use krest::store::{EmbeddedOptions, EmbeddedStore, Store};

/// A typical stored object: a small widget as JSON.
const VALUE: &[u8] = br#"{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"w","namespace":"default","uid":"0f8fad5b-d9cb-469f-a165-70867728950e","creationTimestamp":"2026-11-22T00:00:00Z","generation":1},"spec":{"color":"blue","replicas":2}}"#;

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn run(store: Arc<dyn Store>, clients: usize, seconds: f64, tag: &str) -> Figures {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let store = store.clone();
            let tag = tag.to_string();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let key = format!("/bench/{tag}/{c}/{n}");
                    n += 1;
                    let t = Instant::now();
                    store
                        .create(&key, Bytes::from_static(VALUE))
                        .await
                        .expect("create");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |p: f64| {
        all.get(((all.len().saturating_sub(1)) as f64 * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    Figures {
        per_second: all.len() as f64 / elapsed,
        p50: at(0.5),
        p99: at(0.99),
    }
}

#[cfg(feature = "etcd")]
async fn etcd(dir: &std::path::Path) -> (std::process::Child, Arc<dyn Store>) {
    let port = |_| {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (client, peer) = (port(0), port(1));
    let endpoint = format!("http://127.0.0.1:{client}");
    let child = std::process::Command::new("etcd")
        .args(["--name", "bench", "--data-dir"])
        .arg(dir)
        .args([
            "--listen-client-urls",
            &endpoint,
            "--advertise-client-urls",
            &endpoint,
        ])
        .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
        .args([
            "--initial-advertise-peer-urls",
            &format!("http://127.0.0.1:{peer}"),
        ])
        .args([
            "--initial-cluster",
            &format!("bench=http://127.0.0.1:{peer}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("etcd on the PATH");
    while std::net::TcpStream::connect(("127.0.0.1", client)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let store = krest::store::EtcdStore::connect(&[endpoint], "/bench")
        .await
        .expect("connect to etcd");
    (child, Arc::new(store))
}

#[tokio::main]
async fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5.0);
    let root = std::env::temp_dir().join(format!("krest-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let embedded: Arc<dyn Store> =
        Arc::new(EmbeddedStore::open(&root.join("embedded"), EmbeddedOptions::default()).unwrap());
    #[cfg(feature = "etcd")]
    let (mut etcd_child, etcd_store) = etcd(&root.join("etcd")).await;
    println!("| clients | store | creates/s | p50 | p99 |");
    println!("|---|---|---|---|---|");
    for clients in [1, 16, 64] {
        let mut rows: Vec<(&str, Arc<dyn Store>)> = vec![("embedded", embedded.clone())];
        #[cfg(feature = "etcd")]
        rows.push(("etcd", etcd_store.clone()));
        for (name, store) in rows {
            let f = run(store, clients, seconds, &format!("{name}-{clients}")).await;
            println!(
                "| {clients} | {name} | {:.0} | {:.2} ms | {:.2} ms |",
                f.per_second,
                f.p50.as_secs_f64() * 1e3,
                f.p99.as_secs_f64() * 1e3
            );
        }
    }
    #[cfg(feature = "etcd")]
    {
        let _ = etcd_child.kill();
        let _ = etcd_child.wait();
    }
    let _ = std::fs::remove_dir_all(&root);
}
