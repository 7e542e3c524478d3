//! Writing a view to a file. One module per format; the format comes from the extension.
//!
//! Exports are written atomically (temp file + rename), so a half-written export never sits
//! under the name the user chose, and they never overwrite the batch file they read from.

mod csv;
mod parquet;
pub mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::store::{Access, write_atomically};
use crate::view::RowSet;
use crate::{FramesError, Result};

/// File formats an export can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Parquet,
    Xlsx,
}

impl ExportFormat {
    /// The format named by `path`'s extension (`.csv`, `.parquet`, `.pq`, `.xlsx`), any case.
    pub fn from_path(path: &Path) -> Result<ExportFormat> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(ExportFormat::Csv),
            Some("parquet" | "pq") => Ok(ExportFormat::Parquet),
            Some("xlsx") => Ok(ExportFormat::Xlsx),
            _ => Err(FramesError::UnknownFormat(path.to_path_buf())),
        }
    }

    /// The file name extension it is written with.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    /// Its media type, for a download.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Parquet => "application/vnd.apache.parquet",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// Which columns an export carries besides the data columns, and how a CSV is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The view's row set: with `All`, `_valid` is kept so valid and invalid rows stay apart.
    pub rows: RowSet,
    /// Keep `_row` and `_part` (and `_valid`) too.
    pub meta: bool,
    /// CSV: how a spreadsheet should read it (see [`CsvFor`]).
    pub csv: CsvFor,
}

/// Who a CSV is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CsvFor {
    /// A program: UTF-8 as it is, every cell as it is.
    #[default]
    Programs,
    /// A person with a spreadsheet: a UTF-8 byte-order mark (so Excel reads "Chloé" and "藤田"
    /// as such), and text cells a spreadsheet would run as a formula (starting with `=`, `+`,
    /// `-`, `@`, tab or CR, OWASP's list) written with a leading `'`. Numbers, and text that is
    /// a plain number ("-5"), are never changed.
    People,
    /// A person, with the byte-order mark but every cell untouched (`--bom --raw`).
    PeopleRaw,
}

/// Writes `view` to `out`; returns the number of rows written. `source` is the batch's own
/// file, which an export must never replace. `marks` (by `_row`) are the cells an `.xlsx`
/// marks as failing.
pub fn export(
    view: LazyFrame,
    out: &Path,
    options: ExportOptions,
    source: Option<&Path>,
    marks: Option<&xlsx::CellMarks>,
) -> Result<u64> {
    let format = check_target(out, source)?;
    prepare(view, format, options)?.write_file(out, marks)
}

/// Writes the rows `view` selects, in its order, with every value taken from `as_sent`: the
/// same batch built with [`crate::Typing::AsSent`]. The view is evaluated on the typed frame
/// (so `seats > 10` compares numbers) and the file holds each value as it arrived.
pub fn export_as_sent(
    view: LazyFrame,
    as_sent: &DataFrame,
    out: &Path,
    options: ExportOptions,
    source: Option<&Path>,
    marks: Option<&xlsx::CellMarks>,
) -> Result<u64> {
    let format = check_target(out, source)?;
    prepare_as_sent(view, as_sent, format, options)?.write_file(out, marks)
}

/// An export whose rows are chosen and in memory, ready to be written in its format: to a
/// file, or to any writer (a download) as it is produced.
#[derive(Debug)]
pub struct Prepared {
    df: DataFrame,
    format: ExportFormat,
    options: ExportOptions,
}

/// Evaluates `view` for an export in `format`.
pub fn prepare(view: LazyFrame, format: ExportFormat, options: ExportOptions) -> Result<Prepared> {
    let df = view.collect().map_err(crate::view::evaluation_error)?;
    Prepared::new(df, format, options)
}

/// Evaluates `view` for an export in `format` of each value as sent (see [`export_as_sent`]).
pub fn prepare_as_sent(
    view: LazyFrame,
    as_sent: &DataFrame,
    format: ExportFormat,
    options: ExportOptions,
) -> Result<Prepared> {
    let positions = view
        .select([col("_row").cast(IDX_DTYPE)])
        .collect()
        .map_err(crate::view::evaluation_error)?;
    let positions = positions.column("_row")?.idx()?;
    Prepared::new(as_sent.take(positions)?, format, options)
}

impl Prepared {
    fn new(df: DataFrame, format: ExportFormat, options: ExportOptions) -> Result<Prepared> {
        if format == ExportFormat::Xlsx && df.height() > xlsx::MAX_ROWS {
            return Err(FramesError::TooManyRows {
                rows: df.height(),
                max: xlsx::MAX_ROWS,
            });
        }
        Ok(Prepared {
            df,
            format,
            options,
        })
    }

    /// Gives columns other names (`from`, `to` pairs; a column not there is passed over).
    pub fn rename(&mut self, pairs: &[(String, String)]) -> Result<()> {
        for (from, to) in pairs {
            if self.df.get_column_index(from).is_some() {
                self.df.rename(from, to.as_str().into())?;
            }
        }
        Ok(())
    }

    /// Rows the export writes.
    pub fn rows(&self) -> u64 {
        self.df.height() as u64
    }

    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// Writes the export to `out` atomically; returns the rows written.
    pub fn write_file(self, out: &Path, marks: Option<&xlsx::CellMarks>) -> Result<u64> {
        let rows = self.rows();
        write_atomically(out, Access::Document, |file| self.write_to(file, marks))?;
        Ok(rows)
    }

    /// Writes the export to `sink` as it is produced (CSV and Parquet a batch of rows at a
    /// time; an `.xlsx` sheet is a zip put together first).
    pub fn write_to(self, sink: impl Write, marks: Option<&xlsx::CellMarks>) -> Result<()> {
        let Prepared {
            df,
            format,
            options,
        } = self;
        match format {
            // The sheet marks cells by `_row` and tints by `_valid`, whether or not it shows them.
            ExportFormat::Xlsx => {
                let shown = df.clone().lazy().drop(dropped(options)).collect_schema()?;
                let names: Vec<PlSmallStr> = shown.iter_names().cloned().collect();
                xlsx::write(&df, &names, sink, marks)
            }
            ExportFormat::Csv => csv::write(
                &mut df.lazy().drop(dropped(options)).collect()?,
                options.csv,
                sink,
            ),
            ExportFormat::Parquet => {
                parquet::write(&mut df.lazy().drop(dropped(options)).collect()?, sink)
            }
        }
    }
}

fn check_target(out: &Path, source: Option<&Path>) -> Result<ExportFormat> {
    let format = ExportFormat::from_path(out)?;
    if let Some(source) = source
        && same_file(source, out)
    {
        return Err(FramesError::WouldOverwriteSource(out.to_path_buf()));
    }
    Ok(format)
}

/// The meta columns an export leaves out.
fn dropped(options: ExportOptions) -> Selector {
    let mut names: Vec<&str> = Vec::new();
    if !options.meta {
        names.extend(["_row", "_part"]);
        if options.rows != RowSet::All {
            names.push("_valid");
        }
    }
    Selector::ByName {
        names: names.iter().map(|s| PlSmallStr::from(*s)).collect(),
        strict: false,
    }
}

/// Whether `a` and `b` name the same file (`b` may not exist yet).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        match p.canonicalize() {
            Ok(c) => Some(c),
            // The output may not exist yet: compare through its directory.
            Err(_) => Some(p.parent()?.canonicalize().ok()?.join(p.file_name()?)),
        }
    };
    matches!((canon(a), canon(b)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests;
