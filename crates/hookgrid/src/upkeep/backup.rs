//! A clean stop and a backup: the WAL emptied into `hookgrid.db` when a shell stops, and
//! `hookgrid backup`, SQLite's online backup of the ledger, safe while `serve` runs.

use std::path::Path;

use serde::Serialize;

use crate::{Hookgrid, Result};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    /// Where the copy is.
    pub path: String,
    pub bytes: u64,
    /// Imports in the copy.
    pub imports: u64,
}

impl Hookgrid {
    /// Stops the worker and empties the WAL into the ledger's file: what a shell that ran the
    /// listener does last, so a copy of `hookgrid.db` alone is whole. The worker finishes the
    /// file it is writing and leaves the ones still queued, which are derived and rebuilt at the
    /// next start: a stop must not wait for thousands of them (systemd kills after 30 s).
    pub fn close(&self) {
        self.core
            .stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.shutdown();
        match self.core.ledger.checkpoint() {
            Ok(true) => tracing::debug!("the ledger's WAL is empty"),
            Ok(false) => tracing::warn!(
                "the ledger's WAL could not be emptied (another process was reading it); \
                 nothing is lost: it is read with hookgrid.db"
            ),
            Err(e) => tracing::error!("cannot checkpoint the ledger: {e}"),
        }
    }

    /// A consistent copy of the ledger at `out`, taken while the listener may be writing.
    pub fn backup(&self, out: &Path) -> Result<BackupReport> {
        let imports = self.core.ledger.backup_to(out)?;
        let bytes = std::fs::metadata(out).map_err(crate::error::io(out))?.len();
        #[cfg(unix)]
        {
            // It holds what the ledger holds (password and token hashes among it).
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600))
                .map_err(crate::error::io(out))?;
        }
        Ok(BackupReport {
            path: out.display().to_string(),
            bytes,
            imports,
        })
    }
}
