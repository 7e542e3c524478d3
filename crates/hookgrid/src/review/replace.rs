//! Find and replace over one column within a view: exact text inside a cell (case-sensitive,
//! not a pattern), every occurrence, counted first and applied as corrections in one step.

use polars::prelude::{AnyValue, DataType, col};
use serde::Serialize;
use ts_rs::TS;

use crate::accounts::Caller;
use crate::{Batch, Error, Hookgrid, Result, View};

/// What a find and replace found (and, unless a dry run, corrected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Replaced {
    /// Cells that hold the text (each is one correction).
    #[ts(type = "number")]
    pub cells: u64,
    /// Occurrences of the text in them.
    #[ts(type = "number")]
    pub occurrences: u64,
    /// Whether they were corrected (not a dry run).
    pub applied: bool,
}

impl Hookgrid {
    /// Replaces every occurrence of `find` with `with` in `column`, in the rows of `view`; with
    /// `dry_run`, only counts them.
    #[allow(clippy::too_many_arguments)]
    pub fn replace(
        &self,
        batch: &Batch,
        view: &View,
        column: &str,
        find: &str,
        with: &str,
        dry_run: bool,
        caller: &Caller,
    ) -> Result<Replaced> {
        if find.is_empty() {
            return Err(Error::BadRequest(
                "say what to find: --find is exact text inside a cell".to_owned(),
            ));
        }
        self.core.check_data_column(batch, column)?;
        // The cells as they read now (corrected), within the view.
        let now = self
            .core
            .viewed(batch, view)?
            .select([col("_row"), col(column).cast(DataType::String)])
            .collect()
            .map_err(hookgrid_frames::FramesError::from)?;
        let rows = now
            .column("_row")
            .map_err(hookgrid_frames::FramesError::from)?;
        let texts = now
            .column(column)
            .map_err(hookgrid_frames::FramesError::from)?;
        let texts = texts.str().map_err(hookgrid_frames::FramesError::from)?;
        let mut found: Vec<(i64, String)> = Vec::new();
        let mut occurrences = 0u64;
        for (i, text) in texts.iter().enumerate() {
            let Some(text) = text else { continue };
            let n = text.matches(find).count() as u64;
            if n == 0 {
                continue;
            }
            occurrences += n;
            let row = match rows.get(i).map_err(hookgrid_frames::FramesError::from)? {
                AnyValue::Int64(r) => r,
                AnyValue::UInt32(r) => i64::from(r),
                AnyValue::Int32(r) => i64::from(r),
                other => return Err(Error::Internal(format!("a _row of {other:?}"))),
            };
            found.push((row, text.replace(find, with)));
        }
        let cells = found.len() as u64;
        if dry_run || found.is_empty() {
            return Ok(Replaced {
                cells,
                occurrences,
                applied: false,
            });
        }
        let rows: Vec<i64> = found.iter().map(|(row, _)| *row).collect();
        let sent = self.core.sent_values(batch, column, &rows)?;
        let corrections: Vec<(i64, serde_json::Value, String)> = found
            .into_iter()
            .zip(sent)
            .map(|((row, value), was)| (row, was, value))
            .collect();
        self.core
            .ledger
            .add_corrections(batch.key, column, &corrections, &caller.name)?;
        self.record(
            &caller.name,
            "replace",
            &format!(
                "batch {} (event {}): {column}: {find:?} → {with:?} in {cells} cells",
                batch.batch, batch.event
            ),
        );
        self.corrections_changed(batch, &[column.to_owned()], None);
        Ok(Replaced {
            cells,
            occurrences,
            applied: true,
        })
    }
}
