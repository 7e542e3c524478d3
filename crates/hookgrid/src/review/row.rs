//! One row of an import as Flatfile sent it: which part it came in, where in that part, and
//! its JSON object exactly as it arrived (read from the stored body, not rebuilt from the
//! typed frame), for the row details panel and "copy row as JSON".

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use ts_rs::TS;

use crate::{Batch, Error, Hookgrid, Result};

/// One row, located in the request that carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SentRow {
    /// `_row`: its position in the import, from 0.
    #[ts(type = "number")]
    pub row: i64,
    /// The part (request) it came in, numbered from 1.
    pub part: u32,
    /// Its position in that part, from 1: valid rows first, then invalid ones, as sent.
    pub position: u32,
    /// Whether it came in `validRows` (for a Flatfile Platform sheet, its record's `valid`).
    pub valid: bool,
    /// The row's JSON object, byte for byte as it arrived.
    pub json: String,
    /// A Flatfile Platform sheet's row: its record's id (`json` is then the whole record,
    /// values and messages); `null` for a Portal 2 row.
    pub record: Option<String>,
}

impl SentRow {
    /// The value of `column` as sent (`null` when the row has none): a Portal 2 row's key, a
    /// Flatfile Platform record's `values.<column>.value`.
    pub(crate) fn value(&self, batch: &Batch, column: &str) -> serde_json::Value {
        let row = serde_json::from_str::<serde_json::Value>(&self.json).ok();
        let cell = match batch.workbook {
            None => row.as_ref().and_then(|r| r.get(column)),
            Some(_) => row
                .as_ref()
                .and_then(|r| r.get("values")?.get(column)?.get("value")),
        };
        cell.cloned().unwrap_or(serde_json::Value::Null)
    }
}

/// Just the rows of a body, each kept as its raw JSON text.
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    data: Data<'a>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow, default, rename = "validRows")]
    valid_rows: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default, rename = "invalidRows")]
    invalid_rows: Option<Vec<&'a RawValue>>,
}

impl Hookgrid {
    /// Row `row` (`_row`) of `batch` as it was sent.
    pub fn sent_row(&self, batch: &Batch, row: i64) -> Result<SentRow> {
        let missing = || Error::NotFound(format!("row {} of {}", row + 1, batch.batch));
        // Rows are numbered across the parts in part order (see the frame builder).
        let mut parts = self.core.ledger.parts(batch)?;
        parts.sort_by_key(|p| p.part);
        let mut before = 0i64;
        let part = parts
            .iter()
            .find(|p| {
                let rows = (p.valid + p.invalid) as i64;
                let here = row >= before && row < before + rows;
                if !here {
                    before += rows;
                }
                here
            })
            .ok_or_else(missing)?;
        let (number, index) = (part.part, part.index);
        let body = self
            .core
            .ledger
            .part_body(batch.key, index)?
            .ok_or_else(missing)?;
        let corrupt = |message: String| Error::Corrupt {
            event: batch.event.clone(),
            part: number,
            message,
        };
        if batch.workbook.is_some() {
            return sent_record(batch, &body, row, number).map_err(corrupt);
        }
        // Read as the import was (a byte-order mark, lone surrogates: see `odd`).
        let body = hookgrid_flatfile::odd::readable_bytes(&body);
        let parsed: Body<'_> = serde_json::from_slice(&body).map_err(|e| corrupt(e.to_string()))?;
        let valid = parsed.data.valid_rows.unwrap_or_default();
        let invalid = parsed.data.invalid_rows.unwrap_or_default();
        let at = (row - before) as usize;
        let (json, is_valid) = match valid.get(at) {
            Some(raw) => (raw, true),
            None => (
                invalid
                    .get(at - valid.len())
                    .ok_or_else(|| corrupt(format!("the body has no row {} of its own", at + 1)))?,
                false,
            ),
        };
        Ok(SentRow {
            row,
            part: number,
            position: at as u32 + 1,
            valid: is_valid,
            json: json.get().to_owned(),
            record: None,
        })
    }
}

/// Just the records of a workbook's sheets, each kept as its raw JSON text.
#[derive(Deserialize)]
struct WorkbookBody<'a> {
    #[serde(borrow)]
    workbook: WorkbookSheets<'a>,
}

#[derive(Deserialize)]
struct WorkbookSheets<'a> {
    #[serde(borrow)]
    sheets: Vec<SheetRecords<'a>>,
}

#[derive(Deserialize)]
struct SheetRecords<'a> {
    id: String,
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
}

/// Row `row` of a Flatfile Platform sheet: its record as sent (values, messages and all), and
/// whether the record is valid as its import reads it.
fn sent_record(
    batch: &Batch,
    body: &[u8],
    row: i64,
    part: u32,
) -> std::result::Result<SentRow, String> {
    let body = hookgrid_flatfile::odd::readable_bytes(body);
    let parsed: WorkbookBody<'_> = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let no_sheet = || format!("the stored workbook has no sheet {}", batch.batch);
    let records = parsed
        .workbook
        .sheets
        .into_iter()
        .find(|s| s.id == batch.batch)
        .ok_or_else(no_sheet)?
        .records
        .unwrap_or_default();
    let at = usize::try_from(row).map_err(|e| e.to_string())?;
    let record = records
        .get(at)
        .ok_or_else(|| format!("the sheet has no record {}", at + 1))?;
    let sheet = hookgrid_flatfile::workbook::parse_sheet(&body, &batch.batch, true)
        .map_err(|e| e.message)?
        .ok_or_else(no_sheet)?;
    Ok(SentRow {
        row,
        part,
        position: at as u32 + 1,
        valid: sheet.valid.get(at).copied().unwrap_or(false),
        json: record.get().to_owned(),
        record: sheet.records.get(at).cloned(),
    })
}
