//! Who may use a team server, managed by its admins from the page as from the CLI on the
//! server: users, their roles, passwords and API tokens, and the audit log. A new password
//! or token is in the answer once, and nowhere else.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Ctx, NoArgs, Role};
use crate::accounts::UserView;
use crate::{AuditEntry, Result};

pub(super) fn list_users(cx: &Ctx<'_>, _: NoArgs) -> Result<Vec<UserView>> {
    cx.hookgrid.users()
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct NewUserArgs {
    pub name: String,
    pub role: Role,
}

/// A secret made for someone: a password or an API token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Secret {
    pub secret: String,
}

/// Adds a user with a generated password.
pub(super) fn add_user(cx: &Ctx<'_>, args: NewUserArgs) -> Result<Secret> {
    let secret = cx
        .hookgrid
        .add_user(&args.name, args.role, None, &cx.caller.name)?;
    Ok(Secret { secret })
}

/// Gives a user another role.
pub(super) fn set_user_role(cx: &Ctx<'_>, args: NewUserArgs) -> Result<()> {
    cx.hookgrid
        .set_user_role(&args.name, args.role, &cx.caller.name)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct UserArgs {
    pub name: String,
}

/// A new generated password for a user; their sign-ins end.
pub(super) fn reset_user_password(cx: &Ctx<'_>, args: UserArgs) -> Result<Secret> {
    let secret = cx
        .hookgrid
        .set_user_password(&args.name, None, &cx.caller.name)?;
    Ok(Secret { secret })
}

pub(super) fn remove_user(cx: &Ctx<'_>, args: UserArgs) -> Result<()> {
    cx.hookgrid.remove_user(&args.name, &cx.caller.name)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct TokenArgs {
    pub name: String,
    pub label: String,
}

/// A new API token for a user.
pub(super) fn add_user_token(cx: &Ctx<'_>, args: TokenArgs) -> Result<Secret> {
    let secret = cx
        .hookgrid
        .add_token(&args.name, &args.label, &cx.caller.name)?;
    Ok(Secret { secret })
}

pub(super) fn revoke_user_token(cx: &Ctx<'_>, args: TokenArgs) -> Result<()> {
    cx.hookgrid
        .revoke_token(&args.name, &args.label, &cx.caller.name)
}

/// The audit log, newest first.
pub(super) fn list_audit(cx: &Ctx<'_>, _: NoArgs) -> Result<Vec<AuditEntry>> {
    cx.hookgrid.audit()
}
