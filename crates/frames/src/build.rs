//! Parts → one DataFrame.
//!
//! Row order: parts by number; within a part, valid rows then invalid rows (the order the
//! parser already keeps). A column's type is decided across the whole batch: Int64 when
//! every non-null value is an integer, Float64 when all are numbers, Boolean when all are
//! booleans. Otherwise the column is text, and since real deliveries send every cell as a
//! string, a text column whose every non-empty value reads back exactly as an integer, a
//! number or a boolean (see [`hookgrid_flatfile::Shape`]) takes that type, with `""` as null;
//! any other column is String with every value exactly as sent (numbers and booleans that
//! were JSON values appear as their JSON text). [`Typing::AsSent`] builds every data column as
//! String instead, for exports that must return each value as it arrived.
//!
//! A data column whose name is a meta column's (`_row`, `_part`, `_valid`) is renamed to
//! `<name>_data` (then `_data2`, …) so that neither is lost.

use std::collections::{HashMap, HashSet};

use hookgrid_flatfile::{Rows, Shape, Values};
use polars::prelude::*;

use crate::Result;

/// Meta columns, always first: position in the batch, sequence index, validity.
pub const META_COLUMNS: [&str; 3] = ["_row", "_part", "_valid"];

/// One part's rows, ready to be joined into a batch.
#[derive(Debug)]
pub struct PartRows {
    /// The part's number, from 1 (whatever base its `event.sequence.index` used): the value
    /// of `_part`, and the order of parts.
    pub number: u32,
    /// How many of `rows` (the first ones) are valid.
    pub valid: usize,
    pub rows: Rows,
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
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Int,
    Float,
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

/// Builds the batch frame, typed. Parts are sorted by number; each part's columns are
/// released as soon as they are copied, so peak memory stays near one copy of the batch.
pub fn frame(parts: Vec<PartRows>) -> Result<DataFrame> {
    frame_with(parts, Typing::Typed)
}

/// [`frame`] with a choice of [`Typing`].
pub fn frame_with(mut parts: Vec<PartRows>, typing: Typing) -> Result<DataFrame> {
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
        .flat_map(|p| (0..p.rows.len()).map(move |i| i < p.valid))
        .collect();
    columns.push(Column::new("_valid".into(), valid));

    let mut taken: HashSet<String> = META_COLUMNS.iter().map(|s| s.to_string()).collect();
    taken.extend(order.iter().map(|(n, _)| n.clone()));
    for (name, kind) in &order {
        let kind = match (typing, *kind) {
            (Typing::AsSent, _) => Kind::Text,
            (Typing::Typed, Kind::Text) => text_kind(name, &parts),
            (Typing::Typed, kind) => kind,
        };
        // Take this column out of every part (an absent column is all nulls there).
        let chunks: Vec<(usize, Option<Values>)> = parts
            .iter_mut()
            .map(|p| {
                let len = p.rows.len();
                (len, p.rows.take_column(name))
            })
            .collect();
        let out_name = if META_COLUMNS.contains(&name.as_str()) {
            let renamed = free_name(name, &taken);
            taken.insert(renamed.clone());
            renamed
        } else {
            name.clone()
        };
        columns.push(column(out_name.into(), kind, chunks, height));
    }
    Ok(DataFrame::new(height, columns)?)
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
mod tests {
    use super::*;
    use hookgrid_flatfile::parse;
    use serde_json::json;

    pub(crate) fn part(
        index: u32,
        valid: serde_json::Value,
        invalid: serde_json::Value,
    ) -> PartRows {
        let body = hookgrid_flatfile::sample::request_body("e", "b", index, 9, valid, invalid);
        let p = parse(&body).expect("valid");
        PartRows {
            number: index,
            valid: p.envelope.valid_rows as usize,
            rows: p.rows,
        }
    }

    fn strings(df: &DataFrame, c: &str) -> Vec<Option<String>> {
        df.column(c)
            .expect(c)
            .str()
            .expect("str")
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    }

    #[test]
    fn text_that_reads_back_as_a_number_or_boolean_is_typed() {
        let df = frame(vec![
            part(
                1,
                json!([{"h": "55", "w": "1.5", "ok": "true", "zip": "00123", "p": "1.50",
                        "e": "", "mix": "5", "big": "12345678901234567890"}]),
                json!([{"h": "", "w": "2", "ok": "", "zip": "7", "p": "2", "e": "", "mix": 6,
                        "big": "1"}]),
            ),
            part(
                2,
                json!([{"h": "-3", "w": "", "ok": "false", "zip": "", "p": "", "e": null,
                        "mix": null, "big": ""}]),
                json!([]),
            ),
        ])
        .expect("frame");
        let dtype = |c: &str| df.column(c).expect(c).dtype().clone();
        assert_eq!(dtype("h"), DataType::Int64);
        assert_eq!(dtype("w"), DataType::Float64);
        assert_eq!(dtype("ok"), DataType::Boolean);
        assert_eq!(dtype("mix"), DataType::Int64, "a JSON 6 beside a text 5");
        for text in ["zip", "p", "e", "big"] {
            assert_eq!(dtype(text), DataType::String, "{text}");
        }
        let h: Vec<_> = df
            .column("h")
            .expect("h")
            .i64()
            .expect("i64")
            .iter()
            .collect();
        assert_eq!(
            h,
            [Some(55), None, Some(-3)],
            "\"\" is null in a typed column"
        );
        let w: Vec<_> = df
            .column("w")
            .expect("w")
            .f64()
            .expect("f64")
            .iter()
            .collect();
        assert_eq!(w, [Some(1.5), Some(2.0), None]);
        let ok: Vec<_> = df
            .column("ok")
            .expect("ok")
            .bool()
            .expect("b")
            .iter()
            .collect();
        assert_eq!(ok, [Some(true), None, Some(false)]);
        // Text columns keep "" and every value exactly.
        assert_eq!(
            strings(&df, "zip"),
            [Some("00123".into()), Some("7".into()), Some(String::new())]
        );
        assert_eq!(
            strings(&df, "e"),
            [Some(String::new()), Some(String::new()), None]
        );
    }

    #[test]
    fn as_sent_keeps_every_data_column_as_text() {
        let df = frame_with(
            vec![part(1, json!([{"h": "55", "n": 7, "b": true}]), json!([]))],
            Typing::AsSent,
        )
        .expect("frame");
        assert_eq!(strings(&df, "h"), [Some("55".into())]);
        assert_eq!(strings(&df, "n"), [Some("7".into())]);
        assert_eq!(strings(&df, "b"), [Some("true".into())]);
        assert_eq!(df.column("_valid").expect("v").dtype(), &DataType::Boolean);
    }

    #[test]
    fn rows_follow_part_order_then_valid_before_invalid() {
        let df = frame(vec![
            part(2, json!([{"n": "c"}]), json!([{"n": "d"}])),
            part(1, json!([{"n": "a"}]), json!([{"n": "b"}])),
        ])
        .expect("frame");
        let names: Vec<_> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names, ["_row", "_part", "_valid", "n"]);
        let n: Vec<_> = df
            .column("n")
            .expect("n")
            .str()
            .expect("str")
            .iter()
            .collect();
        assert_eq!(n, [Some("a"), Some("b"), Some("c"), Some("d")]);
        let valid: Vec<_> = df
            .column("_valid")
            .expect("v")
            .bool()
            .expect("bool")
            .iter()
            .collect();
        assert_eq!(valid, [Some(true), Some(false), Some(true), Some(false)]);
        let parts: Vec<_> = df
            .column("_part")
            .expect("p")
            .i32()
            .expect("i32")
            .iter()
            .collect();
        assert_eq!(parts, [Some(1), Some(1), Some(2), Some(2)]);
        let rows: Vec<_> = df
            .column("_row")
            .expect("r")
            .i64()
            .expect("i64")
            .iter()
            .collect();
        assert_eq!(rows, [Some(0), Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn types_are_decided_across_the_batch() {
        let df = frame(vec![
            part(
                1,
                json!([{"i": 1, "f": 1, "b": true, "s": 5, "z": "00123", "nul": null}]),
                json!([]),
            ),
            part(
                2,
                json!([{"i": null, "f": 2.5, "b": false, "s": "x", "z": "7"}]),
                json!([]),
            ),
        ])
        .expect("frame");
        let dtype = |c: &str| df.column(c).expect(c).dtype().clone();
        assert_eq!(dtype("i"), DataType::Int64);
        assert_eq!(dtype("f"), DataType::Float64);
        assert_eq!(dtype("b"), DataType::Boolean);
        assert_eq!(dtype("s"), DataType::String);
        assert_eq!(dtype("z"), DataType::String);
        assert_eq!(dtype("nul"), DataType::String);
        let s: Vec<_> = df
            .column("s")
            .expect("s")
            .str()
            .expect("str")
            .iter()
            .collect();
        assert_eq!(s, [Some("5"), Some("x")]);
        let z: Vec<_> = df
            .column("z")
            .expect("z")
            .str()
            .expect("str")
            .iter()
            .collect();
        assert_eq!(z, [Some("00123"), Some("7")]);
    }

    #[test]
    fn data_columns_named_like_meta_columns_are_renamed_not_dropped() {
        let df = frame(vec![part(
            1,
            json!([{"_valid": "yes", "_row": 9, "_valid_data": 1}]),
            json!([]),
        )])
        .expect("frame");
        let names: Vec<_> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "_row",
                "_part",
                "_valid",
                "_valid_data2",
                "_row_data",
                "_valid_data"
            ]
        );
        let v: Vec<_> = df
            .column("_valid_data2")
            .expect("c")
            .str()
            .expect("str")
            .iter()
            .collect();
        assert_eq!(v, [Some("yes")]);
    }

    #[test]
    fn an_empty_batch_is_an_empty_frame_with_meta_columns() {
        let df = frame(vec![part(1, json!([]), json!([]))]).expect("frame");
        assert_eq!(df.height(), 0);
        assert_eq!(df.width(), 3);
    }
}
