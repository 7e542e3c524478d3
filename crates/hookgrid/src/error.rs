//! The facade's error: one enum, each variant a kind the shells can branch on.

use std::path::PathBuf;

use hookgrid_frames::FramesError;
use hookgrid_ledger::LedgerError;

/// Anything the `hookgrid` facade can fail with. Messages say what happened in words any
/// shell can show; each shell adds its own hint by kind (a CLI flag, a button to press).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No batch matches the id or prefix given.
    #[error("no batch or event matches {0:?}")]
    NotFound(String),
    /// The import has no stored part with that number.
    #[error("batch {batch} has no stored part {part}")]
    NoSuchPart { batch: String, part: u32 },
    /// No rejected request has that id.
    #[error("no rejected request #{0}")]
    NoSuchRejected(i64),
    /// No importer configuration has that name.
    #[error("no configuration named {0:?}")]
    NoSuchConfig(String),
    /// The text given is not an importer configuration.
    #[error("{0}")]
    BadConfig(String),
    /// No importer configuration applies to the import.
    #[error("no importer configuration applies to batch {batch}")]
    NoConfig { batch: String },
    /// The configuration that would apply does not fit the import's columns, so it explains
    /// nothing (given to the import by hand, it would apply anyway).
    #[error("configuration {config} does not fit batch {batch}: {reason}")]
    DoesNotFit {
        batch: String,
        config: String,
        reason: String,
    },
    /// A prefix matches more than one batch.
    #[error("{selector:?} matches more than one batch ({candidates}); give more characters")]
    Ambiguous {
        selector: String,
        candidates: String,
    },
    /// The batch is still waiting for parts.
    #[error("batch {batch} is incomplete ({received} of {expected} parts)")]
    Incomplete {
        batch: String,
        received: u32,
        expected: u32,
    },
    /// The ledger could not be read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A view or export failed.
    #[error(transparent)]
    Frames(#[from] FramesError),
    /// A stored part no longer parses (the ledger was edited by hand, or a bug).
    #[error("stored part {part} of event {event} cannot be read back: {message}")]
    Corrupt {
        event: String,
        part: u32,
        message: String,
    },
    /// A file in the data dir could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The listener cannot bind its address.
    #[error("cannot listen on {addr}: {source}{}", if source.kind() == std::io::ErrorKind::AddrInUse {
        "; another program (or another Hookgrid) is using it: stop it or choose another address"
    } else { "" })]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The tunnel tool is missing or cannot start.
    #[error(transparent)]
    Tunnel(#[from] hookgrid_tunnel::TunnelError),
    /// A command's arguments are missing or malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No command has that name.
    #[error("no command named {0:?}")]
    NoSuchCommand(String),
    /// The command belongs to the desktop app and is not served over HTTP.
    #[error("{0} runs in the desktop app only; a team server does not serve it")]
    NotServed(String),
    /// No valid credentials: not signed in, a sign-in that ended, a revoked or unknown token,
    /// a wrong name or password.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller's role may not run the command.
    #[error("{command} needs the {needed} role; you are signed in as a {role}")]
    Forbidden {
        command: String,
        role: crate::accounts::Role,
        needed: crate::accounts::Role,
    },
    /// Too many failed sign-ins: try again after the wait.
    #[error("too many failed sign-ins: try again in {} s", .retry_after.as_secs().max(1))]
    Throttled { retry_after: std::time::Duration },
    /// No user has that name.
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// The user has no token with that label.
    #[error("user {user} has no token labelled {label:?}")]
    NoSuchToken { user: String, label: String },
    /// The change would leave no admin.
    #[error("{0} is the only admin: make another user admin first")]
    LastAdmin(String),
    /// Another process runs the listener on this data dir.
    #[error("{0}")]
    InUse(String),
    /// The ledger is not the one the data dir held: empty, missing, or another.
    #[error("{0}")]
    WrongLedger(String),
    /// The ledger's file is damaged.
    #[error("{0}")]
    DamagedLedger(String),
    /// A setting has a value that cannot work.
    #[error("{0}")]
    Config(String),
    /// Something that should not fail did (a thread or runtime that cannot start, the OS
    /// random source, the listener's socket): not the user's input, nothing they can fix
    /// in a setting.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// A stable machine-readable name for this kind of error (`{code}` over IPC).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound(_)
            | Error::NoSuchPart { .. }
            | Error::NoSuchRejected(_)
            | Error::NoSuchConfig(_)
            | Error::NoSuchUser(_)
            | Error::NoSuchToken { .. }
            | Error::NoSuchCommand(_)
            | Error::Ledger(LedgerError::NoSuchConfig(_)) => "not_found",
            Error::Ledger(LedgerError::Exists(_)) => "exists",
            Error::BadRequest(_) => "bad_request",
            Error::NotServed(_) => "not_served",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden { .. } => "forbidden",
            Error::Throttled { .. } => "throttled",
            Error::LastAdmin(_) => "last_admin",
            Error::WrongLedger(_) => "wrong_ledger",
            Error::InUse(_) => "in_use",
            Error::DamagedLedger(_) => "damaged_ledger",
            Error::BadConfig(_) => "bad_config",
            Error::NoConfig { .. } | Error::DoesNotFit { .. } => "no_config",
            Error::Ambiguous { .. } => "ambiguous",
            Error::Incomplete { .. } => "incomplete",
            Error::Ledger(_) => "storage",
            Error::Frames(FramesError::Sql(_) | FramesError::Filter(_)) => "bad_filter",
            Error::Frames(FramesError::UnknownColumn { .. }) => "unknown_column",
            Error::Frames(FramesError::UnknownFormat(_)) => "unknown_format",
            Error::Frames(FramesError::WouldOverwriteSource(_)) => "would_overwrite",
            Error::Frames(FramesError::Io { .. }) | Error::Io { .. } => "io",
            Error::Frames(FramesError::TooManyRows { .. }) => "too_many_rows",
            Error::Frames(FramesError::Polars(_) | FramesError::Xlsx(_)) => "internal",
            Error::Corrupt { .. } => "corrupt",
            Error::Listen { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse => {
                "address_in_use"
            }
            Error::Listen { .. } => "listen",
            Error::Tunnel(
                hookgrid_tunnel::TunnelError::NotInstalled { .. }
                | hookgrid_tunnel::TunnelError::NotExecutable { .. },
            ) => "tunnel_not_installed",
            Error::Tunnel(hookgrid_tunnel::TunnelError::Start { .. }) => "tunnel",
            Error::Config(_) => "config",
            Error::Internal(_) => "internal",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}

/// Runs `work`, turning a panic inside it (Polars panics on some expressions it cannot
/// evaluate, e.g. a strict cast of text that is not a number) into an error with a kind, so
/// no panic reaches a user. The message is Polars' innermost one, in a reader's words.
pub(crate) fn contained<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown failure");
            Err(Error::Frames(FramesError::Filter(
                hookgrid_frames::readers_words(&innermost(text)),
            )))
        }
    }
}

/// `…ErrString("conversion from `str` to `i32` failed …")…` (quotes escaped once more when
/// the panic crossed a thread) → the quoted message.
fn innermost(text: &str) -> String {
    const OPEN: &str = "ErrString(";
    let Some(start) = text.find(OPEN) else {
        return text.to_owned();
    };
    let rest = text[start + OPEN.len()..].trim_start_matches(['\\', '"']);
    let end = [rest.find("\\\")"), rest.find("\")")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    rest[..end].replace("\\\\\\\"", "\"").replace("\\\"", "\"")
}

#[cfg(test)]
mod contained_tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_in_the_reader_s_words() {
        let plain = r#"ExprContext { error: InvalidOperation(ErrString("conversion from `str` to `i32` failed in column 'seats' for 1 out of 2 values: [\"lots\"]")), expr: ErrString("x") }"#;
        let crossed = r#"JoinError::Panic(Id(7), "called `Result::unwrap()`: InvalidOperation(ErrString(\"conversion from `str` to `i32` failed in column 'seats' for 1 out of 2 values: [\\\"lots\\\"]\")), expr: ErrString(\"x\")")"#;
        let want = "conversion from `str` to `i32` failed in column 'seats' for 1 out of 2 values: [\"lots\"]";
        assert_eq!(innermost(plain), want);
        assert_eq!(innermost(crossed), want);
        assert_eq!(innermost("something else"), "something else");
        let err = contained::<()>(|| panic!("{crossed}")).expect_err("contained");
        assert_eq!(err.kind(), "bad_filter");
        assert_eq!(
            err.to_string(),
            "the filter cannot be applied: a CAST failed: some values are not whole numbers, \
             such as [\"lots\"]; TRY_CAST(column AS type) gives null for those instead"
        );
    }
}
