//! The official Python `kubernetes` client's server-side apply against `widgets-server` (the
//! test script installs the client from PyPI): `patch_namespaced_custom_object` with the apply
//! content type, with and without `force`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn python_client_server_side_apply() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .args(["--store", "memory", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "widgets-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/apply_flow.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(format!("http://{addr}"))
        .output()
        .expect("python3 runs");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "the Python client failed (is the `kubernetes` package installed? scripts/test.sh installs it):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("python apply ok"));
}
