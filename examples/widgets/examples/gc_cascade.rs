//! How fast the garbage collector empties an owner's dependents, and what its index costs.
//! Serves Widgets in this process (memory store, or with `embedded` the embedded store in a
//! temporary directory, fsync on every commit; no sockets: `Server::handle`), creates one
//! owner and N Widgets it owns, then:
//!
//! - `background`: deletes the owner (the default propagation) and times until the last
//!   dependent is gone;
//! - `foreground`: the same with `propagationPolicy=Foreground`, timed until the owner itself
//!   is gone (after every dependent);
//! - the collector's index: heap bytes in use with the collector running, less the same before
//!   it started, divided by the objects it indexes (read once it has settled).
//!
//! Run with: `cargo run --release -p krest-example-widgets --example gc_cascade -- 1000 [embedded]`

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use krest::{Body, Server};
use krest_example_widgets::{Gadget, Widget};
use peak_alloc::PeakAlloc;
use serde_json::{json, Value};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const WIDGETS: &str = "/apis/demo.krest.dev/v1/namespaces/default/widgets";

async fn call(s: &Server, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let body: Body = Full::new(Bytes::from(bytes))
        .map_err(|never| match never {})
        .boxed();
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let response = s.handle(request).await;
    let code = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn widget(name: &str, owner: Option<&Value>) -> Value {
    let mut w = json!({
        "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": name}, "spec": {"color": "red", "replicas": 1},
    });
    if let Some(owner) = owner {
        w["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "demo.krest.dev/v1", "kind": "Widget", "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "blockOwnerDeletion": true,
        }]);
    }
    w
}

/// Creates an owner and `n` dependents; returns the owner.
async fn populate(s: &Server, prefix: &str, n: usize) -> Value {
    let (code, owner) = call(
        s,
        "POST",
        WIDGETS,
        Some(widget(&format!("{prefix}-owner"), None)),
    )
    .await;
    assert_eq!(code, 201);
    for i in 0..n {
        let (code, _) = call(
            s,
            "POST",
            WIDGETS,
            Some(widget(&format!("{prefix}-{i:06}"), Some(&owner))),
        )
        .await;
        assert_eq!(code, 201);
    }
    owner
}

/// How many Widgets are left: one page of one item and the count of the rest, so that
/// polling costs the same however many there are.
async fn count(s: &Server) -> usize {
    let (_, list) = call(s, "GET", &format!("{WIDGETS}?limit=1"), None).await;
    let page = list["items"].as_array().map_or(0, Vec::len);
    page + list["metadata"]["remainingItemCount"].as_u64().unwrap_or(0) as usize
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{what} never happened"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    started.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let mut builder = Server::builder();
    if std::env::args().nth(2).as_deref() == Some("embedded") {
        let store = krest::store::EmbeddedStore::open(dir.path(), Default::default())
            .expect("the embedded store opens");
        builder = builder.store(std::sync::Arc::new(store));
    }
    let s = builder
        .resource::<Widget>()
        .resource::<Gadget>()
        .build()
        .expect("server builds");

    // The index: objects before the collector starts, then with it.
    populate(&s, "idx", n).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = HEAP.current_usage();
    s.start_controllers();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = HEAP.current_usage();
    let objects = n + 1;
    println!(
        "index: {} bytes for {objects} objects with one owner reference each: {:.0} bytes per object",
        after.saturating_sub(before),
        after.saturating_sub(before) as f64 / objects as f64
    );
    call(&s, "DELETE", &format!("{WIDGETS}/idx-owner"), None).await;
    until("the index run is emptied", async || count(&s).await == 0).await;

    let owner = populate(&s, "bg", n).await;
    let started = Instant::now();
    let (code, _) = call(
        &s,
        "DELETE",
        &format!("{WIDGETS}/{}", owner["metadata"]["name"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(code, 200);
    until("the background cascade", async || count(&s).await == 0).await;
    println!(
        "background: {n} dependents gone {:?} after the owner's DELETE",
        started.elapsed()
    );

    let owner = populate(&s, "fg", n).await;
    let name = owner["metadata"]["name"].as_str().unwrap().to_string();
    let started = Instant::now();
    let (code, _) = call(
        &s,
        "DELETE",
        &format!("{WIDGETS}/{name}?propagationPolicy=Foreground"),
        None,
    )
    .await;
    assert_eq!(code, 200);
    until("the foreground cascade", async || {
        call(&s, "GET", &format!("{WIDGETS}/{name}"), None).await.0 == 404
    })
    .await;
    println!(
        "foreground: owner and {n} dependents gone {:?} after the owner's DELETE ({} left)",
        started.elapsed(),
        count(&s).await
    );
}
