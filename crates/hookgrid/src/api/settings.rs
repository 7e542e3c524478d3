//! The listener's settings a team shares: the public URL, the signing secret, the webhook
//! token and how long imports are kept; and the test import that checks the way in.

use serde::Deserialize;
use ts_rs::TS;

use super::{Ctx, NoArgs};
use crate::{Connection, Result, TestReport};

/// The connection panel, as the caller may see it.
pub(super) fn connection(cx: &Ctx<'_>, _: NoArgs) -> Result<Connection> {
    cx.hookgrid.connection(cx.host, cx.caller)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct UrlArgs {
    pub url: String,
}

/// Saves the public tunnel URL (blank clears it).
pub(super) fn set_public_url(cx: &Ctx<'_>, args: UrlArgs) -> Result<Connection> {
    cx.hookgrid.set_public_url(&args.url, &cx.caller.name)?;
    connection(cx, NoArgs {})
}

/// A new token: the old webhook URL stops working at once.
pub(super) fn rotate_token(cx: &Ctx<'_>, _: NoArgs) -> Result<Connection> {
    cx.hookgrid.rotate_token(&cx.caller.name)?;
    connection(cx, NoArgs {})
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SecretArgs {
    pub secret: String,
}

/// Sets (or, when blank, clears) the signing secret that requests must be signed with.
pub(super) fn set_signing_secret(cx: &Ctx<'_>, args: SecretArgs) -> Result<Connection> {
    cx.hookgrid
        .set_signing_secret(&args.secret, &cx.caller.name)?;
    connection(cx, NoArgs {})
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RetentionArgs {
    pub days: Option<u32>,
}

/// Keeps imports for `days` days (`None`: forever); returns how many were deleted now.
pub(super) fn set_retention_days(cx: &Ctx<'_>, args: RetentionArgs) -> Result<u32> {
    Ok(cx.hookgrid.set_retention_days(args.days, &cx.caller.name)? as u32)
}

/// Posts a small sample import through the webhook URL and reports whether it arrived.
pub(super) fn send_test_event(cx: &Ctx<'_>, _: NoArgs) -> Result<TestReport> {
    let base = cx.hookgrid.connection(cx.host, cx.caller)?.base_url;
    // Commands run on a thread that may block; the probe is async (it posts over HTTP).
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|e| crate::Error::Internal(format!("no runtime for the test import: {e}")))?;
    Ok(runtime.block_on(cx.hookgrid.send_test_batch(&base)))
}
