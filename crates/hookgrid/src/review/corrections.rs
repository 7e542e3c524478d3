//! Corrections: a reviewer's value for one cell in place of what Flatfile sent. What was sent
//! is never changed: a correction is kept beside it (row, column, value, who, when) and can be
//! reverted. Every read of an import (pages, filters, exports) sees the corrected values;
//! `--as-received` exports what was sent.

use hookgrid_frames::corrected::{Cell, overlay};
use hookgrid_frames::{LazyFrame, Typing};
use hookgrid_ledger::StoredCorrection;
use polars::prelude::AnyValue;

use crate::accounts::Caller;
use crate::{Batch, Core, Error, Event, Hookgrid, Result};

/// An earlier revision's corrections, which a new revision starts without.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EarlierCorrections {
    pub event: String,
    pub revision: u32,
    #[ts(type = "number")]
    pub cells: u64,
}

/// Longest value a correction keeps, in characters.
pub const MAX_CORRECTION_CHARS: usize = 10_000;

impl Hookgrid {
    /// Corrects the cell at `row` (`_row`, from 0) and `column` of `batch` to `value`.
    pub fn correct(
        &self,
        batch: &Batch,
        row: i64,
        column: &str,
        value: &str,
        caller: &Caller,
    ) -> Result<StoredCorrection> {
        if value.chars().count() > MAX_CORRECTION_CHARS {
            return Err(Error::BadRequest(format!(
                "a corrected value is at most {MAX_CORRECTION_CHARS} characters"
            )));
        }
        self.core.check_data_column(batch, column)?;
        check_row(batch, row)?;
        let sent_row = self.sent_row(batch, row)?;
        let sent = serde_json::from_str::<serde_json::Value>(&sent_row.json)
            .ok()
            .and_then(|r| r.get(column).cloned())
            .unwrap_or(serde_json::Value::Null);
        let stored =
            self.core
                .ledger
                .add_correction(batch.key, row, column, &sent, value, &caller.name)?;
        self.record(
            &caller.name,
            "correct",
            &format!(
                "batch {} (event {}): row {row}, {column}: {sent} → {value:?}",
                batch.batch, batch.event
            ),
        );
        self.corrections_changed(batch);
        Ok(stored)
    }

    /// Reverts correction `id` of `batch`: the cell shows what was sent (or an earlier
    /// correction of it) again.
    pub fn revert_correction(&self, batch: &Batch, id: i64, caller: &Caller) -> Result<()> {
        if !self
            .core
            .ledger
            .revert_correction(batch.key, id, &caller.name)?
        {
            return Err(Error::BadRequest(format!(
                "batch {} has no correction {id} to revert (`hookgrid corrections --batch B` \
                 lists them)",
                batch.batch
            )));
        }
        self.record(
            &caller.name,
            "revert_correction",
            &format!(
                "batch {} (event {}): correction {id}",
                batch.batch, batch.event
            ),
        );
        self.corrections_changed(batch);
        Ok(())
    }

    /// The newest earlier revision of `batch` with corrections, which this one does not carry.
    pub fn earlier_corrected(&self, batch: &Batch) -> Result<Option<EarlierCorrections>> {
        if batch.revision <= 1 {
            return Ok(None);
        }
        Ok(self
            .core
            .ledger
            .earlier_corrected(batch)?
            .map(|(event, revision, cells)| EarlierCorrections {
                event,
                revision,
                cells,
            }))
    }

    /// How many live corrections `batch` has.
    pub fn count_corrections(&self, batch: &Batch) -> Result<u64> {
        Ok(self.core.ledger.count_corrections(batch.key)?)
    }

    /// Every live correction of `batch`, in the order they were made.
    pub fn corrections(&self, batch: &Batch) -> Result<Vec<StoredCorrection>> {
        Ok(self.core.ledger.corrections(batch.key)?)
    }

    /// The live corrections of each of `rows` (`_row` values), in the order given, the newest
    /// of each cell only: for a page of the grid.
    pub fn row_corrections(
        &self,
        batch: &Batch,
        rows: &[i64],
    ) -> Result<Vec<Vec<StoredCorrection>>> {
        let mut by_row: std::collections::HashMap<i64, Vec<StoredCorrection>> =
            std::collections::HashMap::new();
        for c in self.core.ledger.corrections_of_rows(batch.key, rows)? {
            let cells = by_row.entry(c.row).or_default();
            // In the order made: a newer correction of a cell takes the older one's place.
            cells.retain(|old| old.column != c.column);
            cells.push(c);
        }
        Ok(rows
            .iter()
            .map(|r| by_row.get(r).cloned().unwrap_or_default())
            .collect())
    }

    pub(crate) fn corrections_changed(&self, batch: &Batch) {
        // The import held in memory holds the values before this change.
        self.core.browsing.forget(batch.key);
        let _ = self.core.events.send(Event::CorrectionsChanged {
            event: batch.event.clone(),
            batch: batch.batch.clone(),
        });
    }
}

/// Refuses a `_row` the import does not have, saying which it has.
pub(crate) fn check_row(batch: &Batch, row: i64) -> Result<()> {
    let count = batch.rows() as i64;
    if (0..count).contains(&row) {
        return Ok(());
    }
    Err(Error::BadRequest(format!(
        "batch {} has no row {row}: its rows are 0 to {} (`_row`, as rows --json prints it)",
        batch.batch,
        count - 1
    )))
}

impl Core {
    /// Refuses a column that is not one of the import's data columns, naming those.
    pub(crate) fn check_data_column(&self, batch: &Batch, column: &str) -> Result<()> {
        let columns = self.data_columns(batch)?;
        if columns.iter().any(|c| c == column) {
            return Ok(());
        }
        Err(Error::Frames(hookgrid_frames::FramesError::UnknownColumn {
            name: column.to_owned(),
            available: columns.join(", "),
        }))
    }

    /// Each row's `column` as Flatfile sent it, as JSON (a string stays a string, a number a
    /// number), indexed by `_row`: what a correction keeps as `sent`.
    pub(crate) fn sent_values(
        &self,
        batch: &Batch,
        column: &str,
    ) -> Result<Vec<serde_json::Value>> {
        let frame = hookgrid_frames::frame_with(self.parts(batch, Vec::new())?, Typing::Json)?;
        let mut sent = vec![serde_json::Value::Null; frame.height()];
        let (Ok(rows), Ok(values)) = (frame.column("_row"), frame.column(column)) else {
            return Ok(sent);
        };
        for i in 0..frame.height() {
            let row = match rows.get(i) {
                Ok(AnyValue::Int64(r)) => r,
                _ => continue,
            };
            let value = match values.get(i) {
                Ok(AnyValue::String(s)) => serde_json::Value::String(s.to_owned()),
                Ok(AnyValue::StringOwned(s)) => serde_json::Value::String(s.to_string()),
                Ok(AnyValue::Int64(n)) => serde_json::Value::from(n),
                Ok(AnyValue::Float64(n)) => serde_json::Value::from(n),
                Ok(AnyValue::Boolean(b)) => serde_json::Value::Bool(b),
                Ok(AnyValue::Null) | Err(_) => serde_json::Value::Null,
                Ok(other) => serde_json::Value::String(other.to_string()),
            };
            if let Some(slot) = usize::try_from(row).ok().and_then(|r| sent.get_mut(r)) {
                *slot = value;
            }
        }
        Ok(sent)
    }

    /// `frame` (of `batch`) with its live corrections in place of what was sent.
    pub(crate) fn corrected(&self, batch: &Batch, frame: LazyFrame) -> Result<LazyFrame> {
        let cells: Vec<Cell> = self
            .ledger
            .corrections(batch.key)?
            .into_iter()
            .map(|c| Cell {
                row: c.row,
                column: c.column,
                value: c.value,
            })
            .collect();
        Ok(overlay(frame, &cells)?)
    }
}
