//! The cost of CEL validation rules: creates of a Gateway API HTTPRoute (the CRD's schema with
//! its rules) against the same kind with its rules removed, on the memory store, measured two
//! ways: server time in process (`Server::handle`, no HTTP), and create throughput over HTTP/1.1
//! on loopback (a server on one worker thread, four clients on keep-alive connections on
//! another); and the time to build a server, which compiles the rules. Both kinds decode the
//! object the same way (a spec of any fields), so the difference is the rules' evaluation.
//!
//! Run with: `cargo bench -p krest-benches --bench cel`

#![allow(missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use krest::{Body, Resource, Server};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[allow(dead_code, clippy::all)]
mod generated {
    include!("../../codegen/tests/generated/gateway.networking.k8s.io_httproutes/mod.rs");
}

/// The HTTPRoute CRD's `v1` schema, rules and all.
fn with_rules() -> Value {
    generated::gateway_networking_k8s_io_v1::HTTPRouteSpec::crd_schema()
}

/// The same schema without its `x-kubernetes-validations`.
fn without_rules() -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("x-kubernetes-validations");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut schema = with_rules();
    strip(&mut schema);
    schema
}

mod ruled {
    use super::*;

    #[derive(Resource, Clone, Debug, Serialize, Deserialize)]
    #[resource(group = "ruled.krest.dev", version = "v1", kind = "HTTPRoute", plural = "httproutes", namespaced, status = Value, schema = with_rules)]
    pub struct RuledSpec {
        #[serde(flatten)]
        pub fields: Map<String, Value>,
    }
}

mod plain {
    use super::*;

    #[derive(Resource, Clone, Debug, Serialize, Deserialize)]
    #[resource(group = "plain.krest.dev", version = "v1", kind = "HTTPRoute", plural = "httproutes", namespaced, status = Value, schema = without_rules)]
    pub struct PlainSpec {
        #[serde(flatten)]
        pub fields: Map<String, Value>,
    }
}

use plain::HTTPRoute as Plain;
use ruled::HTTPRoute as Ruled;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// An HTTPRoute that most of the CRD's rules look at: three parents, two rules with matches,
/// filters, backends and timeouts.
fn route(group: &str, name: &str) -> Value {
    static SPEC: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
        serde_json::from_str(include_str!(
            "../../codegen/tests/objects/httproute-spec.json"
        ))
        .unwrap()
    });
    json!({
        "apiVersion": format!("{group}/v1"),
        "kind": "HTTPRoute",
        "metadata": {"name": name},
        "spec": SPEC.clone(),
    })
}

async fn create(server: &Server, group: &str) -> u16 {
    let name = format!("r-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let body = Bytes::from(serde_json::to_vec(&route(group, &name)).unwrap());
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("/apis/{group}/v1/namespaces/default/httproutes"))
        .header("content-type", "application/json")
        .body::<Body>(Full::new(body).map_err(|never| match never {}).boxed())
        .unwrap();
    let response = server.handle(request).await;
    let code = response.status().as_u16();
    response.into_body().collect().await.unwrap();
    code
}

/// A server of both kinds with an empty store: every sample starts from one, so that neither kind
/// is measured on a larger store than the other.
fn fresh_server() -> Server {
    Server::builder()
        .resource::<Ruled>()
        .resource::<Plain>()
        .build()
        .unwrap()
}

/// The time of `n` creates of `api`'s HTTPRoute on a fresh server.
fn timed_creates(rt: &tokio::runtime::Runtime, api: &str, n: u64) -> Duration {
    let server = fresh_server();
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..n {
            assert_eq!(create(&server, api).await, 201);
        }
        start.elapsed()
    })
}

/// Creates of `api`'s HTTPRoute per second over HTTP/1.1 on loopback, on a fresh server with
/// one worker thread; four clients on another thread, each sending `n / 4` creates one after
/// another on its own connection.
fn http_rate(api: &'static str, n: u64) -> f64 {
    const CLIENTS: u64 = 4;
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    server.spawn(fresh_server().serve_listener(listener, async {
        let _ = stopped.await;
    }));
    let clients = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let elapsed = clients.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| {
                tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    let (mut sender, connection) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream))
                            .await
                            .unwrap();
                    tokio::spawn(connection);
                    for _ in 0..n / CLIENTS {
                        let name = format!("r-{}", NEXT.fetch_add(1, Ordering::Relaxed));
                        let body = serde_json::to_vec(&route(api, &name)).unwrap();
                        let request = http::Request::builder()
                            .method("POST")
                            .uri(format!("/apis/{api}/v1/namespaces/default/httproutes"))
                            .header("host", "krest")
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body)))
                            .unwrap();
                        let response = sender.send_request(request).await.unwrap();
                        assert_eq!(response.status(), 201);
                        response.into_body().collect().await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        start.elapsed()
    });
    let _ = stop.send(());
    server.shutdown_background();
    (n / CLIENTS * CLIENTS) as f64 / elapsed.as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn creates(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("httproute_create");
    group.measurement_time(Duration::from_secs(8));
    for (label, api) in [
        ("with_rules", "ruled.krest.dev"),
        ("without_rules", "plain.krest.dev"),
    ] {
        group.bench_function(label, |b| {
            b.iter_custom(|iters| timed_creates(&rt, api, iters))
        });
    }
    group.finish();

    // The two kinds interleaved, round by round, so that the machine's load weighs on both
    // alike: the median of each round's ratio.
    const ROUNDS: usize = 15;
    const CREATES: u64 = 300;
    let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let w = timed_creates(&rt, "ruled.krest.dev", CREATES).as_secs_f64();
        let wo = timed_creates(&rt, "plain.krest.dev", CREATES).as_secs_f64();
        with.push(w / CREATES as f64 * 1e6);
        without.push(wo / CREATES as f64 * 1e6);
        ratios.push(w / wo);
    }
    println!(
        "httproute_create interleaved, {ROUNDS} rounds of {CREATES}: with rules {:.1} µs, without {:.1} µs, ratio {:.2}x (medians)",
        median(with),
        median(without),
        median(ratios)
    );

    // Throughput over HTTP, the two kinds interleaved round by round (left out with
    // `KREST_BENCH_NO_HTTP=1`, for instance to count instructions under callgrind).
    let http_rounds = match std::env::var_os("KREST_BENCH_NO_HTTP") {
        Some(_) => 0,
        None => HTTP_ROUNDS,
    };
    const HTTP_ROUNDS: usize = 11;
    const HTTP_CREATES: u64 = 6_000;
    let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..http_rounds {
        let w = http_rate("ruled.krest.dev", HTTP_CREATES);
        let wo = http_rate("plain.krest.dev", HTTP_CREATES);
        with.push(w);
        without.push(wo);
        ratios.push(wo / w);
    }
    if http_rounds > 0 {
        println!(
            "httproute_create over HTTP, {HTTP_ROUNDS} rounds of {HTTP_CREATES}: with rules {:.0}/s, without {:.0}/s, throughput without/with {:.2}x (medians)",
            median(with),
            median(without),
            median(ratios)
        );
    }

    let mut group = c.benchmark_group("server_build");
    group.bench_function("httproute_with_rules", |b| {
        b.iter(|| Server::builder().resource::<Ruled>().build().unwrap())
    });
    group.bench_function("httproute_without_rules", |b| {
        b.iter(|| Server::builder().resource::<Plain>().build().unwrap())
    });
    group.finish();
}

criterion_group!(benches, creates);
criterion_main!(benches);
