//! What each instance on a PostgreSQL ledger announced, so reviewers of every instance hear
//! it: a numbered list of announcements (`changes`), and a `NOTIFY` at each commit to wake
//! the instances that follow it.
//!
//! The number is where a follower resumes: announcements are written under a lock of their
//! own, so they commit in the order of their numbers and a follower that read up to `n` has
//! missed nothing below it. A notification only wakes; one missed (a connection lost) costs a
//! little time, never an announcement, since a follower also reads on a timer. Announcements
//! are pruned after a while; a follower that fell further behind than that is told so
//! ([`ChangesSince::TooOld`]) and has its reviewers read everything again.
//!
//! The list is a means of telling, not part of the data: `migrate` leaves it out, and an
//! announcement lost in a crash between a commit and its announcement is covered by the
//! restarted instance asking every reviewer to read everything again (an announcement
//! without an event).

use std::time::Duration;

use crate::store::postgres::{Listening, Locks};
use crate::store::{Conn, Row, SqlResult, params};
use crate::{Ledger, Result, now_ms};

/// One announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its place in the list: later announcements have higher numbers.
    pub seq: i64,
    /// The instance that made it (its data dir's `instance.id`).
    pub instance: String,
    /// What happened, as the facade's event JSON; `None`: read everything again.
    pub event: Option<String>,
}

/// What [`Ledger::changes_since`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangesSince {
    /// Announcements after the number asked about, oldest first (at most the limit).
    Listed(Vec<Change>),
    /// Some after it were pruned already: read everything again, then follow from `latest`.
    TooOld { latest: i64 },
}

/// A connection that hears each commit of announcements.
pub struct ChangeListener {
    listening: Listening,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeListener").finish_non_exhaustive()
    }
}

/// What [`ChangeListener::wait`] heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// Announcements were committed (one or more).
    Notified,
    /// Nothing within the time asked.
    Quiet,
    /// The connection broke: listen again.
    Lost,
}

impl ChangeListener {
    /// Waits up to `timeout` for announcements.
    pub fn wait(&self, timeout: Duration) -> Heard {
        use std::sync::mpsc::RecvTimeoutError;
        match self.listening.hears.recv_timeout(timeout) {
            Ok(()) => {
                // Several commits heard at once are read at once.
                while self.listening.hears.try_recv().is_ok() {}
                Heard::Notified
            }
            Err(RecvTimeoutError::Timeout) => Heard::Quiet,
            Err(RecvTimeoutError::Disconnected) => Heard::Lost,
        }
    }
}

impl Ledger {
    /// Appends `events` (each an event's JSON, or `None` for "read everything again") as
    /// announcements of `instance`, and wakes the instances that listen.
    pub fn announce(&self, instance: &str, events: &[Option<String>]) -> Result<()> {
        let pg = self.postgres_only("announcing changes")?;
        let now = now_ms();
        let channel = self.channel()?;
        pg.write_locked(Locks::Changes, |c| {
            for event in events {
                c.execute(
                    "INSERT INTO changes (instance, at, event) VALUES (?1, ?2, ?3)",
                    params![instance, now, event.as_deref()],
                )?;
            }
            // Delivered when this commits, in commit order.
            c.query_row("SELECT pg_notify(?1, '')", [&channel], |_| Ok(()))?;
            Ok(((), true))
        })
    }

    /// The number of the latest announcement (0 when there is none).
    pub fn latest_change(&self) -> Result<i64> {
        let pg = self.postgres_only("following changes")?;
        pg.read(latest)
    }

    /// Up to `limit` announcements after number `after`, or that some were pruned.
    pub fn changes_since(&self, after: i64, limit: u32) -> Result<ChangesSince> {
        let pg = self.postgres_only("following changes")?;
        pg.read(|c| {
            if pruned_through(c)? > after {
                return Ok(ChangesSince::TooOld { latest: latest(c)? });
            }
            let listed = c.query_map(
                "SELECT seq, instance, event FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                params![after, i64::from(limit)],
                change,
            )?;
            Ok(ChangesSince::Listed(listed))
        })
    }

    /// Deletes announcements made before `cutoff_ms`; how many went.
    pub fn prune_changes(&self, cutoff_ms: i64) -> Result<u64> {
        let pg = self.postgres_only("pruning changes")?;
        pg.write_locked(Locks::Changes, |c| {
            let through: Option<i64> = c.query_row(
                "SELECT max(seq) FROM changes WHERE at < ?1",
                [cutoff_ms],
                |r| r.get(0),
            )?;
            let Some(through) = through else {
                return Ok((0, false));
            };
            let gone = c.execute("DELETE FROM changes WHERE seq <= ?1", [through])?;
            c.execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('changes_pruned_through', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [through.to_string()],
            )?;
            Ok((gone as u64, true))
        })
    }

    /// A connection that hears each commit of [`Ledger::announce`], from any instance.
    pub fn listen_for_changes(&self) -> Result<ChangeListener> {
        let pg = self.postgres_only("following changes")?;
        Ok(ChangeListener {
            listening: pg.listen(&self.channel()?)?,
        })
    }

    /// The channel this ledger's instances `LISTEN` on: named by the ledger's id, so ledgers
    /// in other schemas of one database never wake them.
    fn channel(&self) -> Result<String> {
        let id: String = self
            .id()?
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        Ok(format!("hookgrid_{}", id.to_ascii_lowercase()))
    }
}

/// The latest number given, even when everything was pruned since.
fn latest(c: &Conn<'_>) -> Result<i64> {
    let listed: i64 = c.query_row("SELECT coalesce(max(seq), 0) FROM changes", (), |r| {
        r.get(0)
    })?;
    Ok(listed.max(pruned_through(c)?))
}

/// The number of the last announcement pruned (0 when none was).
fn pruned_through(c: &Conn<'_>) -> Result<i64> {
    Ok(c.query_map(
        "SELECT value FROM ledger_meta WHERE key = 'changes_pruned_through'",
        (),
        |r| r.get::<String>(0),
    )?
    .into_iter()
    .next()
    .and_then(|v| v.parse().ok())
    .unwrap_or(0))
}

fn change(r: &Row<'_>) -> SqlResult<Change> {
    Ok(Change {
        seq: r.get(0)?,
        instance: r.get(1)?,
        event: r.get(2)?,
    })
}
