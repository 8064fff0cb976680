//! Events through real clients: kube-rs's `Recorder` publishes through `events.k8s.io/v1`
//! (a create, then a merge patch of the series when the same event recurs); a kube-rs watcher
//! on the new API sees them; the core `v1` API lists the same objects by involved object; and
//! `kubectl events` (which reads the core API) prints them, for all or `--for` one object.

mod support;
#[path = "support/kube.rs"]
mod support_kube;

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::Event as NewEvent;
use kube::api::{Api, ListParams, PostParams};
use kube::core::DynamicObject;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use serde_json::json;
use support::{start, temp_dir, Kubectl};

/// A reference to a Widget, as a controller makes one of the object it reconciles.
fn reference(widget: &DynamicObject) -> ObjectReference {
    ObjectReference {
        api_version: Some("demo.krest.dev/v1".into()),
        kind: Some("Widget".into()),
        name: widget.metadata.name.clone(),
        namespace: widget.metadata.namespace.clone(),
        uid: widget.metadata.uid.clone(),
        ..ObjectReference::default()
    }
}

async fn make_widget(widgets: &Api<DynamicObject>, name: &str) -> DynamicObject {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1", "kind": "Widget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"color": "blue", "replicas": 1},
    }))
    .unwrap();
    widgets
        .create(&PostParams::default(), &object)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorder_publishes_and_every_client_sees_it() {
    let server = start(&["--store", "memory"]);
    let widgets = support_kube::widgets(&server);
    let client: Client = widgets.clone().into_client();
    let blue = make_widget(&widgets, "blue").await;
    let red = make_widget(&widgets, "red").await;

    // A watcher on the new API, started before anything is published.
    let new_events: Api<NewEvent> = Api::namespaced(client.clone(), "default");
    let mut stream = watcher(new_events.clone(), watcher::Config::default())
        .applied_objects()
        .boxed();

    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "widgets-controller".into(),
            instance: Some("widgets-controller-0".into()),
        },
    );
    let scaled = Event {
        type_: EventType::Normal,
        reason: "Scaled".into(),
        note: Some("scaled to 3 replicas".into()),
        action: "Scale".into(),
        secondary: None,
    };
    recorder.publish(&scaled, &reference(&blue)).await.unwrap();
    // The same event again: kube-rs patches the series of the one it created.
    recorder.publish(&scaled, &reference(&blue)).await.unwrap();
    let failed = Event {
        type_: EventType::Warning,
        reason: "Failed".into(),
        note: Some("no capacity".into()),
        action: "Scale".into(),
        secondary: None,
    };
    recorder.publish(&failed, &reference(&red)).await.unwrap();

    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        let mut seen = Vec::new();
        while let Some(event) = stream.next().await {
            let event = event.unwrap();
            let done = event.series.as_ref().is_some_and(|s| s.count == 2);
            seen.push(event);
            if done {
                return seen;
            }
        }
        panic!("the watch ended");
    })
    .await
    .expect("the watcher sees the series");
    let last = seen.last().unwrap();
    assert_eq!(
        last.regarding.as_ref().unwrap().name.as_deref(),
        Some("blue")
    );
    assert_eq!(last.note.as_deref(), Some("scaled to 3 replicas"));
    assert_eq!(
        last.reporting_controller.as_deref(),
        Some("widgets-controller")
    );

    // The core API: the same objects, listed by involved object.
    let core: Api<CoreEvent> = Api::namespaced(client.clone(), "default");
    let about_blue = core
        .list(&ListParams::default().fields("involvedObject.name=blue,involvedObject.kind=Widget"))
        .await
        .unwrap();
    assert_eq!(about_blue.items.len(), 1, "{:?}", about_blue.items);
    let event = &about_blue.items[0];
    assert_eq!(event.reason.as_deref(), Some("Scaled"));
    assert_eq!(event.message.as_deref(), Some("scaled to 3 replicas"));
    assert_eq!(
        event.reporting_component.as_deref(),
        Some("widgets-controller")
    );
    assert_eq!(event.involved_object.uid, blue.metadata.uid);
    assert_eq!(event.series.as_ref().map(|s| s.count), Some(Some(2)));
    let warnings = core
        .list(&ListParams::default().fields("type=Warning"))
        .await
        .unwrap();
    let names: Vec<_> = warnings
        .items
        .iter()
        .map(|e| e.involved_object.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["red"]);
    let by_regarding = new_events
        .list(&ListParams::default().fields("regarding.name=red"))
        .await
        .unwrap();
    assert_eq!(by_regarding.items.len(), 1);

    // kubectl events reads the core API.
    let dir = temp_dir("events");
    let k = Kubectl::new(&server, &dir);
    let all = k.ok(&["events", "-n", "default"]);
    let header: Vec<&str> = all.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        "{all}"
    );
    assert!(all.contains("Scaled") && all.contains("Failed"), "{all}");
    // The series shows as kubectl shows a recurring event.
    assert!(all.contains("(x2 over"), "{all}");
    assert!(
        all.contains("Widget/blue") && all.contains("scaled to 3 replicas"),
        "{all}"
    );
    let for_red = k.ok(&["events", "-n", "default", "--for", "widget/red"]);
    assert!(for_red.contains("no capacity"), "{for_red}");
    assert!(!for_red.contains("Scaled"), "{for_red}");
    let warnings = k.ok(&["events", "-n", "default", "--types", "Warning"]);
    assert!(
        warnings.contains("Failed") && !warnings.contains("Scaled"),
        "{warnings}"
    );
    let table = k.ok(&["get", "events", "-n", "default"]);
    assert!(
        table.contains("Failed") && table.contains("no capacity"),
        "{table}"
    );
    // kubectl describe lists an object's events by involved object.
    let described = k.ok(&["describe", "widget", "red", "-n", "default"]);
    let events = described.split("Events:").nth(1).unwrap_or("");
    assert!(
        events.contains("Failed") && events.contains("no capacity"),
        "{described}"
    );
    assert!(!events.contains("Scaled"), "{described}");
    let explained = k.ok(&["explain", "events.involvedObject.name"]);
    assert!(explained.contains("KIND:       Event"), "{explained}");
    assert!(explained.contains("FIELD: name <string>"), "{explained}");
    let explained = k.ok(&[
        "explain",
        "events.note",
        "--api-version",
        "events.k8s.io/v1",
    ]);
    assert!(
        explained.contains("GROUP:      events.k8s.io"),
        "{explained}"
    );
    let new_api = k.ok(&["get", "events.events.k8s.io", "-n", "default", "-o", "name"]);
    assert_eq!(new_api.lines().count(), 2, "{new_api}");
    let _ = std::fs::remove_dir_all(&dir);
}
