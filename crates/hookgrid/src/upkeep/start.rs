//! A ledger that refuses to start wrong. The data dir keeps the id of the ledger it holds
//! (`ledger.id`, written when the ledger is made): a ledger found empty (0 bytes, or missing)
//! where one was kept, a ledger with another id in its place (made afresh, or brought from
//! another data dir), or an empty ledger beside imports' files, is refused with what to do,
//! instead of showing an empty list and reusing the old imports' keys. Starting afresh is a
//! choice ([`OpenOptions::accept_empty_ledger`]), which also clears the old derived files. A
//! shell that runs the listener also has the ledger's pages read through
//! ([`Hookgrid::check_ledger`]) before it serves.

use std::path::Path;

use hookgrid_ledger::{Ledger, Unwritable};

use crate::datadir::DataDir;
use crate::{Error, Hookgrid, Result};

/// How a data dir is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Start on an empty or different ledger on purpose: it becomes this data dir's, and the
    /// files derived from the one before are removed.
    pub accept_empty_ledger: bool,
    /// The ledger is the PostgreSQL database at this URL (`postgres://…`), shared with other
    /// instances; the data dir then keeps only what this instance derives from it. `None`:
    /// the SQLite file in the data dir.
    pub database: Option<String>,
}

/// The environment variable that names a PostgreSQL ledger (what `--database` sets).
pub const DATABASE_ENV: &str = "HOOKGRID_DATABASE_URL";

/// The file in the data dir naming the ledger it holds.
const MARKER: &str = "ledger.id";

fn marker(dir: &DataDir) -> Option<String> {
    std::fs::read_to_string(dir.root().join(MARKER))
        .ok()
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
}

/// How many imports' files the data dir holds (`batches/<n>.parquet`).
fn derived_files(dir: &DataDir) -> usize {
    std::fs::read_dir(dir.batches())
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
                .count()
        })
        .unwrap_or(0)
}

fn held(dir: &DataDir) -> String {
    let files = derived_files(dir);
    match (marker(dir).is_some(), files) {
        (true, 0) => "this data dir held a ledger (ledger.id names it)".to_owned(),
        (true, n) => {
            format!("this data dir held a ledger (ledger.id names it) and {n} imports' files")
        }
        (false, n) => format!("this data dir holds {n} imports' files"),
    }
}

/// Before the ledger is opened (and made, when missing): refuses an empty file where a ledger
/// was kept, so nothing is written into it.
pub(crate) fn before_open(dir: &DataDir, options: &OpenOptions) -> Result<()> {
    if options.database.is_some() {
        // A database server's ledger: nothing in the data dir to check before it is opened.
        return Ok(());
    }
    let path = dir.ledger();
    let empty = std::fs::metadata(&path).map_or(true, |m| m.len() == 0);
    if empty && !options.accept_empty_ledger && (marker(dir).is_some() || derived_files(dir) > 0) {
        let what = if path.exists() {
            "is empty (0 bytes)"
        } else {
            "is missing"
        };
        return Err(Error::WrongLedger(format!(
            "{} {what}, but {}: starting on an empty ledger would show no imports",
            path.display(),
            held(dir)
        )));
    }
    Ok(())
}

/// Once the ledger is open: it must be the one this data dir holds. The first open of a data
/// dir (or of one from before the id was kept) records it.
pub(crate) fn after_open(dir: &DataDir, ledger: &Ledger, options: &OpenOptions) -> Result<()> {
    let id = ledger.id()?;
    let kept = marker(dir);
    if kept.as_deref() == Some(id.as_str()) {
        return Ok(());
    }
    if !options.accept_empty_ledger {
        match &kept {
            Some(_) => {
                return Err(Error::WrongLedger(format!(
                    "{} is not the ledger this data dir held (it was made afresh, or brought \
                     from another data dir): starting on it would show other imports, or none",
                    ledger.location().display()
                )));
            }
            None if ledger.imports()? == 0 && derived_files(dir) > 0 => {
                return Err(Error::WrongLedger(format!(
                    "{} holds no imports, but {}",
                    ledger.location().display(),
                    held(dir)
                )));
            }
            None => {}
        }
    } else if kept.is_some() {
        tracing::warn!(
            "starting afresh on {} as asked: the files derived from the ledger before are removed",
            ledger.location().display()
        );
        clear_derived(&dir.batches());
    }
    write_marker(dir.root(), &id)
}

fn clear_derived(batches: &Path) {
    if let Ok(entries) = std::fs::read_dir(batches) {
        for entry in entries.flatten() {
            if let Err(e) = std::fs::remove_file(entry.path()) {
                tracing::warn!("cannot remove {}: {e}", entry.path().display());
            }
        }
    }
}

fn write_marker(root: &Path, id: &str) -> Result<()> {
    let path = root.join(MARKER);
    match std::fs::write(&path, format!("{id}\n")) {
        Ok(()) => Ok(()),
        // A read-only copy of a data dir (a snapshot) is read as it is.
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => Ok(()),
        Err(e) => Err(crate::error::io(path)(e)),
    }
}

impl Hookgrid {
    /// What a shell checks before it runs the listener: the ledger can be written (a data dir
    /// on a read-only file system is read only), every page of it reads
    /// ([`Hookgrid::check_ledger`]), and the webhook token is as long as a generated one.
    pub fn check_before_listening(&self) -> Result<()> {
        self.refuse_read_only()?;
        self.check_ledger()?;
        self.core.token.check()
    }

    /// A listener cannot run on a data dir on a read-only file system.
    pub(crate) fn refuse_read_only(&self) -> Result<()> {
        let why = match self.core.ledger.unwritable() {
            None => return Ok(()),
            Some(Unwritable::ReadOnlyFs) => "is on a read-only file system",
            Some(Unwritable::NoPermission) => "cannot be written by this user (its permissions)",
        };
        Err(Error::Config(format!(
            "{} {why}: the listener must store every part it answers, so it cannot run on it \
             (read commands work; make it writable, or copy the data dir somewhere writable to \
             serve from it)",
            self.core.ledger.location().display()
        )))
    }

    /// Reads every page of the ledger (SQLite's `quick_check`): what a shell that runs the
    /// listener does before it serves, so a damaged ledger is refused, not written into.
    pub fn check_ledger(&self) -> Result<()> {
        match self.core.ledger.quick_check()? {
            Ok(()) => Ok(()),
            Err(verdict) => Err(Error::DamagedLedger(format!(
                "{} is damaged (SQLite's quick_check: {verdict})",
                self.core.ledger.location().display()
            ))),
        }
    }
}
