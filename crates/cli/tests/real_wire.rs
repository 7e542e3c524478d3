//! Deliveries in the shape real Flatfile Portal 2 imports have (`sequence.length`, 0-based
//! indexes, a customer block, every cell a string) through the real `hookgrid serve` and read
//! back with the real CLI: `batches`, `show`, `rows`, `export` (typed and `--as-text`), and a
//! request refused by an earlier version recovered with `rejected --retry`.

use hookgrid::sample::delivery_body;
use hookgrid_tests::{Workspace, names, post, text};
use polars::prelude::*;
use serde_json::{Value, json};

/// Rows of part `index` (0-based) of the test import: heights as text, "" for an empty cell.
fn part(index: u32) -> Vec<u8> {
    let heights = [["55", "9"], ["120", ""], ["10", "7"]][index as usize];
    delivery_body(
        "ev-real-0001",
        "batch-real-0001",
        index,
        3,
        json!([
            {"name": format!("Rack {index}"), "height_cm": heights[0], "zip": "00123", "active": "true"},
            {"name": format!("Desk {index}"), "height_cm": heights[1], "zip": "4711", "active": "false"}
        ]),
        json!([{"name": "", "height_cm": "", "zip": "", "active": ""}]),
    )
}

#[test]
fn a_real_shaped_delivery_is_stored_assembled_shown_queried_and_exported() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let mut receipts = Vec::new();
    // Out of order, with a repeat: 2, 0, 2, 1.
    for index in [2, 0, 2, 1] {
        let (status, body) = post(&client, &server.url, part(index));
        assert_eq!(status, 200, "{body}");
        receipts.push((
            body["status"].clone(),
            body["part"].clone(),
            body["of"].clone(),
        ));
    }
    assert_eq!(
        receipts,
        [
            (json!("stored"), json!(3), json!(3)),
            (json!("stored"), json!(1), json!(3)),
            (json!("duplicate"), json!(3), json!(3)),
            (json!("stored"), json!(2), json!(3)),
        ]
    );

    let batches = ws.json(&["batches", "--json"]);
    let b = &batches[0];
    assert_eq!(b["type"], "batch:v1:upload");
    assert_eq!(b["schema"], Value::Null);
    assert_eq!(b["status"], "complete");
    assert_eq!(
        (b["valid"].as_u64(), b["invalid"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(b["mismatched_parts"], 0);
    assert_eq!(b["customer"]["userId"], "ops-7");
    assert_eq!(b["customer"]["teamId"], 3311);
    let table = ws.run(&["batches"]);
    assert!(table.contains("ops-7 · Acme GmbH"), "{table}");
    let found = ws.json(&[
        "batches", "--json", "--search", "ACME", "--status", "complete",
    ]);
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    let none = ws.json(&["batches", "--json", "--status", "incomplete"]);
    assert_eq!(none, json!([]));

    let show = ws.json(&["show", "--batch", "batch-real", "--json"]);
    assert_eq!(show["numbering"], "from_zero");
    assert_eq!(
        show["customer_name_json"],
        json!({"tenant": "acme-eu", "plan": "business"})
    );
    assert_eq!(show["missing"], json!([]));
    let parts: Vec<(Value, Value, Value)> = show["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| {
            (
                p["part"].clone(),
                p["index"].clone(),
                p["duplicates"].clone(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (json!(1), json!(0), json!(0)),
            (json!(2), json!(1), json!(0)),
            (json!(3), json!(2), json!(1)),
        ]
    );
    let text_show = ws.run(&["show", "--batch", "ev-real"]);
    for expected in [
        "counts from 0",
        "ops-7 · Acme GmbH",
        "\"tenant\": \"acme-eu\"",
        "complete: 3 of 3",
    ] {
        assert!(text_show.contains(expected), "{expected:?} in\n{text_show}");
    }
    let saved = ws.path().join("part-3.json");
    ws.run(&[
        "show",
        "--batch",
        "ev-real",
        "--part",
        "3",
        "--out",
        saved.to_str().expect("utf-8"),
    ]);
    assert_eq!(std::fs::read(&saved).expect("saved body"), part(2));

    // A column summarised over a view: empty and missing cells told apart, most common first.
    let zip = ws.json(&["values", "--batch", "ev-real", "--column", "zip", "--json"]);
    assert_eq!(
        zip,
        json!({"column": "zip", "rows": 9, "distinct": 3, "empty": 3, "missing": 0, "more": false,
               "values": [{"value": "", "count": 3}, {"value": "00123", "count": 3},
                          {"value": "4711", "count": 3}]})
    );
    let heights = ws.json(&[
        "values",
        "--batch",
        "ev-real",
        "--column",
        "height_cm",
        "--rows",
        "valid",
        "--limit",
        "2",
        "--json",
    ]);
    assert_eq!(
        (
            &heights["rows"],
            &heights["distinct"],
            &heights["missing"],
            &heights["more"]
        ),
        (&json!(6), &json!(5), &json!(1), &json!(true))
    );
    let listed = ws.run(&["values", "--batch", "ev-real", "--column", "zip"]);
    assert!(
        listed.starts_with("zip: 9 rows · 3 distinct · 3 empty · 0 missing\n"),
        "{listed}"
    );
    assert!(listed.contains("           3  (empty)"), "{listed}");
    let unknown = ws.fail(&["values", "--batch", "ev-real", "--column", "nope"]);
    assert!(unknown.contains("no column named \"nope\""), "{unknown}");

    // Text numbers are typed: a numeric filter and a numeric sort (9 before 10 before 55).
    let rows = ws.json(&[
        "rows",
        "--batch",
        "ev-real",
        "--where",
        "height_cm > 8",
        "--sort",
        "height_cm",
        "--json",
    ]);
    assert_eq!(rows["total"], 4);
    let heights: Vec<Value> = rows["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["height_cm"].clone())
        .collect();
    assert_eq!(heights, [json!(9), json!(10), json!(55), json!(120)]);
    // "4711" stays text beside "00123"; "false" is a boolean.
    let first = &rows["rows"][0];
    assert_eq!(
        (first["zip"].clone(), first["active"].clone()),
        (json!("4711"), json!(false))
    );
    let parts_of_rows = ws.json(&["rows", "--batch", "ev-real", "--json", "--limit", "9"]);
    let numbers: Vec<u64> = parts_of_rows["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["_part"].as_u64().expect("_part"))
        .collect();
    assert_eq!(numbers, [1, 1, 1, 2, 2, 2, 3, 3, 3], "_part counts from 1");

    // Typed export: Int64 heights (empty cells null); as text: every value as sent.
    let typed = ws.path().join("typed.parquet");
    let as_text = ws.path().join("as-text.parquet");
    let as_text_csv = ws.path().join("as-text.csv");
    ws.run(&[
        "export",
        "--batch",
        "ev-real",
        "--out",
        typed.to_str().expect("utf-8"),
    ]);
    ws.run(&[
        "export",
        "--batch",
        "ev-real",
        "--as-text",
        "--out",
        as_text.to_str().expect("utf-8"),
    ]);
    ws.run(&[
        "export",
        "--batch",
        "ev-real",
        "--as-text",
        "--where",
        "height_cm > 8",
        "--sort",
        "height_cm:desc",
        "--out",
        as_text_csv.to_str().expect("utf-8"),
    ]);
    let read = |path: &std::path::Path| {
        ParquetReader::new(std::fs::File::open(path).expect("open"))
            .finish()
            .expect("read parquet")
    };
    let typed = read(&typed);
    assert_eq!(
        names(&typed),
        ["_valid", "name", "height_cm", "zip", "active"]
    );
    assert_eq!(
        typed.column("height_cm").expect("h").dtype(),
        &DataType::Int64
    );
    assert_eq!(
        typed.column("active").expect("a").dtype(),
        &DataType::Boolean
    );
    let heights: Vec<Option<i64>> = typed
        .column("height_cm")
        .expect("h")
        .i64()
        .expect("i64")
        .iter()
        .collect();
    assert_eq!(
        heights,
        [
            Some(55),
            Some(9),
            None,
            Some(120),
            None,
            None,
            Some(10),
            Some(7),
            None
        ]
    );
    let sent = read(&as_text);
    assert_eq!(
        text(&sent, "height_cm"),
        ["55", "9", "", "120", "", "", "10", "7", ""].map(|s| Some(s.to_owned()))
    );
    assert_eq!(text(&sent, "active")[0].as_deref(), Some("true"));
    let csv = std::fs::read_to_string(&as_text_csv).expect("csv");
    let heights: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).expect("field"))
        .collect();
    assert_eq!(heights, ["120", "55", "10", "9"]);
}

#[test]
fn a_request_refused_by_an_earlier_version_is_retried_into_an_import() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    // What an earlier Hookgrid did with a real delivery: refused it (`length`, not `count`)
    // and kept it in the quarantine. Written straight into the ledger, as it left it.
    let body = delivery_body("ev-old", "batch-old", 0, 1, json!([{"a": "1"}]), json!([]));
    let db = rusqlite::Connection::open(ws.data_dir().join("hookgrid.db")).expect("ledger");
    db.busy_timeout(std::time::Duration::from_secs(10))
        .expect("timeout");
    db.execute(
        "INSERT INTO quarantine (received_at, kind, reason, event_id, part_index, body)
         VALUES (1764000000000, 'contract', 'event.sequence: missing field count', NULL, NULL, ?1)",
        [&body],
    )
    .expect("insert");
    drop(db);
    let client = reqwest::blocking::Client::new();
    let (status, _) = post(&client, &server.url, b"not json".to_vec());
    assert_eq!(status, 400);
    let rejected = ws.json(&["rejected", "--json"]);
    let old = rejected[1]["id"].as_i64().expect("id");
    let broken = rejected[0]["id"].as_i64().expect("id");

    let one = ws.json(&["rejected", "--retry", &old.to_string(), "--json"]);
    assert_eq!(one[0]["outcome"], "stored", "{one}");
    assert_eq!(one[0]["batch"], "batch-old");
    let batches = ws.json(&["batches", "--json"]);
    assert_eq!(batches[0]["batch"], "batch-old");
    assert_eq!(batches[0]["status"], "complete");
    let rows = ws.json(&["rows", "--batch", "batch-old", "--json"]);
    assert_eq!(rows["rows"][0]["a"], 1);

    let all = ws.run(&["rejected", "--retry-all"]);
    assert!(
        all.contains(&format!("#{broken}: still refused (not_json)")),
        "{all}"
    );
    let left = ws.json(&["rejected", "--json"]);
    let ids: Vec<i64> = left
        .as_array()
        .expect("array")
        .iter()
        .map(|q| q["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [broken]);
    assert_eq!(
        (&left[0]["retried"], &left[0]["dismissed"]),
        (&json!(true), &json!(false))
    );
    let err = ws.fail(&["rejected", "--retry", &old.to_string()]);
    assert_eq!(err.trim(), format!("error: no rejected request #{old}"));

    // Dismissed: out of the list, kept with the rest of what arrived.
    let (status, _) = post(&client, &server.url, b"also not json".to_vec());
    assert_eq!(status, 400);
    let fresh = ws.json(&["rejected", "--json"])[0]["id"]
        .as_i64()
        .expect("id");
    assert_eq!(
        ws.run(&["rejected", "--dismiss-refused"]).trim(),
        format!("Dismissed 1 request tried again and still refused: #{broken}.")
    );
    let listed = |args: &[&str]| -> Vec<(i64, bool)> {
        ws.json(args)
            .as_array()
            .expect("array")
            .iter()
            .map(|q| (q["id"].as_i64().expect("id"), q["dismissed"] == json!(true)))
            .collect()
    };
    assert_eq!(listed(&["rejected", "--json"]), [(fresh, false)]);
    assert_eq!(
        listed(&["rejected", "--all", "--json"]),
        [(fresh, false), (broken, true)]
    );
    assert_eq!(
        ws.json(&["rejected", "--dismiss", &fresh.to_string(), "--json"]),
        json!({"dismissed": [fresh]})
    );
    assert_eq!(ws.run(&["rejected"]).trim(), "No rejected requests.");
    let table = ws.run(&["rejected", "--all"]);
    assert!(
        table.contains("STATE") && table.contains("dismissed"),
        "{table}"
    );
    assert_eq!(
        ws.run(&["rejected", "--dismiss-refused"]).trim(),
        "No rejected request was tried again and still refused."
    );
    let err = ws.fail(&["rejected", "--dismiss", "999"]);
    assert_eq!(err.trim(), "error: no rejected request #999");
    let err = ws.fail(&["rejected", "--dismiss", &fresh.to_string(), "--retry-all"]);
    assert!(err.contains("cannot be used with"), "{err}");
    let err = ws.fail(&["rejected", "--all", "--dismiss-refused"]);
    assert!(err.contains("cannot be used with"), "{err}");
    // Who dismissed what is in the audit.
    let audit = ws.json(&["audit", "--json"]);
    let dismissals = audit
        .as_array()
        .expect("array")
        .iter()
        .filter(|a| a["action"] == "dismiss")
        .count();
    assert_eq!(dismissals, 2, "{audit}");
}
