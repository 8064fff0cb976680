//! The command-line flags every krest server binary shares: where to listen, which store to
//! open, who may do what (kube-apiserver's authentication, authorization, TLS and limit flags).
//! Used by `widgets-server`, `from-yaml-server` and the crates `krest new` writes.

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
        }
    }
}

impl ServeFlags {
    /// The usage line of `program`.
    pub fn usage(program: &str) -> String {
        format!(
            "usage: {program} [routes] [--listen ADDR] [--store embedded|memory|etcd] [--data-dir DIR] [--etcd-endpoints URL[,URL]]
       [--authorization-mode RBAC|AlwaysAllow|AlwaysDeny] [--authorization-policy-file FILE]
       [--token-auth-file FILE] [--anonymous-auth=true|false]
       [--tls-cert-file FILE --tls-private-key-file FILE] [--client-ca-file FILE]
       [--max-requests-inflight N] [--max-mutating-requests-inflight N] [--request-timeout DURATION]
       [--write-timeout DURATION] [--max-connection-write-buffer BYTES] [--max-write-buffer BYTES]
       [--request-body-timeout DURATION] [--max-request-body-buffer BYTES] [--max-lists-inflight N]
       [--watch-window-bytes BYTES] [--store-history-bytes BYTES]"
        )
    }

    /// Parses `args` (without the program name); `--flag value` and `--flag=value` both work.
    /// The error is the message to print, ending with the usage line.
    pub fn parse(
        program: &str,
        args: impl IntoIterator<Item = String>,
    ) -> Result<ServeFlags, String> {
        let mut flags = ServeFlags::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value\n{}", Self::usage(program)))
            };
            match name.as_str() {
                "routes" => flags.routes = true,
                "--listen" => {
                    let v = value()?;
                    flags.listen = v.parse().map_err(|e| format!("--listen {v:?}: {e}"))?;
                }
                "--store" => flags.store = value()?,
                "--data-dir" => flags.data_dir = PathBuf::from(value()?),
                "--etcd-endpoints" => {
                    flags.etcd_endpoints = value()?.split(',').map(str::to_string).collect();
                }
                "--authorization-mode" => flags.authorization_mode = Some(value()?),
                "--authorization-policy-file" => {
                    flags.authorization_policy_file = Some(PathBuf::from(value()?));
                }
                "--token-auth-file" => flags.token_auth_file = Some(PathBuf::from(value()?)),
                "--anonymous-auth" => {
                    // A boolean flag: `--anonymous-auth` alone means true, as in Go's flags.
                    flags.anonymous_auth = Some(match inline.as_deref() {
                        None | Some("true") => true,
                        Some("false") => false,
                        Some(other) => {
                            return Err(format!("--anonymous-auth {other:?}: use true or false"))
                        }
                    });
                }
                "--tls-cert-file" => flags.tls_cert_file = Some(PathBuf::from(value()?)),
                "--tls-private-key-file" => {
                    flags.tls_private_key_file = Some(PathBuf::from(value()?));
                }
                "--client-ca-file" => flags.client_ca_file = Some(PathBuf::from(value()?)),
                "--max-requests-inflight" => {
                    flags.limits.max_requests_in_flight = count(&name, &value()?)?;
                }
                "--max-mutating-requests-inflight" => {
                    flags.limits.max_mutating_requests_in_flight = count(&name, &value()?)?;
                }
                "--request-timeout" => {
                    flags.limits.request_timeout = duration_flag(&name, &value()?)?;
                }
                "--write-timeout" => {
                    flags.limits.write_timeout = duration_flag(&name, &value()?)?;
                }
                "--request-body-timeout" => {
                    flags.limits.request_body_timeout = duration_flag(&name, &value()?)?;
                }
                "--max-connection-write-buffer" => {
                    flags.limits.max_connection_write_buffer = bytes(&name, &value()?)?;
                }
                "--max-write-buffer" => {
                    flags.limits.max_write_buffer = bytes(&name, &value()?)?;
                }
                "--max-lists-inflight" => {
                    flags.limits.max_lists_in_flight = count(&name, &value()?)?;
                }
                "--max-request-body-buffer" => {
                    flags.limits.max_request_body_buffer = bytes(&name, &value()?)?;
                }
                "--watch-window-bytes" => flags.watch_window_bytes = bytes(&name, &value()?)?,
                "--store-history-bytes" => {
                    flags.store_history_bytes = Some(bytes(&name, &value()?)?);
                }
                "-h" | "--help" => return Err(Self::usage(program)),
                other => {
                    return Err(format!(
                        "unknown argument {other:?}\n{}",
                        Self::usage(program)
                    ))
                }
            }
        }
        Ok(flags)
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
            .watch_window_bytes(self.watch_window_bytes);
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
        ServeFlags::parse("s", args.iter().map(|a| a.to_string()))
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
        assert!(parse(&["--help"]).unwrap_err().starts_with("usage: s"));
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
