//! Durable creates per second of the embedded store (and of etcd on the same disk, side by
//! side, with the `etcd` feature), with 1, 16 and 64 concurrent clients; prints the median
//! throughput over several rounds and the p50/p99 latency per level.
//!
//! Run with: `cargo run --release -p krest --example store_bench -- [seconds] [rounds]`
//! (defaults: 3 s a round, 3 rounds a cell). Add `--features etcd` to measure etcd too
//! (Debian's `etcd-server` must be on the PATH).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use krest::store::{EmbeddedOptions, EmbeddedStore, Store};

/// A typical stored object: a small widget as JSON.
const VALUE: &[u8] = br#"{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"w","namespace":"default","uid":"0f8fad5b-d9cb-469f-a165-70867728950e","creationTimestamp":"2026-11-22T00:00:00Z","generation":1},"spec":{"color":"blue","replicas":2}}"#;

/// One round: `clients` tasks creating new keys back to back for `seconds`. Returns the
/// creates per second and every latency.
async fn round(
    store: &Arc<dyn Store>,
    clients: usize,
    seconds: f64,
    tag: &str,
) -> (f64, Vec<Duration>) {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
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
        all.extend(t.await.expect("client task"));
    }
    let per_second = all.len() as f64 / started.elapsed().as_secs_f64();
    (per_second, all)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[cfg(feature = "etcd")]
async fn etcd(dir: &std::path::Path) -> (std::process::Child, Arc<dyn Store>) {
    let port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port()
    };
    let (client, peer) = (port(), port());
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
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3.0);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let root = tempfile::tempdir().expect("a temporary directory");
    let embedded: Arc<dyn Store> = Arc::new(
        EmbeddedStore::open(&root.path().join("embedded"), EmbeddedOptions::default())
            .expect("open the embedded store"),
    );
    let mut stores: Vec<(&str, Arc<dyn Store>)> = vec![("embedded", embedded)];
    #[cfg(feature = "etcd")]
    let mut etcd_child = {
        let (child, store) = etcd(&root.path().join("etcd")).await;
        stores.push(("etcd", store));
        child
    };
    println!("{rounds} rounds of {seconds} s per cell; creates/s is the median round (min-max); latencies over all rounds");
    println!();
    println!("| clients | store | creates/s (median) | min-max | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for clients in [1, 16, 64] {
        for (name, store) in &mut stores {
            let mut rates = Vec::new();
            let mut latencies = Vec::new();
            for r in 0..rounds {
                let (rate, l) =
                    round(store, clients, seconds, &format!("{name}-{clients}-{r}")).await;
                rates.push(rate);
                latencies.extend(l);
            }
            rates.sort_by(f64::total_cmp);
            latencies.sort_unstable();
            println!(
                "| {clients} | {name} | {:.0} | {:.0}-{:.0} | {:.2} ms | {:.2} ms |",
                rates[rates.len() / 2],
                rates[0],
                rates[rates.len() - 1],
                ms(percentile(&latencies, 0.5)),
                ms(percentile(&latencies, 0.99)),
            );
        }
    }
    drop(stores);
    #[cfg(feature = "etcd")]
    {
        let _ = etcd_child.kill();
        let _ = etcd_child.wait();
    }
}
