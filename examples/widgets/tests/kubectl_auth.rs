//! End to end over TLS: `widgets-server` with a token file, a client CA and an RBAC policy
//! file, driven by the real `kubectl` through kubeconfigs that carry a bearer token or a client
//! certificate. Allowed and forbidden operations, `kubectl auth can-i`, 401 for credentials the
//! server does not know, and no token in the server's logs even at trace level.
//!
//! Certificates are made by the `openssl` command at test time.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const TOKENS: &str = "\
jane-secret-token-1,jane,1001,\"dev\"
bob-secret-token-2,bob,1002
";

const POLICY: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: widget-editor, namespace: default}
rules:
- apiGroups: [demo.krest.dev]
  resources: [widgets, widgets/scale]
  verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-edits-widgets, namespace: default}
subjects:
- {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: widget-editor, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: gadget-reader}
rules:
- apiGroups: [demo.krest.dev]
  resources: [gadgets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-reads-gadgets}
subjects:
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: gadget-reader, apiGroup: rbac.authorization.k8s.io}
";

struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`{ca}.crt`, `{ca}.key`).
fn make_ca(dir: &Path, ca: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={ca}"),
        ],
    );
}

/// A certificate `{name}.crt`/`{name}.key` for `subject`, signed by `ca`.
fn make_cert(dir: &Path, ca: &str, name: &str, subject: &str, extensions: &str) {
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            subject,
        ],
    );
    std::fs::write(dir.join(format!("{name}.ext")), extensions).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn start(dir: &Path) -> ServerProcess {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let log = dir.join("server.log");
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .args(["--store", "memory", "--listen", &addr.to_string()])
        .arg(format!(
            "--tls-cert-file={}",
            dir.join("server.crt").display()
        ))
        .arg(format!(
            "--tls-private-key-file={}",
            dir.join("server.key").display()
        ))
        .arg(format!("--client-ca-file={}", dir.join("ca.crt").display()))
        .arg(format!(
            "--token-auth-file={}",
            dir.join("tokens.csv").display()
        ))
        .arg(format!(
            "--authorization-policy-file={}",
            dir.join("policy.yaml").display()
        ))
        .env("RUST_LOG", "trace")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("widgets-server starts");
    let server = ServerProcess { child, addr, log };
    let deadline = Instant::now() + Duration::from_secs(20);
    // Ready when it accepts TLS connections: a plain-HTTP probe gets no HTTP answer.
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "widgets-server did not start on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Writes a kubeconfig for `server` with the user's credentials.
fn kubeconfig(dir: &Path, name: &str, server: &ServerProcess, user: &str) -> PathBuf {
    let path = dir.join(format!("{name}.kubeconfig"));
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
- name: krest
  cluster:
    server: https://{addr}
    certificate-authority: {ca}
users:
- name: {name}
  user:
{user}
contexts:
- name: krest
  context: {{cluster: krest, user: {name}, namespace: default}}
current-context: krest
",
        addr = server.addr,
        ca = dir.join("ca.crt").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn token_user(token: &str) -> String {
    format!("    token: {token}")
}

fn cert_user(dir: &Path, name: &str) -> String {
    format!(
        "    client-certificate: {}\n    client-key: {}",
        dir.join(format!("{name}.crt")).display(),
        dir.join(format!("{name}.key")).display()
    )
}

struct Kubectl {
    config: PathBuf,
    cache: PathBuf,
}

impl Kubectl {
    fn output(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.config)
            .arg("--cache-dir")
            .arg(&self.cache)
            .arg("--request-timeout=20s")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl is installed");
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, None)
    }

    fn ok_with(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.output(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.output(args, None);
        assert!(!out.status.success(), "kubectl {args:?} should have failed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `kubectl auth can-i ...`: "yes" or "no".
    fn can_i(&self, args: &[&str]) -> String {
        let mut all = vec!["auth", "can-i"];
        all.extend_from_slice(args);
        let out = self.output(&all, None);
        let answer = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            answer == "yes" || answer == "no",
            "kubectl auth can-i {args:?}: {answer:?} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        answer
    }
}

const WIDGET: &str = "apiVersion: demo.krest.dev/v1
kind: Widget
metadata:
  name: secure
spec:
  color: green
  replicas: 2
";

#[test]
fn kubectl_with_token_and_certificate_kubeconfigs() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    make_ca(dir, "ca");
    make_ca(dir, "rogue-ca");
    make_cert(
        dir,
        "ca",
        "server",
        "/CN=widgets-server",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    make_cert(
        dir,
        "ca",
        "jane",
        "/CN=jane/O=dev",
        "extendedKeyUsage=clientAuth\n",
    );
    make_cert(
        dir,
        "rogue-ca",
        "mallory",
        "/CN=jane/O=system:masters",
        "extendedKeyUsage=clientAuth\n",
    );
    std::fs::write(dir.join("tokens.csv"), TOKENS).unwrap();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    let server = start(dir);
    let cache = dir.join("kube-cache");
    let kubectl = |name: &str, user: String| Kubectl {
        config: kubeconfig(dir, name, &server, &user),
        cache: cache.join(name),
    };
    let jane_token = kubectl("jane-token", token_user("jane-secret-token-1"));
    let jane_cert = kubectl("jane-cert", cert_user(dir, "jane"));
    let bob = kubectl("bob", token_user("bob-secret-token-2"));
    let stranger = kubectl("stranger", token_user("not-a-token"));
    let mallory = kubectl("mallory", cert_user(dir, "mallory"));

    // Jane, by token: her group's Role lets her edit widgets in default, and nothing else.
    assert_eq!(
        jane_token
            .ok_with(&["apply", "-f", "-"], Some(WIDGET))
            .trim(),
        "widget.demo.krest.dev/secure created"
    );
    assert!(jane_token.ok(&["get", "widgets"]).contains("secure"));
    let forbidden = jane_token.fails(&["get", "gadgets"]);
    assert!(
        forbidden.contains("Error from server (Forbidden): gadgets.demo.krest.dev is forbidden: User \"jane\" cannot list resource \"gadgets\" in API group \"demo.krest.dev\" at the cluster scope"),
        "{forbidden}"
    );
    let elsewhere = jane_token.fails(&["get", "widgets", "-n", "kube-system"]);
    assert!(
        elsewhere.contains("cannot list resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"kube-system\""),
        "{elsewhere}"
    );
    assert_eq!(jane_token.can_i(&["create", "widgets"]), "yes");
    assert_eq!(jane_token.can_i(&["delete", "widgets"]), "yes");
    assert_eq!(jane_token.can_i(&["list", "gadgets"]), "no");
    assert_eq!(
        jane_token.can_i(&["create", "widgets", "-n", "kube-system"]),
        "no"
    );

    // Jane, by certificate: the same user (CN) and group (O), so the same answers.
    assert!(jane_cert
        .ok(&["get", "widget", "secure", "-o", "name"])
        .contains("widget.demo.krest.dev/secure"));
    assert_eq!(
        jane_cert
            .ok(&["scale", "widget", "secure", "--replicas=3"])
            .trim(),
        "widget.demo.krest.dev/secure scaled"
    );
    assert_eq!(jane_cert.can_i(&["update", "widgets"]), "yes");
    // `widgets` does not grant `widgets/status`; the Role names `widgets/scale` for `kubectl scale`.
    assert_eq!(
        jane_cert.can_i(&["update", "widgets", "--subresource=status"]),
        "no"
    );
    assert_eq!(
        jane_cert.can_i(&["patch", "widgets", "--subresource=scale"]),
        "yes"
    );
    assert_eq!(jane_cert.can_i(&["get", "gadgets"]), "no");
    // The example's admission ran for her: the default label, and the replicas limit.
    assert_eq!(
        jane_cert.ok(&[
            "get",
            "widget",
            "secure",
            "-o",
            "jsonpath={.metadata.labels.demo\\.krest\\.dev/tier}"
        ]),
        "standard"
    );
    let refused = jane_cert.fails(&["scale", "widget", "secure", "--replicas=50000"]);
    assert!(
        refused.contains("widgets.demo.krest.dev \"secure\" is forbidden: spec.replicas: 50000 is more than this server allows (10000)"),
        "{refused}"
    );

    // Bob: cluster-wide gadget reader, nothing on widgets.
    bob.ok(&["get", "gadgets"]);
    assert!(bob
        .fails(&["delete", "widget", "secure"])
        .contains("User \"bob\" cannot delete resource \"widgets\""));
    assert_eq!(bob.can_i(&["list", "gadgets"]), "yes");
    assert_eq!(bob.can_i(&["list", "widgets"]), "no");

    // Unknown token, and a certificate from a CA the server does not trust: 401.
    // kubectl says so in its own words for a 401.
    for client in [&stranger, &mallory] {
        let unauthorized = client.fails(&["get", "widgets"]);
        assert!(
            unauthorized.contains("You must be logged in to the server"),
            "{unauthorized}"
        );
    }

    // The server is still fine, and never logged a token.
    assert!(jane_token.ok(&["get", "widgets"]).contains("secure"));
    let log = server.log.clone();
    drop(server);
    let log = std::fs::read_to_string(log).unwrap();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "trace logging was on"
    );
    for secret in ["jane-secret-token-1", "bob-secret-token-2", "not-a-token"] {
        assert!(!log.contains(secret), "the log holds a token");
    }
    // kubectl, like every client-go program, picks HTTP/2 by ALPN.
    assert!(
        log.lines()
            .any(|l| l.contains("krest::request") && l.contains("HTTP/2.0")),
        "no request came over HTTP/2"
    );
}

/// A client that presents a certificate the CA did not sign gets 401 even when it sends it
/// (kubectl would not send it at all); checked with a raw TLS client through `openssl s_client`.
#[test]
fn a_certificate_from_another_ca_is_401_not_a_handshake_failure() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    make_ca(dir, "ca");
    make_ca(dir, "rogue-ca");
    make_cert(
        dir,
        "ca",
        "server",
        "/CN=widgets-server",
        "subjectAltName=IP:127.0.0.1\n",
    );
    make_cert(
        dir,
        "rogue-ca",
        "mallory",
        "/CN=mallory",
        "extendedKeyUsage=clientAuth\n",
    );
    make_cert(
        dir,
        "ca",
        "jane",
        "/CN=jane/O=dev",
        "extendedKeyUsage=clientAuth\n",
    );
    std::fs::write(dir.join("tokens.csv"), TOKENS).unwrap();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    let server = start(dir);
    let request = |cert: &str| -> String {
        let mut child = Command::new("openssl")
            .args(["s_client", "-quiet", "-connect", &server.addr.to_string()])
            .arg("-cert")
            .arg(dir.join(format!("{cert}.crt")))
            .arg("-key")
            .arg(dir.join(format!("{cert}.key")))
            .arg("-CAfile")
            .arg(dir.join("ca.crt"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"GET /apis/demo.krest.dev/v1/namespaces/default/widgets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let _ = child.wait();
        out
    };
    let rogue = request("mallory");
    assert!(rogue.starts_with("HTTP/1.1 401"), "{rogue}");
    assert!(rogue.contains("\"reason\":\"Unauthorized\""), "{rogue}");
    let jane = request("jane");
    assert!(jane.starts_with("HTTP/1.1 200"), "{jane}");
}
