//! The commands README.md and docs/codegen.md show, run as written from this checkout: each is
//! first checked to appear, word for word, in its document. Servers get `--listen` (a free
//! loopback port, not 8080) and, for the example server, `--data-dir` appended; kubectl
//! commands get that address instead of `127.0.0.1:8080`; `--out` points into a temporary
//! folder. Everything else is the documents' text.
//!
//! - README: `krest new my-server` outside the checkout writes the README's `main.rs`; the
//!   README's `Cargo.toml` and `main.rs` build and serve with `cargo run -- --authorization-mode=
//!   AlwaysAllow` (kubectl sees the Widget with its columns; the log has the start and shutdown
//!   lines, no colour codes); the example server's `cargo run -p krest-example-widgets -- ...`,
//!   then the README's kubectl commands against it, `widgets-server --help` and `routes`.
//! - docs/codegen.md: `cargo run -p krest-codegen --features cli -- routes schemas` and `-- new
//!   my-server --schemas schemas --out ...` inside the checkout (into a folder inside it, which
//!   the workspace does not list), then the generated server's `cargo run --
//!   --authorization-mode=AlwaysAllow` there, answering kubectl.
//!
//! Ignored by default, and run by `scripts/test.sh` after the workspace's tests
//! (`cargo test --workspace --all-features --test docs_commands -- --ignored`): `cargo run -p
//! krest-example-widgets` rebuilds `target/debug/widgets-server` with the example's own features
//! (the end-to-end tests run it with all of them), and the three builds take minutes (about
//! four on two cores, the dependencies shared with `codegen_cli`'s generated crate).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The checkout.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ is in the checkout")
        .to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `command`, which must appear in `doc`, split into words.
fn documented(doc: &str, name: &str, command: &str) -> Vec<String> {
    assert!(
        doc.contains(command),
        "{name} no longer shows `{command}`: update this test with it"
    );
    command.split_whitespace().map(str::to_string).collect()
}

/// The fenced block of `lang` that follows `heading` in `doc`.
fn block_after(doc: &str, heading: &str, lang: &str) -> String {
    let start = doc.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let fence = format!("```{lang}\n");
    let open = start + doc[start..].find(&fence).expect("a block") + fence.len();
    let close = open + doc[open..].find("\n```").expect("the block ends");
    doc[open..=close].to_string()
}

/// The workspace's target folder (`CARGO_TARGET_DIR` when set), shared with the other tests.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

/// `words` as a command: `cargo` is this build's cargo, `krest` the binary under test.
fn command(words: &[String], cwd: &Path) -> Command {
    let program = match words[0].as_str() {
        "cargo" => std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        "krest" => env!("CARGO_BIN_EXE_krest").to_string(),
        other => other.to_string(),
    };
    let mut command = Command::new(program);
    command
        .args(&words[1..])
        .current_dir(cwd)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    command
}

fn succeeds(mut command: Command) -> String {
    let out = command.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
}

/// A server started by a documented command, its output in `log`; stopped with SIGTERM.
struct Served {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Served {
    /// Starts `command` (with `--listen` appended) and waits for `/readyz`; `cargo run` builds
    /// first, so the wait is long.
    fn start(mut command: Command, log: PathBuf) -> Served {
        let addr = free_addr();
        let file = std::fs::File::create(&log).unwrap();
        command
            .args(["--listen", &addr.to_string()])
            .stdout(file.try_clone().unwrap())
            .stderr(file);
        let child = command.spawn().expect("the server command starts");
        let mut served = Served { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(900);
        while !ready(addr) {
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("{command:?} exited ({status}):\n{}", served.log());
            }
            assert!(Instant::now() < deadline, "not ready:\n{}", served.log());
            std::thread::sleep(Duration::from_millis(200));
        }
        served
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as a service manager stops it; the log once it has exited.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.log()
    }

    fn kubectl(&self, home: &Path, args: &[&str]) -> String {
        let mut command = Command::new("kubectl");
        command
            .arg(format!("--server=http://{}", self.addr))
            .args(args)
            // The README's paths are relative to the checkout.
            .current_dir(root())
            .env("HOME", home)
            .env("KUBECONFIG", home.join("no-kubeconfig"));
        succeeds(command)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ready(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.write_all(b"GET /readyz HTTP/1.0\r\n\r\n");
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200")
}

/// The start and shutdown lines, and no colour codes in a log written to a file.
fn assert_logged(log: &str, addr: SocketAddr, store: &str) {
    let start = format!("serving on http://{addr}, store {store}");
    assert!(log.contains(&start), "no `{start}` in:\n{log}");
    assert!(log.contains("authorization AlwaysAllow"), "{log}");
    assert!(log.contains("shutting down"), "no shutdown line in:\n{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a file:\n{log}");
}

/// Writes `text` to `path`, creating its folder.
fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const WIDGET: &str = "apiVersion: example.com/v1
kind: Widget
metadata: {name: blue, namespace: default}
spec: {color: blue}
";

#[test]
#[ignore = "run by scripts/test.sh after the workspace's tests: it rebuilds widgets-server"]
fn readme_and_codegen_commands_run_as_written() {
    let readme = read("README.md");
    let codegen = read("docs/codegen.md");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let lockfile = root().join("Cargo.lock");

    // README, "Your own server": `krest new my-server` outside the checkout writes the main.rs
    // the README shows, depending on this checkout by path.
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    succeeds(command(
        &documented(&readme, "README.md", "krest new my-server"),
        &outside,
    ));
    let main_rs = block_after(&readme, "## Your own server", "rust,ignore");
    assert_eq!(
        std::fs::read_to_string(outside.join("my-server/src/main.rs")).unwrap(),
        main_rs,
        "README.md's main.rs differs from what `krest new my-server` writes"
    );
    let manifest = std::fs::read_to_string(outside.join("my-server/Cargo.toml")).unwrap();
    let runtime = manifest
        .lines()
        .find_map(|l| l.strip_prefix("krest = { path = \""))
        .and_then(|l| l.strip_suffix("\" }"))
        .expect("krest by path");
    assert!(outside
        .join("my-server")
        .join(runtime)
        .join("Cargo.toml")
        .is_file());

    // The README's Cargo.toml and main.rs, with its clone of krest being this checkout.
    let cargo_toml = block_after(&readme, "## Your own server", "toml");
    let dependency = "krest = { path = \"../krest/runtime\" }";
    assert!(cargo_toml.contains(dependency), "{cargo_toml}");
    let own = tmp.path().join("own/my-server");
    write(
        &own.join("Cargo.toml"),
        &cargo_toml.replace(
            dependency,
            &format!("krest = {{ path = {:?} }}", root().join("runtime")),
        ),
    );
    write(&own.join("src/main.rs"), &main_rs);
    std::fs::copy(&lockfile, own.join("Cargo.lock")).unwrap();
    let run = documented(
        &readme,
        "README.md",
        "cargo run -- --authorization-mode=AlwaysAllow",
    );
    let started = Instant::now();
    let server = Served::start(command(&run, &own), tmp.path().join("own.log"));
    eprintln!(
        "README's own server: built and ready in {:?}",
        started.elapsed()
    );
    std::fs::write(tmp.path().join("widget.yaml"), WIDGET).unwrap();
    let widget = tmp.path().join("widget.yaml");
    server.kubectl(&home, &["apply", "-f", widget.to_str().unwrap()]);
    let table = server.kubectl(&home, &["get", "widgets", "-n", "default"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "COLOR", "AGE"], "{table}");
    assert!(table.contains("blue"), "{table}");
    let addr = server.addr;
    assert_logged(&server.stop(), addr, "embedded ./krest-data/krest.redb");
    assert!(
        own.join("krest-data/krest.redb").is_file(),
        "the embedded store"
    );
    // Its `--help`: every flag with its default, to standard output, exit 0.
    let help = Command::new(target_dir().join("debug/my-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--store embedded|memory|etcd\n"), "{help}");
    assert!(help.contains("(default: embedded)"), "{help}");

    // docs/codegen.md: `krest` through cargo inside the checkout, `routes`, then `new`.
    let cli = documented(
        &codegen,
        "docs/codegen.md",
        "cargo run -p krest-codegen --features cli --",
    );
    let routes = documented(&codegen, "docs/codegen.md", "krest routes schemas");
    let table = succeeds(command(&[&cli[..], &routes[1..]].concat(), &root()));
    assert!(
        table.contains("/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale"),
        "{table}"
    );
    let mut new = documented(
        &codegen,
        "docs/codegen.md",
        "krest new my-server --schemas schemas --out my-server",
    );
    // Inside the checkout, as a user running it from there gets it (not a workspace member:
    // the crate must build as a workspace of its own). Removed when the test ends, however.
    let inside = tempfile::Builder::new()
        .prefix(".docs-commands-")
        .tempdir_in(root())
        .unwrap();
    let generated = inside.path().join("my-server");
    *new.last_mut().unwrap() = generated.display().to_string();
    succeeds(command(&[&cli[..], &new[1..]].concat(), &root()));
    // The README's form, from a clone (here into the temporary folder, not next to it).
    let mut starter = documented(
        &readme,
        "README.md",
        "cargo run -p krest-codegen --features cli -- new my-server --out ../my-server",
    );
    *starter.last_mut().unwrap() = tmp.path().join("starter").display().to_string();
    succeeds(command(&starter, &root()));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("starter/src/main.rs")).unwrap(),
        main_rs
    );

    // The generated server's own command (docs/codegen.md and its README).
    let run = documented(
        &codegen,
        "docs/codegen.md",
        "cd my-server && cargo run -- --authorization-mode=AlwaysAllow",
    );
    let manifest = std::fs::read_to_string(generated.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let generated_readme = std::fs::read_to_string(generated.join("README.md")).unwrap();
    let run = &run[run.iter().position(|w| w == "cargo").unwrap()..];
    documented(&generated_readme, "the generated README", &run.join(" "));
    std::fs::copy(&lockfile, generated.join("Cargo.lock")).unwrap();
    let started = Instant::now();
    let server = Served::start(command(run, &generated), tmp.path().join("generated.log"));
    eprintln!(
        "the generated server: built and ready in {:?}",
        started.elapsed()
    );
    let example = root().join("examples/widgets/widget.yaml");
    server.kubectl(&home, &["apply", "-f", example.to_str().unwrap()]);
    let table = server.kubectl(&home, &["get", "widgets"]);
    assert!(
        table.starts_with("NAME") && table.contains("blue"),
        "{table}"
    );
    let addr = server.addr;
    assert_logged(&server.stop(), addr, "embedded ./krest-data/krest.redb");

    // README: the example server, then its kubectl commands as written but for the address.
    let mut run = documented(
        &readme,
        "README.md",
        "cargo run -p krest-example-widgets -- --authorization-mode=AlwaysAllow",
    );
    let data = tmp.path().join("widgets-data");
    run.extend(["--data-dir".into(), data.display().to_string()]);
    let started = Instant::now();
    let server = Served::start(command(&run, &root()), tmp.path().join("widgets.log"));
    eprintln!("widgets-server: built and ready in {:?}", started.elapsed());
    let block = block_after(&readme, "Then, from another terminal", "sh");
    let lines: Vec<&str> = block.lines().filter(|l| l.starts_with("kubectl")).collect();
    assert_eq!(lines.len(), 5, "{block}");
    for line in lines {
        let words = documented(&readme, "README.md", line);
        let args: Vec<&str> = words[3..].iter().map(String::as_str).collect();
        assert_eq!(words[1..3], ["--server", "http://127.0.0.1:8080"], "{line}");
        let out = server.kubectl(&home, &args);
        assert!(!out.is_empty(), "{line}: no output");
    }
    let replicas = server.kubectl(
        &home,
        &["get", "widget/blue", "-o", "jsonpath={.spec.replicas}"],
    );
    assert_eq!(replicas, "5", "after the README's `kubectl scale`");
    let addr = server.addr;
    assert_logged(&server.stop(), addr, "embedded");

    // `widgets-server --help` and `widgets-server routes`, as the README names them.
    let binary = target_dir().join("debug/widgets-server");
    for words in [
        documented(&readme, "README.md", "widgets-server --help"),
        documented(&readme, "README.md", "widgets-server routes"),
    ] {
        let out = Command::new(&binary).args(&words[1..]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{words:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("--listen ADDR") || stdout.contains("/apis/demo.krest.dev/v1/"),
            "{stdout}"
        );
    }
}
