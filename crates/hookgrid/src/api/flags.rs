//! Flagged rows: a note on rows of an import, from the grid's selection or its whole view.

use serde::Deserialize;
use ts_rs::TS;

use super::Ctx;
use crate::{FlagRows, Flagged, Result, View};

/// Which rows: `rows` (by `_row`) when given, else every row of `view`.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct FlagArgs {
    pub event: String,
    #[serde(default)]
    #[ts(type = "number[] | null")]
    pub rows: Option<Vec<i64>>,
    #[serde(default)]
    pub view: Option<View>,
    /// What to ask or check (needed to flag; ignored to unflag).
    #[serde(default)]
    pub note: Option<String>,
}

impl FlagArgs {
    fn with_rows<T>(&self, f: impl FnOnce(FlagRows<'_>) -> Result<T>) -> Result<T> {
        match (&self.rows, &self.view) {
            (Some(rows), _) => f(FlagRows::Some(rows)),
            (None, Some(view)) => f(FlagRows::View(view)),
            (None, None) => f(FlagRows::View(&View::default())),
        }
    }
}

/// Flags rows with a note, as the caller.
pub(super) fn flag_rows(cx: &Ctx<'_>, args: FlagArgs) -> Result<Flagged> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    let note = args.note.clone().unwrap_or_default();
    args.with_rows(|rows| h.flag(&batch, rows, &note, cx.caller))
}

/// Takes the flags off rows; returns how many were flagged.
pub(super) fn unflag_rows(cx: &Ctx<'_>, args: FlagArgs) -> Result<u64> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    args.with_rows(|rows| h.unflag(&batch, rows, cx.caller))
}
