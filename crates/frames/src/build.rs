//! Parts → one DataFrame.
//!
//! Row order: parts by number; within a part, valid rows then invalid rows (the order the
//! parser already keeps). A column's type is decided across the whole batch: Int64 when
//! every non-null value is an integer, Float64 when all are numbers, Boolean when all are
//! booleans. Otherwise the column is text, and since real deliveries send every cell as a
//! string, a text column whose every non-empty value reads back exactly as an integer, a
//! number or a boolean (see [`hookgrid_flatfile::Shape`]) takes that type, with `""` as null;
//! a text column whose every non-empty value has the same number of decimals (money:
//! `"2815711.30"`, which no float prints back) is a Decimal of that scale; any other column is String with every value exactly as sent (numbers and booleans that
//! were JSON values appear as their JSON text). [`Typing::AsSent`] builds every data column as
//! String instead, for exports that must return each value as it arrived.
//!
//! A data column whose name is a meta column's (`_row`, `_part`, `_valid`) is renamed to
//! `<name>_data` (then `_data2`, …) so that neither is lost.

use std::collections::{HashMap, HashSet};

use hookgrid_flatfile::{Decimals, Rows, Shape, Values};
use polars::prelude::*;
use rayon::prelude::*;

use crate::from_text::FromText;
use crate::{Result, decimal};

/// Meta columns, always first: position in the batch, sequence index, validity.
pub const META_COLUMNS: [&str; 3] = ["_row", "_part", "_valid"];

/// The meta column of a Flatfile Platform sheet's import: each row's record id. Only imports
/// whose parts carry record ids have it.
pub const RECORD_COLUMN: &str = "_record";

/// Whether `name` is a meta column's (a data column sent under such a name is renamed).
pub fn is_meta(name: &str) -> bool {
    META_COLUMNS.contains(&name) || name == RECORD_COLUMN
}

/// The data columns of a batch frame's schema, in order: every column but the meta ones.
pub fn data_columns(schema: &Schema) -> Vec<String> {
    schema
        .iter_names()
        .filter(|n| !is_meta(n.as_str()))
        .map(|n| n.to_string())
        .collect()
}

/// One part's rows, ready to be joined into a batch.
#[derive(Debug)]
pub struct PartRows {
    /// The part's number, from 1 (whatever base its `event.sequence.index` used): the value
    /// of `_part`, and the order of parts.
    pub number: u32,
    /// Which of `rows` are valid.
    pub valid: Validity,
    pub rows: Rows,
    /// Each row's record id (a Flatfile Platform sheet), for the `_record` column.
    pub records: Option<Vec<String>>,
}

/// Which rows of a part are valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validity {
    /// The first this many (Portal 2.0 sends `validRows`, then `invalidRows`).
    First(usize),
    /// Each row's own, in row order (a Flatfile Platform sheet keeps its records' order).
    Each(Vec<bool>),
}

impl Validity {
    /// Whether row `i` of the part is valid (a row past an `Each` list is not).
    pub fn of(&self, i: usize) -> bool {
        match self {
            Validity::First(n) => i < *n,
            Validity::Each(each) => each.get(i).copied().unwrap_or(false),
        }
    }
}

/// How data columns are typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Typing {
    /// By the rules above: JSON types, and text that reads back exactly as a number or boolean.
    #[default]
    Typed,
    /// Every data column is String, each value the text it was sent as (parse the bodies with
    /// [`hookgrid_flatfile::parse_as_sent`] so numbers keep their JSON text too).
    AsSent,
    /// By JSON type only: strings stay String even when they read as numbers (`"55"` is
    /// text), as the importer's validators saw them. A column mixing types is String.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Int,
    Float,
    /// A decimal of this scale (see [`crate::decimal`]).
    Decimal(u8),
    Bool,
    Text,
}

fn kind(values: &Values) -> Kind {
    match values {
        Values::Null(_) => Kind::Null,
        Values::Int(_) => Kind::Int,
        Values::Float(_) => Kind::Float,
        Values::Bool(_) => Kind::Bool,
        Values::Text(_) => Kind::Text,
    }
}

fn unify(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        (x, y) if x == y => x,
        (Kind::Null, x) | (x, Kind::Null) => x,
        (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
        _ => Kind::Text,
    }
}

/// A typed batch frame, and which of its data columns were typed from text.
#[derive(Debug)]
pub struct Typed {
    pub frame: DataFrame,
    pub from_text: FromText,
}

/// Builds the batch frame, typed. Parts are sorted by number; each part's columns are
/// released as soon as they are copied, so peak memory stays near one copy of the batch.
pub fn frame(parts: Vec<PartRows>) -> Result<Typed> {
    let (frame, from_text) = build(parts, Typing::Typed)?;
    Ok(Typed { frame, from_text })
}

/// [`frame`] with a choice of [`Typing`].
pub fn frame_with(parts: Vec<PartRows>, typing: Typing) -> Result<DataFrame> {
    Ok(build(parts, typing)?.0)
}

fn build(mut parts: Vec<PartRows>, typing: Typing) -> Result<(DataFrame, FromText)> {
    parts.sort_by_key(|p| p.number);
    let height: usize = parts.iter().map(|p| p.rows.len()).sum();

    // Data columns in first-seen order across parts, with their unified kind.
    let mut order: Vec<(String, Kind)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for part in &parts {
        for column in part.rows.columns() {
            match position.get(&column.name) {
                Some(&i) => order[i].1 = unify(order[i].1, kind(&column.values)),
                None => {
                    position.insert(column.name.clone(), order.len());
                    order.push((column.name.clone(), kind(&column.values)));
                }
            }
        }
    }

    let mut columns = Vec::with_capacity(META_COLUMNS.len() + order.len());
    columns.push(Column::new(
        "_row".into(),
        (0..height as i64).collect::<Vec<i64>>(),
    ));
    let part_of_row: Vec<i32> = parts
        .iter()
        .flat_map(|p| std::iter::repeat_n(p.number as i32, p.rows.len()))
        .collect();
    columns.push(Column::new("_part".into(), part_of_row));
    let valid: Vec<bool> = parts
        .iter()
        .flat_map(|p| (0..p.rows.len()).map(move |i| p.valid.of(i)))
        .collect();
    columns.push(Column::new("_valid".into(), valid));
    if parts.iter().any(|p| p.records.is_some()) {
        let records: Vec<Option<&str>> = parts
            .iter()
            .flat_map(|p| {
                let ids = p.records.as_deref().unwrap_or_default();
                (0..p.rows.len()).map(move |i| ids.get(i).map(String::as_str))
            })
            .collect();
        columns.push(Column::new(RECORD_COLUMN.into(), records));
    }

    let mut taken: HashSet<String> = META_COLUMNS.iter().map(|s| s.to_string()).collect();
    taken.insert(RECORD_COLUMN.to_owned());
    taken.extend(order.iter().map(|(n, _)| n.clone()));
    let kinds: Vec<Kind> = order
        .par_iter()
        .map(|(name, kind)| match (typing, *kind) {
            (Typing::AsSent, _) => Kind::Text,
            (Typing::Json, kind) => kind,
            (Typing::Typed, Kind::Text) => text_kind(name, &parts),
            (Typing::Typed, kind) => kind,
        })
        .collect();
    // Each column taken out of every part (an absent column is all nulls there): moves, not
    // copies, so the parts' memory goes as the columns are built.
    let mut pending = Vec::with_capacity(order.len());
    let mut from_text = Vec::new();
    for ((name, sent), kind) in order.iter().zip(kinds) {
        let chunks: Vec<(usize, Option<Values>)> = parts
            .iter_mut()
            .map(|p| {
                let len = p.rows.len();
                (len, p.rows.take_column(name))
            })
            .collect();
        let out_name = if is_meta(name) {
            let renamed = free_name(name, &taken);
            taken.insert(renamed.clone());
            renamed
        } else {
            name.clone()
        };
        if *sent == Kind::Text && kind != Kind::Text {
            from_text.push(out_name.clone());
        }
        pending.push((out_name, kind, chunks));
    }
    // Columns are independent: built side by side.
    let built: Vec<Column> = pending
        .into_par_iter()
        .map(|(name, kind, chunks)| column(name.into(), kind, chunks, height))
        .collect();
    columns.extend(built);
    Ok((DataFrame::new(height, columns)?, FromText(from_text)))
}

/// The type of a column that is text somewhere: the type every non-empty value reads back
/// exactly as, across all parts, else text.
fn text_kind(name: &str, parts: &[PartRows]) -> Kind {
    let shape = parts
        .iter()
        .filter_map(|p| p.rows.columns().iter().find(|c| c.name == name))
        .fold(Shape::EMPTY, |shape, c| {
            shape.and(match &c.values {
                Values::Text(t) => t.shape(),
                Values::Null(_) => Shape::EMPTY,
                // Mixed with text elsewhere: measured by the JSON text it would print as.
                other => other.to_text().shape(),
            })
        });
    if !shape.is_typed() {
        Kind::Text
    } else if shape.ints {
        Kind::Int
    } else if shape.numbers {
        Kind::Float
    } else if let Decimals::Exactly(scale) = shape.decimals {
        Kind::Decimal(scale)
    } else {
        Kind::Bool
    }
}

/// A text value of a typed column: `""` is null; anything else was measured by its shape.
fn parsed<T: std::str::FromStr>(value: Option<&str>) -> Option<T> {
    value.filter(|v| !v.is_empty())?.parse().ok()
}

fn text_values<T: std::str::FromStr>(text: &hookgrid_flatfile::Text) -> Vec<Option<T>> {
    text.iter().map(parsed).collect()
}

fn free_name(name: &str, taken: &HashSet<String>) -> String {
    let mut candidate = format!("{name}_data");
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}_data{n}");
        n += 1;
    }
    candidate
}

fn column(
    name: PlSmallStr,
    kind: Kind,
    chunks: Vec<(usize, Option<Values>)>,
    height: usize,
) -> Column {
    match kind {
        Kind::Int => Column::new(
            name,
            gather(chunks, height, |v| match v {
                Values::Int(v) => Some(v),
                Values::Text(t) => Some(text_values(&t)),
                _ => None,
            }),
        ),
        Kind::Float => Column::new(
            name,
            gather(chunks, height, |v| match v {
                Values::Float(v) => Some(v),
                Values::Int(v) => Some(v.into_iter().map(|x| x.map(|x| x as f64)).collect()),
                Values::Text(t) => Some(text_values(&t)),
                _ => None,
            }),
        ),
        Kind::Decimal(scale) => {
            let parsed = |t: &hookgrid_flatfile::Text| -> Vec<Option<i128>> {
                t.iter().map(|v| decimal::parse(v?, scale)).collect()
            };
            // A part that sent JSON numbers here was measured by their text, and is read by it.
            let values = gather(chunks, height, |v| match v {
                Values::Null(_) => None,
                Values::Text(t) => Some(parsed(&t)),
                other => Some(parsed(&other.to_text())),
            });
            Int128Chunked::from_iter_options(name, values.into_iter())
                .into_decimal_unchecked(decimal::PRECISION, usize::from(scale))
                .into_column()
        }
        Kind::Bool => Column::new(
            name,
            gather(chunks, height, |v| match v {
                Values::Bool(v) => Some(v),
                Values::Text(t) => Some(text_values(&t)),
                _ => None,
            }),
        ),
        Kind::Null | Kind::Text => {
            let mut builder = StringChunkedBuilder::new(name, height);
            for (len, values) in chunks {
                match values {
                    Some(Values::Text(t)) => t.iter().for_each(|v| builder.append_option(v)),
                    Some(Values::Null(_)) | None => (0..len).for_each(|_| builder.append_null()),
                    Some(other) => other
                        .to_text()
                        .iter()
                        .for_each(|v| builder.append_option(v)),
                }
            }
            builder.finish().into_column()
        }
    }
}

/// Joins one typed column across parts; `typed` gives a part's values in the column's type,
/// or `None` for a part where the column is all nulls (or absent).
fn gather<T: Clone>(
    chunks: Vec<(usize, Option<Values>)>,
    height: usize,
    typed: impl Fn(Values) -> Option<Vec<Option<T>>>,
) -> Vec<Option<T>> {
    let mut out = Vec::with_capacity(height);
    for (len, values) in chunks {
        match values.and_then(&typed) {
            Some(v) => out.extend(v),
            None => out.resize(out.len() + len, None),
        }
    }
    out
}

#[cfg(test)]
mod tests;
