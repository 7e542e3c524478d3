//! The ledger: Hookgrid's source of truth, one SQLite file in the data dir.
//!
//! It keeps every accepted request body with its parsed [`Envelope`], groups parts by event,
//! and keeps every rejected body in a quarantine with its reason. A commit returns only after
//! SQLite has synced it (WAL, `synchronous=FULL`), so a request acknowledged after
//! [`Ledger::commit_part`] survives a `kill -9` or a power cut.
//!
//! The ledger never parses bodies and never builds dataframes: it stores and answers questions
//! about what it stores. Anything derived from it lives elsewhere and can be rebuilt.

mod accounts;
mod backup;
mod batch;
mod commit;
mod configs;
mod corrections;
mod derived;
mod flags;
mod quarantine;
mod reviews;
mod schema;

pub use accounts::{AuditEntry, StoredSecret, StoredUser};
pub use batch::{Batch, BatchStatus, StoredPart, customer_label};
pub use configs::{ConfigChoice, ConfigScope, StoredConfig};
pub use corrections::StoredCorrection;
pub use flags::Flag;
pub use quarantine::{Listed, QuarantineKind, Quarantined};
pub use reviews::{Review, ReviewEntry, ReviewStatus};

use batch::{batch_row, batch_select, part_number};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgrid_flatfile::Envelope;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What can go wrong in the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database could not be opened, read or written (disk full, permissions, corruption).
    #[error("database error in {path}: {source}{}", cause(source))]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
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
        matches!(self, LedgerError::Database { source, .. }
            if source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull))
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

/// What SQLite's extended result code says beyond its message: "disk I/O error" alone does
/// not say whether a read, a write or an fsync failed, nor that a write was refused because
/// the file (or its folder) is read-only.
fn cause(e: &rusqlite::Error) -> String {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(failure, _) = e else {
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
        let conn = self.reader()?;
        conn.query_row(
            "SELECT config, rejected, listed, answer FROM sent_back WHERE event = ?1",
            [key.0],
            |r| {
                Ok(SentBack {
                    config: r.get(0)?,
                    rejected: r.get::<_, i64>(1)? as u64,
                    listed: r.get::<_, i64>(2)? as u64,
                    answer: r.get(3)?,
                })
            },
        )
        .optional()
        .map_err(|e| db(&self.path, e))
    }
}

/// The ledger's own key for an event (one import, one revision of a batch). Stable for the
/// life of the database and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EventKey(pub i64);

/// The SQLite ledger. Writes go through one connection (SQLite has one writer anyway);
/// reads open their own, so readers in other processes and threads never wait for a writer.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// Dropping this stops the checkpointer thread.
    _checkpointer: Option<mpsc::Sender<()>>,
    /// How a reader opens the file: `None` normally; on a read-only file system, the URI and
    /// why (see [`Ledger::open_read_only`]).
    read_only: Option<ReadOnly>,
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
        schema::migrate(&conn, &path)?;
        conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)
            .map_err(|e| db(&path, e))?;
        let checkpointer = start_checkpointer(&path);
        Ok(Ledger {
            path,
            writer: Mutex::new(conn),
            _checkpointer: checkpointer,
            read_only: None,
        })
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
        if found != schema::VERSION {
            return Err(LedgerError::ReadOnlyOlder {
                path,
                found,
                supported: schema::VERSION,
            });
        }
        Ok(Ledger {
            path,
            writer: Mutex::new(conn),
            _checkpointer: None,
            read_only: Some(read_only),
        })
    }

    /// Whether the ledger could not be opened for writing, so nothing can be written to it.
    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// Why the ledger cannot be written, when it cannot.
    pub fn unwritable(&self) -> Option<Unwritable> {
        self.read_only.as_ref().map(|r| r.why)
    }

    /// Opens the writing connection again, after writes failed: a connection that met an I/O
    /// error, or was opened while the file could not be written (SQLite then opens it
    /// read-only), may go on failing after the cause is gone. A new one sees the file as it
    /// is now; the old one stays when the new one cannot be opened.
    pub fn reopen(&self) -> Result<()> {
        if self.read_only.is_some() {
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
        *self.writer() = conn;
        Ok(())
    }

    /// A small durable write (the time, into `ledger_meta`): whether storing works now.
    pub fn probe_write(&self) -> Result<()> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO ledger_meta (key, value) VALUES ('written_at', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [now_ms().to_string()],
        )
        .map(drop)
        .map_err(|e| db(&self.path, e))
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction
        // rolls back on drop), so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reader(&self) -> Result<Connection> {
        if let Some(read_only) = &self.read_only {
            return read_only.open().map_err(|e| db(&self.path, e));
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db(&self.path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| db(&self.path, e))?;
        Ok(conn)
    }

    /// Stores one part durably, or says why it is a duplicate or a conflict.
    pub fn commit_part(&self, envelope: &Envelope, body: &[u8]) -> Result<Commit> {
        let hash = Sha256::digest(body).to_vec();
        let now = now_ms();
        let outcome = self.commit_unless_conflict(|tx| {
            let outcome = commit::commit_in(tx, envelope, commit::BodyAt::Own(body), &hash, now)?;
            Ok(vec![outcome])
        })?;
        Ok(outcome.into_iter().next().expect("one outcome"))
    }

    /// Runs `write` in one immediate transaction, committed unless an outcome is a
    /// [`Commit::Conflict`] (then nothing it wrote is kept).
    fn commit_unless_conflict(
        &self,
        write: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<Vec<Commit>>,
    ) -> Result<Vec<Commit>> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&self.path, e))?;
        let outcomes = write(&tx).map_err(|e| db(&self.path, e))?;
        if !outcomes
            .iter()
            .any(|c| matches!(c, Commit::Conflict { .. }))
        {
            tx.commit().map_err(|e| db(&self.path, e))?;
        }
        Ok(outcomes)
    }

    /// Stores the sheets of one workbook body in one transaction: the body once, each sheet
    /// as the one part of its import (`sheets`: its envelope and the digest of its records,
    /// which tells a repeat from a contradiction). Every sheet's outcome, in order; when one
    /// is a [`Commit::Conflict`], nothing is written and the outcomes say which.
    pub fn commit_workbook(&self, sheets: &[WorkbookSheet], body: &[u8]) -> Result<Vec<Commit>> {
        let hash = Sha256::digest(body).to_vec();
        let now = now_ms();
        self.commit_unless_conflict(|tx| {
            let mut body_id: Option<i64> = tx
                .query_row("SELECT id FROM bodies WHERE sha256 = ?1", [&hash], |r| {
                    r.get(0)
                })
                .optional()?;
            // Written with the first sheet that is new, once.
            let mut shared = || match body_id {
                Some(id) => Ok(id),
                None => {
                    // Written through a blob handle: bound as a parameter, SQLite would first
                    // copy the whole body (a workbook may be a hundred megabytes).
                    tx.execute(
                        "INSERT INTO bodies (sha256, body) VALUES (?1, zeroblob(?2))",
                        params![hash, body.len() as i64],
                    )?;
                    let id = tx.last_insert_rowid();
                    let mut blob = tx.blob_open(rusqlite::MAIN_DB, "bodies", "body", id, false)?;
                    blob.write_at(body, 0)?;
                    blob.close()?;
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
                            sent.rejected as i64,
                            sent.listed as i64,
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
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&self.path, e))?;
        let shared: Vec<i64> = {
            let mut stmt = tx
                .prepare(
                    "SELECT DISTINCT body_id FROM parts WHERE event = ?1 AND body_id IS NOT NULL",
                )
                .map_err(|e| db(&self.path, e))?;
            stmt.query_map([key.0], |r| r.get(0))
                .and_then(Iterator::collect)
                .map_err(|e| db(&self.path, e))?
        };
        tx.execute("DELETE FROM parts WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        // A workbook's body goes with the last of its sheets.
        for body in shared {
            tx.execute(
                "DELETE FROM bodies WHERE id = ?1
                 AND NOT EXISTS (SELECT 1 FROM parts WHERE body_id = ?1)",
                [body],
            )
            .map_err(|e| db(&self.path, e))?;
        }
        tx.execute("DELETE FROM config_use WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        tx.execute("DELETE FROM sent_back WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        tx.execute("DELETE FROM config_none WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        tx.execute("DELETE FROM reviews WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        tx.execute("DELETE FROM flags WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        tx.execute("DELETE FROM corrections WHERE event = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        let deleted = tx
            .execute("DELETE FROM events WHERE id = ?1", [key.0])
            .map_err(|e| db(&self.path, e))?;
        tx.commit().map_err(|e| db(&self.path, e))?;
        Ok(deleted > 0)
    }

    /// Imports whose last part arrived before `cutoff_ms` (Unix milliseconds).
    pub fn idle_since(&self, cutoff_ms: i64) -> Result<Vec<EventKey>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("SELECT id FROM events WHERE last_received < ?1 ORDER BY id")
            .map_err(|e| db(&self.path, e))?;
        let keys = stmt
            .query_map([cutoff_ms], |r| Ok(EventKey(r.get(0)?)))
            .and_then(Iterator::collect)
            .map_err(|e| db(&self.path, e))?;
        Ok(keys)
    }

    /// Every import, newest first.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        let conn = self.reader()?;
        let sql = batch_select("", "ORDER BY e.id DESC");
        let mut stmt = conn.prepare(&sql).map_err(|e| db(&self.path, e))?;
        let rows = stmt
            .query_map([], batch_row)
            .and_then(Iterator::collect)
            .map_err(|e| db(&self.path, e))?;
        Ok(rows)
    }

    /// The `limit` newest imports, and how many there are in all: the list a window shows,
    /// without reading every import of a large ledger.
    pub fn newest_batches(&self, limit: u32) -> Result<(u64, Vec<Batch>)> {
        let conn = self.reader()?;
        let total: i64 = conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .map_err(|e| db(&self.path, e))?;
        let sql = batch_select(
            "WHERE e.id IN (SELECT id FROM events ORDER BY id DESC LIMIT ?1)",
            "ORDER BY e.id DESC",
        );
        let mut stmt = conn.prepare(&sql).map_err(|e| db(&self.path, e))?;
        let rows = stmt
            .query_map([limit], batch_row)
            .and_then(Iterator::collect)
            .map_err(|e| db(&self.path, e))?;
        Ok((total as u64, rows))
    }

    /// One import by its key.
    pub fn batch(&self, key: EventKey) -> Result<Option<Batch>> {
        let conn = self.reader()?;
        let sql = batch_select("WHERE e.id = ?1", "");
        conn.query_row(&sql, [key.0], batch_row)
            .optional()
            .map_err(|e| db(&self.path, e))
    }

    /// One import by its `event.id`.
    pub fn batch_by_event(&self, event_id: &str) -> Result<Option<Batch>> {
        let conn = self.reader()?;
        let sql = batch_select("WHERE e.event_id = ?1", "");
        conn.query_row(&sql, [event_id], batch_row)
            .optional()
            .map_err(|e| db(&self.path, e))
    }

    /// Records an import's data columns, as its table has them (see [`Batch::columns`]).
    pub fn set_columns(&self, key: EventKey, columns: &[String]) -> Result<()> {
        let text = serde_json::to_string(columns).expect("a list of strings is JSON");
        self.writer()
            .execute(
                "UPDATE events SET columns = ?2 WHERE id = ?1",
                rusqlite::params![key.0, text],
            )
            .map_err(|e| db(&self.path, e))?;
        Ok(())
    }

    /// Calls `f` with each stored part of an import, in sequence order, one body at a time.
    pub fn for_each_part<E>(
        &self,
        key: EventKey,
        mut f: impl FnMut(u32, &[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare(
                "SELECT p.idx, COALESCE(b.body, p.body) FROM parts p
                 LEFT JOIN bodies b ON b.id = p.body_id
                 WHERE p.event = ?1 ORDER BY p.idx",
            )
            .map_err(|e| db(&self.path, e))?;
        let mut rows = stmt.query([key.0]).map_err(|e| db(&self.path, e))?;
        while let Some(row) = rows.next().map_err(|e| db(&self.path, e))? {
            let idx: u32 = row.get(0).map_err(|e| db(&self.path, e))?;
            let body = row.get_ref(1).and_then(|v| Ok(v.as_blob()?));
            let body = body.map_err(|e| db(&self.path, e))?;
            if let Err(e) = f(idx, body) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// The stored parts of an import, by index.
    pub fn parts(&self, batch: &Batch) -> Result<Vec<StoredPart>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT p.idx, {received}, p.declared_rows, p.valid_rows, p.invalid_rows,
                        COALESCE(length(b.body), length(p.body)), p.duplicates
                 FROM parts p LEFT JOIN bodies b ON b.id = p.body_id
                 WHERE p.event = ?1 ORDER BY p.idx",
                received = rfc3339("p.received_at")
            ))
            .map_err(|e| db(&self.path, e))?;
        let rows = stmt
            .query_map([batch.key.0], |r| {
                let index: u32 = r.get(0)?;
                let declared_rows = r.get::<_, Option<i64>>(2)?.map(|d| d as u64);
                let valid = r.get::<_, i64>(3)? as u64;
                let invalid = r.get::<_, i64>(4)? as u64;
                Ok(StoredPart {
                    part: batch.part_number(index),
                    index,
                    received_at: r.get(1)?,
                    declared_rows,
                    valid,
                    invalid,
                    bytes: r.get::<_, i64>(5)? as u64,
                    duplicates: r.get(6)?,
                    count_mismatch: declared_rows.is_some_and(|d| d != valid + invalid),
                })
            })
            .and_then(Iterator::collect)
            .map_err(|e| db(&self.path, e))?;
        Ok(rows)
    }

    /// The body of one stored part (by `event.sequence.index`), exactly as it arrived.
    pub fn part_body(&self, key: EventKey, index: u32) -> Result<Option<Vec<u8>>> {
        let conn = self.reader()?;
        conn.query_row(
            "SELECT COALESCE(b.body, p.body) FROM parts p LEFT JOIN bodies b ON b.id = p.body_id
             WHERE p.event = ?1 AND p.idx = ?2",
            params![key.0, index],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| db(&self.path, e))
    }

    /// This ledger's id, made when it was created.
    pub fn id(&self) -> Result<String> {
        let conn = self.reader()?;
        conn.query_row("SELECT value FROM ledger_meta WHERE key = 'id'", [], |r| {
            r.get(0)
        })
        .map_err(|e| db(&self.path, e))
    }

    /// How many imports the ledger holds.
    pub fn imports(&self) -> Result<u64> {
        let conn = self.reader()?;
        conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| db(&self.path, e))
    }

    /// Runs SQLite's `PRAGMA quick_check` (every page read, indexes not cross-checked: what a
    /// start can afford); `Ok(())` when the file is sound.
    pub fn quick_check(&self) -> Result<Result<(), String>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("PRAGMA quick_check")
            .map_err(|e| db(&self.path, e))?;
        let found: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| db(&self.path, e))?;
        Ok(if found == ["ok"] {
            Ok(())
        } else {
            Err(found.into_iter().take(5).collect::<Vec<_>>().join("; "))
        })
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<Result<(), String>> {
        let conn = self.reader()?;
        let verdict: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| db(&self.path, e))?;
        Ok(if verdict == "ok" {
            Ok(())
        } else {
            Err(verdict)
        })
    }
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
    Ok(())
}

fn db(path: &Path, source: rusqlite::Error) -> LedgerError {
    LedgerError::Database {
        path: path.to_path_buf(),
        source,
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// SQL that renders a column of Unix milliseconds as RFC 3339 UTC text.
fn rfc3339(column: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', {column} / 1000.0, 'unixepoch')")
}

impl Ledger {
    /// Records the address (`host[:port]`) a request for `event_id` came through.
    pub fn note_arrival(&self, event_id: &str, via: &str) -> Result<()> {
        self.writer()
            .execute(
                // Unchanged (every part after an import's first): nothing written, nothing synced.
                "UPDATE events SET arrived_via = ?2 WHERE event_id = ?1 AND arrived_via IS NOT ?2",
                rusqlite::params![event_id, via],
            )
            .map_err(|e| db(&self.path, e))?;
        Ok(())
    }

    /// The address the newest import came through, with when (RFC 3339, UTC), leaving out
    /// imports whose batch id starts with `except_batches` and arrivals through `except_via`.
    pub fn last_arrival(
        &self,
        except_batches: &str,
        except_via: &str,
    ) -> Result<Option<(String, String)>> {
        let conn = self.reader()?;
        let found = conn
            .query_row(
                &format!(
                    "SELECT arrived_via, {last} FROM events
                     WHERE arrived_via IS NOT NULL AND arrived_via != ?2
                       AND substr(batch_id, 1, length(?1)) != ?1
                     ORDER BY last_received DESC, id DESC LIMIT 1",
                    last = rfc3339("last_received")
                ),
                [except_batches, except_via],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| db(&self.path, e))?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests;
