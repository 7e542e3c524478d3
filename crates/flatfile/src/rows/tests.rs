use super::*;
use crate::Decimals;

fn build(rows: &[&[(&str, Cell<'static>)]]) -> Rows {
    let mut b = RowsBuilder::default();
    for row in rows {
        for (k, v) in row.iter() {
            b.set(Cow::Borrowed(k), v.clone());
        }
        b.end_row();
    }
    b.finish()
}

fn text(values: &Values) -> Vec<Option<String>> {
    values
        .to_text()
        .iter()
        .map(|x| x.map(str::to_owned))
        .collect()
}

#[test]
fn missing_keys_are_null_and_new_keys_back_fill() {
    let rows = build(&[
        &[("a", Cell::Int(1))],
        &[("b", Cell::Text("x".into()))],
        &[("a", Cell::Int(3)), ("b", Cell::Null)],
    ]);
    assert_eq!(rows.len(), 3);
    let names: Vec<_> = rows.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(
        rows.columns()[0].values,
        Values::Int(vec![Some(1), None, Some(3)])
    );
    assert_eq!(
        text(&rows.columns()[1].values),
        [None, Some("x".into()), None]
    );
}

#[test]
fn ints_promote_to_floats_then_to_text_keeping_their_json_text() {
    let rows = build(&[
        &[("n", Cell::Int(7))],
        &[("n", Cell::Float(2.5))],
        &[("n", Cell::Bool(true))],
        &[("n", Cell::Text("00123".into()))],
    ]);
    assert_eq!(
        text(&rows.columns()[0].values),
        [
            Some("7.0".into()),
            Some("2.5".into()),
            Some("true".into()),
            Some("00123".into())
        ]
    );
}

#[test]
fn a_repeated_key_in_one_row_keeps_the_last_value() {
    let rows = build(&[
        &[("a", Cell::Int(1)), ("a", Cell::Int(2))],
        &[("a", Cell::Int(3))],
    ]);
    assert_eq!(
        rows.columns()[0].values,
        Values::Int(vec![Some(2), Some(3)])
    );
}

#[test]
fn append_unions_columns_in_first_seen_order_and_promotes() {
    let mut head = build(&[&[("a", Cell::Int(1)), ("b", Cell::Bool(true))]]);
    let tail = build(&[&[("c", Cell::Text("z".into())), ("a", Cell::Float(0.5))]]);
    head.append(tail);
    assert_eq!(head.len(), 2);
    let names: Vec<_> = head.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        head.columns()[0].values,
        Values::Float(vec![Some(1.0), Some(0.5)])
    );
    assert_eq!(
        head.columns()[1].values,
        Values::Bool(vec![Some(true), None])
    );
    assert_eq!(text(&head.columns()[2].values), [None, Some("z".into())]);
}

#[test]
fn append_of_text_onto_text_keeps_every_value() {
    let mut head = build(&[&[("a", Cell::Text("héllo".into()))], &[("a", Cell::Null)]]);
    head.append(build(&[
        &[("a", Cell::Text("".into()))],
        &[("a", Cell::Text("東京".into()))],
    ]));
    assert_eq!(
        text(&head.columns()[0].values),
        [
            Some("héllo".into()),
            None,
            Some(String::new()),
            Some("東京".into())
        ]
    );
}

#[test]
fn money_reads_back_as_a_decimal_of_its_scale() {
    let decimals = |values: &[&str]| {
        values
            .iter()
            .fold(Shape::EMPTY, |s, v| s.and(Shape::of(v)))
            .decimals
    };
    assert_eq!(
        decimals(&["2815711.30", "4.90", "", "-0.05"]),
        Decimals::Exactly(2)
    );
    assert_eq!(decimals(&["0.0", "1.0"]), Decimals::Exactly(1));
    // 38 digits fit an i128 decimal; 39 do not.
    let widest = format!("{}.5", "9".repeat(37));
    assert_eq!(decimals(&[&widest]), Decimals::Exactly(1));
    assert_eq!(decimals(&[&format!("9{widest}")]), Decimals::No);
    // Another scale, an integer, a sign or zero that would not print back, text: no scale.
    for values in [
        &["1.50", "1.5"][..],
        &["1.50", "100"],
        &["-0.00"],
        &["+1.50"],
        &["01.50"],
        &["1.50", "n/a"],
        &["1.", ".50"],
    ] {
        assert_eq!(decimals(values), Decimals::No, "{values:?}");
    }
    let money = Shape::of("19.90");
    assert!(
        money.is_typed() && !money.numbers,
        "typed as a decimal, not a float"
    );
    assert_eq!(decimals(&[""]), Decimals::Any);
}

#[test]
fn shapes_accept_only_values_that_read_back_exactly() {
    let typed = |v: &str| {
        let s = Shape::of(v);
        (s.ints, s.numbers, s.bools)
    };
    for v in ["55", "-3", "0", "9007199254740992"] {
        assert_eq!(typed(v), (true, true, false), "{v}");
    }
    // An i64, but not exactly an f64; the next one is.
    assert_eq!(typed("9007199254740993"), (true, false, false));
    assert_eq!(typed("9007199254740994"), (true, true, false));
    // -0.0 prints as "-0", but no integer does.
    assert_eq!(typed("-0"), (false, true, false));
    for v in ["1.5", "-0.25", "19.99", "0.1", "123456.789"] {
        assert_eq!(typed(v), (false, true, false), "{v}");
    }
    assert_eq!(typed("true"), (false, false, true));
    assert_eq!(typed("false"), (false, false, true));
    for v in [
        "0055",
        "+5",
        "-00",
        "-0.0",
        "1e3",
        " 5",
        "5 ",
        "1.",
        ".5",
        "-",
        "TRUE",
        "True",
        "12345678901234567890",
        "1_000",
        "0x10",
        "NaN",
        "inf",
        "1,5",
        "١٢",
    ] {
        assert_eq!(typed(v), (false, false, false), "{v}");
    }
    // Not floats, but decimals: the column may still be typed, by scale.
    for v in ["1.50", "0.0", "1.0", "-0.0", "99999999999999999999.5"] {
        assert_eq!(typed(v), (false, false, false), "{v}");
    }
    assert_eq!(Shape::of(""), Shape::EMPTY);
    assert!(!Shape::EMPTY.is_typed(), "only empty values: stays text");
}

#[test]
fn a_text_column_tracks_its_shape_through_pops_and_appends() {
    let rows = build(&[
        &[("n", Cell::Text("5".into()))],
        &[("n", Cell::Text("".into()))],
        &[("n", Cell::Null)],
    ]);
    let Values::Text(t) = &rows.columns()[0].values else {
        panic!("text column")
    };
    assert!(t.shape().ints && t.shape().filled);
    // A repeated key replaces a non-number with a number: measured again.
    let rows = build(&[&[("n", Cell::Text("x".into())), ("n", Cell::Text("7".into()))]]);
    let Values::Text(t) = &rows.columns()[0].values else {
        panic!("text column")
    };
    assert!(t.shape().ints, "{:?}", t.shape());
    let mut head = build(&[&[("n", Cell::Text("1.5".into()))]]);
    head.append(build(&[&[("n", Cell::Text("2".into()))]]));
    let Values::Text(t) = &head.columns()[0].values else {
        panic!("text column")
    };
    assert_eq!((t.shape().ints, t.shape().numbers), (false, true));
    head.append(build(&[&[("n", Cell::Text("n/a".into()))]]));
    let Values::Text(t) = &head.columns()[0].values else {
        panic!("text column")
    };
    assert!(!t.shape().is_typed());
}

#[test]
fn append_of_text_onto_ints_renders_ints_as_text() {
    let mut head = build(&[&[("a", Cell::Int(10))]]);
    head.append(build(&[&[("a", Cell::Text("x".into()))]]));
    assert_eq!(
        text(&head.columns()[0].values),
        [Some("10".into()), Some("x".into())]
    );
}
