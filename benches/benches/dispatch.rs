//! Route dispatch: krest's segment trie against matchit (the router under axum) on the same
//! k8s-shaped route sets of 1, 100 and 500 resources (17 routes each), over the same request mix
//! of hits and misses.
//!
//! Run with: `cargo bench -p krest-benches --bench dispatch`
//!
//! Each iteration routes the whole mix (20 requests); criterion's element throughput is per
//! request. Both routers return the route and the captured parameters as byte ranges. Before
//! timing, both must agree with the mix's expected templates.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use krest::codegen::Method;
use krest::router::{Match, Router};
use krest_benches::routes::{request_mix, route_set, to_matchit, RouteSpec, SIZES};

/// A matched route: its index, and the captured parameters as byte ranges (the first `len`).
type Found = (u32, [(u16, u16); 4], usize);

/// matchit answers paths; as axum does, each path leads to a route index per method.
struct MatchitRouter {
    router: matchit::Router<[Option<u32>; 7]>,
}

impl MatchitRouter {
    fn new(routes: &[RouteSpec]) -> MatchitRouter {
        let mut by_path: Vec<(String, [Option<u32>; 7])> = Vec::new();
        for (index, r) in routes.iter().enumerate() {
            let path = to_matchit(&r.template);
            let slot = match by_path.iter().position(|(p, _)| *p == path) {
                Some(i) => i,
                None => {
                    by_path.push((path, [None; 7]));
                    by_path.len() - 1
                }
            };
            by_path[slot].1[r.method as usize] = Some(u32::try_from(index).unwrap());
        }
        let mut router = matchit::Router::new();
        for (path, methods) in by_path {
            router.insert(path, methods).unwrap();
        }
        MatchitRouter { router }
    }

    /// The route and its captures as byte ranges, the job `krest::router::Router::find` does.
    fn find(&self, method: Method, path: &str) -> Option<Found> {
        let matched = self.router.at(path).ok()?;
        let route = matched.value[method as usize]?;
        let mut captures = [(0u16, 0u16); 4];
        let mut len = 0;
        for ((_, value), slot) in matched.params.iter().zip(&mut captures) {
            let start = value.as_ptr() as usize - path.as_ptr() as usize;
            *slot = (start as u16, (start + value.len()) as u16);
            len += 1;
        }
        Some((route, captures, len))
    }
}

fn krest_router(routes: &[RouteSpec]) -> Router {
    let mut router = Router::new();
    for r in routes {
        router.insert(r.method, &r.template).unwrap();
    }
    router
}

fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch");
    for n in SIZES {
        let routes = route_set(n);
        let probes = request_mix(n);
        let krest = krest_router(&routes);
        let matchit = MatchitRouter::new(&routes);
        for p in &probes {
            let by_krest = match krest.find(p.method, &p.path) {
                Match::Found { route, .. } => Some(routes[route].template.as_str()),
                _ => None,
            };
            let by_matchit = matchit
                .find(p.method, &p.path)
                .map(|(route, _, _)| routes[route as usize].template.as_str());
            assert_eq!(by_krest, p.expected.as_deref(), "krest: {}", p.path);
            assert_eq!(by_matchit, p.expected.as_deref(), "matchit: {}", p.path);
        }
        group.throughput(Throughput::Elements(probes.len() as u64));
        group.bench_with_input(BenchmarkId::new("krest", n), &probes, |b, probes| {
            b.iter(|| {
                for p in probes {
                    black_box(krest.find(black_box(p.method), black_box(&p.path)));
                }
            });
        });
        group.bench_with_input(BenchmarkId::new("matchit", n), &probes, |b, probes| {
            b.iter(|| {
                for p in probes {
                    black_box(matchit.find(black_box(p.method), black_box(&p.path)));
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
