//! Server time of writes of a 1 KiB Widget, in process (`Server::handle`, memory store): a
//! CREATE, a PUT, a server-side apply that changes a field, and an apply that changes nothing.
//! The apply figures are skipped by a server that does not serve apply (to compare CREATE and
//! PUT with a build from before managed fields).
//!
//! Run with: `cargo bench -p krest-benches --bench apply`

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use http_body_util::{BodyExt, Full};
use krest::{Body, Server};
use krest_example_widgets::Widget;
use serde_json::{json, Value};

/// Names of created widgets, unique across criterion's batches.
static NEXT: AtomicU64 = AtomicU64::new(0);

const WIDGETS: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

/// A Widget of about 1 KiB of JSON: labels, an annotation and the spec.
fn widget(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {
            "name": name,
            "labels": {"app": "bench", "tier": "front", "team": "widgets", "env": "test"},
            "annotations": {"note": "x".repeat(700)},
        },
        "spec": {"color": "blue", "replicas": replicas, "size": "large"},
    })
}

async fn send(
    server: &Server,
    method: &str,
    uri: &str,
    content_type: &str,
    body: &Value,
) -> (u16, Value) {
    let bytes = Bytes::from(serde_json::to_vec(body).unwrap());
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type)
        .body::<Body>(Full::new(bytes).map_err(|never| match never {}).boxed())
        .unwrap();
    let response = server.handle(request).await;
    let code = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn writes(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = Server::builder().resource::<Widget>().build().unwrap();
    let size = serde_json::to_vec(&widget("w", 1)).unwrap().len();
    assert!((900..1200).contains(&size), "{size} bytes");
    let mut group = c.benchmark_group("write_1kib_widget");
    group.measurement_time(Duration::from_secs(8));

    group.bench_function("create", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let name = format!("c-{}", NEXT.fetch_add(1, Ordering::Relaxed));
                    let (code, _) = send(
                        &server,
                        "POST",
                        WIDGETS,
                        "application/json",
                        &widget(&name, 1),
                    )
                    .await;
                    assert_eq!(code, 201);
                }
                start.elapsed()
            })
        })
    });

    let (code, created) = rt.block_on(send(
        &server,
        "POST",
        WIDGETS,
        "application/json",
        &widget("w", 1),
    ));
    assert_eq!(code, 201);
    let item = format!("{WIDGETS}/w");
    // Criterion calls the routine once per batch: the object (and its resourceVersion) lives
    // across them.
    let mut current = created.clone();
    group.bench_function("put", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    current["spec"]["replicas"] = json!(i as i64 % 2 + 2);
                    let (code, body) =
                        send(&server, "PUT", &item, "application/json", &current).await;
                    assert_eq!(code, 200, "{body}");
                    current = body;
                }
                start.elapsed()
            })
        })
    });

    let apply = format!("{WIDGETS}/a?fieldManager=bench");
    let apply_type = "application/apply-patch+yaml";
    let (code, _) = rt.block_on(send(&server, "PATCH", &apply, apply_type, &widget("a", 1)));
    if code == 201 {
        group.bench_function("apply", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters {
                        let (code, _) = send(
                            &server,
                            "PATCH",
                            &apply,
                            apply_type,
                            &widget("a", i as i64 % 2 + 2),
                        )
                        .await;
                        assert_eq!(code, 200);
                    }
                    start.elapsed()
                })
            })
        });
        group.bench_function("apply_unchanged", |b| {
            let same = widget("a", 5);
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let (code, _) = send(&server, "PATCH", &apply, apply_type, &same).await;
                        assert_eq!(code, 200);
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, writes);
criterion_main!(benches);
