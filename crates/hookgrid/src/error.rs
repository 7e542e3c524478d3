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
            | Error::Ledger(LedgerError::NoSuchConfig(_)) => "not_found",
            Error::BadConfig(_) => "bad_config",
            Error::NoConfig { .. } => "no_config",
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
