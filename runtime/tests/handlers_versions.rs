//! Two versions of one kind, a deprecated one, selectable fields and top-level fields besides
//! `spec` and `status`, through the handlers without sockets: objects are stored in the storage
//! version and served in the version asked for, on get, list, watch and writes alike.

#![allow(missing_docs)]

mod common;

use common::*;
use krest::{Resource, Server};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod v1 {
    use super::*;

    /// The storage version, with its status subresource and a selectable field.
    #[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[resource(
        group = "pools.krest.dev",
        version = "v1",
        namespaced,
        status = PoolStatus,
        selectable_fields(".spec.class")
    )]
    pub struct PoolSpec {
        pub class: String,
        #[serde(default)]
        pub size: i32,
    }

    #[derive(JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    pub struct PoolStatus {
        #[serde(default)]
        pub phase: String,
    }
}

mod v1beta1 {
    use super::*;

    /// An older, deprecated version stored as `v1`, without `size`.
    #[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[resource(
        group = "pools.krest.dev",
        version = "v1beta1",
        kind = "Pool",
        namespaced,
        status = super::v1::PoolStatus,
        deprecated,
        storage_version = "v1"
    )]
    pub struct PoolSpec {
        pub class: String,
    }
}

/// A kind whose `status` is a plain field (no status subresource) and which has an
/// `operation` beside it, as Argo CD's Application does.
#[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[resource(
    group = "apps.krest.dev",
    version = "v1",
    namespaced,
    field(status = AppStatus),
    field(operation = Operation)
)]
pub struct AppSpec {
    pub project: String,
}

#[derive(JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppStatus {
    pub health: String,
}

#[derive(JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub initiated_by: String,
}

const V1: &str = "/apis/pools.krest.dev/v1/namespaces/default/pools";
const V1BETA1: &str = "/apis/pools.krest.dev/v1beta1/namespaces/default/pools";
const APPS: &str = "/apis/apps.krest.dev/v1/namespaces/default/apps";

fn server() -> Server {
    Server::builder()
        .resource::<v1::Pool>()
        .resource::<v1beta1::Pool>()
        .resource::<App>()
        .build()
        .expect("server builds")
}

fn pool(version: &str, name: &str, class: &str) -> Value {
    json!({
        "apiVersion": format!("pools.krest.dev/{version}"),
        "kind": "Pool",
        "metadata": {"name": name},
        "spec": {"class": class},
    })
}

fn warnings(reply: &Reply) -> Vec<&str> {
    reply
        .headers
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

#[tokio::test]
async fn objects_are_stored_in_the_storage_version_and_served_in_the_one_asked_for() {
    let server = server();
    let created = json(&server, "POST", V1BETA1, pool("v1beta1", "old", "gold")).await;
    assert_eq!(created.code, 201, "{}", created.text);
    assert_eq!(created.body["apiVersion"], "pools.krest.dev/v1beta1");
    let created = json(&server, "POST", V1, pool("v1", "new", "silver")).await;
    assert_eq!(created.code, 201, "{}", created.text);

    // The store holds both in v1.
    let stored = server
        .state()
        .registry
        .store
        .get("/pools.krest.dev/pools/default/old")
        .await
        .unwrap()
        .expect("stored");
    let stored: Value = serde_json::from_slice(&stored.value).unwrap();
    assert_eq!(stored["apiVersion"], "pools.krest.dev/v1");

    for (base, version) in [(V1, "v1"), (V1BETA1, "v1beta1")] {
        let api_version = format!("pools.krest.dev/{version}");
        for name in ["old", "new"] {
            let got = get(&server, &format!("{base}/{name}")).await;
            assert_eq!(got.code, 200, "{}", got.text);
            assert_eq!(
                got.body["apiVersion"],
                api_version.as_str(),
                "{base}/{name}"
            );
        }
        let listed = get(&server, base).await;
        assert_eq!(listed.body["apiVersion"], api_version.as_str());
        let items = listed.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert!(items
            .iter()
            .all(|i| i["apiVersion"] == api_version.as_str()));

        // Watches (the initial events here) convert too.
        let watched = get(&server, &format!("{base}?watch=true&timeoutSeconds=1")).await;
        let events: Vec<Value> = watched
            .text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(events.len(), 2, "{}", watched.text);
        assert!(events
            .iter()
            .all(|e| e["object"]["apiVersion"] == api_version.as_str()));
    }

    // A write through the older version goes through its type: the storage version's `size`,
    // which v1beta1 does not have, is dropped, as pruning drops it in kube-apiserver.
    let set = json!({"spec": {"size": 3}});
    let patched = patch(
        &server,
        &format!("{V1}/old"),
        "application/merge-patch+json",
        set,
    )
    .await;
    assert_eq!(patched.body["spec"]["size"], 3);
    let beta = patch(
        &server,
        &format!("{V1BETA1}/old"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"tier": "a"}}}),
    )
    .await;
    assert_eq!(beta.code, 200, "{}", beta.text);
    assert_eq!(beta.body["apiVersion"], "pools.krest.dev/v1beta1");
    assert_eq!(beta.body["metadata"]["labels"]["tier"], "a");
    let after = get(&server, &format!("{V1}/old")).await;
    assert_eq!(after.body["apiVersion"], "pools.krest.dev/v1");
    assert_eq!(after.body["metadata"]["labels"]["tier"], "a");
    assert!(after.body["spec"].get("size").is_none(), "{}", after.text);
}

#[tokio::test]
async fn objects_stored_in_an_earlier_storage_version_are_served_in_each_version() {
    // Written when v1beta1 was the storage version: every version still serves it as its own.
    let server = server();
    let old = serde_json::to_vec(&json!({
        "apiVersion": "pools.krest.dev/v1beta1",
        "kind": "Pool",
        "metadata": {"name": "legacy", "namespace": "default", "uid": "u-1"},
        "spec": {"class": "bronze"},
    }))
    .unwrap();
    server
        .state()
        .registry
        .store
        .create("/pools.krest.dev/pools/default/legacy", old.into())
        .await
        .unwrap();
    for (base, version) in [(V1, "v1"), (V1BETA1, "v1beta1")] {
        let api_version = format!("pools.krest.dev/{version}");
        let got = get(&server, &format!("{base}/legacy")).await;
        assert_eq!(got.body["apiVersion"], api_version.as_str(), "{}", got.text);
        assert_eq!(got.body["spec"]["class"], "bronze");
        let listed = get(&server, base).await;
        assert_eq!(listed.body["items"][0]["apiVersion"], api_version.as_str());
        let watched = send(
            &server,
            "GET",
            &format!("{base}?watch=true&timeoutSeconds=1"),
            &[],
            None,
        )
        .await;
        let event: Value = serde_json::from_str(watched.text.lines().next().unwrap()).unwrap();
        assert_eq!(event["object"]["apiVersion"], api_version.as_str());
    }
    // A write through v1 stores it in v1.
    let labelled = patch(
        &server,
        &format!("{V1}/legacy"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"moved": "yes"}}}),
    )
    .await;
    assert_eq!(labelled.code, 200, "{}", labelled.text);
    let stored = server
        .state()
        .registry
        .store
        .get("/pools.krest.dev/pools/default/legacy")
        .await
        .unwrap()
        .unwrap();
    let stored: Value = serde_json::from_slice(&stored.value).unwrap();
    assert_eq!(stored["apiVersion"], "pools.krest.dev/v1");
}

#[tokio::test]
async fn a_deprecated_version_warns_on_every_response() {
    let server = server();
    let created = json(&server, "POST", V1BETA1, pool("v1beta1", "p", "gold")).await;
    assert_eq!(
        warnings(&created),
        ["299 - \"pools.krest.dev/v1beta1 Pool is deprecated\""]
    );
    let missing = get(&server, &format!("{V1BETA1}/nope")).await;
    assert_eq!(missing.code, 404);
    assert_eq!(warnings(&missing).len(), 1);
    let current = get(&server, &format!("{V1}/p")).await;
    assert!(warnings(&current).is_empty());

    // Both versions name the same storage version in discovery.
    let v1 = get(&server, "/apis/pools.krest.dev/v1").await;
    let beta = get(&server, "/apis/pools.krest.dev/v1beta1").await;
    let hash = |list: &Value| {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "pools")
            .unwrap()["storageVersionHash"]
            .clone()
    };
    assert_eq!(hash(&v1.body), hash(&beta.body));
    assert_eq!(
        hash(&v1.body),
        <v1::Pool as Resource>::MODEL.storage_version_hash()
    );
}

#[tokio::test]
async fn selectable_fields_filter_lists_and_are_checked_per_version() {
    let server = server();
    for (name, class) in [("a", "gold"), ("b", "silver"), ("c", "gold")] {
        let created = json(&server, "POST", V1, pool("v1", name, class)).await;
        assert_eq!(created.code, 201, "{}", created.text);
    }
    let gold = get(&server, &format!("{V1}?fieldSelector=spec.class%3Dgold")).await;
    assert_eq!(gold.code, 200, "{}", gold.text);
    let names: Vec<&str> = gold.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"]);
    let not_gold = get(&server, &format!("{V1}?fieldSelector=spec.class!%3Dgold")).await;
    assert_eq!(not_gold.body["items"].as_array().unwrap().len(), 1);

    // v1beta1 declares no selectable field.
    let beta = get(
        &server,
        &format!("{V1BETA1}?fieldSelector=spec.class%3Dgold"),
    )
    .await;
    assert_eq!(beta.code, 400);
    assert_eq!(
        beta.body["message"],
        "field label not supported: spec.class"
    );
    let other = get(&server, &format!("{V1}?fieldSelector=spec.size%3D1")).await;
    assert_eq!(other.code, 400);
}

#[tokio::test]
async fn top_level_fields_are_written_and_read_with_the_object() {
    let server = server();
    let app = json!({
        "apiVersion": "apps.krest.dev/v1",
        "kind": "App",
        "metadata": {"name": "guestbook"},
        "spec": {"project": "default"},
        "status": {"health": "Healthy"},
        "operation": {"initiatedBy": "admin"},
    });
    let created = json(&server, "POST", APPS, app).await;
    assert_eq!(created.code, 201, "{}", created.text);
    assert_eq!(created.body["status"]["health"], "Healthy");
    assert_eq!(created.body["operation"]["initiatedBy"], "admin");

    // Without the status subresource, `status` is written through the object itself.
    let updated = patch(
        &server,
        &format!("{APPS}/guestbook"),
        "application/merge-patch+json",
        json!({"status": {"health": "Degraded"}, "operation": null}),
    )
    .await;
    assert_eq!(updated.code, 200, "{}", updated.text);
    let got = get(&server, &format!("{APPS}/guestbook")).await;
    assert_eq!(got.body["status"]["health"], "Degraded");
    assert!(got.body.get("operation").is_none(), "{}", got.text);
    let status = get(&server, &format!("{APPS}/guestbook/status")).await;
    assert_eq!(status.code, 404);

    // The fields are in the served schema, and typed: a wrong type is 422.
    let bad = json(
        &server,
        "POST",
        APPS,
        json!({
            "apiVersion": "apps.krest.dev/v1", "kind": "App",
            "metadata": {"name": "bad"}, "spec": {"project": "p"},
            "operation": {"initiatedBy": 7},
        }),
    )
    .await;
    assert_eq!(bad.code, 422, "{}", bad.text);
    let schema = <App as Resource>::schema();
    assert_eq!(
        schema["properties"]["operation"]["properties"]["initiatedBy"]["type"],
        "string"
    );
    assert_eq!(
        schema["properties"]["status"]["properties"]["health"]["type"],
        "string"
    );
}
