//! Random SQL filters over a small import, through the facade as the CLI and the app call it:
//! every one is a page or an error with a kind, never a panic (Polars panics on some
//! expressions, e.g. a strict cast of text that is not a number; the facade contains them).

use hookgrid::sample::request_body;
use hookgrid::{Hookgrid, View};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

/// Columns of the import and things to compare them with.
const ATOMS: &[&str] = &[
    "seats",
    "plan",
    "note",
    "ok",
    "_row",
    "_part",
    "_valid",
    "missing_col",
    "1",
    "0",
    "-1",
    "2.5",
    "'team'",
    "'lots'",
    "''",
    "NULL",
    "TRUE",
    "'5'",
    "9223372036854775807",
];
const CASTS: &[&str] = &["INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE"];
const BINARY: &[&str] = &[
    "=", "<>", ">", "<=", "+", "-", "*", "/", "%", "AND", "OR", "||", "LIKE",
];
const UNARY: &[&str] = &["lower", "upper", "length", "abs", "round", "trim"];

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(ATOMS).prop_map(str::to_owned);
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(CASTS))
                .prop_map(|(e, t)| format!("CAST({e} AS {t})")),
            (inner.clone(), prop::sample::select(BINARY), inner.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (prop::sample::select(UNARY), inner.clone()).prop_map(|(f, e)| format!("{f}({e})")),
            inner.clone().prop_map(|e| format!("NOT {e}")),
            inner.clone().prop_map(|e| format!("{e} IS NULL")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} IN ({b}, 'x')")),
        ]
    })
}

#[test]
fn random_filters_give_pages_or_errors_with_kinds_never_panics() {
    let dir = tempfile::tempdir().expect("dir");
    let hg = Hookgrid::open(dir.path()).expect("open");
    let valid = json!([
        {"seats": "5", "plan": "team", "note": "a", "ok": "true"},
        {"seats": "lots", "plan": "", "note": null, "ok": "false"},
        {"seats": "12", "plan": "free", "note": "ß", "ok": ""}
    ]);
    hg.ingest(&request_body(
        "ev-f",
        "b-f",
        1,
        1,
        valid,
        json!([{"seats": "-3"}]),
    ))
    .expect("ingest");
    hg.shutdown();
    let batch = hg.resolve("b-f").expect("batch");
    let cases = std::env::var("HOOKGRID_FILTER_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&expr(), |filter| {
            let view = View {
                filter: Some(filter.clone()),
                ..View::default()
            };
            for result in [
                hg.page(&batch, &view, 0, 10).map(|p| p.total),
                hg.browse("test", &batch, &view, 0, 10).map(|p| p.total),
            ] {
                if let Err(e) = result {
                    prop_assert!(
                        matches!(e.kind(), "bad_filter" | "unknown_column"),
                        "{filter}: {} ({e})",
                        e.kind()
                    );
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            Ok(())
        })
        .expect("every filter is a page or an error with a kind");
}
