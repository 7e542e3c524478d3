//! Moving the ledger to another backend: `hookgrid migrate --to postgres://…` when a team
//! starts running several instances, `--to FILE` to come back to one SQLite file. The
//! destination must be empty; the source is only read.

use hookgrid_ledger::{Copied, Ledger};

use crate::{Hookgrid, Result};

impl Hookgrid {
    /// Copies this data dir's ledger into the empty ledger at `to` (a PostgreSQL URL, or a
    /// SQLite file, made when missing) and checks the copy: every table's rows and every
    /// stored body's digest. `progress` hears of each table as it is copied.
    pub fn migrate_to(&self, to: &str, progress: impl FnMut(&str, u64)) -> Result<Copied> {
        let into = Ledger::open_at(to)?;
        Ok(self.core.ledger.copy_into(&into, progress)?)
    }
}
