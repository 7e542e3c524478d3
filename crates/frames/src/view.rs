//! A [`View`]: which rows, a SQL filter, a search and a sort, applied to a batch frame.
//!
//! The SQL filter is parsed by Polars as a single expression. Polars' SQL can also read files
//! (`read_csv(…)` in a `FROM`), which an expression only reaches through a subquery, so any
//! `SELECT`/`FROM`-style keyword outside quotes is refused before Polars sees the text.

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use ts_rs::TS;

use crate::build::is_meta;
use crate::{FramesError, Result};

/// Which rows a view shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RowSet {
    #[default]
    All,
    Valid,
    Invalid,
}

impl std::str::FromStr for RowSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(RowSet::All),
            "valid" => Ok(RowSet::Valid),
            "invalid" => Ok(RowSet::Invalid),
            other => Err(format!("{other:?} is not one of all, valid, invalid")),
        }
    }
}

/// Sort by one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sort {
    pub column: String,
    #[serde(default)]
    pub descending: bool,
}

impl std::str::FromStr for Sort {
    type Err = String;
    /// `COL` or `COL:asc` or `COL:desc`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (column, descending) = match s.rsplit_once(':') {
            Some((c, "desc")) => (c, true),
            Some((c, "asc")) => (c, false),
            _ => (s, false),
        };
        if column.is_empty() {
            return Err("sort needs a column name, e.g. seats or seats:desc".to_owned());
        }
        Ok(Sort {
            column: column.to_owned(),
            descending,
        })
    }
}

/// Only rows that break the import's configuration: any rule, or a rule of one column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ErrorRows {
    /// Only errors in this column (a field key); `None`: any column.
    #[serde(default)]
    pub column: Option<String>,
}

/// What the grid shows and what an export writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct View {
    #[serde(default)]
    pub rows: RowSet,
    /// A SQL boolean expression over column names, e.g. `plan = 'team' AND seats > 10`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Case-insensitive text searched for in every data column.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub sort: Option<Sort>,
    /// Only rows with configuration errors. The rows come from outside the frame (see
    /// [`View::apply_with`]); the caller that knows the configuration resolves them.
    #[serde(default)]
    #[ts(optional)]
    pub errors: Option<ErrorRows>,
    /// Only rows a reviewer flagged. Like [`View::errors`], the rows come from outside the
    /// frame (the ledger's flags).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub flagged: bool,
}

/// The rows a view may be narrowed to that the frame does not hold: each `None` unless the
/// view asks for it (see [`View::apply_with`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outside {
    /// The `_row`s with configuration errors ([`View::errors`]).
    pub error_rows: Option<Vec<i64>>,
    /// The `_row`s reviewers flagged ([`View::flagged`]).
    pub flagged_rows: Option<Vec<i64>>,
}

/// Whether a row's `_row` is one of `rows`: a mask indexed by `_row` (rows past its end are
/// not), which costs one lookup per row where `is_in` over a long list costs far more.
pub(crate) fn rows_in(rows: &[i64]) -> Expr {
    let Some(&last) = rows.iter().max() else {
        return lit(false);
    };
    let mut mask = vec![false; usize::try_from(last).map_or(0, |l| l + 1)];
    for row in rows {
        if let Ok(row) = usize::try_from(*row) {
            mask[row] = true;
        }
    }
    lit(Series::new("rows".into(), mask)).gather(col("_row"), true)
}

/// The rows of `frame` whose `_row` is one of `rows`. The bounds come first so a batch file's
/// row groups outside them are not read at all (`_row` rises through the file).
pub fn only_rows(frame: LazyFrame, rows: &[i64]) -> LazyFrame {
    let (Some(&first), Some(&last)) = (rows.iter().min(), rows.iter().max()) else {
        return frame.filter(lit(false));
    };
    frame
        .filter(
            col("_row")
                .gt_eq(lit(first))
                .and(col("_row").lt_eq(lit(last))),
        )
        .filter(rows_in(rows))
}

impl View {
    /// Whether this view shows every row in batch order (nothing to evaluate).
    pub fn is_identity(&self) -> bool {
        self.rows == RowSet::All
            && blank(&self.filter).is_none()
            && blank(&self.search).is_none()
            && self.sort.is_none()
            && self.errors.is_none()
            && !self.flagged
    }

    /// Applies the view to a batch frame. Errors in the filter or unknown columns are found
    /// here, before any data is read. A view with [`View::errors`] or [`View::flagged`] needs
    /// [`View::apply_with`].
    pub fn apply(&self, frame: LazyFrame) -> Result<LazyFrame> {
        self.apply_with(frame, Outside::default())
    }

    /// [`View::apply`], keeping only the rows whose `_row` is in `outside`'s lists when the
    /// view asks for rows with errors or flagged rows.
    pub fn apply_with(&self, frame: LazyFrame, outside: Outside) -> Result<LazyFrame> {
        crate::route_library_warnings();
        let mut frame = frame;
        let schema = frame.collect_schema()?;
        match (self.flagged, outside.flagged_rows) {
            (false, _) => {}
            (true, Some(rows)) => frame = frame.filter(rows_in(&rows)),
            (true, None) => {
                return Err(FramesError::Filter(
                    "flagged rows need the import's flags".to_owned(),
                ));
            }
        }
        match (&self.errors, outside.error_rows) {
            (None, _) => {}
            (Some(_), Some(rows)) => frame = frame.filter(rows_in(&rows)),
            (Some(_), None) => {
                return Err(FramesError::Filter(
                    "rows with errors need the import's configuration".to_owned(),
                ));
            }
        }
        match self.rows {
            RowSet::All => {}
            RowSet::Valid => frame = frame.filter(col("_valid")),
            RowSet::Invalid => frame = frame.filter(col("_valid").not()),
        }
        if let Some(sql) = blank(&self.filter) {
            frame = frame.filter(filter_expr(sql, &schema)?);
        }
        if let Some(needle) = blank(&self.search) {
            frame = frame.filter(search_expr(needle, &schema)?);
        }
        if let Some(sort) = &self.sort {
            if !schema.contains(&sort.column) {
                return Err(unknown_column(&sort.column, &schema));
            }
            frame = frame.sort(
                [sort.column.as_str()],
                SortMultipleOptions::default()
                    .with_order_descending(sort.descending)
                    .with_nulls_last(true)
                    .with_maintain_order(true),
            );
        }
        // Resolving the schema checks every column the filter names.
        let mut checked = frame.clone();
        checked
            .collect_schema()
            .map_err(|e| filter_error(e, &schema))?;
        Ok(frame)
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a filter into a Polars expression, refusing anything but an expression.
fn filter_expr(sql: &str, schema: &Schema) -> Result<Expr> {
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize()
        .map_err(|e| FramesError::Sql(e.to_string()))?;
    for token in &tokens {
        if let Token::Word(word) = token
            && word.quote_style.is_none()
            && matches!(
                word.keyword,
                Keyword::SELECT | Keyword::FROM | Keyword::WITH | Keyword::VALUES | Keyword::TABLE
            )
        {
            return Err(FramesError::Sql(format!(
                "{} is not allowed: the filter is one expression over this batch's columns, \
                 e.g. plan = 'team' AND seats > 10",
                word.value.to_uppercase()
            )));
        }
        if matches!(token, Token::SemiColon) {
            return Err(FramesError::Sql(
                "';' is not allowed: the filter is one expression".to_owned(),
            ));
        }
    }
    let expr = polars::sql::sql_expr(sql).map_err(|e| FramesError::Sql(polars_message(&e)))?;
    if let Some(said) = comparisons::text_against_number(sql, schema) {
        return Err(FramesError::Filter(said));
    }
    for name in expr.clone().meta().root_names() {
        if !schema.contains(&name) {
            return Err(unknown_column(&name, schema));
        }
    }
    Ok(expr)
}

/// Any data column containing `needle`, ignoring case.
fn search_expr(needle: &str, schema: &Schema) -> Result<Expr> {
    let needle = needle.to_lowercase();
    let data: Vec<Expr> = schema
        .iter_names()
        .filter(|n| !is_meta(n.as_str()))
        .map(|n| {
            col(n.clone())
                .cast(DataType::String)
                .str()
                .to_lowercase()
                .str()
                .contains_literal(lit(needle.clone()))
                .fill_null(lit(false))
        })
        .collect();
    if data.is_empty() {
        return Ok(lit(false));
    }
    Ok(any_horizontal(data)?)
}

pub(crate) fn unknown_column(name: &str, schema: &Schema) -> FramesError {
    let available = schema
        .iter_names()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    FramesError::UnknownColumn {
        name: name.to_owned(),
        available,
    }
}

/// An error met while evaluating a view: type errors in the filter (text compared with a
/// number, …) only show up here, and are the user's to fix, not internal failures.
pub(crate) fn evaluation_error(e: PolarsError) -> FramesError {
    match e {
        // Reading the batch file failed: not the filter's fault.
        PolarsError::IO { .. } => FramesError::Polars(e),
        other => FramesError::Filter(readers_words(&polars_message(&other))),
    }
}

/// A message of Polars' about evaluating a filter, in its reader's words where there are
/// some: how to compare text with a number, what a failed cast met. Also for the messages of
/// the panics Polars raises on some of them (caught by the facade).
pub fn readers_words(message: &str) -> String {
    if message.starts_with("cannot compare string with numeric type") {
        return "a text column is compared with a number: compare it as a number with \
                CAST(column AS DOUBLE), or as text with the number in quotes"
            .to_owned();
    }
    failed_cast(message).unwrap_or_else(|| message.to_owned())
}

/// Polars' "conversion from `str` to `i32` failed in column 'name_min' for 1 out of 1 values:
/// ["a"]" in a reader's words: the column it names can be one of Polars' own (statistics
/// read ahead of the rows), so the values say what went wrong and the way out is TRY_CAST.
fn failed_cast(message: &str) -> Option<String> {
    let rest = message.strip_prefix("conversion from `")?;
    let (_, rest) = rest.split_once("` to `")?;
    let (to, rest) = rest.split_once('`')?;
    let values = rest.split_once("values: ").map(|(_, v)| v.trim());
    let wanted = match to {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" => "whole numbers",
        "f32" | "f64" => "numbers",
        "date" => "dates (YYYY-MM-DD)",
        t if t.starts_with("datetime") => "dates and times",
        "bool" => "true or false",
        _ => "of that type",
    };
    let such = values.map_or(String::new(), |v| format!(", such as {v}"));
    Some(format!(
        "a CAST failed: some values are not {wanted}{such}; TRY_CAST(column AS type) gives \
         null for those instead"
    ))
}

fn filter_error(e: PolarsError, schema: &Schema) -> FramesError {
    match e {
        PolarsError::ColumnNotFound(name) => {
            let name = name.to_string();
            let name = name.split('"').nth(1).unwrap_or(&name).to_owned();
            unknown_column(&name, schema)
        }
        other => FramesError::Filter(polars_message(&other)),
    }
}

/// Polars errors carry a kind prefix and sometimes a plan dump; keep the first line only.
pub(crate) fn polars_message(e: &PolarsError) -> String {
    let text = match e {
        PolarsError::SQLInterface(m)
        | PolarsError::SQLSyntax(m)
        | PolarsError::InvalidOperation(m)
        | PolarsError::ComputeError(m)
        | PolarsError::SchemaMismatch(m) => m.to_string(),
        other => other.to_string(),
    };
    text.lines().next().unwrap_or_default().trim().to_owned()
}

mod comparisons;
#[cfg(test)]
pub(crate) mod tests;
