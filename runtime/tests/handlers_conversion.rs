//! A kind whose versions differ in shape, converted by Rust code (`krest::Convert`, hub and
//! spoke), through the handlers without sockets: every read, write, list, watch and delete
//! through the older version sees its own shape, objects are stored in the storage version's,
//! and nothing either version cannot express is lost in a round trip.

#![allow(missing_docs)]

mod common;

use common::*;
use krest::conversion::ANNOTATION;
use krest::{Convert, Resource, Server, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod v1 {
    use super::*;

    /// The storage version (the hub): `class`, with a `size` and `zones` v1beta1 lacks.
    #[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[resource(
        group = "pools.krest.dev",
        version = "v1",
        namespaced,
        status = PoolStatus
    )]
    pub struct PoolSpec {
        pub class: String,
        #[serde(default)]
        pub size: i32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub zones: Vec<String>,
    }

    #[derive(JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    pub struct PoolStatus {
        #[serde(default)]
        pub phase: String,
    }
}

mod v1beta1 {
    use super::*;

    /// The older version: `className` where v1 has `class`, no `size` or `zones`, and a
    /// `note` v1 lacks.
    #[derive(Resource, JsonSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[resource(
        group = "pools.krest.dev",
        version = "v1beta1",
        kind = "Pool",
        namespaced,
        status = super::v1::PoolStatus,
        storage_version = "v1",
        conversion
    )]
    #[serde(rename_all = "camelCase")]
    pub struct PoolSpec {
        pub class_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub note: Option<String>,
    }

    impl Convert for Pool {
        type Hub = v1::Pool;

        fn into_hub(self) -> Result<v1::Pool, Status> {
            if self.spec.class_name == "platinum" {
                return Err(Status::new(
                    422,
                    "Invalid",
                    "spec.className: platinum has no v1 class",
                ));
            }
            Ok(v1::Pool {
                metadata: self.metadata,
                spec: v1::PoolSpec {
                    class: self.spec.class_name,
                    size: 0,
                    zones: Vec::new(),
                },
                status: self.status,
            })
        }

        fn from_hub(hub: v1::Pool) -> Result<Pool, Status> {
            Ok(Pool {
                metadata: hub.metadata,
                spec: PoolSpec {
                    class_name: hub.spec.class,
                    note: None,
                },
                status: hub.status,
            })
        }
    }
}

const V1: &str = "/apis/pools.krest.dev/v1/namespaces/default/pools";
const V1BETA1: &str = "/apis/pools.krest.dev/v1beta1/namespaces/default/pools";

fn server() -> Server {
    Server::builder()
        .resource::<v1::Pool>()
        .resource::<v1beta1::Pool>()
        .build()
        .expect("server builds")
}

async fn stored(server: &Server, name: &str) -> Value {
    let kv = server
        .state()
        .registry
        .store
        .get(&format!("/pools.krest.dev/pools/default/{name}"))
        .await
        .unwrap()
        .expect("stored");
    serde_json::from_slice(&kv.value).unwrap()
}

fn annotation(object: &Value) -> Option<Value> {
    object["metadata"]["annotations"][ANNOTATION]
        .as_str()
        .map(|t| serde_json::from_str(t).unwrap())
}

fn hub_pool(name: &str) -> Value {
    json!({
        "apiVersion": "pools.krest.dev/v1", "kind": "Pool",
        "metadata": {"name": name, "labels": {"app": "db"}},
        "spec": {"class": "gold", "size": 3, "zones": ["a", "b"]},
    })
}

#[tokio::test]
async fn every_read_through_the_older_version_is_converted() {
    let server = server();
    let created = json(&server, "POST", V1, hub_pool("p")).await;
    assert_eq!(created.code, 201, "{}", created.text);
    let rv = created.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let got = get(&server, &format!("{V1BETA1}/p")).await;
    assert_eq!(got.code, 200, "{}", got.text);
    assert_eq!(got.body["apiVersion"], "pools.krest.dev/v1beta1");
    assert_eq!(got.body["spec"], json!({"className": "gold"}));
    assert_eq!(got.body["metadata"]["labels"]["app"], "db");
    assert_eq!(got.body["metadata"]["resourceVersion"], rv.as_str());
    assert_eq!(
        annotation(&got.body),
        Some(json!({"spec": {"size": 3, "zones": ["a", "b"]}})),
        "{}",
        got.text
    );

    let listed = get(&server, V1BETA1).await;
    assert_eq!(listed.body["items"][0]["spec"]["className"], "gold");
    assert!(listed.body["items"][0]["spec"].get("class").is_none());

    // A change through v1 is watched through v1beta1 in its shape.
    let patched = patch(
        &server,
        &format!("{V1}/p"),
        "application/merge-patch+json",
        json!({"spec": {"class": "silver"}}),
    )
    .await;
    assert_eq!(patched.code, 200, "{}", patched.text);
    let watched = get(
        &server,
        &format!("{V1BETA1}?watch=true&resourceVersion={rv}&timeoutSeconds=1"),
    )
    .await;
    let events: Vec<Value> = watched
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{}", watched.text);
    assert_eq!(events[0]["type"], "MODIFIED");
    assert_eq!(events[0]["object"]["spec"]["className"], "silver");

    // A deletion that waits for a finalizer answers with the object, converted, and stores
    // it marked in the storage version, nothing lost.
    let finalized = patch(
        &server,
        &format!("{V1}/p"),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": ["pools.krest.dev/drain"]}}),
    )
    .await;
    assert_eq!(finalized.code, 200, "{}", finalized.text);
    let deleted = send(&server, "DELETE", &format!("{V1BETA1}/p"), &[], None).await;
    assert!(matches!(deleted.code, 200 | 202), "{}", deleted.text);
    assert_eq!(deleted.body["apiVersion"], "pools.krest.dev/v1beta1");
    assert_eq!(deleted.body["spec"]["className"], "silver");
    assert!(deleted.body["metadata"]["deletionTimestamp"].is_string());
    let hub = stored(&server, "p").await;
    assert_eq!(hub["apiVersion"], "pools.krest.dev/v1");
    assert_eq!(
        hub["spec"],
        json!({"class": "silver", "size": 3, "zones": ["a", "b"]})
    );
    assert!(hub["metadata"]["deletionTimestamp"].is_string());
}

#[tokio::test]
async fn writes_through_the_older_version_are_stored_in_the_storage_version() {
    let server = server();
    let body = json!({
        "apiVersion": "pools.krest.dev/v1beta1", "kind": "Pool",
        "metadata": {"name": "b"},
        "spec": {"className": "bronze", "note": "from the old days"},
    });
    let created = json(&server, "POST", V1BETA1, body).await;
    assert_eq!(created.code, 201, "{}", created.text);
    assert_eq!(created.body["spec"]["className"], "bronze");
    assert_eq!(created.body["spec"]["note"], "from the old days");

    let hub = stored(&server, "b").await;
    assert_eq!(hub["apiVersion"], "pools.krest.dev/v1");
    assert_eq!(hub["spec"], json!({"class": "bronze", "size": 0}));
    // What v1 cannot express is kept on the stored object ...
    assert_eq!(
        annotation(&hub),
        Some(json!({"spec": {"note": "from the old days"}}))
    );
    // ... and comes back through v1beta1, without the annotation (nothing of v1 is lost).
    let got = get(&server, &format!("{V1BETA1}/b")).await;
    assert_eq!(
        got.body["spec"],
        json!({"className": "bronze", "note": "from the old days"})
    );
    assert!(
        got.body["metadata"].get("annotations").is_none(),
        "{}",
        got.text
    );

    // A conversion's error is the answer, and nothing is stored.
    let refused = json(
        &server,
        "POST",
        V1BETA1,
        json!({"metadata": {"name": "x"}, "spec": {"className": "platinum"}}),
    )
    .await;
    assert_eq!(refused.code, 422, "{}", refused.text);
    assert_eq!(
        refused.body["message"],
        "spec.className: platinum has no v1 class"
    );
    assert_eq!(get(&server, &format!("{V1}/x")).await.code, 404);

    // So is an annotation a client broke.
    let broken = json(
        &server,
        "POST",
        V1BETA1,
        json!({"metadata": {"name": "y", "annotations": {ANNOTATION: "[1]"}},
               "spec": {"className": "gold"}}),
    )
    .await;
    assert_eq!(broken.code, 422, "{}", broken.text);
    assert_eq!(
        broken.body["details"]["causes"][0]["field"],
        format!("metadata.annotations[{ANNOTATION}]")
    );
}

#[tokio::test]
async fn a_round_trip_through_the_older_version_loses_nothing() {
    let server = server();
    let created = json(&server, "POST", V1, hub_pool("r")).await;
    assert_eq!(created.code, 201, "{}", created.text);

    // Read through v1beta1, changed there, written back with PUT.
    let mut old = get(&server, &format!("{V1BETA1}/r")).await.body;
    old["spec"]["className"] = json!("silver");
    let put = json(&server, "PUT", &format!("{V1BETA1}/r"), old).await;
    assert_eq!(put.code, 200, "{}", put.text);
    assert_eq!(put.body["spec"]["className"], "silver");

    let after = get(&server, &format!("{V1}/r")).await;
    assert_eq!(
        after.body["spec"],
        json!({"class": "silver", "size": 3, "zones": ["a", "b"]}),
        "{}",
        after.text
    );
    assert_eq!(after.body["metadata"]["labels"], json!({"app": "db"}));
    assert!(
        after.body["metadata"].get("annotations").is_none(),
        "{}",
        after.text
    );

    // A merge patch through v1beta1 keeps them too (it patches the converted object).
    let patched = patch(
        &server,
        &format!("{V1BETA1}/r"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"tier": "a"}}}),
    )
    .await;
    assert_eq!(patched.code, 200, "{}", patched.text);
    let after = get(&server, &format!("{V1}/r")).await;
    assert_eq!(after.body["spec"]["size"], 3, "{}", after.text);
    assert_eq!(after.body["spec"]["zones"], json!(["a", "b"]));
    assert_eq!(after.body["metadata"]["labels"]["tier"], "a");
}

#[test]
fn the_derive_puts_the_conversion_in_the_model() {
    assert!(<v1beta1::Pool as Resource>::MODEL.conversion.is_some());
    assert!(<v1::Pool as Resource>::MODEL.conversion.is_none());
}

async fn put_raw(server: &Server, name: &str, object: Value) {
    server
        .state()
        .registry
        .store
        .create(
            &format!("/pools.krest.dev/pools/default/{name}"),
            serde_json::to_vec(&object).unwrap().into(),
        )
        .await
        .unwrap();
}

async fn post(server: &Server, uri: &str) -> Reply {
    send(
        server,
        "POST",
        uri,
        &[("content-type", "application/json")],
        Some(b"{}".to_vec()),
    )
    .await
}

#[tokio::test]
async fn stored_versions_and_the_migration_to_the_storage_version() {
    let server = server();
    let created = json(&server, "POST", V1, hub_pool("new")).await;
    assert_eq!(created.code, 201, "{}", created.text);
    // Written when v1beta1 was the storage version.
    for (name, class) in [("old1", "bronze"), ("old2", "iron")] {
        put_raw(
            &server,
            name,
            json!({"apiVersion": "pools.krest.dev/v1beta1", "kind": "Pool",
                   "metadata": {"name": name, "namespace": "default", "uid": format!("u-{name}")},
                   "spec": {"className": class, "note": "kept"}}),
        )
        .await;
    }
    let versions = get(&server, "/krest/storage/pools.krest.dev/pools").await;
    assert_eq!(versions.code, 200, "{}", versions.text);
    assert_eq!(
        versions.body,
        json!({"group": "pools.krest.dev", "resource": "pools",
               "storageVersion": "v1", "storedVersions": ["v1", "v1beta1"]})
    );
    let all = get(&server, "/krest/storage").await;
    assert!(
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == &versions.body),
        "{}",
        all.text
    );
    let before = stored_revision(&server, "new").await;

    let migrated = post(&server, "/krest/storage/pools.krest.dev/pools/migrate").await;
    assert_eq!(migrated.code, 200, "{}", migrated.text);
    assert_eq!(migrated.body["examined"], 3);
    assert_eq!(migrated.body["rewritten"], 2);
    assert_eq!(migrated.body["storedVersions"], json!(["v1"]));

    // Converted by v1beta1's conversion, nothing lost; the object already in v1 untouched.
    let hub = stored(&server, "old1").await;
    assert_eq!(hub["apiVersion"], "pools.krest.dev/v1");
    assert_eq!(hub["spec"], json!({"class": "bronze", "size": 0}));
    assert_eq!(hub["metadata"]["uid"], "u-old1");
    assert_eq!(stored_revision(&server, "new").await, before);
    let beta = get(&server, &format!("{V1BETA1}/old1")).await;
    assert_eq!(
        beta.body["spec"],
        json!({"className": "bronze", "note": "kept"}),
        "{}",
        beta.text
    );
    assert_eq!(
        get(&server, &format!("{V1}/old2")).await.body["spec"]["class"],
        "iron"
    );

    // Run again (as after an interruption): nothing left to write.
    let again = post(&server, "/krest/storage/pools.krest.dev/pools/migrate").await;
    assert_eq!(again.body["rewritten"], 0, "{}", again.text);
    assert_eq!(again.body["examined"], 3);

    let missing = post(&server, "/krest/storage/pools.krest.dev/lakes/migrate").await;
    assert_eq!(missing.code, 404, "{}", missing.text);
    assert_eq!(missing.reason(), "NotFound");
}

async fn stored_revision(server: &Server, name: &str) -> u64 {
    server
        .state()
        .registry
        .store
        .get(&format!("/pools.krest.dev/pools/default/{name}"))
        .await
        .unwrap()
        .unwrap()
        .mod_revision
}

#[tokio::test]
async fn server_side_apply_through_the_older_version_loses_nothing() {
    let server = server();
    let created = json(&server, "POST", V1, hub_pool("a")).await;
    assert_eq!(created.code, 201, "{}", created.text);
    let applied = send(
        &server,
        "PATCH",
        &format!("{V1BETA1}/a?fieldManager=old-tool"),
        &[("content-type", "application/apply-patch+yaml")],
        Some(
            serde_json::to_vec(&json!({
                "apiVersion": "pools.krest.dev/v1beta1", "kind": "Pool",
                "metadata": {"name": "a"},
                "spec": {"className": "silver", "note": "applied"},
            }))
            .unwrap(),
        ),
    )
    .await;
    assert_eq!(applied.code, 200, "{}", applied.text);
    assert_eq!(applied.body["spec"]["className"], "silver");
    assert_eq!(applied.body["spec"]["note"], "applied");
    let after = get(&server, &format!("{V1}/a")).await;
    assert_eq!(
        after.body["spec"],
        json!({"class": "silver", "size": 3, "zones": ["a", "b"]}),
        "{}",
        after.text
    );
    let managers: Vec<&str> = after.body["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"old-tool"), "{managers:?}");
}

#[tokio::test]
async fn objects_stored_in_the_older_version_are_read_converted_before_any_migration() {
    let server = server();
    put_raw(
        &server,
        "legacy",
        json!({"apiVersion": "pools.krest.dev/v1beta1", "kind": "Pool",
               "metadata": {"name": "legacy", "namespace": "default", "uid": "u-l"},
               "spec": {"className": "copper", "note": "old"}}),
    )
    .await;
    // Through v1 (the storage version), converted by v1beta1's conversion, on every read path.
    let got = get(&server, &format!("{V1}/legacy")).await;
    assert_eq!(got.code, 200, "{}", got.text);
    assert_eq!(got.body["apiVersion"], "pools.krest.dev/v1");
    assert_eq!(
        got.body["spec"],
        json!({"class": "copper", "size": 0}),
        "{}",
        got.text
    );
    let listed = get(&server, V1).await;
    assert_eq!(listed.body["items"][0]["spec"]["class"], "copper");
    let watched = get(&server, &format!("{V1}?watch=true&timeoutSeconds=1")).await;
    let event: Value = serde_json::from_str(watched.text.lines().next().unwrap()).unwrap();
    assert_eq!(
        event["object"]["spec"]["class"], "copper",
        "{}",
        watched.text
    );
    // Through v1beta1, its own shape, as stored.
    let beta = get(&server, &format!("{V1BETA1}/legacy")).await;
    assert_eq!(
        beta.body["spec"],
        json!({"className": "copper", "note": "old"})
    );
    // A write through v1 stores it in v1, keeping what v1 cannot express.
    let patched = patch(
        &server,
        &format!("{V1}/legacy"),
        "application/merge-patch+json",
        json!({"spec": {"size": 4}}),
    )
    .await;
    assert_eq!(patched.code, 200, "{}", patched.text);
    let hub = stored(&server, "legacy").await;
    assert_eq!(hub["apiVersion"], "pools.krest.dev/v1");
    assert_eq!(hub["spec"], json!({"class": "copper", "size": 4}));
    let beta = get(&server, &format!("{V1BETA1}/legacy")).await;
    assert_eq!(
        beta.body["spec"],
        json!({"className": "copper", "note": "old"})
    );
}

/// A memory store in which a client writes the object `race` (through v1) just before the
/// migration's first compare-and-swap of it.
struct Racing {
    inner: krest::store::MemoryStore,
    raced: std::sync::atomic::AtomicBool,
}

mod racing {
    use super::Racing;
    use bytes::Bytes;
    use krest::store::{BoxFuture, KeyValue, ListOptions, ListPage, Result, Store, WatchStream};
    use std::sync::atomic::Ordering;

    impl Store for Racing {
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>> {
            self.inner.get(key)
        }
        fn list<'a>(
            &'a self,
            prefix: &'a str,
            options: ListOptions,
        ) -> BoxFuture<'a, Result<ListPage>> {
            self.inner.list(prefix, options)
        }
        fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
            self.inner.create(key, value)
        }
        fn update<'a>(
            &'a self,
            key: &'a str,
            value: Bytes,
            expected: u64,
        ) -> BoxFuture<'a, Result<u64>> {
            Box::pin(async move {
                if key.ends_with("/race") && !self.raced.swap(true, Ordering::SeqCst) {
                    let written = serde_json::json!({
                        "apiVersion": "pools.krest.dev/v1", "kind": "Pool",
                        "metadata": {"name": "race", "namespace": "default", "uid": "u-r"},
                        "spec": {"class": "written-meanwhile", "size": 9},
                    });
                    self.inner
                        .update(key, serde_json::to_vec(&written).unwrap().into(), expected)
                        .await?;
                }
                self.inner.update(key, value, expected).await
            })
        }
        fn delete<'a>(
            &'a self,
            key: &'a str,
            expected: Option<u64>,
        ) -> BoxFuture<'a, Result<(u64, KeyValue)>> {
            self.inner.delete(key, expected)
        }
        fn watch<'a>(&'a self, prefix: &'a str, after: u64) -> BoxFuture<'a, Result<WatchStream>> {
            self.inner.watch(prefix, after)
        }
        fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
            self.inner.current_revision()
        }
        fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>> {
            self.inner.compact(revision)
        }
    }
}

#[tokio::test]
async fn the_migration_never_overwrites_a_concurrent_write() {
    let store = std::sync::Arc::new(Racing {
        inner: krest::store::MemoryStore::new(),
        raced: false.into(),
    });
    let server = Server::builder()
        .store(store)
        .resource::<v1::Pool>()
        .resource::<v1beta1::Pool>()
        .build()
        .unwrap();
    put_raw(
        &server,
        "race",
        json!({"apiVersion": "pools.krest.dev/v1beta1", "kind": "Pool",
               "metadata": {"name": "race", "namespace": "default", "uid": "u-r"},
               "spec": {"className": "stale"}}),
    )
    .await;
    let migrated = post(&server, "/krest/storage/pools.krest.dev/pools/migrate").await;
    assert_eq!(migrated.code, 200, "{}", migrated.text);
    // Read again after the conflict: already in v1, so left as the other client wrote it.
    assert_eq!(migrated.body["rewritten"], 0, "{}", migrated.text);
    assert_eq!(migrated.body["storedVersions"], json!(["v1"]));
    let hub = stored(&server, "race").await;
    assert_eq!(
        hub["spec"],
        json!({"class": "written-meanwhile", "size": 9})
    );
}
