//! `hyper-ceiling`: the least a Rust server can do per request, as the ceiling for krest. A
//! hand-written hyper server on tokio, like krest's listener, that reads each request body and
//! answers fixed bytes: the LIST body for a GET of a collection (a path ending in `/widgets`),
//! the object for any other GET, and the object with 201 for POST or 200 for PUT and PATCH.
//!
//! Run with: `cargo run -p krest-benches --release --bin hyper-ceiling -- --listen 127.0.0.1:18090`
//!
//! Flags: `--listen ADDR` (default `127.0.0.1:18090`), `--get FILE` and `--list FILE` (the bytes
//! to answer; by default a Widget and a list of 100, shaped as krest writes them).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

/// The bytes a ceiling server answers.
struct Canned {
    object: Bytes,
    list: Bytes,
}

fn widget(name: &str, revision: u64) -> String {
    format!(
        "{{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{{\"resourceVersion\":\"{revision}\",\
         \"creationTimestamp\":\"2026-01-01T00:00:00Z\",\"generation\":1,\"name\":\"{name}\",\"namespace\":\"bench\",\
         \"uid\":\"00000000-0000-4000-8000-000000000000\"}},\"spec\":{{\"color\":\"blue\",\"replicas\":3}}}}"
    )
}

fn default_canned() -> Canned {
    let items: Vec<String> = (0..100)
        .map(|i| widget(&format!("w-{i:03}"), i + 1))
        .collect();
    Canned {
        object: Bytes::from(widget("get-me", 101)),
        list: Bytes::from(format!(
            "{{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"WidgetList\",\"metadata\":{{\"resourceVersion\":\"101\"}},\"items\":[{}]}}",
            items.join(",")
        )),
    }
}

async fn answer(
    canned: &'static Canned,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let collection = request.uri().path().ends_with("/widgets");
    // Read the body as a real handler must.
    let _ = request.into_body().collect().await;
    let (status, body) = match method {
        Method::GET if collection => (StatusCode::OK, canned.list.clone()),
        Method::GET | Method::PUT | Method::PATCH => (StatusCode::OK, canned.object.clone()),
        Method::POST => (StatusCode::CREATED, canned.object.clone()),
        _ => (StatusCode::METHOD_NOT_ALLOWED, Bytes::new()),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

fn parse() -> Result<(SocketAddr, Canned), String> {
    let mut listen: SocketAddr = "127.0.0.1:18090".parse().map_err(|e| format!("{e}"))?;
    let mut canned = default_canned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--get" => {
                let path = value()?;
                canned.object = std::fs::read(&path)
                    .map_err(|e| format!("{path}: {e}"))?
                    .into();
            }
            "--list" => {
                let path = value()?;
                canned.list = std::fs::read(&path)
                    .map_err(|e| format!("{path}: {e}"))?
                    .into();
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}\nusage: hyper-ceiling [--listen ADDR] [--get FILE] [--list FILE]"
                ))
            }
        }
    }
    Ok((listen, canned))
}

fn main() -> ExitCode {
    let (listen, canned) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let canned: &'static Canned = Box::leak(Box::new(canned));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served: std::io::Result<()> = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        eprintln!("hyper-ceiling serving on {listen}");
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |r| answer(canned, r));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hyper-ceiling: {e}");
            ExitCode::FAILURE
        }
    }
}
