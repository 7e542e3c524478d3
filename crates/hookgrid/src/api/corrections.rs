//! Corrections: a reviewer's value for one cell, kept beside what was sent.

use serde::Deserialize;
use ts_rs::TS;

use super::{Ctx, EventArgs};
use crate::{Result, StoredCorrection};

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct CorrectArgs {
    pub event: String,
    /// The row's `_row` (from 0).
    #[ts(type = "number")]
    pub row: i64,
    pub column: String,
    pub value: String,
}

/// Corrects one cell, as the caller.
pub(super) fn correct_cell(cx: &Ctx<'_>, args: CorrectArgs) -> Result<StoredCorrection> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    h.correct(&batch, args.row, &args.column, &args.value, cx.caller)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RevertArgs {
    pub event: String,
    #[ts(type = "number")]
    pub id: i64,
}

/// Reverts one correction.
pub(super) fn revert_correction(cx: &Ctx<'_>, args: RevertArgs) -> Result<()> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    h.revert_correction(&batch, args.id, cx.caller)
}

/// Every live correction of one import.
pub(super) fn list_corrections(cx: &Ctx<'_>, args: EventArgs) -> Result<Vec<StoredCorrection>> {
    let h = cx.hookgrid;
    h.corrections(&h.resolve(&args.event)?)
}
