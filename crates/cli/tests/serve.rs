//! The real `hookgrid serve` over a real socket, checked through the real CLI and read back
//! with real Parquet and CSV readers.

use hookgrid_tests::{Workspace, names, payload, post, text};
use polars::prelude::*;
use serde_json::{Value, json};

fn rows_of(json: &Value) -> Vec<Value> {
    json["rows"].as_array().expect("rows array").clone()
}

#[test]
fn an_out_of_order_batch_with_duplicates_is_assembled_listed_queried_and_exported() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let part = |i: u32| {
        payload(
            "0bce4ec0-e2e",
            "596c2c5f-e2e",
            i,
            3,
            json!([
                {"name": format!("Rack {i}"), "zip": "00123", "city": "München", "seats": i * 10},
                {"name": format!("Desk {i}"), "zip": "0042", "city": "東京", "seats": i}
            ]),
            json!([{"name": "", "zip": "x", "city": "<img src=x onerror=alert(1)>", "seats": null}]),
        )
    };
    let mut statuses = Vec::new();
    for i in [3, 1, 3, 2, 1] {
        let (status, body) = post(&client, &server.url, part(i));
        assert_eq!(status, 200, "{body}");
        statuses.push((
            body["part"].as_u64().expect("part"),
            body["status"].as_str().expect("status").to_owned(),
        ));
    }
    assert_eq!(
        statuses,
        [
            (3, "stored".into()),
            (1, "stored".into()),
            (3, "duplicate".into()),
            (2, "stored".into()),
            (1, "duplicate".into())
        ]
    );

    let batches = ws.json(&["batches", "--json"]);
    let b = &batches.as_array().expect("array")[0];
    assert_eq!(b["batch"], "596c2c5f-e2e");
    assert_eq!(b["event"], "0bce4ec0-e2e");
    assert_eq!(b["type"], "batch.update");
    assert_eq!(b["schema"], 8);
    assert_eq!(b["status"], "complete");
    assert_eq!(
        (b["parts_received"].as_u64(), b["parts_expected"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (b["valid"].as_u64(), b["invalid"].as_u64()),
        (Some(6), Some(3))
    );
    assert!(
        b["first_received"].as_str().expect("time") <= b["last_received"].as_str().expect("time")
    );

    // Row order: parts by index, valid before invalid; types as the README says.
    let all = ws.json(&["rows", "--batch", "596c", "--json", "--limit", "100"]);
    assert_eq!(all["total"], 9);
    let rows = rows_of(&all);
    let row_names: Vec<&str> = rows
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        row_names,
        [
            "Rack 1", "Desk 1", "", "Rack 2", "Desk 2", "", "Rack 3", "Desk 3", ""
        ]
    );
    assert_eq!(rows[0]["zip"], "00123", "leading zeros are text");
    assert_eq!(rows[0]["seats"], 10, "integers stay integers");
    assert_eq!(rows[2]["_valid"], false);
    assert_eq!(rows[2]["_part"], 1);
    assert_eq!(rows[8]["_row"], 8);

    let table = ws.run(&["rows", "--batch", "596c", "--limit", "2"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("_row") && lines[0].contains("city"),
        "{table}"
    );
    assert!(
        lines[1].contains("Rack 1") && lines[1].contains("München"),
        "{table}"
    );
    assert_eq!(lines.last().copied(), Some("(rows 1–2 of 9)"), "{table}");

    let invalid = ws.json(&[
        "rows",
        "--batch",
        "0bce4ec0-e2e",
        "--rows",
        "invalid",
        "--json",
    ]);
    assert_eq!(invalid["total"], 3);
    let filtered = ws.json(&[
        "rows",
        "--batch",
        "596c",
        "--where",
        "seats >= 10 AND city = 'München'",
        "--json",
    ]);
    assert_eq!(filtered["total"], 3);
    let searched = ws.json(&[
        "rows",
        "--batch",
        "596c",
        "--search",
        "DESK",
        "--sort",
        "seats:desc",
        "--json",
    ]);
    let seats: Vec<i64> = rows_of(&searched)
        .iter()
        .map(|r| r["seats"].as_i64().expect("seats"))
        .collect();
    assert_eq!(seats, [3, 2, 1]);
    let paged = ws.json(&[
        "rows", "--batch", "596c", "--offset", "7", "--limit", "5", "--json",
    ]);
    assert_eq!(
        (paged["total"].as_u64(), rows_of(&paged).len()),
        (Some(9), 2)
    );

    // Exports, read back by real readers.
    let csv_path = ws.path().join("valid.csv");
    let printed = ws.run(&[
        "export",
        "--batch",
        "596c",
        "--rows",
        "valid",
        "--out",
        csv_path.to_str().expect("path"),
    ]);
    assert_eq!(printed.trim(), "6");
    let csv = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(csv_path))
        .expect("csv reader")
        .finish()
        .expect("read csv");
    let header = names(&csv);
    assert_eq!(header, ["name", "zip", "city", "seats"]);
    let zips = text(&csv, "zip");
    assert_eq!(
        zips,
        [Some("00123"), Some("0042")]
            .repeat(3)
            .into_iter()
            .map(|z| z.map(str::to_owned))
            .collect::<Vec<_>>()
    );
    let cities = text(&csv, "city");
    assert_eq!(
        cities,
        [Some("München"), Some("東京")]
            .repeat(3)
            .into_iter()
            .map(|c| c.map(str::to_owned))
            .collect::<Vec<_>>()
    );

    let pq_path = ws.path().join("all.parquet");
    let printed = ws.run(&[
        "export",
        "--batch",
        "596c",
        "--meta",
        "--out",
        pq_path.to_str().expect("path"),
    ]);
    assert_eq!(printed.trim(), "9");
    let pq = ParquetReader::new(std::fs::File::open(&pq_path).expect("open"))
        .finish()
        .expect("read parquet");
    let header = names(&pq);
    assert_eq!(
        header,
        ["_row", "_part", "_valid", "name", "zip", "city", "seats"]
    );
    assert_eq!(pq.column("seats").expect("seats").dtype(), &DataType::Int64);
    let valid: Vec<Option<bool>> = pq
        .column("_valid")
        .expect("v")
        .bool()
        .expect("bool")
        .iter()
        .collect();
    assert_eq!(valid.iter().filter(|v| **v == Some(false)).count(), 3);
    let city = text(&pq, "city");
    assert_eq!(city[2].as_deref(), Some("<img src=x onerror=alert(1)>"));

    assert!(server.terminate(), "serve exits cleanly on SIGTERM");
}

#[test]
fn bad_requests_are_answered_clearly_and_kept_in_the_quarantine() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();

    let (status, body) = post(&client, &server.url, b"{\"event\": ".to_vec());
    assert_eq!((status, body["error"].as_str()), (400, Some("not_json")));
    let (status, body) = post(
        &client,
        &server.url,
        payload("e", "b", 3, 2, json!([]), json!([])),
    );
    assert_eq!((status, body["error"].as_str()), (422, Some("contract")));
    post(
        &client,
        &server.url,
        payload("e", "b", 1, 2, json!([{"a": 1}]), json!([])),
    );
    let (status, body) = post(
        &client,
        &server.url,
        payload("e", "b", 1, 2, json!([{"a": 2}]), json!([])),
    );
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));

    let wrong = format!("{}x", server.url);
    let (status, body) = post(
        &client,
        &wrong,
        payload("z", "z", 1, 1, json!([]), json!([])),
    );
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let health = client
        .get(format!("{}/healthz", server.base()))
        .send()
        .expect("GET");
    assert_eq!(health.status().as_u16(), 200);

    let rejected = ws.json(&["rejected", "--json"]);
    let kinds: Vec<&str> = rejected
        .as_array()
        .expect("array")
        .iter()
        .map(|q| q["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        ["conflict", "contract", "not_json"],
        "wrong token stores nothing"
    );
    assert!(
        rejected[1]["reason"]
            .as_str()
            .expect("reason")
            .contains("event.sequence.index is 3")
    );
    let table = ws.run(&["rejected"]);
    assert!(
        table.contains("not_json") && table.contains("REASON"),
        "{table}"
    );

    let batches = ws.json(&["batches", "--json"]);
    assert_eq!(batches[0]["status"], "incomplete");
    let text = ws.run(&["batches"]);
    assert!(text.contains("incomplete 1 of 2"), "{text}");
}

#[test]
fn cli_errors_exit_non_zero_with_one_clear_line() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    post(
        &client,
        &server.url,
        payload("ev-x", "b-x", 1, 2, json!([{"a": 1}]), json!([])),
    );
    post(
        &client,
        &server.url,
        payload("ev-y", "b-y", 1, 1, json!([{"a": 1}]), json!([])),
    );
    // Text that is not a number, in a column a filter casts: Polars panics evaluating it.
    post(
        &client,
        &server.url,
        payload(
            "ev-z",
            "b-z",
            1,
            1,
            json!([{"seats": "5"}, {"seats": "lots"}]),
            json!([]),
        ),
    );

    let one_line = |stderr: String| {
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        stderr
    };
    // The same checks as the app's fields, for the flags that set them.
    assert!(one_line(ws.fail(&["serve", "--public-url", "ftp://nope"])).contains("https://"));
    assert!(
        one_line(ws.fail(&["url", "--public-url", "https://t.example/hooks/abc"]))
            .contains("base URL")
    );
    assert!(one_line(ws.fail(&["serve", "--listen", "8787"])).contains("use host:port"));
    assert!(
        one_line(ws.fail(&["rows", "--batch", "nope"]))
            .contains("no batch or event matches \"nope\"; `hookgrid batches` lists them")
    );
    assert!(one_line(ws.fail(&["rows", "--batch", "ev-"])).contains("more than one"));
    assert!(
        one_line(ws.fail(&["rows", "--batch", "ev-y", "--where", "a >"]))
            .contains("not a valid SQL")
    );
    assert!(
        one_line(ws.fail(&["rows", "--batch", "ev-y", "--where", "b = 1"]))
            .contains("no column named \"b\"")
    );
    let cast = ws.output(&[
        "rows",
        "--batch",
        "b-z",
        "--where",
        "CAST(seats AS INTEGER) > 10",
    ]);
    assert_eq!(cast.status.code(), Some(1), "an error, not a panic (101)");
    let said = one_line(String::from_utf8_lossy(&cast.stderr).into_owned());
    assert!(
        said.starts_with(
            "error: the filter cannot be applied: a CAST failed: some values are not whole \
             numbers, such as [\"lots\"]; TRY_CAST(column AS type)"
        ),
        "{said}"
    );
    // Text compared with a number says which column and how to write it.
    assert!(
        one_line(ws.fail(&["rows", "--batch", "b-z", "--where", "seats > 10"])).contains(
            "seats is text (not all its values were numbers, so they are kept as sent) and is \
             compared with a number: compare it as a number with CAST(seats AS DOUBLE) > 10"
        )
    );
    // Polars' own notices stay out of the terminal: a cast to a date prints nothing more.
    let dated = ws.output(&[
        "rows",
        "--batch",
        "b-z",
        "--where",
        "TRY_CAST(seats AS DATE) IS NULL",
        "--json",
    ]);
    assert!(dated.status.success(), "{dated:?}");
    assert_eq!(String::from_utf8_lossy(&dated.stderr), "");
    // A refused body's reason speaks JSON, not the parser's own types.
    let (status, said) = post(
        &client,
        &server.url,
        br#"{"event": {"id": "x", "sequence": {"index": 0, "count": 1}}, "data": [1]}"#.to_vec(),
    );
    assert_eq!(status, 422);
    assert_eq!(
        said["message"], "data[0]: invalid type: integer `1`, expected an object",
        "{said}"
    );
    let out = ws.path().join("x.csv");
    let out = out.to_str().expect("path");
    assert!(
        one_line(ws.fail(&["export", "--batch", "ev-x", "--out", out]))
            .contains("--allow-incomplete")
    );
    assert_eq!(
        ws.run(&[
            "export",
            "--batch",
            "ev-x",
            "--out",
            out,
            "--allow-incomplete"
        ])
        .trim(),
        "1"
    );
    assert!(
        one_line(ws.fail(&["export", "--batch", "ev-y", "--out", "x.xls"]))
            .contains("use a .csv, .parquet or .xlsx file name")
    );
}

#[test]
fn a_rotated_token_takes_effect_in_the_running_listener() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let old = ws.run(&["token"]).trim().to_owned();
    assert!(server.url.ends_with(&old));
    assert_eq!(
        ws.run(&["url"]).trim(),
        server.url,
        "url prints what serve printed"
    );
    let new = ws.run(&["token", "--rotate"]).trim().to_owned();
    assert_ne!(old, new);
    assert_eq!(new.len(), 43);
    let (status, _) = post(
        &client,
        &server.url,
        payload("e", "b", 1, 1, json!([]), json!([])),
    );
    assert_eq!(status, 404, "the old URL stops working");
    let new_url = ws.run(&["url"]).trim().to_owned();
    let (status, _) = post(
        &client,
        &new_url,
        payload("e", "b", 1, 1, json!([]), json!([])),
    );
    assert_eq!(status, 200);
    let public = ws.run(&["url", "--public-url", "https://hooks.example.com/"]);
    assert_eq!(
        public.trim(),
        format!("https://hooks.example.com/hooks/{new}")
    );
    // The log names the token only by its fingerprint: neither token appears in it.
    assert!(server.terminate());
    let log = ws.serve_log();
    assert!(log.contains("token fingerprint"), "{log}");
    assert!(
        !log.contains(&old) && !log.contains(&new),
        "a token leaked into the log"
    );
}
