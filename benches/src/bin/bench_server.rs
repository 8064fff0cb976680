//! `krest-bench-server`: krest serving many kinds, for throughput with a large route table.
//! Core `v1` Namespaces, the example's `Widget` (`demo.krest.dev/v1`, the kind the load goes
//! to), then `--kinds N - 1` filler kinds (namespaced, with status and scale, ten per
//! group-version) that `build.rs` derives. It is built with 9 fillers unless
//! `KREST_BENCH_KINDS` says more at build time: `scripts/bench.sh` builds it with 499.
//!
//! Run with: `KREST_BENCH_KINDS=499 cargo run -p krest-benches --release --features many-kinds --bin krest-bench-server -- --kinds 500`
//!
//! Flags: `--listen ADDR` (default `127.0.0.1:18081`), `--kinds N` (default: all built in).
//! The store is in memory.

use std::net::SocketAddr;
use std::process::ExitCode;

use krest::Server;
use krest_example_widgets::Widget;

mod kinds {
    //! The filler kinds.
    #![allow(missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/kinds.rs"));

    /// The schema of every filler kind: the example Widget's.
    pub(crate) fn filler_schema() -> serde_json::Value {
        use krest::Resource as _;
        use krest_example_widgets::{Widget, WidgetSpec, WidgetStatus};
        krest::schema::object_schema(
            &Widget::MODEL,
            krest::schema::schema_for::<WidgetSpec>(),
            Some(krest::schema::schema_for::<WidgetStatus>()),
            Vec::new(),
        )
    }

    /// The status of every filler kind.
    #[derive(Clone, Debug, Default, ::serde::Serialize, ::serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct FillerStatus {
        /// Ready replicas.
        #[serde(default)]
        pub ready_replicas: i32,
    }
}

fn parse() -> Result<(SocketAddr, usize), String> {
    let mut listen: SocketAddr = "127.0.0.1:18081".parse().map_err(|e| format!("{e}"))?;
    let mut kinds = kinds::FILLERS.len() + 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--kinds" => {
                kinds = value()?.parse().map_err(|e| format!("--kinds: {e}"))?;
                if kinds == 0 || kinds > kinds::FILLERS.len() + 1 {
                    return Err(format!(
                        "--kinds must be 1 to {} (rebuild with KREST_BENCH_KINDS for more)",
                        kinds::FILLERS.len() + 1
                    ));
                }
            }
            other => {
                return Err(format!(
                "unknown argument {other:?}\nusage: krest-bench-server [--listen ADDR] [--kinds N]"
            ))
            }
        }
    }
    Ok((listen, kinds))
}

fn main() -> ExitCode {
    let (listen, kinds) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = Server::builder().namespaces().resource::<Widget>();
    for register in &kinds::FILLERS[..kinds - 1] {
        builder = register(builder);
    }
    let server = match builder.build() {
        Ok(server) => server,
        Err(e) => {
            eprintln!("krest-bench-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("krest-bench-server: {kinds} kinds on {listen}");
    match runtime.block_on(server.serve(listen, krest::shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("krest-bench-server: serving on {listen}: {e}");
            ExitCode::FAILURE
        }
    }
}
