//! Benchmarks of krest side by side with its peers: the shared route sets, and the report.
//!
//! The measurements themselves are run by `scripts/bench.sh`: a criterion benchmark of route
//! dispatch (`benches/dispatch.rs`, krest against matchit), `go test -bench` of go-restful's
//! CurlyRouter on the same route sets (`benches/peers/go-restful`), and wrk against
//! `widgets-server`, `krest-bench-server` (500 kinds), the go-restful peer server and
//! `hyper-ceiling`. The figures and the commands are in `docs/performance.md`.
//!
//! # Example
//!
//! ```
//! use krest_benches::routes::{request_mix, route_set};
//!
//! // 17 routes per namespaced kind with status and scale, as kube-apiserver installs them.
//! assert_eq!(route_set(100).len(), 1700);
//! assert_eq!(request_mix(100).len(), 20);
//! ```

pub mod names;
pub mod report;
pub mod routes;
