//! The log every krest server binary writes: one function, [`init`], shared by
//! `widgets-server`, `from-yaml-server` and the crates `krest new` writes, so that they all log
//! alike.
//!
//! - Lines go to standard error, coloured only when it is a terminal and `NO_COLOR` is unset
//!   or empty (<https://no-color.org>): a log redirected to a file holds no escape codes.
//! - The level is `info`, or what `RUST_LOG` says (`RUST_LOG=debug`,
//!   `RUST_LOG=info,krest::store=debug`: tracing-subscriber's `EnvFilter` syntax).
//! - Requests are logged one line each (method, URI, user, code, microseconds) under the target
//!   `krest::request` at debug level: `--log-requests` (or `RUST_LOG=krest::request=debug`)
//!   turns them on.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The directive that shows every request.
pub const REQUESTS: &str = "krest::request=debug";

/// Installs the log as the process's global tracing subscriber: `info` unless `RUST_LOG` says
/// otherwise, plus one line per request when `requests` is set. Does nothing when a subscriber
/// is already installed (a test that called it twice, an application with its own).
pub fn init(requests: bool) {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref(), requests);
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

/// The filter of `RUST_LOG` (`info` when unset or empty), with requests added when asked for.
fn filter(rust_log: Option<&str>, requests: bool) -> EnvFilter {
    let mut directives = match rust_log {
        Some(text) if !text.trim().is_empty() => text.to_string(),
        _ => "info".to_string(),
    };
    if requests {
        directives.push(',');
        directives.push_str(REQUESTS);
    }
    EnvFilter::builder().parse_lossy(directives)
}

/// Whether to colour the log: on a terminal, unless `NO_COLOR` is set to anything but "".
fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))));
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
    }

    #[test]
    fn requests_are_added_to_rust_log() {
        assert_eq!(filter(None, false).to_string(), "info");
        assert_eq!(filter(Some(" "), false).to_string(), "info");
        let f = filter(Some("warn"), true).to_string();
        assert!(f.contains("warn") && f.contains(REQUESTS), "{f}");
    }
}
