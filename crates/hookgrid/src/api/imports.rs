//! Reading imports: the list, one import's details and rows, pages of the grid, a column's
//! values; deleting them; and what an export is asked for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Ctx, NoArgs};
use crate::{
    BatchFilter, CellProblem, ColumnInfo, ColumnValues, EarlierCorrections, Flag, ImportDetails,
    ListedBatch, Result, RowSet, SentRow, StoredCorrection, View,
};

/// Largest page the grid may ask for in one call.
const MAX_PAGE: u32 = 5_000;
/// Most values a column's list sends.
const MAX_VALUES: u32 = 1_000;

/// The newest imports that pass a filter.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BatchPage {
    /// Imports that pass the filter, of which `batches` are the newest.
    pub total: u32,
    pub batches: Vec<ListedBatch>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ListBatchesArgs {
    pub filter: Option<BatchFilter>,
    pub limit: Option<u32>,
}

/// The newest `limit` imports that pass `filter` (all without a limit): a ledger of
/// thousands is searched, not sent whole on every part that arrives.
pub(super) fn list_batches(cx: &Ctx<'_>, args: ListBatchesArgs) -> Result<BatchPage> {
    let filter = args.filter.unwrap_or_default();
    let h = cx.hookgrid;
    let (total, batches) = h.find_newest_batches(&filter, args.limit.unwrap_or(u32::MAX))?;
    Ok(BatchPage {
        total: total as u32,
        batches: h.listed(batches)?,
    })
}

/// One import, named by its event id (or anything `resolve` takes).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct EventArgs {
    pub event: String,
}

/// One import in detail: customer, numbering, parts, what is missing.
pub(super) fn import_details(cx: &Ctx<'_>, args: EventArgs) -> Result<ImportDetails> {
    let h = cx.hookgrid;
    h.details(&h.resolve(&args.event)?)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SentRowArgs {
    pub event: String,
    #[ts(type = "number")]
    pub row: i64,
}

/// One row (`_row`) of an import as Flatfile sent it, with its part and position.
pub(super) fn sent_row(cx: &Ctx<'_>, args: SentRowArgs) -> Result<SentRow> {
    let h = cx.hookgrid;
    h.sent_row(&h.resolve(&args.event)?, args.row)
}

/// Rows for the grid.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GridPage {
    /// Rows in the whole view.
    #[ts(type = "number")]
    pub total: u64,
    /// Rows in the batch.
    #[ts(type = "number")]
    pub batch_rows: u64,
    #[ts(type = "number")]
    pub offset: u64,
    pub columns: Vec<ColumnInfo>,
    /// Each row's values in `columns` order.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Each row's configuration errors, in `rows` order; `None` when no configuration applies.
    pub errors: Option<Vec<Vec<CellProblem>>>,
    /// Each row's flag, in `rows` order (`null` where a row has none).
    pub flags: Vec<Option<Flag>>,
    /// Each row's corrected cells, in `rows` order (the newest correction of each cell).
    pub corrections: Vec<Vec<StoredCorrection>>,
    /// Corrected cells in the whole import.
    #[ts(type = "number")]
    pub corrected_cells: u64,
    /// For a revision Flatfile sent again: the newest earlier one with corrections, which
    /// this one starts without.
    pub earlier_corrections: Option<EarlierCorrections>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct FetchPageArgs {
    pub event: String,
    pub view: View,
    pub offset: u32,
    pub limit: u32,
}

/// One page of `view` over the import with event id `event`, from the import held in memory
/// for this caller.
pub(super) fn fetch_page(cx: &Ctx<'_>, args: FetchPageArgs) -> Result<GridPage> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    let page = h.browse(
        &cx.caller.client,
        &batch,
        &args.view,
        args.offset as usize,
        args.limit.min(MAX_PAGE) as usize,
    )?;
    let numbers = page.row_numbers();
    let errors = h.row_errors(&batch, &numbers)?;
    let flags = h.row_flags(&batch, &numbers)?;
    let corrections = h.row_corrections(&batch, &numbers)?;
    Ok(GridPage {
        total: page.total as u64,
        batch_rows: batch.rows(),
        offset: page.offset as u64,
        columns: page.column_info(),
        rows: page.json_arrays(),
        errors,
        flags,
        corrections,
        corrected_cells: h.count_corrections(&batch)?,
        earlier_corrections: h.earlier_corrected(&batch)?,
    })
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ColumnValuesArgs {
    pub event: String,
    pub view: View,
    pub column: String,
    pub limit: u32,
}

/// `column` of `view` summarised over the whole view, for the column's value filter: how many
/// rows, distinct, empty and missing values, and the `limit` most common values.
pub(super) fn column_values(cx: &Ctx<'_>, args: ColumnValuesArgs) -> Result<ColumnValues> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    h.browse_column_values(
        &cx.caller.client,
        &batch,
        &args.view,
        &args.column,
        args.limit.min(MAX_VALUES) as usize,
    )
}

/// Lets go of the import this caller holds in memory for the grid.
pub(super) fn close_batch(cx: &Ctx<'_>, _: NoArgs) -> Result<()> {
    cx.hookgrid.close_browse(&cx.caller.client);
    Ok(())
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ImportFlatfileArgs {
    /// The file's text: a workbook, or a records response.
    pub body: String,
    /// For a records response, the sheet it is.
    #[serde(default)]
    pub sheet: Option<String>,
}

/// Imports a Flatfile file as if it had been posted to the webhook ("Open a Flatfile file…").
pub(super) fn import_flatfile(
    cx: &Ctx<'_>,
    args: ImportFlatfileArgs,
) -> Result<Vec<crate::SheetReceipt>> {
    let sheet = args
        .sheet
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    cx.hookgrid
        .import_flatfile(args.body.as_bytes(), sheet, cx.caller)
}

/// Deletes an import (the UI asks the user first).
pub(super) fn delete_batch(cx: &Ctx<'_>, args: EventArgs) -> Result<()> {
    let h = cx.hookgrid;
    h.delete_batch(&h.resolve(&args.event)?, &cx.caller.name)
}

/// Deletes every test import ("Send test event" and the tunnel's checks); how many went.
pub(super) fn delete_test_imports(cx: &Ctx<'_>, _: NoArgs) -> Result<u32> {
    Ok(cx.hookgrid.delete_test_imports(&cx.caller.name)? as u32)
}

/// Which rows an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportScope {
    /// What the grid shows: its rows, filter, search and sort.
    View,
    All,
    Valid,
    Invalid,
}

impl ExportScope {
    /// The view an export of this scope writes, given the grid's `current` one.
    pub fn view(self, current: View) -> View {
        let rows = match self {
            ExportScope::View => return current,
            ExportScope::All => RowSet::All,
            ExportScope::Valid => RowSet::Valid,
            ExportScope::Invalid => RowSet::Invalid,
        };
        View {
            rows,
            ..View::default()
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportReport {
    #[ts(type = "number")]
    pub rows: u64,
    pub path: String,
}

/// The export request from the export panel.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportRequest {
    pub event: String,
    pub view: View,
    pub scope: ExportScope,
    /// `.csv`, `.parquet` or `.xlsx`; the extension picks the format. In the app, where the
    /// file goes; from the review listener, only the downloaded file's name.
    pub path: String,
    /// Also write `_row`, `_part` and `_valid`.
    pub meta: bool,
    /// Write every value exactly as it was sent (text), not the typed columns.
    #[serde(default)]
    pub as_sent: bool,
    /// Export an import that still lacks parts.
    pub allow_incomplete: bool,
    /// Add an `_errors` column with each row's configuration errors.
    #[serde(default)]
    pub with_errors: bool,
    /// Replace the file when it exists (else the export is refused with `exists`).
    #[serde(default)]
    pub overwrite: bool,
    /// A CSV for a program: no byte-order mark, and cells that start like a formula (`=`,
    /// `+`, `-`, `@`) written as they are. Without it a CSV is made for a person with a
    /// spreadsheet (see [`hookgrid_frames::CsvFor::People`]).
    #[serde(default)]
    pub raw: bool,
    /// Headers and `_errors` by the configuration's labels instead of keys.
    #[serde(default)]
    #[ts(optional)]
    pub labels: Option<bool>,
    /// Add a `_flag` column with each flagged row's note.
    #[serde(default)]
    #[ts(optional)]
    pub with_flags: Option<bool>,
    /// What Flatfile sent, without the reviewers' corrections.
    #[serde(default)]
    #[ts(optional)]
    pub as_received: Option<bool>,
}

impl ExportRequest {
    /// How the export is written.
    pub fn settings(&self) -> crate::ExportSettings {
        crate::ExportSettings {
            meta: self.meta,
            as_sent: self.as_sent,
            allow_incomplete: self.allow_incomplete,
            with_errors: self.with_errors,
            labels: self.labels == Some(true),
            with_flags: self.with_flags == Some(true),
            as_received: self.as_received == Some(true),
            csv: if self.raw {
                hookgrid_frames::CsvFor::Programs
            } else {
                hookgrid_frames::CsvFor::People
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ExportRowsArgs {
    pub request: ExportRequest,
}
