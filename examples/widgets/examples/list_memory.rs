//! Peak server memory while listing a large collection: stores N widgets (each padded to
//! about S bytes) in the embedded store, then, on a freshly started server each time, lists them
//! three ways and reads the server's peak RSS growth (`VmHWM` after resetting it through
//! `/proc/PID/clear_refs`):
//!
//! - `limit=500`: one page, the unit a streamed list holds;
//! - no `limit`: the whole collection, streamed page by page;
//! - `limit=N`: the whole collection as one page, built in memory before it is sent (what a list
//!   costs without streaming).
//!
//! Run with (Linux only; resetting the peak of another process needs root or the same user):
//! `cargo build --release -p krest-example-widgets --bin widgets-server --example list_memory`
//! `target/release/examples/list_memory 10000 1024 5`

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const COLLECTION: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

/// A line of `/proc/PID/status` in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS.
fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset VmHWM through clear_refs");
}

/// Sends one request on a fresh connection and reads the whole response in 64 KiB reads,
/// keeping none of it; returns the status line and the number of bytes read.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (String, usize) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 64 * 1024];
    let mut status = String::new();
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await.expect("read");
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

fn start_server(bin: &Path, data: &Path, addr: SocketAddr) -> Child {
    Command::new(bin)
        .args(["--store", "embedded", "--authorization-mode=AlwaysAllow"])
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", &addr.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {} (build it with --release first): {e}",
                bin.display()
            )
        })
}

async fn wait_ready(addr: SocketAddr) {
    loop {
        if TcpStream::connect(addr).await.is_ok() {
            let (status, _) = request(addr, "GET", "/readyz", "").await;
            if status.contains(" 200 ") {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let objects: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let padding: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("widgets-server"))
        .expect("target dir");
    let data = tempfile::tempdir().expect("data dir");

    // Seed the store through the API, 32 connections at a time.
    let mut server = start_server(&bin, data.path(), addr);
    wait_ready(addr).await;
    let pad = "x".repeat(padding);
    let mut tasks = Vec::new();
    for lane in 0..32 {
        let pad = pad.clone();
        tasks.push(tokio::spawn(async move {
            for i in (lane..objects).step_by(32) {
                let body = format!(
                    r#"{{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{{"name":"w-{i:05}","annotations":{{"pad":"{pad}"}}}},"spec":{{"color":"blue","replicas":1}}}}"#
                );
                let (status, _) = request(addr, "POST", COLLECTION, &body).await;
                assert!(status.contains(" 201 "), "create w-{i}: {status}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let _ = server.kill();
    let _ = server.wait();

    let modes = [
        ("one page (limit=500)", format!("{COLLECTION}?limit=500")),
        ("whole list, streamed (no limit)", COLLECTION.to_string()),
        (
            "whole list as one page (limit=N)",
            format!("{COLLECTION}?limit={objects}"),
        ),
    ];
    let mut growth: Vec<Vec<u64>> = vec![Vec::new(); modes.len()];
    let mut bytes = vec![0usize; modes.len()];
    for _ in 0..rounds {
        for (m, (_, path)) in modes.iter().enumerate() {
            // A fresh server each time, so no mode reuses pages another one made resident.
            let mut server = start_server(&bin, data.path(), addr);
            wait_ready(addr).await;
            let pid = server.id();
            request(addr, "GET", &format!("{COLLECTION}/w-00000"), "").await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let before = status_kib(pid, "VmRSS:");
            reset_peak(pid);
            let (status, read) = request(addr, "GET", path, "").await;
            assert!(status.contains(" 200 "), "list {path}: {status}");
            let peak = status_kib(pid, "VmHWM:");
            growth[m].push(peak.saturating_sub(before));
            bytes[m] = read;
            let _ = server.kill();
            let _ = server.wait();
        }
    }

    println!("objects {objects}, each padded with {padding} bytes; medians of {rounds} rounds");
    println!("| list | response | peak RSS growth (KiB) |");
    println!("|---|---:|---:|");
    for (m, (name, _)) in modes.iter().enumerate() {
        println!(
            "| {name} | {:.1} MiB | {} |",
            bytes[m] as f64 / (1024.0 * 1024.0),
            median(&mut growth[m])
        );
    }
}
