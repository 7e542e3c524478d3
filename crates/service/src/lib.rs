//! Hookgrid's core, and the one facade the shells (the `hookgrid` CLI, the desktop app) call.
//!
//! [`Hookgrid`] opens a data dir and wires the parts together: the payload parser
//! (`hookgrid-flatfile`), the ledger (`hookgrid-ledger`) and the frames (`hookgrid-frames`).
//! [`http`] is the webhook listener on top of it. Shells never reach below this crate.
//!
//! Data flow: a body is parsed, committed to the ledger (durably) and only then acknowledged;
//! parsed rows of incomplete imports wait in memory ([`assembly`]); when the last part lands a
//! worker thread builds the batch frame and writes its Parquet file.

mod assembly;
mod browse;
pub mod datadir;
mod details;
mod error;
pub mod events;
pub mod http;
mod listing;
mod probe;
mod retry;
pub mod signature;
pub mod token;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use hookgrid_flatfile::{PayloadErrorKind, parse, parse_as_sent};
use hookgrid_frames::{ExportOptions, IntoLazy, LazyFrame, PartRows, Typing, store};
use hookgrid_ledger::{Commit, EventKey, Ledger, LedgerError};
use tokio::sync::broadcast;

pub use datadir::{DATA_DIR_ENV, DEFAULT_LISTEN, DataDir, Settings, WindowState};
pub use error::{Error, Result};
pub use events::Event;
pub use hookgrid_flatfile::sample;
pub use hookgrid_frames::page::{ColumnInfo, ColumnKind, Page, json_rows};
pub use hookgrid_frames::{ExportFormat, RowSet, Sort, View};
pub use hookgrid_ledger::{Batch, BatchStatus, QuarantineKind, Quarantined, StoredPart};

pub use details::{ImportDetails, Numbering, PartRange};
pub use listing::{BatchFilter, customer_label};
pub use probe::TestReport;
pub use retry::{Retried, RetryOutcome};

use assembly::{Assembly, HeldPart};
use browse::Browsing;

/// An open data dir: the ledger, the token, and the batch files derived from them.
#[derive(Debug)]
pub struct Hookgrid {
    core: Arc<Core>,
    /// Sends completed imports to the worker that builds their files.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

/// A batch file for the worker to build.
#[derive(Debug, Clone, Copy)]
struct Job {
    key: EventKey,
    /// The import just completed: announce it before building (not for rebuilds).
    just_completed: bool,
}

#[derive(Debug)]
struct Core {
    dir: DataDir,
    ledger: Ledger,
    token: token::TokenStore,
    events: broadcast::Sender<Event>,
    assembly: Assembly,
    /// The batch the grid is paging through, held in memory.
    browsing: Browsing,
    /// When set, every request must carry a valid signature.
    signing: std::sync::RwLock<Option<signature::SigningSecret>>,
}

/// A request's Standard Webhooks headers (see [`signature`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signed {
    pub id: Option<String>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
}

/// A request that was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `false` for an identical repeat of a stored part.
    pub stored: bool,
    pub event: String,
    pub batch: String,
    /// The part's number, from 1, whichever base the import's indexes use.
    pub part: u32,
    /// `event.sequence.index` as sent.
    pub index: u32,
    pub of: u32,
}

/// How an export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSettings {
    /// Also write `_row` and `_part` (and `_valid`).
    pub meta: bool,
    /// Write every value exactly as it was sent (text), not the typed columns.
    pub as_sent: bool,
    /// Export an import that is still missing parts.
    pub allow_incomplete: bool,
}

/// A request that was not acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Bad or conflicting input; kept in the quarantine under `quarantine_id`.
    #[error("{message}")]
    Rejected {
        kind: QuarantineKind,
        message: String,
        quarantine_id: i64,
    },
    /// Nothing could be stored (disk full, unwritable data dir); the sender should retry.
    #[error("the request could not be stored: {0}")]
    Storage(#[from] LedgerError),
}

impl IngestError {
    /// Whether storage failed because the disk is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, IngestError::Storage(e) if e.is_disk_full())
    }
}

impl Hookgrid {
    /// Opens (creating when needed) the data dir at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Hookgrid> {
        let dir = DataDir::create(root)?;
        let ledger = Ledger::open(dir.ledger())?;
        let token = token::TokenStore::open(&dir.token())?;
        let signing = Settings::load(&dir)?
            .signing_secret
            .as_deref()
            .map(signature::SigningSecret::parse)
            .transpose()?;
        let (events, _) = broadcast::channel(1024);
        let core = Arc::new(Core {
            dir,
            ledger,
            token,
            events,
            assembly: Assembly::default(),
            browsing: Browsing::default(),
            signing: std::sync::RwLock::new(signing),
        });
        let (jobs, queue) = mpsc::channel::<Job>();
        let worker_core = core.clone();
        let worker = std::thread::Builder::new()
            .name("hookgrid-frames".into())
            .spawn(move || {
                for job in queue {
                    worker_core.materialize(job);
                }
            })
            .map_err(|e| Error::Config(format!("cannot start the worker thread: {e}")))?;
        Ok(Hookgrid {
            core,
            jobs: Mutex::new(Some(jobs)),
            worker: Mutex::new(Some(worker)),
        })
    }

    /// Opens the default data dir (`$HOOKGRID_DATA_DIR` or the platform data dir).
    pub fn open_default() -> Result<Hookgrid> {
        Hookgrid::open(DataDir::default_path()?)
    }

    /// The data dir.
    pub fn data_dir(&self) -> &DataDir {
        &self.core.dir
    }

    /// Settings stored in the data dir.
    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.core.dir)
    }

    /// Replaces the stored settings.
    pub fn save_settings(&self, settings: &Settings) -> Result<()> {
        settings.save(&self.core.dir)
    }

    /// Sets (or, when blank, clears) the public tunnel URL; returns the settings saved.
    pub fn set_public_url(&self, url: &str) -> Result<Settings> {
        let mut settings = self.settings()?;
        settings.public_url = datadir::check_public_url(url)?;
        self.save_settings(&settings)?;
        Ok(settings)
    }

    /// Sets (or, when blank, clears) the signing secret (`whsec_…`): from now on every
    /// request must carry a valid Standard Webhooks signature made with it.
    pub fn set_signing_secret(&self, secret: &str) -> Result<()> {
        let parsed = match secret.trim() {
            "" => None,
            s => Some(signature::SigningSecret::parse(s)?),
        };
        let mut settings = self.settings()?;
        settings.signing_secret = parsed.as_ref().map(|_| secret.trim().to_owned());
        self.save_settings(&settings)?;
        *self.core.signing.write().unwrap_or_else(|p| p.into_inner()) = parsed;
        Ok(())
    }

    /// Whether requests must be signed.
    pub fn requires_signature(&self) -> bool {
        self.core
            .signing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The current webhook token.
    pub fn token(&self) -> String {
        self.core.token.current()
    }

    /// Whether `candidate` is the webhook token (constant time).
    pub fn token_matches(&self, candidate: &str) -> bool {
        self.core.token.matches(candidate)
    }

    /// Replaces the webhook token; the old URL stops working at once, also in a running
    /// listener on this data dir.
    pub fn rotate_token(&self) -> Result<String> {
        self.core.token.rotate()
    }

    /// The full webhook URL under `base` (`https://tunnel.example` or `http://127.0.0.1:8787`).
    pub fn webhook_url(&self, base: &str) -> String {
        format!("{}/hooks/{}", base.trim_end_matches('/'), self.token())
    }

    /// Announcements of parts stored, batches completed and requests quarantined.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.core.events.subscribe()
    }

    /// [`Hookgrid::ingest`] for a request with these signature headers: with a signing secret
    /// configured, a request whose signature does not verify is quarantined, not ingested.
    pub fn ingest_signed(&self, body: &[u8], signed: Signed) -> Result<Receipt, IngestError> {
        let checked = {
            let signing = self.core.signing.read().unwrap_or_else(|p| p.into_inner());
            signing.as_ref().map(|secret| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                secret.verify(
                    signed.id.as_deref(),
                    signed.timestamp.as_deref(),
                    signed.signature.as_deref(),
                    body,
                    now,
                )
            })
        };
        if let Some(Err(e)) = checked {
            let message = format!("the request is not signed with the signing secret: {e}");
            return Err(self
                .core
                .reject(QuarantineKind::Signature, message, None, body)?);
        }
        self.ingest(body)
    }

    /// Parses, checks and durably stores one webhook body. Blocking: call it off the async
    /// runtime. Returns only after the part (or its quarantine entry) is committed.
    pub fn ingest(&self, body: &[u8]) -> Result<Receipt, IngestError> {
        let (receipt, completed) = self.core.ingest(body)?;
        if let Some(key) = completed {
            self.queue(Job {
                key,
                just_completed: true,
            });
        }
        Ok(receipt)
    }

    fn queue(&self, job: Job) {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let sent = jobs.as_ref().is_some_and(|j| j.send(job).is_ok());
        if !sent {
            // Shutting down: the file is derived and will be built on next use.
            tracing::debug!(event = job.key.0, "worker gone; batch file deferred");
        }
    }

    /// Queues every complete batch whose file is missing or unreadable for rebuilding; returns
    /// how many were queued. The listener calls this at start-up.
    pub fn rebuild_missing(&self) -> Result<usize> {
        let mut queued = 0;
        for batch in self.core.ledger.batches()? {
            if batch.status == BatchStatus::Complete
                && !store::is_sound(
                    &self.core.batch_path(batch.key),
                    batch.valid + batch.invalid,
                )
            {
                self.queue(Job {
                    key: batch.key,
                    just_completed: false,
                });
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Waits for queued batch files to be written, then stops the worker.
    pub fn shutdown(&self) {
        drop(self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(worker) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = worker.join();
        }
    }

    /// Every import, newest first.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        Ok(self.core.ledger.batches()?)
    }

    /// Finds an import by batch id, event id, or a unique prefix of either. A batch id with
    /// several events (revisions) means its newest one.
    pub fn resolve(&self, selector: &str) -> Result<Batch> {
        let selector = selector.trim();
        if selector.is_empty() {
            return Err(Error::NotFound(selector.to_owned()));
        }
        // The grid names imports by event id on every page it fetches: one row, not the list.
        if let Some(b) = self.core.ledger.batch_by_event(selector)? {
            return Ok(b);
        }
        let batches = self.batches()?;
        // Newest first, so the first match on a batch id is its latest revision.
        if let Some(b) = batches.iter().find(|b| b.batch == selector) {
            return Ok(b.clone());
        }
        let matches: Vec<&Batch> = batches
            .iter()
            .filter(|b| b.event.starts_with(selector) || b.batch.starts_with(selector))
            .collect();
        match matches.as_slice() {
            [] => Err(Error::NotFound(selector.to_owned())),
            [one] => Ok((*one).clone()),
            [first, rest @ ..] if rest.iter().all(|b| b.batch == first.batch) => {
                Ok((*first).clone())
            }
            many => Err(Error::Ambiguous {
                selector: selector.to_owned(),
                candidates: many
                    .iter()
                    .take(5)
                    .map(|b| b.event.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// One page of a view over an import (complete or not).
    pub fn page(&self, batch: &Batch, view: &View, offset: usize, limit: usize) -> Result<Page> {
        let (frame, _) = self.core.frame(batch)?;
        Ok(hookgrid_frames::page::page(
            view.apply(frame)?,
            offset,
            limit,
        )?)
    }

    /// One page of a view over an import, for a client that pages through it many times (the
    /// grid): the import is read into memory once and each view evaluated once, so later pages
    /// and views are fast. One import is held at a time; browsing another replaces it. The
    /// first page of an import not yet held is read straight from its file while the import
    /// loads in the background.
    pub fn browse(&self, batch: &Batch, view: &View, offset: usize, limit: usize) -> Result<Page> {
        let id = browse::id(batch);
        let browsing = &self.core.browsing;
        if let Some(page) = browsing.page_if_held(id, view, offset, limit)? {
            return Ok(page);
        }
        if view.is_identity() {
            if browsing.start_loading(id) {
                let core = Arc::clone(&self.core);
                let batch = batch.clone();
                let spawned = std::thread::Builder::new()
                    .name("hookgrid-browse".into())
                    .spawn(move || {
                        let frame = core.frame_in_memory(&batch);
                        core.browsing.finish_loading(browse::id(&batch), frame);
                    });
                if let Err(e) = spawned {
                    browsing.finish_loading(
                        id,
                        Err(Error::Config(format!("cannot start a thread: {e}"))),
                    );
                }
            }
            return self.page(batch, view, offset, limit);
        }
        browsing.load(id, || self.core.frame_in_memory(batch))?;
        browsing
            .page_if_held(id, view, offset, limit)?
            .ok_or_else(|| Error::Config("the import was closed while it loaded".to_owned()))
    }

    /// Drops the import held for [`Hookgrid::browse`], returning its memory.
    pub fn close_browse(&self) {
        self.core.browsing.close();
    }

    /// Writes a view over an import to `out` (format from the extension); returns rows
    /// written. An incomplete import is refused unless `allow_incomplete`.
    pub fn export(
        &self,
        batch: &Batch,
        view: &View,
        out: &Path,
        settings: ExportSettings,
    ) -> Result<u64> {
        if batch.status == BatchStatus::Incomplete && !settings.allow_incomplete {
            return Err(Error::Incomplete {
                batch: batch.batch.clone(),
                received: batch.parts_received,
                expected: batch.parts_expected,
            });
        }
        // Check the format before any work.
        ExportFormat::from_path(out)?;
        let (frame, source) = self.core.frame(batch)?;
        let options = ExportOptions {
            rows: view.rows,
            meta: settings.meta,
        };
        let viewed = view.apply(frame)?;
        if settings.as_sent {
            let as_sent =
                hookgrid_frames::frame_with(self.core.parts_as_sent(batch)?, Typing::AsSent)?;
            return Ok(hookgrid_frames::export::export_as_sent(
                viewed,
                &as_sent,
                out,
                options,
                source.as_deref(),
            )?);
        }
        Ok(hookgrid_frames::export::export(
            viewed,
            out,
            options,
            source.as_deref(),
        )?)
    }

    /// Deletes an import: its parts in the ledger, its file, and anything held in memory.
    /// Its rejected requests stay in the quarantine. Deleting is final.
    pub fn delete_batch(&self, batch: &Batch) -> Result<()> {
        self.core.ledger.delete(batch.key)?;
        drop(self.core.assembly.lock().take(batch.key));
        self.core.browsing.forget(batch.key);
        let file = self.core.batch_path(batch.key);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // The ledger no longer knows the import; the file is an orphan, never read again.
            Err(e) => tracing::warn!("cannot remove {}: {e}", file.display()),
        }
        let _ = self.core.events.send(Event::BatchDeleted {
            event: batch.event.clone(),
            batch: batch.batch.clone(),
        });
        Ok(())
    }

    /// Deletes the imports whose last part arrived more than `days` days before `now`;
    /// returns how many.
    pub fn delete_older_than(&self, days: u32, now: std::time::SystemTime) -> Result<usize> {
        let now_ms = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let cutoff = now_ms - i64::from(days) * 24 * 3600 * 1000;
        let idle = self.core.ledger.idle_since(cutoff)?;
        let mut deleted = 0;
        for key in idle {
            if let Some(batch) = self.core.ledger.batch(key)? {
                self.delete_batch(&batch)?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// Applies the retention setting (if any) now; returns how many imports were deleted.
    pub fn apply_retention(&self) -> Result<usize> {
        match self.settings()?.retention_days {
            Some(days) => self.delete_older_than(days, std::time::SystemTime::now()),
            None => Ok(0),
        }
    }

    /// Applies the retention setting now and then every hour, until the runtime stops. The
    /// listeners (CLI and app) run this beside the server.
    pub async fn keep_retention(self: Arc<Self>) {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let hookgrid = Arc::clone(&self);
            match tokio::task::spawn_blocking(move || hookgrid.apply_retention()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!("retention: deleted {n} old import(s)"),
                Ok(Err(e)) => tracing::error!("retention failed: {e}"),
                Err(e) => tracing::error!("retention task failed: {e}"),
            }
        }
    }

    /// Sets how many days imports are kept (`None`: forever), and applies it at once.
    pub fn set_retention_days(&self, days: Option<u32>) -> Result<usize> {
        if days == Some(0) {
            return Err(Error::Config(
                "keep imports for at least 1 day, or leave it empty to keep them".to_owned(),
            ));
        }
        let mut settings = self.settings()?;
        settings.retention_days = days;
        self.save_settings(&settings)?;
        self.apply_retention()
    }

    /// Rejected requests, newest first.
    pub fn rejected(&self) -> Result<Vec<Quarantined>> {
        Ok(self.core.ledger.quarantined()?)
    }

    /// The raw body of a rejected request.
    pub fn rejected_body(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self.core.ledger.quarantined_body(id)?)
    }

    /// `PRAGMA integrity_check` of the ledger.
    pub fn integrity_check(&self) -> Result<std::result::Result<(), String>> {
        Ok(self.core.ledger.integrity_check()?)
    }

    /// Path of an import's derived Parquet file (it may not exist yet).
    pub fn batch_file(&self, batch: &Batch) -> PathBuf {
        self.core.batch_path(batch.key)
    }
}

impl Drop for Hookgrid {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Why a body was not stored, before it is quarantined.
#[derive(Debug)]
struct Refusal {
    kind: QuarantineKind,
    message: String,
    /// `event.id` and `event.sequence.index`, when the body got far enough to say.
    event: Option<(String, u32)>,
}

/// What storing a body came to: a receipt (and the import it completed), or a refusal.
type Admission = Result<(Receipt, Option<EventKey>), Refusal>;

impl Core {
    fn ingest(&self, body: &[u8]) -> Result<(Receipt, Option<EventKey>), IngestError> {
        self.admit(body)?.or_else(|refusal| {
            let event = refusal.event.as_ref().map(|(e, i)| (e.as_str(), *i));
            Err(self.reject(refusal.kind, refusal.message, event, body)?)
        })
    }

    /// Parses, checks and commits a body; a refusal is returned, not yet quarantined.
    fn admit(&self, body: &[u8]) -> Result<Admission, LedgerError> {
        let part = match parse(body) {
            Ok(part) => part,
            Err(e) => {
                let kind = match e.kind {
                    PayloadErrorKind::NotJson => QuarantineKind::NotJson,
                    PayloadErrorKind::Contract => QuarantineKind::Contract,
                };
                return Ok(Err(Refusal {
                    kind,
                    message: e.message,
                    event: None,
                }));
            }
        };
        let envelope = part.envelope;
        let rows = HeldPart {
            index: envelope.index,
            valid: envelope.valid_rows as usize,
            rows: part.rows,
        };
        let receipt = |stored, part| Receipt {
            stored,
            event: envelope.event_id.clone(),
            batch: envelope.batch_id.clone(),
            part,
            index: envelope.index,
            of: envelope.count,
        };
        // Commit and hand the rows to the assembly under one lock, so the worker building a
        // just-completed batch never misses a part committed a moment before.
        let mut pending = self.assembly.lock();
        match self.announce(self.ledger.commit_part(&envelope, body))? {
            Commit::Stored {
                event,
                part,
                completed,
                parts_received,
            } => {
                pending.add(event, rows, body.len());
                drop(pending);
                let _ = self.events.send(Event::PartStored {
                    event: envelope.event_id.clone(),
                    batch: envelope.batch_id.clone(),
                    part,
                    of: envelope.count,
                    received: parts_received,
                    count_mismatch: envelope.count_mismatch(),
                });
                // The worker announces the completion: its counts need a read of the ledger,
                // which the sender of this last part should not wait for.
                Ok(Ok((receipt(true, part), completed.then_some(event))))
            }
            Commit::Duplicate { part, .. } => Ok(Ok((receipt(false, part), None))),
            Commit::Conflict { reason } => Ok(Err(Refusal {
                kind: QuarantineKind::Conflict,
                message: reason,
                event: Some((envelope.event_id.clone(), envelope.index)),
            })),
        }
    }

    /// Quarantines a body; the returned error is what the sender is told.
    fn reject(
        &self,
        kind: QuarantineKind,
        message: String,
        event: Option<(&str, u32)>,
        body: &[u8],
    ) -> Result<IngestError, IngestError> {
        let id = self.announce(self.ledger.quarantine(kind, &message, event, body))?;
        let _ = self.events.send(Event::RequestQuarantined {
            id,
            kind,
            reason: message.clone(),
        });
        Ok(IngestError::Rejected {
            kind,
            message,
            quarantine_id: id,
        })
    }

    /// Passes a ledger write through, announcing a failure: every write a request makes
    /// (its part, or its quarantine entry) goes through here.
    fn announce<T>(&self, written: Result<T, LedgerError>) -> Result<T, LedgerError> {
        if let Err(e) = &written {
            let _ = self.events.send(Event::StorageFailed {
                disk_full: e.is_disk_full(),
                message: e.to_string(),
            });
        }
        written
    }

    fn batch_path(&self, key: EventKey) -> PathBuf {
        store::batch_path(&self.dir.batches(), key.0)
    }

    /// Builds and writes a complete import's file (worker thread).
    fn materialize(
        &self,
        Job {
            key,
            just_completed,
        }: Job,
    ) {
        let batch = match self.ledger.batch(key) {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(event = key.0, "cannot read batch: {e}");
                return;
            }
        };
        if just_completed {
            let _ = self.events.send(Event::BatchCompleted {
                event: batch.event.clone(),
                batch: batch.batch.clone(),
                valid: batch.valid,
                invalid: batch.invalid,
            });
        }
        let held = self.assembly.lock().take(key);
        let result = self
            .parts(&batch, held)
            .and_then(|parts| Ok(hookgrid_frames::frame(parts)?))
            .and_then(|mut df| {
                store::write(&mut df, &self.batch_path(key))?;
                Ok(df.height() as u64)
            });
        let event = match result {
            Ok(rows) => Event::BatchReady {
                event: batch.event,
                batch: batch.batch,
                rows,
            },
            Err(e) => {
                tracing::error!(event = %batch.event, "cannot build the batch file: {e}");
                Event::BatchFailed {
                    event: batch.event,
                    batch: batch.batch,
                    message: e.to_string(),
                }
            }
        };
        let _ = self.events.send(event);
    }

    /// All parts of an import: those held in memory, the rest parsed again from the ledger.
    fn parts(&self, batch: &Batch, mut held: Vec<HeldPart>) -> Result<Vec<PartRows>> {
        if held.len() as u32 != batch.parts_received {
            let have: std::collections::HashSet<u32> = held.iter().map(|p| p.index).collect();
            let loaded = self.ledger.for_each_part(batch.key, |index, body| {
                if have.contains(&index) {
                    return Ok::<(), Error>(());
                }
                let part = parse(body).map_err(|e| corrupt(batch, index, e))?;
                held.push(HeldPart {
                    index,
                    valid: part.envelope.valid_rows as usize,
                    rows: part.rows,
                });
                Ok(())
            })?;
            loaded?;
        }
        Ok(held
            .into_iter()
            .map(|p| PartRows {
                number: batch.part_number(p.index),
                valid: p.valid,
                rows: p.rows,
            })
            .collect())
    }

    /// All parts of an import parsed again from the ledger, every cell as the text it was
    /// sent as.
    fn parts_as_sent(&self, batch: &Batch) -> Result<Vec<PartRows>> {
        let mut parts = Vec::new();
        self.ledger.for_each_part(batch.key, |index, body| {
            let part = parse_as_sent(body).map_err(|e| corrupt(batch, index, e))?;
            parts.push(PartRows {
                number: batch.part_number(index),
                valid: part.envelope.valid_rows as usize,
                rows: part.rows,
            });
            Ok::<(), Error>(())
        })??;
        Ok(parts)
    }

    /// The whole import in memory.
    fn frame_in_memory(&self, batch: &Batch) -> Result<hookgrid_frames::DataFrame> {
        let (frame, _) = self.frame(batch)?;
        Ok(frame
            .collect()
            .map_err(hookgrid_frames::FramesError::from)?)
    }

    /// The import's frame: its Parquet file when complete (rebuilt first if missing or
    /// unreadable), else built in memory from the parts stored so far.
    fn frame(&self, batch: &Batch) -> Result<(LazyFrame, Option<PathBuf>)> {
        if batch.status == BatchStatus::Incomplete {
            let df = hookgrid_frames::frame(self.parts(batch, Vec::new())?)?;
            return Ok((df.lazy(), None));
        }
        let path = self.batch_path(batch.key);
        if !store::is_sound(&path, batch.valid + batch.invalid) {
            let mut df = hookgrid_frames::frame(self.parts(batch, Vec::new())?)?;
            store::write(&mut df, &path)?;
        }
        Ok((store::scan(&path)?, Some(path)))
    }
}

fn corrupt(batch: &Batch, index: u32, e: hookgrid_flatfile::PayloadError) -> Error {
    Error::Corrupt {
        event: batch.event.clone(),
        part: batch.part_number(index),
        message: e.message,
    }
}

#[cfg(test)]
mod tests;
