//! Why rows are invalid, over the real binary: an importer configuration added with
//! `schema add`, a real-shaped import posted to `serve`, and `errors --json` read back, with the
//! choice of configuration per import and the derived file following configuration changes.

use hookgrid::sample::delivery_body;
use hookgrid_tests::{Workspace, post, read_xlsx};
use serde_json::{Value, json};

const BATCH: &str = "batch-why-0001";

/// Rows in import order: part 0 valid (r0, r1), invalid (r2, r3); part 1 valid (r4), invalid
/// (r5, which no rule explains).
fn part(index: u32) -> Vec<u8> {
    let (valid, invalid) = if index == 0 {
        (
            json!([
                {"email": "a@x.io", "plan": "team", "seats": "5", "company": "Acme", "extra": "x"},
                {"email": "b@x.io", "plan": "free", "seats": "", "company": ""}
            ]),
            json!([
                {"email": "not-an-email", "plan": "team", "seats": "5", "company": "A"},
                {"email": "", "plan": "gold", "seats": "1", "company": "B"}
            ]),
        )
    } else {
        (
            json!([{"email": "a@x.io", "plan": "free", "seats": "2", "company": "C"}]),
            json!([{"email": "c@x.io", "plan": "free", "seats": "3", "company": "D"}]),
        )
    };
    delivery_body("ev-why-0001", BATCH, index, 2, valid, invalid)
}

fn settings(with_unique: bool) -> Value {
    let mut email = vec![
        json!({"validate": "required"}),
        json!({"validate": "regex_matches", "regex": r"^[^@\s]+@[^@\s]+\.[a-z]+$",
               "error": "Must be a valid email address"}),
    ];
    if with_unique {
        email.insert(1, json!({"validate": "unique"}));
    }
    json!({
        "type": "Contacts",
        "allowInvalidSubmit": true,
        "fields": [
            {"key": "email", "label": "Email", "validators": email},
            {"key": "plan", "label": "Plan", "type": "select",
             "options": [{"value": "free", "label": "Free"}, {"value": "team", "label": "Team"}]},
            {"key": "seats", "validators": [
                {"validate": "required_with_values", "fieldValues": {"plan": "team"}}]},
            {"key": "company", "label": "Company", "validators": [
                {"validate": "required_with", "fields": ["email"]},
                {"validate": "regex_excludes", "regex": "(unclosed"}]},
            {"key": "phone", "label": "Phone"}
        ]
    })
}

/// `(column, validator, rows)` for every rule of a summary.
fn counts(summary: &Value) -> Vec<(String, String, u64)> {
    summary["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["column"].as_str().unwrap_or_default().to_owned(),
                r["validator"].as_str().unwrap_or_default().to_owned(),
                r["rows"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect()
}

fn rule(column: &str, validator: &str, rows: u64) -> (String, String, u64) {
    (column.to_owned(), validator.to_owned(), rows)
}

#[test]
fn an_importer_configuration_explains_every_invalid_row_it_can() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    for index in [1, 0] {
        let (status, body) = post(&client, &server.url, part(index));
        assert_eq!(status, 200, "{body}");
    }

    // Without a configuration: a clear error that says what to do.
    let err = ws.fail(&["errors", "--batch", BATCH]);
    assert!(
        err.contains("no importer configuration applies to batch batch-why-0001")
            && err.contains("hookgrid schema add"),
        "{err}"
    );

    // Something that is not a configuration is refused and nothing is kept.
    let bad = ws.path().join("bad.json");
    std::fs::write(&bad, r#"{"type": "Contacts"}"#).expect("write");
    let err = ws.fail(&["schema", "add", bad.to_str().expect("path")]);
    assert!(err.contains("no \"fields\" array"), "{err}");
    assert_eq!(ws.json(&["schema", "list", "--json"]), json!([]));

    let file = ws.path().join("contacts.json");
    std::fs::write(&file, settings(true).to_string()).expect("write");
    let out = ws.output(&["schema", "add", file.to_str().expect("path"), "--default"]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Added \"contacts\": 5 fields"), "{said}");
    let warned = String::from_utf8_lossy(&out.stderr);
    assert!(
        warned.contains("company / regex_excludes") && warned.contains("does not compile"),
        "{warned}"
    );

    let summary = ws.json(&["errors", "--batch", BATCH, "--json"]);
    assert_eq!(summary["config"], "contacts");
    assert_eq!(summary["choice"], "default");
    let mut got = counts(&summary);
    got.sort();
    let mut want = vec![
        rule("email", "required", 1),
        rule("email", "unique", 2),
        rule("email", "regex_matches", 1),
        rule("plan", "select", 1),
        rule("seats", "required_with_values", 0),
        rule("company", "required_with", 1),
    ];
    want.sort();
    assert_eq!(got, want);
    // The rules catching most rows come first.
    assert_eq!(summary["rules"][0]["validator"], "unique");
    let regex = summary["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["validator"] == "regex_matches"))
        .expect("regex rule");
    assert_eq!(regex["message"], "Must be a valid email address");
    assert_eq!(regex["label"], "Email");
    assert_eq!(summary["rows_with_errors"], 5);
    assert_eq!(
        summary["flagged_valid"], 3,
        "r0 and r4 repeat an email, r1 lacks a company"
    );
    assert_eq!(summary["unexplained_invalid"], 1, "r5 breaks no rule");
    assert_eq!(summary["unknown_columns"], json!(["extra"]));
    assert_eq!(summary["missing_fields"], json!(["phone"]));
    assert_eq!(summary["skipped"][0]["field"], "company");

    let text = ws.run(&["errors", "--batch", BATCH]);
    assert!(
        text.contains("2  email · Must be unique: this value is in more than one row (unique)"),
        "{text}"
    );
    assert!(text.contains("Invalid rows no rule explains: 1."), "{text}");

    // Views of the rows with errors, and each row's errors beside it.
    let rows_of = |args: &[&str]| -> Vec<i64> {
        let mut all = vec!["rows", "--batch", BATCH, "--json"];
        all.extend_from_slice(args);
        ws.json(&all)["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["_row"].as_i64().expect("_row"))
            .collect()
    };
    assert_eq!(rows_of(&["--errors"]), vec![0, 1, 2, 3, 4]);
    assert_eq!(rows_of(&["--errors-in", "plan"]), vec![3]);
    assert_eq!(
        rows_of(&["--errors-in", "email", "--rows", "invalid"]),
        vec![2, 3]
    );
    assert_eq!(
        rows_of(&["--errors", "--where", "company = 'A'"]),
        vec![2],
        "an errors view combines with a filter"
    );
    let err = ws.fail(&["rows", "--batch", BATCH, "--errors-in", "phone_no"]);
    assert!(err.contains("no column named \"phone_no\""), "{err}");
    let with = ws.json(&[
        "rows",
        "--batch",
        BATCH,
        "--json",
        "--with-errors",
        "--limit",
        "6",
    ]);
    let errors: Vec<Value> = with["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["_errors"].clone())
        .collect();
    assert_eq!(
        errors[2],
        json!([{"column": "email", "validator": "regex_matches", "message": "Must be a valid email address",
                "source": "configuration", "level": "error"}])
    );
    assert_eq!(errors[3].as_array().map(Vec::len), Some(2), "{}", errors[3]);
    assert_eq!(errors[5], json!([]), "r5 has none");
    let csv_path = ws.path().join("why.csv");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--errors",
        "--with-errors",
        "--out",
        csv_path.to_str().expect("path"),
    ]);
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let header = reader.headers().expect("header").clone();
    let at = header
        .iter()
        .position(|h| h == "_errors")
        .expect("_errors column");
    let texts: Vec<String> = reader
        .records()
        .map(|r| r.expect("record")[at].to_owned())
        .collect();
    assert_eq!(texts.len(), 5);
    assert_eq!(texts[2], "email: Must be a valid email address");
    assert_eq!(
        texts[3],
        "email: Required; plan: Not one of the options: free, team"
    );

    // An Excel file for the customer, read back by openpyxl: frozen header with a filter,
    // invalid rows tinted, failing cells red with their message as a note, and `_errors`.
    let xlsx = ws.path().join("why.xlsx");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--with-errors",
        "--out",
        xlsx.to_str().expect("path"),
    ]);
    let sheet = read_xlsx(&xlsx);
    assert_eq!(
        sheet["header"],
        json!([
            "_valid", "email", "plan", "seats", "company", "extra", "_errors"
        ])
    );
    assert_eq!(
        (sheet["freeze"].clone(), sheet["filter"].clone()),
        (json!("A2"), json!("A1:G7"))
    );
    // Columns as wide as their header and longest value (in characters, as Excel stores
    // them, a fraction more), so a customer opening the file reads every cell.
    let widths: Vec<f64> = serde_json::from_value(sheet["widths"].clone()).expect("widths");
    for (column, chars) in [
        (1, "not-an-email".len()),
        (
            6,
            "email: Required; plan: Not one of the options: free, team".len(),
        ),
        (0, "_valid".len() + 2),
    ] {
        let want = chars as f64 + 1.0;
        assert!(
            (want..want + 1.0).contains(&widths[column]),
            "column {column}: {} for {want} characters ({widths:?})",
            widths[column]
        );
    }
    let cell = |row: usize, col: usize| sheet["rows"][row][col].clone();
    // r2 (sheet row 4): its email fails the regex; the row is invalid.
    assert_eq!(cell(2, 1)["value"], "not-an-email");
    assert_eq!(cell(2, 1)["note"], "Must be a valid email address");
    assert_eq!(cell(2, 1)["fill"], "FFF8B4B4");
    assert_eq!(
        cell(2, 2)["fill"],
        "FFFDECEC",
        "the rest of an invalid row is tinted"
    );
    assert_eq!(cell(2, 6)["value"], "email: Must be a valid email address");
    // r3: two failing cells; r5: invalid, nothing explains it; r0: valid, repeated email.
    assert_eq!(cell(3, 1)["note"], "Required");
    assert_eq!(cell(3, 2)["note"], "Not one of the options: free, team");
    assert_eq!(cell(5, 1)["fill"], "FFFDECEC");
    assert_eq!(cell(5, 1)["note"], Value::Null);
    assert_eq!(
        cell(0, 1)["note"],
        "Must be unique: this value is in more than one row"
    );
    assert_eq!(cell(0, 2)["fill"], Value::Null, "a valid row is not tinted");
    assert_eq!(cell(0, 3)["value"], 5, "text numbers are typed as numbers");

    // The cells' errors are kept beside the import's file, and follow a changed configuration.
    let derived = || -> Vec<String> {
        std::fs::read_dir(ws.data_dir().join("batches"))
            .expect("batches dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".errors-"))
            .collect()
    };
    let first = derived();
    assert_eq!(first.len(), 1, "{first:?}");
    std::fs::write(&file, settings(false).to_string()).expect("write");
    ws.run(&["schema", "add", file.to_str().expect("path")]);
    let summary = ws.json(&["errors", "--batch", BATCH, "--json"]);
    assert!(
        !counts(&summary).iter().any(|(_, v, _)| v == "unique"),
        "{summary}"
    );
    assert_eq!(summary["flagged_valid"], 1, "only r1 now");
    assert_eq!(summary["choice"], "default", "replacing keeps the scope");
    let second = derived();
    assert_eq!(second.len(), 1, "the old file is gone: {second:?}");
    assert_ne!(first, second);

    // One import can be given another configuration, and go back.
    let strict = ws.path().join("strict.json");
    std::fs::write(
        &strict,
        json!([{"key": "seats", "validators": [{"validate": "required"}]}]).to_string(),
    )
    .expect("write");
    ws.run(&["schema", "add", strict.to_str().expect("path")]);
    ws.run(&["schema", "use", "--batch", BATCH, "strict"]);
    let summary = ws.json(&["errors", "--batch", BATCH, "--json"]);
    assert_eq!(
        (summary["config"].clone(), summary["choice"].clone()),
        (json!("strict"), json!("chosen"))
    );
    assert_eq!(counts(&summary), vec![rule("seats", "required", 1)]);
    assert_eq!(
        summary["unknown_columns"],
        json!(["email", "plan", "company", "extra"])
    );
    ws.run(&["schema", "use", "--batch", BATCH, "--automatic"]);
    assert_eq!(
        ws.json(&["errors", "--batch", BATCH, "--json"])["config"],
        "contacts"
    );

    let text = ws.run(&["schema", "show", "contacts"]);
    assert!(
        text.contains("  email \"Email\" (string): required, regex_matches")
            && text.contains("  plan \"Plan\" (select): select"),
        "{text}"
    );
    let shown = ws.json(&["schema", "show", "contacts", "--json"]);
    assert_eq!(shown["is_default"], true);
    assert_eq!(shown["fields"][1]["type"], "select");
    assert_eq!(
        shown["fields"][0]["validators"],
        json!(["required", "regex_matches"])
    );
    assert_eq!(shown["fields"][1]["validators"], json!(["select"]));
    let err = ws.fail(&["schema", "use", "--batch", BATCH, "nope"]);
    assert!(
        err.contains("no configuration named \"nope\"") && err.contains("schema list"),
        "{err}"
    );
    ws.run(&["schema", "remove", "contacts"]);
    let names: Vec<Value> = ws
        .json(&["schema", "list", "--json"])
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("strict")]);

    // Deleting the import removes what was derived from it.
    ws.run(&["delete", "--batch", BATCH]);
    assert!(derived().is_empty(), "{:?}", derived());
}

#[test]
fn a_configuration_explains_only_the_imports_it_fits() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    for index in [1, 0] {
        let (status, body) = post(&client, &server.url, part(index));
        assert_eq!(status, 200, "{body}");
    }
    // A warehouse import shares no field with the contacts configuration.
    let warehouse = delivery_body(
        "ev-warehouse",
        "batch-warehouse",
        0,
        1,
        json!([{"sku": "A-1", "weight_kg": "2.5"}, {"sku": "B-2", "weight_kg": ""}]),
        json!([]),
    );
    let (status, body) = post(&client, &server.url, warehouse);
    assert_eq!(status, 200, "{body}");
    let file = ws.path().join("contacts.json");
    std::fs::write(&file, settings(true).to_string()).expect("write");
    ws.run(&["schema", "add", file.to_str().expect("path"), "--default"]);

    // The default does not explain what it does not fit: no invented reasons anywhere.
    let summary = ws.json(&["errors", "--batch", "batch-warehouse", "--json"]);
    assert_eq!(
        (&summary["fits"], &summary["config"], &summary["rules"]),
        (&json!(false), &json!("contacts"), &json!([])),
        "{summary}"
    );
    assert_eq!(
        summary["does_not_fit"],
        "configuration contacts does not fit this import: none of its fields are here"
    );
    let said = ws.run(&["errors", "--batch", "batch-warehouse"]);
    assert!(
        said.starts_with(
            "configuration contacts does not fit this import: none of its fields are here."
        ) && said.contains("schema use --batch B contacts"),
        "{said}"
    );
    let err = ws.fail(&["rows", "--batch", "batch-warehouse", "--with-errors"]);
    assert!(
        err.contains(
            "configuration contacts does not fit batch batch-warehouse: none of its fields are here"
        ) && err.contains("applies it anyway"),
        "{err}"
    );
    let out = ws.path().join("warehouse.csv");
    ws.run(&[
        "export",
        "--batch",
        "batch-warehouse",
        "--out",
        out.to_str().expect("path"),
    ]);
    let csv = std::fs::read_to_string(&out).expect("csv");
    assert!(!csv.contains("_errors"), "{csv}");
    // It still explains the import it was written for.
    let fits = ws.json(&["errors", "--batch", BATCH, "--json"]);
    assert_eq!(
        (&fits["fits"], &fits["does_not_fit"]),
        (&json!(true), &Value::Null)
    );
    assert!(
        fits["rows_with_errors"].as_u64().expect("count") > 0,
        "{fits}"
    );

    // The list names the configuration that explains each import, and none where it does
    // not fit, with the columns that tell them apart.
    let listed = ws.json(&["batches", "--json"]);
    let entry = |batch: &str| {
        listed
            .as_array()
            .expect("a list")
            .iter()
            .find(|b| b["batch"] == batch)
            .map(|b| (b["config"].clone(), b["columns"].clone()))
    };
    assert_eq!(
        entry("batch-warehouse"),
        Some((Value::Null, json!(["sku", "weight_kg"])))
    );
    assert_eq!(entry(BATCH).map(|e| e.0), Some(json!("contacts")));
    let table = ws.run(&["batches"]);
    assert!(
        table.lines().next().is_some_and(|h| h.contains("CONFIG")),
        "{table}"
    );

    // Given by hand, it applies anyway, and says it does not fit.
    ws.run(&["schema", "use", "--batch", "batch-warehouse", "contacts"]);
    let forced = ws.json(&["errors", "--batch", "batch-warehouse", "--json"]);
    assert_eq!(
        (&forced["fits"], &forced["choice"]),
        (&json!(false), &json!("chosen"))
    );
    assert!(forced["rows_with_errors"] == 2, "{forced}");
    assert!(
        forced["does_not_fit"]
            .as_str()
            .is_some_and(|n| n.ends_with("(applied because it was given to this import)")),
        "{forced}"
    );

    // No configuration on purpose: none applies, not even the default that fits.
    let said = ws.run(&["schema", "use", "--batch", BATCH, "--none"]);
    assert!(said.contains("has no configuration"), "{said}");
    let err = ws.fail(&["errors", "--batch", BATCH]);
    assert!(
        err.contains("no importer configuration applies to batch batch-why-0001"),
        "{err}"
    );
    ws.run(&["schema", "use", "--batch", BATCH, "--automatic"]);
    assert_eq!(
        ws.json(&["errors", "--batch", BATCH, "--json"])["config"],
        "contacts"
    );
    let err = ws.fail(&["schema", "use", "--batch", BATCH, "--none", "--automatic"]);
    assert!(err.contains("cannot be used with"), "{err}");

    // Headers and _errors by the configuration's labels; a spreadsheet marks the same cells.
    let labelled = ws.path().join("labelled.csv");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--with-errors",
        "--labels",
        "--out",
        labelled.to_str().expect("path"),
    ]);
    let csv = std::fs::read_to_string(&labelled).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("_valid,Email,Plan,seats,Company,extra,_errors"),
        "{csv}"
    );
    assert!(
        csv.contains("not-an-email,team,5,A,,Email: Must be a valid email address"),
        "{csv}"
    );
    let sheet = ws.path().join("labelled.xlsx");
    ws.run(&[
        "export",
        "--batch",
        BATCH,
        "--with-errors",
        "--labels",
        "--out",
        sheet.to_str().expect("path"),
    ]);
    let sheet = read_xlsx(&sheet);
    assert_eq!(sheet["header"][1], "Email");
    assert_eq!(sheet["rows"][2][1]["note"], "Must be a valid email address");
    // An import no configuration explains has no labels to give.
    ws.run(&["schema", "use", "--batch", "batch-warehouse", "--automatic"]);
    let out = ws.path().join("w.csv");
    let err = ws.fail(&[
        "export",
        "--batch",
        "batch-warehouse",
        "--labels",
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(err.contains("does not fit"), "{err}");
}
