//! One column of a view summarised, as a spreadsheet's filter list shows it: how many rows,
//! distinct values, empty (`""`) and missing (null) cells, and the most common values with
//! their counts. Computed by Polars over the whole view, not the rows a page holds.

use polars::prelude::*;
use serde::Serialize;
use ts_rs::TS;

use crate::Result;
use crate::page::json_value;
use crate::view::{evaluation_error, unknown_column};

/// A column of a view, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ColumnValues {
    pub column: String,
    /// Rows in the view.
    #[ts(type = "number")]
    pub rows: u64,
    /// Distinct values, not counting missing ones.
    #[ts(type = "number")]
    pub distinct: u64,
    /// Cells sent as `""`.
    #[ts(type = "number")]
    pub empty: u64,
    /// Cells missing or `null`.
    #[ts(type = "number")]
    pub missing: u64,
    /// The most common values first (ties in value order), missing ones as `null`.
    pub values: Vec<ValueCount>,
    /// Whether there are more values than `values` lists.
    pub more: bool,
}

/// One value of a column and how many rows hold it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ValueCount {
    #[ts(type = "unknown")]
    pub value: serde_json::Value,
    #[ts(type = "number")]
    pub count: u64,
}

const COUNT: &str = "__hookgrid_count";

/// Summarises `column` of `view`, listing at most `limit` values.
pub fn column_values(view: LazyFrame, column: &str, limit: usize) -> Result<ColumnValues> {
    let mut view = view;
    let schema = view.collect_schema()?;
    if schema.get(column).is_none() {
        return Err(unknown_column(column, &schema));
    }
    let cells = view
        .select([col(column)])
        .collect()
        .map_err(evaluation_error)?;
    let series = cells.column(column)?.as_materialized_series().clone();
    let missing = series.null_count() as u64;
    let empty = match series.str() {
        Ok(text) => text.iter().filter(|v| *v == Some("")).count() as u64,
        Err(_) => 0,
    };
    let counts = cells
        .lazy()
        .group_by([col(column)])
        .agg([len().alias(COUNT)])
        .sort_by_exprs(
            [col(COUNT), col(column)],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false])
                .with_nulls_last(true),
        )
        .collect()?;
    let groups = counts.height();
    let shown = counts.head(Some(limit));
    let value_column = shown.column(column)?;
    let count_column = shown.column(COUNT)?.cast(&DataType::UInt64)?;
    let count_values = count_column.u64()?;
    let values = (0..shown.height())
        .map(|i| ValueCount {
            value: value_column
                .get(i)
                .map_or(serde_json::Value::Null, |v| json_value(&v)),
            count: count_values.get(i).unwrap_or(0),
        })
        .collect();
    Ok(ColumnValues {
        column: column.to_owned(),
        rows: series.len() as u64,
        distinct: (groups - usize::from(missing > 0)) as u64,
        empty,
        missing,
        values,
        more: groups > limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_counted_over_the_whole_view() {
        let df = df!(
            "_row" => [0i64, 1, 2, 3, 4, 5],
            "plan" => [Some("team"), Some(""), None, Some("team"), Some("free"), Some("")],
            "seats" => [Some(3i64), Some(3), None, Some(5), Some(3), Some(5)]
        )
        .expect("df");
        let plan = column_values(df.clone().lazy(), "plan", 10).expect("plan");
        assert_eq!(
            (
                plan.rows,
                plan.distinct,
                plan.empty,
                plan.missing,
                plan.more
            ),
            (6, 3, 2, 1, false)
        );
        let listed: Vec<(serde_json::Value, u64)> = plan
            .values
            .iter()
            .map(|v| (v.value.clone(), v.count))
            .collect();
        assert_eq!(
            listed,
            [
                (serde_json::json!(""), 2),
                (serde_json::json!("team"), 2),
                (serde_json::json!("free"), 1),
                (serde_json::Value::Null, 1)
            ]
        );
        let seats = column_values(df.clone().lazy(), "seats", 1).expect("seats");
        assert_eq!((seats.distinct, seats.empty, seats.missing), (2, 0, 1));
        assert_eq!(
            seats.values,
            [ValueCount {
                value: serde_json::json!(3),
                count: 3
            }]
        );
        assert!(seats.more);
        // Over a view: only its rows count.
        let narrowed = df.clone().lazy().filter(col("_row").lt(lit(2i64)));
        let first_two = column_values(narrowed, "plan", 10).expect("view");
        assert_eq!(
            (first_two.rows, first_two.distinct, first_two.empty),
            (2, 2, 1)
        );
        assert!(matches!(
            column_values(df.lazy(), "nope", 10),
            Err(crate::FramesError::UnknownColumn { .. })
        ));
    }
}
