//! HTTP/2 with prior knowledge in clear text (over TLS, ALPN picks it: kubectl's tests cover
//! that): requests and watches share one connection as streams.

mod common;

use std::net::SocketAddr;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use krest::Server;
use serde_json::Value;

async fn listen(server: Server) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));
    addr
}

async fn connect(addr: SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("an HTTP/2 handshake");
    tokio::spawn(connection);
    sender
}

fn request(method: &str, path: &str, body: Option<&Value>) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(format!("http://krest{path}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        )))
        .unwrap()
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: http::Request<Full<Bytes>>,
) -> (u16, Value) {
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    let code = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_watches_share_one_connection() {
    let addr = listen(Server::builder().resource::<Widget>().build().unwrap()).await;
    let mut sender = connect(addr).await;

    let (code, created) = send(
        &mut sender,
        request("POST", WIDGETS, Some(&widget("w0", "red", 1))),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let revision = created["metadata"]["resourceVersion"].as_str().unwrap();

    // Three watches from that revision, open at once on the same connection.
    let mut watches = Vec::new();
    for _ in 0..3 {
        let response = sender
            .send_request(request(
                "GET",
                &format!("{WIDGETS}?watch=true&resourceVersion={revision}"),
                None,
            ))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        watches.push(response.into_body());
    }

    // Requests still go through while the watches stay open.
    let (code, got) = send(&mut sender, request("GET", &format!("{WIDGETS}/w0"), None)).await;
    assert_eq!((code, got["spec"]["color"].as_str()), (200, Some("red")));
    for name in ["w1", "w2"] {
        let (code, _) = send(
            &mut sender,
            request("POST", WIDGETS, Some(&widget(name, "blue", 2))),
        )
        .await;
        assert_eq!(code, 201);
    }
    let (code, missing) = send(
        &mut sender,
        request("GET", &format!("{WIDGETS}/nope"), None),
    )
    .await;
    assert_eq!((code, missing["reason"].as_str()), (404, Some("NotFound")));

    // Every watch sees both creations, in order, one event per line.
    for mut body in watches {
        let mut text = String::new();
        while text.lines().count() < 2 {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
                .await
                .expect("an event within 5 s")
                .expect("the watch is open")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
        let names: Vec<String> = text
            .lines()
            .map(|line| {
                let event: Value = serde_json::from_str(line).unwrap();
                assert_eq!(event["type"], "ADDED");
                event["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["w1", "w2"]);
    }
}
