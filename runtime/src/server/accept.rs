//! Accepting connections when the process runs out of file descriptors: the soft limit is
//! raised to the hard one at start (as Go's runtime does for every program), and a failing
//! `accept` backs off from 5 ms, doubling to 1 s (Go's `net/http`), and is logged once per
//! interval with a count rather than once per failure.

use std::time::Duration;

use tokio::time::Instant;

/// How often a run of failing accepts is logged.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The state of a listener's accept loop.
#[derive(Default)]
pub(crate) struct Backoff {
    pause: Duration,
    /// Failures not yet logged, and when the last log line was written.
    unlogged: u64,
    logged: Option<Instant>,
}

impl Backoff {
    /// An accept failed: how long to wait before the next one.
    pub fn failed(&mut self, error: &std::io::Error) -> Duration {
        self.pause = if self.pause.is_zero() {
            Duration::from_millis(5)
        } else {
            (self.pause * 2).min(Duration::from_secs(1))
        };
        self.unlogged += 1;
        let now = Instant::now();
        if self
            .logged
            .is_none_or(|at| now.duration_since(at) >= LOG_EVERY)
        {
            tracing::warn!(
                %error,
                failures = self.unlogged,
                retry_in_ms = self.pause.as_millis() as u64,
                "accept failed (out of file descriptors?); logged once every {}s while it lasts",
                LOG_EVERY.as_secs()
            );
            self.unlogged = 0;
            self.logged = Some(now);
        }
        self.pause
    }

    /// An accept succeeded: the next failure starts from the shortest pause again.
    pub fn succeeded(&mut self) {
        self.pause = Duration::ZERO;
    }
}

/// Raises the soft limit on open files to the hard limit, once per process.
pub(crate) fn raise_open_files_limit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(raise);
}

#[cfg(unix)]
fn raise() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return;
    }
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => tracing::debug!(
            from = limit.current,
            to = limit.maximum,
            "raised the open files limit"
        ),
        Err(e) => tracing::debug!(error = %e, "raising the open files limit failed"),
    }
}

#[cfg(not(unix))]
fn raise() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn backs_off_doubling_to_a_second_and_starts_over_after_a_success() {
        let error = std::io::Error::other("too many open files");
        let mut backoff = Backoff::default();
        let pauses: Vec<u64> = (0..10)
            .map(|_| backoff.failed(&error).as_millis() as u64)
            .collect();
        assert_eq!(pauses, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert_eq!(
            backoff.unlogged, 9,
            "one line for the first failure, then none"
        );
        tokio::time::advance(LOG_EVERY).await;
        backoff.failed(&error);
        assert_eq!(backoff.unlogged, 0);
        backoff.succeeded();
        assert_eq!(backoff.failed(&error), Duration::from_millis(5));
    }
}
