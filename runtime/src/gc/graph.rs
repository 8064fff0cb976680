//! The garbage collector's index: for every stored object, its key, scope, owners and deletion
//! state, and for every owner uid, the uids of its dependents. Kept from the store's watch, so
//! that finding an owner's dependents or an object's owners is a lookup, never a scan.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

/// One reference from a dependent to an owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OwnerRef {
    pub uid: Box<str>,
    /// `blockOwnerDeletion: true`: a foreground deletion of the owner waits for this
    /// dependent.
    pub block: bool,
}

/// What the collector knows of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub key: Box<str>,
    /// Whether the object lives in a namespace (its key's fourth segment).
    pub namespaced: bool,
    pub owners: Vec<OwnerRef>,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// The `foregroundDeletion` finalizer is present.
    pub foreground: bool,
    /// The `orphan` finalizer is present.
    pub orphan: bool,
}

impl Node {
    /// The namespace segment of the key, for a namespaced object.
    pub fn namespace(&self) -> Option<&str> {
        self.namespaced
            .then(|| self.key.split('/').nth(3))
            .flatten()
    }

    /// Being deleted in the foreground: its blocking dependents go first.
    pub fn waiting_for_dependents(&self) -> bool {
        self.deleting && self.foreground
    }
}

/// The metadata the collector reads of a stored object; the rest is skipped unparsed.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    metadata: Meta,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Meta {
    uid: Option<String>,
    deletion_timestamp: Option<serde::de::IgnoredAny>,
    finalizers: Vec<String>,
    owner_references: Vec<StoredRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRef {
    #[serde(default)]
    uid: String,
    #[serde(default)]
    block_owner_deletion: Option<bool>,
}

/// The collector's members of a stored object's `metadata`, each parsed from its own text,
/// with the other members and the rest of the object stepped over unparsed (the managed
/// fields, written last, not even stepped over); `Some(None)` when one of them does not
/// parse, `None` for bytes not in the stored form (which the whole-object parse reads).
fn meta_in_place(value: &[u8]) -> Option<Option<Meta>> {
    fn read<'a, T: Deserialize<'a>>(text: &'a [u8], into: &mut T, ok: &mut bool) {
        match serde_json::from_slice(text) {
            Ok(value) => *into = value,
            Err(_) => *ok = false,
        }
    }
    let mut meta = Meta::default();
    let mut ok = true;
    crate::stored::metadata_members_but_managed(value, |member| {
        let key = member.key;
        let Some(text) = member.value().map(|at| &value[at]) else {
            return;
        };
        match key {
            b"uid" => read(text, &mut meta.uid, &mut ok),
            b"deletionTimestamp" => read(text, &mut meta.deletion_timestamp, &mut ok),
            b"finalizers" => read(text, &mut meta.finalizers, &mut ok),
            b"ownerReferences" => read(text, &mut meta.owner_references, &mut ok),
            _ => {}
        }
    })?;
    Some(ok.then_some(meta))
}

/// The `foregroundDeletion` finalizer.
pub(crate) const FOREGROUND: &str = "foregroundDeletion";
/// The `orphan` finalizer.
pub(crate) const ORPHAN: &str = "orphan";

/// Reads a stored object's uid and node; `None` when it has no uid or does not parse.
pub(crate) fn node_of(key: &str, namespaced: bool, value: &[u8]) -> Option<(Box<str>, Node)> {
    let meta = match meta_in_place(value) {
        Some(meta) => meta?,
        None => serde_json::from_slice::<Stored>(value).ok()?.metadata,
    };
    node_from(key, namespaced, meta)
}

/// An object's uid and node from its metadata.
fn node_from(key: &str, namespaced: bool, meta: Meta) -> Option<(Box<str>, Node)> {
    let uid = meta.uid.filter(|u| !u.is_empty())?;
    Some((
        uid.into_boxed_str(),
        Node {
            key: key.into(),
            namespaced,
            owners: meta
                .owner_references
                .into_iter()
                .filter(|r| !r.uid.is_empty())
                .map(|r| OwnerRef {
                    uid: r.uid.into_boxed_str(),
                    block: r.block_owner_deletion == Some(true),
                })
                .collect(),
            deleting: meta.deletion_timestamp.is_some(),
            foreground: meta.finalizers.iter().any(|f| f == FOREGROUND),
            orphan: meta.finalizers.iter().any(|f| f == ORPHAN),
        },
    ))
}

/// The index: objects by uid, dependents by owner uid, uids by key.
#[derive(Default)]
pub(crate) struct Graph {
    pub nodes: HashMap<Box<str>, Node>,
    pub dependents: HashMap<Box<str>, HashSet<Box<str>>>,
    by_key: HashMap<Box<str>, Box<str>>,
}

/// How an owner reference stands, as kube-controller-manager's garbage collector classifies it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The owner exists and is not waiting for its dependents.
    Solid,
    /// No object with that uid (in a scope that may own the dependent).
    Dangling,
    /// The owner is being deleted in the foreground.
    Waiting,
}

impl Graph {
    /// Records `node` under `uid` (replacing what the key held); returns the node it replaced.
    pub fn upsert(&mut self, uid: Box<str>, node: Node) -> Option<Node> {
        let previous = self.remove_key(&node.key);
        for owner in &node.owners {
            self.dependents
                .entry(owner.uid.clone())
                .or_default()
                .insert(uid.clone());
        }
        self.by_key.insert(node.key.clone(), uid.clone());
        self.nodes.insert(uid, node);
        previous.map(|(_, node)| node)
    }

    /// Forgets the object stored at `key`; returns its uid and node.
    pub fn remove_key(&mut self, key: &str) -> Option<(Box<str>, Node)> {
        let uid = self.by_key.remove(key)?;
        let node = self.nodes.remove(&uid)?;
        for owner in &node.owners {
            if let Some(set) = self.dependents.get_mut(&owner.uid) {
                set.remove(&uid);
                if set.is_empty() {
                    self.dependents.remove(&owner.uid);
                }
            }
        }
        Some((uid, node))
    }

    /// The uids of `owner`'s dependents.
    pub fn dependents_of(&self, owner: &str) -> Vec<Box<str>> {
        self.dependents
            .get(owner)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether `owner` still has a dependent that blocks its foreground deletion.
    pub fn has_blocking_dependents(&self, owner: &str) -> bool {
        self.dependents.get(owner).is_some_and(|set| {
            set.iter().any(|uid| {
                self.nodes
                    .get(uid)
                    .is_some_and(|d| d.owners.iter().any(|r| &*r.uid == owner && r.block))
            })
        })
    }

    /// How `dependent`'s reference to `owner` stands. A namespaced dependent's owner must be in
    /// its namespace or cluster-scoped; a cluster-scoped dependent's must be cluster-scoped.
    pub fn classify(&self, dependent: &Node, owner: &str) -> Owner {
        let Some(found) = self.nodes.get(owner) else {
            return Owner::Dangling;
        };
        let in_scope = !found.namespaced || found.namespace() == dependent.namespace();
        if !in_scope {
            Owner::Dangling
        } else if found.waiting_for_dependents() {
            Owner::Waiting
        } else {
            Owner::Solid
        }
    }

    /// How many objects the index holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: &str, owners: &[(&str, bool)]) -> Node {
        Node {
            key: key.into(),
            namespaced: key.split('/').count() > 4,
            owners: owners
                .iter()
                .map(|(uid, block)| OwnerRef {
                    uid: (*uid).into(),
                    block: *block,
                })
                .collect(),
            deleting: false,
            foreground: false,
            orphan: false,
        }
    }

    #[test]
    fn reads_the_metadata_it_needs() {
        let (uid, n) = node_of(
            "/demo/widgets/default/a",
            true,
            br#"{"apiVersion":"demo/v1","kind":"W","metadata":{"uid":"u1","deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["foregroundDeletion"],"ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"o1","blockOwnerDeletion":true},{"uid":"o2"}]},"spec":{"big":[1,2,3]}}"#,
        )
        .unwrap();
        assert_eq!(&*uid, "u1");
        assert!(n.deleting && n.foreground && !n.orphan);
        assert_eq!(n.owners.len(), 2);
        assert!(n.owners[0].block && !n.owners[1].block);
        assert_eq!(n.namespace(), Some("default"));
        assert!(node_of("/k", false, b"{\"metadata\":{}}").is_none());
    }

    /// Reading the collector's members in place agrees with parsing the whole object, and
    /// bytes it cannot read in place are parsed whole.
    #[test]
    fn metadata_read_in_place_agrees_with_the_parser() {
        let objects = [
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"annotations":{"note":"\"uid\":\"fake\",}]"},"creationTimestamp":"2026-01-01T00:00:00Z","finalizers":["orphan","x"],"labels":{"a":"b"},"managedFields":[{"apiVersion":"demo/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:ports":{"k:{\"name\":\"}\"}":{}}}},"manager":"m","operation":"Update","time":"2026-01-01T00:00:00Z"}],"name":"a","namespace":"default","ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"o1"}],"uid":"u1"},"spec":{"uid":"not-this"}}"#,
            // The managed fields last, as the server writes them, and as the typed ObjectMeta
            // (the namespace controller's) has them.
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","finalizers":["x"],"name":"a","namespace":"default","ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"o2"}],"uid":"u8","managedFields":[{"apiVersion":"demo/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}},"manager":"m","operation":"Update"}]},"spec":{"uid":"not-this"}}"#,
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n","uid":"u9","deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["kubernetes"],"ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"o3","blockOwnerDeletion":true}],"managedFields":[{"manager":"m"}]}}"#,
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"name":"a","uid":"u2"}}"#,
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"name":"a"},"spec":{"uid":"u3"}}"#,
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"finalizers":null,"uid":"u4"}}"#,
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"deletionTimestamp":null,"uid":"u5"}}"#,
            r#"{"apiVersion":"demo/v1","kind":"W","metadata":{}}"#,
        ];
        for object in objects {
            let bytes = object.as_bytes();
            let parsed: Option<Stored> = serde_json::from_slice(bytes).ok();
            let whole = parsed.and_then(|s| node_from("/k", false, s.metadata));
            let in_place =
                meta_in_place(bytes).unwrap_or_else(|| panic!("not read in place: {object}"));
            assert_eq!(
                in_place.and_then(|m| node_from("/k", false, m)),
                whole,
                "{object}"
            );
        }
        // Spaces, or a key with escapes: not read in place, parsed whole.
        for (object, uid) in [
            (
                r#"{"apiVersion":"demo/v1","kind":"W","metadata":{ "uid":"u6"}}"#,
                "u6",
            ),
            (
                r#"{"apiVersion":"demo/v1","kind":"W","metadata":{"u\u0069d":"u7"}}"#,
                "u7",
            ),
        ] {
            assert!(meta_in_place(object.as_bytes()).is_none(), "{object}");
            let (found, _) = node_of("/k", false, object.as_bytes()).unwrap();
            assert_eq!(&*found, uid);
        }
    }

    #[test]
    fn dependents_follow_upserts_and_removals() {
        let mut g = Graph::default();
        g.upsert("o".into(), node("/g/owners/o", &[]));
        g.upsert("d1".into(), node("/g/deps/default/d1", &[("o", true)]));
        g.upsert(
            "d2".into(),
            node("/g/deps/default/d2", &[("o", false), ("x", false)]),
        );
        let mut deps = g.dependents_of("o");
        deps.sort();
        assert_eq!(deps, vec!["d1".into(), "d2".into()] as Vec<Box<str>>);
        assert!(g.has_blocking_dependents("o"));
        // d1 loses its owner reference: no longer a dependent.
        g.upsert("d1".into(), node("/g/deps/default/d1", &[]));
        assert_eq!(g.dependents_of("o"), vec![Box::<str>::from("d2")]);
        assert!(!g.has_blocking_dependents("o"));
        let d2 = g.nodes["d2"].clone();
        assert_eq!(g.classify(&d2, "o"), Owner::Solid);
        assert_eq!(g.classify(&d2, "x"), Owner::Dangling);
        g.remove_key("/g/owners/o");
        assert_eq!(g.classify(&d2, "o"), Owner::Dangling);
        g.remove_key("/g/deps/default/d2");
        assert!(g.dependents.is_empty() && g.len() == 1);
    }

    #[test]
    fn owners_in_another_namespace_do_not_count() {
        let mut g = Graph::default();
        g.upsert("o".into(), node("/g/owners/other/o", &[]));
        g.upsert("c".into(), node("/g/clusterowners/c", &[]));
        let d = node("/g/deps/default/d", &[("o", false), ("c", false)]);
        assert_eq!(g.classify(&d, "o"), Owner::Dangling);
        assert_eq!(g.classify(&d, "c"), Owner::Solid);
        let cluster_dependent = node("/g/clusterdeps/d", &[("o", false)]);
        assert_eq!(g.classify(&cluster_dependent, "o"), Owner::Dangling);
    }
}
