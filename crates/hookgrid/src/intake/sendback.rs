//! Rejections sent back: a configuration added with `--send-back` answers a workbook's submit
//! with the cells it rejects, in the shape Flatfile's `@flatfile/util-response-rejection`
//! reads (`{"rejections": {"id", "message", "sheets": [{"sheetId", "rejectedRecords": [{"id",
//! "values": [{"field", "message"}]}]}]}}`), so Flatfile marks them in the customer's screen.
//!
//! The answer is computed within the request, from the sheets as parsed (no file is read), and
//! bounded: it lists at most [`MAX_LISTED`] records across the workbook; past that its message
//! says how many more were rejected, and every one is still in Hookgrid's reasons.

use hookgrid_flatfile::workbook::{Sheet, Workbook};
use hookgrid_frames::{PartRows, Typing, Validity};
use hookgrid_ledger::{LedgerError, SentBack};
use hookgrid_rules::Config;
use serde_json::{Value, json};

use crate::Core;

/// The most records one answer lists (about 1 MB of JSON with a message or two each).
pub const MAX_LISTED: usize = 10_000;

impl Core {
    /// What each sheet of `workbook` sends back, in sheet order: `None` where no configuration
    /// with send-back applies (or it does not fit the sheet's fields).
    pub(crate) fn rejections(
        &self,
        workbook: &Workbook,
    ) -> Result<Vec<Option<SentBack>>, LedgerError> {
        // The configuration each sheet's import will be explained by (nobody has chosen one
        // yet), read first; the sheets are then checked side by side.
        let mut configs = Vec::with_capacity(workbook.sheets.len());
        for sheet in &workbook.sheets {
            let config = match self.ledger.config_for_sheet(sheet.slug.as_deref())? {
                Some((stored, _)) if stored.send_back => {
                    match Config::parse(stored.body.as_bytes()) {
                        Ok(parsed) => Some((stored.name, parsed)),
                        Err(e) => {
                            tracing::warn!(
                                "configuration {} cannot be read ({e}): nothing sent back",
                                stored.name
                            );
                            None
                        }
                    }
                }
                _ => None,
            };
            configs.push(config);
        }
        use rayon::prelude::*;
        let checked: Vec<Option<Vec<Value>>> = workbook
            .sheets
            .par_iter()
            .zip(&configs)
            .map(|(sheet, config)| {
                config
                    .as_ref()
                    .and_then(|(name, parsed)| rejected(sheet, parsed, name))
            })
            .collect();
        // Listed in sheet order, up to the bound across the workbook.
        let mut room = MAX_LISTED;
        Ok(checked
            .into_iter()
            .zip(&workbook.sheets)
            .zip(configs)
            .map(|((records, sheet), config)| {
                let (mut records, (name, _)) = records.zip(config)?;
                let rejected = records.len() as u64;
                records.truncate(room);
                room -= records.len();
                Some(SentBack {
                    config: name,
                    rejected,
                    listed: records.len() as u64,
                    answer: json!({"sheetId": sheet.id, "rejectedRecords": records}).to_string(),
                })
            })
            .collect())
    }
}

/// The records of `sheet` that `config` rejects, each `{"id", "values"}`; `None` when none is
/// (or the configuration does not fit the sheet).
fn rejected(sheet: &Sheet, config: &Config, name: &str) -> Option<Vec<Value>> {
    let columns: Vec<String> = sheet
        .rows
        .columns()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    // As for an import's reasons: a configuration chosen automatically that does not fit the
    // sheet's fields would invent reasons.
    if !hookgrid_rules::fit(config, &columns).fits {
        tracing::info!(sheet = %sheet.id, "configuration {name} does not fit the sheet: nothing sent back");
        return None;
    }
    let frame = hookgrid_frames::frame_with(
        vec![PartRows {
            number: 1,
            valid: Validity::Each(sheet.valid.clone()),
            rows: sheet.rows.clone(),
            records: None,
        }],
        Typing::Json,
    );
    let frame = match frame {
        Ok(frame) => frame,
        Err(e) => {
            tracing::warn!(sheet = %sheet.id, "cannot check the sheet ({e}): nothing sent back");
            return None;
        }
    };
    let report = hookgrid_rules::check(config, &frame);
    let mut records: Vec<Value> = Vec::new();
    let mut at = 0;
    while at < report.errors.len() {
        let row = report.errors[at].row;
        let mut values = Vec::new();
        while at < report.errors.len() && report.errors[at].row == row {
            if let Some(rule) = report.rules.get(report.errors[at].rule as usize) {
                values.push(json!({"field": rule.column, "message": rule.message}));
            }
            at += 1;
        }
        if let Some(id) = sheet.records.get(row as usize) {
            records.push(json!({"id": id, "values": values}));
        }
    }
    (!records.is_empty()).then_some(records)
}

/// The body a workbook's submit is answered with: `{}`, or Flatfile's rejection response
/// when a sheet's cells were rejected.
pub(crate) fn answer(workbook: &Workbook, sent: &[Option<SentBack>]) -> Value {
    let sheets: Vec<Value> = sent
        .iter()
        .flatten()
        .filter_map(|s| serde_json::from_str(&s.answer).ok())
        .collect();
    if sheets.is_empty() {
        return json!({});
    }
    let rejected: u64 = sent.iter().flatten().map(|s| s.rejected).sum();
    let listed: u64 = sent.iter().flatten().map(|s| s.listed).sum();
    let mut message = format!(
        "{rejected} {} did not pass the checks of the receiving system; the failing cells are \
         marked.",
        if rejected == 1 { "record" } else { "records" }
    );
    if listed < rejected {
        message.push_str(&format!(
            " {} more are not marked here (at most {MAX_LISTED} are).",
            rejected - listed
        ));
    }
    json!({"rejections": {"id": workbook.id, "message": message, "sheets": sheets}})
}
