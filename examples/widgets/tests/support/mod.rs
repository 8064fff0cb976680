//! What the end-to-end tests share: a `widgets-server` on a free loopback port, `kubectl`
//! pointed at it with no kubeconfig, the Python client's scripts, and a scratch folder (kube-rs's
//! part is `kube.rs`, beside it). Each test binary uses part of it; `from-yaml` compiles it
//! too, through `kubectl_e2e.rs`, with its own server binary.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running `widgets-server`, killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub fn start(args: &[&str]) -> ServerProcess {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .arg("--listen")
        .arg(addr.to_string())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("widgets-server starts");
    let server = ServerProcess { child, addr };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let _ = stream.write_all(b"GET /readyz HTTP/1.0\r\n\r\n");
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200") {
                return server;
            }
        }
        assert!(
            Instant::now() < deadline,
            "widgets-server did not become ready on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub struct Kubectl {
    pub server: String,
    pub cache: PathBuf,
}

impl Kubectl {
    pub fn new(server: &ServerProcess, dir: &Path) -> Kubectl {
        Kubectl {
            server: format!("http://{}", server.addr),
            cache: dir.join("kube-cache"),
        }
    }

    pub fn output(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--server")
            .arg(&self.server)
            .arg("--cache-dir")
            .arg(&self.cache)
            .arg("--request-timeout=20s")
            .args(args)
            .env("KUBECONFIG", "/dev/null")
            .stdin(Stdio::null())
            .output()
            .expect("kubectl is installed (scripts/test.sh installs it)")
    }

    /// Runs kubectl, which must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.output(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Runs kubectl, which must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(!out.status.success(), "kubectl {args:?} should have failed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("krest-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `tests/python/<script>` with the server's URL against a fresh in-memory server, and
/// asserts it ends with `marker` on its standard output.
pub fn run_python(script: &str, marker: &str) {
    let server = start(&["--store", "memory"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let out = Command::new("python3")
        .arg(script)
        .arg(format!("http://{}", server.addr))
        .output()
        .expect("python3 runs");
    drop(server);
    assert!(
        out.status.success(),
        "the Python client failed (is the `kubernetes` package installed? scripts/test.sh installs it):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(marker));
}
