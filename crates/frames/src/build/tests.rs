use super::*;
use hookgrid_flatfile::parse;
use serde_json::json;

pub(crate) fn part(index: u32, valid: serde_json::Value, invalid: serde_json::Value) -> PartRows {
    let body = hookgrid_flatfile::sample::request_body("e", "b", index, 9, valid, invalid);
    let p = parse(&body).expect("valid");
    PartRows {
        number: index,
        valid: Validity::First(p.envelope.valid_rows as usize),
        rows: p.rows,
        records: None,
    }
}

/// The typed frame alone.
fn frame(parts: Vec<PartRows>) -> Result<DataFrame> {
    Ok(super::frame(parts)?.frame)
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

/// Cells of every kind a column can be typed from: text that reads back as a number or a
/// boolean, `""`, nulls, JSON numbers mixed with text, floats Rust prints without `.0`, `-0`,
/// integers beyond 2^53, and a data column named like a meta column.
fn tricky_parts() -> Vec<PartRows> {
    vec![
        part(
            1,
            json!([
                {"n": "55", "f": "1.5", "i": "5", "b": "true", "_row": "7", "mix": 3, "big": "9007199254740993"},
                {"n": "", "f": "-0", "b": "", "_row": "8", "mix": "4", "big": "1"}
            ]),
            json!([{"n": null, "f": "2", "i": "-12", "b": "false", "_row": "", "mix": 1.5, "t": "0055"}]),
        ),
        part(
            2,
            json!([{"n": "-3", "f": "1e3x", "i": "0", "mix": "2.25"}]),
            json!([{"n": "7", "i": "x", "big": "-9007199254740993"}]),
        ),
    ]
}

#[test]
fn the_values_as_sent_come_back_from_the_typed_frame() {
    let typed = super::frame(tricky_parts()).expect("typed");
    let mut from_text = typed.from_text.0.clone();
    from_text.sort();
    // `f` holds "1e3x" and `i` holds "x": plain text, never typed.
    assert_eq!(from_text, ["_row_data", "b", "big", "mix", "n"]);
    let back = typed
        .from_text
        .json_typed(typed.frame)
        .expect("printed back");
    let sent = frame_with(tricky_parts(), Typing::Json).expect("as the validators see it");
    assert_eq!(back.get_column_names(), sent.get_column_names());
    for column in sent.columns() {
        let name = column.name().as_str();
        let got = back.column(name).expect(name);
        assert_eq!(got.dtype(), column.dtype(), "{name}");
        if column.dtype() == &DataType::String {
            // The one difference: `""` in a typed column was stored as null.
            let expected: Vec<Option<String>> = strings(&sent, name)
                .into_iter()
                .map(|v| v.filter(|v| !(v.is_empty() && from_text.iter().any(|c| c == name))))
                .collect();
            assert_eq!(strings(&back, name), expected, "{name}");
        } else {
            assert!(got.equals_missing(column), "{name}");
        }
    }
}

#[test]
fn money_is_a_decimal_that_sorts_compares_and_prints_back_as_sent() {
    let revenue = [
        "2815711.30",
        "999969.37",
        "4900000.00",
        "",
        "-0.05",
        "4900000.01",
    ];
    let rows: Vec<serde_json::Value> = revenue
        .iter()
        .map(|r| json!({"annual_revenue": r, "mixed": "1.50", "name": "n"}))
        .collect();
    let mut typed = super::frame(vec![
        part(1, json!(rows[..4]), json!([])),
        // A later part that sent a JSON number of the same scale, and another scale for `mixed`.
        part(
            2,
            json!([{"annual_revenue": rows[4]["annual_revenue"], "mixed": "1.5"},
                   {"annual_revenue": 4900000.01, "mixed": "2.25"}]),
            json!([]),
        ),
    ])
    .expect("frame");
    let df = &typed.frame;
    assert_eq!(
        df.column("annual_revenue").expect("column").dtype(),
        &DataType::Decimal(crate::decimal::PRECISION, 2)
    );
    assert_eq!(
        df.column("mixed").expect("column").dtype(),
        &DataType::String
    );
    assert_eq!(typed.from_text.0, ["annual_revenue"]);

    // Sorted as numbers, compared with a number, searched by its text.
    let rows_of = |view: crate::View| -> Vec<i64> {
        let out = view
            .apply(df.clone().lazy())
            .expect("view")
            .collect()
            .expect("collect");
        crate::view::tests::row_numbers(&out)
    };
    let sorted = crate::View {
        sort: Some("annual_revenue:desc".parse().expect("sort")),
        ..Default::default()
    };
    assert_eq!(rows_of(sorted), [5, 2, 0, 1, 4, 3]);
    let over = |filter: &str| {
        rows_of(crate::View {
            filter: Some(filter.into()),
            ..Default::default()
        })
    };
    assert_eq!(over("annual_revenue > 4900000"), [5]);
    assert_eq!(over("annual_revenue >= 4900000.00"), [2, 5]);
    assert_eq!(over("annual_revenue < 0"), [4]);
    assert_eq!(over("annual_revenue = 999969.37"), [1]);
    assert_eq!(over("annual_revenue IN (2815711.30, 4900000.01)"), [0, 5]);
    let found = crate::View {
        search: Some("4900000.00".into()),
        ..Default::default()
    };
    assert_eq!(rows_of(found), [2]);

    // The page sends each value with its decimals, as text; the kind says it is a number.
    let page = crate::page::page(df.clone().lazy(), 0, 10).expect("page");
    let info = page.column_info();
    let money = info
        .iter()
        .find(|c| c.name == "annual_revenue")
        .expect("column");
    assert_eq!(money.kind, crate::ColumnKind::Decimal);
    let sent: Vec<serde_json::Value> = page
        .json_rows()
        .iter()
        .map(|r| r["annual_revenue"].clone())
        .collect();
    assert_eq!(
        sent,
        [
            json!("2815711.30"),
            json!("999969.37"),
            json!("4900000.00"),
            serde_json::Value::Null,
            json!("-0.05"),
            json!("4900000.01")
        ]
    );

    // Printed back, every value is the text that was sent (`""` is null, as for numbers).
    let as_sent = typed
        .from_text
        .json_typed(std::mem::take(&mut typed.frame))
        .expect("json");
    assert_eq!(
        strings(&as_sent, "annual_revenue"),
        revenue
            .iter()
            .map(|r| (!r.is_empty()).then(|| r.to_string()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn each_row_may_carry_its_own_validity_and_keeps_its_place() {
    // A sheet's records: valid and invalid interleaved, in the order the customer saw them.
    let mut sheet = part(1, json!([{"n": "a"}, {"n": "b"}, {"n": "c"}]), json!([]));
    sheet.valid = Validity::Each(vec![false, true, false]);
    let portal = part(2, json!([{"n": "d"}]), json!([{"n": "e"}]));
    let df = frame(vec![portal, sheet]).expect("frame");
    assert_eq!(
        strings(&df, "n"),
        ["a", "b", "c", "d", "e"].map(|s| Some(s.to_owned()))
    );
    let valid: Vec<Option<bool>> = df
        .column("_valid")
        .expect("_valid")
        .bool()
        .expect("bool")
        .iter()
        .collect();
    assert_eq!(
        valid,
        [false, true, false, true, false].map(Some),
        "each record's own, then a Portal part's valid rows before its invalid ones"
    );
    assert!(
        !Validity::Each(vec![true]).of(1),
        "past the list: not valid"
    );
}
