//! Watch fan-out benchmark: N watchers on one resource over loopback, M updates; checks that
//! every watcher receives every event in order and prints the delay from each update's request
//! to its receipt (p50/p99) and the server's memory per idle watcher.
//!
//! Run with (raise the file limit first: each watcher is a connection):
//! `bash -c 'ulimit -n 65536; cargo run --release -p krest-example-widgets --example watch_fanout -- 10000 1000 15'`
//!
//! With a fourth argument `h2:S`, the watchers speak HTTP/2 with `S` watches per connection,
//! as client-go programs do (all of a client's watches share its connection).

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

const COLLECTION: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11..13)
        .map(|t| t.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    ticks / 100.0
}

/// One request on a fresh connection; returns the response body.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// The `spec.replicas` of a watch event's line: the update it carries.
fn replicas(line: &str) -> Option<usize> {
    let at = line.find("\"replicas\":")?;
    let digits: String = line[at + 11..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// Watchers as HTTP/2 streams.
mod http2 {
    use std::net::SocketAddr;
    use std::time::Instant;

    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    pub type Sender = hyper::client::conn::http2::SendRequest<Empty<Bytes>>;

    pub async fn connect(addr: SocketAddr) -> Sender {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            // Many streams read at once: a window per stream large enough for a burst.
            .initial_stream_window_size(1 << 20)
            .initial_connection_window_size(1 << 28)
            .handshake(TokioIo::new(stream))
            .await
            .expect("an HTTP/2 handshake");
        tokio::spawn(connection);
        sender
    }

    /// One watch on a shared connection; when it saw each update.
    pub async fn watch(
        mut sender: Sender,
        path: String,
        ready: tokio::sync::mpsc::Sender<()>,
        updates: usize,
    ) -> Vec<(usize, Instant)> {
        sender.ready().await.expect("the connection is open");
        let request = http::Request::get(format!("http://bench{path}"))
            .body(Empty::new())
            .unwrap();
        let response = sender.send_request(request).await.expect("a response");
        assert_eq!(response.status(), 200);
        let _ = ready.send(()).await;
        let mut body = response.into_body();
        let mut seen = Vec::with_capacity(updates);
        let mut pending = String::new();
        while seen.len() < updates {
            let Some(Ok(frame)) = body.frame().await else {
                break;
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            pending.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = pending.find('\n') {
                if let Some(i) = super::replicas(&pending[..end]) {
                    seen.push((i, Instant::now()));
                }
                pending.drain(..=end);
            }
        }
        seen
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let watchers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let updates: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let rate: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let streams: Option<usize> = args
        .next()
        .and_then(|a| a.strip_prefix("h2:")?.parse().ok())
        .filter(|s| *s > 0);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let server_bin = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("widgets-server"))
        .expect("target dir");
    let mut server = Command::new(&server_bin)
        .args(["--store", "memory", "--authorization-mode=AlwaysAllow"])
        .args(["--listen", &addr.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {} (build it with --release first): {e}",
                server_bin.display()
            )
        });
    let pid = server.id();
    while TcpStream::connect(addr).await.is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let created = request(
        addr,
        "POST",
        COLLECTION,
        "application/json",
        r#"{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"color":"blue","replicas":0}}"#,
    )
    .await;
    let rv: u64 = serde_json::from_str::<serde_json::Value>(&created).unwrap()["metadata"]
        ["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = rss_kib(pid);

    // Open the watchers; each records when it saw each update.
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; updates + 1]));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(watchers);
    let mut tasks = Vec::with_capacity(watchers);
    let opened = Instant::now();
    let mut h2: Option<http2::Sender> = None;
    for w in 0..watchers {
        let ready = ready_tx.clone();
        if let Some(per_connection) = streams {
            if w % per_connection == 0 {
                h2 = Some(http2::connect(addr).await);
            }
            let sender = h2.clone().unwrap();
            let path = format!("{COLLECTION}?watch=true&resourceVersion={rv}");
            tasks.push(tokio::spawn(http2::watch(sender, path, ready, updates)));
            continue;
        }
        tasks.push(tokio::spawn(async move {
            let mut stream = loop {
                match TcpStream::connect(addr).await {
                    Ok(s) => break s,
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            };
            let head = format!(
                "GET {COLLECTION}?watch=true&resourceVersion={rv} HTTP/1.1\r\nHost: bench\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            // Skip the response head.
            loop {
                line.clear();
                reader.read_line(&mut line).await.unwrap();
                if line == "\r\n" {
                    break;
                }
            }
            let _ = ready.send(()).await;
            let mut seen: Vec<(usize, Instant)> = Vec::with_capacity(updates);
            while seen.len() < updates {
                line.clear();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                // Chunked framing: size lines are short hex; events are JSON.
                if let Some(i) = replicas(&line) {
                    seen.push((i, Instant::now()));
                }
            }
            seen
        }));
    }
    drop(ready_tx);
    for _ in 0..watchers {
        ready_rx.recv().await;
    }
    let open_time = opened.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = rss_kib(pid);

    // The updates, at a steady rate.
    let interval = Duration::from_micros(1_000_000 / rate.max(1));
    let path = format!("{COLLECTION}/w");
    let started = Instant::now();
    let cpu_before = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
    for i in 1..=updates {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        sent.lock().await[i] = Some(Instant::now());
        request(
            addr,
            "PATCH",
            &path,
            "application/merge-patch+json",
            &format!(r#"{{"spec":{{"replicas":{i}}}}}"#),
        )
        .await;
    }
    let write_time = started.elapsed();
    let cpu = (
        cpu_seconds(&pid.to_string()) - cpu_before.0,
        cpu_seconds("self") - cpu_before.1,
    );

    let sent = sent.lock().await.clone();
    let mut delays = Vec::with_capacity(watchers * updates);
    let mut complete = 0;
    let mut in_order = true;
    for task in tasks {
        let seen = task.await.unwrap();
        if seen.len() == updates {
            complete += 1;
        }
        if !seen.iter().enumerate().all(|(k, (i, _))| *i == k + 1) {
            in_order = false;
        }
        for (i, at) in seen {
            if let Some(Some(sent)) = sent.get(i) {
                delays.push(at.saturating_duration_since(*sent));
            }
        }
    }
    delays.sort();
    let _ = server.kill();
    let _ = server.wait();

    let per_watcher = (rss_idle.saturating_sub(rss_before)) as f64 / watchers as f64;
    match streams {
        Some(s) => println!(
            "watchers                     {watchers} (HTTP/2, {s} per connection, {} connections)",
            watchers.div_ceil(s)
        ),
        None => println!("watchers                     {watchers} (HTTP/1.1, one connection each)"),
    }
    println!(
        "updates                      {updates} at {rate}/s (written in {:.1} s)",
        write_time.as_secs_f64()
    );
    println!(
        "watchers opened in           {:.2} s",
        open_time.as_secs_f64()
    );
    println!("watchers with every event    {complete}/{watchers}, in order: {in_order}");
    println!(
        "delivery delay p50           {:.2} ms",
        percentile(&delays, 0.50).as_secs_f64() * 1e3
    );
    println!(
        "delivery delay p99           {:.2} ms",
        percentile(&delays, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "delivery delay max           {:.2} ms",
        delays.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "CPU while updating           server {:.1} s, watchers {:.1} s",
        cpu.0, cpu.1
    );
    println!("server RSS before watchers   {rss_before} KiB");
    println!("server RSS with idle watchers {rss_idle} KiB");
    println!("server memory per watcher    {per_watcher:.2} KiB");
}
