//! The UI's commands, defined once for both shells.
//!
//! [`COMMANDS`] is the one list: each command's name (the Tauri command the app's page
//! invokes, and `POST /api/<name>` on the review listener), the least [`Role`] that may run it,
//! and where it runs ([`Served`]). The list itself is `api/table.rs`, which the desktop app's
//! build script reads too (each name becomes an `allow-…` permission), so a command cannot be
//! added without a role, a permission and a place.
//!
//! A shared command is one typed function over the facade, `fn(&Ctx, Args) -> Result<T>`,
//! whose `Args` deserialize from the JSON object of arguments the page passes to `invoke` (the
//! same names) and whose result is sent back as JSON. [`run`] checks the caller's role before
//! anything else and runs the function; both shells call it, on a thread that may block.
//!
//! Beside the list: [`http`], the review listener that serves it over HTTP (with the UI,
//! sign-in, downloads and the event stream), [`server`] that runs it (plain or TLS), and
//! [`client`], the desktop app's side of a team server.

pub mod client;
mod configs;
mod corrections;
mod decisions;
mod flags;
pub mod http;
mod imports;
mod people;
mod rejected;
mod replace;
pub mod server;
mod settings;

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crate::accounts::{Caller, Role};
pub use configs::{AddConfigArgs, ConfigNameArgs, ConfigUse, UseConfigArgs};
pub use corrections::{CorrectArgs, RevertArgs};
pub use decisions::SetReviewArgs;
pub use flags::FlagArgs;
pub use imports::{
    BatchPage, ColumnValuesArgs, EventArgs, ExportReport, ExportRequest, ExportRowsArgs,
    ExportScope, FetchPageArgs, GridPage, ListBatchesArgs, SentRowArgs,
};
pub use people::{NewUserArgs, Secret, TokenArgs, UserArgs};
pub use rejected::RejectedArgs;
pub use replace::ReplaceArgs;
pub use settings::{RetentionArgs, SecretArgs, UrlArgs};

pub use server::{ReviewServer, TlsFiles};

use crate::{Error, Hookgrid, Host, Result};

/// A command's arguments when it takes none (the page passes nothing, or `{}`).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NoArgs {}

/// What a command runs with: the facade, who is asking, and the shell's listener.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub hookgrid: &'a Arc<Hookgrid>,
    pub caller: &'a Caller,
    pub host: &'a dyn Host,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("caller", self.caller).finish()
    }
}

/// Runs a shared command on its JSON arguments.
pub type Runner = fn(&Ctx<'_>, Value) -> Result<Value>;

/// Where a command runs.
#[derive(Clone, Copy)]
pub enum Served {
    /// The facade runs it, in the app and on the review listener alike.
    Shared(Runner),
    /// It belongs to a desktop (a file dialog, the file manager, this machine's own listener
    /// or tunnel, the app's team-server setting): the app runs it, the review listener does not
    /// serve it.
    Desktop,
    /// It writes a file: the app writes it where the user chose, the review listener answers
    /// with the file itself (a download).
    Download,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Served::Shared(_) => "Shared",
            Served::Desktop => "Desktop",
            Served::Download => "Download",
        })
    }
}

/// One command of the UI.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// The Tauri command's name, and the review listener's `POST /api/<name>`.
    pub name: &'static str,
    /// The least role that may run it.
    pub role: Role,
    pub served: Served,
}

macro_rules! served {
    (shared, $run:path) => {
        Served::Shared(|cx, args| typed(cx, args, $run))
    };
    (desktop) => {
        Served::Desktop
    };
    (download) => {
        Served::Download
    };
}

macro_rules! commands {
    ($($name:ident : $role:ident, $served:ident $(($run:path))?;)*) => {
        /// Every command of the UI, in the order the page's `api.ts` lists them.
        pub const COMMANDS: &[Command] = &[$(Command {
            name: stringify!($name),
            role: Role::$role,
            served: served!($served $(, $run)?),
        }),*];
    };
}

include!("api/table.rs");

/// The command named `name`.
pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Runs command `name` with `args` (a JSON object; `null` for none) for `cx.caller`: refused
/// with [`Error::Forbidden`] before anything runs when the caller's role may not, with
/// [`Error::NotServed`] for a command the facade does not run itself.
pub fn run(cx: &Ctx<'_>, name: &str, args: Value) -> Result<Value> {
    let command = command(name).ok_or_else(|| Error::NoSuchCommand(name.to_owned()))?;
    authorize(cx.caller, command)?;
    match command.served {
        Served::Shared(runner) => runner(cx, args),
        Served::Desktop | Served::Download => Err(Error::NotServed(name.to_owned())),
    }
}

/// Whether `caller` may run `command`: [`Error::Forbidden`] when its role is below the
/// command's.
pub fn authorize(caller: &Caller, command: &Command) -> Result<()> {
    if caller.role.allows(command.role) {
        Ok(())
    } else {
        Err(Error::Forbidden {
            command: command.name.to_owned(),
            role: caller.role,
            needed: command.role,
        })
    }
}

/// Deserializes the arguments, runs `run` and serializes its result.
fn typed<A: DeserializeOwned, T: Serialize>(
    cx: &Ctx<'_>,
    args: Value,
    run: fn(&Ctx<'_>, A) -> Result<T>,
) -> Result<Value> {
    let args = match args {
        // No arguments at all: the same as `{}`.
        Value::Null => Value::Object(Default::default()),
        args => args,
    };
    let args: A = serde_path_to_error::deserialize(args).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        Error::BadRequest(if at == "." {
            format!("the arguments are not valid: {inner}")
        } else {
            format!("argument {at} is not valid: {inner}")
        })
    })?;
    let out = run(cx, args)?;
    serde_json::to_value(out).map_err(|e| Error::Internal(format!("cannot encode the answer: {e}")))
}

#[cfg(test)]
mod tests;
