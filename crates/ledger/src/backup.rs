//! Keeping the ledger whole outside the running process: a checkpoint that empties the WAL
//! into the database file (a clean stop leaves `hookgrid.db` complete on its own), and an
//! online backup, consistent while the listener goes on writing. A PostgreSQL ledger is kept
//! whole by its server, and backed up with its own tools (`pg_dump`, base backups).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::{Ledger, LedgerError, Result, db};

/// Pages copied per backup step; between steps writers may commit.
const PAGES_PER_STEP: std::ffi::c_int = 1024;

impl Ledger {
    /// Moves every committed page into the database file and truncates the WAL to nothing, so
    /// the database file alone holds everything acknowledged. `Ok(false)` when readers held
    /// it back (another process reading right then); the WAL is then still valid, only not
    /// empty.
    pub fn checkpoint(&self) -> Result<bool> {
        if self.is_read_only() || self.is_postgres() {
            return Ok(true);
        }
        let conn = self.sqlite_only("a checkpoint")?.writer();
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(|e| db(&self.path, e))?;
        Ok(busy == 0)
    }

    /// Writes a consistent copy of the ledger to `out` with SQLite's online backup, while other
    /// connections (the listener) go on writing; the copy is written beside `out` and renamed
    /// into place once complete and checked, so `out` is never a half-written file. Returns how
    /// many imports the copy holds.
    pub fn backup_to(&self, out: &Path) -> Result<u64> {
        self.sqlite_only("a backup file (back a PostgreSQL ledger up with pg_dump)")?;
        let dir = out
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let io = |source: std::io::Error| LedgerError::Backup {
            path: out.to_path_buf(),
            source,
        };
        let tmp = tempfile::Builder::new()
            .prefix(".hookgrid-backup.")
            .tempfile_in(dir)
            .map_err(io)?;
        let imports = {
            let source = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| db(&self.path, e))?;
            source
                .busy_timeout(Duration::from_secs(10))
                .map_err(|e| db(&self.path, e))?;
            let mut copy = Connection::open(tmp.path()).map_err(|e| db(tmp.path(), e))?;
            {
                let backup = rusqlite::backup::Backup::new(&source, &mut copy)
                    .map_err(|e| db(tmp.path(), e))?;
                backup
                    .run_to_completion(PAGES_PER_STEP, Duration::from_millis(5), None)
                    .map_err(|e| db(tmp.path(), e))?;
            }
            // A copy that reads back whole, in one file of its own.
            let verdict: String = copy
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(|e| db(tmp.path(), e))?;
            if verdict != "ok" {
                return Err(LedgerError::Damaged {
                    path: tmp.path().to_path_buf(),
                    verdict,
                });
            }
            copy.pragma_update(None, "journal_mode", "DELETE")
                .map_err(|e| db(tmp.path(), e))?;
            let imports: i64 = copy
                .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
                .map_err(|e| db(tmp.path(), e))?;
            imports as u64
        };
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(out).map_err(|e| io(e.error))?;
        Ok(imports)
    }
}
