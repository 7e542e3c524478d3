//! Writing a view over an import to a file, typed or as sent.

use std::path::Path;

use hookgrid_frames::{ExportOptions, Typing};

use crate::{Batch, BatchStatus, Error, ExportFormat, Hookgrid, Result, View};

/// How an export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSettings {
    /// Also write `_row` and `_part` (and `_valid`).
    pub meta: bool,
    /// Write every value exactly as it was sent (text), not the typed columns.
    pub as_sent: bool,
    /// Export an import that is still missing parts.
    pub allow_incomplete: bool,
}

impl Hookgrid {
    /// Writes a view over an import to `out` (format from the extension); returns rows
    /// written. An incomplete import is refused unless `allow_incomplete`.
    pub fn export(
        &self,
        batch: &Batch,
        view: &View,
        out: &Path,
        settings: ExportSettings,
    ) -> Result<u64> {
        if batch.status == BatchStatus::Incomplete && !settings.allow_incomplete {
            return Err(Error::Incomplete {
                batch: batch.batch.clone(),
                received: batch.parts_received,
                expected: batch.parts_expected,
            });
        }
        // Check the format before any work.
        ExportFormat::from_path(out)?;
        let (frame, source) = self.core.frame(batch)?;
        let options = ExportOptions {
            rows: view.rows,
            meta: settings.meta,
        };
        let viewed = view.apply(frame)?;
        if settings.as_sent {
            let as_sent =
                hookgrid_frames::frame_with(self.core.parts_as_sent(batch)?, Typing::AsSent)?;
            return Ok(hookgrid_frames::export::export_as_sent(
                viewed,
                &as_sent,
                out,
                options,
                source.as_deref(),
            )?);
        }
        Ok(hookgrid_frames::export::export(
            viewed,
            out,
            options,
            source.as_deref(),
        )?)
    }
}
