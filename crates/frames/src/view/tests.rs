use super::*;

fn df() -> DataFrame {
    df!(
        "_row" => [0i64, 1, 2, 3],
        "_part" => [1i32, 1, 2, 2],
        "_valid" => [true, false, true, true],
        "plan" => ["team", "free", "Team", "business"],
        "seats" => [12i64, 1, 30, 5],
        "city" => ["München", "Leeds", "東京", "São Paulo"]
    )
    .expect("df")
}

fn run(view: &View) -> Result<DataFrame> {
    Ok(view.apply(df().lazy())?.collect()?)
}

fn rows(view: &View) -> Vec<i64> {
    row_numbers(&run(view).expect("view"))
}

/// The `_row` of each row of `out`, in order.
pub(crate) fn row_numbers(out: &DataFrame) -> Vec<i64> {
    out.column("_row")
        .expect("_row")
        .i64()
        .expect("i64")
        .into_no_null_iter()
        .collect()
}

#[test]
fn rows_with_errors_are_picked_by_their_row_number_under_the_rest_of_the_view() {
    let picked = |error_rows: Vec<i64>, view: View| -> Vec<i64> {
        let view = View {
            errors: Some(ErrorRows { column: None }),
            ..view
        };
        let out = view
            .apply_with(
                df().lazy(),
                Outside {
                    error_rows: Some(error_rows),
                    ..Outside::default()
                },
            )
            .expect("view")
            .collect()
            .expect("rows");
        row_numbers(&out)
    };
    assert_eq!(picked(vec![1, 3], View::default()), [1, 3]);
    // Rows past the last flagged one, and flagged rows the import does not have.
    assert_eq!(picked(vec![0, 9], View::default()), [0]);
    assert_eq!(picked(vec![], View::default()), Vec::<i64>::new());
    let valid = View {
        rows: RowSet::Valid,
        ..View::default()
    };
    assert_eq!(picked(vec![1, 2], valid), [2]);
    assert!(
        View {
            errors: Some(ErrorRows { column: None }),
            ..View::default()
        }
        .apply_with(df().lazy(), Outside::default())
        .is_err(),
        "rows with errors need them"
    );
}

#[test]
fn row_sets_filter_on_validity() {
    assert_eq!(rows(&View::default()), [0, 1, 2, 3]);
    assert_eq!(
        rows(&View {
            rows: RowSet::Valid,
            ..View::default()
        }),
        [0, 2, 3]
    );
    assert_eq!(
        rows(&View {
            rows: RowSet::Invalid,
            ..View::default()
        }),
        [1]
    );
}

#[test]
fn sql_filters_over_columns() {
    let v = View {
        filter: Some("plan = 'team' AND seats > 10".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), [0]);
    let v = View {
        filter: Some("seats BETWEEN 2 AND 20 OR city LIKE 'S%'".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), [0, 3]);
    let v = View {
        filter: Some("lower(plan) = 'team'".into()),
        rows: RowSet::Valid,
        ..View::default()
    };
    assert_eq!(rows(&v), [0, 2]);
}

#[test]
fn bad_sql_and_unknown_columns_are_clear_errors() {
    let err = run(&View {
        filter: Some("seats >".into()),
        ..View::default()
    })
    .expect_err("bad");
    assert!(matches!(err, FramesError::Sql(_)), "{err}");
    let err = run(&View {
        filter: Some("nope = 1".into()),
        ..View::default()
    })
    .expect_err("bad");
    assert!(
        matches!(&err, FramesError::UnknownColumn { name, available } if name == "nope" && available.contains("seats")),
        "{err}"
    );
    let err = run(&View {
        sort: Some(Sort {
            column: "nope".into(),
            descending: false,
        }),
        ..View::default()
    })
    .expect_err("bad");
    assert!(matches!(err, FramesError::UnknownColumn { .. }), "{err}");
}

#[test]
fn a_type_error_in_the_filter_is_a_filter_error_in_the_reader_s_words() {
    // Text against a number: found before anything is read, with the way to write it.
    let err = View {
        filter: Some("city > 5".into()),
        ..View::default()
    }
    .apply(df().lazy())
    .err()
    .expect("text vs number");
    assert!(
        matches!(&err, FramesError::Filter(m)
            if m.starts_with("city is text") && m.contains("CAST(city AS DOUBLE) > 5")),
        "{err}"
    );
    // A cast that fails on some values: found as rows are read, said without Polars' terms.
    let view = View {
        filter: Some("CAST(city AS INTEGER) > 5".into()),
        ..View::default()
    };
    let lf = view.apply(df().lazy()).expect("applies");
    let err = crate::page::page(lf, 0, 10).expect_err("not whole numbers");
    let FramesError::Filter(message) = &err else {
        panic!("{err}")
    };
    assert!(
        message.starts_with("a CAST failed: some values are not whole numbers, such as")
            && message.contains("TRY_CAST(column AS type)")
            && !message.contains("`str`"),
        "{message}"
    );
}

#[test]
fn subqueries_and_file_access_are_refused() {
    for sql in [
        "seats IN (SELECT 1)",
        "EXISTS (SELECT * FROM read_csv('/etc/passwd'))",
        "seats > 1; DROP TABLE x",
        "plan IN (VALUES ('a'))",
    ] {
        let err = run(&View {
            filter: Some(sql.into()),
            ..View::default()
        })
        .expect_err(sql);
        assert!(matches!(err, FramesError::Sql(_)), "{sql}: {err}");
    }
    // The same words inside quotes are just text.
    let v = View {
        filter: Some("plan != 'select from'".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), [0, 1, 2, 3]);
}

#[test]
fn search_ignores_case_and_covers_data_columns_only() {
    let v = View {
        search: Some("TEAM".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), [0, 2]);
    let v = View {
        search: Some("münchen".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), [0]);
    let v = View {
        search: Some("30".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), [2], "numbers are searched as text");
    let v = View {
        search: Some("true".into()),
        ..View::default()
    };
    assert_eq!(rows(&v), Vec::<i64>::new(), "_valid is not a data column");
}

#[test]
fn sort_keeps_ties_in_batch_order() {
    let v = View {
        sort: Some("seats:desc".parse().expect("sort")),
        ..View::default()
    };
    assert_eq!(rows(&v), [2, 0, 3, 1]);
    let v = View {
        sort: Some("_valid".parse().expect("sort")),
        ..View::default()
    };
    assert_eq!(rows(&v), [1, 0, 2, 3]);
}

/// The conditions the grid's value lists write (ui/src/filters.ts `valuesCondition`), run here
/// as Polars reads them: lists of text, numbers and booleans, empty text and missing cells.
#[test]
fn value_list_conditions_pick_the_listed_values() {
    let frame = df!(
        "_row" => [0i64, 1, 2, 3, 4],
        "plan" => [Some("team"), Some(""), None, Some("it's"), Some("free")],
        "seats" => [Some(3i64), Some(5), None, Some(3), Some(7)],
        "rate" => [Some(0.5f64), Some(1.25), Some(0.5), None, Some(2.0)],
        "ok" => [Some(true), Some(false), None, Some(true), Some(false)]
    )
    .expect("df");
    let picked = |filter: &str| -> Vec<i64> {
        let view = View {
            filter: Some(filter.to_owned()),
            ..View::default()
        };
        row_numbers(
            &view
                .apply(frame.clone().lazy())
                .expect(filter)
                .collect()
                .expect(filter),
        )
    };
    assert_eq!(
        picked(r#""plan" IN ('team', '') OR "plan" IS NULL"#),
        [0, 1, 2]
    );
    assert_eq!(picked(r#""plan" = 'it''s'"#), [3]);
    assert_eq!(picked(r#""seats" IN (3, 7)"#), [0, 3, 4]);
    // A float that is a whole number is written with its `.0`: `IN` wants one type.
    assert_eq!(picked(r#""rate" IN (0.5, 2.0)"#), [0, 2, 4]);
    assert_eq!(picked(r#""rate" = 2"#), [4]);
    assert_eq!(picked(r#""ok" IN (true) OR "ok" IS NULL"#), [0, 2, 3]);
    assert_eq!(picked(r#""ok" = false"#), [1, 4]);
    assert_eq!(
        picked(r#"("seats" = 3) AND ("plan" IN ('team', 'free'))"#),
        [0]
    );
    assert_eq!(picked("false"), Vec::<i64>::new());
}
