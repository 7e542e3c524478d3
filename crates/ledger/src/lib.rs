//! The ledger: Hookgrid's source of truth, one SQLite file in the data dir, or a PostgreSQL
//! database that several listeners share.
//!
//! It keeps every accepted request body with its parsed [`Envelope`], groups parts by event,
//! and keeps every rejected body in a quarantine with its reason. A commit returns only after
//! the database has synced it (SQLite: WAL, `synchronous=FULL`; PostgreSQL:
//! `synchronous_commit` on), so a request acknowledged after [`Ledger::commit_part`] survives
//! a `kill -9` or a power cut.
//!
//! Both backends run the same statements (see [`store`]); each has its own migrations.
//!
//! The ledger never parses bodies and never builds dataframes: it stores and answers questions
//! about what it stores. Anything derived from it lives elsewhere and can be rebuilt.

mod accounts;
mod backup;
mod batch;
mod body;
mod changes;
mod commit;
mod configs;
mod copy;
mod corrections;
mod derived;
mod flags;
mod group;
mod quarantine;
mod reviews;
mod schema;
mod shared;
pub mod store;

pub use accounts::{AuditEntry, StoredSecret, StoredUser};
pub use batch::{Batch, BatchStatus, StoredPart, customer_label};
pub use changes::{Change, ChangeListener, ChangesSince, Heard};
pub use configs::{ConfigChoice, ConfigScope, StoredConfig};
pub use copy::Copied;
pub use corrections::StoredCorrection;
pub use flags::Flag;
pub use quarantine::{Listed, QuarantineKind, Quarantined};
pub use reviews::{Review, ReviewEntry, ReviewStatus};

use batch::{batch_row, batch_select, part_number};
pub use store::SqlError;
pub use store::postgres::shown_url;
use store::postgres::{Locks, Postgres, is_postgres_url};
use store::{Conn, OptionalExtension, params};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgrid_flatfile::Envelope;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What can go wrong in the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database could not be opened, read or written (disk full, permissions, corruption,
    /// a database server that cannot be reached).
    #[error("database error in {path}: {source}{}", cause(source))]
    Database {
        /// The file, or a database server's URL without its password.
        path: PathBuf,
        #[source]
        source: SqlError,
    },
    /// The database server cannot be used as a ledger as it is set up.
    #[error("{at}: {problem}")]
    Backend { at: PathBuf, problem: String },
    /// What only one backend can do was asked of the other.
    #[error("{what} is for a SQLite ledger; {at} is a PostgreSQL one")]
    SqliteOnly { what: &'static str, at: PathBuf },
    /// What only a PostgreSQL ledger does was asked of a SQLite one.
    #[error("{what} is for a PostgreSQL ledger; {at} is a SQLite one")]
    PostgresOnly { what: &'static str, at: PathBuf },
    /// No configuration has that name.
    #[error("no configuration named {0:?}")]
    NoSuchConfig(String),
    /// A backup could not be written.
    #[error("cannot write the backup {path}: {source}")]
    Backup {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database file is damaged (`PRAGMA quick_check` found problems).
    #[error("{path} is damaged: {verdict}")]
    Damaged { path: PathBuf, verdict: String },
    /// A stored body cannot be read back as it was sent (see [`body`]).
    #[error("the stored body of {what} cannot be read: {problem}")]
    BodyDamaged { what: String, problem: String },
    /// Something with that name exists already (a user, a token label).
    #[error("there is already {0}")]
    Exists(String),
    /// A read-only ledger of another schema version: it cannot be migrated where it is.
    #[error(
        "{path} is read-only and has schema version {found}, this Hookgrid's is {supported}: \
         read it with the Hookgrid that wrote it, or copy the data dir somewhere writable"
    )]
    ReadOnlyOlder {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The database was written by a newer Hookgrid.
    #[error("{path} has schema version {found}; this Hookgrid understands up to {supported}")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

impl LedgerError {
    /// Whether the write failed because the disk (or the file system quota) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, LedgerError::Database { source, .. } if source.is_disk_full())
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

/// What SQLite's extended result code says beyond its message: "disk I/O error" alone does
/// not say whether a read, a write or an fsync failed, nor that a write was refused because
/// the file (or its folder) is read-only.
fn cause(e: &SqlError) -> String {
    use rusqlite::ffi;
    let SqlError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) = e else {
        return String::new();
    };
    let what = match failure.extended_code {
        ffi::SQLITE_IOERR_READ | ffi::SQLITE_IOERR_SHORT_READ => "reading the file failed",
        ffi::SQLITE_IOERR_WRITE => "writing the file failed",
        ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_DIR_FSYNC => {
            "the disk did not confirm a write (fsync failed)"
        }
        ffi::SQLITE_IOERR_TRUNCATE => "truncating the file failed",
        ffi::SQLITE_IOERR_FSTAT => "reading the file's size failed",
        ffi::SQLITE_IOERR_SHMOPEN | ffi::SQLITE_IOERR_SHMSIZE | ffi::SQLITE_IOERR_SHMMAP => {
            "the -shm file beside it cannot be used"
        }
        ffi::SQLITE_IOERR_LOCK | ffi::SQLITE_IOERR_RDLOCK | ffi::SQLITE_IOERR_UNLOCK => {
            "locking the file failed"
        }
        ffi::SQLITE_IOERR_NOMEM => "out of memory",
        ffi::SQLITE_READONLY_DBMOVED => "the file was moved or deleted while open",
        ffi::SQLITE_READONLY_DIRECTORY => "its folder cannot be written",
        ffi::SQLITE_READONLY_CANTINIT | ffi::SQLITE_READONLY_RECOVERY => {
            "the -shm or -wal file beside it cannot be written"
        }
        ffi::SQLITE_READONLY => "the file cannot be written (permissions, or a read-only mount)",
        ffi::SQLITE_CANTOPEN => "the file or its folder cannot be opened",
        ffi::SQLITE_FULL => "the disk is full",
        _ => return format!(" (SQLite code {})", failure.extended_code),
    };
    format!(" ({what}; SQLite code {})", failure.extended_code)
}

/// Outcome of [`Ledger::commit_part`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commit {
    /// The part is new and now durable.
    Stored {
        event: EventKey,
        /// The part's number, from 1 (see [`Batch::part_number`]).
        part: u32,
        /// This part was the last one missing: the batch is complete.
        completed: bool,
        parts_received: u32,
    },
    /// The same body was stored before; only its repeat was counted.
    Duplicate { event: EventKey, part: u32 },
    /// The part contradicts what is stored; nothing was written. The caller quarantines it.
    Conflict { reason: String },
}

/// One sheet of a workbook to commit (see [`Ledger::commit_workbook`]).
#[derive(Debug, Clone)]
pub struct WorkbookSheet {
    pub envelope: Envelope,
    /// The digest of its records as sent: the same sheet again with other records under
    /// the same event contradicts it.
    pub digest: [u8; 32],
    /// What its submit was answered with about it, kept with its import when it is new.
    pub sent_back: Option<SentBack>,
}

/// The cells of one sheet a configuration rejected, as sent back to Flatfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SentBack {
    /// The configuration that rejected them.
    pub config: String,
    /// Records with a rejected cell.
    #[ts(type = "number")]
    pub rejected: u64,
    /// Of those, how many the answer lists (it lists a bounded number).
    #[ts(type = "number")]
    pub listed: u64,
    /// The sheet's entry of the answer as sent (`{"sheetId", "rejectedRecords"}`), JSON.
    pub answer: String,
}

impl Ledger {
    /// What a sheet's submit was answered with, when its cells were sent back.
    pub fn sent_back(&self, key: EventKey) -> Result<Option<SentBack>> {
        self.read(|c| {
            c.query_row(
                "SELECT config, rejected, listed, answer FROM sent_back WHERE event = ?1",
                [key.0],
                |r| {
                    Ok(SentBack {
                        config: r.get(0)?,
                        rejected: r.get(1)?,
                        listed: r.get(2)?,
                        answer: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }
}

/// The ledger's own key for an event (one import, one revision of a batch). Stable for the
/// life of the database and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EventKey(pub i64);

/// The ledger, on SQLite or PostgreSQL.
#[derive(Debug)]
pub struct Ledger {
    /// The SQLite file, or the PostgreSQL URL without its password: what errors name.
    path: PathBuf,
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    Sqlite(Box<Sqlite>),
    Postgres(Box<Postgres>),
}

/// A SQLite ledger. Writes go through one connection (SQLite has one writer anyway); reads
/// open their own, so readers in other processes and threads never wait for a writer.
#[derive(Debug)]
struct Sqlite {
    writer: Mutex<Connection>,
    /// Parts waiting for the writer, to be committed together.
    waiting: group::Waiting,
    /// Reader connections kept open between reads (at most [`IDLE_READERS`]): opening one
    /// and preparing its statements cost more than most reads, and a page of the grid makes
    /// about ten.
    readers: Mutex<Vec<Connection>>,
    /// Dropping this stops the checkpointer thread.
    _checkpointer: Option<mpsc::Sender<()>>,
    /// How a reader opens the file: `None` normally; on a read-only file system, the URI and
    /// why (see [`Ledger::open_read_only`]).
    read_only: Option<ReadOnly>,
}

/// Reader connections a SQLite ledger keeps open when idle.
const IDLE_READERS: usize = 4;

impl Drop for Sqlite {
    /// The readers close before the writer: the last connection to close checkpoints the WAL
    /// into `hookgrid.db` (so a clean stop leaves the file complete on its own), and a
    /// read-only one cannot.
    fn drop(&mut self) {
        self.readers
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

impl Sqlite {
    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction
        // rolls back on drop), so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn idle_reader(&self) -> Option<Connection> {
        self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    /// Keeps `conn` for the next read, unless enough are kept or a read left a transaction
    /// open on it (it would hold an old snapshot, and the WAL behind it, for good).
    fn put_back(&self, conn: Connection) {
        if !conn.is_autocommit() {
            return;
        }
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < IDLE_READERS {
            readers.push(conn);
        }
    }
}

/// Why a ledger was opened to be read only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwritable {
    /// It is on a read-only file system (a snapshot, read-only media, a read-only mount).
    ReadOnlyFs,
    /// This user may not write it.
    NoPermission,
}

/// A ledger that cannot be written.
#[derive(Debug, Clone)]
struct ReadOnly {
    why: Unwritable,
    /// `file:…`, with `immutable=1` when SQLite could not keep its shared-memory file there.
    uri: String,
}

/// How often the background thread moves committed WAL pages into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// WAL pages after which a commit checkpoints by itself (a backstop: normally the background
/// thread keeps the WAL far smaller).
const AUTOCHECKPOINT_PAGES: i64 = 16 * 1024;

/// Checkpoints the WAL off the commit path: SQLite's default runs a checkpoint inside every
/// ~1,000th page commit, which made those acknowledgements wait for a database-file fsync.
fn start_checkpointer(path: &Path) -> Option<mpsc::Sender<()>> {
    let conn = Connection::open(path).ok()?;
    conn.busy_timeout(BUSY_TIMEOUT).ok()?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("hookgrid-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY)
            {
                // PASSIVE never blocks writers or readers; a busy database just waits a tick.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        })
        .ok()?;
    Some(stop)
}

impl Ledger {
    /// Opens (creating or migrating) the ledger at `path`. On a read-only file system (a
    /// snapshot, a backup on read-only media) it is opened to be read only, as it is.
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref().to_path_buf();
        if let Some(why) = unwritable(&path) {
            return Ledger::open_read_only(path, why);
        }
        let conn = Connection::open(&path).map_err(|e| db(&path, e))?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            // SQLite opens a file it may not write read-only, without a word.
            drop(conn);
            return Ledger::open_read_only(path, Unwritable::NoPermission);
        }
        configure(&conn).map_err(|e| db(&path, e))?;
        schema::sqlite::migrate(&conn, &path)?;
        conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)
            .map_err(|e| db(&path, e))?;
        let checkpointer = start_checkpointer(&path);
        Ok(Ledger {
            path,
            backend: Backend::Sqlite(Box::new(Sqlite {
                writer: Mutex::new(conn),
                readers: Mutex::default(),
                waiting: group::Waiting::default(),
                _checkpointer: checkpointer,
                read_only: None,
            })),
        })
    }

    /// Opens (creating or migrating) the ledger in the PostgreSQL database at `url`
    /// (`postgres://user:password@host:port/database`). Refused when the server's
    /// `synchronous_commit` is off: an acknowledged part could then be lost in a crash.
    pub fn open_postgres(url: &str) -> Result<Ledger> {
        let pg = Postgres::connect(url)?;
        let path = pg.shown().to_path_buf();
        pg.read(|c| {
            let sync: String = c.query_row("SHOW synchronous_commit", (), |r| r.get(0))?;
            if sync == "off" {
                return Err(LedgerError::Backend {
                    at: c.at().to_path_buf(),
                    problem: "synchronous_commit is off, so a part acknowledged as stored \
                              could be lost if the database server crashed; set it to on \
                              (the default) for the hookgrid user or database"
                        .into(),
                });
            }
            Ok(())
        })?;
        schema::postgres::migrate(&pg)?;
        Ok(Ledger {
            path,
            backend: Backend::Postgres(Box::new(pg)),
        })
    }

    /// Opens the ledger `location` names: a PostgreSQL URL, or a SQLite file's path.
    pub fn open_at(location: &str) -> Result<Ledger> {
        if is_postgres_url(location) {
            Ledger::open_postgres(location)
        } else {
            Ledger::open(location)
        }
    }

    /// Whether this ledger is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The SQLite file, or the PostgreSQL URL without its password.
    pub fn location(&self) -> &Path {
        &self.path
    }

    /// The ledger at `path` as it is, for reading: nothing migrated, checkpointed or written
    /// (a write is refused by SQLite). A WAL ledger there needs its `-shm` file beside it; a
    /// copy without one (the last connection removed it at a clean stop, so everything is in
    /// the main file) is opened immutable: nothing can change it anyway.
    fn open_read_only(path: PathBuf, why: Unwritable) -> Result<Ledger> {
        let wal = sidecar(&path, "-wal");
        let wal_empty = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
        let immutable =
            why == Unwritable::ReadOnlyFs && !sidecar(&path, "-shm").exists() && wal_empty;
        let read_only = ReadOnly {
            why,
            uri: format!(
                "file:{}{}",
                uri_path(&path),
                if immutable { "?immutable=1" } else { "" }
            ),
        };
        let conn = read_only.open().map_err(|e| db(&path, e))?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| db(&path, e))?;
        if found != schema::sqlite::VERSION {
            return Err(LedgerError::ReadOnlyOlder {
                path,
                found,
                supported: schema::sqlite::VERSION,
            });
        }
        Ok(Ledger {
            path,
            backend: Backend::Sqlite(Box::new(Sqlite {
                writer: Mutex::new(conn),
                readers: Mutex::default(),
                waiting: group::Waiting::default(),
                _checkpointer: None,
                read_only: Some(read_only),
            })),
        })
    }

    /// Whether the ledger could not be opened for writing, so nothing can be written to it.
    pub fn is_read_only(&self) -> bool {
        self.unwritable().is_some()
    }

    /// Why the ledger cannot be written, when it cannot.
    pub fn unwritable(&self) -> Option<Unwritable> {
        match &self.backend {
            Backend::Sqlite(s) => s.read_only.as_ref().map(|r| r.why),
            Backend::Postgres(_) => None,
        }
    }

    /// Opens the writing connection again, after writes failed: a connection that met an I/O
    /// error, or was opened while the file could not be written (SQLite then opens it
    /// read-only), may go on failing after the cause is gone. A new one sees the file as it
    /// is now; the old one stays when the new one cannot be opened. (PostgreSQL's pool drops
    /// a broken connection by itself.)
    pub fn reopen(&self) -> Result<()> {
        let Backend::Sqlite(sqlite) = &self.backend else {
            return Ok(());
        };
        if sqlite.read_only.is_some() {
            return Ok(());
        }
        // Never made afresh: a ledger moved or deleted while open must not come back empty.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| db(&self.path, e))?;
        configure(&conn).map_err(|e| db(&self.path, e))?;
        conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)
            .map_err(|e| db(&self.path, e))?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            return Err(db(
                &self.path,
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                    Some("attempt to write a readonly database".to_owned()),
                ),
            ));
        }
        *sqlite.writer() = conn;
        Ok(())
    }

    /// A small durable write (the time, into `ledger_meta`): whether storing works now.
    pub fn probe_write(&self) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('written_at', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [now_ms().to_string()],
            )
            .map(drop)
        })
    }

    /// Whether the database answers now (a PostgreSQL server reachable and accepting
    /// queries; a SQLite file readable).
    pub fn ping(&self) -> Result<()> {
        self.read(|c| c.query_row("SELECT 1", (), |_| Ok(())))
    }

    /// Runs `f` on a connection for reading (SQLite: one of its own, so it never waits for
    /// the writer).
    fn read<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(sqlite) => {
                let conn = match sqlite.idle_reader() {
                    Some(conn) => conn,
                    None => self.sqlite_reader(sqlite)?,
                };
                let read = f(&Conn::sqlite(&self.path, &conn));
                sqlite.put_back(conn);
                read
            }
            Backend::Postgres(pg) => pg.read(f),
        }
    }

    /// Runs `f` in one write transaction (SQLite: immediate), committed when it succeeds.
    fn write<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        self.write_if(|c| Ok((f(c)?, true)))
    }

    /// Runs `f` in one write transaction, committed when it says so (the `bool`); nothing it
    /// wrote is kept otherwise, or when it fails.
    fn write_if<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<(T, bool)>) -> Result<T> {
        self.write_locked(Locks::All, f)
    }

    /// [`Ledger::write_if`] holding `locks` (PostgreSQL; SQLite has one writer anyway).
    fn write_locked<T>(
        &self,
        locks: Locks<'_>,
        f: impl FnOnce(&Conn<'_>) -> Result<(T, bool)>,
    ) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(sqlite) => {
                let mut conn = sqlite.writer();
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(|e| db(&self.path, e))?;
                let (out, keep) = f(&Conn::sqlite(&self.path, &tx))?;
                if keep {
                    tx.commit().map_err(|e| db(&self.path, e))?;
                }
                Ok(out)
            }
            Backend::Postgres(pg) => pg.write_locked(locks, f),
        }
    }

    fn sqlite_reader(&self, sqlite: &Sqlite) -> Result<Connection> {
        if let Some(read_only) = &sqlite.read_only {
            return read_only.open().map_err(|e| db(&self.path, e));
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db(&self.path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| db(&self.path, e))?;
        store::sqlite::define_functions(&conn).map_err(|e| db(&self.path, e))?;
        Ok(conn)
    }

    /// The PostgreSQL ledger, for what only PostgreSQL has; `what` names it in the error
    /// otherwise.
    fn postgres_only(&self, what: &'static str) -> Result<&Postgres> {
        match &self.backend {
            Backend::Postgres(pg) => Ok(pg),
            Backend::Sqlite(_) => Err(LedgerError::PostgresOnly {
                what,
                at: self.path.clone(),
            }),
        }
    }

    /// The SQLite ledger, for what only SQLite has; `what` names it in the error otherwise.
    fn sqlite_only(&self, what: &'static str) -> Result<&Sqlite> {
        match &self.backend {
            Backend::Sqlite(s) => Ok(s),
            Backend::Postgres(_) => Err(LedgerError::SqliteOnly {
                what,
                at: self.path.clone(),
            }),
        }
    }

    /// Stores one part durably, or says why it is a duplicate or a conflict.
    pub fn commit_part(&self, envelope: &Envelope, body: &[u8]) -> Result<Commit> {
        let hash = Sha256::digest(body).to_vec();
        // Packed by the caller's thread, before it waits for the writer.
        let packed = body::pack(body);
        let now = now_ms();
        if let Backend::Sqlite(sqlite) = &self.backend {
            // Parts that wait for the writer together share its commit (PostgreSQL's server
            // groups the commits of its connections by itself).
            return sqlite
                .waiting
                .commit(&self.path, &sqlite.writer, envelope, packed, hash, now);
        }
        let events = [envelope.event_id.as_str()];
        let outcome = self.commit_unless_conflict(&events, |tx| {
            let outcome =
                commit::commit_in(tx, envelope, commit::BodyAt::Own(&packed), &hash, now)?;
            Ok(vec![outcome])
        })?;
        Ok(outcome.into_iter().next().expect("one outcome"))
    }

    /// Runs `write` in one write transaction holding the locks of `events`, committed unless
    /// an outcome is a [`Commit::Conflict`] (then nothing it wrote is kept).
    fn commit_unless_conflict(
        &self,
        events: &[&str],
        write: impl FnOnce(&Conn<'_>) -> Result<Vec<Commit>>,
    ) -> Result<Vec<Commit>> {
        self.write_locked(Locks::Events(events), |tx| {
            let outcomes = write(tx)?;
            let keep = !outcomes
                .iter()
                .any(|c| matches!(c, Commit::Conflict { .. }));
            Ok((outcomes, keep))
        })
    }

    /// Stores the sheets of one workbook body in one transaction: the body once, each sheet
    /// as the one part of its import (`sheets`: its envelope and the digest of its records,
    /// which tells a repeat from a contradiction). Every sheet's outcome, in order; when one
    /// is a [`Commit::Conflict`], nothing is written and the outcomes say which.
    pub fn commit_workbook(&self, sheets: &[WorkbookSheet], body: &[u8]) -> Result<Vec<Commit>> {
        let hash = Sha256::digest(body).to_vec();
        let now = now_ms();
        let events: Vec<&str> = sheets
            .iter()
            .map(|s| s.envelope.event_id.as_str())
            .collect();
        self.commit_unless_conflict(&events, |tx| {
            let mut body_id: Option<i64> = tx
                .query_row("SELECT id FROM bodies WHERE sha256 = ?1", [&hash], |r| {
                    r.get(0)
                })
                .optional()?;
            // Written with the first sheet that is new, once.
            let mut shared = || match body_id {
                Some(id) => Ok(id),
                None => {
                    let id = store_body(tx, &hash, body)?;
                    body_id = Some(id);
                    Ok(id)
                }
            };
            let mut outcomes = Vec::with_capacity(sheets.len());
            for sheet in sheets {
                let body = commit::BodyAt::Shared(&mut shared);
                let outcome = commit::commit_in(tx, &sheet.envelope, body, &sheet.digest, now)?;
                if let (Commit::Stored { event, .. }, Some(sent)) = (&outcome, &sheet.sent_back) {
                    tx.execute(
                        "INSERT INTO sent_back (event, config, rejected, listed, answer)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            event.0,
                            sent.config,
                            sent.rejected,
                            sent.listed,
                            sent.answer
                        ],
                    )?;
                }
                outcomes.push(outcome);
            }
            Ok(outcomes)
        })
    }

    /// Deletes an import: its event and every stored part, in one transaction (its rejected
    /// requests stay in the quarantine). Returns whether it existed.
    pub fn delete(&self, key: EventKey) -> Result<bool> {
        self.write(|tx| {
            let shared: Vec<i64> = tx.query_map(
                "SELECT DISTINCT body_id FROM parts WHERE event = ?1 AND body_id IS NOT NULL",
                [key.0],
                |r| r.get(0),
            )?;
            tx.execute("DELETE FROM parts WHERE event = ?1", [key.0])?;
            // A workbook's body goes with the last of its sheets.
            for body in shared {
                tx.execute(
                    "DELETE FROM bodies WHERE id = ?1
                     AND NOT EXISTS (SELECT 1 FROM parts WHERE body_id = ?1)",
                    [body],
                )?;
            }
            for table in [
                "config_use",
                "sent_back",
                "config_none",
                "reviews",
                "flags",
                "corrections",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE event = ?1"), [key.0])?;
            }
            let deleted = tx.execute("DELETE FROM events WHERE id = ?1", [key.0])?;
            Ok(deleted > 0)
        })
    }

    /// Imports whose last part arrived before `cutoff_ms` (Unix milliseconds).
    pub fn idle_since(&self, cutoff_ms: i64) -> Result<Vec<EventKey>> {
        self.read(|c| {
            c.query_map(
                "SELECT id FROM events WHERE last_received < ?1 ORDER BY id",
                [cutoff_ms],
                |r| Ok(EventKey(r.get(0)?)),
            )
        })
    }

    /// Every import, newest first.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        self.read(|c| c.query_map(&batch_select("", "ORDER BY e.id DESC"), (), batch_row))
    }

    /// The `limit` newest imports, and how many there are in all: the list a window shows,
    /// without reading every import of a large ledger.
    pub fn newest_batches(&self, limit: u32) -> Result<(u64, Vec<Batch>)> {
        self.read(|c| {
            let total: u64 = c.query_row("SELECT COUNT(*) FROM events", (), |r| r.get(0))?;
            let sql = batch_select(
                "WHERE e.id IN (SELECT id FROM events ORDER BY id DESC LIMIT ?1)",
                "ORDER BY e.id DESC",
            );
            Ok((total, c.query_map(&sql, [limit], batch_row)?))
        })
    }

    /// One import by its key.
    pub fn batch(&self, key: EventKey) -> Result<Option<Batch>> {
        self.read(|c| {
            c.query_row(&batch_select("WHERE e.id = ?1", ""), [key.0], batch_row)
                .optional()
        })
    }

    /// One import by its `event.id`.
    pub fn batch_by_event(&self, event_id: &str) -> Result<Option<Batch>> {
        self.read(|c| {
            c.query_row(
                &batch_select("WHERE e.event_id = ?1", ""),
                [event_id],
                batch_row,
            )
            .optional()
        })
    }

    /// Records an import's data columns, as its table has them (see [`Batch::columns`]).
    pub fn set_columns(&self, key: EventKey, columns: &[String]) -> Result<()> {
        let text = serde_json::to_string(columns).expect("a list of strings is JSON");
        self.write(|c| {
            c.execute(
                "UPDATE events SET columns = ?2 WHERE id = ?1",
                params![key.0, text],
            )
            .map(drop)
        })
    }

    /// Calls `f` with each stored part of an import, in sequence order, one body at a time.
    pub fn for_each_part<E>(
        &self,
        key: EventKey,
        mut f: impl FnMut(u32, &[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>> {
        self.read(|c| {
            let mut failed = None;
            let mut damaged = None;
            c.each_row(
                "SELECT p.idx, COALESCE(b.body, p.body), p.body_codec, p.body_size FROM parts p
                 LEFT JOIN bodies b ON b.id = p.body_id
                 WHERE p.event = ?1 ORDER BY p.idx",
                [key.0],
                |row| {
                    let idx: u32 = row.get(0)?;
                    let (codec, size): (i64, Option<i64>) = (row.get(2)?, row.get(3)?);
                    row.with_value(1, |stored| {
                        let store::Value::Blob(stored) = stored else {
                            return Err(SqlError::Type {
                                column: 1,
                                problem: format!("a part's body is {stored:?}"),
                            });
                        };
                        let body = match body::unpack(codec, size, stored, || {
                            format!("index {idx} of import {}", key.0)
                        }) {
                            Ok(body) => body,
                            Err(e) => {
                                damaged = Some(e);
                                return Ok(false);
                            }
                        };
                        Ok(match f(idx, &body) {
                            Ok(()) => true,
                            Err(e) => {
                                failed = Some(e);
                                false
                            }
                        })
                    })
                },
            )?;
            if let Some(e) = damaged {
                return Err(e);
            }
            Ok(failed.map_or(Ok(()), Err))
        })
    }

    /// The stored parts of an import, by index.
    pub fn parts(&self, batch: &Batch) -> Result<Vec<StoredPart>> {
        self.read(|c| {
            c.query_map(
                "SELECT p.idx, rfc3339_ms(p.received_at), p.declared_rows, p.valid_rows,
                        p.invalid_rows, COALESCE(length(b.body), p.body_size, length(p.body)),
                        p.duplicates
                 FROM parts p LEFT JOIN bodies b ON b.id = p.body_id
                 WHERE p.event = ?1 ORDER BY p.idx",
                [batch.key.0],
                |r| {
                    let index: u32 = r.get(0)?;
                    let declared_rows: Option<u64> = r.get(2)?;
                    let valid: u64 = r.get(3)?;
                    let invalid: u64 = r.get(4)?;
                    Ok(StoredPart {
                        part: batch.part_number(index),
                        index,
                        received_at: r.get(1)?,
                        declared_rows,
                        valid,
                        invalid,
                        bytes: r.get(5)?,
                        duplicates: r.get(6)?,
                        count_mismatch: declared_rows.is_some_and(|d| d != valid + invalid),
                    })
                },
            )
        })
    }

    /// The body of one stored part (by `event.sequence.index`), exactly as it arrived.
    pub fn part_body(&self, key: EventKey, index: u32) -> Result<Option<Vec<u8>>> {
        let stored: Option<(Vec<u8>, i64, Option<i64>)> = self.read(|c| {
            c.query_row(
                "SELECT COALESCE(b.body, p.body), p.body_codec, p.body_size FROM parts p
                 LEFT JOIN bodies b ON b.id = p.body_id
                 WHERE p.event = ?1 AND p.idx = ?2",
                params![key.0, index],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })?;
        stored
            .map(|(stored, codec, size)| {
                let what = || format!("index {index} of import {}", key.0);
                Ok(match body::unpack(codec, size, &stored, what)? {
                    std::borrow::Cow::Borrowed(_) => stored,
                    std::borrow::Cow::Owned(body) => body,
                })
            })
            .transpose()
    }

    /// This ledger's id, made when it was created.
    pub fn id(&self) -> Result<String> {
        self.read(|c| {
            c.query_row("SELECT value FROM ledger_meta WHERE key = 'id'", (), |r| {
                r.get(0)
            })
        })
    }

    /// How many imports the ledger holds.
    pub fn imports(&self) -> Result<u64> {
        self.read(|c| c.query_row("SELECT COUNT(*) FROM events", (), |r| r.get(0)))
    }

    /// Runs SQLite's `PRAGMA quick_check` (every page read, indexes not cross-checked: what a
    /// start can afford); `Ok(())` when the file is sound. A PostgreSQL server checks its
    /// own pages: there is nothing for a client to run, and the answer is `Ok(())`.
    pub fn quick_check(&self) -> Result<Result<(), String>> {
        if self.is_postgres() {
            return Ok(Ok(()));
        }
        let found: Vec<String> =
            self.read(|c| c.query_map("PRAGMA quick_check", (), |r| r.get(0)))?;
        Ok(if found == ["ok"] {
            Ok(())
        } else {
            Err(found.into_iter().take(5).collect::<Vec<_>>().join("; "))
        })
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok(())` when the file is sound (always, for
    /// PostgreSQL: see [`Ledger::quick_check`]).
    pub fn integrity_check(&self) -> Result<Result<(), String>> {
        if self.is_postgres() {
            return Ok(Ok(()));
        }
        let verdict: String =
            self.read(|c| c.query_row("PRAGMA integrity_check", (), |r| r.get(0)))?;
        Ok(if verdict == "ok" {
            Ok(())
        } else {
            Err(verdict)
        })
    }
}

/// Writes a body into `bodies` once; its row's id.
fn store_body(tx: &Conn<'_>, hash: &[u8], body: &[u8]) -> Result<i64> {
    let Some(sqlite) = tx.as_sqlite() else {
        // Another import's commit may store the same body at the same moment (their locks are
        // their own): the one that comes second uses the first one's row.
        tx.execute(
            "INSERT INTO bodies (sha256, body) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
            params![hash, body],
        )?;
        return tx.query_row("SELECT id FROM bodies WHERE sha256 = ?1", [hash], |r| {
            r.get(0)
        });
    };
    // Written through a blob handle: bound as a parameter, SQLite would first copy the
    // whole body (a workbook may be a hundred megabytes).
    (|| {
        sqlite.execute(
            "INSERT INTO bodies (sha256, body) VALUES (?1, zeroblob(?2))",
            rusqlite::params![hash, body.len() as i64],
        )?;
        let id = sqlite.last_insert_rowid();
        let mut blob = sqlite.blob_open(rusqlite::MAIN_DB, "bodies", "body", id, false)?;
        blob.write_at(body, 0)?;
        blob.close()?;
        Ok(id)
    })()
    .map_err(|e: rusqlite::Error| db(tx.at(), e))
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl ReadOnly {
    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        store::sqlite::define_functions(&conn)?;
        Ok(conn)
    }
}

/// `hookgrid.db-wal` and friends.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `path` as the path of a `file:` URI: the characters a URI gives a meaning escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Why the file at `path` cannot be written, if it exists and cannot.
fn unwritable(path: &Path) -> Option<Unwritable> {
    match std::fs::OpenOptions::new().append(true).open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
            Some(Unwritable::ReadOnlyFs)
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Some(Unwritable::NoPermission)
        }
        _ => None,
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers (the CLI, the UI) run while the listener writes; FULL syncs the WAL on
    // every commit, which is what makes an acknowledgement a promise.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    store::sqlite::define_functions(conn)?;
    Ok(())
}

use store::db;

/// SQL that renders a column of Unix milliseconds as RFC 3339 UTC text (see [`store`]).
fn rfc3339(column: &str) -> String {
    format!("rfc3339_ms({column})")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Ledger {
    /// Records the address (`host[:port]`) a request for `event_id` came through.
    pub fn note_arrival(&self, event_id: &str, via: &str) -> Result<()> {
        let note = |c: &Conn<'_>| {
            c.execute(
                // Unchanged (every part after an import's first): nothing written, nothing synced.
                "UPDATE events SET arrived_via = ?2
                 WHERE event_id = ?1 AND arrived_via IS DISTINCT FROM ?2",
                params![event_id, via],
            )
            .map(drop)
        };
        match &self.backend {
            Backend::Sqlite(_) => self.write(note),
            // One statement on its own, no lock of the ledger's: the row's own lock orders it
            // with a commit of the same import, and other imports never wait for it.
            Backend::Postgres(pg) => pg.read(note),
        }
    }

    /// The address the newest import came through, with when (RFC 3339, UTC), leaving out
    /// imports whose batch id starts with `except_batches` and arrivals through `except_via`.
    pub fn last_arrival(
        &self,
        except_batches: &str,
        except_via: &str,
    ) -> Result<Option<(String, String)>> {
        self.read(|c| {
            c.query_row(
                "SELECT arrived_via, rfc3339_ms(last_received) FROM events
                 WHERE arrived_via IS NOT NULL AND arrived_via != ?2
                   AND substr(batch_id, 1, length(CAST(?1 AS TEXT))) != ?1
                 ORDER BY last_received DESC, id DESC LIMIT 1",
                [except_batches, except_via],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }
}

#[cfg(test)]
mod tests;
