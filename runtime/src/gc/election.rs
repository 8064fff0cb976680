//! Which server runs the controllers (the garbage collector and the namespace controller) when
//! several share one store (krest servers on one etcd cluster): the one holding the Lease
//! `kube-system/krest-controllers`, elected the way client-go's `leaderelection` elects, with
//! compare-and-swap writes of the Lease (the built-in `coordination.k8s.io/v1` kind, written
//! straight to the store). A holder that stops renewing (it died, or lost the store) loses the
//! lease once `leaseDurationSeconds` have passed without a renewal observed by the others; a
//! leader that cannot renew within its renew deadline stops its controllers first.
//!
//! The expiry is measured on the observer's monotonic clock from when it last saw the record
//! change, as client-go does, so the servers' clocks need not agree.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::registry::Registry;
use crate::store::StoreError;
use crate::Resource as _;

/// The Lease's namespace and name.
pub(crate) const NAMESPACE: &str = "kube-system";
/// The Lease's name.
pub(crate) const NAME: &str = "krest-controllers";

/// The timing of the election.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// How long a lease holds without renewal (`--leader-elect-lease-duration`).
    pub lease: Duration,
}

impl Timing {
    /// A leader that has not renewed for this long stops its controllers: two thirds of the
    /// lease, as kube-controller-manager's 10 s of 15 s.
    fn renew_deadline(self) -> Duration {
        self.lease * 2 / 3
    }

    /// How often each server tries to acquire or renew.
    fn retry(self) -> Duration {
        (self.lease / 7).max(Duration::from_millis(50))
    }
}

/// A running election: whether this server leads, and its identity in the Lease.
pub(crate) struct Elector {
    pub identity: String,
    leading: AtomicBool,
}

impl Elector {
    /// Whether this server runs the controllers now.
    pub fn leading(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }
}

/// Starts the election; `controllers` starts the controllers when this server becomes the
/// leader and returns their tasks, which are aborted when it stops leading.
pub(crate) fn start(
    registry: Arc<Registry>,
    timing: Timing,
    controllers: impl Fn() -> Vec<tokio::task::JoinHandle<()>> + Send + 'static,
) -> Arc<Elector> {
    let elector = Arc::new(Elector {
        identity: format!("krest-{}", crate::validation::new_uid()),
        leading: AtomicBool::new(false),
    });
    let state = elector.clone();
    tokio::spawn(async move {
        let mut running: Vec<tokio::task::JoinHandle<()>> = Vec::new();
        let mut observed: Option<(String, Instant)> = None;
        let mut renewed: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let won = match round(&registry, &state.identity, timing, &mut observed).await {
                Ok(won) => won,
                Err(e) => {
                    tracing::warn!(error = %e, "controller election");
                    false
                }
            };
            if won {
                renewed = Some(now);
                if !state.leading.swap(true, Ordering::SeqCst) {
                    tracing::info!(identity = %state.identity, "leading: starting the controllers");
                    running = controllers();
                }
            } else if state.leading()
                && renewed.is_none_or(|t| t.elapsed() > timing.renew_deadline())
            {
                tracing::warn!(identity = %state.identity, "lost the lease: stopping the controllers");
                state.leading.store(false, Ordering::SeqCst);
                for task in running.drain(..) {
                    task.abort();
                }
            }
            tokio::time::sleep(timing.retry()).await;
        }
    });
    elector
}

/// One acquire-or-renew round; `observed` is the record last seen and when it was first seen.
async fn round(
    registry: &Registry,
    identity: &str,
    timing: Timing,
    observed: &mut Option<(String, Instant)>,
) -> Result<bool, StoreError> {
    let key = crate::stored::key(&crate::Lease::MODEL, Some(NAMESPACE), NAME);
    let seconds = timing.lease.as_secs().max(1);
    let now = micro_time_now();
    let Some(kv) = registry.store.get(&key).await? else {
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": NAME,
                "namespace": NAMESPACE,
                "uid": crate::validation::new_uid(),
                "creationTimestamp": crate::validation::rfc3339_now(),
            },
            "spec": {
                "holderIdentity": identity,
                "leaseDurationSeconds": seconds,
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": 0,
            },
        });
        let bytes = serde_json::to_vec(&lease).map_err(|e| StoreError::Backend(e.to_string()))?;
        return match registry.store.create(&key, bytes.into()).await {
            Ok(_) => Ok(true),
            Err(StoreError::AlreadyExists) => Ok(false),
            Err(e) => Err(e),
        };
    };
    let mut lease: Value = serde_json::from_slice(&kv.value)
        .map_err(|e| StoreError::Backend(format!("{key}: {e}")))?;
    let spec = &lease["spec"];
    let holder = spec["holderIdentity"].as_str().unwrap_or("").to_string();
    let record = format!("{holder} {}", spec["renewTime"].as_str().unwrap_or(""));
    if observed.as_ref().is_none_or(|(seen, _)| *seen != record) {
        *observed = Some((record, Instant::now()));
    }
    let held_for = observed
        .as_ref()
        .map_or(Duration::ZERO, |(_, since)| since.elapsed());
    let duration = spec["leaseDurationSeconds"]
        .as_u64()
        .map_or(timing.lease, Duration::from_secs);
    let mine = holder == identity;
    if !mine && !holder.is_empty() && held_for <= duration {
        return Ok(false);
    }
    let spec = &mut lease["spec"];
    if !mine {
        let transitions = spec["leaseTransitions"].as_i64().unwrap_or(0);
        spec["holderIdentity"] = json!(identity);
        spec["acquireTime"] = json!(now);
        spec["leaseTransitions"] = json!(transitions + 1);
    }
    spec["renewTime"] = json!(now);
    spec["leaseDurationSeconds"] = json!(seconds);
    let bytes = serde_json::to_vec(&lease).map_err(|e| StoreError::Backend(e.to_string()))?;
    match registry
        .store
        .update(&key, bytes.into(), kv.mod_revision)
        .await
    {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict { .. } | StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Now as a `metav1.MicroTime`: RFC 3339, UTC, microseconds.
fn micro_time_now() -> String {
    let now = SystemTime::now();
    let micros = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros());
    let seconds = crate::validation::rfc3339(now);
    format!("{}.{micros:06}Z", seconds.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_times_have_six_digits() {
        let t = micro_time_now();
        assert_eq!(t.len(), "2026-01-02T03:04:05.123456Z".len(), "{t}");
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn timings_follow_the_lease() {
        let t = Timing {
            lease: Duration::from_secs(15),
        };
        assert_eq!(t.renew_deadline(), Duration::from_secs(10));
        assert!(t.retry() < t.renew_deadline());
    }
}
