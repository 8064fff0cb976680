//! kube-rs' metadata API against a real `widgets-server`: `get_metadata`, `list_metadata`,
//! `watch_metadata`, `patch_metadata` and `kube::runtime::metadata_watcher`, which ask for
//! `PartialObjectMetadata` (`Accept: application/json;as=PartialObjectMetadata[List];
//! g=meta.k8s.io;v=v1`). kube-rs would also accept a whole object here, so every answer is
//! checked to be the `meta.k8s.io/v1` form.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt, TryStreamExt};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind, PartialObjectMeta};
#[allow(deprecated)]
use kube::runtime::watcher::{self, metadata_watcher};
use kube::Client;
use serde_json::json;

struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> ServerProcess {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .args(["--store", "memory", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "widgets-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    ServerProcess { child, addr }
}

fn widgets(server: &ServerProcess) -> Api<DynamicObject> {
    let config = kube::Config::new(format!("http://{}", server.addr).parse().unwrap());
    let client = Client::try_from(config).unwrap();
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    Api::namespaced_with(client, "default", &resource)
}

fn widget(name: &str, color: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name, "labels": {"color": color}, "annotations": {"note": "kept"}},
        "spec": {"color": color, "replicas": 1},
    }))
    .unwrap()
}

/// The answer is a `meta.k8s.io/v1` `PartialObjectMetadata`, not the object.
fn assert_partial(meta: &PartialObjectMeta<DynamicObject>) {
    let types = meta.types.as_ref().expect("apiVersion and kind");
    assert_eq!(
        (types.api_version.as_str(), types.kind.as_str()),
        ("meta.k8s.io/v1", "PartialObjectMetadata"),
        "{meta:?}"
    );
}

/// The next item of `stream`, within 10 s.
async fn next<S: Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event within 10 s")
        .expect("the stream goes on")
}

#[tokio::test]
async fn get_list_patch_and_watch_metadata() {
    let server = start();
    let api = widgets(&server);
    let pp = PostParams::default();
    let created = api.create(&pp, &widget("one", "red")).await.unwrap();
    api.create(&pp, &widget("two", "blue")).await.unwrap();

    let meta = api.get_metadata("one").await.unwrap();
    assert_partial(&meta);
    assert_eq!(meta.metadata, created.metadata, "the whole ObjectMeta");
    assert!(api.get_metadata_opt("none").await.unwrap().is_none());

    let list = api.list_metadata(&ListParams::default()).await.unwrap();
    let names: Vec<_> = list
        .items
        .iter()
        .map(|m| m.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["one", "two"]);
    list.items.iter().for_each(assert_partial);
    assert!(list.metadata.resource_version.is_some());
    // Pages, with their list metadata.
    let page = api
        .list_metadata(&ListParams::default().limit(1))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.metadata.remaining_item_count, Some(1));
    let token = page.metadata.continue_.clone().expect("a continue token");
    let rest = api
        .list_metadata(&ListParams::default().limit(1).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(rest.items[0].metadata.name.as_deref(), Some("two"));
    let blue = api
        .list_metadata(&ListParams::default().labels("color=blue"))
        .await
        .unwrap();
    assert_eq!(blue.items.len(), 1);

    let patched = api
        .patch_metadata(
            "two",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"tier": "gold"}}})),
        )
        .await
        .unwrap();
    assert_partial(&patched);
    assert_eq!(
        patched.metadata.labels.as_ref().unwrap()["tier"],
        "gold".to_string()
    );

    // From "0": the current objects, then the changes.
    let wp = WatchParams::default().timeout(20);
    let mut events = api.watch_metadata(&wp, "0").await.unwrap().boxed();
    for name in ["one", "two"] {
        match next(&mut events).await.unwrap() {
            WatchEvent::Added(meta) => {
                assert_partial(&meta);
                assert_eq!(meta.metadata.name.as_deref(), Some(name));
            }
            other => panic!("expected ADDED {name}, got {other:?}"),
        }
    }
    api.delete("one", &DeleteParams::default()).await.unwrap();
    match next(&mut events).await.unwrap() {
        WatchEvent::Deleted(meta) => {
            assert_partial(&meta);
            assert_eq!(meta.metadata.name.as_deref(), Some("one"));
            assert_eq!(meta.metadata.annotations.unwrap()["note"], "kept");
        }
        other => panic!("expected DELETED, got {other:?}"),
    }
}

/// Metadata events, as both of kube-rs' metadata watchers produce them.
type Events = futures::stream::BoxStream<
    'static,
    Result<watcher::Event<PartialObjectMeta<DynamicObject>>, watcher::Error>,
>;

/// Runs `watch` (started after widget `before` exists) through its initial state, then an
/// add, a label change and a delete of widget `w`, each in metadata form.
async fn add_change_delete(watch: impl FnOnce(Api<DynamicObject>) -> Events) {
    let server = start();
    let api = widgets(&server);
    api.create(&PostParams::default(), &widget("before", "red"))
        .await
        .unwrap();
    let mut events = watch(api.clone());

    // The initial state: a list, or the initial events of a streaming list.
    let mut initial = Vec::new();
    loop {
        match next(&mut events).await.unwrap() {
            watcher::Event::Init => {}
            watcher::Event::InitApply(meta) => {
                assert_partial(&meta);
                initial.push(meta.metadata.name.unwrap());
            }
            watcher::Event::InitDone => break,
            other => panic!("unexpected {other:?} before the initial state is done"),
        }
    }
    assert_eq!(initial, ["before"]);

    // Then the watch.
    api.create(&PostParams::default(), &widget("w", "red"))
        .await
        .unwrap();
    let applied = next(&mut events).await.unwrap();
    let watcher::Event::Apply(meta) = applied else {
        panic!("expected the add, got {applied:?}");
    };
    assert_partial(&meta);
    assert_eq!(meta.metadata.name.as_deref(), Some("w"));

    api.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"color": "green"}}})),
    )
    .await
    .unwrap();
    let changed = next(&mut events).await.unwrap();
    let watcher::Event::Apply(meta) = changed else {
        panic!("expected the label change, got {changed:?}");
    };
    assert_partial(&meta);
    assert_eq!(meta.metadata.labels.unwrap()["color"], "green");

    api.delete("w", &DeleteParams::default()).await.unwrap();
    let deleted = next(&mut events).await.unwrap();
    let watcher::Event::Delete(meta) = deleted else {
        panic!("expected the delete, got {deleted:?}");
    };
    assert_partial(&meta);
    assert_eq!(meta.metadata.name.as_deref(), Some("w"));

    // Nothing else was seen, errors included.
    let rest = tokio::time::timeout(Duration::from_millis(300), events.try_next()).await;
    assert!(rest.is_err(), "no more events: {rest:?}");
}

/// `metadata_watcher`: `list_metadata`, then `watch_metadata` from the list's revision.
#[tokio::test]
async fn metadata_watcher_sees_an_add_a_label_change_and_a_delete() {
    // Deprecated in kube 5 for the watcher below, and still what existing code calls.
    #[allow(deprecated)]
    add_change_delete(|api| metadata_watcher(api, watcher::Config::default()).boxed()).await;
}

/// kube 5's replacement, `watcher` on `Api<PartialObjectMeta<_>>`, here with a streaming list:
/// the initial state comes as watch events, ended by a metadata-form bookmark.
#[tokio::test]
async fn partial_object_meta_watcher_with_a_streaming_list() {
    add_change_delete(|api| {
        let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
        let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
        let api: Api<PartialObjectMeta<DynamicObject>> =
            Api::namespaced_with(api.into_client(), "default", &resource);
        watcher::watcher(api, watcher::Config::default().streaming_lists()).boxed()
    })
    .await;
}
