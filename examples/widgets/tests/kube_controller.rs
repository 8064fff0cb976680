//! A kube-rs controller against an in-process krest server: `kube::runtime::Controller`
//! reconciles Widgets through `kube::runtime::finalizer`, which adds its finalizer with a JSON
//! patch that tests `/metadata/finalizers` against null (or against the finalizers already
//! there), writes status through the status subresource, and runs its cleanup when a Widget is
//! deleted, before the object goes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use krest::Server;
use krest_example_widgets::Widget;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{finalizer, Event};
use kube::runtime::watcher;
use kube::Client;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

const FINALIZER: &str = "widgets.demo.krest.dev/cleanup";

/// What the reconciler saw and did, for the test to assert.
struct Seen {
    api: Api<DynamicObject>,
    /// Cleanups run, by object name.
    cleanups: Mutex<Vec<String>>,
    /// Cleanups wait for a permit, so that the test sees the object while it is deleting.
    cleanup_permits: Semaphore,
    applies: AtomicUsize,
    /// Every error the controller reported.
    errors: Mutex<Vec<String>>,
}

async fn reconcile(
    widget: Arc<DynamicObject>,
    seen: Arc<Seen>,
) -> Result<Action, kube::runtime::finalizer::Error<kube::Error>> {
    let api = seen.api.clone();
    finalizer(&api, FINALIZER, widget, |event| async {
        match event {
            Event::Apply(widget) => {
                seen.applies.fetch_add(1, Ordering::SeqCst);
                let name = widget.metadata.name.clone().unwrap_or_default();
                let replicas = widget.data["spec"]["replicas"].as_i64().unwrap_or(0);
                let status = json!({"status": {"phase": "Ready", "readyReplicas": replicas}});
                seen.api
                    .patch_status(&name, &PatchParams::default(), &Patch::Merge(status))
                    .await?;
                Ok(Action::await_change())
            }
            Event::Cleanup(widget) => {
                if let Ok(permit) = seen.cleanup_permits.acquire().await {
                    permit.forget();
                }
                let name = widget.metadata.name.clone().unwrap_or_default();
                seen.cleanups.lock().unwrap().push(name);
                Ok::<_, kube::Error>(Action::await_change())
            }
        }
    })
    .await
}

fn error_policy(
    _: Arc<DynamicObject>,
    error: &kube::runtime::finalizer::Error<kube::Error>,
    seen: Arc<Seen>,
) -> Action {
    seen.errors.lock().unwrap().push(format!("{error:?}"));
    Action::requeue(Duration::from_millis(200))
}

/// Polls `check` until it answers `Some`, for at most 20 seconds.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    seen: &Seen,
    mut check: impl FnMut() -> F,
) -> T {
    for _ in 0..400 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for {what}; controller errors: {:?}",
        seen.errors.lock().unwrap()
    );
}

async fn current(api: &Api<DynamicObject>, name: &str) -> Option<Value> {
    api.get_opt(name)
        .await
        .expect("GET answers")
        .map(|o| serde_json::to_value(o).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_with_finalizer_reconciles_and_cleans_up() {
    tokio::time::timeout(Duration::from_secs(90), run())
        .await
        .expect("the controller test finished in time");
}

async fn run() {
    let server = Server::builder().resource::<Widget>().build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));
    let client =
        Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap())).unwrap();
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let api: Api<DynamicObject> = Api::namespaced_with(client, "default", &resource);

    let seen = Arc::new(Seen {
        api: api.clone(),
        cleanups: Mutex::default(),
        cleanup_permits: Semaphore::new(0),
        applies: AtomicUsize::new(0),
        errors: Mutex::default(),
    });
    let controller = Controller::new_with(api.clone(), watcher::Config::default(), resource)
        .run(reconcile, error_policy, seen.clone())
        .for_each(|_| async {});
    let controller = tokio::spawn(controller);

    // A widget without finalizers: the finalizer's first patch tests the missing list
    // against null, then the reconciler writes status.
    let plain: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "plain"},
        "spec": {"color": "blue", "replicas": 3},
    }))
    .unwrap();
    api.create(&PostParams::default(), &plain).await.unwrap();
    // One that has another finalizer: the patch tests the list as it is and appends.
    let shared: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": "shared", "finalizers": ["example.com/other"]},
        "spec": {"color": "red", "replicas": 1},
    }))
    .unwrap();
    api.create(&PostParams::default(), &shared).await.unwrap();

    for (name, finalizers, replicas) in [
        ("plain", json!([FINALIZER]), 3),
        ("shared", json!(["example.com/other", FINALIZER]), 1),
    ] {
        let object = eventually(&format!("{name}'s finalizer and status"), &seen, || async {
            current(&api, name).await.filter(|o| {
                o["metadata"]["finalizers"] == finalizers && o["status"]["phase"] == "Ready"
            })
        })
        .await;
        assert_eq!(object["status"]["readyReplicas"], replicas, "{object}");
        assert_eq!(object["spec"]["replicas"], replicas, "{object}");
    }
    assert!(seen.applies.load(Ordering::SeqCst) >= 2);
    assert!(seen.cleanups.lock().unwrap().is_empty());

    // Deleting `plain`: it stays, marked for deletion, until the cleanup has run.
    api.delete("plain", &DeleteParams::default()).await.unwrap();
    let deleting = eventually("plain marked for deletion", &seen, || async {
        current(&api, "plain")
            .await
            .filter(|o| o["metadata"]["deletionTimestamp"].is_string())
    })
    .await;
    assert_eq!(deleting["metadata"]["finalizers"], json!([FINALIZER]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        current(&api, "plain").await.is_some(),
        "the object waits for its cleanup"
    );
    assert!(seen.cleanups.lock().unwrap().is_empty());
    seen.cleanup_permits.add_permits(1);
    eventually("plain deleted after its cleanup", &seen, || async {
        current(&api, "plain").await.is_none().then_some(())
    })
    .await;
    assert!(
        seen.cleanups.lock().unwrap().contains(&"plain".to_string()),
        "{:?}",
        seen.cleanups.lock().unwrap()
    );
    let gone = api.get("plain").await.unwrap_err();
    assert!(
        matches!(&gone, kube::Error::Api(status) if status.code == 404),
        "{gone:?}"
    );

    // Deleting `shared`: the cleanup removes only this controller's finalizer (a test of its
    // index, then a remove); the object waits for the other one.
    seen.cleanup_permits.add_permits(1);
    api.delete("shared", &DeleteParams::default())
        .await
        .unwrap();
    let waiting = eventually("shared's finalizer removed", &seen, || async {
        current(&api, "shared")
            .await
            .filter(|o| o["metadata"]["finalizers"] == json!(["example.com/other"]))
    })
    .await;
    assert!(waiting["metadata"]["deletionTimestamp"].is_string());
    assert!(seen
        .cleanups
        .lock()
        .unwrap()
        .contains(&"shared".to_string()));
    api.patch(
        "shared",
        &PatchParams::default(),
        &Patch::<()>::Json(
            serde_json::from_value(json!([
                {"op": "test", "path": "/metadata/finalizers/0", "value": "example.com/other"},
                {"op": "remove", "path": "/metadata/finalizers/0"},
            ]))
            .unwrap(),
        ),
    )
    .await
    .unwrap();
    eventually("shared deleted", &seen, || async {
        current(&api, "shared").await.is_none().then_some(())
    })
    .await;

    controller.abort();
}
