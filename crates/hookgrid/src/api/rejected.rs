//! The quarantine: requests that reached the URL but were not stored as an import, their
//! bodies, and trying them again.

use serde::Deserialize;
use ts_rs::TS;

use super::{Ctx, NoArgs};
use crate::{Listed, Quarantined, Result, Retried};

/// Bytes of a rejected body the page is sent to show.
const SHOWN: usize = 64 * 1024;

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RejectedArgs {
    #[ts(type = "number")]
    pub id: i64,
}

/// Rejected requests not dismissed, newest first.
pub(super) fn list_rejected(cx: &Ctx<'_>, _: NoArgs) -> Result<Vec<Quarantined>> {
    cx.hookgrid.rejected(Listed::Open)
}

/// The start of a rejected request's body, as text, for people to see what was sent.
pub(super) fn rejected_body(cx: &Ctx<'_>, args: RejectedArgs) -> Result<String> {
    let body = cx.hookgrid.rejected_body(args.id)?.unwrap_or_default();
    let mut text = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]).into_owned();
    if body.len() > SHOWN {
        text.push_str(&format!("\n… ({} more bytes)", body.len() - SHOWN));
    }
    Ok(text)
}

/// Tries one rejected request again, as if it had just arrived.
pub(super) fn retry_rejected(cx: &Ctx<'_>, args: RejectedArgs) -> Result<Retried> {
    cx.hookgrid.retry_rejected(args.id, &cx.caller.name)
}

/// Tries every rejected request again, oldest first.
pub(super) fn retry_all_rejected(cx: &Ctx<'_>, _: NoArgs) -> Result<Vec<Retried>> {
    cx.hookgrid.retry_all_rejected(&cx.caller.name)
}

/// Dismisses one rejected request: out of the list, its body kept.
pub(super) fn dismiss_rejected(cx: &Ctx<'_>, args: RejectedArgs) -> Result<()> {
    cx.hookgrid.dismiss_rejected(args.id, &cx.caller.name)
}

/// Dismisses every rejected request that was retried and refused again; their ids.
pub(super) fn dismiss_refused_rejected(cx: &Ctx<'_>, _: NoArgs) -> Result<Vec<i64>> {
    cx.hookgrid.dismiss_refused_rejected(&cx.caller.name)
}
