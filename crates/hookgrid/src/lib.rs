//! Hookgrid's core, and the one facade the shells (the `hookgrid` CLI, the desktop app) call.
//!
//! [`Hookgrid`] opens a data dir and wires the parts together: the payload parser
//! (`hookgrid-flatfile`), the ledger (`hookgrid-ledger`) and the frames (`hookgrid-frames`).
//! [`http`] is the webhook listener on top of it, and [`server`] the one way both shells start
//! it. Shells never reach below this crate.
//!
//! Data flow: a body is parsed, committed to the ledger (durably) and only then acknowledged
//! ([`ingest`]); parsed rows of incomplete imports wait in memory ([`assembly`]); when the last
//! part lands a worker thread builds the batch frame and writes its Parquet file ([`worker`]).
//! Reading ([`query`], [`details`], [`listing`]), writing files ([`export`]), deleting
//! ([`retention`]), the quarantine ([`rejected`]), why rows are invalid ([`reasons`]) and
//! settings ([`settings`]) are each an
//! `impl Hookgrid` block in the module named for them; this file holds the type and `open`.

mod assembly;
mod browse;
pub mod datadir;
mod details;
mod doors;
mod error;
pub mod events;
mod export;
pub mod http;
mod ingest;
mod listing;
mod probe;
mod query;
pub mod reach;
mod reasons;
mod rejected;
mod retention;
mod row;
pub mod server;
mod settings;
pub mod signature;
pub mod token;
pub mod tunnel;
mod worker;

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
pub use hookgrid_frames::{ColumnValues, ErrorRows, ExportFormat, RowSet, Sort, ValueCount, View};
pub use hookgrid_ledger::{
    Batch, BatchStatus, ConfigChoice, ConfigScope, QuarantineKind, Quarantined, StoredConfig,
    StoredPart,
};
pub use hookgrid_rules::Config;

pub use details::{ImportDetails, Numbering, PartRange};
pub use doors::WrongDoor;
pub use export::{ERRORS_COLUMN, ExportSettings};
pub use ingest::{IngestError, Receipt, Signed};
pub use listing::BatchFilter;
pub use probe::{TEST_IMPORT_PREFIX, TestReport};
pub use reasons::{
    CellProblem, ConfigDetails, ConfigView, ErrorSummary, FieldView, RuleCount, SkippedValidator,
};
pub use rejected::{Retried, RetryOutcome};
pub use row::SentRow;
pub use server::Server;
pub use tunnel::StaleAddress;

use assembly::Assembly;
use browse::Browsing;
use worker::Job;

/// An open data dir: the ledger, the token, and the batch files derived from them.
#[derive(Debug)]
pub struct Hookgrid {
    core: Arc<Core>,
    /// Sends completed imports to the worker that builds their files.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
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
    /// The errors of the import last asked about, under its configuration.
    explained: reasons::Explained,
    /// When set, every request must carry a valid signature.
    signing: std::sync::RwLock<Option<signature::SigningSecret>>,
    /// Requests to a wrong token, counted.
    wrong_doors: doors::WrongDoors,
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
            explained: reasons::Explained::default(),
            signing: std::sync::RwLock::new(signing),
            wrong_doors: doors::WrongDoors::default(),
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
            .map_err(|e| Error::Internal(format!("cannot start the worker thread: {e}")))?;
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

    /// Announcements of parts stored, batches completed and requests quarantined.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.core.events.subscribe()
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
}

#[cfg(test)]
mod tests;
