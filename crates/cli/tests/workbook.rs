//! Today's Flatfile Platform over the real binary: a two-sheet workbook posted to `serve` as
//! the webhook-egress plugin posts it, each sheet an import, read back by the commands.

use hookgrid::sample::{cell, record, sheet, workbook};
use hookgrid_tests::{Workspace, csv_column, post, read_xlsx};
use serde_json::{Value, json};

fn contacts() -> Value {
    sheet(
        "us_sh_contacts",
        "Contacts",
        Some("us_vr_1"),
        &[
            ("email", "Email", "string"),
            ("plan", "Plan", "enum"),
            ("seats", "Seats", "number"),
        ],
        vec![
            record(
                "us_rc_a",
                json!({"email": cell(json!("ann@acme.example"), &[]),
                       "plan": cell(json!("team"), &[]), "seats": cell(json!(5), &[])}),
            ),
            record(
                "us_rc_b",
                json!({"email": cell(json!("bob@"), &[("error", "Invalid email")]),
                       "plan": cell(json!("free"), &[("warn", "Free plans expire")]),
                       "seats": cell(json!(null), &[])}),
            ),
        ],
    )
}

fn orders() -> Value {
    sheet(
        "us_sh_orders",
        "Orders",
        None,
        &[("sku", "SKU", "string"), ("paid", "Paid", "boolean")],
        vec![record(
            "us_rc_o",
            json!({"sku": cell(json!("00123"), &[]), "paid": cell(json!(true), &[])}),
        )],
    )
}

#[test]
fn a_posted_workbook_is_one_import_per_sheet_for_every_command() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let body = serde_json::to_vec(&workbook(vec![contacts(), orders()])).expect("json");
    let (status, answer) = post(&client, &server.url, body.clone());
    assert_eq!((status, answer), (200, json!({})));
    // The plugin does not retry, but a customer may submit the same thing twice.
    let (status, answer) = post(&client, &server.url, body);
    assert_eq!((status, answer), (200, json!({})));

    let listed = ws.json(&["batches", "--json"]);
    let listed = listed.as_array().expect("list");
    assert_eq!(listed.len(), 2, "{listed:?}");
    let contacts = listed
        .iter()
        .find(|b| b["batch"] == "us_sh_contacts")
        .expect("contacts");
    assert_eq!(contacts["event"], "us_sh_contacts:us_vr_1");
    assert_eq!(
        (contacts["valid"].as_u64(), contacts["invalid"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(contacts["workbook"]["name"], "Q4 contacts");
    assert_eq!(contacts["workbook"]["spaceId"], "us_sp_Hn3x");
    assert_eq!(contacts["workbook"]["environmentId"], "us_env_Tq81");
    assert_eq!(contacts["workbook"]["eventFrom"], "commitId");
    assert_eq!(
        contacts["workbook"]["fields"][0],
        json!({"key": "email", "label": "Email", "type": "string"})
    );
    let orders = listed
        .iter()
        .find(|b| b["batch"] == "us_sh_orders")
        .expect("orders");
    assert_eq!(orders["workbook"]["eventFrom"], "records digest");
    let text = ws.run(&["batches"]);
    assert!(
        text.contains("Q4 contacts · us_sp_Hn3x · us_env_Tq81"),
        "{text}"
    );

    // Rows in record order, typed as JSON types them, each with its record's validity.
    let rows = ws.json(&["rows", "--batch", "us_sh_contacts", "--json"]);
    let rows = rows["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["email"], "ann@acme.example");
    assert_eq!(
        (&rows[0]["_row"], &rows[0]["_record"]),
        (&json!(0), &json!("us_rc_a"))
    );
    assert_eq!(rows[1]["_record"], "us_rc_b");
    assert_eq!(rows[0]["seats"], 5);
    assert_eq!(rows[1]["_valid"], false);
    assert_eq!(rows[1]["seats"], Value::Null);
    let invalid = ws.json(&[
        "rows",
        "--batch",
        "us_sh_contacts",
        "--rows",
        "invalid",
        "--json",
    ]);
    assert_eq!(invalid["rows"].as_array().map(Vec::len), Some(1));
    let orders_rows = ws.json(&["rows", "--batch", "us_sh_orders", "--json"]);
    assert_eq!(orders_rows["rows"][0]["sku"], "00123");
    assert_eq!(orders_rows["rows"][0]["paid"], true);

    // Read again from the stored body once the derived file is gone, and as received.
    let out = ws.path().join("orders.csv");
    let path = out.to_str().expect("path");
    ws.run(&[
        "export",
        "--batch",
        "us_sh_orders",
        "--out",
        path,
        "--as-received",
        "--as-text",
    ]);
    assert_eq!(csv_column(&out, "sku"), ["00123"]);
    assert_eq!(
        csv_column(&out, "_record"),
        ["us_rc_o"],
        "the record id is kept to find it again"
    );
    assert_eq!(csv_column(&out, "paid"), ["true"]);
    drop(server);
    for entry in std::fs::read_dir(ws.data_dir().join("batches")).expect("batches dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "parquet") {
            std::fs::remove_file(path).expect("remove");
        }
    }
    let again = ws.json(&["rows", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(again["rows"], json!(rows));
    let shown = ws.json(&["show", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(shown["parts_received"], 1);
}

/// `(column, message, source, level, rows)` of every rule of a summary.
fn rules(summary: &Value) -> Vec<(String, String, String, String, u64)> {
    let text = |r: &Value, k: &str| r[k].as_str().unwrap_or_default().to_owned();
    summary["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                text(r, "column"),
                text(r, "message"),
                text(r, "source"),
                text(r, "level"),
                r["rows"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect()
}

fn rule(
    column: &str,
    message: &str,
    source: &str,
    level: &str,
    rows: u64,
) -> (String, String, String, String, u64) {
    (
        column.into(),
        message.into(),
        source.into(),
        level.into(),
        rows,
    )
}

#[test]
fn flatfile_s_own_messages_are_reasons_with_or_without_a_configuration() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    // A third record Flatfile marked invalid without saying why.
    let mut sheet = contacts();
    sheet["records"]
        .as_array_mut()
        .expect("records")
        .push(record(
            "us_rc_c",
            json!({"email": {"value": "cy@acme.example", "valid": true},
                                        "plan": {"value": "team", "valid": true},
                                        "seats": {"value": 2, "valid": true}}),
        ));
    sheet["records"][2]["valid"] = json!(false);
    let body = serde_json::to_vec(&workbook(vec![sheet])).expect("json");
    assert_eq!(post(&client, &server.url, body).0, 200);

    // No configuration attached: Flatfile's messages explain the rows.
    let summary = ws.json(&["errors", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(summary["config"], Value::Null);
    assert_eq!(
        rules(&summary),
        [
            rule("email", "Invalid email", "flatfile", "error", 1),
            rule("plan", "Free plans expire", "flatfile", "warn", 1),
        ]
    );
    assert_eq!(summary["rows_with_errors"], 1, "a warning is not an error");
    assert_eq!(
        summary["unexplained_invalid"], 1,
        "us_rc_c came with no message"
    );
    let text = ws.run(&["errors", "--batch", "us_sh_contacts"]);
    assert!(
        text.contains("Flatfile's own messages (no configuration attached)"),
        "{text}"
    );
    assert!(
        text.contains("plan · Free plans expire (custom-logic, Flatfile warning)"),
        "{text}"
    );

    let with = ws.json(&[
        "rows",
        "--batch",
        "us_sh_contacts",
        "--with-errors",
        "--json",
    ]);
    assert_eq!(
        with["rows"][1]["_errors"],
        json!([
            {"column": "email", "validator": "custom-logic", "message": "Invalid email",
             "source": "flatfile", "level": "error"},
            {"column": "plan", "validator": "custom-logic", "message": "Free plans expire",
             "source": "flatfile", "level": "warn"}
        ])
    );
    assert_eq!(with["rows"][0]["_errors"], json!([]));
    let only = ws.json(&["rows", "--batch", "us_sh_contacts", "--errors", "--json"]);
    let only: Vec<&Value> = only["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| &r["_row"])
        .collect();
    assert_eq!(only, [&json!(1)], "only errors select rows");
    let in_plan = ws.json(&[
        "rows",
        "--batch",
        "us_sh_contacts",
        "--errors-in",
        "plan",
        "--json",
    ]);
    assert_eq!(in_plan["rows"], json!([]), "plan holds a warning only");

    // An Excel file: the error red with its message, the warning a note on an uncoloured cell.
    let xlsx = ws.path().join("contacts.xlsx");
    ws.run(&[
        "export",
        "--batch",
        "us_sh_contacts",
        "--with-errors",
        "--out",
        xlsx.to_str().expect("path"),
    ]);
    let read = read_xlsx(&xlsx);
    let header: Vec<String> = serde_json::from_value(read["header"].clone()).expect("header");
    let at = |name: &str| header.iter().position(|h| h == name).expect("column");
    let email = &read["rows"][1][at("email")];
    assert_eq!(email["note"], "Invalid email");
    assert!(email["fill"].is_string(), "{email}");
    let plan = &read["rows"][1][at("plan")];
    assert_eq!(plan["note"], "Warning: Free plans expire");
    assert_eq!(
        read["rows"][1][at("_errors")]["value"],
        "email: Invalid email; plan: Free plans expire"
    );

    // A configuration too: both appear, each with its source.
    let config = ws.path().join("contacts.json");
    std::fs::write(
        &config,
        json!({"fields": [
            {"key": "email", "label": "Email"},
            {"key": "plan", "label": "Plan"},
            {"key": "seats", "label": "Seats", "validators": [{"validate": "required"}]}
        ]})
        .to_string(),
    )
    .expect("write");
    ws.run(&["schema", "add", config.to_str().expect("path"), "--default"]);
    let both = ws.json(&["errors", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(both["config"], "contacts");
    assert_eq!(
        rules(&both),
        [
            rule("seats", "Required", "configuration", "error", 1),
            rule("email", "Invalid email", "flatfile", "error", 1),
            rule("plan", "Free plans expire", "flatfile", "warn", 1),
        ]
    );
    assert_eq!(both["rows_with_errors"], 1, "row 1 breaks both");
    assert_eq!(both["unexplained_invalid"], 1);

    // A corrected cell no longer carries Flatfile's message on what was sent.
    ws.run(&[
        "correct",
        "--batch",
        "us_sh_contacts",
        "--row",
        "1",
        "--column",
        "email",
        "--value",
        "bob@acme.example",
    ]);
    let listed = ws.json(&["corrections", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(
        listed[0]["sent"], "bob@",
        "the value as sent is the record's"
    );
    let fixed = ws.json(&["errors", "--batch", "us_sh_contacts", "--json"]);
    assert!(
        rules(&fixed)
            .iter()
            .all(|r| r.1 != "Invalid email" || r.4 == 0),
        "{:?}",
        rules(&fixed)
    );
}

#[test]
fn a_send_back_configuration_marks_the_rejected_cells_in_the_answer_to_the_submit() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let config = ws.path().join("contacts.json");
    std::fs::write(
        &config,
        json!({"type": "Contacts", "fields": [
            {"key": "email", "label": "Email", "validators": [
                {"validate": "regex_matches", "regex": "^[^@]+@[^@]+\\.[a-z]+$",
                 "error": "Must be a valid email address"}]},
            {"key": "plan", "label": "Plan", "type": "select",
             "options": [{"value": "team", "label": "Team"}]},
            {"key": "seats", "label": "Seats", "validators": [{"validate": "required"}]}
        ]})
        .to_string(),
    )
    .expect("write");
    let said = ws.run(&[
        "schema",
        "add",
        config.to_str().expect("path"),
        "--for-sheet",
        "contacts",
        "--send-back",
    ]);
    assert!(
        said.contains("Flatfile sheets with slug contacts; the cells it rejects are sent back"),
        "{said}"
    );
    let listed = ws.json(&["schema", "list", "--json"]);
    assert_eq!(
        (&listed[0]["for_sheet"], &listed[0]["send_back"]),
        (&json!("contacts"), &json!(true))
    );

    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let body = serde_json::to_vec(&workbook(vec![contacts(), orders()])).expect("json");
    let (status, answer) = post(&client, &server.url, body);
    assert_eq!(status, 200);
    // Field by field, the shape Flatfile's response-rejection utility reads.
    let keys = |o: &serde_json::Map<String, Value>| {
        let mut k: Vec<String> = o.keys().cloned().collect();
        k.sort();
        k
    };
    let rejections = answer["rejections"].as_object().expect("rejections");
    assert_eq!(keys(rejections), ["id", "message", "sheets"]);
    assert_eq!(rejections["id"], "us_wb_5fA2kQ");
    assert!(rejections["message"].is_string());
    let sheets = rejections["sheets"].as_array().expect("sheets");
    assert_eq!(
        sheets.len(),
        1,
        "only Contacts has a send-back configuration"
    );
    let sheet = sheets[0].as_object().expect("sheet");
    assert_eq!(keys(sheet), ["rejectedRecords", "sheetId"]);
    assert_eq!(sheet["sheetId"], "us_sh_contacts");
    // us_rc_b: its email fails, its plan is not an option, its seats are missing.
    assert_eq!(
        sheet["rejectedRecords"],
        json!([{"id": "us_rc_b", "values": [
            {"field": "email", "message": "Must be a valid email address"},
            {"field": "plan", "message": "Not one of the options: team"},
            {"field": "seats", "message": "Required"}
        ]}])
    );
    let shown = ws.json(&["show", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(shown["sent_back"]["config"], "contacts");
    assert_eq!(shown["sent_back"]["rejected"], 1);
    // The import's reasons are the same configuration's, beside Flatfile's own.
    let summary = ws.json(&["errors", "--batch", "us_sh_contacts", "--json"]);
    assert_eq!(
        (&summary["config"], &summary["choice"]),
        (&json!("contacts"), &json!("sheet"))
    );
    assert_eq!(summary["rows_with_errors"], 1);
}

#[test]
fn a_flatfile_file_imports_as_if_it_had_been_posted() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let file = ws.path().join("workbook.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&workbook(vec![contacts(), orders()])).expect("json"),
    )
    .expect("write");
    let path = file.to_str().expect("path");
    let said = ws.run(&["import", path]);
    assert!(
        said.contains("imported: sheet Contacts (2 rows) as batch us_sh_contacts"),
        "{said}"
    );
    assert!(
        said.contains("imported: sheet Orders (1 rows) as batch us_sh_orders"),
        "{said}"
    );
    let again = ws.json(&["import", path, "--json"]);
    assert_eq!(again[0]["stored"], false, "{again}");

    // A records response pulled with the API, named by its sheet.
    let records = ws.path().join("records.json");
    std::fs::write(
        &records,
        json!({"data": {"success": true, "versionId": "us_vr_9", "records": [
            record("us_rc_x", json!({"sku": cell(json!("B-2"), &[("error", "Unknown SKU")])})),
        ]}})
        .to_string(),
    )
    .expect("write");
    let records_path = records.to_str().expect("path");
    let err = ws.fail(&["import", records_path]);
    assert!(err.contains("needs the sheet's name"), "{err}");
    let err = ws.fail(&["import", path, "--sheet", "Orders"]);
    assert!(err.contains("names its own sheets"), "{err}");
    let said = ws.run(&["import", records_path, "--sheet", "Stock"]);
    assert!(
        said.contains("as batch Stock (event Stock:us_vr_9)"),
        "{said}"
    );
    let rows = ws.json(&["rows", "--batch", "Stock", "--with-errors", "--json"]);
    assert_eq!(rows["rows"][0]["_record"], "us_rc_x");
    assert_eq!(rows["rows"][0]["_errors"][0]["message"], "Unknown SKU");
    let listed = ws.json(&["batches", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
}
