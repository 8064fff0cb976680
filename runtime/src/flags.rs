//! The command-line flags every krest server binary shares: where to listen, which store to
//! open, who may do what (kube-apiserver's authentication, authorization, TLS and limit flags).
//! Used by `widgets-server`, `from-yaml-server` and the crates `krest new` writes.
//!
//! One table, `FLAGS`, holds each flag's name, value, default, meaning and setter: the parser
//! and `--help` both read it, so that the help cannot miss a flag or show a stale default.
//! [`ServeFlags::from_env`] is what a `main` calls: help to standard output with exit 0, a
//! mistake to standard error with the usage line and exit 2.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::route::Route;
use crate::server::ServerBuilder;
use crate::store::{EmbeddedOptions, EmbeddedStore, MemoryStore, Store};

/// Parsed server flags.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeFlags {
    /// `--listen ADDR` (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// `--store embedded|memory|etcd` (default `embedded`).
    pub store: String,
    /// `--data-dir DIR` for the embedded store (default `./krest-data`).
    pub data_dir: PathBuf,
    /// `--etcd-endpoints URL[,URL]` (default `http://127.0.0.1:2379`).
    pub etcd_endpoints: Vec<String>,
    /// The `routes` subcommand: print the route table instead of serving.
    pub routes: bool,
    /// `--authorization-mode RBAC|AlwaysAllow|AlwaysDeny`; RBAC when a policy file is given.
    pub authorization_mode: Option<String>,
    /// `--authorization-policy-file FILE`: RBAC Roles, ClusterRoles and their bindings (YAML).
    pub authorization_policy_file: Option<PathBuf>,
    /// `--token-auth-file FILE`: bearer tokens, `token,user,uid,"group1,group2"` per line.
    pub token_auth_file: Option<PathBuf>,
    /// `--anonymous-auth[=true|false]`; by default true only without an authenticator.
    pub anonymous_auth: Option<bool>,
    /// `--tls-cert-file FILE` (PEM chain, leaf first).
    pub tls_cert_file: Option<PathBuf>,
    /// `--tls-private-key-file FILE` (PEM).
    pub tls_private_key_file: Option<PathBuf>,
    /// `--client-ca-file FILE`: client certificates it signs identify users.
    pub client_ca_file: Option<PathBuf>,
    /// `--max-requests-inflight`, `--max-mutating-requests-inflight`, `--request-timeout`,
    /// `--write-timeout`, `--max-connection-write-buffer`, `--max-write-buffer`,
    /// `--request-body-timeout`, `--max-request-body-buffer`, `--max-lists-inflight`.
    pub limits: crate::server::limits::Limits,
    /// `--watch-window-bytes BYTES`: how many bytes of recent changes each watch hub keeps, and
    /// the most one watcher may have waiting (default 64Mi).
    pub watch_window_bytes: usize,
    /// `--store-history-bytes BYTES`: how many bytes of past changes the embedded or memory
    /// store keeps for watches and old-revision lists (default 256Mi embedded, 64Mi memory).
    pub store_history_bytes: Option<usize>,
    /// `--log-requests`: one log line per request (see [`crate::logging`]).
    pub log_requests: bool,
    /// `--event-ttl DURATION`: how long an Event is kept after its last write (default 1h).
    pub event_ttl: std::time::Duration,
    /// `--leader-elect-lease-duration DURATION`: how long the controllers' Lease holds without
    /// renewal (default 15s).
    pub leader_elect_lease_duration: std::time::Duration,
}

impl Default for ServeFlags {
    fn default() -> Self {
        ServeFlags {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            store: "embedded".into(),
            data_dir: PathBuf::from("./krest-data"),
            etcd_endpoints: vec!["http://127.0.0.1:2379".into()],
            routes: false,
            authorization_mode: None,
            authorization_policy_file: None,
            token_auth_file: None,
            anonymous_auth: None,
            tls_cert_file: None,
            tls_private_key_file: None,
            client_ca_file: None,
            limits: crate::server::limits::Limits::default(),
            watch_window_bytes: crate::watch::WindowLimits::default().bytes,
            store_history_bytes: None,
            log_requests: false,
            event_ttl: crate::server::DEFAULT_EVENT_TTL,
            leader_elect_lease_duration: crate::server::DEFAULT_CONTROLLER_LEASE,
        }
    }
}

/// One flag: its name, what its value looks like, its default, one line of meaning, and how it
/// sets [`ServeFlags`]. The parser and `--help` read the same table, [`FLAGS`].
struct Flag {
    name: &'static str,
    /// `ADDR`, `FILE`, ...; empty for a boolean (`--flag`, `--flag=true|false`).
    value: &'static str,
    /// The default, as `--help` shows it (read from [`ServeFlags::default`]).
    default: fn(&ServeFlags) -> String,
    help: &'static str,
    set: fn(&mut ServeFlags, &str, String) -> Result<(), String>,
}

/// No default: the flag is unset unless given (`--help` says `none`).
fn unset(_: &ServeFlags) -> String {
    String::new()
}

/// Every flag, in the order `--help` lists them.
const FLAGS: &[Flag] = &[
    Flag {
        name: "--listen",
        value: "ADDR",
        default: |f| f.listen.to_string(),
        help: "the address and port to serve on",
        set: |f, name, v| {
            f.listen = v.parse().map_err(|e| format!("{name} {v:?}: {e}"))?;
            Ok(())
        },
    },
    Flag {
        name: "--store",
        value: "embedded|memory|etcd",
        default: |f| f.store.clone(),
        help: "where objects live: a durable file in --data-dir, memory (lost at exit), or etcd",
        set: |f, _, v| {
            f.store = v;
            Ok(())
        },
    },
    Flag {
        name: "--data-dir",
        value: "DIR",
        default: |f| f.data_dir.display().to_string(),
        help: "the embedded store's directory (created if missing)",
        set: |f, _, v| {
            f.data_dir = PathBuf::from(v);
            Ok(())
        },
    },
    Flag {
        name: "--etcd-endpoints",
        value: "URL[,URL]",
        default: |f| f.etcd_endpoints.join(","),
        help: "the etcd cluster of --store etcd (a server built with the `etcd` feature)",
        set: |f, _, v| {
            f.etcd_endpoints = v.split(',').map(str::to_string).collect();
            Ok(())
        },
    },
    Flag {
        name: "--authorization-mode",
        value: "RBAC|AlwaysAllow|AlwaysDeny",
        default: unset,
        help: "who may do what; required unless --authorization-policy-file is given (RBAC)",
        set: |f, _, v| {
            f.authorization_mode = Some(v);
            Ok(())
        },
    },
    Flag {
        name: "--authorization-policy-file",
        value: "FILE",
        default: unset,
        help: "RBAC Roles, ClusterRoles and their bindings (YAML); implies RBAC",
        set: |f, _, v| {
            f.authorization_policy_file = Some(PathBuf::from(v));
            Ok(())
        },
    },
    Flag {
        name: "--token-auth-file",
        value: "FILE",
        default: unset,
        help: "bearer tokens, one `token,user,uid,\"group1,group2\"` per line",
        set: |f, _, v| {
            f.token_auth_file = Some(PathBuf::from(v));
            Ok(())
        },
    },
    Flag {
        name: "--anonymous-auth",
        value: "",
        default: |_| "true without an authenticator, else false".into(),
        help: "serve requests without credentials as system:anonymous",
        set: |f, name, v| {
            f.anonymous_auth = Some(match v.as_str() {
                "true" => true,
                "false" => false,
                other => return Err(format!("{name} {other:?}: use true or false")),
            });
            Ok(())
        },
    },
    Flag {
        name: "--tls-cert-file",
        value: "FILE",
        default: unset,
        help:
            "serve HTTPS with this PEM certificate chain, leaf first (with --tls-private-key-file)",
        set: |f, _, v| {
            f.tls_cert_file = Some(PathBuf::from(v));
            Ok(())
        },
    },
    Flag {
        name: "--tls-private-key-file",
        value: "FILE",
        default: unset,
        help: "the PEM private key of --tls-cert-file",
        set: |f, _, v| {
            f.tls_private_key_file = Some(PathBuf::from(v));
            Ok(())
        },
    },
    Flag {
        name: "--client-ca-file",
        value: "FILE",
        default: unset,
        help: "client certificates this CA signs identify users (CN the user, O the groups)",
        set: |f, _, v| {
            f.client_ca_file = Some(PathBuf::from(v));
            Ok(())
        },
    },
    Flag {
        name: "--max-requests-inflight",
        value: "N",
        default: |f| f.limits.max_requests_in_flight.to_string(),
        help: "reads served at once before 429 TooManyRequests (0: no limit)",
        set: |f, name, v| {
            f.limits.max_requests_in_flight = count(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--max-mutating-requests-inflight",
        value: "N",
        default: |f| f.limits.max_mutating_requests_in_flight.to_string(),
        help: "writes served at once before 429 TooManyRequests (0: no limit)",
        set: |f, name, v| {
            f.limits.max_mutating_requests_in_flight = count(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--request-timeout",
        value: "DURATION",
        default: |f| show_duration(f.limits.request_timeout),
        help: "longest time a request other than a watch may take (504 Timeout)",
        set: |f, name, v| {
            f.limits.request_timeout = duration_flag(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--write-timeout",
        value: "DURATION",
        default: |f| show_duration(f.limits.write_timeout),
        help: "a connection whose client takes no response bytes for this long is closed",
        set: |f, name, v| {
            f.limits.write_timeout = duration_flag(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--max-connection-write-buffer",
        value: "BYTES",
        default: |f| show_bytes(f.limits.max_connection_write_buffer),
        help: "response bytes one connection may have waiting for its client",
        set: |f, name, v| {
            f.limits.max_connection_write_buffer = bytes(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--max-write-buffer",
        value: "BYTES",
        default: |f| show_bytes(f.limits.max_write_buffer),
        help: "response bytes all connections together may have waiting",
        set: |f, name, v| {
            f.limits.max_write_buffer = bytes(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--request-body-timeout",
        value: "DURATION",
        default: |f| show_duration(f.limits.request_body_timeout),
        help: "longest time a client may take to send a request body (408)",
        set: |f, name, v| {
            f.limits.request_body_timeout = duration_flag(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--max-request-body-buffer",
        value: "BYTES",
        default: |f| show_bytes(f.limits.max_request_body_buffer),
        help: "request body bytes read ahead of their requests, all connections together",
        set: |f, name, v| {
            f.limits.max_request_body_buffer = bytes(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--max-lists-inflight",
        value: "N",
        default: |f| f.limits.max_lists_in_flight.to_string(),
        help: "lists read from the store at once; others wait (0: no limit)",
        set: |f, name, v| {
            f.limits.max_lists_in_flight = count(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--event-ttl",
        value: "DURATION",
        default: |f| show_duration(f.event_ttl),
        help: "how long an Event is kept after its last write; the store deletes it then",
        set: |f, name, v| {
            f.event_ttl = duration_flag(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--leader-elect-lease-duration",
        value: "DURATION",
        default: |f| show_duration(f.leader_elect_lease_duration),
        help: "of the servers sharing a store, the garbage collector and namespace controller run on the one holding their Lease; another takes over this long after it stops renewing",
        set: |f, name, v| {
            f.leader_elect_lease_duration = duration_flag(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--watch-window-bytes",
        value: "BYTES",
        default: |f| show_bytes(f.watch_window_bytes),
        help: "recent changes each watch hub keeps, and the most one watcher may have waiting",
        set: |f, name, v| {
            f.watch_window_bytes = bytes(name, &v)?;
            Ok(())
        },
    },
    Flag {
        name: "--store-history-bytes",
        value: "BYTES",
        default: |_| {
            format!(
                "{} embedded, {} memory",
                show_bytes(EmbeddedOptions::default().keep_bytes),
                show_bytes(crate::store::memory::DEFAULT_HISTORY_BYTES)
            )
        },
        help: "past changes the embedded or memory store keeps for watches and old lists",
        set: |f, name, v| {
            f.store_history_bytes = Some(bytes(name, &v)?);
            Ok(())
        },
    },
    Flag {
        name: "--log-requests",
        value: "",
        default: |f| f.log_requests.to_string(),
        help: "log one line per request (or RUST_LOG=krest::request=debug; RUST_LOG sets levels)",
        set: |f, name, v| {
            f.log_requests = match v.as_str() {
                "true" => true,
                "false" => false,
                other => return Err(format!("{name} {other:?}: use true or false")),
            };
            Ok(())
        },
    },
];

/// Why [`ServeFlags::parse`] returned no flags.
#[derive(Clone, Debug, PartialEq)]
pub enum FlagsError {
    /// `-h` or `--help`: the help text, for standard output (exit 0).
    Help(String),
    /// A mistake: the message and the usage line, for standard error (exit 2).
    Invalid(String),
}

impl std::fmt::Display for FlagsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlagsError::Help(text) | FlagsError::Invalid(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for FlagsError {}

impl ServeFlags {
    /// The usage line of `program`.
    pub fn usage(program: &str) -> String {
        let mut line = format!("usage: {program} [routes]");
        let mut width = line.len();
        for flag in FLAGS {
            let item = match flag.value {
                "" => format!(" [{}[=true|false]]", flag.name),
                value => format!(" [{} {value}]", flag.name),
            };
            if width + item.len() > 100 {
                line.push_str("\n      ");
                width = 6;
            }
            width += item.len();
            line.push_str(&item);
        }
        line.push_str(" [-h|--help]");
        line
    }

    /// The `--help` text of `program`: the usage line, then every flag with its default and
    /// one line of meaning.
    pub fn help(program: &str) -> String {
        let defaults = ServeFlags::default();
        let mut text = format!(
            "{program}: a krest server.\n\n{}\n\n  routes  print the route table instead of serving\n\nflags (`--flag value` or `--flag=value`):\n",
            Self::usage(program)
        );
        for flag in FLAGS {
            let head = match flag.value {
                "" => format!("{}[=true|false]", flag.name),
                value => format!("{} {value}", flag.name),
            };
            text.push_str(&format!("  {head}\n      {}", flag.help));
            let default = (flag.default)(&defaults);
            let default = if default.is_empty() { "none" } else { &default };
            text.push_str(&format!(" (default: {default})\n"));
        }
        text.push_str(
            "  -h, --help\n      print this help\n\nenvironment: RUST_LOG sets what is logged (default info; RUST_LOG=debug, RUST_LOG=krest::request=debug);\nNO_COLOR=1 turns colour off (it is on only when standard error is a terminal).\n",
        );
        text
    }

    /// Parses `args` (without the program name); `--flag value` and `--flag=value` both work.
    /// `-h`/`--help` answers [`FlagsError::Help`]; a mistake answers [`FlagsError::Invalid`]
    /// with the message to print, ending with the usage line.
    pub fn parse(
        program: &str,
        args: impl IntoIterator<Item = String>,
    ) -> Result<ServeFlags, FlagsError> {
        let invalid =
            |message: String| FlagsError::Invalid(format!("{message}\n{}", Self::usage(program)));
        let mut flags = ServeFlags::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            match name.as_str() {
                "routes" if inline.is_none() => {
                    flags.routes = true;
                    continue;
                }
                "-h" | "--help" => return Err(FlagsError::Help(Self::help(program))),
                _ => {}
            }
            let Some(flag) = FLAGS.iter().find(|f| f.name == name) else {
                return Err(invalid(format!("unknown argument {arg:?}")));
            };
            let value = match (flag.value, inline) {
                (_, Some(value)) => value,
                // A boolean alone means true, as in Go's flags.
                ("", None) => "true".to_string(),
                (_, None) => args
                    .next()
                    .ok_or_else(|| invalid(format!("{name} needs a value")))?,
            };
            (flag.set)(&mut flags, &name, value).map_err(invalid)?;
        }
        Ok(flags)
    }

    /// The flags of this process's command line, for `main`: on `-h`/`--help` prints the help
    /// to standard output and exits 0; on a mistake prints it and the usage line to standard
    /// error and exits 2, as Go's flag package (and so kube-apiserver) does.
    pub fn from_env(program: &str) -> ServeFlags {
        match Self::parse(program, std::env::args().skip(1)) {
            Ok(flags) => flags,
            Err(FlagsError::Help(text)) => {
                print!("{text}");
                std::process::exit(0)
            }
            Err(FlagsError::Invalid(message)) => {
                eprintln!("{program}: {message}");
                std::process::exit(2)
            }
        }
    }

    /// Configures `builder` as the authentication, authorization, TLS and limit flags say.
    /// Authorization must be chosen: a policy file (RBAC), or `AlwaysAllow` by name.
    pub fn configure(&self, mut builder: ServerBuilder) -> Result<ServerBuilder, String> {
        use crate::auth::{AlwaysAllow, AlwaysDeny, Rbac, TokenFile};
        let mode = match (&self.authorization_mode, &self.authorization_policy_file) {
            (Some(mode), _) => mode.as_str(),
            (None, Some(_)) => "RBAC",
            (None, None) => {
                return Err(
                    "choose who may do what: --authorization-policy-file FILE (RBAC roles and bindings), or --authorization-mode=AlwaysAllow to let every request through"
                        .into(),
                )
            }
        };
        builder = match mode {
            "RBAC" => {
                let Some(path) = &self.authorization_policy_file else {
                    return Err(
                        "--authorization-mode=RBAC needs --authorization-policy-file FILE".into(),
                    );
                };
                builder.authorizer(Rbac::load(path).map_err(|e| e.to_string())?)
            }
            "AlwaysAllow" => builder.authorizer(AlwaysAllow),
            "AlwaysDeny" => builder.authorizer(AlwaysDeny),
            other => {
                return Err(format!(
                    "--authorization-mode {other:?}: use RBAC, AlwaysAllow or AlwaysDeny"
                ))
            }
        };
        if let Some(path) = &self.token_auth_file {
            builder = builder.tokens(TokenFile::load(path)?);
        }
        if let Some(anonymous) = self.anonymous_auth {
            builder = builder.anonymous(anonymous);
        }
        builder = builder
            .limits(self.limits.clone())
            .watch_window_bytes(self.watch_window_bytes)
            .event_ttl(self.event_ttl)
            .controller_lease(self.leader_elect_lease_duration);
        match (&self.tls_cert_file, &self.tls_private_key_file) {
            (None, None) if self.client_ca_file.is_some() => {
                Err("--client-ca-file needs --tls-cert-file and --tls-private-key-file".into())
            }
            (None, None) => Ok(builder),
            (Some(cert), Some(key)) => self.tls(builder, cert, key),
            _ => Err("--tls-cert-file and --tls-private-key-file go together".into()),
        }
    }

    #[cfg(feature = "tls")]
    fn tls(
        &self,
        builder: ServerBuilder,
        cert: &std::path::Path,
        key: &std::path::Path,
    ) -> Result<ServerBuilder, String> {
        let tls = crate::TlsConfig::from_pem_files(cert, key, self.client_ca_file.as_deref())?;
        Ok(builder.tls(tls))
    }

    #[cfg(not(feature = "tls"))]
    fn tls(
        &self,
        _: ServerBuilder,
        _: &std::path::Path,
        _: &std::path::Path,
    ) -> Result<ServerBuilder, String> {
        Err("this server was built without the `tls` feature".into())
    }

    /// Opens the store the flags name.
    pub async fn open_store(&self) -> Result<Arc<dyn Store>, String> {
        match self.store.as_str() {
            "memory" => Ok(Arc::new(match self.store_history_bytes {
                Some(bytes) => MemoryStore::with_history_bytes(bytes),
                None => MemoryStore::new(),
            })),
            "embedded" => EmbeddedStore::open(
                &self.data_dir,
                EmbeddedOptions {
                    keep_bytes: self
                        .store_history_bytes
                        .unwrap_or(EmbeddedOptions::default().keep_bytes),
                    ..EmbeddedOptions::default()
                },
            )
            .map(|s| Arc::new(s) as Arc<dyn Store>)
            .map_err(|e| format!("opening {}: {e}", self.data_dir.display())),
            #[cfg(feature = "etcd")]
            "etcd" => crate::store::EtcdStore::connect(&self.etcd_endpoints, "/krest")
                .await
                .map(|s| Arc::new(s) as Arc<dyn Store>)
                .map_err(|e| format!("connecting to etcd at {:?}: {e}", self.etcd_endpoints)),
            #[cfg(not(feature = "etcd"))]
            "etcd" => Err("this server was built without the `etcd` feature".into()),
            other => Err(format!(
                "unknown store {other:?}: use embedded, memory or etcd"
            )),
        }
    }
}

fn count(name: &str, value: &str) -> Result<usize, String> {
    value
        .parse()
        .map_err(|_| format!("{name} {value:?}: use a whole number (0 for no limit)"))
}

fn duration_flag(name: &str, value: &str) -> Result<std::time::Duration, String> {
    duration(value).ok_or_else(|| format!("{name} {value:?}: use a duration such as 60s or 1m30s"))
}

/// A size in bytes, as a Kubernetes quantity writes it: `1048576`, `64Ki`, `8Mi`, `1Gi` (or
/// the decimal `k`, `M`, `G`); `0` for no limit.
fn bytes(name: &str, value: &str) -> Result<usize, String> {
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let unit: usize = match &value[split..] {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => usize::MAX,
    };
    value[..split]
        .parse::<usize>()
        .ok()
        .filter(|_| unit != usize::MAX)
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| {
            format!("{name} {value:?}: use a size such as 8Mi or 1048576 (0 for no limit)")
        })
}

/// A duration as the flags take it, in seconds (`60s`) or milliseconds (`500ms`).
fn show_duration(d: std::time::Duration) -> String {
    match d.subsec_millis() {
        0 => format!("{}s", d.as_secs()),
        _ => format!("{}ms", d.as_millis()),
    }
}

/// A size as the flags take it: `8Mi`, `64Ki`, `1000`.
fn show_bytes(n: usize) -> String {
    for (unit, size) in [("Gi", 1usize << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{}{unit}", n / size);
        }
    }
    n.to_string()
}

/// A Go-style duration: `60s`, `1m`, `1m30s`, `1h`, `500ms`; a bare number is seconds.
fn duration(text: &str) -> Option<std::time::Duration> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(std::time::Duration::from_secs(seconds));
    }
    let mut total = std::time::Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        total += match &rest[..unit] {
            "h" => std::time::Duration::from_secs(number.checked_mul(3600)?),
            "m" => std::time::Duration::from_secs(number.checked_mul(60)?),
            "s" => std::time::Duration::from_secs(number),
            "ms" => std::time::Duration::from_millis(number),
            _ => return None,
        };
        rest = &rest[unit..];
    }
    Some(total)
}

/// Prints a route table: method, path, operation id.
pub fn print_routes<'a>(routes: impl IntoIterator<Item = &'a Route>) {
    for route in routes {
        let a = &route.action;
        println!("{:<7} {:<72} {}", a.method, a.path, a.operation_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ServeFlags, String> {
        ServeFlags::parse("s", args.iter().map(|a| a.to_string())).map_err(|e| match e {
            FlagsError::Invalid(message) => message,
            FlagsError::Help(text) => panic!("help instead of an error: {text}"),
        })
    }

    #[test]
    fn defaults_and_both_spellings() {
        assert_eq!(parse(&[]).unwrap(), ServeFlags::default());
        let f = parse(&[
            "--listen=127.0.0.1:9",
            "--store",
            "memory",
            "--etcd-endpoints",
            "http://a,http://b",
            "routes",
        ])
        .unwrap();
        assert_eq!(f.listen.port(), 9);
        assert_eq!(f.store, "memory");
        assert_eq!(f.etcd_endpoints, ["http://a", "http://b"]);
        assert!(f.routes);
    }

    #[test]
    fn bad_flags_say_why_and_how() {
        for (args, says) in [
            (&["--nope"][..], "unknown argument"),
            (&["--listen"][..], "needs a value"),
            (&["--listen", "here"][..], "--listen \"here\""),
        ] {
            let e = parse(args).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
        assert!(parse(&["--nope"]).unwrap_err().ends_with("[-h|--help]"));
    }

    #[test]
    fn help_lists_every_flag_with_its_default() {
        for arg in ["-h", "--help"] {
            let Err(FlagsError::Help(text)) = ServeFlags::parse("s", [arg.to_string()]) else {
                panic!("{arg} is not help");
            };
            assert!(
                text.starts_with("s: a krest server.\n\nusage: s [routes]"),
                "{text}"
            );
            for flag in FLAGS {
                assert!(
                    text.contains(&format!("\n  {}", flag.name)),
                    "{}",
                    flag.name
                );
                assert!(!flag.help.is_empty());
            }
            for shown in [
                "(default: 127.0.0.1:8080)",
                "(default: embedded)",
                "(default: ./krest-data)",
                "(default: 60s)",
                "(default: 8Mi)",
                "(default: 400)",
                "RUST_LOG",
                "NO_COLOR",
            ] {
                assert!(text.contains(shown), "{shown} missing:\n{text}");
            }
            // Every default shown parses back to the default.
            let defaults = ServeFlags::default();
            for flag in FLAGS.iter().filter(|f| !f.value.is_empty()) {
                let shown = (flag.default)(&defaults);
                if shown.is_empty() || shown.contains(' ') {
                    continue;
                }
                let parsed = parse(&[&format!("{}={shown}", flag.name)]).unwrap();
                assert_eq!(parsed, defaults, "{} {shown}", flag.name);
            }
        }
        assert!(parse(&["--log-requests"]).unwrap().log_requests);
    }

    #[test]
    fn security_and_limit_flags() {
        let f = parse(&[
            "--authorization-policy-file",
            "p.yaml",
            "--token-auth-file=t.csv",
            "--anonymous-auth=false",
            "--max-requests-inflight",
            "7",
            "--request-timeout=1m30s",
        ])
        .unwrap();
        assert_eq!(f.authorization_policy_file, Some(PathBuf::from("p.yaml")));
        assert_eq!(f.token_auth_file, Some(PathBuf::from("t.csv")));
        assert_eq!(f.anonymous_auth, Some(false));
        assert_eq!(f.limits.max_requests_in_flight, 7);
        assert_eq!(f.limits.request_timeout, std::time::Duration::from_secs(90));
        assert_eq!(
            parse(&["--anonymous-auth"]).unwrap().anonymous_auth,
            Some(true)
        );
        assert!(parse(&["--anonymous-auth=maybe"]).is_err());
        assert!(parse(&["--request-timeout=soon"]).is_err());
        let sized = parse(&["--watch-window-bytes=512Ki", "--store-history-bytes", "1Gi"]).unwrap();
        assert_eq!(sized.watch_window_bytes, 512 << 10);
        assert_eq!(sized.store_history_bytes, Some(1 << 30));
        assert_eq!(
            parse(&["--watch-window-bytes=1000"])
                .unwrap()
                .watch_window_bytes,
            1000
        );
        assert!(parse(&["--watch-window-bytes=64MB"]).is_err());
        let f = parse(&[
            "--write-timeout=2m",
            "--request-body-timeout",
            "5s",
            "--max-connection-write-buffer=512Ki",
            "--max-write-buffer",
            "1Gi",
            "--max-request-body-buffer=0",
            "--max-lists-inflight=3",
        ])
        .unwrap();
        assert_eq!(f.limits.write_timeout, std::time::Duration::from_secs(120));
        assert_eq!(
            f.limits.request_body_timeout,
            std::time::Duration::from_secs(5)
        );
        assert_eq!(f.limits.max_connection_write_buffer, 512 << 10);
        assert_eq!(f.limits.max_write_buffer, 1 << 30);
        assert_eq!(f.limits.max_request_body_buffer, 0);
        assert_eq!(f.limits.max_lists_in_flight, 3);
        for bad in [
            "--max-write-buffer=8MB",
            "--max-write-buffer=-1",
            "--write-timeout=x",
        ] {
            assert!(parse(&[bad]).is_err(), "{bad}");
        }
        assert_eq!(
            duration("500ms"),
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(duration("2h"), Some(std::time::Duration::from_secs(7200)));
        assert_eq!(duration("5x"), None);
    }

    #[test]
    fn authorization_must_be_chosen() {
        let e = ServeFlags::default()
            .configure(crate::Server::builder())
            .err()
            .unwrap();
        assert!(e.contains("--authorization-mode=AlwaysAllow"), "{e}");
        let f = parse(&["--authorization-mode=Maybe"]).unwrap();
        let e = f.configure(crate::Server::builder()).err().unwrap();
        assert!(e.contains("use RBAC, AlwaysAllow or AlwaysDeny"), "{e}");
        let f = parse(&["--authorization-mode=AlwaysAllow", "--tls-cert-file=c.pem"]).unwrap();
        let e = f.configure(crate::Server::builder()).err().unwrap();
        assert!(e.contains("go together"), "{e}");
    }

    #[tokio::test]
    async fn unknown_store_is_an_error() {
        let flags = ServeFlags {
            store: "disk".into(),
            ..ServeFlags::default()
        };
        match flags.open_store().await {
            Err(e) => assert!(e.contains("unknown store"), "{e}"),
            Ok(_) => panic!("an unknown store opened"),
        }
    }
}
