//! Events across the instances on one PostgreSQL ledger, so a reviewer on any of them sees
//! what was stored, decided or deleted through another.
//!
//! Each process announces its shared events in the ledger's numbered list (one thread,
//! [`Outbox`], off every request's path: a batch of events per transaction, while the
//! database is down kept and sent later). Each serving instance follows the list
//! ([`Hookgrid::follow_instances`]): woken by PostgreSQL's `NOTIFY` at once, and reading on a
//! timer too, from the last number it read, so a notification missed on a broken connection
//! delays an event and never loses it. What it cannot vouch for becomes [`Event::Resync`]
//! (read everything again): announcements pruned before it read them, its own start (another
//! instance may be showing this one's imports), and an instance that started again (it may
//! have stored a part in the moment before it was killed and never announced it).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use hookgrid_ledger::{ChangeListener, ChangesSince, Heard, Ledger};

use crate::{Core, Error, Event, Hookgrid, Result};

/// How long announcements are kept for a follower that fell behind.
const KEPT: Duration = Duration::from_secs(15 * 60);
/// How often old announcements are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// How soon announcing is tried again after the database refused it.
const RETRY: Duration = Duration::from_secs(1);
/// Events held while the database is down before they become one [`Event::Resync`].
const MAX_HELD: usize = 10_000;
/// How long closing waits for the last events to be announced.
const FLUSH_WAIT: Duration = Duration::from_secs(2);
/// How often a follower wakes without a notification (to stop, or to read on its own).
const WAKE: Duration = Duration::from_secs(1);
/// A follower reads every this many quiet wakes, in case a notification went missing.
const READ_EVERY_QUIET: u32 = 5;
/// Announcements read at once.
const PAGE: u32 = 500;

#[derive(Debug)]
enum Outgoing {
    /// An event's JSON.
    Event(String),
    /// "Read everything again".
    Resync,
    /// Answer once everything before this is announced (or failed to be).
    Flush(mpsc::Sender<()>),
}

/// Where a process's shared events go to be announced.
#[derive(Debug)]
pub(crate) struct Outbox {
    /// Who announces: the data dir's instance and this process (two processes may share a
    /// data dir: `serve`, and a command run beside it).
    announcer: String,
    sender: mpsc::Sender<Outgoing>,
    following: std::sync::atomic::AtomicBool,
}

impl Outbox {
    /// Starts the thread that announces, on `ledger`, what is sent here, as `instance`.
    pub(crate) fn start(ledger: Arc<Ledger>, instance: &str) -> Result<Outbox> {
        let suffix = crate::intake::token::generate()?;
        let announcer = format!("{instance}.{}", &suffix[..8]);
        let (sender, outgoing) = mpsc::channel();
        let name = announcer.clone();
        std::thread::Builder::new()
            .name("hookgrid-announce".into())
            .spawn(move || announce(&ledger, &name, &outgoing))
            .map_err(|e| Error::Internal(format!("cannot start the announcing thread: {e}")))?;
        Ok(Outbox {
            announcer,
            sender,
            following: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub(super) fn send(&self, event: &Event) {
        match serde_json::to_string(event) {
            Ok(json) => {
                let _ = self.sender.send(Outgoing::Event(json));
            }
            Err(e) => tracing::error!("cannot encode an event to announce: {e}"),
        }
    }

    pub(super) fn flush(&self) {
        let (done, flushed) = mpsc::channel();
        if self.sender.send(Outgoing::Flush(done)).is_ok() {
            let _ = flushed.recv_timeout(FLUSH_WAIT);
        }
    }
}

/// The announcing thread: everything waiting is announced in one transaction; until the
/// sender (the bus) is gone.
fn announce(ledger: &Ledger, announcer: &str, outgoing: &mpsc::Receiver<Outgoing>) {
    let mut held: Vec<Option<String>> = Vec::new();
    let mut flushes: Vec<mpsc::Sender<()>> = Vec::new();
    let mut pruned = Instant::now();
    let mut open = true;
    while open || !held.is_empty() {
        let wait = if held.is_empty() { PRUNE_EVERY } else { RETRY };
        let first = match outgoing.recv_timeout(wait) {
            Ok(o) => Some(o),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                open = false;
                None
            }
        };
        for o in first
            .into_iter()
            .chain(std::iter::from_fn(|| outgoing.try_recv().ok()))
        {
            match o {
                Outgoing::Event(json) => held.push(Some(json)),
                Outgoing::Resync => held.push(None),
                Outgoing::Flush(done) => flushes.push(done),
            }
        }
        if held.len() > MAX_HELD {
            // Followers reading these many would be reading everything again anyway.
            held = vec![None];
        }
        if !held.is_empty() {
            match ledger.announce(announcer, &held) {
                Ok(()) => held.clear(),
                Err(e) if open => {
                    tracing::debug!("cannot announce {} event(s) yet: {e}", held.len());
                }
                Err(e) => {
                    tracing::warn!("{} event(s) not announced before stopping: {e}", held.len());
                    held.clear();
                }
            }
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            let cutoff = crate::now_ms() - KEPT.as_millis() as i64;
            if let Err(e) = ledger.prune_changes(cutoff) {
                tracing::debug!("cannot prune old announcements: {e}");
            }
        }
    }
}

impl Hookgrid {
    /// Passes what the other instances on this PostgreSQL ledger announce to this process's
    /// listeners, from now until it closes; part of [`Hookgrid::background`]. Nothing on a
    /// SQLite ledger, and nothing more when called again.
    pub fn follow_instances(&self) -> Result<()> {
        let Some(outbox) = &self.core.events.outbox else {
            return Ok(());
        };
        if outbox
            .following
            .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return Ok(());
        }
        let listener = self.core.ledger.listen_for_changes();
        // Where reading starts: this process's listeners read everything as they connect.
        let after = self.core.ledger.latest_change().ok();
        let _ = outbox.sender.send(Outgoing::Resync);
        let core = Arc::downgrade(&self.core);
        let me = outbox.announcer.clone();
        std::thread::Builder::new()
            .name("hookgrid-follow".into())
            .spawn(move || follow(&core, &me, listener.ok(), after))
            .map_err(|e| Error::Internal(format!("cannot start the following thread: {e}")))?;
        Ok(())
    }
}

/// The following thread, until the data dir is closed.
fn follow(
    core: &Weak<Core>,
    me: &str,
    mut listener: Option<ChangeListener>,
    mut after: Option<i64>,
) {
    let mut quiet = 0;
    loop {
        let heard = match &listener {
            Some(l) => l.wait(WAKE),
            None => {
                std::thread::sleep(WAKE);
                Heard::Lost
            }
        };
        let Some(core) = core.upgrade() else {
            return;
        };
        if core.stopping.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let read = match heard {
            Heard::Notified => true,
            Heard::Quiet => {
                quiet += 1;
                quiet >= READ_EVERY_QUIET
            }
            Heard::Lost => {
                // Whatever was announced meanwhile is read from `after` once listening again.
                listener = match core.ledger.listen_for_changes() {
                    Ok(l) => Some(l),
                    Err(e) => {
                        tracing::debug!("cannot listen for the other instances' events: {e}");
                        None
                    }
                };
                listener.is_some()
            }
        };
        if read {
            quiet = 0;
            catch_up(&core, me, &mut after);
        }
    }
}

/// Passes on every announcement after `after` made by another process, and moves `after`.
fn catch_up(core: &Core, me: &str, after: &mut Option<i64>) {
    loop {
        let Some(from) = *after else {
            // Where this follower stood was never known: from now on, everything read again.
            if let Ok(latest) = core.ledger.latest_change() {
                *after = Some(latest);
                core.events.heard(Event::Resync {});
            }
            return;
        };
        match core.ledger.changes_since(from, PAGE) {
            Ok(ChangesSince::TooOld { latest }) => {
                *after = Some(latest);
                core.events.heard(Event::Resync {});
                return;
            }
            Ok(ChangesSince::Listed(changes)) => {
                let full = changes.len() == PAGE as usize;
                for change in changes {
                    *after = Some(change.seq);
                    if change.instance == me {
                        continue;
                    }
                    let event = change
                        .event
                        .and_then(|json| serde_json::from_str(&json).ok())
                        // An event this version does not know: reading everything covers it.
                        .unwrap_or(Event::Resync {});
                    if let Event::BatchDeleted { key, .. } = &event {
                        // Deleted through another instance: what this one derived goes too.
                        core.forget_import(hookgrid_ledger::EventKey(*key));
                    }
                    core.events.heard(event);
                }
                if !full {
                    return;
                }
            }
            Err(e) => {
                // Read again at the next wake.
                tracing::debug!("cannot read the other instances' events: {e}");
                return;
            }
        }
    }
}
