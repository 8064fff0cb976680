//! The etcd store: a real etcd v3 cluster, for deployments that outgrow one machine. Several
//! krest servers can share one cluster; every one of them serves every watch correctly, because
//! revisions, compare-and-swap and watches are etcd's own.

use bytes::Bytes;
use etcd_client::{
    Client, Compare, CompareOp, EventType, GetOptions, PutOptions, Txn, TxnOp, TxnOpResponse,
    WatchOptions,
};
use tokio::sync::mpsc;

use super::{
    BoxFuture, Event, EventKind, KeyValue, ListOptions, ListPage, Result, Store, StoreError,
    WatchItem, WatchStream,
};

/// How many events may wait for a reader before the stream is closed.
const WATCH_QUEUE: usize = 4096;

/// The etcd-backed [`Store`]. Keys live under a root prefix (default `/krest`), so one cluster
/// can hold several independent servers' data.
#[derive(Clone)]
pub struct EtcdStore {
    client: Client,
    root: String,
    /// For [`Store::describe`].
    endpoints: Vec<String>,
}

impl EtcdStore {
    /// Creates `key`, attached to `lease` if given.
    async fn create_with(&self, key: &str, value: Bytes, lease: Option<i64>) -> Result<u64> {
        super::check_size(&value)?;
        let full = self.full(key);
        let txn = Txn::new()
            .when([Compare::create_revision(full.clone(), CompareOp::Equal, 0)])
            .and_then([TxnOp::put(full, value.to_vec(), put_options(lease))]);
        let mut kv = self.client.kv_client();
        let response = kv.txn(txn).await.map_err(backend)?;
        if !response.succeeded() {
            return Err(StoreError::AlreadyExists);
        }
        Ok(response.header().map_or(0, |h| h.revision()) as u64)
    }

    /// Replaces `key` at revision `expected`, attached to `lease` if given (a put without one
    /// detaches the key from any lease it had).
    async fn update_with(
        &self,
        key: &str,
        value: Bytes,
        expected: u64,
        lease: Option<i64>,
    ) -> Result<u64> {
        super::check_size(&value)?;
        let full = self.full(key);
        // A write of the bytes already stored is a no-op, as in kube-apiserver's etcd3
        // store: compare first, then swap.
        match self.get(key).await? {
            None => return Err(StoreError::NotFound),
            Some(current) if current.mod_revision != expected => {
                return Err(StoreError::Conflict {
                    current: current.mod_revision,
                })
            }
            Some(current) if current.value == value => return Ok(current.mod_revision),
            Some(_) => {}
        }
        let txn = Txn::new()
            .when([Compare::mod_revision(
                full.clone(),
                CompareOp::Equal,
                expected as i64,
            )])
            .and_then([TxnOp::put(full.clone(), value.to_vec(), put_options(lease))])
            .or_else([TxnOp::get(full, None)]);
        let mut kv = self.client.kv_client();
        let response = kv.txn(txn).await.map_err(backend)?;
        if response.succeeded() {
            return Ok(response.header().map_or(0, |h| h.revision()) as u64);
        }
        match current_of(&response.op_responses()) {
            Some(current) => Err(StoreError::Conflict { current }),
            None => Err(StoreError::NotFound),
        }
    }

    /// A new lease of `ttl` (whole seconds, at least one), as kube-apiserver grants one for an
    /// Event's TTL.
    async fn lease(&self, ttl: std::time::Duration) -> Result<i64> {
        let seconds = i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX);
        let mut leases = self.client.lease_client();
        let granted = leases.grant(seconds, None).await.map_err(backend)?;
        Ok(granted.id())
    }

    /// Connects to `endpoints` (`http://127.0.0.1:2379`, ...), keeping keys under `root`.
    pub async fn connect(endpoints: &[String], root: &str) -> Result<EtcdStore> {
        let client = Client::connect(endpoints, None).await.map_err(backend)?;
        Ok(EtcdStore {
            client,
            root: root.trim_end_matches('/').to_string(),
            endpoints: endpoints.to_vec(),
        })
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.root)
    }

    fn strip(&self, key: &[u8]) -> String {
        let key = String::from_utf8_lossy(key);
        key.strip_prefix(self.root.as_str())
            .unwrap_or(&key)
            .to_string()
    }

    fn key_value(&self, kv: &etcd_client::KeyValue) -> KeyValue {
        KeyValue {
            key: self.strip(kv.key()),
            value: Bytes::copy_from_slice(kv.value()),
            mod_revision: kv.mod_revision() as u64,
        }
    }

    async fn header_revision(&self) -> Result<u64> {
        let mut kv = self.client.kv_client();
        let response = kv
            .get(self.root.clone(), Some(GetOptions::new().with_count_only()))
            .await
            .map_err(backend)?;
        Ok(response.header().map_or(0, |h| h.revision()) as u64)
    }
}

/// The first key after every key that starts with `prefix` (etcd's prefix range end).
fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

fn backend(e: etcd_client::Error) -> StoreError {
    let text = e.to_string();
    if text.contains("request is too large") {
        // A key long enough to push a value under the limit over etcd's own.
        return StoreError::TooLarge {
            size: 0,
            limit: super::MAX_VALUE_BYTES,
        };
    }
    StoreError::Backend(text)
}

/// Maps etcd's revision errors to the store's; anything else is a backend failure.
fn revision_error(e: etcd_client::Error, requested: u64, current: u64) -> StoreError {
    let text = e.to_string();
    if text.contains("compacted") {
        StoreError::Expired {
            requested,
            compacted: 0,
        }
    } else if text.contains("future revision") {
        StoreError::FutureRevision { requested, current }
    } else {
        backend(e)
    }
}

impl Store for EtcdStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KeyValue>>> {
        Box::pin(async move {
            let mut kv = self.client.kv_client();
            let response = kv.get(self.full(key), None).await.map_err(backend)?;
            Ok(response.kvs().first().map(|kv| self.key_value(kv)))
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        options: ListOptions,
    ) -> BoxFuture<'a, Result<ListPage>> {
        Box::pin(async move {
            let full_prefix = self.full(prefix);
            let start = options
                .start
                .as_deref()
                .map_or_else(|| full_prefix.clone(), |s| self.full(s));
            let mut get = GetOptions::new().with_range(prefix_end(&full_prefix));
            if options.limit > 0 {
                get = get.with_limit(options.limit as i64);
            }
            if let Some(revision) = options.revision {
                get = get.with_revision(revision as i64);
            }
            let mut kv = self.client.kv_client();
            let response = match kv.get(start, Some(get)).await {
                Ok(response) => response,
                Err(e) => {
                    let current = self.header_revision().await.unwrap_or(0);
                    return Err(revision_error(e, options.revision.unwrap_or(0), current));
                }
            };
            let revision = options
                .revision
                .unwrap_or_else(|| response.header().map_or(0, |h| h.revision()) as u64);
            let items: Vec<KeyValue> = response.kvs().iter().map(|kv| self.key_value(kv)).collect();
            let remaining = (response.count() as u64).saturating_sub(items.len() as u64);
            let next_key = (response.more() && remaining > 0)
                .then(|| items.last().map(|kv| format!("{}\u{0}", kv.key)))
                .flatten();
            Ok(ListPage {
                items,
                revision,
                next_key,
                remaining,
            })
        })
    }

    fn create<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.create_with(key, value, None))
    }

    fn create_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: std::time::Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let lease = self.lease(ttl).await?;
            self.create_with(key, value, Some(lease)).await
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.update_with(key, value, expected, None))
    }

    fn update_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: u64,
        ttl: std::time::Duration,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let lease = self.lease(ttl).await?;
            self.update_with(key, value, expected, Some(lease)).await
        })
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<(u64, KeyValue)>> {
        Box::pin(async move {
            let full = self.full(key);
            let guard = match expected {
                Some(rev) => Compare::mod_revision(full.clone(), CompareOp::Equal, rev as i64),
                None => Compare::create_revision(full.clone(), CompareOp::Greater, 0),
            };
            let txn = Txn::new()
                .when([guard])
                .and_then([
                    TxnOp::get(full.clone(), None),
                    TxnOp::delete(full.clone(), None),
                ])
                .or_else([TxnOp::get(full, None)]);
            let mut kv = self.client.kv_client();
            let response = kv.txn(txn).await.map_err(backend)?;
            let responses = response.op_responses();
            let last = responses.iter().find_map(|r| match r {
                TxnOpResponse::Get(get) => get.kvs().first().map(|kv| self.key_value(kv)),
                _ => None,
            });
            match (response.succeeded(), last) {
                (true, Some(last)) => {
                    Ok((response.header().map_or(0, |h| h.revision()) as u64, last))
                }
                (false, Some(current)) => Err(StoreError::Conflict {
                    current: current.mod_revision,
                }),
                (_, None) => Err(StoreError::NotFound),
            }
        })
    }

    fn watch<'a>(&'a self, prefix: &'a str, after: u64) -> BoxFuture<'a, Result<WatchStream>> {
        Box::pin(async move {
            let options = WatchOptions::new()
                .with_prefix()
                .with_start_revision(after as i64 + 1)
                .with_prev_key();
            let mut client = self.client.watch_client();
            let stream = client
                .watch(self.full(prefix), Some(options))
                .await
                .map_err(backend)?;
            let (mut sender, mut responses) = stream.split();
            let (tx, rx) = mpsc::channel(WATCH_QUEUE);
            let (requests, mut requested) = mpsc::channel(1);
            let store = self.clone();
            tokio::spawn(async move {
                loop {
                    let message = tokio::select! {
                        () = tx.closed() => return,
                        Some(()) = requested.recv() => {
                            // etcd answers on this stream once the watch has sent every event
                            // up to its revision (a progress notification).
                            if let Err(e) = sender.request_progress().await {
                                let _ = tx.try_send(Err(backend(e)));
                                return;
                            }
                            continue;
                        }
                        message = responses.message() => message,
                    };
                    let response = match message {
                        Ok(Some(response)) => response,
                        Ok(None) => return,
                        Err(e) => {
                            let _ = tx.try_send(Err(backend(e)));
                            return;
                        }
                    };
                    if response.canceled() {
                        let error = if response.compact_revision() > 0 {
                            StoreError::Expired {
                                requested: after,
                                compacted: response.compact_revision() as u64,
                            }
                        } else {
                            StoreError::Backend(format!(
                                "etcd canceled the watch: {}",
                                response.cancel_reason()
                            ))
                        };
                        let _ = tx.try_send(Err(error));
                        return;
                    }
                    if let Some(revision) = progress_of(&response) {
                        if tx.try_send(Ok(WatchItem::Progress(revision))).is_err() {
                            return;
                        }
                        continue;
                    }
                    for event in response.events() {
                        let Some(kv) = event.kv() else { continue };
                        let (kind, value) = match event.event_type() {
                            EventType::Put if kv.create_revision() == kv.mod_revision() => {
                                (EventKind::Added, Bytes::copy_from_slice(kv.value()))
                            }
                            EventType::Put => {
                                (EventKind::Modified, Bytes::copy_from_slice(kv.value()))
                            }
                            EventType::Delete => (
                                EventKind::Deleted,
                                event
                                    .prev_kv()
                                    .map(|p| Bytes::copy_from_slice(p.value()))
                                    .unwrap_or_default(),
                            ),
                        };
                        let event = Event {
                            kind,
                            key: store.strip(kv.key()),
                            value,
                            revision: kv.mod_revision() as u64,
                        };
                        // A reader that fell this far behind is closed, never skipped ahead.
                        if tx.try_send(Ok(WatchItem::Event(event))).is_err() {
                            return;
                        }
                    }
                }
            });
            Ok(WatchStream::new(rx, requests))
        })
    }

    fn current_revision(&self) -> BoxFuture<'_, Result<u64>> {
        Box::pin(self.header_revision())
    }

    fn describe(&self) -> String {
        format!(
            "etcd {} (keys under {})",
            self.endpoints.join(","),
            self.root
        )
    }

    fn compact(&self, revision: u64) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let mut kv = self.client.kv_client();
            match kv.compact(revision as i64, None).await {
                Ok(_) => Ok(()),
                // Compacting again to an older revision is not an error for the caller.
                Err(e) if e.to_string().contains("compacted") => Ok(()),
                Err(e) => Err(backend(e)),
            }
        })
    }
}

/// The revision of a progress notification: a response with no events that neither creates
/// nor cancels a watch (etcd's `IsProgressNotify`).
fn progress_of(response: &etcd_client::WatchResponse) -> Option<u64> {
    let revision = response.header().map_or(0, |h| h.revision());
    (response.events().is_empty()
        && !response.created()
        && !response.canceled()
        && response.compact_revision() == 0
        && revision > 0)
        .then_some(revision as u64)
}

/// The key's revision from the `get` of a failed transaction.
fn current_of(responses: &[TxnOpResponse]) -> Option<u64> {
    responses.iter().find_map(|r| match r {
        TxnOpResponse::Get(get) => get.kvs().first().map(|kv| kv.mod_revision() as u64),
        _ => None,
    })
}

/// The options of a put: attached to `lease`, if given.
fn put_options(lease: Option<i64>) -> Option<PutOptions> {
    lease.map(|id| PutOptions::new().with_lease(id))
}
