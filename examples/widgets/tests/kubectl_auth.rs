//! End to end over TLS: `widgets-server` with a token file, a client CA and an RBAC policy
//! file, driven by the real `kubectl` through kubeconfigs that carry a bearer token or a client
//! certificate. Allowed and forbidden operations, `kubectl auth can-i` (and `--list`), `kubectl
//! auth whoami`, impersonation with `--as`, `kubectl version`, probes without credentials, 401
//! for credentials the server does not know, and no token in the server's logs even at trace
//! level.
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
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-edits-widgets, namespace: default}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: widget-editor, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-alice}
rules:
- apiGroups: [\"\"]
  resources: [users]
  resourceNames: [alice]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: jane-impersonates-alice}
subjects:
- {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: impersonate-alice, apiGroup: rbac.authorization.k8s.io}
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
        // The server logs to standard error.
        .stdout(Stdio::inherit())
        .stderr(std::fs::File::create(&log).unwrap())
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

/// `kubectl auth whoami`, `kubectl auth can-i --list`, `--as` allowed and refused, `kubectl
/// version`, and health probes that need no credentials when everything else does.
#[test]
fn kubectl_whoami_rules_impersonation_version_and_probes() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    make_ca(dir, "ca");
    make_cert(
        dir,
        "ca",
        "server",
        "/CN=widgets-server",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    std::fs::write(dir.join("tokens.csv"), TOKENS).unwrap();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    let server = start(dir);
    let cache = dir.join("kube-cache");
    let kubectl = |name: &str, user: String| Kubectl {
        config: kubeconfig(dir, name, &server, &user),
        cache: cache.join(name),
    };
    let jane = kubectl("jane", token_user("jane-secret-token-1"));
    let bob = kubectl("bob", token_user("bob-secret-token-2"));

    // The review kinds are in discovery, create-only.
    let resources = jane.ok(&[
        "api-resources",
        "--api-group",
        "authorization.k8s.io",
        "-o",
        "wide",
    ]);
    for name in [
        "localsubjectaccessreviews",
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
        "subjectaccessreviews",
    ] {
        let line = resources
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing: {resources}"));
        // NAME, APIVERSION, NAMESPACED, KIND, VERBS: only `create`.
        assert_eq!(
            line.split_whitespace().skip(4).collect::<Vec<_>>(),
            ["create"],
            "{line}"
        );
    }
    let resources = jane.ok(&["api-resources", "--api-group", "authentication.k8s.io"]);
    assert!(
        resources.contains("selfsubjectreviews") && resources.contains("tokenreviews"),
        "{resources}"
    );

    // Who am I: a table, and the SelfSubjectReview itself.
    let table = jane.ok(&["auth", "whoami"]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(rows.contains(&vec!["Username", "jane"]), "{table}");
    assert!(rows.contains(&vec!["UID", "1001"]), "{table}");
    assert!(
        rows.contains(&vec!["Groups", "[dev", "system:authenticated]"]),
        "{table}"
    );
    let yaml = jane.ok(&["auth", "whoami", "-o", "yaml"]);
    assert!(yaml.contains("kind: SelfSubjectReview"), "{yaml}");
    assert!(yaml.contains("username: jane"), "{yaml}");

    // What may I do here: RBAC's rules for the namespace, the bootstrap ones included.
    let list = jane.ok(&["auth", "can-i", "--list"]);
    let row = |resource: &str| {
        list.lines()
            .find(|l| l.split_whitespace().next() == Some(resource))
            .map(str::to_string)
    };
    let widgets = row("widgets.demo.krest.dev").unwrap_or_else(|| panic!("{list}"));
    assert!(
        widgets.ends_with("[get list watch create update patch delete]"),
        "{widgets}"
    );
    assert!(
        row("selfsubjectaccessreviews.authorization.k8s.io").is_some(),
        "{list}"
    );
    assert!(
        list.contains("[/version]") || list.contains("/version"),
        "{list}"
    );
    assert!(row("gadgets.demo.krest.dev").is_none(), "{list}");
    let elsewhere = jane.ok(&["auth", "can-i", "--list", "-n", "kube-system"]);
    assert!(!elsewhere.contains("widgets.demo.krest.dev"), "{elsewhere}");

    // Jane may impersonate alice, and sees alice's answers and identity.
    assert_eq!(jane.can_i(&["create", "widgets", "--as", "alice"]), "yes");
    assert_eq!(
        jane.can_i(&["create", "widgets", "-n", "kube-system", "--as", "alice"]),
        "no"
    );
    let as_alice = jane.ok(&["auth", "whoami", "--as", "alice"]);
    assert!(as_alice.contains("alice"), "{as_alice}");
    assert!(as_alice.contains("[system:authenticated]"), "{as_alice}");
    jane.ok(&["get", "widgets", "--as", "alice"]);
    // ... but not as alice in system:masters, and bob may impersonate no one. (`--raw`: a
    // refused impersonation refuses discovery too, which kubectl reports without the message
    // when it has no discovery cached, as it would from kube-apiserver.)
    let gadgets = "/apis/demo.krest.dev/v1/gadgets";
    let refused = jane.fails(&[
        "get",
        "--raw",
        gadgets,
        "--as",
        "alice",
        "--as-group",
        "system:masters",
    ]);
    assert!(
        refused.contains("groups \"system:masters\" is forbidden: User \"jane\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope"),
        "{refused}"
    );
    let refused = bob.fails(&["get", "--raw", gadgets, "--as", "alice"]);
    assert!(
        refused.contains("Error from server (Forbidden): users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
        "{refused}"
    );

    // The server's version: the API level and krest's own, which kubectl parses.
    let version = jane.ok(&["version", "-o", "json"]);
    let version: serde_json::Value = serde_json::from_str(&version).unwrap();
    let server_version = version["serverVersion"]["gitVersion"].as_str().unwrap();
    assert!(server_version.starts_with("v1.32.0-krest."), "{version}");
    assert_eq!(version["serverVersion"]["minor"], "32");
    let text = jane.ok(&["version"]);
    assert!(
        text.contains(&format!("Server Version: {server_version}")),
        "{text}"
    );

    // Probes need no credentials; anything else does (a raw TLS client: kubectl asks for a
    // password when its kubeconfig has no credentials).
    let readyz = plain_get(dir, &server, "/readyz");
    assert!(readyz.starts_with("HTTP/1.1 200"), "{readyz}");
    assert!(readyz.ends_with("\r\n\r\nok"), "{readyz}");
    let verbose = plain_get(dir, &server, "/readyz?verbose");
    assert!(
        verbose.contains("[+]store ok") && verbose.ends_with("readyz check passed\n"),
        "{verbose}"
    );
    assert!(plain_get(dir, &server, "/livez/ping").starts_with("HTTP/1.1 200"));
    let version = plain_get(dir, &server, "/version");
    assert!(version.starts_with("HTTP/1.1 401"), "{version}");

    // The request log names both users of an impersonated request.
    let log = server.log.clone();
    drop(server);
    let log = std::fs::read_to_string(log).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("krest::request") && l.contains("jane as alice")),
        "no request logged as jane acting as alice"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("impersonation forbidden") && l.contains("bob")),
        "the refused impersonation is not logged"
    );
}

/// `GET path` over TLS without a client certificate or token (`openssl s_client`): the raw
/// response.
fn plain_get(dir: &Path, server: &ServerProcess, path: &str) -> String {
    let mut child = Command::new("openssl")
        .args(["s_client", "-quiet", "-connect", &server.addr.to_string()])
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
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
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
}
