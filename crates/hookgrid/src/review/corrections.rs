//! Corrections: a reviewer's value for one cell in place of what Flatfile sent. What was sent
//! is never changed: a correction is kept beside it (row, column, value, who, when) and can be
//! reverted. Every read of an import (pages, filters, exports) sees the corrected values;
//! `--as-received` exports what was sent.

use std::collections::HashMap;
use std::sync::Arc;

use hookgrid_frames::corrected::{Cell, overlay, with_cell};
use hookgrid_frames::{DataFrame, IntoLazy, LazyFrame, Typing, only_rows};
use hookgrid_ledger::StoredCorrection;
use polars::prelude::{AnyValue, col};

use crate::accounts::Caller;
use crate::{Batch, BatchStatus, Core, Error, Event, Hookgrid, Result};

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
        let sent = sent_row.value(batch, column);
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
        self.corrections_changed(batch, &[column.to_owned()], Some((row, value)));
        Ok(stored)
    }

    /// Reverts correction `id` of `batch`: the cell shows what was sent (or an earlier
    /// correction of it) again.
    pub fn revert_correction(&self, batch: &Batch, id: i64, caller: &Caller) -> Result<()> {
        let Some(column) = self
            .core
            .ledger
            .revert_correction(batch.key, id, &caller.name)?
        else {
            return Err(Error::BadRequest(format!(
                "batch {} has no correction {id} to revert (`hookgrid corrections --batch B` \
                 lists them)",
                batch.batch
            )));
        };
        self.record(
            &caller.name,
            "revert_correction",
            &format!(
                "batch {} (event {}): correction {id}",
                batch.batch, batch.event
            ),
        );
        self.corrections_changed(batch, &[column], None);
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

    /// Cells of `columns` of `batch` were corrected or reverted: the import held for the
    /// grid gets those columns as they read now (before this returns, so the next page shows
    /// the change), every client hears of it, and the rows are checked again off the request
    /// (a page asked for meanwhile waits for that check rather than starting its own).
    /// `cell` is the one cell corrected, when that is all that changed: the held column then
    /// takes its value without being read again (unless it turns the column to text).
    pub(crate) fn corrections_changed(
        &self,
        batch: &Batch,
        columns: &[String],
        cell: Option<(i64, &str)>,
    ) {
        // Started first: the check and the held columns are read side by side.
        let recheck = {
            let core = Arc::clone(&self.core);
            let batch = batch.clone();
            std::thread::Builder::new()
                .name("hookgrid-recheck".into())
                .spawn(move || core.recheck_corrected(&batch))
        };
        if let Err(e) = recheck {
            tracing::warn!("cannot start a thread to check the corrected rows: {e}");
        }
        let core = &self.core;
        let held = core.browsing.corrected(batch.key, columns, |before| {
            if let (Some((row, value)), [column]) = (cell, columns)
                && let Some(corrected) = with_cell(before, column, row, value)?
            {
                return Ok(vec![corrected]);
            }
            core.corrected_columns(batch, columns)
        });
        if let Err(e) = held {
            tracing::warn!(event = %batch.event, "the grid reads the corrected import again: {e}");
        }
        core.events.send(Event::CorrectionsChanged {
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

    /// `column` of each of `rows` (`_row` values) as Flatfile sent it, as JSON (a string
    /// stays a string, a number a number), in the order given: what a correction keeps as
    /// `sent`. Read from the batch file, which gives the values back exactly except that `""`
    /// in a column typed from text was kept as missing: those rows, and an import without an
    /// intact file, are read from the stored bodies.
    pub(crate) fn sent_values(
        &self,
        batch: &Batch,
        column: &str,
        rows: &[i64],
    ) -> Result<Vec<serde_json::Value>> {
        let mut sent: HashMap<i64, serde_json::Value> = HashMap::with_capacity(rows.len());
        let mut unsure: Vec<i64> = rows.to_vec();
        let file = self.batch_path(batch.key);
        if batch.status == BatchStatus::Complete
            && self.batch_file_intact(batch)
            && let Some(from_text) = hookgrid_frames::store::from_text(&file)
        {
            let read = only_rows(hookgrid_frames::store::scan(&file)?, rows)
                .select([col("_row"), col(column)])
                .collect()
                .map_err(hookgrid_frames::FramesError::from)?;
            let typed_from_text = from_text.0.iter().any(|c| c == column);
            let read = from_text.json_typed(read)?;
            unsure.clear();
            for_each_value(&read, column, |row, value| {
                if value.is_null() && typed_from_text {
                    unsure.push(row);
                } else {
                    sent.insert(row, value);
                }
            })?;
        }
        if !unsure.is_empty() {
            let parts = self.parts(batch, Vec::new())?;
            let frame = hookgrid_frames::frame_with(parts, Typing::Json)?;
            let frame = only_rows(frame.lazy(), &unsure)
                .select([col("_row"), col(column)])
                .collect()
                .map_err(hookgrid_frames::FramesError::from)?;
            for_each_value(&frame, column, |row, value| {
                sent.insert(row, value);
            })?;
        }
        Ok(rows
            .iter()
            .map(|r| sent.remove(r).unwrap_or(serde_json::Value::Null))
            .collect())
    }

    /// `frame` (of `batch`) with its live corrections in place of what was sent.
    pub(crate) fn corrected(&self, batch: &Batch, frame: LazyFrame) -> Result<LazyFrame> {
        Ok(overlay(frame, &self.live_cells(batch)?)?)
    }

    /// The live corrections of `batch` as cells, in the order they were made.
    pub(crate) fn live_cells(&self, batch: &Batch) -> Result<Vec<Cell>> {
        Ok(self
            .ledger
            .correction_cells(batch.key)?
            .into_iter()
            .map(|(row, column, value)| Cell { row, column, value })
            .collect())
    }

    /// `columns` of `batch` whole, as they read with its live corrections.
    pub(crate) fn corrected_columns(
        &self,
        batch: &Batch,
        columns: &[String],
    ) -> Result<Vec<polars::prelude::Column>> {
        let (frame, _) = self.frame_as_received(batch)?;
        let cells: Vec<Cell> = self
            .live_cells(batch)?
            .into_iter()
            .filter(|c| columns.contains(&c.column))
            .collect();
        let wanted: Vec<polars::prelude::Expr> = columns.iter().map(|c| col(c.as_str())).collect();
        let mut read = vec![col("_row")];
        read.extend(wanted.iter().cloned());
        let corrected = overlay(frame.select(read), &cells)?
            .select(wanted)
            .collect()
            .map_err(hookgrid_frames::FramesError::from)?;
        Ok(corrected.columns().to_vec())
    }
}

/// Calls `each` with every row's `_row` and its `column` as JSON; a column the frame does not
/// have gives nothing.
fn for_each_value(
    frame: &DataFrame,
    column: &str,
    mut each: impl FnMut(i64, serde_json::Value),
) -> Result<()> {
    let (Ok(rows), Ok(values)) = (frame.column("_row"), frame.column(column)) else {
        return Ok(());
    };
    for i in 0..frame.height() {
        let row = match rows.get(i) {
            Ok(AnyValue::Int64(r)) => r,
            _ => continue,
        };
        let value = values.get(i).map_or(serde_json::Value::Null, |v| {
            hookgrid_frames::page::json_value(&v)
        });
        each(row, value);
    }
    Ok(())
}
