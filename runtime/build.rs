//! What `/version` reports about this build, as compile-time environment variables:
//!
//! - `KREST_GIT_COMMIT`: the commit built (`git rev-parse HEAD`), or `KREST_GIT_COMMIT` from the
//!   environment, or empty outside a git checkout (a crate from a registry).
//! - `KREST_BUILD_DATE`: `SOURCE_DATE_EPOCH` when set (reproducible builds), else the time this
//!   script ran, in RFC 3339 (UTC). The script runs again when the checked-out commit moves or
//!   either variable changes, not on every edit, so the date is that of the build of the commit.
//! - `KREST_RUSTC_VERSION`: `rustc --version` of the compiler.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-env-changed=KREST_GIT_COMMIT");
    let commit = std::env::var("KREST_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(git_commit)
        .unwrap_or_default();
    println!("cargo:rustc-env=KREST_GIT_COMMIT={commit}");
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    println!("cargo:rustc-env=KREST_BUILD_DATE={}", rfc3339(seconds));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = output(Command::new(rustc).arg("--version")).unwrap_or_default();
    println!("cargo:rustc-env=KREST_RUSTC_VERSION={version}");
}

fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The commit checked out, and the files whose change means another one is: `HEAD`, the branch
/// it points to and `packed-refs` (a worktree's `HEAD` is in its own git directory).
fn git_commit() -> Option<String> {
    let git = |args: &[&str]| output(Command::new("git").args(args));
    let commit = git(&["rev-parse", "HEAD"])?;
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in watched.into_iter().flatten() {
        let path = std::path::Path::new(&path);
        if path.exists() {
            let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(commit)
}

/// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the civil-from-days algorithm).
fn rfc3339(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}
