//! Money as numbers, over the real binary: amounts sent as text with two decimals
//! (`"2815711.30"`, which no float prints back) sort and filter as numbers, and every export
//! (Parquet, CSV, `.xlsx` read back by openpyxl) carries them as numbers that still read as sent.

use hookgrid::sample::delivery_body;
use hookgrid_tests::{Workspace, post, read_xlsx};
use polars::prelude::*;
use serde_json::{Value, json};

const BATCH: &str = "batch-money-01";
/// As sent, in import order (the empty one is a missing amount).
const REVENUE: [&str; 5] = ["2815711.30", "999969.37", "4900000.00", "", "-0.05"];

fn rows(ws: &Workspace, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["rows", "--batch", BATCH, "--json"];
    all.extend_from_slice(args);
    ws.json(&all)["rows"].as_array().expect("rows").clone()
}

fn revenue(rows: &[Value]) -> Vec<Value> {
    rows.iter().map(|r| r["annual_revenue"].clone()).collect()
}

#[test]
fn money_sorts_filters_and_exports_as_numbers_that_read_as_sent() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let rows_sent: Vec<Value> = REVENUE
        .iter()
        .enumerate()
        .map(|(i, r)| json!({"company": format!("c{i}"), "annual_revenue": r}))
        .collect();
    let body = delivery_body("ev-money", BATCH, 0, 1, json!(rows_sent), json!([]));
    let (status, said) = post(&reqwest::blocking::Client::new(), &server.url, body);
    assert_eq!(status, 200, "{said}");

    // Values come back as sent, decimals and all; the order is the numbers' order.
    let sent: Vec<Value> = REVENUE
        .iter()
        .map(|r| if r.is_empty() { Value::Null } else { json!(r) })
        .collect();
    assert_eq!(revenue(&rows(&ws, &[])), sent);
    let sorted = rows(&ws, &["--sort", "annual_revenue:desc"]);
    assert_eq!(
        revenue(&sorted),
        [
            json!("4900000.00"),
            json!("2815711.30"),
            json!("999969.37"),
            json!("-0.05"),
            Value::Null
        ]
    );
    let over = rows(&ws, &["--where", "annual_revenue > 1000000"]);
    assert_eq!(revenue(&over), [json!("2815711.30"), json!("4900000.00")]);

    // Parquet: a decimal of scale 2, the same amounts.
    let parquet = ws.path().join("money.parquet");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--out",
        parquet.to_str().expect("path"),
    ]);
    let pq = ParquetReader::new(std::fs::File::open(&parquet).expect("open"))
        .finish()
        .expect("read parquet");
    let column = pq.column("annual_revenue").expect("column");
    assert!(
        matches!(column.dtype(), DataType::Decimal(_, 2)),
        "{:?}",
        column.dtype()
    );
    let cents: Vec<Option<i128>> = column
        .decimal()
        .expect("decimal")
        .physical()
        .iter()
        .collect();
    assert_eq!(
        cents,
        [
            Some(281571130),
            Some(99996937),
            Some(490000000),
            None,
            Some(-5)
        ]
    );

    // CSV: each amount as sent.
    let csv = ws.path().join("money.csv");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--out",
        csv.to_str().expect("path"),
    ]);
    let text = std::fs::read_to_string(&csv).expect("read csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "_valid,company,annual_revenue",
            "true,c0,2815711.30",
            "true,c1,999969.37",
            "true,c2,4900000.00",
            "true,c3,",
            "true,c4,-0.05"
        ]
    );

    // Excel: numbers a spreadsheet can sum, shown with their two decimals.
    let xlsx = ws.path().join("money.xlsx");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--out",
        xlsx.to_str().expect("path"),
    ]);
    let sheet = read_xlsx(&xlsx);
    let at = sheet["header"]
        .as_array()
        .expect("header")
        .iter()
        .position(|h| h == "annual_revenue")
        .expect("column");
    let cells: Vec<(Value, Value)> = sheet["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r[at]["value"].clone(), r[at]["format"].clone()))
        .collect();
    assert_eq!(
        cells,
        [
            (json!(2815711.3), json!("0.00")),
            (json!(999969.37), json!("0.00")),
            (json!(4900000), json!("0.00")),
            // A missing amount is blank, formatted for one typed in later.
            (Value::Null, json!("0.00")),
            (json!(-0.05), json!("0.00")),
        ]
    );
}
