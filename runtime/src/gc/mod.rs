//! Garbage collection by `ownerReferences`, the work of kube-controller-manager's garbage
//! collector: an object whose owners are all gone is deleted; an owner deleted with
//! `propagationPolicy: Foreground` (the `foregroundDeletion` finalizer) goes once its
//! dependents with `blockOwnerDeletion` are gone; one deleted with `Orphan` (the `orphan`
//! finalizer) goes once its reference is removed from every dependent.
//!
//! One task per server reads every object once and then follows the store's watch of the whole
//! key space, keeping [`graph::Graph`] (owner uid to dependents, and each object's owners). An
//! event queues the objects it may concern (the dependents of a deleted owner, an object with
//! owners, an owner whose deletion waits); the task then acts on each with compare-and-swap
//! writes of the current object, so a stale index never deletes what it should not. All state is
//! in the objects (finalizers and `deletionTimestamp`): a restarted server resumes.
//!
//! It lives beside `builtin/` (not inside it): it serves no kind, but uses every kind the
//! registry holds, and the deletion rules of `handlers/delete.rs`.

pub(crate) mod election;
pub(crate) mod graph;

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use self::graph::{node_of, Graph, Owner, FOREGROUND, ORPHAN};
use crate::handlers::delete::{set_propagation_finalizers, Propagation};
use crate::registry::Registry;
use crate::store::{EventKind, KeyValue, ListOptions, StoreError, WatchItem};

/// Starts the collector on `registry`'s store; it runs until the process ends, starting over
/// (after a pause) when its watch fails.
pub(crate) fn start(registry: Arc<Registry>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = Collector::new(registry.clone()).run().await {
                tracing::warn!(error = %e, "garbage collector: starting over");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

/// The collector's state for one run: its index and the objects queued for a look.
struct Collector {
    registry: Arc<Registry>,
    /// `group/plural` of each namespaced resource's store keys (`core/events`).
    namespaced: HashSet<String>,
    graph: Graph,
    queue: VecDeque<Box<str>>,
    queued: HashSet<Box<str>>,
}

impl Collector {
    fn new(registry: Arc<Registry>) -> Collector {
        let namespaced = registry
            .resources
            .iter()
            .filter(|e| e.model.namespaced())
            .map(|e| {
                let prefix = crate::stored::key(&e.model, None, "");
                prefix.trim_matches('/').to_string()
            })
            .collect();
        Collector {
            registry,
            namespaced,
            graph: Graph::default(),
            queue: VecDeque::new(),
            queued: HashSet::new(),
        }
    }

    /// Lists everything, queues what needs a look, then follows the watch.
    async fn run(&mut self) -> Result<(), StoreError> {
        let store = self.registry.store.clone();
        let mut start = None;
        let mut revision = None;
        loop {
            let page = store
                .list(
                    "/",
                    ListOptions {
                        revision,
                        limit: 1000,
                        start: start.take(),
                    },
                )
                .await?;
            revision = Some(page.revision);
            for kv in &page.items {
                self.upsert(kv);
            }
            match page.next_key {
                Some(next) => start = Some(next),
                None => break,
            }
        }
        tracing::debug!(
            objects = self.graph.len(),
            "garbage collector: read every object"
        );
        let uids: Vec<Box<str>> = self.graph.nodes.keys().cloned().collect();
        for uid in uids {
            self.enqueue_if_relevant(&uid);
        }
        let mut watch = store.watch("/", revision.unwrap_or(0)).await?;
        loop {
            tokio::select! {
                biased;
                item = watch.next() => match item {
                    Some(Ok(WatchItem::Event(event))) => {
                        let kv = KeyValue {
                            key: event.key,
                            value: event.value,
                            mod_revision: event.revision,
                        };
                        if event.kind == EventKind::Deleted {
                            self.removed(&kv.key);
                        } else {
                            self.upsert(&kv);
                        }
                    }
                    Some(Ok(WatchItem::Progress(_))) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Err(StoreError::Backend("the watch ended".into())),
                },
                () = std::future::ready(()), if !self.queue.is_empty() => {
                    if let Some(uid) = self.queue.pop_front() {
                        self.queued.remove(&uid);
                        if let Err(e) = self.process(&uid).await {
                            tracing::warn!(error = %e, %uid, "garbage collector: retrying");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            self.enqueue(uid);
                        }
                    }
                }
            }
        }
    }

    fn enqueue(&mut self, uid: Box<str>) {
        if self.queued.insert(uid.clone()) {
            self.queue.push_back(uid);
        }
    }

    /// Queues `uid` if there is anything the collector may have to do about it.
    fn enqueue_if_relevant(&mut self, uid: &str) {
        let relevant =
            self.graph.nodes.get(uid).is_some_and(|n| {
                !n.owners.is_empty() || (n.deleting && (n.foreground || n.orphan))
            });
        if relevant {
            self.enqueue(uid.into());
        }
    }

    /// Whether objects stored under `key` live in namespaces.
    fn namespaced(&self, key: &str) -> bool {
        let rest = key.strip_prefix('/').unwrap_or(key);
        // `group/plural`: up to the second slash.
        let end = rest
            .match_indices('/')
            .nth(1)
            .map_or(rest.len(), |(i, _)| i);
        self.namespaced.contains(&rest[..end])
    }

    fn upsert(&mut self, kv: &KeyValue) {
        let namespaced = self.namespaced(&kv.key);
        let Some((uid, node)) = node_of(&kv.key, namespaced, &kv.value) else {
            return;
        };
        let owners: Vec<Box<str>> = node.owners.iter().map(|o| o.uid.clone()).collect();
        let previous = self.graph.upsert(uid.clone(), node);
        // Owners waiting for their dependents: this one may have stopped blocking.
        for owner in owners
            .into_iter()
            .chain(previous.into_iter().flat_map(|p| p.owners).map(|o| o.uid))
        {
            if self
                .graph
                .nodes
                .get(&owner)
                .is_some_and(|o| o.waiting_for_dependents())
            {
                self.enqueue(owner);
            }
        }
        self.enqueue_if_relevant(&uid);
    }

    fn removed(&mut self, key: &str) {
        let Some((uid, node)) = self.graph.remove_key(key) else {
            return;
        };
        // Its dependents may be garbage now; its waiting owners may be free to go.
        for dependent in self.graph.dependents_of(&uid) {
            self.enqueue(dependent);
        }
        for owner in node.owners {
            if self
                .graph
                .nodes
                .get(&owner.uid)
                .is_some_and(|o| o.waiting_for_dependents())
            {
                self.enqueue(owner.uid);
            }
        }
    }

    /// Does what `uid`'s state asks for. Every write reads the object afresh and is a
    /// compare-and-swap, so a stale index at worst makes a write fail and the object queued
    /// again.
    async fn process(&mut self, uid: &str) -> Result<(), StoreError> {
        let Some(node) = self.graph.nodes.get(uid).cloned() else {
            return Ok(());
        };
        if node.deleting && node.orphan {
            // Orphan: take this owner out of every dependent, then let the owner go.
            for dependent in self.graph.dependents_of(uid) {
                if let Some(d) = self.graph.nodes.get(&dependent) {
                    let key = d.key.clone();
                    remove_owner_refs(&self.registry, &key, &[uid]).await?;
                }
            }
            remove_finalizer(&self.registry, &node.key, ORPHAN).await?;
            return Ok(());
        }
        if node.waiting_for_dependents() {
            // Foreground: every dependent goes (they see this owner waiting); the owner goes
            // once those that block it are gone.
            for dependent in self.graph.dependents_of(uid) {
                self.enqueue(dependent);
            }
            if !self.graph.has_blocking_dependents(uid) {
                remove_finalizer(&self.registry, &node.key, FOREGROUND).await?;
            }
        }
        if node.owners.is_empty() {
            return Ok(());
        }
        let (mut solid, mut gone) = (0, Vec::new());
        let mut waiting = false;
        for owner in &node.owners {
            match self.graph.classify(&node, &owner.uid) {
                Owner::Solid => solid += 1,
                Owner::Dangling => gone.push(&*owner.uid),
                Owner::Waiting => {
                    waiting = true;
                    gone.push(&*owner.uid);
                }
            }
        }
        if solid > 0 {
            // Some owner stays: only the references to owners that are gone (or waiting to go)
            // are removed.
            if !gone.is_empty() {
                remove_owner_refs(&self.registry, &node.key, &gone).await?;
            }
            return Ok(());
        }
        if node.deleting {
            return Ok(());
        }
        let has_dependents = !self.graph.dependents_of(uid).is_empty();
        let policy = if waiting && has_dependents {
            Propagation::Foreground
        } else if node.orphan {
            Propagation::Orphan
        } else if node.foreground {
            Propagation::Foreground
        } else {
            Propagation::Background
        };
        delete(&self.registry, &node.key, policy).await
    }
}

/// Reads `key` as stored; `None` when it is gone.
async fn read(registry: &Registry, key: &str) -> Result<Option<(KeyValue, Value)>, StoreError> {
    let Some(kv) = registry.store.get(key).await? else {
        return Ok(None);
    };
    let value: Value = serde_json::from_slice(&kv.value)
        .map_err(|e| StoreError::Backend(format!("{key} does not parse: {e}")))?;
    Ok(Some((kv, value)))
}

/// Writes `value` back over `kv` (or deletes it, when it is marked for deletion and no
/// finalizer is left). `Ok(false)` on a conflict: read again.
async fn write_back(registry: &Registry, kv: &KeyValue, value: &Value) -> Result<bool, StoreError> {
    let finalizers = crate::builtin::namespace::lifecycle::finalizers_left(value);
    let deleting = value["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|t| !t.is_null());
    let result = if deleting && !finalizers {
        registry
            .store
            .delete(&kv.key, Some(kv.mod_revision))
            .await
            .map(|_| ())
    } else {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Backend(e.to_string()))?;
        registry
            .store
            .update(&kv.key, bytes.into(), kv.mod_revision)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) | Err(StoreError::NotFound) => Ok(true),
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Applies `change` to the object at `key` until the compare-and-swap holds; nothing when the
/// object is gone or `change` leaves it as it was.
async fn edit(
    registry: &Registry,
    key: &str,
    change: impl Fn(&mut Value) -> bool,
) -> Result<(), StoreError> {
    for _ in 0..16 {
        let Some((kv, mut value)) = read(registry, key).await? else {
            return Ok(());
        };
        if !change(&mut value) {
            return Ok(());
        }
        if write_back(registry, &kv, &value).await? {
            return Ok(());
        }
    }
    Err(StoreError::Backend(format!("{key} keeps changing")))
}

/// Removes the references to `owners` from the object at `key`.
async fn remove_owner_refs(
    registry: &Registry,
    key: &str,
    owners: &[&str],
) -> Result<(), StoreError> {
    edit(registry, key, |value| {
        let Some(refs) = value["metadata"]
            .get_mut("ownerReferences")
            .and_then(Value::as_array_mut)
        else {
            return false;
        };
        let before = refs.len();
        refs.retain(|r| !owners.contains(&r["uid"].as_str().unwrap_or("")));
        if refs.len() == before {
            return false;
        }
        if refs.is_empty() {
            if let Some(meta) = value["metadata"].as_object_mut() {
                meta.remove("ownerReferences");
            }
        }
        true
    })
    .await
}

/// Removes finalizer `name` from the object at `key` (which then goes, if it was the last).
async fn remove_finalizer(registry: &Registry, key: &str, name: &str) -> Result<(), StoreError> {
    edit(registry, key, |value| {
        let Some(finalizers) = value["metadata"]
            .get_mut("finalizers")
            .and_then(Value::as_array_mut)
        else {
            return false;
        };
        let before = finalizers.len();
        finalizers.retain(|f| f != name);
        if finalizers.len() == before {
            return false;
        }
        if finalizers.is_empty() {
            if let Some(meta) = value["metadata"].as_object_mut() {
                meta.remove("finalizers");
            }
        }
        true
    })
    .await
}

/// Deletes the object at `key` with `policy`, as a DELETE with that `propagationPolicy` would:
/// marked (with the policy's finalizer) while finalizers remain, removed otherwise.
pub(crate) async fn delete(
    registry: &Registry,
    key: &str,
    policy: Propagation,
) -> Result<(), StoreError> {
    edit(registry, key, |value| {
        if value["metadata"]
            .get("deletionTimestamp")
            .is_some_and(|t| !t.is_null())
        {
            return false;
        }
        set_propagation_finalizers(value, Some(policy));
        value["metadata"]["deletionTimestamp"] = json!(crate::validation::rfc3339_now());
        value["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        true
    })
    .await
}
