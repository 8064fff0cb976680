//! Prometheus metrics in kube-apiserver's shape: request counts and latencies by verb, group,
//! version, resource, subresource, scope and code; in-flight requests; registered watchers.
//!
//! Every label comes from a bounded set (the route table and a fixed list of codes), and the
//! hot path only increments atomics.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::codegen::{Action, ActionVerb, ResourceModel};

/// Latency buckets of `apiserver_request_duration_seconds`, in seconds.
const BUCKETS: [f64; 23] = [
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0,
    10.0, 15.0, 20.0, 30.0, 45.0, 60.0,
];

/// The codes counted one by one; any other code is counted under its class (`2xx`...).
const CODES: [u16; 24] = [
    200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429, 500,
    501, 502, 503, 504, 0,
];

struct RouteMetrics {
    labels: String,
    codes: [AtomicU64; CODES.len()],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// The server's metrics.
pub(crate) struct Metrics {
    routes: Vec<Option<RouteMetrics>>,
    in_flight: Arc<AtomicI64>,
    watchers: Arc<AtomicI64>,
}

/// Decrements a gauge when dropped.
pub(crate) struct GaugeGuard(Arc<AtomicI64>);

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Metrics for targets in router order; `None` for non-resource targets.
    pub fn new<'a>(
        targets: impl Iterator<Item = Option<(&'a ResourceModel, &'a Action)>>,
    ) -> Metrics {
        let routes = targets
            .map(|target| {
                target.map(|(model, action)| {
                    let verb = match action.verb {
                        ActionVerb::Post => "POST",
                        ActionVerb::Put => "PUT",
                        ActionVerb::Patch => "PATCH",
                        ActionVerb::Delete => "DELETE",
                        ActionVerb::DeleteCollection => "DELETECOLLECTION",
                        ActionVerb::List => "LIST",
                        ActionVerb::Get => "GET",
                        ActionVerb::Watch | ActionVerb::WatchList => "WATCH",
                        ActionVerb::Connect => "CONNECT",
                    };
                    let scope = if action.namespaced {
                        "namespace"
                    } else if action.path.contains("{name}") {
                        "resource"
                    } else {
                        "cluster"
                    };
                    RouteMetrics {
                        labels: format!(
                            "component=\"apiserver\",group=\"{}\",resource=\"{}\",scope=\"{}\",subresource=\"{}\",verb=\"{}\",version=\"{}\"",
                            model.group,
                            model.plural,
                            scope,
                            action.subresource.as_deref().unwrap_or(""),
                            verb,
                            model.version
                        ),
                        codes: Default::default(),
                        buckets: Default::default(),
                        count: AtomicU64::new(0),
                        sum_micros: AtomicU64::new(0),
                    }
                })
            })
            .collect();
        Metrics {
            routes,
            in_flight: Arc::new(AtomicI64::new(0)),
            watchers: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Counts a request in flight until the guard drops.
    pub fn in_flight(&self) -> GaugeGuard {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(self.in_flight.clone())
    }

    /// Counts a watcher until the guard drops.
    pub fn watch_started(&self) -> GaugeGuard {
        self.watchers.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(self.watchers.clone())
    }

    /// Records a finished request of target `index`.
    pub fn observe(&self, index: usize, code: u16, elapsed: Duration) {
        let Some(Some(route)) = self.routes.get(index) else {
            return;
        };
        let slot = CODES
            .iter()
            .position(|c| *c == code)
            .unwrap_or(CODES.len() - 1);
        route.codes[slot].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        if let Some(bucket) = BUCKETS.iter().position(|b| seconds <= *b) {
            route.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        route.count.fetch_add(1, Ordering::Relaxed);
        route
            .sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with the watchers the hubs closed for falling behind
    /// and the response bytes connections hold, which the registry and the server count.
    pub fn render(&self, watchers_closed_slow: u64, write_buffer_bytes: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.\n");
        out.push_str("# TYPE apiserver_request_total counter\n");
        for route in self.routes.iter().flatten() {
            for (i, count) in route.codes.iter().enumerate() {
                let n = count.load(Ordering::Relaxed);
                if n > 0 {
                    let code = if CODES[i] == 0 {
                        "other".to_string()
                    } else {
                        CODES[i].to_string()
                    };
                    let _ = writeln!(
                        out,
                        "apiserver_request_total{{code=\"{code}\",{}}} {n}",
                        route.labels
                    );
                }
            }
        }
        out.push_str("# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.\n");
        out.push_str("# TYPE apiserver_request_duration_seconds histogram\n");
        for route in self.routes.iter().flatten() {
            let count = route.count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (i, bucket) in route.buckets.iter().enumerate() {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "apiserver_request_duration_seconds_bucket{{{},le=\"{}\"}} {cumulative}",
                    route.labels, BUCKETS[i]
                );
            }
            let _ = writeln!(
                out,
                "apiserver_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {count}",
                route.labels
            );
            let sum = route.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "apiserver_request_duration_seconds_sum{{{}}} {sum}",
                route.labels
            );
            let _ = writeln!(
                out,
                "apiserver_request_duration_seconds_count{{{}}} {count}",
                route.labels
            );
        }
        out.push_str("# HELP apiserver_current_inflight_requests Maximal number of currently used inflight request limit of this apiserver per request kind in last second.\n");
        out.push_str("# TYPE apiserver_current_inflight_requests gauge\n");
        let _ = writeln!(
            out,
            "apiserver_current_inflight_requests {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP apiserver_registered_watchers Number of currently registered watchers for a given resources\n");
        out.push_str("# TYPE apiserver_registered_watchers gauge\n");
        let _ = writeln!(
            out,
            "apiserver_registered_watchers {}",
            self.watchers.load(Ordering::Relaxed)
        );
        let closed = watchers_closed_slow;
        out.push_str("# HELP krest_watchers_closed_slow_total Watchers closed because they fell too far behind.\n");
        out.push_str("# TYPE krest_watchers_closed_slow_total counter\n");
        let _ = writeln!(out, "krest_watchers_closed_slow_total {closed}");
        out.push_str("# HELP krest_write_buffer_bytes Response bytes handed to connections and not yet written to their sockets.\n");
        out.push_str("# TYPE krest_write_buffer_bytes gauge\n");
        let _ = writeln!(out, "krest_write_buffer_bytes {write_buffer_bytes}");
        out
    }
}
