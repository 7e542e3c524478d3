//! Writing a view over an import to a file, typed or as sent.

use std::path::Path;

use hookgrid_frames::export::Prepared;
use hookgrid_frames::export::xlsx::CellMarks;
use hookgrid_frames::{ExportOptions, FramesError, Typing};
use polars::prelude::{IntoColumn, IntoLazy, NamedFrom, Series, lit};

use crate::{Batch, BatchStatus, Error, ExportFormat, FLAG_COLUMN, Hookgrid, Result, View};

/// How an export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSettings {
    /// Also write `_row` and `_part` (and `_valid`).
    pub meta: bool,
    /// Write every value exactly as it was sent (text), not the typed columns.
    pub as_sent: bool,
    /// Export an import that is still missing parts.
    pub allow_incomplete: bool,
    /// Add an `_errors` column: each row's configuration errors as text (`email: Must be a
    /// valid email address; …`). Needs a configuration that applies to the import.
    pub with_errors: bool,
    /// Who a CSV is for: people get a byte-order mark and formulas disarmed.
    pub csv: hookgrid_frames::CsvFor,
    /// Headers and `_errors` by the configuration's labels ("First Name") instead of keys.
    /// Needs a configuration that applies to the import.
    pub labels: bool,
    /// Add a `_flag` column: each flagged row's note (empty for the others).
    pub with_flags: bool,
    /// Write what Flatfile sent, without the reviewers' corrections.
    pub as_received: bool,
}

/// Each column key the configuration labels, and its label.
type Labels = std::collections::HashMap<String, String>;

/// The column `--with-errors` adds.
pub const ERRORS_COLUMN: &str = "_errors";

impl Hookgrid {
    /// Every row's errors as text, in row order: the `_errors` column, its columns named by
    /// `labels` when given.
    fn errors_column(&self, batch: &Batch, labels: Option<&Labels>) -> Result<Series> {
        let rows: Vec<i64> = (0..batch.rows() as i64).collect();
        let texts: Vec<String> = self
            .row_errors_required(batch, &rows)?
            .into_iter()
            .map(|mut problems| {
                if let Some(labels) = labels {
                    for p in &mut problems {
                        if let Some(label) = labels.get(&p.column) {
                            p.column.clone_from(label);
                        }
                    }
                }
                crate::review::reasons::errors_text(&problems)
            })
            .collect();
        Ok(Series::new(ERRORS_COLUMN.into(), texts))
    }

    /// Every row's flag note, in row order (empty where a row has none): the `_flag` column.
    fn flag_column(&self, batch: &Batch) -> Result<Series> {
        let mut notes = vec![String::new(); batch.rows() as usize];
        for flag in self.flags(batch)? {
            if let Some(note) = usize::try_from(flag.row)
                .ok()
                .and_then(|r| notes.get_mut(r))
            {
                *note = flag.note;
            }
        }
        Ok(Series::new(FLAG_COLUMN.into(), notes))
    }

    /// The configuration's label of each column it names, where the label says something
    /// else and names no other column (a header must stay one column's).
    fn labels(&self, batch: &Batch) -> Result<Labels> {
        let (known, _) = self
            .core
            .row_errors(batch)?
            .ok_or_else(|| self.core.unexplained(batch))?;
        let columns = &known.columns;
        let mut labels = Labels::new();
        for field in &known.config.fields {
            let label = field.label.trim();
            let taken = columns.iter().any(|c| c == label)
                || labels.values().any(|l| l == label)
                || hookgrid_frames::is_meta(label)
                || label == ERRORS_COLUMN;
            if !label.is_empty() && label != field.key && !taken {
                labels.insert(field.key.clone(), label.to_owned());
            }
        }
        Ok(labels)
    }

    /// Writes a view over an import to `out` (format from the extension); returns rows
    /// written. An incomplete import is refused unless `allow_incomplete`.
    pub fn export(
        &self,
        batch: &Batch,
        view: &View,
        out: &Path,
        settings: ExportSettings,
    ) -> Result<u64> {
        crate::error::contained(|| self.export_view(batch, view, out, settings))
    }

    fn export_view(
        &self,
        batch: &Batch,
        view: &View,
        out: &Path,
        settings: ExportSettings,
    ) -> Result<u64> {
        // Check the target before any work; an export never replaces the batch's own file.
        let format = ExportFormat::from_path(out)?;
        if hookgrid_frames::export::same_file(&self.core.batch_path(batch.key), out) {
            return Err(FramesError::WouldOverwriteSource(out.to_path_buf()).into());
        }
        let (prepared, marks) = self.prepare_export(batch, view, format, settings)?;
        Ok(prepared.write_file(out, marks.as_ref())?)
    }

    /// A view over an import ready to be written in `format` to any writer, as it is produced
    /// (the review listener's download). Everything that can refuse the export (an incomplete
    /// import, a filter that does not apply, too many rows for a sheet) does so here, before a
    /// byte is written.
    pub fn prepare_download(
        &self,
        batch: &Batch,
        view: &View,
        format: ExportFormat,
        settings: ExportSettings,
    ) -> Result<Download> {
        crate::error::contained(|| {
            let (prepared, marks) = self.prepare_export(batch, view, format, settings)?;
            Ok(Download { prepared, marks })
        })
    }

    /// The rows of an export in memory, and the cells an `.xlsx` marks as failing.
    fn prepare_export(
        &self,
        batch: &Batch,
        view: &View,
        format: ExportFormat,
        settings: ExportSettings,
    ) -> Result<(Prepared, Option<CellMarks>)> {
        if batch.status == BatchStatus::Incomplete && !settings.allow_incomplete {
            return Err(Error::Incomplete {
                batch: batch.batch.clone(),
                received: batch.parts_received,
                expected: batch.parts_expected,
            });
        }
        let (mut frame, _) = if settings.as_received {
            self.core.frame_as_received(batch)?
        } else {
            self.core.frame(batch)?
        };
        let options = ExportOptions {
            rows: view.rows,
            meta: settings.meta,
            csv: settings.csv,
        };
        let labels = if settings.labels {
            Some(self.labels(batch)?)
        } else {
            None
        };
        let errors = if settings.with_errors {
            Some(self.errors_column(batch, labels.as_ref())?)
        } else {
            None
        };
        if let Some(errors) = &errors {
            frame = frame.with_column(lit(errors.clone()).alias(ERRORS_COLUMN));
        }
        let flags = if settings.with_flags {
            Some(self.flag_column(batch)?)
        } else {
            None
        };
        if let Some(flags) = &flags {
            frame = frame.with_column(lit(flags.clone()).alias(FLAG_COLUMN));
        }
        let viewed = view.apply_with(frame, self.core.outside(batch, view)?)?;
        // A spreadsheet marks the failing cells whenever a configuration applies.
        let mut marks = match format {
            ExportFormat::Xlsx => self.core.cell_marks(batch)?,
            _ => None,
        };
        // A corrected cell's note gives the value as sent.
        if format == ExportFormat::Xlsx && !settings.as_received {
            let corrections = self.corrections(batch)?;
            if !corrections.is_empty() {
                let notes = &mut marks.get_or_insert_with(CellMarks::default).notes;
                for c in corrections {
                    let sent = match &c.sent {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => "nothing (the cell was missing)".to_owned(),
                        other => other.to_string(),
                    };
                    let cells = notes.entry(c.row).or_default();
                    // The newest correction of a cell speaks for it.
                    cells.retain(|(column, _)| *column != c.column);
                    cells.push((c.column, format!("Corrected by {}; sent: {sent}", c.by)));
                }
            }
        }
        let prepared = if settings.as_sent {
            let mut as_sent =
                hookgrid_frames::frame_with(self.core.parts_as_sent(batch)?, Typing::AsSent)?;
            if !settings.as_received {
                // Every value as text, the corrected ones as typed.
                as_sent = self
                    .core
                    .corrected(batch, as_sent.lazy())?
                    .collect()
                    .map_err(hookgrid_frames::FramesError::from)?;
            }
            for (extra, name) in [(errors, ERRORS_COLUMN), (flags, FLAG_COLUMN)] {
                if let Some(extra) = extra {
                    as_sent
                        .with_column(extra.with_name(name.into()).into_column())
                        .map_err(hookgrid_frames::FramesError::from)?;
                }
            }
            hookgrid_frames::export::prepare_as_sent(viewed, &as_sent, format, options)?
        } else {
            hookgrid_frames::export::prepare(viewed, format, options)?
        };
        let mut prepared = prepared;
        if let Some(labels) = &labels {
            let pairs: Vec<(String, String)> =
                labels.iter().map(|(k, l)| (k.clone(), l.clone())).collect();
            prepared.rename(&pairs)?;
            // A sheet marks cells by their column's header: the labels now.
            for column in marks.iter_mut().flat_map(CellMarks::columns_mut) {
                if let Some(label) = labels.get(column.as_str()) {
                    column.clone_from(label);
                }
            }
        }
        Ok((prepared, marks))
    }
}

/// An export ready to be written: see [`Hookgrid::prepare_download`].
#[derive(Debug)]
pub struct Download {
    prepared: Prepared,
    marks: Option<CellMarks>,
}

impl Download {
    /// Rows it writes.
    pub fn rows(&self) -> u64 {
        self.prepared.rows()
    }

    /// Writes it to `sink` as it is produced.
    pub fn write_to(self, sink: impl std::io::Write) -> Result<()> {
        Ok(self.prepared.write_to(sink, self.marks.as_ref())?)
    }
}
