//! The writer thread: group commit, compaction, and the fan-out of committed events.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use redb::{Durability, ReadableDatabase, ReadableTable, Table};

use super::codec::{decode_entry, encode_entry, Change};
use super::{backend, corrupt, EmbeddedOptions, Op, Shared, BATCHES, EXPIRY, KEYS, LOG, META};
use crate::store::{Event, EventKind, KeyValue, Result, StoreError, WatchItem};

/// The most writes one transaction carries.
const MAX_BATCH: usize = 1024;

/// Why a batch failed, and whether the store may go on.
struct Failure {
    error: StoreError,
    /// The commit itself failed (an fsync, typically): what is on disk is unknown until the
    /// database is reopened, so the writer refuses every later write.
    fatal: bool,
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Failure {
            error,
            fatal: false,
        }
    }
}

/// What one op of a committed batch answers.
type Outcome = Result<(u64, Option<KeyValue>)>;

/// A committed batch.
struct Committed {
    outcomes: Vec<Outcome>,
    events: Vec<Event>,
    /// The earliest expiry left (Unix milliseconds), if any key has a TTL.
    next_expiry: Option<u64>,
}

/// Runs until every [`super::EmbeddedStore`] handle to the channel is gone: takes every write
/// waiting, commits them in one transaction, publishes the events, then answers the callers.
pub(super) fn write_loop(
    shared: &Shared,
    rx: &Receiver<Op>,
    mut revision: u64,
    options: &EmbeddedOptions,
) {
    // Set once a commit failed: writes are refused until the store is reopened.
    let mut stopped: Option<StoreError> = None;
    // With age-based compaction the writer also wakes up when idle, so old changes go even when
    // nothing is written.
    let tick = options
        .keep_for
        .map(|age| (age / 2).clamp(Duration::from_millis(10), Duration::from_secs(60)));
    // Keys with a TTL: the writer also wakes up at the earliest deadline to delete them.
    let mut next_expiry = first_expiry(shared);
    loop {
        let until_expiry =
            next_expiry.map(|at| Duration::from_millis(at.saturating_sub(unix_millis())));
        let wait = match (tick, until_expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let first = match wait {
            None => match rx.recv() {
                Ok(op) => op,
                Err(_) => return,
            },
            Some(wait) => match rx.recv_timeout(wait) {
                Ok(op) => op,
                Err(RecvTimeoutError::Timeout) => {
                    let expiring = next_expiry.is_some_and(|at| at <= unix_millis());
                    if stopped.is_none() && (expiring || age_compaction_due(shared, options)) {
                        let start = revision;
                        match commit_batch(shared, &[], &mut revision, options) {
                            Ok(done) => {
                                next_expiry = done.next_expiry;
                                publish(shared, revision, &done);
                            }
                            Err(failure) => {
                                revision = start;
                                if failure.fatal {
                                    stopped = Some(stop_error(&failure.error));
                                }
                            }
                        }
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        if let Some(error) = &stopped {
            for op in batch {
                answer(op, Err(error.clone()));
            }
            continue;
        }
        let start = revision;
        match commit_batch(shared, &batch, &mut revision, options) {
            Ok(done) => {
                next_expiry = done.next_expiry;
                publish(shared, revision, &done);
                for (op, outcome) in batch.into_iter().zip(done.outcomes) {
                    answer(op, outcome);
                }
            }
            Err(failure) => {
                revision = start;
                if failure.fatal {
                    tracing::error!(error = %failure.error, "embedded store: commit failed; refusing further writes until restarted");
                    stopped = Some(stop_error(&failure.error));
                }
                for op in batch {
                    answer(op, Err(failure.error.clone()));
                }
            }
        }
    }
}

fn stop_error(cause: &StoreError) -> StoreError {
    StoreError::Backend(format!(
        "the store stopped accepting writes after a failed commit ({cause}); restart to recover"
    ))
}

/// Hands a committed batch's events to the watchers, in revision order, and makes its revision
/// the published one. A watcher whose queue is full is dropped: its stream ends after what it
/// already holds, never skipping an event.
fn publish(shared: &Shared, revision: u64, done: &Committed) {
    let mut state = shared.watch_state();
    state.committed = revision;
    for event in &done.events {
        state.watchers.retain(|w| {
            event.revision <= w.from
                || !event.key.starts_with(w.prefix.as_str())
                || w.tx.try_send(Ok(WatchItem::Event(event.clone()))).is_ok()
        });
    }
    state.watchers.retain(|w| !w.tx.is_closed());
    shared.published.send_replace(revision);
}

/// The earliest expiry in the store, read when the writer starts.
fn first_expiry(shared: &Shared) -> Option<u64> {
    let txn = shared.db.begin_read().ok()?;
    let expiry = txn.open_table(EXPIRY).ok()?;
    let first = expiry.first().ok()??;
    Some(first.0.value().0)
}

fn answer(op: Op, outcome: Outcome) {
    match op {
        Op::Expiring(op, _) => answer(*op, outcome),
        Op::Create(_, _, reply) | Op::Update(_, _, _, reply) => {
            let _ = reply.send(outcome.map(|(rev, _)| rev));
        }
        Op::Delete(_, _, reply) => {
            let _ = reply.send(
                outcome
                    .and_then(|(rev, last)| last.map(|kv| (rev, kv)).ok_or(StoreError::NotFound)),
            );
        }
        Op::Compact(_, reply) => {
            let _ = reply.send(outcome.map(|_| ()));
        }
    }
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether the oldest logged batch is older than `keep_for`.
fn age_compaction_due(shared: &Shared, options: &EmbeddedOptions) -> bool {
    let Some(keep_for) = options.keep_for else {
        return false;
    };
    let cutoff = unix_millis().saturating_sub(millis(keep_for));
    let oldest = (|| {
        let txn = shared.db.begin_read().ok()?;
        let batches = txn.open_table(BATCHES).ok()?;
        let first = batches.first().ok()??;
        Some(first.1.value())
    })();
    oldest.is_some_and(|t| t < cutoff)
}

/// The tables a batch writes, open in its transaction.
struct Tables<'t> {
    keys: Table<'t, &'static str, &'static [u8]>,
    log: Table<'t, u64, &'static [u8]>,
    /// The bytes of the entries in `log`.
    log_bytes: u64,
}

impl Tables<'_> {
    fn current(&self, key: &str) -> Result<Option<KeyValue>> {
        match self.keys.get(key).map_err(backend)? {
            Some(guard) => decode_entry(key, guard.value())
                .map(Some)
                .ok_or_else(|| corrupt(key)),
            None => Ok(None),
        }
    }

    /// Writes one change at the next revision and returns its event.
    fn write(
        &mut self,
        revision: &mut u64,
        kind: EventKind,
        key: &str,
        value: &Bytes,
        prev: Option<&KeyValue>,
    ) -> Result<Event> {
        *revision += 1;
        let rev = *revision;
        if kind == EventKind::Deleted {
            self.keys.remove(key).map_err(backend)?;
        } else {
            self.keys
                .insert(key, encode_entry(rev, value).as_slice())
                .map_err(backend)?;
        }
        let change = Change {
            kind,
            key,
            value,
            prev: prev.map(|p| (p.mod_revision, &p.value[..])),
        }
        .encode();
        self.log_bytes += change.len() as u64;
        self.log.insert(rev, change.as_slice()).map_err(backend)?;
        Ok(Event {
            kind,
            key: key.to_string(),
            value: value.clone(),
            revision: rev,
        })
    }

    /// Applies one op; its own failure (conflict, existing or missing key) is its outcome, an
    /// I/O error fails the batch.
    fn apply(&mut self, op: &Op, revision: &mut u64) -> Result<(Outcome, Option<Event>)> {
        Ok(match op {
            Op::Create(key, value, _) => match self.current(key)? {
                Some(_) => (Err(StoreError::AlreadyExists), None),
                None => {
                    let event = self.write(revision, EventKind::Added, key, value, None)?;
                    (Ok((event.revision, None)), Some(event))
                }
            },
            Op::Update(key, value, expected, _) => match self.current(key)? {
                None => (Err(StoreError::NotFound), None),
                Some(c) if c.mod_revision != *expected => (
                    Err(StoreError::Conflict {
                        current: c.mod_revision,
                    }),
                    None,
                ),
                // Writing the bytes already stored is a no-op: same revision, no event.
                Some(c) if c.value == *value => (Ok((c.mod_revision, None)), None),
                Some(c) => {
                    let event = self.write(revision, EventKind::Modified, key, value, Some(&c))?;
                    (Ok((event.revision, None)), Some(event))
                }
            },
            Op::Delete(key, expected, _) => match self.current(key)? {
                None => (Err(StoreError::NotFound), None),
                Some(c) if expected.is_some_and(|e| e != c.mod_revision) => (
                    Err(StoreError::Conflict {
                        current: c.mod_revision,
                    }),
                    None,
                ),
                Some(c) => {
                    let event =
                        self.write(revision, EventKind::Deleted, key, &c.value, Some(&c))?;
                    (Ok((event.revision, Some(c))), Some(event))
                }
            },
            // Handled by the batch, after every write.
            Op::Compact(..) => (Ok((0, None)), None),
            // The batch records the expiry of what this writes.
            Op::Expiring(op, _) => self.apply(op, revision)?,
        })
    }
}

/// Applies `batch` in order in one write transaction and commits it with fsync. On error the
/// transaction is dropped (aborted): nothing of the batch remains, and `revision` must be reset
/// by the caller.
fn commit_batch(
    shared: &Shared,
    batch: &[Op],
    revision: &mut u64,
    options: &EmbeddedOptions,
) -> Result<Committed, Failure> {
    let start = *revision;
    let mut txn = shared.db.begin_write().map_err(backend)?;
    txn.set_durability(Durability::Immediate).map_err(backend)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut events = Vec::new();
    let next_expiry;
    {
        let mut meta = txn.open_table(META).map_err(backend)?;
        let mut tables = Tables {
            keys: txn.open_table(KEYS).map_err(backend)?,
            log: txn.open_table(LOG).map_err(backend)?,
            log_bytes: meta
                .get("log_bytes")
                .map_err(backend)?
                .map_or(0, |g| g.value()),
        };
        let mut batches = txn.open_table(BATCHES).map_err(backend)?;
        let mut expiry = txn.open_table(EXPIRY).map_err(backend)?;
        let now = unix_millis();
        let mut compact_to = 0;
        for op in batch {
            let (outcome, event) = tables.apply(op, revision)?;
            if let Op::Compact(to, _) = op {
                compact_to = compact_to.max(*to);
            }
            if let (Op::Expiring(op, ttl), Some(event)) = (op, &event) {
                let key = match &**op {
                    Op::Create(key, ..) | Op::Update(key, ..) => key.as_str(),
                    _ => "",
                };
                let at = now.saturating_add(millis(*ttl));
                expiry.insert((at, key), event.revision).map_err(backend)?;
            }
            outcomes.push(outcome);
            events.extend(event);
        }
        // Keys whose time is up go, unless written since their TTL was given.
        let mut due = Vec::new();
        for entry in expiry.range(..=(now, "\u{10ffff}")).map_err(backend)? {
            let (at_key, rev) = entry.map_err(backend)?;
            let (at, key) = at_key.value();
            due.push((at, key.to_string(), rev.value()));
        }
        for (at, key, rev) in due {
            expiry.remove((at, key.as_str())).map_err(backend)?;
            if let Some(current) = tables.current(&key)?.filter(|c| c.mod_revision == rev) {
                let event = tables.write(
                    revision,
                    EventKind::Deleted,
                    &key,
                    &current.value,
                    Some(&current),
                )?;
                events.push(event);
            }
        }
        next_expiry = expiry
            .first()
            .map_err(backend)?
            .map(|(at_key, _)| at_key.value().0);
        // Commit times are kept only for age-based compaction: without it, one tree less to
        // write per commit.
        if *revision > start && options.keep_for.is_some() {
            batches.insert(*revision, now).map_err(backend)?;
        }

        // Compaction: the log holds one entry per revision in (compacted, revision]. Drop what
        // is past the count limit, older than the age limit, or asked for explicitly.
        let mut compacted = meta
            .get("compacted")
            .map_err(backend)?
            .map_or(0, |g| g.value());
        let keep = u64::try_from(options.keep_changes).unwrap_or(u64::MAX);
        let mut target = compact_to.min(*revision).max(revision.saturating_sub(keep));
        if let Some(keep_for) = options.keep_for {
            let cutoff = now.saturating_sub(millis(keep_for));
            for entry in batches.iter().map_err(backend)? {
                let (last, time) = entry.map_err(backend)?;
                if time.value() >= cutoff {
                    break;
                }
                target = target.max(last.value());
            }
        }
        // By size: drop the oldest entries until the rest fit.
        let keep_bytes = u64::try_from(options.keep_bytes).unwrap_or(u64::MAX);
        if tables.log_bytes > keep_bytes {
            let mut excess = tables.log_bytes - keep_bytes;
            for entry in tables.log.iter().map_err(backend)? {
                let (rev, change) = entry.map_err(backend)?;
                target = target.max(rev.value());
                let size = change.value().len() as u64;
                if size >= excess {
                    break;
                }
                excess -= size;
            }
        }
        if target > compacted {
            let mut dropped = 0u64;
            tables
                .log
                .retain_in(..=target, |_, change| {
                    dropped += change.len() as u64;
                    false
                })
                .map_err(backend)?;
            tables.log_bytes = tables.log_bytes.saturating_sub(dropped);
            batches
                .retain_in(..=target, |_, _| false)
                .map_err(backend)?;
            compacted = target;
        }
        meta.insert("compacted", compacted).map_err(backend)?;
        meta.insert("log_bytes", tables.log_bytes)
            .map_err(backend)?;
        meta.insert("revision", *revision).map_err(backend)?;
    }
    if options.fail_commits.load(Ordering::SeqCst) {
        txn.abort().map_err(backend)?;
        return Err(backend("injected commit failure").into());
    }
    txn.commit().map_err(|e| Failure {
        error: backend(e),
        fatal: true,
    })?;
    Ok(Committed {
        outcomes,
        events,
        next_expiry,
    })
}
