//! `from-yaml-server`: serves Widget and Gadget (`demo.krest.dev/v1`), generated from
//! `schemas/*.yaml` by `build.rs`, and core `v1` Namespaces,
//! so that `kubectl --server http://127.0.0.1:8080` works with no kubeconfig.
//!
//! Run with: `cargo run -p krest-example-from-yaml --release`
//!
//! Flags: `--listen ADDR` (default `127.0.0.1:8080`), `--store embedded|memory` (default
//! `embedded`), `--data-dir DIR` (default `./krest-data`). `from-yaml-server routes` prints the
//! route table instead of serving.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use krest::store::{EmbeddedOptions, EmbeddedStore, MemoryStore, Store};
use krest::{Resource, Server};
use krest_example_from_yaml::{Gadget, Widget};

struct Flags {
    listen: SocketAddr,
    store: String,
    data_dir: PathBuf,
    etcd_endpoints: Vec<String>,
    routes: bool,
}

const USAGE: &str =
    "usage: from-yaml-server [routes] [--listen ADDR] [--store embedded|memory] [--data-dir DIR]";

fn parse_flags() -> Result<Flags, String> {
    let mut flags = Flags {
        listen: "127.0.0.1:8080".parse().map_err(|e| format!("{e}"))?,
        store: "embedded".into(),
        data_dir: PathBuf::from("./krest-data"),
        etcd_endpoints: vec!["http://127.0.0.1:2379".into()],
        routes: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match name.as_str() {
            "routes" => flags.routes = true,
            "--listen" => {
                let v = value()?;
                flags.listen = v.parse().map_err(|e| format!("--listen {v:?}: {e}"))?;
            }
            "--store" => flags.store = value()?,
            "--data-dir" => flags.data_dir = PathBuf::from(value()?),
            "--etcd-endpoints" => {
                flags.etcd_endpoints = value()?.split(',').map(str::to_string).collect();
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(flags)
}

fn print_routes() {
    for route in Widget::ROUTES.iter().chain(Gadget::ROUTES) {
        let a = &route.action;
        println!("{:<7} {:<72} {}", a.method, a.path, a.operation_id);
    }
}

fn main() -> ExitCode {
    let flags = match parse_flags() {
        Ok(flags) => flags,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if flags.routes {
        print_routes();
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(flags)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("from-yaml-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(flags: Flags) -> Result<(), String> {
    let store: Arc<dyn Store> = match flags.store.as_str() {
        "memory" => Arc::new(MemoryStore::new()),
        "embedded" => Arc::new(
            EmbeddedStore::open(&flags.data_dir, EmbeddedOptions::default())
                .map_err(|e| format!("opening {}: {e}", flags.data_dir.display()))?,
        ),

        #[cfg(feature = "etcd")]
        "etcd" => Arc::new(
            krest::store::EtcdStore::connect(&flags.etcd_endpoints, "/krest")
                .await
                .map_err(|e| format!("connecting to etcd at {:?}: {e}", flags.etcd_endpoints))?,
        ),
        #[cfg(not(feature = "etcd"))]
        "etcd" => {
            let _ = &flags.etcd_endpoints;
            return Err("this from-yaml-server was built without the `etcd` feature".into());
        }
        other => {
            return Err(format!(
                "unknown store {other:?}: use embedded, memory or etcd"
            ))
        }
    };
    let server = Server::builder()
        .store(store)
        .namespaces()
        .resource::<Widget>()
        .resource::<Gadget>()
        .build()
        .map_err(|e| e.to_string())?;
    server
        .serve(flags.listen, krest::shutdown_signal())
        .await
        .map_err(|e| format!("serving on {}: {e}", flags.listen))
}
