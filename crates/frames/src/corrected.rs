//! Corrections over a batch frame: values a reviewer typed in place of what was sent, by row
//! (`_row`) and column. The frame as sent is never changed; a view of it is. A column keeps its
//! type when every correction in it reads as that type (a number in a number column); one that
//! does not (`"n/a"` in a number column) turns the column to text, as a sent value would have.

use std::collections::{BTreeMap, HashSet};

use polars::prelude::*;

use crate::{FramesError, Result};

/// One corrected cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The row's `_row`.
    pub row: i64,
    pub column: String,
    /// What the reviewer typed; empty is an empty cell (missing, in a column of numbers).
    pub value: String,
}

/// `frame` with `cells` in place of the values sent (the newest correction of a cell wins:
/// `cells` in the order they were made).
pub fn overlay(frame: LazyFrame, cells: &[Cell]) -> Result<LazyFrame> {
    overlay_rows(frame, cells, None)
}

/// [`overlay`] for a frame of only some of the batch's rows (`rows`): only their cells are put
/// in, while each column's type is decided by all of `cells`, exactly as [`overlay`] decides
/// it for the whole batch.
pub fn overlay_rows(
    frame: LazyFrame,
    cells: &[Cell],
    rows: Option<&HashSet<i64>>,
) -> Result<LazyFrame> {
    if cells.is_empty() {
        return Ok(frame);
    }
    let mut frame = frame;
    let schema = frame.collect_schema()?;
    let mut by_column: BTreeMap<&str, BTreeMap<i64, &str>> = BTreeMap::new();
    for cell in cells {
        by_column
            .entry(cell.column.as_str())
            .or_default()
            .insert(cell.row, cell.value.as_str());
    }
    let mut columns = Vec::with_capacity(by_column.len());
    for (name, cells) in by_column {
        let Some(dtype) = schema.get(name) else {
            return Err(unknown_data_column(name, &schema));
        };
        columns.push(corrected_column(name, dtype, &cells, rows)?);
    }
    frame = frame.with_columns(columns);
    Ok(frame)
}

/// The expression for column `name` with its corrected cells (those of `only`, when given).
fn corrected_column(
    name: &str,
    dtype: &DataType,
    cells: &BTreeMap<i64, &str>,
    only: Option<&HashSet<i64>>,
) -> Result<Expr> {
    // The column's type, from every corrected value in it.
    let texts = Series::new(name.into(), cells.values().copied().collect::<Vec<&str>>());
    let (values, as_text) = match dtype {
        DataType::String => (texts, false),
        _ => match typed(&texts, dtype)? {
            Some(typed) => (typed, false),
            None => (texts, true),
        },
    };
    let original = if as_text {
        col(name).cast(DataType::String)
    } else {
        col(name)
    };
    let applied: Vec<(usize, i64)> = cells
        .keys()
        .copied()
        .enumerate()
        .filter(|(_, row)| only.is_none_or(|o| o.contains(row)))
        .collect();
    // Each corrected value's position in `values`, at its `_row` less the first one's, read
    // off by each row's `_row`: spanning only the rows applied (a few, when only the rows
    // checked again are read) rather than every row before them.
    let rows: Vec<i64> = applied.iter().map(|(_, row)| *row).collect();
    let first = rows.iter().min().copied().unwrap_or(0).max(0);
    let last = rows.iter().max().copied().unwrap_or(0).max(first);
    let mut at: Vec<Option<IdxSize>> = vec![None; (last - first) as usize + 1];
    for (i, row) in &applied {
        if let Ok(slot) = usize::try_from(*row - first) {
            at[slot] = Some(*i as IdxSize);
        }
    }
    let at = IdxCa::from_iter_options("at".into(), at.into_iter()).into_series();
    // Rows before the first are cast to null (a non-strict cast), rows past the last are out
    // of bounds: neither has a position, and a row with a position is one of `rows`.
    let slot = (col("_row") - lit(first)).cast(IDX_DTYPE);
    let position = lit(at).gather(slot, true);
    Ok(when(position.clone().is_not_null())
        .then(lit(values).gather(position, true))
        .otherwise(original)
        .alias(name))
}

/// Column `name` of `frame` (a whole batch, already corrected) with one more corrected cell:
/// `value` at `_row` `row`. `None` when the value does not read as the column's type, so that
/// the whole column turns to text: then [`overlay`] it again from what was sent.
pub fn with_cell(frame: &DataFrame, name: &str, row: i64, value: &str) -> Result<Option<Column>> {
    let Some(dtype) = frame.schema().get(name).cloned() else {
        return Err(unknown_data_column(name, frame.schema()));
    };
    let text = Series::new(name.into(), [value]);
    let value = match dtype {
        DataType::String => text,
        _ => match typed(&text, &dtype)? {
            Some(typed) => typed,
            None => return Ok(None),
        },
    };
    let corrected = frame
        .clone()
        .lazy()
        .select([when(col("_row").eq(lit(row)))
            .then(lit(value).first())
            .otherwise(col(name))
            .alias(name)])
        .collect()?;
    Ok(Some(corrected.column(name)?.clone()))
}

/// A corrected column the batch does not have, naming its data columns (a meta column is
/// never corrected).
fn unknown_data_column(name: &str, schema: &Schema) -> FramesError {
    FramesError::UnknownColumn {
        name: name.to_owned(),
        available: crate::data_columns(schema).join(", "),
    }
}

/// `text` read as `dtype` (empty as missing), or `None` when a value does not read so.
fn typed(text: &Series, dtype: &DataType) -> Result<Option<Series>> {
    let blank_as_null: Series = text
        .str()?
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
        .collect::<StringChunked>()
        .with_name(text.name().clone())
        .into_series();
    let values = blank_as_null.str()?;
    let cast = match dtype {
        DataType::Boolean => values
            .iter()
            .map(|v| match v.map(str::to_ascii_lowercase).as_deref() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            })
            .collect::<BooleanChunked>()
            .into_series(),
        // Exactly the column's decimals, as the column was typed: "4.9" in a column of
        // "4.90"s is not silently rounded or padded.
        DataType::Decimal(_, scale) => {
            let scale = u8::try_from(*scale).unwrap_or(u8::MAX);
            Int128Chunked::from_iter_options(
                text.name().clone(),
                values
                    .iter()
                    .map(|v| v.and_then(|v| crate::decimal::parse(v, scale))),
            )
            .into_decimal_unchecked(crate::decimal::PRECISION, usize::from(scale))
            .into_series()
        }
        DataType::Int64 | DataType::Int32 | DataType::Float64 => match blank_as_null.cast(dtype) {
            Ok(cast) => cast,
            Err(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    // A value that did not read as the type comes back missing.
    let lost = (&blank_as_null.is_not_null() & &cast.is_null()).any();
    Ok((!lost).then(|| cast.with_name(text.name().clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> DataFrame {
        let price = Int128Chunked::from_iter_options(
            "price".into(),
            [Some(490i128), Some(-5), None].into_iter(),
        )
        .into_decimal_unchecked(crate::decimal::PRECISION, 2)
        .into_series();
        df!(
            "_row" => [0i64, 1, 2],
            "country" => ["DE", "Germany ", "FR"],
            "seats" => [Some(5i64), Some(1), None],
        )
        .expect("df")
        .hstack(&[price.into_column()])
        .expect("price")
    }

    fn cell(row: i64, column: &str, value: &str) -> Cell {
        Cell {
            row,
            column: column.into(),
            value: value.into(),
        }
    }

    fn corrected(cells: &[Cell]) -> DataFrame {
        overlay(batch().lazy(), cells)
            .expect("overlay")
            .collect()
            .expect("collect")
    }

    #[test]
    fn a_corrected_cell_keeps_its_column_s_type_when_it_reads_as_it() {
        let df = corrected(&[
            cell(1, "country", "Germany"),
            cell(2, "seats", "12"),
            cell(0, "seats", ""),
            cell(2, "price", "7.25"),
        ]);
        let country: Vec<Option<&str>> = df
            .column("country")
            .expect("as built")
            .str()
            .expect("as built")
            .iter()
            .collect();
        assert_eq!(country, [Some("DE"), Some("Germany"), Some("FR")]);
        let seats = df.column("seats").expect("as built");
        assert_eq!(seats.dtype(), &DataType::Int64);
        let seats: Vec<Option<i64>> = seats.i64().expect("as built").iter().collect();
        assert_eq!(
            seats,
            [None, Some(1), Some(12)],
            "empty is missing in a number column"
        );
        let price = df.column("price").expect("as built");
        assert!(
            matches!(price.dtype(), DataType::Decimal(_, _)),
            "{:?}",
            price.dtype()
        );
        let cents: Vec<Option<i128>> = price
            .decimal()
            .expect("as built")
            .physical()
            .iter()
            .collect();
        assert_eq!(cents, [Some(490), Some(-5), Some(725)]);
    }

    #[test]
    fn a_value_that_does_not_read_as_the_type_turns_the_column_to_text() {
        let df = corrected(&[cell(1, "seats", "n/a"), cell(0, "price", "4.9")]);
        let seats: Vec<Option<&str>> = df
            .column("seats")
            .expect("as built")
            .str()
            .expect("text now")
            .iter()
            .collect();
        assert_eq!(seats, [Some("5"), Some("n/a"), None]);
        // "4.9" in a column of two-decimal amounts is not rounded or padded into one.
        assert_eq!(
            df.column("price").expect("as built").dtype(),
            &DataType::String
        );
    }

    #[test]
    fn many_corrections_in_a_column_and_a_frame_of_some_rows_read_as_the_whole_does() {
        let n = 200i64;
        let frame = df!(
            "_row" => (0..n).collect::<Vec<i64>>(),
            "seats" => (0..n).collect::<Vec<i64>>(),
        )
        .expect("df");
        // More than are put in one by one, every third row; then one value that is not a
        // number, which makes the column text.
        let mut cells: Vec<Cell> = (0..n)
            .filter(|r| r % 3 == 0)
            .map(|r| cell(r, "seats", &(r * 10).to_string()))
            .collect();
        let seats = |df: &DataFrame| -> Vec<Option<i64>> {
            df.column("seats")
                .expect("seats")
                .i64()
                .expect("i64")
                .iter()
                .collect()
        };
        let whole = overlay(frame.clone().lazy(), &cells)
            .expect("overlay")
            .collect()
            .expect("collect");
        let want: Vec<Option<i64>> = (0..n)
            .map(|r| Some(if r % 3 == 0 { r * 10 } else { r }))
            .collect();
        assert_eq!(seats(&whole), want);
        // A frame of rows 3, 4 and 150 only, its column typed by every cell.
        let some: HashSet<i64> = [3, 4, 150].into();
        cells.push(cell(199, "seats", "n/a"));
        let part = crate::only_rows(frame.lazy(), &[3, 4, 150]);
        let part = overlay_rows(part, &cells, Some(&some))
            .expect("overlay")
            .collect()
            .expect("collect");
        let texts: Vec<Option<&str>> = part
            .column("seats")
            .expect("seats")
            .str()
            .expect("text, as the whole batch's column is")
            .iter()
            .collect();
        assert_eq!(texts, [Some("30"), Some("4"), Some("1500")]);
    }

    #[test]
    fn one_more_cell_keeps_the_column_s_type_or_says_it_would_turn_it_to_text() {
        let held = corrected(&[cell(1, "country", "Germany")]);
        let seats = with_cell(&held, "seats", 2, "12")
            .expect("read")
            .expect("a number in a number column");
        let seats: Vec<Option<i64>> = seats.i64().expect("still numbers").iter().collect();
        assert_eq!(seats, [Some(5), Some(1), Some(12)]);
        let country = with_cell(&held, "country", 0, "Deutschland")
            .expect("read")
            .expect("text");
        let country: Vec<Option<&str>> = country.str().expect("text").iter().collect();
        assert_eq!(country, [Some("Deutschland"), Some("Germany"), Some("FR")]);
        assert!(
            with_cell(&held, "seats", 0, "n/a").expect("read").is_none(),
            "the whole column turns to text: read again"
        );
        assert!(with_cell(&held, "colour", 0, "red").is_err());
    }

    #[test]
    fn the_newest_correction_of_a_cell_wins_and_an_unknown_column_is_refused() {
        let df = corrected(&[
            cell(1, "country", "Deutschland"),
            cell(1, "country", "Germany"),
        ]);
        assert_eq!(
            df.column("country")
                .expect("as built")
                .str()
                .expect("as built")
                .get(1),
            Some("Germany")
        );
        let Err(err) = overlay(batch().lazy(), &[cell(0, "colour", "red")]) else {
            panic!("a column the import does not have was corrected");
        };
        assert!(matches!(err, FramesError::UnknownColumn { .. }), "{err}");
        // No corrections: the frame as it was.
        assert!(corrected(&[]).equals_missing(&batch()));
    }
}
