//! Find and replace in one column of a view, counted first, applied as corrections.

use serde::Deserialize;
use ts_rs::TS;

use super::Ctx;
use crate::{Replaced, Result, View};

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ReplaceArgs {
    pub event: String,
    pub view: View,
    pub column: String,
    pub find: String,
    pub replace: String,
    /// Only count what it would change.
    #[serde(default)]
    pub dry_run: bool,
}

/// Counts (`dry_run`) or applies a find and replace, as the caller.
pub(super) fn replace_in_column(cx: &Ctx<'_>, args: ReplaceArgs) -> Result<Replaced> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    h.replace(
        &batch,
        &args.view,
        &args.column,
        &args.find,
        &args.replace,
        args.dry_run,
        cx.caller,
    )
}
