//! What the end-to-end tests of generated crates share: the crate's folder, the workspace's
//! target folder, a generated server started on a free loopback port and killed on drop, and
//! kubectl pointed at it with no kubeconfig.

// Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// This crate's folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target folder (`CARGO_TARGET_DIR` when set).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                root().join("..").join(p)
            }
        })
        .unwrap_or_else(|| root().join("../target"))
}

/// A running server, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a generated server `binary` on a free loopback port with an in-memory store, and
/// waits until it is ready.
pub fn start(binary: &Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new(binary)
        .args(["--listen", &addr.to_string(), "--store", "memory"])
        .arg("--authorization-mode=AlwaysAllow")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the generated server starts");
    let server = Server { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let _ = stream.write_all(b"GET /readyz HTTP/1.0\r\n\r\n");
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200") {
                return server;
            }
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// kubectl against `server`, with `home` as its home and no kubeconfig.
pub fn kubectl(server: &Server, home: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg(format!("--server=http://{}", server.addr))
        .arg("--request-timeout=20s")
        .args(args)
        .env("HOME", home)
        .env("KUBECONFIG", home.join("no-kubeconfig"))
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs (install kubernetes-client)")
}

/// [`kubectl`], which must succeed: its standard output.
pub fn kubectl_ok(server: &Server, home: &Path, args: &[&str]) -> String {
    let out = kubectl(server, home, args);
    assert!(
        out.status.success(),
        "kubectl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
