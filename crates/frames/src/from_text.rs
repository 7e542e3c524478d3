//! The values as sent, recovered from a typed frame.
//!
//! The typed frame types a text column only when every non-empty value prints back exactly as
//! it was sent (`"55"`, `"1.5"`, `"true"`; see [`hookgrid_flatfile::Shape`]). So printing the
//! typed values again gives the text that arrived, and the frame the importer's validators
//! need ([`crate::Typing::Json`]: `"55"` is text) can be read from the batch file instead of
//! parsing every stored body again. The batch file records which columns were typed from text
//! in its metadata. One thing does not come back: `""` in a typed column was stored as null.

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::decimal::Shown;

/// The data columns of a typed frame that were typed from text (by their names in the frame).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FromText(pub Vec<String>);

impl FromText {
    /// The file metadata key that holds the list, as JSON.
    pub(crate) const KEY: &'static str = "hookgrid.typed_from_text";

    /// `frame` (typed) as [`crate::Typing::Json`] builds it from the same bodies: each column
    /// typed from text is text again, each value printed back as sent, except that `""` is
    /// null.
    pub fn json_typed(&self, mut frame: DataFrame) -> Result<DataFrame> {
        let printed: Vec<Column> = self
            .0
            .par_iter()
            .filter_map(|name| frame.column(name).ok())
            .map(printed)
            .collect::<PolarsResult<_>>()?;
        for column in printed {
            frame.with_column(column)?;
        }
        Ok(frame)
    }
}

/// A typed column as the text it was read from. Floats print as Rust prints them (`5`, not
/// `5.0`), decimals with their scale (`4.90`): the form the typing required of every value.
fn printed(column: &Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    Ok(match column.dtype() {
        DataType::Int64 => print(name, column.i64()?.iter()),
        DataType::Float64 => print(name, column.f64()?.iter()),
        DataType::Boolean => print(name, column.bool()?.iter()),
        DataType::Decimal(_, scale) => {
            let values = column.decimal()?.physical().iter();
            print(name, values.map(|v| v.map(|v| Shown(v, *scale))))
        }
        _ => column.clone(),
    })
}

fn print<T: std::fmt::Display>(
    name: PlSmallStr,
    values: impl ExactSizeIterator<Item = Option<T>>,
) -> Column {
    use std::fmt::Write;
    let mut builder = StringChunkedBuilder::new(name, values.len());
    let mut text = String::new();
    for value in values {
        match value {
            Some(v) => {
                text.clear();
                let _ = write!(text, "{v}");
                builder.append_value(&text);
            }
            None => builder.append_null(),
        }
    }
    builder.finish().into_column()
}
