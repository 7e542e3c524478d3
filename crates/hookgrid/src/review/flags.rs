//! Flagged rows: a reviewer marks one row, or every row of a view, with a note ("ask the
//! customer"). The grid marks them, a view can show only them, row details and exports
//! (`_flag`) carry the note. A row (its `_row`) has one flag; flagging it again replaces the
//! note, which only an admin may do over another reviewer's.

use std::collections::HashMap;

use hookgrid_frames::Outside;
use hookgrid_ledger::Flag;
use polars::prelude::{DataType, col};
use serde::Serialize;
use ts_rs::TS;

use crate::accounts::{Caller, Role};
use crate::review::corrections::check_row;
use crate::{Batch, Core, Error, Event, Hookgrid, Result, View};

/// Longest flag note kept, in characters (as a review note).
pub const MAX_FLAG_NOTE_CHARS: usize = crate::review::decisions::MAX_NOTE_CHARS;

/// The column exports add with each row's flag note.
pub const FLAG_COLUMN: &str = "_flag";

/// Which rows a flag is for.
#[derive(Debug, Clone, Copy)]
pub enum FlagRows<'a> {
    /// One row, by its `_row` (from 0).
    One(i64),
    /// These rows, by `_row` (a selection in the grid).
    Some(&'a [i64]),
    /// Every row of a view.
    View(&'a View),
}

/// What flagging rows did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Flagged {
    /// Rows flagged (or given the new note).
    #[ts(type = "number")]
    pub flagged: u64,
    /// Rows left as they were: flagged by another reviewer, whose note only an admin changes.
    #[ts(type = "number")]
    pub kept: u64,
}

impl Hookgrid {
    /// Flags `rows` of `batch` with `note`, as `caller`.
    pub fn flag(
        &self,
        batch: &Batch,
        rows: FlagRows<'_>,
        note: &str,
        caller: &Caller,
    ) -> Result<Flagged> {
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::BadRequest(
                "a flag needs a note: say what to ask or check".to_owned(),
            ));
        }
        if note.chars().count() > MAX_FLAG_NOTE_CHARS {
            return Err(Error::BadRequest(format!(
                "a flag's note is at most {MAX_FLAG_NOTE_CHARS} characters; this one has {}",
                note.chars().count()
            )));
        }
        let rows = self.core.flag_rows(batch, rows)?;
        let existing: HashMap<i64, Flag> = self
            .core
            .ledger
            .flags(batch.key)?
            .into_iter()
            .map(|f| (f.row, f))
            .collect();
        let admin = caller.role.allows(Role::Admin);
        let (write, kept): (Vec<i64>, Vec<i64>) = rows.into_iter().partition(|row| {
            admin
                || existing
                    .get(row)
                    .is_none_or(|f| f.by == caller.name || f.note == note)
        });
        if write.is_empty() && !kept.is_empty() {
            let by = existing
                .get(&kept[0])
                .map_or("another reviewer", |f| f.by.as_str());
            return Err(Error::Forbidden {
                command: format!("changing the note {by} flagged these rows with"),
                role: caller.role,
                needed: Role::Admin,
            });
        }
        let flagged = self
            .core
            .ledger
            .flag_rows(batch.key, &write, note, &caller.name)?;
        self.record(
            &caller.name,
            "flag",
            &format!(
                "batch {} (event {}): {} {}, note {note:?}",
                batch.batch,
                batch.event,
                flagged,
                if flagged == 1 { "row" } else { "rows" }
            ),
        );
        self.flags_changed(batch);
        Ok(Flagged {
            flagged: flagged as u64,
            kept: kept.len() as u64,
        })
    }

    /// Takes the flags off `rows` of `batch`; returns how many rows were flagged. A question
    /// answered is anyone's to clear.
    pub fn unflag(&self, batch: &Batch, rows: FlagRows<'_>, caller: &Caller) -> Result<u64> {
        let rows = self.core.flag_rows(batch, rows)?;
        let removed = self.core.ledger.unflag_rows(batch.key, &rows)?;
        if removed > 0 {
            self.record(
                &caller.name,
                "unflag",
                &format!(
                    "batch {} (event {}): {removed} {}",
                    batch.batch,
                    batch.event,
                    if removed == 1 { "row" } else { "rows" }
                ),
            );
            self.flags_changed(batch);
        }
        Ok(removed as u64)
    }

    /// Every flag of `batch`, by row.
    pub fn flags(&self, batch: &Batch) -> Result<Vec<Flag>> {
        Ok(self.core.ledger.flags(batch.key)?)
    }

    /// The flags of `rows` (`_row` values), in the order given: for a page of the grid.
    pub fn row_flags(&self, batch: &Batch, rows: &[i64]) -> Result<Vec<Option<Flag>>> {
        Ok(self.core.ledger.flags_of_rows(batch.key, rows)?)
    }

    fn flags_changed(&self, batch: &Batch) {
        self.core.events.send(Event::FlagsChanged {
            event: batch.event.clone(),
            batch: batch.batch.clone(),
        });
    }
}

impl Core {
    /// The `_row`s `rows` names, checked against the import.
    fn flag_rows(&self, batch: &Batch, rows: FlagRows<'_>) -> Result<Vec<i64>> {
        match rows {
            FlagRows::One(row) => self.flag_rows(batch, FlagRows::Some(&[row])),
            FlagRows::Some(rows) => {
                for row in rows {
                    check_row(batch, *row)?;
                }
                Ok(rows.to_vec())
            }
            FlagRows::View(view) => {
                let rows = self
                    .viewed(batch, view)?
                    .select([col("_row").cast(DataType::Int64)])
                    .collect()
                    .map_err(hookgrid_frames::FramesError::from)?;
                let rows = rows
                    .column("_row")
                    .and_then(|c| c.i64().map(|c| c.into_no_null_iter().collect()))
                    .map_err(hookgrid_frames::FramesError::from)?;
                Ok(rows)
            }
        }
    }

    /// What `view` narrows to that the frame does not hold: rows with errors, flagged rows.
    pub(crate) fn outside(&self, batch: &Batch, view: &View) -> Result<Outside> {
        Ok(Outside {
            error_rows: self.error_rows(batch, view)?,
            flagged_rows: if view.flagged {
                Some(
                    self.ledger
                        .flags(batch.key)?
                        .iter()
                        .map(|f| f.row)
                        .collect(),
                )
            } else {
                None
            },
        })
    }
}
