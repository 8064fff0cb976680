//! The command-line flags every krest server binary shares: where to listen and which store to
//! open. Used by `widgets-server`, `from-yaml-server` and the crates `krest new` writes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::route::Route;
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
}

impl Default for ServeFlags {
    fn default() -> Self {
        ServeFlags {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            store: "embedded".into(),
            data_dir: PathBuf::from("./krest-data"),
            etcd_endpoints: vec!["http://127.0.0.1:2379".into()],
            routes: false,
        }
    }
}

impl ServeFlags {
    /// The usage line of `program`.
    pub fn usage(program: &str) -> String {
        format!(
            "usage: {program} [routes] [--listen ADDR] [--store embedded|memory|etcd] [--data-dir DIR] [--etcd-endpoints URL[,URL]]"
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

    /// Opens the store the flags name.
    pub async fn open_store(&self) -> Result<Arc<dyn Store>, String> {
        match self.store.as_str() {
            "memory" => Ok(Arc::new(MemoryStore::new())),
            "embedded" => EmbeddedStore::open(&self.data_dir, EmbeddedOptions::default())
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
