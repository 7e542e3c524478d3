//! A batch's rows as a Polars DataFrame, and the queries over it.
//!
//! - [`build`] turns parsed parts into one frame: meta columns `_row`, `_part`, `_valid`, then
//!   data columns in first-seen order, typed as the README's "How rows become a table" says.
//! - [`store`] writes that frame to its derived Parquet file (atomically) and reads it back.
//! - [`View`] is what the grid and the CLI ask for: rows, a SQL filter, a search and a sort,
//!   turned into a `LazyFrame`; [`page`] and [`export`] evaluate it, and [`browse`] keeps a
//!   batch in memory for the grid.
//!
//! This crate never touches the ledger or the network: callers hand it parts and paths.

pub mod browse;
pub mod build;
pub mod corrected;
pub mod decimal;
pub mod export;
mod from_text;
pub mod page;
pub mod store;
pub mod values;
mod view;

pub use browse::Browser;
pub use build::{
    META_COLUMNS, PartRows, RECORD_COLUMN, Typed, Typing, Validity, data_columns, frame,
    frame_with, is_meta,
};
pub use export::{CsvFor, ExportFormat, ExportOptions};
pub use from_text::FromText;
pub use page::{ColumnInfo, ColumnKind, Page};
pub use polars::prelude::{DataFrame, IntoLazy, LazyFrame};

/// Sends Polars' warnings to the log. Polars prints them to stderr itself ("Deprecation:
/// Casting from String to Date is deprecated…" for a filter's `CAST(when AS DATE)`), where
/// they reach a user's terminal in the library's words about its own future; they are the
/// developers' business. Called before every view is applied; the first call does it.
pub fn route_library_warnings() {
    static ROUTED: std::sync::Once = std::sync::Once::new();
    ROUTED.call_once(|| {
        polars::error::set_warning_function(|message, kind| {
            tracing::debug!(target: "polars", "{kind:?}: {message}");
        });
    });
}
pub use values::{ColumnValues, ValueCount};
pub use view::{ErrorRows, Outside, RowSet, Sort, View, only_rows, readers_words};

use std::path::PathBuf;

/// What can go wrong building, querying or writing a frame.
#[derive(Debug, thiserror::Error)]
pub enum FramesError {
    /// The SQL filter does not parse, or uses something other than an expression.
    #[error("the filter is not a valid SQL expression: {0}")]
    Sql(String),
    /// The view names a column the batch does not have.
    #[error("no column named {name:?}; the columns are: {available}")]
    UnknownColumn { name: String, available: String },
    /// The filter parses but cannot be evaluated on these columns (e.g. text compared to a
    /// number).
    #[error("the filter cannot be applied: {0}")]
    Filter(String),
    /// The export path's extension names no format we write.
    #[error("cannot tell the format of {0}: use a .csv, .parquet or .xlsx file name")]
    UnknownFormat(PathBuf),
    /// More rows than an `.xlsx` sheet holds.
    #[error(
        "an .xlsx sheet holds at most {max} rows and this view has {rows}: narrow the view, or export to .csv or .parquet"
    )]
    TooManyRows { rows: usize, max: usize },
    /// The Excel writer failed.
    #[error("cannot write the .xlsx file: {0}")]
    Xlsx(String),
    /// The export would overwrite the file it reads from.
    #[error("refusing to overwrite {0}: it is the batch's own data file")]
    WouldOverwriteSource(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Polars failed for another reason.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

pub type Result<T, E = FramesError> = std::result::Result<T, E>;
