//! Peak server memory while listing a large collection. Serves Widgets in this process (memory
//! store, then embedded store), stores N of them (each padded to about S bytes), and lists them
//! over loopback three ways, reading the peak of heap bytes in use during each list (every
//! allocation of the process is counted; the client reads into one buffer allocated before):
//!
//! - `limit=500`: one page, the unit a streamed list holds;
//! - no `limit`: the whole collection, streamed page by page;
//! - `limit=N`: the whole collection as one page, built in memory before it is sent (what a list
//!   costs without streaming).
//!
//! Run with: `cargo run --release -p krest-example-widgets --example list_memory -- 10000 1024 5`

use std::net::SocketAddr;
use std::sync::Arc;

use krest::store::{EmbeddedOptions, EmbeddedStore, MemoryStore, Store};
use krest::Server;
use krest_example_widgets::{Gadget, Widget};
use peak_alloc::PeakAlloc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const COLLECTION: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

/// Sends one request on a fresh connection and reads the whole response into `buf` (reused,
/// keeping none of it); returns the status line and the number of bytes read.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    buf: &mut [u8],
) -> (String, usize) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut status = String::new();
    let mut total = 0;
    loop {
        let n = stream.read(buf).await.expect("read");
        if n == 0 {
            break;
        }
        if status.is_empty() {
            let text = String::from_utf8_lossy(&buf[..n]);
            status = text.lines().next().unwrap_or_default().to_string();
        }
        total += n;
    }
    (status, total)
}

/// Starts a server on `store` on a free loopback port.
async fn start(store: Arc<dyn Store>) -> SocketAddr {
    let server = Server::builder()
        .resource::<Widget>()
        .resource::<Gadget>()
        .store(store)
        .build()
        .expect("server builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));
    addr
}

/// Creates `objects` widgets, 32 connections at a time.
async fn seed(addr: SocketAddr, objects: usize, padding: usize) {
    let pad = "x".repeat(padding);
    let mut tasks = Vec::new();
    for lane in 0..32 {
        let pad = pad.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            for i in (lane..objects).step_by(32) {
                let body = format!(
                    r#"{{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{{"name":"w-{i:05}","annotations":{{"pad":"{pad}"}}}},"spec":{{"color":"blue","replicas":1}}}}"#
                );
                let (status, _) = request(addr, "POST", COLLECTION, &body, &mut buf).await;
                assert!(status.contains(" 201 "), "create w-{i}: {status}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Median peak heap growth (bytes) and response size of each list, over `rounds`.
async fn measure(addr: SocketAddr, objects: usize, rounds: usize) -> Vec<(String, usize, usize)> {
    let modes = [
        ("one page (limit=500)", format!("{COLLECTION}?limit=500")),
        ("whole list, streamed (no limit)", COLLECTION.to_string()),
        (
            "whole list as one page (limit=N)",
            format!("{COLLECTION}?limit={objects}"),
        ),
    ];
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::new();
    for (name, path) in modes {
        let mut peaks = Vec::with_capacity(rounds);
        let mut bytes = 0;
        for _ in 0..rounds {
            let before = HEAP.current_usage();
            HEAP.reset_peak_usage();
            let (status, read) = request(addr, "GET", &path, "", &mut buf).await;
            assert!(status.contains(" 200 "), "list {path}: {status}");
            peaks.push(HEAP.peak_usage().saturating_sub(before));
            bytes = read;
        }
        peaks.sort_unstable();
        out.push((name.to_string(), bytes, peaks[peaks.len() / 2]));
    }
    out
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let objects: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let padding: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);

    let data = tempfile::tempdir().expect("data dir");
    let stores: [(&str, Arc<dyn Store>); 2] = [
        ("memory", Arc::new(MemoryStore::new())),
        (
            "embedded",
            Arc::new(
                EmbeddedStore::open(data.path(), EmbeddedOptions::default())
                    .expect("open the embedded store"),
            ),
        ),
    ];
    println!(
        "{objects} widgets, each padded with {padding} bytes; peak heap growth during one list, median of {rounds}"
    );
    println!("| store | list | response | peak heap growth | ratio to one page |");
    println!("|---|---|---:|---:|---:|");
    for (store_name, store) in stores {
        let addr = start(store).await;
        seed(addr, objects, padding).await;
        let rows = measure(addr, objects, rounds).await;
        let page = rows[0].2.max(1) as f64;
        for (name, bytes, peak) in rows {
            println!(
                "| {store_name} | {name} | {:.1} MiB | {:.1} MiB | {:.1}x |",
                bytes as f64 / (1024.0 * 1024.0),
                peak as f64 / (1024.0 * 1024.0),
                peak as f64 / page
            );
        }
    }
}
