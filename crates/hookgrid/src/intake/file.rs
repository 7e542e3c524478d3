//! Flatfile files, for teams that pull data with Flatfile's API instead of having it pushed: a
//! workbook as the webhook-egress plugin posts it, or a records response for one sheet (named
//! by the caller), imported exactly as if it had been posted to the webhook: stored, deduplicated
//! and explained the same way.

use hookgrid_flatfile::workbook::{is_workbook, records_as_workbook};

use crate::api::Caller;
use crate::{Error, Hookgrid, IngestError, Result, SheetReceipt};

impl Hookgrid {
    /// Imports a Flatfile file: a workbook (`{"workbook": …}`), or with `sheet` a records
    /// response (`{"data": {"records": […]}}`) as that sheet. Returns each sheet's import.
    pub fn import_flatfile(
        &self,
        body: &[u8],
        sheet: Option<&str>,
        caller: &Caller,
    ) -> Result<Vec<SheetReceipt>> {
        let wrapped;
        let body = match (is_workbook(body), sheet) {
            (true, None) => body,
            (true, Some(_)) => {
                return Err(Error::BadRequest(
                    "this file is a workbook, which names its own sheets: import it without a \
                     sheet name"
                        .to_owned(),
                ));
            }
            (false, Some(sheet)) => {
                wrapped = records_as_workbook(body, sheet).map_err(|e| {
                    Error::BadRequest(format!(
                        "not a Flatfile records response ({{\"data\": {{\"records\": […]}}}}): {}",
                        e.message
                    ))
                })?;
                &wrapped
            }
            (false, None) => {
                return Err(Error::BadRequest(
                    "not a Flatfile workbook ({\"workbook\": …}); a records response \
                     ({\"data\": {\"records\": […]}}) needs the sheet's name"
                        .to_owned(),
                ));
            }
        };
        let receipt = self.ingest(body).map_err(|e| match e {
            IngestError::Rejected {
                message,
                quarantine_id,
                ..
            } => Error::BadRequest(format!(
                "{message} (kept as rejected request #{quarantine_id})"
            )),
            IngestError::TooLarge(n) => Error::BadRequest(format!("larger than {n} bytes")),
            IngestError::Storage(e) => Error::Ledger(e),
        })?;
        let sheets = receipt.workbook.map(|w| w.sheets).unwrap_or_default();
        let names: Vec<&str> = sheets.iter().map(|s| s.batch.as_str()).collect();
        self.record(
            &caller.name,
            "import",
            &format!("workbook {} (sheets {})", receipt.event, names.join(", ")),
        );
        Ok(sheets)
    }
}
