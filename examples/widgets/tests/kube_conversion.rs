//! kube-rs against `widgets-server`'s `Pool`s (`fleet.krest.dev/v1`, stored, and `v1beta1`,
//! converted by Rust code): a watcher on v1beta1 sees objects written through v1 in v1beta1's
//! shape, and a replace through v1beta1 keeps what only v1 has.

mod support;

use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher;
use kube::Client;
use serde_json::json;
use support::start;

fn pools(server: &support::ServerProcess, version: &str) -> Api<DynamicObject> {
    let config = kube::Config::new(format!("http://{}", server.addr).parse().unwrap());
    let client = Client::try_from(config).unwrap();
    let gvk = GroupVersionKind::gvk("fleet.krest.dev", version, "Pool");
    Api::namespaced_with(
        client,
        "default",
        &ApiResource::from_gvk_with_plural(&gvk, "pools"),
    )
}

#[tokio::test]
async fn a_watcher_through_the_older_version_sees_its_shape() {
    let server = start(&["--store", "memory"]);
    let (v1, v1beta1) = (pools(&server, "v1"), pools(&server, "v1beta1"));

    let mut events = watcher(v1beta1.clone(), watcher::Config::default()).boxed();
    // The initial (empty) list, before anything is written.
    let first = tokio::time::timeout(Duration::from_secs(20), events.next())
        .await
        .expect("the watcher starts");
    assert!(matches!(first, Some(Ok(watcher::Event::Init))), "{first:?}");
    let done = tokio::time::timeout(Duration::from_secs(20), events.next())
        .await
        .expect("the initial list ends");
    assert!(
        matches!(done, Some(Ok(watcher::Event::InitDone))),
        "{done:?}"
    );

    let pool: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "fleet.krest.dev/v1", "kind": "Pool",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"class": "gold", "size": 2, "zones": ["z1"]},
    }))
    .unwrap();
    v1.create(&PostParams::default(), &pool).await.unwrap();

    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match events.next().await {
                Some(Ok(watcher::Event::Apply(object))) => return object,
                Some(Ok(_)) => continue,
                other => panic!("the watch ended: {other:?}"),
            }
        }
    })
    .await
    .expect("the watcher sees the pool");
    assert_eq!(
        seen.types.as_ref().map(|t| t.api_version.as_str()),
        Some("fleet.krest.dev/v1beta1")
    );
    assert_eq!(seen.data["spec"], json!({"className": "gold"}));

    // Replaced through v1beta1 by kube-rs: v1 keeps its size and zones.
    let mut old = v1beta1.get("web").await.unwrap();
    old.data["spec"]["className"] = json!("silver");
    v1beta1
        .replace("web", &PostParams::default(), &old)
        .await
        .unwrap();
    let new = v1.get("web").await.unwrap();
    assert_eq!(
        new.data["spec"],
        json!({"class": "silver", "size": 2, "zones": ["z1"]})
    );
}
