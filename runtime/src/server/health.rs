//! The operations routes: `/livez`, `/readyz`, `/healthz` (and each of their checks at
//! `/readyz/{check}`), `/version` and `/metrics`, defined once for the API server and for
//! [`Server::ops`](crate::Server::ops).
//!
//! Health answers as kube-apiserver's `healthz` package does: `ok`, or with `?verbose` one line
//! per check (`[+]ping ok`) and `readyz check passed`; a failing check makes the answer a 500
//! with every line (`[-]store failed: reason withheld`) and `readyz check failed`, whatever the
//! query. `?exclude=NAME` skips a check. The checks:
//!
//! | path | checks |
//! |---|---|
//! | `/livez` | `ping`: the process answers, whatever the store does |
//! | `/readyz` | `ping`, `store`, `shutdown` (fails once the server is shutting down) |
//! | `/healthz` | `ping`, `store` |
//!
//! `store` asks the store for its current revision, within [`STORE_TIMEOUT`]; the answer is kept
//! for [`STORE_CACHE`] so that frequent probes cost one store request a second. Reasons are
//! logged, not answered: the probes are public (see `access.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::Response;

use tokio::time::Instant;

use crate::codegen::Method;
use crate::registry::Registry;
use crate::response::Body;
use crate::route::Call;
use crate::route::CustomHandler;
use crate::server::outbound::Budget;
use crate::store::Store;

/// How long the store may take to tell its revision before it counts as unreachable
/// (kube-apiserver's `--etcd-healthcheck-timeout` default).
pub(crate) const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a store check's answer is reused.
pub(crate) const STORE_CACHE: Duration = Duration::from_secs(1);

/// The state behind the checks, one per server.
#[derive(Default)]
pub(crate) struct Health {
    shutting_down: AtomicBool,
    /// The last store check and when it ran; the lock also makes concurrent probes wait for
    /// one check instead of each asking the store.
    store: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Health {
    /// From now on `/readyz` fails: the server stops accepting connections.
    pub(crate) fn shut_down(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }

    async fn store_check(&self, store: &dyn Store) -> Result<(), String> {
        let mut last = self.store.lock().await;
        if let Some((at, result)) = &*last {
            if at.elapsed() < STORE_CACHE {
                return result.clone();
            }
        }
        let result = match tokio::time::timeout(STORE_TIMEOUT, store.current_revision()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {STORE_TIMEOUT:?}")),
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "health check: the store is unreachable");
        }
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// One check of a health path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    Ping,
    Store,
    Shutdown,
}

impl Check {
    fn name(self) -> &'static str {
        match self {
            Check::Ping => "ping",
            Check::Store => "store",
            Check::Shutdown => "shutdown",
        }
    }

    async fn run(self, health: &Health, store: &dyn Store) -> Result<(), String> {
        match self {
            Check::Ping => Ok(()),
            Check::Store => health.store_check(store).await,
            Check::Shutdown if health.shutting_down.load(Ordering::Relaxed) => {
                Err("the server is shutting down".into())
            }
            Check::Shutdown => Ok(()),
        }
    }
}

/// The health paths and their checks.
const PATHS: [(&str, &[Check]); 3] = [
    ("livez", &[Check::Ping]),
    ("readyz", &[Check::Ping, Check::Store, Check::Shutdown]),
    ("healthz", &[Check::Ping, Check::Store]),
];

fn text(code: u16, body: String) -> Response<Body> {
    let mut response = crate::response::bytes_response(code, "text/plain; charset=utf-8", body);
    response.headers_mut().insert(
        "x-content-type-options",
        http::HeaderValue::from_static("nosniff"),
    );
    response
}

/// `/{name}`: every check, as kube-apiserver's `handleRootHealth` answers.
async fn root(
    health: &Health,
    store: &dyn Store,
    name: &str,
    checks: &[Check],
    call: &Call,
) -> Response<Body> {
    let query = crate::query::Query::of(call.request.uri());
    let mut excluded: Vec<String> = query.all("exclude").map(|e| e.into_owned()).collect();
    let mut lines = String::new();
    let mut failed = false;
    for check in checks {
        if excluded.iter().any(|e| e == check.name()) {
            excluded.retain(|e| e != check.name());
            lines.push_str(&format!("[+]{} excluded: ok\n", check.name()));
            continue;
        }
        match check.run(health, store).await {
            Ok(()) => lines.push_str(&format!("[+]{} ok\n", check.name())),
            Err(_) => {
                failed = true;
                lines.push_str(&format!("[-]{} failed: reason withheld\n", check.name()));
            }
        }
    }
    if !excluded.is_empty() {
        excluded.sort();
        excluded.dedup();
        let quoted: Vec<String> = excluded.iter().map(|e| crate::auth::go_quote(e)).collect();
        lines.push_str(&format!(
            "warn: some health checks cannot be excluded: no matches for {}\n",
            quoted.join(",")
        ));
    }
    if failed {
        return text(500, format!("{lines}{name} check failed\n"));
    }
    if query.get("verbose").is_none() {
        return text(200, "ok".into());
    }
    text(200, format!("{lines}{name} check passed\n"))
}

/// `/{name}/{check}`: one check, `ok` or a 500.
async fn single(
    health: &Health,
    store: &dyn Store,
    checks: &[Check],
    call: &Call,
) -> Response<Body> {
    let wanted = call.param("check").unwrap_or_default();
    let Some(check) = checks.iter().find(|c| c.name() == wanted) else {
        return crate::status::Status::path_not_found().into_response();
    };
    match check.run(health, store).await {
        Ok(()) => text(200, "ok".into()),
        Err(_) => text(500, "internal server error: reason withheld\n".into()),
    }
}

/// The operations routes of a server whose checks read `health`, and whose connections hold
/// the response bytes `write_budget` counts. `api` is the registry whose store and metrics they
/// report (for [`Server::ops`](crate::Server::ops)); `None` is the one of the server serving
/// them.
pub(crate) fn routes(
    health: Arc<Health>,
    write_budget: Arc<Budget>,
    api: Option<Arc<Registry>>,
) -> Vec<(Method, String, CustomHandler)> {
    let target = move |call: &Call| api.clone().unwrap_or_else(|| call.registry.clone());
    let mut routes: Vec<(Method, String, CustomHandler)> = Vec::new();
    for (name, checks) in PATHS {
        let (of, health_of) = (target.clone(), health.clone());
        let handler: CustomHandler = Arc::new(move |call: Call| {
            let (registry, health) = (of(&call), health_of.clone());
            Box::pin(async move { root(&health, &*registry.store, name, checks, &call).await })
        });
        routes.push((Method::Get, format!("/{name}"), handler));
        let (of, health_of) = (target.clone(), health.clone());
        let handler: CustomHandler = Arc::new(move |call: Call| {
            let (registry, health) = (of(&call), health_of.clone());
            Box::pin(async move { single(&health, &*registry.store, checks, &call).await })
        });
        routes.push((Method::Get, format!("/{name}/{{check}}"), handler));
    }
    let version: CustomHandler = Arc::new(|_call| {
        Box::pin(async { crate::response::json_response(200, &crate::version::version()) })
    });
    routes.push((Method::Get, "/version".into(), version));
    let of = target;
    let metrics: CustomHandler = Arc::new(move |call: Call| {
        let registry = of(&call);
        let text = registry
            .metrics
            .render(registry.watch_stats().1, write_budget.used());
        Box::pin(async move {
            crate::response::bytes_response(200, "text/plain; version=0.0.4; charset=utf-8", text)
        })
    });
    routes.push((Method::Get, "/metrics".into(), metrics));
    routes
}
