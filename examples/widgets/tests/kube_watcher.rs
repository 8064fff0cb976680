//! kube-rs's watcher and reflector against an in-process krest server: they stay in sync
//! through creates, updates and deletes, and through a compaction that expires the revision
//! they resume from (they re-list after the 410).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::StreamExt;
use krest::store::{MemoryStore, Store};
use krest::{Body, Server};
use krest_example_widgets::Widget;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::{reflector, watcher, WatchStreamExt};
use kube::Client;
use serde_json::json;
use tokio::sync::Notify;

/// Holds watch requests while closed: the way to make a client resume late.
#[derive(Clone, Default)]
struct Gate {
    closed: Arc<AtomicBool>,
    opened: Arc<Notify>,
    /// Collection GETs that are not watches: the initial list and every re-list.
    lists: Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(Clone)]
struct Gated<S> {
    inner: S,
    gate: Gate,
}

impl<S> tower::Layer<S> for Gate {
    type Service = Gated<S>;
    fn layer(&self, inner: S) -> Gated<S> {
        Gated {
            inner,
            gate: self.clone(),
        }
    }
}

impl<S> tower::Service<http::Request<Body>> for Gated<S>
where
    S: tower::Service<http::Request<Body>> + Clone + Send + Unpin + 'static,
    S::Future: Send,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Held<S>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Held<S> {
        let watch = request
            .uri()
            .query()
            .is_some_and(|q| q.contains("watch=true"));
        if !watch
            && request.method() == http::Method::GET
            && request.uri().path().ends_with("/widgets")
        {
            self.gate.lists.fetch_add(1, Ordering::SeqCst);
        }
        let gate = self.gate.clone();
        Held {
            wait: Box::pin(async move {
                while watch && gate.closed.load(Ordering::SeqCst) {
                    let opened = gate.opened.notified();
                    if !gate.closed.load(Ordering::SeqCst) {
                        break;
                    }
                    opened.await;
                }
            }),
            inner: self.inner.clone(),
            request: Some(request),
            call: None,
        }
    }
}

/// A request waiting at the gate, then in the inner service.
struct Held<S: tower::Service<http::Request<Body>>> {
    wait: Pin<Box<dyn Future<Output = ()> + Send>>,
    inner: S,
    request: Option<http::Request<Body>>,
    call: Option<Pin<Box<S::Future>>>,
}

impl<S> Future for Held<S>
where
    S: tower::Service<http::Request<Body>> + Unpin,
{
    type Output = Result<S::Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.call.is_none() {
            if this.wait.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let Some(request) = this.request.take() else {
                return Poll::Pending;
            };
            this.call = Some(Box::pin(this.inner.call(request)));
        }
        match this.call.as_mut() {
            Some(call) => call.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

fn body(name: &str, replicas: i64) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"color": "blue", "replicas": replicas},
    }))
    .unwrap()
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_stays_in_sync_through_compaction() {
    let store = Arc::new(MemoryStore::new());
    let gate = Gate::default();
    let server = Server::builder()
        .store(store.clone())
        .resource::<Widget>()
        .watch_window(8)
        .compaction(None)
        .layer(gate.clone())
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));

    let client =
        Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap())).unwrap();
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let api: Api<DynamicObject> = Api::namespaced_with(client, "default", &resource);
    for name in ["w0", "w1", "w2"] {
        api.create(&PostParams::default(), &body(name, 1))
            .await
            .unwrap();
    }

    let writer = reflector::store::Writer::<DynamicObject>::new(resource.clone());
    let reader = writer.as_reader();
    let stream = reflector(
        writer,
        watcher(api.clone(), watcher::Config::default().timeout(1)),
    )
    .default_backoff()
    .for_each(|_| async {});
    tokio::spawn(stream);
    let names = |r: &reflector::Store<DynamicObject>| {
        let mut n: Vec<String> = r
            .state()
            .iter()
            .map(|o| o.metadata.name.clone().unwrap())
            .collect();
        n.sort();
        n
    };
    eventually("the initial list", || names(&reader) == ["w0", "w1", "w2"]).await;

    // Live changes.
    api.create(&PostParams::default(), &body("w3", 1))
        .await
        .unwrap();
    api.delete("w1", &DeleteParams::default()).await.unwrap();
    eventually("live changes", || names(&reader) == ["w0", "w2", "w3"]).await;

    assert_eq!(
        gate.lists.load(Ordering::SeqCst),
        1,
        "one list, then watches"
    );

    // Hold the next watch, let the current one time out, then write more than the hub's
    // window and compact: the held watch resumes from an expired revision.
    gate.closed.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for i in 0..20 {
        api.patch(
            "w0",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": i}})),
        )
        .await
        .unwrap();
    }
    api.delete("w2", &DeleteParams::default()).await.unwrap();
    api.create(&PostParams::default(), &body("w4", 1))
        .await
        .unwrap();
    store
        .compact(store.current_revision().await.unwrap())
        .await
        .unwrap();
    gate.closed.store(false, Ordering::SeqCst);
    gate.opened.notify_waiters();

    eventually("the state after the relist", || {
        names(&reader) == ["w0", "w3", "w4"]
            && reader.state().iter().any(|o| {
                o.metadata.name.as_deref() == Some("w0") && o.data["spec"]["replicas"] == 19
            })
    })
    .await;
    assert_eq!(
        gate.lists.load(Ordering::SeqCst),
        2,
        "the expired watch made the client re-list"
    );
}

/// A running `widgets-server` process, killed on drop.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(addr: std::net::SocketAddr, dir: &std::path::Path) -> ServerProcess {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .args([
            "--store",
            "embedded",
            "--listen",
            &addr.to_string(),
            "--data-dir",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "widgets-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    ServerProcess(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_stays_in_sync_through_a_server_restart() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let dir = std::env::temp_dir().join(format!("krest-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = start_server(addr, &dir);
    let client =
        Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap())).unwrap();
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let api: Api<DynamicObject> = Api::namespaced_with(client, "default", &resource);
    api.create(&PostParams::default(), &body("before", 1))
        .await
        .unwrap();

    let writer = reflector::store::Writer::<DynamicObject>::new(resource.clone());
    let reader = writer.as_reader();
    let stream = reflector(writer, watcher(api.clone(), watcher::Config::default()))
        .default_backoff()
        .for_each(|_| async {});
    tokio::spawn(stream);
    let names = |r: &reflector::Store<DynamicObject>| {
        let mut n: Vec<String> = r
            .state()
            .iter()
            .map(|o| o.metadata.name.clone().unwrap())
            .collect();
        n.sort();
        n
    };
    eventually("the initial list", || names(&reader) == ["before"]).await;

    drop(server);
    let _server = start_server(addr, &dir);
    api.create(&PostParams::default(), &body("after", 1))
        .await
        .unwrap();
    api.delete("before", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the state after the restart", || {
        names(&reader) == ["after"]
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// kube-rs's watcher with streaming lists (`sendInitialEvents`) after a write to another kind:
/// the initial events arrive at once instead of the server's 504 for a watch cache that never
/// catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_list_watcher_after_another_kind_changed() {
    let server = Server::builder()
        .resource::<Widget>()
        .resource::<krest_example_widgets::Gadget>()
        .namespaces()
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));
    let client =
        Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap())).unwrap();
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);
    api.create(&PostParams::default(), &body("a", 1))
        .await
        .unwrap();

    let initial_names = |api: Api<DynamicObject>| async move {
        let stream = watcher(api, watcher::Config::default().streaming_lists());
        futures::pin_mut!(stream);
        let mut names = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        loop {
            let event = tokio::time::timeout_at(deadline, stream.next())
                .await
                .expect("the initial events within 3 s")
                .expect("the stream goes on")
                .expect("no watch error");
            match event {
                watcher::Event::InitApply(o) => names.push(o.metadata.name.unwrap()),
                watcher::Event::InitDone => return names,
                _ => {}
            }
        }
    };
    assert_eq!(initial_names(api.clone()).await, ["a"]);
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client);
    let other = serde_json::from_value(json!({"metadata": {"name": "other"}})).unwrap();
    namespaces
        .create(&PostParams::default(), &other)
        .await
        .unwrap();
    assert_eq!(initial_names(api).await, ["a"]);
}
