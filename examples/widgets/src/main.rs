//! `widgets-server`: serves Widget and Gadget (`demo.krest.dev/v1`), Pool (`fleet.krest.dev`
//! `v1` and `v1beta1`, converted by Rust code) and core `v1` Namespaces,
//! so that `kubectl --server http://127.0.0.1:8080` works with no kubeconfig.
//!
//! Run with: `cargo run -p krest-example-widgets -- --authorization-mode=AlwaysAllow`
//!
//! Flags: `--listen ADDR` (default `127.0.0.1:8080`), `--store embedded|memory|etcd` (default
//! `embedded`), `--data-dir DIR` (default `./krest-data`), and kube-apiserver's authentication,
//! authorization, TLS and limit flags, and `--log-requests` (`--help` lists them with their
//! defaults; docs/security.md explains them).
//! `widgets-server routes` prints the route table instead of serving.
//!
//! New Widgets get the label `demo.krest.dev/tier: standard` unless they have one, and no
//! Widget may ask for more than 10,000 replicas: the example's admission.

use std::process::ExitCode;

use krest::flags::{print_routes, ServeFlags};
use krest::{Resource, Server};
use krest_example_widgets::admission::{DefaultTier, ReplicasLimit};
use krest_example_widgets::pool::{v1, v1beta1};
use krest_example_widgets::{Gadget, Widget};

const PROGRAM: &str = "widgets-server";

fn main() -> ExitCode {
    // `--help` prints every flag and exits; a mistake exits 2 with the usage line.
    let flags = ServeFlags::from_env(PROGRAM);
    if flags.routes {
        print_routes(
            Widget::ROUTES
                .iter()
                .chain(Gadget::ROUTES)
                .chain(v1::Pool::ROUTES)
                .chain(v1beta1::Pool::ROUTES),
        );
        return ExitCode::SUCCESS;
    }
    // Standard error, colour only on a terminal; RUST_LOG and --log-requests say how much.
    krest::logging::init(flags.log_requests);
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
            eprintln!("{PROGRAM}: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(flags: ServeFlags) -> Result<(), String> {
    let server = flags
        .configure(Server::builder())?
        .store(flags.open_store().await?)
        .namespaces()
        .resource::<Widget>()
        .resource::<Gadget>()
        .resource::<v1::Pool>()
        .resource::<v1beta1::Pool>()
        .mutating_admission(DefaultTier)
        .validating_admission(ReplicasLimit { max: 10_000 })
        .build()
        .map_err(|e| e.to_string())?;
    server
        .serve(flags.listen, krest::shutdown_signal())
        .await
        .map_err(|e| format!("serving on {}: {e}", flags.listen))
}
