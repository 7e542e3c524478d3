//! Whether storing works: set by every write a request makes, and what `/healthz` answers. A
//! failed write is logged once with its cause (not once per request), the writing connection
//! is opened again (one that met an I/O error, or was opened while the file could not be
//! written, may fail on after the cause is gone), and while storing fails `/healthz` answers
//! 503, trying a small write at most once a second so it turns ok when storing works again,
//! even with no request to try it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use hookgrid_ledger::LedgerError;
use serde::Serialize;

use crate::{Event, Hookgrid};

/// How often `/healthz` tries a write while storing fails, and asks a database server
/// whether it answers while storing works.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Storing's state, kept by the facade.
#[derive(Debug, Default)]
pub(crate) struct Health {
    failing: Mutex<Option<Failing>>,
    /// When a PostgreSQL ledger was last asked whether it answers.
    pinged: Mutex<Option<Instant>>,
}

#[derive(Debug, Clone)]
struct Failing {
    since: Instant,
    since_ms: i64,
    message: String,
    failures: u64,
    probed: Option<Instant>,
}

/// What `/healthz` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageHealth {
    /// `ok`, or `storage_failing` while requests cannot be stored.
    pub status: &'static str,
    /// Why storing fails, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Since when (ms since the epoch), when it fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
}

impl StorageHealth {
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

impl Health {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Failing>> {
        self.failing.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl crate::Core {
    /// A write a request made failed: said once in the log, with its cause, until storing
    /// works again; the writing connection is opened again for the next one.
    pub(crate) fn storing_failed(&self, e: &LedgerError) {
        {
            let mut failing = self.health.lock();
            match failing.as_mut() {
                Some(f) => {
                    f.failures += 1;
                    f.message = e.to_string();
                }
                None => {
                    tracing::error!(
                        "storing fails: {e}; requests are answered 503 (or 507 when the disk is \
                         full) and /healthz says so until a write succeeds"
                    );
                    *failing = Some(Failing {
                        since: Instant::now(),
                        since_ms: crate::now_ms(),
                        message: e.to_string(),
                        failures: 1,
                        // The write that just failed was a test too.
                        probed: Some(Instant::now()),
                    });
                }
            }
        }
        if !e.is_disk_full()
            && let Err(again) = self.ledger.reopen()
        {
            tracing::debug!("cannot open the ledger again yet: {again}");
        }
    }

    /// A write succeeded: if storing was failing, it works again, and that is said.
    pub(crate) fn storing_works(&self) {
        let Some(was) = self.health.lock().take() else {
            return;
        };
        tracing::info!(
            "storing works again, after {} s and {} failed write(s)",
            was.since.elapsed().as_secs(),
            was.failures
        );
        self.events.send(Event::StorageRecovered {});
    }
}

impl Hookgrid {
    /// Whether requests can be stored now; while they cannot, a small write is tried (at
    /// most once a second) to see whether they can again. Blocks on the ledger: call it off
    /// the async threads.
    pub fn storage_health(&self) -> StorageHealth {
        let core = &self.core;
        // A database server that went away is noticed before a request has to fail on it: a
        // load balancer then stops sending here while another instance can store.
        if core.ledger.is_postgres() && core.health.lock().is_none() {
            let due = {
                let mut pinged = core.health.pinged.lock().unwrap_or_else(|p| p.into_inner());
                let due = pinged.is_none_or(|p| p.elapsed() >= PROBE_EVERY);
                if due {
                    *pinged = Some(Instant::now());
                }
                due
            };
            if due && let Err(e) = core.ledger.ping() {
                core.storing_failed(&e);
            }
        }
        let due = {
            let mut failing = core.health.lock();
            match failing.as_mut() {
                None => return ok(),
                Some(f) if f.probed.is_none_or(|p| p.elapsed() >= PROBE_EVERY) => {
                    f.probed = Some(Instant::now());
                    true
                }
                Some(_) => false,
            }
        };
        if due {
            match core.ledger.probe_write() {
                Ok(()) => core.storing_works(),
                Err(e) => core.storing_failed(&e),
            }
        }
        match core.health.lock().as_ref() {
            None => ok(),
            Some(f) => StorageHealth {
                status: "storage_failing",
                message: Some(f.message.clone()),
                since_ms: Some(f.since_ms),
            },
        }
    }
}

fn ok() -> StorageHealth {
    StorageHealth {
        status: "ok",
        message: None,
        since_ms: None,
    }
}
