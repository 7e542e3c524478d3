//! Review decisions: where an import stands with its reviewers.

use serde::Deserialize;
use ts_rs::TS;

use super::Ctx;
use crate::{Result, ReviewEntry, ReviewStatus};

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SetReviewArgs {
    /// The import's event id (or anything `resolve` takes).
    pub event: String,
    pub status: ReviewStatus,
    /// Blank or missing: no note.
    #[serde(default)]
    #[ts(optional)]
    pub note: Option<String>,
}

/// Sets where one import stands, as the caller.
pub(super) fn set_review(cx: &Ctx<'_>, args: SetReviewArgs) -> Result<ReviewEntry> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    h.set_review(&batch, args.status, args.note.as_deref(), cx.caller)
}
