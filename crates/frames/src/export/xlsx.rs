//! Excel export for people who hand a file to a customer: the header row frozen with an
//! autofilter, invalid rows tinted, and, when the rows come with their configuration errors,
//! each failing cell red with its message as a note. One sheet holds at most 1,048,575 rows.

use std::collections::HashMap;
use std::io::Write;

use polars::prelude::*;
use rust_xlsxwriter::{Color, Format, Note, Workbook, Worksheet, XlsxError};

use crate::{FramesError, Result};

/// Data rows an `.xlsx` sheet can hold (its 1,048,576 rows less the header).
pub const MAX_ROWS: usize = 1_048_575;

/// Marked cells by `_row`: each a column and a text.
pub type ByRow = HashMap<i64, Vec<(String, String)>>;

/// What a sheet marks on cells, by `_row`: each entry a column and a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellMarks {
    /// Failing cells: red, their messages as the cell's note.
    pub failing: ByRow,
    /// Other notes (a corrected cell's value as sent): the cell keeps its colour.
    pub notes: ByRow,
}

impl CellMarks {
    /// Every marked cell's column name, to rename with the headers.
    pub fn columns_mut(&mut self) -> impl Iterator<Item = &mut String> {
        self.failing
            .values_mut()
            .chain(self.notes.values_mut())
            .flatten()
            .map(|(column, _)| column)
    }
}

/// Writes `df` (with its `_row` and `_valid` columns, used for marks and left out unless in
/// `shown`) to `sink`. `shown` are the columns written, in order.
pub(super) fn write(
    df: &DataFrame,
    shown: &[PlSmallStr],
    mut sink: impl Write,
    marks: Option<&CellMarks>,
) -> Result<()> {
    let xlsx = |e: XlsxError| FramesError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("Rows").map_err(xlsx)?;
    let header = Format::new().set_bold();
    let tint = Format::new().set_background_color(Color::RGB(0xFDECEC));
    let bad = Format::new()
        .set_background_color(Color::RGB(0xF8B4B4))
        .set_font_color(Color::RGB(0x9B1C1C));
    // One sequential iterator per column: far cheaper than looking each cell up.
    let columns: Vec<Series> = shown
        .iter()
        .map(|name| Ok(df.column(name)?.as_materialized_series().rechunk()))
        .collect::<PolarsResult<_>>()?;
    // Widths first: a sheet written row by row gives its columns' widths before its rows.
    for (c, width) in widths(shown, &columns).into_iter().enumerate() {
        sheet.set_column_width(c as u16, width).map_err(xlsx)?;
    }
    // A decimal column shows every decimal it was sent with (`4.90`, not `4.9`): its cells
    // carry a number format, plain, tinted and red.
    let decimals: Vec<Option<[Format; 3]>> = columns
        .iter()
        .map(|column| match column.dtype() {
            DataType::Decimal(_, scale) if *scale > 0 => {
                let shown = format!("0.{}", "0".repeat(*scale));
                Some([&Format::new(), &tint, &bad].map(|f| f.clone().set_num_format(&shown)))
            }
            _ => None,
        })
        .collect();
    let mut values: Vec<_> = columns.iter().map(Series::iter).collect();
    for (c, name) in shown.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, name.as_str(), &header)
            .map_err(xlsx)?;
    }
    let rows = df.column("_row").ok().and_then(|c| c.i64().ok().cloned());
    let valid = df
        .column("_valid")
        .ok()
        .and_then(|c| c.bool().ok().cloned());
    for i in 0..df.height() {
        let r = (i + 1) as u32;
        let invalid = valid.as_ref().and_then(|v| v.get(i)) == Some(false);
        let row = rows.as_ref().and_then(|c| c.get(i));
        let of_row = |by: &'_ ByRow| -> Vec<(String, String)> {
            row.and_then(|row| by.get(&row))
                .cloned()
                .unwrap_or_default()
        };
        let (failing, noted) = match marks {
            Some(m) => (of_row(&m.failing), of_row(&m.notes)),
            None => (Vec::new(), Vec::new()),
        };
        for (c, column) in values.iter_mut().enumerate() {
            let value = column.next().unwrap_or(AnyValue::Null);
            let messages: Vec<&str> = if failing.is_empty() {
                Vec::new()
            } else {
                failing
                    .iter()
                    .filter(|(col, _)| col == shown[c].as_str())
                    .map(|(_, m)| m.as_str())
                    .collect()
            };
            let format = match (&decimals[c], !messages.is_empty(), invalid) {
                (Some([_, _, bad]), true, _) => Some(bad),
                (Some([_, tint, _]), false, true) => Some(tint),
                (Some([plain, _, _]), false, false) => Some(plain),
                (None, true, _) => Some(&bad),
                (None, false, true) => Some(&tint),
                (None, false, false) => None,
            };
            cell(sheet, r, c as u16, &value, format).map_err(xlsx)?;
            // A cell has one note: its failures first, then anything else said of it.
            let mut note = messages;
            note.extend(
                noted
                    .iter()
                    .filter(|(col, _)| col == shown[c].as_str())
                    .map(|(_, m)| m.as_str()),
            );
            if !note.is_empty() {
                sheet
                    .insert_note(
                        r,
                        c as u16,
                        &Note::new(note.join("\n")).add_author_prefix(false),
                    )
                    .map_err(xlsx)?;
            }
        }
    }
    let last_col = shown.len().saturating_sub(1) as u16;
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    sheet
        .autofilter(0, 0, df.height() as u32, last_col)
        .map_err(xlsx)?;
    // The workbook is a zip, which its writer seeks in: it is put together in memory.
    let bytes = workbook.save_to_buffer().map_err(xlsx)?;
    sink.write_all(&bytes).map_err(|source| FramesError::Io {
        path: "the .xlsx file".into(),
        source,
    })
}

/// Rows looked at to size a column: enough to see what a column holds, cheap on a million.
const WIDTH_SAMPLE: usize = 1_000;
/// Column widths, in characters: no narrower than a short header needs, and no wider than a
/// screen can spare for one column (a column of long notes stays readable, the rest in view).
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;

/// Each column's width: its header and its longest value among the first rows, with a little
/// room for the autofilter's button, capped.
fn widths(shown: &[PlSmallStr], columns: &[Series]) -> Vec<f64> {
    shown
        .iter()
        .zip(columns)
        .map(|(name, column)| {
            let longest = column
                .iter()
                .take(WIDTH_SAMPLE)
                .map(|v| match v {
                    AnyValue::Null => 0,
                    AnyValue::String(s) => s.chars().count(),
                    AnyValue::StringOwned(s) => s.chars().count(),
                    AnyValue::Decimal(v, _, scale) => crate::decimal::text(v, scale).len(),
                    other => other.to_string().chars().count(),
                })
                .max()
                .unwrap_or(0);
            // The header is bold and carries the filter's button: two more.
            let header = name.chars().count() + 2;
            (longest.max(header) as f64 + 1.0).clamp(MIN_WIDTH, MAX_WIDTH)
        })
        .collect()
}

/// One value, as a number, a boolean or text (nulls are left blank, tinted when the row is).
/// A cell without a format is written without one: most cells, and hashing a format to find
/// its index costs more than writing the cell.
fn cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &AnyValue<'_>,
    format: Option<&Format>,
) -> std::result::Result<(), XlsxError> {
    enum Plain<'a> {
        Bool(bool),
        Text(&'a str),
        Owned(String),
        Number(f64),
    }
    let plain = match value {
        AnyValue::Null => {
            if let Some(format) = format {
                sheet.write_blank(row, col, format)?;
            }
            return Ok(());
        }
        AnyValue::Boolean(b) => Plain::Bool(*b),
        AnyValue::String(s) => Plain::Text(s),
        AnyValue::StringOwned(s) => Plain::Text(s.as_str()),
        // As for integers: digits a spreadsheet number would lose are kept as text.
        AnyValue::Decimal(v, _, scale) if v.unsigned_abs() > 1 << 53 => {
            Plain::Owned(crate::decimal::text(*v, *scale))
        }
        AnyValue::Decimal(v, _, scale) => Plain::Number(*v as f64 / 10f64.powi(*scale as i32)),
        other => match other.extract::<f64>() {
            // Integers beyond 2^53 lose digits in a spreadsheet number: kept as text.
            Some(n)
                if other
                    .extract::<i64>()
                    .is_none_or(|i| i.unsigned_abs() <= 1 << 53) =>
            {
                Plain::Number(n)
            }
            _ => Plain::Owned(other.to_string()),
        },
    };
    match (plain, format) {
        (Plain::Bool(b), None) => sheet.write_boolean(row, col, b)?,
        (Plain::Bool(b), Some(f)) => sheet.write_boolean_with_format(row, col, b, f)?,
        (Plain::Text(s), None) => sheet.write_string(row, col, s)?,
        (Plain::Text(s), Some(f)) => sheet.write_string_with_format(row, col, s, f)?,
        (Plain::Owned(s), None) => sheet.write_string(row, col, s)?,
        (Plain::Owned(s), Some(f)) => sheet.write_string_with_format(row, col, s, f)?,
        (Plain::Number(n), None) => sheet.write_number(row, col, n)?,
        (Plain::Number(n), Some(f)) => sheet.write_number_with_format(row, col, n, f)?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fit_the_header_and_values_within_bounds() {
        let df = df!(
            "id" => [1i64, 22],
            "note" => ["short", &"x".repeat(500)],
            "city" => ["München", "東京"],
            "a_long_header_name" => [Some("a"), None]
        )
        .expect("df");
        let shown: Vec<PlSmallStr> = df.get_column_names_owned();
        let columns: Vec<Series> = shown
            .iter()
            .map(|n| {
                df.column(n)
                    .expect("column")
                    .as_materialized_series()
                    .clone()
            })
            .collect();
        // "id": the floor; "note": the cap; "city": characters, not bytes; the last: its
        // header with room for the filter's button.
        assert_eq!(
            widths(&shown, &columns),
            [MIN_WIDTH, MAX_WIDTH, 7.0 + 1.0, 18.0 + 2.0 + 1.0]
        );
    }
}
