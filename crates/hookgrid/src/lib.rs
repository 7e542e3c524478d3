//! Hookgrid's core, and the one facade the shells (the `hookgrid` CLI, the desktop app) call.
//!
//! [`Hookgrid`] opens a data dir and wires the parts together: the payload parser
//! (`hookgrid-flatfile`), the ledger (`hookgrid-ledger`) and the frames (`hookgrid-frames`).
//! Shells never reach below this crate. Its rooms, by concern:
//!
//! - [`intake`]: where a request enters. The webhook listener's routes, the token and
//!   signature checks, storing a part durably before it is acknowledged, the parts of
//!   incomplete imports waiting in memory, the worker that writes a completed import's file,
//!   and the quarantine.
//! - [`review`]: where an import is read. Finding one, paging through views of it (the grid
//!   holds imports in memory), the list, details, one row as sent, exports, deleting, and why
//!   rows are invalid.
//! - [`connection`]: how Flatfile reaches the listener. Starting it (the one start-up both
//!   shells use), its settings, a tunnel, the test import and the reachability check.
//! - [`accounts`]: who may do what. Users, roles, passwords, API tokens, sessions, and the
//!   audit log of who changed what.
//! - [`api`]: the UI's commands, one list for both shells with the role each needs, and the
//!   review listener that serves them (and the UI) over HTTP to browsers and desktop apps.
//!
//! Each concern is one or more `impl Hookgrid` blocks in the module named for it; this file
//! holds the type and `open`.

pub mod accounts;
pub mod api;
pub mod connection;
pub mod datadir;
mod error;
pub mod events;
pub mod intake;
pub mod review;
pub mod upkeep;

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use hookgrid_frames::store;
use hookgrid_ledger::{EventKey, Ledger};
use tokio::sync::broadcast;

pub use datadir::{DATA_DIR_ENV, DEFAULT_LISTEN, DataDir, Settings, WindowState};
pub use error::{Error, Result};
pub use events::Event;
pub use hookgrid_flatfile::sample;
pub use hookgrid_frames::page::{ColumnInfo, ColumnKind, Page};
pub use hookgrid_frames::{
    ColumnValues, CsvFor, ErrorRows, ExportFormat, RowSet, Sort, ValueCount, View,
};
pub use hookgrid_ledger::{
    AuditEntry, Batch, BatchStatus, ConfigChoice, ConfigScope, Copied, Flag, Listed,
    QuarantineKind, Quarantined, Review, ReviewEntry, ReviewStatus, StoredConfig, StoredCorrection,
    StoredPart, shown_url,
};
pub use hookgrid_rules::Config;

pub use connection::probe::{TEST_IMPORT_PREFIX, TestReport};
pub use connection::server::Server;
pub use connection::status::{Connection, Host, ListenerStatus, TunnelTool, TunnelView};
pub use connection::tunnel::StaleAddress;
pub use intake::doors::WrongDoor;
pub use intake::ingest::{Arrival, IngestError, Receipt, SheetReceipt, Signed, WorkbookReceipt};
pub use intake::rejected::{Retried, RetryOutcome};
pub use review::browse::DEFAULT_MEMORY_BUDGET;
pub use review::corrections::{EarlierCorrections, MAX_CORRECTION_CHARS};
pub use review::decisions::MAX_NOTE_CHARS;
pub use review::details::{ImportDetails, Numbering, PartRange};
pub use review::export::{Download, ERRORS_COLUMN, ExportSettings};
pub use review::flags::{FLAG_COLUMN, FlagRows, Flagged};
pub use review::listing::{BatchFilter, ListedBatch};
pub use review::reasons::{
    CellProblem, ConfigDetails, ConfigView, ErrorSummary, FieldView, Level, RuleCount,
    SkippedValidator, Source,
};
pub use review::replace::Replaced;
pub use review::row::SentRow;
pub use upkeep::backup::BackupReport;
pub use upkeep::start::{DATABASE_ENV, OpenOptions};

/// This build's version: the workspace's one version, which the packages carry.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

use intake::assembly::Assembly;
use intake::worker::Work;
use review::browse::Browsing;

/// An open data dir: the ledger, the token, and the batch files derived from them.
#[derive(Debug)]
pub struct Hookgrid {
    core: Arc<Core>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

/// Now, in ms since the epoch: how the ledger keeps times.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Debug)]
struct Core {
    dir: DataDir,
    /// Shared with the webhook token's store when the ledger is PostgreSQL's.
    ledger: Arc<Ledger>,
    token: intake::token::TokenStore,
    events: events::Bus,
    assembly: Assembly,
    /// To the worker: stored parts to read, complete imports to build (see
    /// [`intake::worker`]); taken at shutdown.
    work: Mutex<Option<mpsc::Sender<Work>>>,
    /// Body bytes waiting in the worker's queue to be read.
    reading: std::sync::atomic::AtomicUsize,
    /// The batch the grid is paging through, held in memory.
    browsing: Browsing,
    /// The errors of the import last asked about, under its configuration.
    explained: review::reasons::Explained,
    /// Flatfile's own messages on the Flatfile Platform sheet last asked about.
    messages: review::reasons::HeldMessages,
    /// When set, every request must carry a valid signature.
    signing: std::sync::RwLock<Option<intake::signature::SigningSecret>>,
    /// When the shared signing secret is due to be read again (a PostgreSQL ledger).
    shared_read: connection::shared::Every,
    /// Requests to a wrong token, counted.
    wrong_doors: intake::doors::WrongDoors,
    /// Derived files this process has checked against their digests.
    verified: upkeep::verify::Verified,
    /// Set by [`Hookgrid::close`]: the worker finishes the file in hand and leaves the rest.
    stopping: std::sync::atomic::AtomicBool,
    /// Whether storing works (see [`upkeep::health`]).
    health: upkeep::health::Health,
    /// Every connection the listeners hold open (see [`connection::guard`]).
    connections: Arc<connection::guard::Connections>,
}

impl Hookgrid {
    /// Opens (creating when needed) the data dir at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Hookgrid> {
        Hookgrid::open_with(root, OpenOptions::default())
    }

    /// [`Hookgrid::open`], refusing a ledger that is not the one the data dir held unless
    /// `options` accept it (see [`upkeep::start`]).
    pub fn open_with(root: impl Into<PathBuf>, options: OpenOptions) -> Result<Hookgrid> {
        let dir = DataDir::create(root)?;
        upkeep::start::before_open(&dir, &options)?;
        let ledger = Arc::new(match &options.database {
            Some(url) => Ledger::open_postgres(url)?,
            None => Ledger::open(dir.ledger())?,
        });
        upkeep::start::after_open(&dir, &ledger, &options)?;
        // Instances on one PostgreSQL ledger stand behind one URL: they share its token.
        let token = if ledger.is_postgres() {
            intake::token::TokenStore::open_shared(ledger.clone())?
        } else {
            intake::token::TokenStore::open(&dir.token())?
        };
        let local = Settings::load(&dir)?;
        // Instances on one PostgreSQL ledger share what they ask of a request.
        let settings = if ledger.is_postgres() {
            connection::shared::seed(&ledger, &local)?
        } else {
            local
        };
        let signing = settings
            .signing_secret
            .as_deref()
            .map(intake::signature::SigningSecret::parse)
            .transpose()?;
        let (verified, events) = if ledger.is_postgres() {
            let instance = upkeep::verify::instance_id(&dir)?;
            (
                upkeep::verify::Verified::for_instance(&instance),
                events::Bus::announcing(events::shared::Outbox::start(ledger.clone(), &instance)?),
            )
        } else {
            (upkeep::verify::Verified::default(), events::Bus::local())
        };
        let (work, queue) = mpsc::channel::<Work>();
        let core = Arc::new(Core {
            dir,
            ledger,
            token,
            events,
            assembly: Assembly::default(),
            work: Mutex::new(Some(work)),
            reading: std::sync::atomic::AtomicUsize::new(0),
            browsing: Browsing::default(),
            explained: review::reasons::Explained::default(),
            messages: review::reasons::HeldMessages::default(),
            signing: std::sync::RwLock::new(signing),
            shared_read: connection::shared::Every::default(),
            wrong_doors: intake::doors::WrongDoors::default(),
            verified,
            stopping: std::sync::atomic::AtomicBool::new(false),
            health: upkeep::health::Health::default(),
            connections: Arc::default(),
        });
        // Holds a weak reference only: the queue's sender lives in the core, and the core must
        // be dropped (or shut down) for the queue to end.
        let worker_core = Arc::downgrade(&core);
        let worker = std::thread::Builder::new()
            .name("hookgrid-frames".into())
            .spawn(move || {
                for work in queue {
                    let Some(core) = worker_core.upgrade() else {
                        break;
                    };
                    if core.stopping.load(std::sync::atomic::Ordering::Relaxed) {
                        // A shell is stopping: what is left is rebuilt at the next start.
                        break;
                    }
                    core.work(work);
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the worker thread: {e}")))?;
        Ok(Hookgrid {
            core,
            worker: Mutex::new(Some(worker)),
        })
    }

    /// Opens the default data dir (`$HOOKGRID_DATA_DIR` or the platform data dir).
    pub fn open_default(options: OpenOptions) -> Result<Hookgrid> {
        Hookgrid::open_with(DataDir::default_path()?, options)
    }

    /// The data dir.
    pub fn data_dir(&self) -> &DataDir {
        &self.core.dir
    }

    /// Announcements of parts stored, batches completed and requests quarantined; on a
    /// PostgreSQL ledger, once [`Hookgrid::follow_instances`] was called, the other
    /// instances' too.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.core.events.subscribe()
    }

    /// This process's own events only (what its log reports).
    pub fn subscribe_own(&self) -> broadcast::Receiver<Event> {
        self.core.events.subscribe_own()
    }
}

impl Drop for Hookgrid {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Core {
    pub(crate) fn batch_path(&self, key: EventKey) -> PathBuf {
        store::batch_path(&self.dir.batches(), key.0)
    }

    /// Whether an import's Parquet file can be read as it: sound, with its rows, and the file
    /// that was written (see [`upkeep::verify`]).
    pub(crate) fn batch_file_intact(&self, batch: &Batch) -> bool {
        let path = self.batch_path(batch.key);
        if !path.exists() {
            // Not written yet, or deleted by hand: a cache, built again without a word.
            return false;
        }
        match store::soundness(&path, batch.rows()) {
            store::Soundness::Sound => self.derived_intact(&path),
            store::Soundness::Damaged => {
                tracing::warn!(
                    "{} cannot be read as the import's {} rows: it was damaged or replaced; \
                     building it again from the ledger",
                    path.display(),
                    batch.rows()
                );
                false
            }
            store::Soundness::OtherTyping => {
                tracing::info!(
                    "{} was typed by an older Hookgrid (money as text): building it again \
                     from the ledger",
                    path.display()
                );
                false
            }
        }
    }

    /// Writes an import's Parquet file from `typed` and records its digest.
    pub(crate) fn write_batch_file(
        &self,
        key: EventKey,
        typed: &mut hookgrid_frames::Typed,
    ) -> Result<()> {
        let path = self.batch_path(key);
        store::write_typed(typed, &path)?;
        self.derived_written(&path)?;
        self.record_columns(key, hookgrid_frames::data_columns(typed.frame.schema()));
        Ok(())
    }

    /// Keeps an import's data columns in the ledger for the list. Not kept, the list only
    /// shows fewer details: nothing is lost, so a failure is logged, not returned.
    pub(crate) fn record_columns(&self, key: EventKey, columns: Vec<String>) {
        if let Err(e) = self.ledger.set_columns(key, &columns) {
            tracing::warn!(event = key.0, "cannot record the import's columns: {e}");
        }
    }
}

#[cfg(test)]
mod tests;
