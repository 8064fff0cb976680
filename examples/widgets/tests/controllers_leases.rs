//! The built-in Lease through real clients: `kubectl apply`, `get` and `explain` of a Lease,
//! and leader election with kube-rs: two contenders run the acquire-or-renew loop a controller
//! runs (client-go's `leaderelection`, kube-rs's `kube-leader-election`), each write guarded by
//! the resourceVersion it read; exactly one leads, and the other takes over once the leader stops
//! renewing and its lease has run out.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ObjectMeta, PostParams};
use kube::Client;
use support::{start, temp_dir, Kubectl};

#[test]
fn kubectl_applies_gets_and_explains_a_lease() {
    let server = start(&["--store", "memory"]);
    let dir = temp_dir("leases");
    let k = Kubectl::new(&server, &dir);
    let manifest = |holder: &str| {
        format!(
            "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: my-controller\n  namespace: default\nspec:\n  holderIdentity: {holder}\n  leaseDurationSeconds: 15\n  renewTime: \"2026-01-02T03:04:05.123456Z\"\n"
        )
    };
    let path = dir.join("lease.yaml");
    std::fs::write(&path, manifest("pod-a")).unwrap();
    let out = k.ok(&["apply", "-f", path.to_str().unwrap()]);
    assert!(
        out.contains("lease.coordination.k8s.io/my-controller created"),
        "{out}"
    );
    // A second apply is kubectl's strategic merge patch for a kind it knows.
    std::fs::write(&path, manifest("pod-b")).unwrap();
    let out = k.ok(&["apply", "-f", path.to_str().unwrap()]);
    assert!(
        out.contains("lease.coordination.k8s.io/my-controller configured"),
        "{out}"
    );

    let table = k.ok(&["get", "leases", "-n", "default"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "HOLDER", "AGE"], "{table}");
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..2], ["my-controller", "pod-b"], "{table}");
    let holder = k.ok(&[
        "get",
        "lease",
        "my-controller",
        "-o",
        "jsonpath={.spec.holderIdentity} {.spec.renewTime}",
    ]);
    assert_eq!(holder, "pod-b 2026-01-02T03:04:05.123456Z");

    let explained = k.ok(&["explain", "leases.spec.holderIdentity"]);
    assert!(explained.contains("KIND:       Lease"), "{explained}");
    assert!(
        explained.contains("GROUP:      coordination.k8s.io"),
        "{explained}"
    );
    assert!(
        explained.contains("FIELD: holderIdentity <string>"),
        "{explained}"
    );
    let out = k.ok(&["delete", "lease", "my-controller"]);
    assert!(out.contains("deleted"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

const LEASE: &str = "widgets-controller";
/// How long a lease holds without renewal, as `leaseDurationSeconds`.
const DURATION_SECONDS: i32 = 2;
/// How often a contender tries to acquire or renew.
const RETRY: Duration = Duration::from_millis(200);
/// A leader that has not renewed for this long stops leading: shorter than the lease, as
/// client-go's `RenewDeadline`, so it stops before anyone else may take over.
const RENEW_DEADLINE: Duration = Duration::from_millis(1500);

/// One contender's view: whether it leads, and since when it has last renewed.
struct Contender {
    identity: String,
    api: Api<Lease>,
    leading: AtomicBool,
    /// Set to stop renewing (a leader that hangs or dies).
    stopped: AtomicBool,
    acquisitions: AtomicUsize,
}

impl Contender {
    /// One round of acquire-or-renew; returns whether this contender holds the lease now.
    async fn try_acquire_or_renew(&self) -> Result<bool, kube::Error> {
        let now = Timestamp::now();
        let Some(current) = self.api.get_opt(LEASE).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(LEASE.into()),
                    ..ObjectMeta::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(self.identity.clone()),
                    lease_duration_seconds: Some(DURATION_SECONDS),
                    acquire_time: Some(MicroTime(now)),
                    renew_time: Some(MicroTime(now)),
                    lease_transitions: Some(0),
                    ..LeaseSpec::default()
                }),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
                Err(e) => Err(e),
            };
        };
        let spec = current.spec.clone().unwrap_or_default();
        let mine = spec.holder_identity.as_deref() == Some(self.identity.as_str());
        let renewed = spec.renew_time.as_ref().map(|t| t.0);
        let duration = i64::from(spec.lease_duration_seconds.unwrap_or(DURATION_SECONDS));
        let expired = renewed.is_none_or(|t| {
            now.duration_since(t) > k8s_openapi::jiff::SignedDuration::from_secs(duration)
        });
        if !mine && !expired {
            return Ok(false);
        }
        let mut next = current;
        let spec = next.spec.get_or_insert_with(LeaseSpec::default);
        if !mine {
            spec.holder_identity = Some(self.identity.clone());
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        }
        spec.renew_time = Some(MicroTime(now));
        spec.lease_duration_seconds = Some(DURATION_SECONDS);
        // `replace` sends the resourceVersion read above: a write in between is a 409.
        match self.api.replace(LEASE, &PostParams::default(), &next).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Runs until stopped: leads while its renewals succeed within the renew deadline.
    async fn run(self: Arc<Self>) {
        let mut last_renewal: Option<tokio::time::Instant> = None;
        while !self.stopped.load(Ordering::SeqCst) {
            let round = tokio::time::Instant::now();
            match self.try_acquire_or_renew().await {
                Ok(true) => {
                    if !self.leading.swap(true, Ordering::SeqCst) {
                        self.acquisitions.fetch_add(1, Ordering::SeqCst);
                    }
                    last_renewal = Some(round);
                }
                Ok(false) | Err(_) => {
                    let overdue = last_renewal.is_none_or(|t| t.elapsed() > RENEW_DEADLINE);
                    if overdue {
                        self.leading.store(false, Ordering::SeqCst);
                    }
                }
            }
            tokio::time::sleep(RETRY).await;
        }
        // A stopped leader no longer renews: the lease runs out on its own.
        self.leading.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_contenders_elect_one_leader_and_take_over() {
    let server = start(&["--store", "memory"]);
    let config = kube::Config::new(format!("http://{}", server.addr).parse().unwrap());
    let client = Client::try_from(config).unwrap();
    let contenders: Vec<Arc<Contender>> = ["a", "b"]
        .iter()
        .map(|id| {
            Arc::new(Contender {
                identity: format!("contender-{id}"),
                api: Api::namespaced(client.clone(), "default"),
                leading: AtomicBool::new(false),
                stopped: AtomicBool::new(false),
                acquisitions: AtomicUsize::new(0),
            })
        })
        .collect();
    let tasks: Vec<_> = contenders
        .iter()
        .map(|c| tokio::spawn(c.clone().run()))
        .collect();
    let leaders = || {
        contenders
            .iter()
            .filter(|c| c.leading.load(Ordering::SeqCst))
            .map(|c| c.identity.clone())
            .collect::<Vec<_>>()
    };

    // Within a few rounds one leads; for three seconds (longer than the lease), it is always
    // exactly that one.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while leaders().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "nobody leads");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = leaders();
    assert_eq!(first.len(), 1, "{first:?}");
    for _ in 0..150 {
        assert_eq!(leaders(), first, "exactly one leader, the same one");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let api: Api<Lease> = Api::namespaced(client.clone(), "default");
    let lease = api.get(LEASE).await.unwrap();
    assert_eq!(
        lease.spec.as_ref().unwrap().holder_identity.as_ref(),
        Some(&first[0])
    );

    // The leader stops renewing; the other takes over only once the lease has run out.
    let leader = contenders.iter().find(|c| c.identity == first[0]).unwrap();
    let other = contenders.iter().find(|c| c.identity != first[0]).unwrap();
    leader.stopped.store(true, Ordering::SeqCst);
    let stopped_at = tokio::time::Instant::now();
    let deadline = stopped_at + Duration::from_secs(15);
    while !other.leading.load(Ordering::SeqCst) {
        assert!(tokio::time::Instant::now() < deadline, "no takeover");
        assert!(leaders().len() <= 1, "two leaders: {:?}", leaders());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let waited = stopped_at.elapsed();
    assert!(
        waited >= Duration::from_millis(1500),
        "took over after {waited:?}, before the lease ran out"
    );
    assert_eq!(leaders(), std::slice::from_ref(&other.identity));
    let lease = api.get(LEASE).await.unwrap();
    let spec = lease.spec.unwrap();
    assert_eq!(spec.holder_identity.as_ref(), Some(&other.identity));
    assert_eq!(spec.lease_transitions, Some(1));
    assert_eq!(other.acquisitions.load(Ordering::SeqCst), 1);
    assert_eq!(leader.acquisitions.load(Ordering::SeqCst), 1);

    other.stopped.store(true, Ordering::SeqCst);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("contenders stop")
            .unwrap();
    }
}
