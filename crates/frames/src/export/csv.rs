//! CSV export: UTF-8, header row, RFC 4180 quoting; nulls are empty fields. A CSV for people
//! starts with a byte-order mark and disarms formulas (see [`CsvFor`]).

use std::borrow::Cow;
use std::io::Write;

use polars::prelude::*;

use super::CsvFor;
use crate::Result;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn write(df: &mut DataFrame, csv: CsvFor, mut sink: impl Write) -> Result<()> {
    if csv != CsvFor::Programs {
        sink.write_all(BOM).map_err(PolarsError::from)?;
    }
    if csv == CsvFor::People {
        disarm(df)?;
    }
    CsvWriter::new(sink).include_header(true).finish(df)?;
    Ok(())
}

/// Writes a leading `'` before each text cell a spreadsheet would run as a formula.
fn disarm(df: &mut DataFrame) -> PolarsResult<()> {
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let column = df.column(name.as_str())?.str()?.clone();
        if !column.iter().flatten().any(runs_as_formula) {
            continue;
        }
        let disarmed: StringChunked = column.apply_values(|cell| {
            if runs_as_formula(cell) {
                Cow::Owned(format!("'{cell}"))
            } else {
                Cow::Borrowed(cell)
            }
        });
        df.with_column(disarmed.into_series().with_name(name).into_column())?;
    }
    Ok(())
}

/// Whether a spreadsheet would take `cell` for a formula: it starts with one of OWASP's
/// characters and is not simply a number (`-5`, `+1.5e3` stay as they are).
pub(crate) fn runs_as_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.trim().parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_disarmed_and_numbers_kept() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1+2",
            "@SUM(1)",
            "-2+3",
            "\tx",
            "\rx",
            "=1",
        ] {
            assert!(runs_as_formula(cell), "{cell}");
        }
        for cell in ["-5", "+1.5e3", "-0.25", "plain", "a=b", "", "  =x"] {
            assert!(!runs_as_formula(cell), "{cell}");
        }
    }
}
