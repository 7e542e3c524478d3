//! Property test: whatever rows Flatfile may send, a stored import reads back exactly.
//!
//! Arbitrary column names (unicode, empty, very long, named like the meta columns) and
//! values of each JSON kind, and text that may or may not read as a number (as real
//! deliveries send every cell), with missing keys and nulls, split over parts posted out of
//! order, go through the facade (parse → SQLite ledger → frame → Parquet file) and are
//! exported to Parquet and CSV and read back with real readers. Every value must come back as
//! sent, under its name (meta-like names under `<name>_data`): a typed column's values print
//! back as the text that was sent, and an "as sent" export returns every value's text.

use std::collections::HashSet;

use hookgrid::{Event, ExportSettings, Hookgrid, View, sample};
use hookgrid_tests::{names, text};
use polars::prelude::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Float,
    Bool,
    Text,
    /// Strings that often look like numbers or booleans, exactly or nearly.
    NumberText,
}

#[derive(Debug, Clone)]
struct Import {
    columns: Vec<(String, Kind)>,
    /// Per row, per column: `None` leaves the key out (or sends null, by `explicit_null`).
    rows: Vec<Vec<Option<Value>>>,
    explicit_null: bool,
    /// How many of the rows are valid (the rest are invalid).
    valid: usize,
    parts: usize,
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,7}",
        "\\PC{0,12}",
        Just(String::new()),
        Just("_valid".to_owned()),
        Just("_row".to_owned()),
        Just("_part".to_owned()),
        Just("k".repeat(300)),
        Just("a.b[0]".to_owned()),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Int),
        Just(Kind::Float),
        Just(Kind::Bool),
        Just(Kind::Text),
        Just(Kind::NumberText),
    ]
}

fn value(kind: Kind) -> BoxedStrategy<Value> {
    match kind {
        Kind::Int => any::<i64>().prop_map(Value::from).boxed(),
        Kind::Float => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f))
            .boxed(),
        Kind::Bool => any::<bool>().prop_map(Value::from).boxed(),
        Kind::Text => "\\PC{0,24}".prop_map(Value::from).boxed(),
        Kind::NumberText => prop_oneof![
            4 => "-?[1-9][0-9]{0,5}",
            2 => "-?[0-9]{1,3}\\.[0-9]{1,3}",
            1 => "-?[0-9]{19,21}",
            1 => "9007199254740[0-9]{3}",
            1 => "true|false|TRUE|True",
            2 => Just(String::new()),
            1 => "0|-0|0[0-9]{1,3}|\\+[0-9]|[0-9]e[0-9]| [0-9]|[0-9]\\.|\\.[0-9]|inf|NaN",
        ]
        .prop_map(Value::from)
        .boxed(),
    }
}

/// The type a text column must have: the one every non-empty value reads back exactly as
/// (parsed, then printed, it is the same text), Int64 before Float64; else String.
fn expected_type(sent: &[&str]) -> DataType {
    let filled: Vec<&str> = sent.iter().copied().filter(|s| !s.is_empty()).collect();
    let int = |s: &str| s.parse::<i64>().is_ok_and(|i| i.to_string() == s);
    let float = |s: &str| {
        s.parse::<f64>()
            .is_ok_and(|f| f.is_finite() && f.to_string() == s)
    };
    if filled.is_empty() {
        DataType::String
    } else if filled.iter().all(|s| int(s)) {
        DataType::Int64
    } else if filled.iter().all(|s| float(s)) {
        DataType::Float64
    } else if filled.iter().all(|s| *s == "true" || *s == "false") {
        DataType::Boolean
    } else if let Some(scale) = one_scale(&filled) {
        // Money: every value with the same number of decimals, which no float prints back.
        DataType::Decimal(38, scale)
    } else {
        DataType::String
    }
}

/// The number of decimals every value has, when each is a plain decimal (`-`, digits without a
/// leading zero, `.`, digits) of at most 38 digits that is not a negative zero.
fn one_scale(values: &[&str]) -> Option<usize> {
    let scale_of = |s: &str| -> Option<usize> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, fraction) = digits.split_once('.')?;
        let plain = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        let canonical = whole == "0" || (plain(whole) && !whole.starts_with('0'));
        let negative_zero = s.starts_with('-') && digits.bytes().all(|b| b == b'0' || b == b'.');
        (canonical && plain(fraction) && whole.len() + fraction.len() <= 38 && !negative_zero)
            .then_some(fraction.len())
    };
    let first = scale_of(values.first()?)?;
    values
        .iter()
        .all(|v| scale_of(v) == Some(first))
        .then_some(first)
}

/// A typed value printed back as text; `None` for null.
fn printed(column: &Column, row: usize) -> Option<String> {
    match column.get(row).expect("value") {
        AnyValue::Null => None,
        AnyValue::Int64(i) => Some(i.to_string()),
        AnyValue::Float64(f) => Some(f.to_string()),
        AnyValue::Boolean(b) => Some(b.to_string()),
        AnyValue::String(s) => Some(s.to_owned()),
        AnyValue::Decimal(v, _, scale) => {
            let digits = format!("{:0>width$}", v.unsigned_abs(), width = scale + 1);
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            let sign = if v < 0 { "-" } else { "" };
            Some(format!("{sign}{whole}.{fraction}"))
        }
        other => Some(format!("unexpected {other:?}")),
    }
}

/// A CSV file's header and records, read by a strict RFC 4180 reader (Polars' own CSV reader
/// mis-reads a quoted header that starts with a doubled quote, which the writer produces
/// correctly).
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).expect("open csv");
    let names = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader.records().collect::<Result<_, _>>().expect("records");
    (names, rows)
}

fn import() -> impl Strategy<Value = Import> {
    prop::collection::vec((name(), kind()), 1..6)
        .prop_map(|mut columns| {
            let mut seen = HashSet::new();
            // Meta-like names are renamed `<name>_data`: keep that name free for the rename.
            columns.retain(|(n, _)| !n.ends_with("_data") && seen.insert(n.clone()));
            columns
        })
        .prop_flat_map(|columns| {
            let row = columns
                .iter()
                .map(|(_, k)| prop::option::weighted(0.8, value(*k)))
                .collect::<Vec<_>>();
            (
                Just(columns),
                prop::collection::vec(row, 1..12),
                any::<bool>(),
                any::<prop::sample::Index>(),
                1usize..4,
            )
        })
        .prop_map(|(columns, rows, explicit_null, valid, parts)| Import {
            valid: valid.index(rows.len() + 1),
            parts: parts.min(rows.len()),
            columns,
            rows,
            explicit_null,
        })
}

impl Import {
    fn object(&self, row: &[Option<Value>]) -> Value {
        let mut o = Map::new();
        for ((name, _), v) in self.columns.iter().zip(row) {
            match v {
                Some(v) => {
                    o.insert(name.clone(), v.clone());
                }
                None if self.explicit_null => {
                    o.insert(name.clone(), Value::Null);
                }
                None => {}
            }
        }
        Value::Object(o)
    }

    /// Part bodies: rows are dealt to parts in order, valid rows first within each part.
    fn bodies(&self) -> (Vec<Vec<u8>>, Vec<usize>) {
        let per = self.rows.len().div_ceil(self.parts);
        let mut order = Vec::new();
        let mut bodies = Vec::new();
        for (p, chunk) in (0..self.rows.len())
            .collect::<Vec<_>>()
            .chunks(per)
            .enumerate()
        {
            let (valid, invalid): (Vec<usize>, Vec<usize>) =
                chunk.iter().partition(|&&i| i < self.valid);
            order.extend(&valid);
            order.extend(&invalid);
            let rows = |ix: &[usize]| {
                Value::Array(ix.iter().map(|&i| self.object(&self.rows[i])).collect())
            };
            let count = self.rows.len().div_ceil(per) as u32;
            bodies.push(sample::request_body(
                "prop",
                "prop",
                p as u32 + 1,
                count,
                rows(&valid),
                rows(&invalid),
            ));
        }
        (bodies, order)
    }
}

fn stored_name(name: &str) -> String {
    if ["_row", "_part", "_valid"].contains(&name) {
        format!("{name}_data")
    } else {
        name.to_owned()
    }
}

fn round_trip(import: &Import) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("dir");
    let hg = Hookgrid::open(dir.path()).expect("open");
    let mut events = hg.subscribe();
    let (bodies, order) = import.bodies();
    // Out of order: last part first.
    for body in bodies.iter().rev() {
        let receipt = hg.ingest(body);
        prop_assert!(receipt.is_ok(), "refused: {:?}", receipt.err());
    }
    loop {
        match events.blocking_recv() {
            Ok(Event::BatchReady { .. }) => break,
            Ok(Event::BatchFailed { message, .. }) => {
                return Err(TestCaseError::fail(format!("batch failed: {message}")));
            }
            Ok(_) => {}
            Err(e) => return Err(TestCaseError::fail(format!("events: {e}"))),
        }
    }
    let batch = hg.resolve("prop").expect("batch");
    let parquet = dir.path().join("out.parquet");
    let csv = dir.path().join("out.csv");
    let meta = ExportSettings {
        meta: true,
        ..ExportSettings::default()
    };
    hg.export(&batch, &View::default(), &parquet, meta)
        .expect("export parquet");
    hg.export(&batch, &View::default(), &csv, meta)
        .expect("export csv");
    let as_sent = ExportSettings {
        as_sent: true,
        ..meta
    };
    let parquet_as_sent = dir.path().join("as-sent.parquet");
    let csv_as_sent = dir.path().join("as-sent.csv");
    hg.export(&batch, &View::default(), &parquet_as_sent, as_sent)
        .expect("export parquet as sent");
    hg.export(&batch, &View::default(), &csv_as_sent, as_sent)
        .expect("export csv as sent");
    let read_parquet = |path: &std::path::Path| {
        ParquetReader::new(std::fs::File::open(path).expect("open"))
            .finish()
            .expect("read parquet")
    };
    let pq = read_parquet(&parquet);
    let pq_sent = read_parquet(&parquet_as_sent);
    let (cs_names, cs_rows) = read_csv(&csv);
    let (cs_sent_names, cs_sent_rows) = read_csv(&csv_as_sent);
    prop_assert_eq!(pq.height(), import.rows.len());
    prop_assert_eq!(cs_rows.len(), import.rows.len());
    // Data columns in the order their keys were first seen, in batch order; a key that was
    // never sent makes no column.
    let mut expected_names: Vec<String> = ["_row", "_part", "_valid"].map(str::to_owned).to_vec();
    for &i in &order {
        for (c, (name, _)) in import.columns.iter().enumerate() {
            let sent = import.rows[i][c].is_some() || import.explicit_null;
            if sent && !expected_names.contains(&stored_name(name)) {
                expected_names.push(stored_name(name));
            }
        }
    }
    prop_assert_eq!(names(&pq), expected_names.clone());
    prop_assert_eq!(cs_names.clone(), expected_names.clone());
    prop_assert_eq!(names(&pq_sent), expected_names.clone());
    prop_assert_eq!(cs_sent_names, expected_names.clone());

    let valid: Vec<Option<bool>> = order.iter().map(|&i| Some(i < import.valid)).collect();
    let got: Vec<Option<bool>> = pq
        .column("_valid")
        .expect("_valid")
        .bool()
        .expect("bool")
        .iter()
        .collect();
    prop_assert_eq!(got, valid);

    let csv_field = |names: &[String], rows: &[csv::StringRecord], name: &str| -> Vec<String> {
        let at = names.iter().position(|n| n == name).expect("csv column");
        rows.iter().map(|r| r[at].to_owned()).collect()
    };
    for (c, (name, kind)) in import.columns.iter().enumerate() {
        let stored = stored_name(name);
        if !expected_names.contains(&stored) {
            continue;
        }
        let sent: Vec<Option<&Value>> = order.iter().map(|&i| import.rows[i][c].as_ref()).collect();
        // As sent: every value is the text of what was posted (a string's value, any other
        // JSON value's text); CSV has no null, so null is an empty field there.
        let sent_text: Vec<Option<String>> = sent
            .iter()
            .map(|v| match v {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
            })
            .collect();
        prop_assert_eq!(
            text(&pq_sent, &stored),
            sent_text.clone(),
            "{} (as sent)",
            stored
        );
        let csv_sent: Vec<String> = sent_text
            .iter()
            .cloned()
            .map(Option::unwrap_or_default)
            .collect();
        prop_assert_eq!(
            csv_field(&cs_names, &cs_sent_rows, &stored),
            csv_sent,
            "{} (csv as sent)",
            stored
        );

        let column = pq.column(&stored).expect("column");
        if sent.iter().all(Option::is_none) {
            prop_assert_eq!(column.null_count(), column.len(), "{} is all null", stored);
            continue;
        }
        match kind {
            Kind::Int => {
                let got: Vec<Option<i64>> = column.i64().expect("Int64").iter().collect();
                let want: Vec<Option<i64>> =
                    sent.iter().map(|v| v.and_then(Value::as_i64)).collect();
                prop_assert_eq!(got, want, "{}", stored);
            }
            Kind::Float => {
                let got: Vec<Option<f64>> = column.f64().expect("Float64").iter().collect();
                let want: Vec<Option<f64>> =
                    sent.iter().map(|v| v.and_then(Value::as_f64)).collect();
                prop_assert_eq!(got, want, "{}", stored);
            }
            Kind::Bool => {
                let got: Vec<Option<bool>> = column.bool().expect("Boolean").iter().collect();
                let want: Vec<Option<bool>> =
                    sent.iter().map(|v| v.and_then(Value::as_bool)).collect();
                prop_assert_eq!(got, want, "{}", stored);
            }
            Kind::Text | Kind::NumberText => {
                let strings: Vec<&str> = sent.iter().flatten().filter_map(|v| v.as_str()).collect();
                let dtype = expected_type(&strings);
                prop_assert_eq!(column.dtype(), &dtype, "{} from {:?}", stored, strings);
                if dtype != DataType::String {
                    // Typed: each value prints back as the text sent, "" as null.
                    let want: Vec<Option<String>> = sent_text
                        .iter()
                        .map(|t| t.clone().filter(|t| !t.is_empty()))
                        .collect();
                    let got: Vec<Option<String>> =
                        (0..column.len()).map(|r| printed(column, r)).collect();
                    prop_assert_eq!(got, want, "{} (typed)", stored);
                    continue;
                }
                prop_assert_eq!(
                    text(&pq, &stored),
                    sent_text.clone(),
                    "{} (parquet)",
                    stored
                );
                let want: Vec<String> = sent_text
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect();
                prop_assert_eq!(
                    csv_field(&cs_names, &cs_rows, &stored),
                    want,
                    "{} (csv)",
                    stored
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("HOOKGRID_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_import_reads_back_exactly(import in import()) {
        round_trip(&import)?;
    }
}
