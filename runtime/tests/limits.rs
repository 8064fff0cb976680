//! Hostile input: oversized bodies (413 before they are read), deep JSON, YAML alias bombs, huge
//! JSON patches, slow and idle connections. Each check ends with a normal request answered.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use krest::limits::Limits;
use krest::Server;
use serde_json::json;

/// Serves `server` on a loopback port for the test's lifetime.
async fn listen(server: Server) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));
    addr
}

/// Sends raw bytes and reads until the server closes or `wait` passes.
fn exchange(addr: SocketAddr, request: &[u8], wait: Duration) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    let started = Instant::now();
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buffer[..n]),
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

fn healthy(addr: SocketAddr) {
    let (reply, _) = exchange(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_past_3_mib_is_413_before_it_is_read() {
    let addr = listen(server()).await;
    tokio::task::spawn_blocking(move || {
        // Declared too large: answered at once, with no byte of the body sent.
        let (reply, took) = exchange(
            addr,
            format!("POST {WIDGETS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", 4 << 20).as_bytes(),
            Duration::from_secs(5),
        );
        assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
        assert!(reply.contains("\"reason\":\"RequestEntityTooLarge\""), "{reply}");
        assert!(took < Duration::from_secs(3));
        // Chunked, with no length: cut off as soon as it passes the limit.
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let head = format!("PUT {WIDGETS}/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b' '; 256 * 1024];
        let mut sent = 0;
        for _ in 0..32 {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if stream.write_all(&frame).is_err() {
                break;
            }
            sent += chunk.len();
        }
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        let reply = String::from_utf8_lossy(&reply);
        assert!(reply.starts_with("HTTP/1.1 413"), "{reply} after {sent} bytes");
        healthy(addr);
    })
    .await
    .unwrap();
    // Every verb that takes a body shares the limit.
    let s = server();
    let big = vec![b' '; (3 << 20) + 1];
    for (method, uri) in [
        ("POST", WIDGETS.to_string()),
        ("PUT", format!("{WIDGETS}/x")),
        ("PATCH", format!("{WIDGETS}/x")),
        ("PUT", format!("{WIDGETS}/x/status")),
        ("PATCH", format!("{WIDGETS}/x/scale")),
        ("DELETE", format!("{WIDGETS}/x")),
        ("DELETE", WIDGETS.to_string()),
    ] {
        let content_type = if method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let r = send(
            &s,
            method,
            &uri,
            &[("content-type", content_type)],
            Some(big.clone()),
        )
        .await;
        assert_eq!(r.code, 413, "{method} {uri}: {}", r.text);
    }
}

/// An object just under the largest a store takes (1.5 MiB, etcd's limit) is created; larger
/// bodies up to the 3 MiB request limit are read, then refused by that object limit
/// (`handlers_crud::objects_over_the_store_limit_are_413`).
#[tokio::test]
async fn benign_large_bodies_succeed() {
    let s = server();
    let mut w = widget("big", "x", 1);
    w["spec"]["color"] = json!("c".repeat(krest::store::MAX_VALUE_BYTES - 1024));
    let r = json(&s, "POST", WIDGETS, w).await;
    assert_eq!(r.code, 201, "{}", &r.text[..r.text.len().min(300)]);
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn deep_json_and_yaml_bombs_fail_fast_and_small() {
    let s = server();
    let before = rss_kib();
    let started = Instant::now();
    // kube-apiserver's TestJSONLimits shapes: deep arrays and objects, in the spec and at the top.
    let depth = 10_000;
    let bodies = [
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
        format!(
            "{{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{{\"name\":\"d\"}},\"spec\":{{\"color\":{}\"x\"{}}}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    ];
    for body in bodies {
        let r = send(
            &s,
            "POST",
            WIDGETS,
            &[("content-type", "application/json")],
            Some(body.into_bytes()),
        )
        .await;
        assert!(matches!(r.code, 400 | 422), "{} {}", r.code, r.text);
    }
    // TestYAMLLimits shapes: the billion laughs, and deep nesting.
    let laughs = "apiVersion: demo.krest.dev/v1
kind: Widget
metadata: {name: lol}
spec:
  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
  color: red
  replicas: 1
";
    let deep_yaml = format!("spec: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    // Block style indents each level, so 1,000 levels (500 KB) stay under the body limit.
    let deep_block: String = (0..1000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    for body in [laughs.to_string(), deep_yaml, deep_block] {
        let r = send(
            &s,
            "POST",
            WIDGETS,
            &[("content-type", "application/yaml")],
            Some(body.into_bytes()),
        )
        .await;
        assert!(
            matches!(r.code, 400 | 422),
            "{} {}",
            r.code,
            &r.text[..r.text.len().min(300)]
        );
    }
    let took = started.elapsed();
    let grew = rss_kib().saturating_sub(before);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(grew < 64 * 1024, "RSS grew {grew} KiB");
    let r = json(&s, "POST", WIDGETS, widget("after", "red", 1)).await;
    assert_eq!(r.code, 201, "{}", r.text);
}

#[tokio::test]
async fn a_json_patch_of_more_than_10000_operations_is_413() {
    let s = server();
    assert_eq!(
        json(&s, "POST", WIDGETS, widget("p", "red", 1)).await.code,
        201
    );
    let ops: Vec<_> = (0..10_001)
        .map(|_| json!({"op": "test", "path": "/spec/color", "value": "red"}))
        .collect();
    let r = patch(
        &s,
        &format!("{WIDGETS}/p"),
        "application/json-patch+json",
        json!(ops),
    )
    .await;
    assert_eq!(
        (r.code, r.reason()),
        (413, "RequestEntityTooLarge"),
        "{}",
        r.text
    );
    let ops: Vec<_> = (0..10_000)
        .map(|_| json!({"op": "test", "path": "/spec/color", "value": "red"}))
        .collect();
    let r = patch(
        &s,
        &format!("{WIDGETS}/p"),
        "application/json-patch+json",
        json!(ops),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_idle_connections_are_closed() {
    let server = Server::builder()
        .resource::<Widget>()
        .limits(Limits {
            header_read_timeout: Duration::from_millis(500),
            ..Limits::default()
        })
        .build()
        .unwrap();
    let addr = listen(server).await;
    tokio::task::spawn_blocking(move || {
        // Slowloris: headers that never end.
        let (reply, took) = exchange(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1",
            Duration::from_secs(10),
        );
        assert!(!reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(took < Duration::from_secs(5), "closed after {took:?}");
        // An idle keep-alive connection, after one answered request.
        let (reply, took) = exchange(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            Duration::from_secs(10),
        );
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(took < Duration::from_secs(5), "closed after {took:?}");
        assert!(
            took >= Duration::from_millis(400),
            "kept alive for {took:?}"
        );
        // A watch keeps its connection busy: it runs its 2 s, then the connection idles out.
        let watch =
            format!("GET {WIDGETS}?watch=true&timeoutSeconds=2 HTTP/1.1\r\nHost: x\r\n\r\n");
        let (reply, took) = exchange(addr, watch.as_bytes(), Duration::from_secs(10));
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(5),
            "closed after {took:?}"
        );
        healthy(addr);
    })
    .await
    .unwrap();
}
