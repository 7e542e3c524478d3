//! One page of a view, and its rows as JSON objects for the CLI and the UI.

use polars::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use ts_rs::TS;

use crate::Result;
use crate::view::evaluation_error;

/// Rows `offset..offset + limit` of a view, with the view's total row count.
#[derive(Debug, Clone)]
pub struct Page {
    /// Rows in the whole view (not just this page).
    pub total: usize,
    pub offset: usize,
    pub rows: DataFrame,
}

/// Evaluates one page of `view` (a frame with a [`crate::View`] applied).
pub fn page(view: LazyFrame, offset: usize, limit: usize) -> Result<Page> {
    let counted = view
        .clone()
        .select([len().alias("n")])
        .collect()
        .map_err(evaluation_error)?;
    let total = counted.column("n")?.get(0)?.extract::<u64>().unwrap_or(0) as usize;
    let rows = view
        .slice(offset as i64, limit.min(u32::MAX as usize) as IdxSize)
        .collect()
        .map_err(evaluation_error)?;
    Ok(Page {
        total,
        offset,
        rows,
    })
}

/// A column's name and the kind of values it holds, for the grid's headers and alignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ColumnInfo {
    pub name: String,
    pub kind: ColumnKind,
    /// One of the meta columns (`_row`, `_part`, `_valid`), not data: the UI takes the list
    /// from here rather than keeping its own.
    pub meta: bool,
}

/// The kinds of column a batch frame has (see the typing rules in `build`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ColumnKind {
    Int,
    Float,
    /// A number with a fixed number of decimals (money). Its values are sent as text with
    /// every decimal (`"4.90"`): a JSON number would drop the zero and round beyond 2^53.
    Decimal,
    Bool,
    Text,
}

impl Page {
    /// Names and kinds of the columns, in frame order.
    pub fn column_info(&self) -> Vec<ColumnInfo> {
        self.rows
            .columns()
            .iter()
            .map(|c| ColumnInfo {
                name: c.name().to_string(),
                meta: crate::is_meta(c.name().as_str()),
                kind: match c.dtype() {
                    DataType::Boolean => ColumnKind::Bool,
                    d if d.is_integer() => ColumnKind::Int,
                    d if d.is_float() => ColumnKind::Float,
                    DataType::Decimal(_, _) => ColumnKind::Decimal,
                    _ => ColumnKind::Text,
                },
            })
            .collect()
    }

    /// The page's rows as arrays of JSON values in column order: the compact form the grid
    /// is sent.
    pub fn json_arrays(&self) -> Vec<Vec<Value>> {
        let columns = self.rows.columns();
        (0..self.rows.height())
            .map(|i| columns.iter().map(|c| cell(c, i)).collect())
            .collect()
    }

    /// Column names, in frame order.
    pub fn columns(&self) -> Vec<String> {
        self.rows
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect()
    }

    /// The `_row` of each row of the page (its position in the import).
    pub fn row_numbers(&self) -> Vec<i64> {
        self.rows
            .column("_row")
            .and_then(|c| c.i64().cloned())
            .map(|c| c.into_no_null_iter().collect())
            .unwrap_or_default()
    }

    /// The page's rows as JSON objects, keys in column order.
    pub fn json_rows(&self) -> Vec<Map<String, Value>> {
        json_rows(&self.rows)
    }
}

/// A frame's rows as JSON objects, keys in column order.
pub fn json_rows(df: &DataFrame) -> Vec<Map<String, Value>> {
    let columns = df.columns();
    (0..df.height())
        .map(|i| {
            columns
                .iter()
                .map(|c| (c.name().to_string(), cell(c, i)))
                .collect()
        })
        .collect()
}

fn cell(column: &Column, row: usize) -> Value {
    column.get(row).map_or(Value::Null, |v| json_value(&v))
}

/// A cell as JSON: numbers and booleans as themselves, decimals and anything else as text.
pub fn json_value(v: &AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_owned()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(x) => Value::from(*x),
        AnyValue::Int16(x) => Value::from(*x),
        AnyValue::Int32(x) => Value::from(*x),
        AnyValue::Int64(x) => Value::from(*x),
        AnyValue::UInt8(x) => Value::from(*x),
        AnyValue::UInt16(x) => Value::from(*x),
        AnyValue::UInt32(x) => Value::from(*x),
        AnyValue::UInt64(x) => Value::from(*x),
        AnyValue::Float32(x) => {
            serde_json::Number::from_f64(f64::from(*x)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
        AnyValue::Decimal(v, _, scale) => Value::String(crate::decimal::text(*v, *scale)),
        other => Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_holds_its_slice_and_the_view_total() {
        let df = df!("_row" => [0i64, 1, 2, 3, 4], "name" => [Some("a"), None, Some("c"), Some("d"), Some("e")])
            .expect("df");
        let view = df.lazy().filter(col("_row").neq(lit(2i64)));
        let p = page(view, 1, 2).expect("page");
        assert_eq!(p.total, 4);
        assert_eq!(p.columns(), ["_row", "name"]);
        assert_eq!(
            Value::Array(p.json_rows().into_iter().map(Value::Object).collect()),
            json!([{"_row": 1, "name": null}, {"_row": 3, "name": "d"}])
        );
        assert_eq!(
            p.json_arrays(),
            [[json!(1), Value::Null], [json!(3), json!("d")]]
        );
        assert_eq!(
            p.column_info(),
            [
                ColumnInfo {
                    name: "_row".into(),
                    kind: ColumnKind::Int,
                    meta: true
                },
                ColumnInfo {
                    name: "name".into(),
                    kind: ColumnKind::Text,
                    meta: false
                }
            ]
        );
        let past_end = page(df!("a" => [1i64]).expect("df").lazy(), 5, 10).expect("page");
        assert_eq!((past_end.total, past_end.rows.height()), (1, 0));
    }
}
