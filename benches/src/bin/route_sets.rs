//! `krest-route-sets DIR`: writes the route sets and request mixes for the Go peer.
//!
//! - `dispatch-N.routes` and `dispatch-N.probes` for N in 1, 100, 500 (the dispatch benchmark);
//! - `server-N.routes` for N in 1, 500 (the peer server: Namespaces, Widget, N - 1 fillers).
//!
//! Run with: `cargo run -p krest-benches --bin krest-route-sets -- target/bench-report/routes`

use std::path::PathBuf;
use std::process::ExitCode;

use krest_benches::routes::{
    render_probes, render_routes, render_served, request_mix, route_set, served_routes, SIZES,
};

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: krest-route-sets DIR");
        return ExitCode::from(2);
    };
    let mut files = Vec::new();
    for n in SIZES {
        files.push((format!("dispatch-{n}.routes"), render_routes(&route_set(n))));
        files.push((
            format!("dispatch-{n}.probes"),
            render_probes(&request_mix(n)),
        ));
    }
    for n in [1, 500] {
        files.push((
            format!("server-{n}.routes"),
            render_served(&served_routes(n)),
        ));
    }
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        files
            .iter()
            .try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("writing {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
