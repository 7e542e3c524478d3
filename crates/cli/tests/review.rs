//! Review decisions over the real binary: `hookgrid review` sets where an import stands,
//! `batches` shows and filters by it, `show --json` keeps its history; on the team server a
//! reviewer's change reaches another reviewer's open event stream at once, and a viewer may
//! read decisions but not make them.

use std::io::BufReader;
use std::time::Duration;

use hookgrid::sample::delivery_body;
use hookgrid_tests::{Workspace, csv_column, next_event, post, read_xlsx};
use reqwest::blocking::Client;
use serde_json::{Value, json};

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

fn send(url: &str, event: &str, batch: &str) {
    let body = delivery_body(event, batch, 0, 1, json!([{"sku": "A-1"}]), json!([]));
    let (status, said) = post(&client(), url, body);
    assert_eq!(status, 200, "{said}");
}

fn review_of<'a>(list: &'a Value, batch: &str) -> &'a Value {
    &list
        .as_array()
        .expect("a list")
        .iter()
        .find(|b| b["batch"] == batch)
        .unwrap_or_else(|| panic!("{batch} not listed: {list}"))["review"]
}

#[test]
fn a_status_is_set_listed_filtered_and_kept_with_its_history() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    send(&server.url, "ev-a", "batch-a");
    send(&server.url, "ev-b", "batch-b");

    let list = ws.json(&["batches", "--json"]);
    assert_eq!(
        review_of(&list, "batch-a"),
        &json!({"status": "new", "by": null, "at": null, "note": null})
    );

    let said = ws.run(&["review", "--batch", "batch-a", "--status", "in_review"]);
    assert!(
        said.starts_with("batch batch-a (event ev-a) is in_review (by "),
        "{said}"
    );
    ws.run(&[
        "review",
        "--batch",
        "batch-a",
        "--status",
        "rejected",
        "--note",
        "row 812 has the wrong country",
    ]);
    let list = ws.json(&["batches", "--json"]);
    let now = review_of(&list, "batch-a");
    assert_eq!(now["status"], "rejected");
    assert_eq!(now["note"], "row 812 has the wrong country");
    assert!(now["by"].as_str().is_some_and(|b| !b.is_empty()), "{now}");
    assert!(
        now["at"].as_str().is_some_and(|a| a.ends_with('Z')),
        "{now}"
    );

    let shown = ws.json(&["show", "--batch", "batch-a", "--json"]);
    let history: Vec<(&str, Option<&str>)> = shown["review_history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| (e["status"].as_str().expect("status"), e["note"].as_str()))
        .collect();
    assert_eq!(
        history,
        [
            ("in_review", None),
            ("rejected", Some("row 812 has the wrong country"))
        ],
        "oldest first"
    );
    assert_eq!(shown["review"], *now);
    let text = ws.run(&["show", "--batch", "batch-a"]);
    assert!(text.contains("rejected by "), "{text}");

    // Filtered by review status.
    let batches = |review: &str| -> Vec<String> {
        ws.json(&["batches", "--review", review, "--json"])
            .as_array()
            .expect("list")
            .iter()
            .map(|b| b["batch"].as_str().expect("batch").to_owned())
            .collect()
    };
    assert_eq!(batches("rejected"), ["batch-a"]);
    assert_eq!(batches("new"), ["batch-b"]);
    assert!(batches("approved").is_empty());
    let table = ws.run(&["batches"]);
    assert!(
        table.lines().next().is_some_and(|h| h.contains("REVIEW")),
        "{table}"
    );

    // Another word is refused with one line, and nothing is recorded.
    for args in [
        &["review", "--batch", "batch-b", "--status", "done"][..],
        &["review", "--batch", "batch-b", "--status", "In_Review"][..],
        &["batches", "--review", "approve"][..],
    ] {
        let err = ws.fail(args);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("is not a review status: use one of new, in_review, approved, rejected"),
            "{err}"
        );
    }
    assert_eq!(
        review_of(&ws.json(&["batches", "--json"]), "batch-b")["status"],
        "new"
    );
    let audit = ws.json(&["audit", "--json"]);
    let reviews = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|a| a["action"] == "review")
        .count();
    assert_eq!(reviews, 2, "{audit}");
}

#[test]
fn a_reviewer_s_change_reaches_another_reviewer_at_once_and_a_viewer_only_reads() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    let review = server.review().to_owned();
    send(&server.url, "ev-t", "batch-t");
    ws.add_user("rey", "reviewer", "a long reviewer password");
    ws.add_user("sam", "reviewer", "another long password");
    ws.add_user("vic", "viewer", "a long viewer password");
    let token = |name: &str| ws.api_token(name, "t");
    let (rey, sam, vic) = (token("rey"), token("sam"), token("vic"));
    let command = |token: &str, name: &str, args: Value| {
        client()
            .post(format!("{review}/api/{name}"))
            .bearer_auth(token)
            .json(&args)
            .send()
            .expect("command")
    };

    // Sam has the app open: its event stream.
    let stream = client()
        .get(format!("{review}/api/events"))
        .bearer_auth(&sam)
        .send()
        .expect("events");
    assert_eq!(stream.status(), 200);
    let mut lines = BufReader::new(stream);
    next_event(&mut lines, "hello", None);

    let set = command(
        &rey,
        "set_review",
        json!({"event": "batch-t", "status": "in_review"}),
    );
    assert_eq!(set.status(), 200);
    let entry: Value = set.json().expect("entry");
    assert_eq!(
        (&entry["status"], &entry["by"]),
        (&json!("in_review"), &json!("rey"))
    );
    let heard = next_event(&mut lines, "event", Some("review_changed"));
    assert_eq!(
        heard,
        json!({"type": "review_changed", "event": "ev-t", "batch": "batch-t",
               "status": "in_review", "by": "rey"})
    );
    // What Sam's list then reads says who holds it.
    let page: Value = command(&sam, "list_batches", json!({}))
        .json()
        .expect("page");
    assert_eq!(page["batches"][0]["review"]["by"], "rey");

    // A viewer reads decisions, and may not make one.
    let refused = command(
        &vic,
        "set_review",
        json!({"event": "batch-t", "status": "approved"}),
    );
    assert_eq!(refused.status(), 403);
    let details: Value = command(&vic, "import_details", json!({"event": "batch-t"}))
        .json()
        .expect("details");
    assert_eq!(details["review_history"].as_array().map(Vec::len), Some(1));
    // A status that is not one is refused before anything is stored.
    let bad = command(
        &rey,
        "set_review",
        json!({"event": "batch-t", "status": "done"}),
    );
    assert_eq!(bad.status(), 400);
    // Sam rewriting Rey's note needs an admin; a new status of his own does not.
    command(
        &rey,
        "set_review",
        json!({"event": "batch-t", "status": "in_review", "note": "calling the customer"}),
    );
    let rewrite = command(
        &sam,
        "set_review",
        json!({"event": "batch-t", "status": "in_review", "note": "no"}),
    );
    assert_eq!(rewrite.status(), 403);
    let own = command(
        &sam,
        "set_review",
        json!({"event": "batch-t", "status": "approved"}),
    );
    assert_eq!(own.status(), 200);
    let shown = ws.json(&["show", "--batch", "batch-t", "--json"]);
    let by: Vec<&str> = shown["review_history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["by"].as_str().expect("by"))
        .collect();
    assert_eq!(by, ["rey", "rey", "sam"]);
}

#[test]
fn rows_are_flagged_by_number_or_by_view_listed_exported_and_unflagged() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let body = delivery_body(
        "ev-f",
        "batch-f",
        0,
        1,
        json!([{"country": "DE"}, {"country": "Germany "}, {"country": "FR"}]),
        json!([{"country": "Germany "}]),
    );
    let (status, said) = post(&client(), &server.url, body);
    assert_eq!(status, 200, "{said}");

    let said = ws.run(&[
        "flag",
        "--batch",
        "batch-f",
        "--row",
        "2",
        "--note",
        "ask the customer",
    ]);
    assert_eq!(said.trim(), "flagged 1 row of batch batch-f");
    let said = ws.run(&[
        "flag",
        "--batch",
        "batch-f",
        "--where",
        "country = 'Germany '",
        "--note",
        "trailing space",
    ]);
    assert_eq!(said.trim(), "flagged 2 rows of batch batch-f");
    let flagged = ws.json(&["rows", "--batch", "batch-f", "--flagged", "--json"]);
    let rows: Vec<i64> = flagged["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["_row"].as_i64().expect("_row"))
        .collect();
    assert_eq!((flagged["total"].as_u64(), rows), (Some(3), vec![1, 2, 3]));

    let out = ws.path().join("flags.csv");
    ws.run(&[
        "export",
        "--batch",
        "batch-f",
        "--with-flags",
        "--out",
        out.to_str().expect("path"),
    ]);
    let mut csv = csv::Reader::from_path(&out).expect("csv");
    let headers = csv.headers().expect("headers").clone();
    assert_eq!(headers.iter().next_back(), Some("_flag"), "{headers:?}");
    let at = headers.len() - 1;
    let notes: Vec<String> = csv
        .records()
        .map(|r| r.expect("record")[at].to_owned())
        .collect();
    assert_eq!(
        notes,
        ["", "trailing space", "ask the customer", "trailing space"]
    );

    // A row that is not there, or a flag without a note, is refused in one line.
    let err = ws.fail(&["flag", "--batch", "batch-f", "--row", "4", "--note", "x"]);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("has no row 4: its rows are 0 to 3"), "{err}");
    let err = ws.fail(&["flag", "--batch", "batch-f", "--row", "1", "--note", " "]);
    assert!(err.contains("a flag needs a note"), "{err}");

    let said = ws.run(&["unflag", "--batch", "batch-f", "--flagged"]);
    assert_eq!(said.trim(), "unflagged 3 rows of batch batch-f");
    let left = ws.json(&["rows", "--batch", "batch-f", "--flagged", "--json"]);
    assert_eq!(left["total"], 0);
}

#[test]
fn a_corrected_cell_is_listed_exported_as_corrected_or_as_received_and_reverted() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let body = delivery_body(
        "ev-c",
        "batch-c",
        0,
        1,
        json!([{"country": "DE", "seats": 5}, {"country": "Germany ", "seats": 7}]),
        json!([]),
    );
    let (status, said) = post(&client(), &server.url, body);
    assert_eq!(status, 200, "{said}");

    let said = ws.run(&[
        "correct", "--batch", "batch-c", "--row", "1", "--column", "country", "--value", "Germany",
    ]);
    assert!(
        said.starts_with("correction 1: row 1, country: \"Germany \" → \"Germany\""),
        "{said}"
    );
    ws.run(&[
        "correct", "--batch", "batch-c", "--row", "0", "--column", "seats", "--value", "-6",
    ]);
    let list = ws.json(&["corrections", "--batch", "batch-c", "--json"]);
    let first = &list[0];
    assert_eq!(
        (
            &first["id"],
            &first["row"],
            &first["column"],
            &first["sent"],
            &first["value"]
        ),
        (
            &json!(1),
            &json!(1),
            &json!("country"),
            &json!("Germany "),
            &json!("Germany")
        )
    );
    assert!(
        first["by"].is_string() && first["at"].is_string(),
        "{first}"
    );
    assert_eq!(list[1]["sent"], json!(5), "a number as it was sent");

    // rows and exports give the corrected values; --as-received what was sent.
    let rows = ws.json(&["rows", "--batch", "batch-c", "--json"]);
    assert_eq!(rows["rows"][1]["country"], "Germany");
    assert_eq!(rows["rows"][0]["seats"], -6, "still a number column");
    let out = ws.path().join("corrected.csv");
    let path = out.to_str().expect("path");
    ws.run(&["export", "--batch", "batch-c", "--out", path]);
    assert_eq!(csv_column(&out, "country"), ["DE", "Germany"]);
    assert_eq!(csv_column(&out, "seats"), ["-6", "7"]);
    ws.run(&[
        "export",
        "--batch",
        "batch-c",
        "--out",
        path,
        "--as-received",
    ]);
    assert_eq!(csv_column(&out, "country"), ["DE", "Germany "]);
    assert_eq!(csv_column(&out, "seats"), ["5", "7"]);
    // A spreadsheet gives the corrected value, with a note saying what was sent.
    let xlsx = ws.path().join("corrected.xlsx");
    ws.run(&[
        "export",
        "--batch",
        "batch-c",
        "--out",
        xlsx.to_str().expect("path"),
    ]);
    let sheet = read_xlsx(&xlsx);
    let at = |name: &str| {
        sheet["header"]
            .as_array()
            .expect("header")
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} in {sheet}"))
    };
    let (country, seats) = (at("country"), at("seats"));
    let cell = &sheet["rows"][1][country];
    assert_eq!(cell["value"], "Germany");
    let note = cell["note"].as_str().unwrap_or_default();
    assert!(
        note.starts_with("Corrected by ") && note.ends_with("; sent: Germany "),
        "{note:?}"
    );
    assert_eq!(sheet["rows"][0][seats]["value"], -6);
    assert!(
        sheet["rows"][0][seats]["note"]
            .as_str()
            .is_some_and(|n| n.ends_with("; sent: 5")),
        "{sheet}"
    );
    assert_eq!(
        sheet["rows"][0][country]["note"],
        Value::Null,
        "uncorrected cells have none"
    );

    // Bad input, in one line.
    let err = ws.fail(&[
        "correct", "--batch", "batch-c", "--row", "0", "--column", "colour", "--value", "red",
    ]);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("colour"), "{err}");

    ws.run(&["correct", "--batch", "batch-c", "--revert", "1"]);
    assert_eq!(
        ws.json(&["corrections", "--batch", "batch-c", "--json"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    ws.run(&["export", "--batch", "batch-c", "--out", path]);
    assert_eq!(csv_column(&out, "country"), ["DE", "Germany "]);
    let err = ws.fail(&["correct", "--batch", "batch-c", "--revert", "1"]);
    assert!(err.contains("has no correction 1 to revert"), "{err}");
}

#[test]
fn find_and_replace_is_counted_with_dry_run_then_applied_as_corrections() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let body = delivery_body(
        "ev-r",
        "batch-r",
        0,
        1,
        json!([{"country": "Germany "}, {"country": "DE"}, {"country": "Germany "}]),
        json!([]),
    );
    let (status, said) = post(&client(), &server.url, body);
    assert_eq!(status, 200, "{said}");
    let args = |dry: bool| {
        let mut a = vec![
            "replace",
            "--batch",
            "batch-r",
            "--column",
            "country",
            "--find",
            "Germany ",
            "--replace",
            "Germany",
        ];
        if dry {
            a.push("--dry-run");
        }
        a
    };
    let said = ws.run(&args(true));
    assert!(
        said.starts_with("would replace 2 occurrences in 2 cells of country"),
        "{said}"
    );
    assert_eq!(
        ws.json(&["corrections", "--batch", "batch-r", "--json"]),
        json!([])
    );
    let said = ws.run(&args(false));
    assert!(
        said.starts_with("replaced 2 occurrences in 2 cells of country"),
        "{said}"
    );
    let out = ws.path().join("replaced.csv");
    ws.run(&[
        "export",
        "--batch",
        "batch-r",
        "--out",
        out.to_str().expect("path"),
    ]);
    assert_eq!(csv_column(&out, "country"), ["Germany", "DE", "Germany"]);
    let list = ws.json(&["corrections", "--batch", "batch-r", "--json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["sent"], "Germany ");
}
