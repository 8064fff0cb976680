//! Which versions a kind's objects are stored in, and the storage version migration.
//!
//! kube-apiserver records, in a CRD's `status.storedVersions`, every version that was the
//! storage version when an object was written, and kube-storage-version-migrator rewrites
//! every object in the current storage version so that older versions can be dropped. krest
//! has no CRD objects, and reads the answer from the store itself: the `apiVersion` each
//! stored object was written with. That is exact, whatever happened (a restart with another
//! storage version, objects restored from a backup), and costs one scan of the kind's keys
//! when asked. Served at:
//!
//! - `GET /krest/storage`: every kind, `{"items": [{"group", "resource", "storageVersion",
//!   "storedVersions"}]}`;
//! - `GET /krest/storage/{group}/{resource}` (`core` for the core group): one kind;
//! - `POST /krest/storage/{group}/{resource}/migrate`: reads every object of the kind and
//!   writes back, unchanged, each stored in another version than the storage version,
//!   converted to it (`conversion.rs`) by the version it was stored in, with
//!   compare-and-swap on its revision (a write that races with it is read again, never
//!   overwritten). Objects already in the storage version are not written: a migration that
//!   stopped half way resumes by running it again. Answers the counts and the stored versions
//!   after it.
//!
//! Authorization sees them as non-resource URLs (verbs `get`, and `post` for the migration).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::codegen::{Method, ResourceModel};
use crate::registry::{Registry, ResourceEntry};
use crate::route::{Call, CustomHandler};
use crate::status::Status;
use crate::store::{ListOptions, StoreError};

/// How many keys a scan reads at a time.
const PAGE: u64 = 500;

/// How often a migration reads an object again after a concurrent write, before giving up.
const RETRIES: usize = 8;

/// The versions one kind's objects are stored in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredVersions {
    /// The API group; empty for the core group.
    pub group: String,
    /// The resource (plural).
    pub resource: String,
    /// The version objects are written in now.
    pub storage_version: String,
    /// Every version some stored object was written in, sorted (`status.storedVersions`).
    pub stored_versions: Vec<String>,
}

/// What a storage version migration did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Migration {
    /// The kind's stored versions after the migration.
    #[serde(flatten)]
    pub versions: StoredVersions,
    /// How many objects were read.
    pub examined: u64,
    /// How many were written back in the storage version.
    pub rewritten: u64,
}

/// The versions of one kind registered in a server: every entry of the same group and plural.
struct Kind<'a> {
    entries: Vec<&'a ResourceEntry>,
}

impl Kind<'_> {
    fn model(&self) -> &ResourceModel {
        &self.entries[0].model
    }

    /// The storage version's name.
    fn storage_version(&self) -> &str {
        let model = self.model();
        model.storage_version.as_deref().unwrap_or(&model.version)
    }

    /// The prefix of every key of the kind.
    fn prefix(&self) -> String {
        crate::stored::key(self.model(), None, "")
    }
}

/// The kinds of `registry`, each once, in registration order. Kinds stored as another kind's
/// objects (`cohabit.rs`) are that kind's business.
fn kinds(registry: &Registry) -> Vec<Kind<'_>> {
    let mut kinds: Vec<Kind<'_>> = Vec::new();
    for entry in &registry.resources {
        if crate::cohabit::of(&entry.model).is_some() {
            continue;
        }
        match kinds.iter_mut().find(|k| {
            k.model().group == entry.model.group && k.model().plural == entry.model.plural
        }) {
            Some(kind) => kind.entries.push(entry),
            None => kinds.push(Kind {
                entries: vec![entry],
            }),
        }
    }
    kinds
}

/// The version of a stored `apiVersion` (`fleet.krest.dev/v1beta1` -> `v1beta1`).
fn version_of(api_version: &str) -> &str {
    api_version.rsplit('/').next().unwrap_or(api_version)
}

/// The `apiVersion` stored objects hold.
fn stored_api_version(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "apiVersion")]
        api_version: Option<String>,
    }
    serde_json::from_slice::<Head>(bytes).ok()?.api_version
}

/// The stored versions of `kind`, by a scan of its keys.
async fn scan(registry: &Registry, kind: &Kind<'_>) -> Result<StoredVersions, Status> {
    let prefix = kind.prefix();
    let mut versions = BTreeSet::new();
    let mut options = ListOptions {
        limit: PAGE,
        ..ListOptions::default()
    };
    loop {
        let page = registry.store.list(&prefix, options.clone()).await?;
        for kv in &page.items {
            if let Some(api_version) = stored_api_version(&kv.value) {
                versions.insert(version_of(&api_version).to_string());
            }
        }
        match page.next_key {
            Some(next) => {
                options.revision = Some(page.revision);
                options.start = Some(next);
            }
            None => break,
        }
    }
    Ok(StoredVersions {
        group: kind.model().group.to_string(),
        resource: kind.model().plural.to_string(),
        storage_version: kind.storage_version().to_string(),
        stored_versions: versions.into_iter().collect(),
    })
}

impl Registry {
    /// The versions every kind's objects are stored in.
    pub async fn stored_versions(&self) -> Result<Vec<StoredVersions>, Status> {
        let mut all = Vec::new();
        for kind in kinds(self) {
            all.push(scan(self, &kind).await?);
        }
        Ok(all)
    }

    /// Rewrites every object of the kind `group`/`resource` stored in another version than its
    /// storage version in the storage version (see the module's documentation).
    pub async fn migrate_storage(&self, group: &str, resource: &str) -> Result<Migration, Status> {
        let kinds = kinds(self);
        let kind = find(&kinds, group, resource)?;
        let storage_version = kind.storage_version().to_string();
        let prefix = kind.prefix();
        let (mut examined, mut rewritten) = (0, 0);
        let mut options = ListOptions {
            limit: PAGE,
            ..ListOptions::default()
        };
        loop {
            let page = self.store.list(&prefix, options.clone()).await?;
            for kv in page.items {
                examined += 1;
                let key = kv.key.clone();
                if self.rewrite(kind, &storage_version, &key, Some(kv)).await? {
                    rewritten += 1;
                }
            }
            match page.next_key {
                // Each page is read at the newest revision: what the previous pages rewrote
                // is behind the key the next one starts from.
                Some(next) => options.start = Some(next),
                None => break,
            }
        }
        Ok(Migration {
            versions: scan(self, kind).await?,
            examined,
            rewritten,
        })
    }

    /// Writes the object at `key` back in the storage version unless it is stored in it;
    /// whether it was written.
    async fn rewrite(
        &self,
        kind: &Kind<'_>,
        storage_version: &str,
        key: &str,
        mut read: Option<crate::store::KeyValue>,
    ) -> Result<bool, Status> {
        for _ in 0..RETRIES {
            let kv = match read.take() {
                Some(kv) => kv,
                None => match self.store.get(key).await? {
                    Some(kv) => kv,
                    None => return Ok(false),
                },
            };
            let mut value: Value = serde_json::from_slice(&kv.value)
                .map_err(|e| Status::internal(format!("stored object {key} is corrupt: {e}")))?;
            let stored = value
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if version_of(&stored) == storage_version {
                return Ok(false);
            }
            // Converted by the version it is stored in, when that version is served and
            // converts; otherwise only relabelled, as a write through it would store it.
            let through = kind.entries.iter().find(|e| {
                e.model.version == version_of(&stored) && e.model.storage_version.is_some()
            });
            let bytes = match through {
                Some(entry) => crate::stored::encode_for_store(&value, &entry.model)?,
                None => {
                    let hub = kind.model().storage_api_version();
                    if let Some(object) = value.as_object_mut() {
                        object.insert("apiVersion".into(), Value::String(hub));
                    }
                    let mut model = kind.model().clone();
                    model.conversion = None;
                    crate::stored::encode_for_store(&value, &model)?
                }
            };
            match self.store.update(key, bytes, kv.mod_revision).await {
                Ok(_) => return Ok(true),
                // Written or deleted meanwhile: read it again.
                Err(StoreError::Conflict { .. }) => continue,
                Err(StoreError::NotFound) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        }
        Err(Status::new(
            409,
            "Conflict",
            format!("{key} kept changing while it was migrated; run the migration again"),
        ))
    }
}

fn find<'k, 'a>(
    kinds: &'k [Kind<'a>],
    group: &str,
    resource: &str,
) -> Result<&'k Kind<'a>, Status> {
    let group = if group == "core" { "" } else { group };
    kinds
        .iter()
        .find(|k| k.model().group == group && k.model().plural == resource)
        .ok_or_else(|| {
            Status::new(
                404,
                "NotFound",
                format!("the server serves no resource {resource} in group {group:?}"),
            )
        })
}

/// The routes of the module's documentation.
pub(crate) fn routes() -> Vec<(Method, String, CustomHandler)> {
    let all: CustomHandler = Arc::new(|call: Call| {
        Box::pin(async move {
            match call.registry.stored_versions().await {
                Ok(items) => {
                    crate::response::json_response(200, &serde_json::json!({"items": items}))
                }
                Err(status) => status.into_response(),
            }
        })
    });
    let one: CustomHandler = Arc::new(|call: Call| {
        Box::pin(async move {
            let answer = async {
                let (group, resource) = params(&call);
                let kinds = kinds(&call.registry);
                let kind = find(&kinds, &group, &resource)?;
                scan(&call.registry, kind).await
            };
            match answer.await {
                Ok(versions) => crate::response::json_response(200, &versions),
                Err(status) => status.into_response(),
            }
        })
    });
    let migrate: CustomHandler = Arc::new(|call: Call| {
        Box::pin(async move {
            let (group, resource) = params(&call);
            match call.registry.migrate_storage(&group, &resource).await {
                Ok(migration) => crate::response::json_response(200, &migration),
                Err(status) => status.into_response(),
            }
        })
    });
    vec![
        (Method::Get, "/krest/storage".into(), all),
        (Method::Get, "/krest/storage/{group}/{resource}".into(), one),
        (
            Method::Post,
            "/krest/storage/{group}/{resource}/migrate".into(),
            migrate,
        ),
    ]
}

fn params(call: &Call) -> (String, String) {
    (
        call.param("group").unwrap_or_default().into_owned(),
        call.param("resource").unwrap_or_default().into_owned(),
    )
}
