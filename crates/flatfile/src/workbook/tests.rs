use serde_json::{Value, json};

use super::*;
use crate::PayloadErrorKind;
use crate::rows::Values;

fn field(key: &str, label: &str, kind: &str) -> Value {
    json!({"key": key, "label": label, "type": kind, "constraints": []})
}

fn cell(value: Value) -> Value {
    json!({"value": value, "valid": true, "messages": [], "updatedAt": "2026-12-01T10:00:00.000Z"})
}

fn sheet(id: &str, fields: Vec<Value>, records: Vec<Value>) -> Value {
    json!({
        "id": id, "workbookId": "us_wb_1", "name": "Contacts", "slug": "contacts",
        "config": {"name": "Contacts", "slug": "contacts", "fields": fields},
        "success": true, "records": records,
        "counts": {"total": 1, "valid": 0, "error": 1},
        "versionId": "us_vr_7", "commitId": "us_vr_8"
    })
}

fn workbook(sheets: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"workbook": {
        "id": "us_wb_1", "name": "Contacts", "spaceId": "us_sp_1", "environmentId": "us_env_1",
        "createdAt": "2026-12-01T10:00:00.000Z", "updatedAt": "2026-12-01T10:00:00.000Z",
        "labels": [], "metadata": {}, "sheets": sheets
    }}))
    .expect("json")
}

fn the_body() -> Vec<u8> {
    workbook(vec![sheet(
        "us_sh_1",
        vec![json!({"key": "email", "label": "Email", "type": "string",
                    "constraints": [{"type": "required"}]})],
        vec![json!({
            "id": "us_rc_1",
            "values": {"email": {"value": "bob@", "valid": false,
                "messages": [{"type": "error", "message": "Invalid email", "source": "custom-logic"}],
                "updatedAt": "2026-12-01T10:00:00.000Z"}},
            "valid": false, "metadata": {}
        })],
    )])
}

fn texts(rows: &Rows, column: &str) -> Vec<Option<String>> {
    let c = rows
        .columns()
        .iter()
        .find(|c| c.name == column)
        .expect("column");
    match &c.values {
        Values::Text(t) => t.iter().map(|v| v.map(str::to_owned)).collect(),
        Values::Null(n) => vec![None; *n],
        other => panic!("{column} is not text: {other:?}"),
    }
}

#[test]
fn the_plugin_s_body_is_one_import_per_sheet_with_flatfile_s_messages() {
    let body = the_body();
    assert!(is_workbook(&body));
    let wb = parse_workbook(&body).expect("workbook");
    assert_eq!(wb.id, "us_wb_1");
    assert_eq!(wb.name.as_deref(), Some("Contacts"));
    assert_eq!(wb.space_id.as_deref(), Some("us_sp_1"));
    assert_eq!(wb.environment_id.as_deref(), Some("us_env_1"));
    let [sheet] = wb.sheets.as_slice() else {
        panic!("one sheet: {:?}", wb.sheets);
    };
    assert_eq!(
        (sheet.id.as_str(), sheet.name.as_str()),
        ("us_sh_1", "Contacts")
    );
    assert_eq!(sheet.event_id, "us_sh_1:us_vr_8");
    assert_eq!(sheet.event_from, EventFrom::Commit);
    assert_eq!(
        sheet.fields,
        [SheetField {
            key: "email".into(),
            label: "Email".into(),
            kind: Some("string".into())
        }]
    );
    assert_eq!(texts(&sheet.rows, "email"), [Some("bob@".to_owned())]);
    assert_eq!(sheet.valid, [false]);
    assert_eq!(sheet.records, ["us_rc_1"]);
    assert_eq!(
        sheet.messages,
        [CellMessage {
            row: 0,
            field: "email".into(),
            level: Level::Error,
            message: Some("Invalid email".into()),
            source: Some("custom-logic".into()),
        }]
    );
}

#[test]
fn a_body_opening_with_its_workbook_is_told_at_once() {
    assert!(opens_as_workbook(&the_body()));
    assert!(opens_as_workbook(b"\xEF\xBB\xBF \n { \"workbook\" : {}}"));
    assert!(!opens_as_workbook(br#"{"event": {}, "workbook": {}}"#));
    assert!(
        is_workbook(br#"{"event": {}, "workbook": {}}"#),
        "found by the full read"
    );
    assert!(!opens_as_workbook(br#"{"workbooks": {}}"#));
    assert!(!opens_as_workbook(b"[]"));
}

#[test]
fn a_portal_body_is_not_a_workbook() {
    let portal = json!({"event": {"id": "ev"}, "data": {"meta": {"batch": {"id": "b"}},
                        "validRows": [], "invalidRows": []}});
    assert!(!is_workbook(&serde_json::to_vec(&portal).expect("json")));
    assert!(!is_workbook(b"{\"workbook\": [1]}"), "not an object");
    assert!(!is_workbook(b"not json"));
}

#[test]
fn messages_missing_mean_the_cell_failed_without_a_reason_and_warnings_do_not_fail_a_record() {
    let body = workbook(vec![sheet(
        "us_sh_1",
        vec![
            field("email", "Email", "string"),
            field("age", "Age", "number"),
        ],
        vec![
            // `messages` missing altogether, `valid: false`: failed, nothing said.
            json!({"id": "r1", "values": {"email": {"value": "x", "valid": false},
                                          "age": cell(json!(30))}}),
            // Only a warning: the record is valid (no `valid` on it: judged by its cells).
            json!({"id": "r2", "values": {"email": cell(json!("a@b.io")),
                "age": {"value": 130, "valid": true,
                        "messages": [{"type": "warn", "message": "Unusually old"}]}}}),
            // `messages: null`, info only.
            json!({"id": "r3", "values": {"email": {"value": "c@d.io", "messages": null},
                "age": {"value": 5, "messages": [{"type": "info", "message": "Child"}]}}}),
        ],
    )]);
    let wb = parse_workbook(&body).expect("workbook");
    let sheet = &wb.sheets[0];
    assert_eq!(sheet.valid, [false, true, true]);
    let seen: Vec<(u32, &str, Level, Option<&str>)> = sheet
        .messages
        .iter()
        .map(|m| (m.row, m.field.as_str(), m.level, m.message.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (0, "email", Level::Error, None),
            (1, "age", Level::Warn, Some("Unusually old")),
            (2, "age", Level::Info, Some("Child")),
        ]
    );
    let ages = sheet
        .rows
        .columns()
        .iter()
        .find(|c| c.name == "age")
        .expect("age");
    assert_eq!(ages.values, Values::Int(vec![Some(30), Some(130), Some(5)]));
}

#[test]
fn enum_and_boolean_values_extra_keys_and_fields_no_record_fills_are_kept() {
    let body = workbook(vec![sheet(
        "us_sh_1",
        vec![
            field("plan", "Plan", "enum"),
            field("active", "Active", "boolean"),
            field("notes", "Notes", "string"),
        ],
        vec![
            json!({"id": "r1", "values": {"active": cell(json!(true)), "plan": cell(json!("team")),
                   "extra": cell(json!("kept"))}, "valid": true, "metadata": {"k": 1},
                   "config": {"readonly": true}}),
            json!({"id": "r2", "values": {"plan": cell(json!("solo")), "active": cell(json!(false))},
                   "valid": true}),
        ],
    )]);
    let sheet = &parse_workbook(&body).expect("workbook").sheets[0];
    let names: Vec<&str> = sheet
        .rows
        .columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["plan", "active", "notes", "extra"],
        "fields first, in order"
    );
    assert_eq!(
        texts(&sheet.rows, "plan"),
        [Some("team".into()), Some("solo".into())]
    );
    let active = &sheet.rows.columns()[1].values;
    assert_eq!(*active, Values::Bool(vec![Some(true), Some(false)]));
    assert_eq!(texts(&sheet.rows, "notes"), [None, None]);
    assert_eq!(texts(&sheet.rows, "extra"), [Some("kept".into()), None]);
    assert_eq!(sheet.rows.len(), 2);
    // As sent, a boolean is its JSON text.
    let sent = &parse_workbook_as_sent(&body).expect("as sent").sheets[0];
    assert_eq!(
        texts(&sent.rows, "active"),
        [Some("true".into()), Some("false".into())]
    );
}

#[test]
fn two_sheets_and_an_empty_one_are_each_an_import() {
    let record = json!({"id": "r1", "values": {"email": cell(json!("a@b.io"))}, "valid": true});
    let mut empty = sheet("us_sh_2", vec![field("sku", "SKU", "string")], vec![]);
    empty["name"] = json!("Products");
    let mut no_records = sheet("us_sh_3", vec![], vec![]);
    no_records.as_object_mut().expect("sheet").remove("records");
    no_records.as_object_mut().expect("sheet").remove("name");
    let body = workbook(vec![
        sheet(
            "us_sh_1",
            vec![field("email", "Email", "string")],
            vec![record],
        ),
        empty,
        no_records,
    ]);
    let wb = parse_workbook(&body).expect("workbook");
    let summary: Vec<(&str, &str, usize, Vec<&str>)> = wb
        .sheets
        .iter()
        .map(|s| {
            let columns = s.rows.columns().iter().map(|c| c.name.as_str()).collect();
            (s.id.as_str(), s.name.as_str(), s.rows.len(), columns)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("us_sh_1", "Contacts", 1, vec!["email"]),
            ("us_sh_2", "Products", 0, vec!["sku"]),
            ("us_sh_3", "contacts", 0, vec![]),
        ],
        "a sheet without a name goes by its slug"
    );
}

#[test]
fn a_sheet_s_event_is_its_commit_else_its_version_else_a_digest_of_its_records() {
    let records = vec![json!({"id": "r1", "values": {"email": cell(json!("a@b.io"))}})];
    let with = |commit: Option<&str>, version: Option<&str>, records: Vec<Value>| {
        let mut s = sheet("us_sh_1", vec![field("email", "Email", "string")], records);
        s["commitId"] = commit.map_or(Value::Null, |c| json!(c));
        s["versionId"] = version.map_or(Value::Null, |v| json!(v));
        let sheet = parse_workbook(&workbook(vec![s]))
            .expect("workbook")
            .sheets
            .remove(0);
        (sheet.event_id, sheet.event_from)
    };
    assert_eq!(
        with(Some("us_vr_2"), Some("us_vr_1"), records.clone()),
        ("us_sh_1:us_vr_2".to_owned(), EventFrom::Commit)
    );
    assert_eq!(
        with(None, Some("us_vr_1"), records.clone()),
        ("us_sh_1:us_vr_1".to_owned(), EventFrom::Version)
    );
    let (digest, from) = with(None, None, records.clone());
    assert_eq!(from, EventFrom::Digest);
    assert_eq!(
        with(None, None, records).0,
        digest,
        "the same records, the same event"
    );
    let edited = vec![json!({"id": "r1", "values": {"email": cell(json!("b@b.io"))}})];
    assert_ne!(with(None, None, edited).0, digest, "edited: a new revision");
}

#[test]
fn a_malformed_workbook_is_refused_naming_the_field() {
    let error = |body: Value| {
        parse_workbook(&serde_json::to_vec(&body).expect("json"))
            .expect_err("malformed")
            .message
    };
    let message = error(json!({"workbook": {"id": "us_wb_1"}}));
    assert!(message.contains("sheets"), "{message}");
    let message = error(json!({"workbook": {"id": "us_wb_1", "sheets": [{"name": "x"}]}}));
    assert!(message.starts_with("workbook.sheets[0]"), "{message}");
    assert!(message.contains("id"), "{message}");
    let message = error(json!({"workbook": {"id": "us_wb_1", "sheets": [
        {"id": "us_sh_1", "records": [{"id": "r1", "values": {"email": "bare"}}]}]}}));
    assert!(
        message.starts_with("workbook.sheets[0].records[0].values"),
        "{message}"
    );
    let message = error(json!({"workbook": {"id": "", "sheets": []}}));
    assert_eq!(message, "workbook.id: must not be empty");
    let not_json = parse_workbook(b"{\"workbook\": {").expect_err("not json");
    assert_eq!(not_json.kind, PayloadErrorKind::NotJson);
}

#[test]
fn a_message_s_type_is_error_warn_or_info_whatever_its_case_and_else_info() {
    let level = |kind: Option<&str>| Level::of(kind);
    assert_eq!(level(Some("error")), Level::Error);
    assert_eq!(level(Some("ERROR")), Level::Error);
    assert_eq!(level(Some("warn")), Level::Warn);
    assert_eq!(level(Some("warning")), Level::Warn);
    assert_eq!(level(Some("info")), Level::Info);
    assert_eq!(level(Some("notice")), Level::Info, "kept, never an error");
    assert_eq!(level(None), Level::Info);
}

#[test]
fn a_sheet_s_envelope_is_one_part_of_its_own_import_carrying_its_workbook() {
    let body = workbook(vec![
        sheet(
            "us_sh_1",
            vec![field("email", "Email", "string")],
            vec![
                json!({"id": "us_rc_1", "values": {"email": cell(json!("a@b"))}, "valid": true}),
                json!({"id": "us_rc_2", "values": {"email": cell(json!("x"))}, "valid": false}),
            ],
        ),
        sheet("us_sh_2", vec![field("n", "N", "number")], vec![]),
    ]);
    let wb = parse_workbook(&body).expect("workbook");
    let e = wb.sheets[0].envelope(&wb);
    assert_eq!(
        (
            e.event_id.as_str(),
            e.batch_id.as_str(),
            e.event_type.as_str()
        ),
        ("us_sh_1:us_vr_8", "us_sh_1", WORKBOOK_EVENT_TYPE)
    );
    assert_eq!((e.index, e.count, e.likely_base), (0, 1, 0));
    assert_eq!(
        (e.valid_rows, e.invalid_rows, e.declared_rows),
        (1, 1, None)
    );
    let origin: SheetOrigin =
        serde_json::from_str(e.workbook.as_deref().expect("workbook")).expect("origin json");
    assert_eq!(origin.id, "us_wb_1");
    assert_eq!(origin.space_id.as_deref(), Some("us_sp_1"));
    assert_eq!(origin.environment_id.as_deref(), Some("us_env_1"));
    assert_eq!(origin.event_from, "commitId");
    assert_eq!(
        origin.fields,
        [OriginField {
            key: "email".into(),
            label: "Email".into(),
            kind: Some("string".into())
        }]
    );
    // The other sheet, read alone from the stored body, is what the whole parse gave.
    let alone = parse_sheet(&body, "us_sh_2", false)
        .expect("parse")
        .expect("sheet");
    assert_eq!(alone, wb.sheets[1]);
    assert_eq!(parse_sheet(&body, "us_sh_9", false).expect("parse"), None);
    // An unchanged sheet digests the same; other records do not.
    let again = parse_workbook(&body).expect("again");
    assert_eq!(again.sheets[0].digest, wb.sheets[0].digest);
    assert_ne!(wb.sheets[0].digest, wb.sheets[1].digest);
}

#[test]
fn a_workbook_without_sheets_or_with_one_sheet_twice_is_refused() {
    let none = workbook(vec![]);
    let e = parse_workbook(&none).expect_err("no sheets");
    assert_eq!(e.kind, PayloadErrorKind::Contract);
    assert!(e.message.starts_with("workbook.sheets:"), "{}", e.message);
    let twice = workbook(vec![
        sheet("us_sh_1", vec![], vec![]),
        sheet("us_sh_1", vec![], vec![]),
    ]);
    let e = parse_workbook(&twice).expect_err("twice");
    assert!(
        e.message.starts_with("workbook.sheets[1].id:"),
        "{}",
        e.message
    );
}

#[test]
fn a_records_response_is_the_workbook_of_one_named_sheet() {
    let body = serde_json::to_vec(&json!({"data": {
        "success": true, "versionId": "us_vr_3",
        "records": [
            {"id": "us_rc_1", "values": {"email": cell(json!("a@b.io"))}, "valid": true},
            {"id": "us_rc_2", "values": {"email": {"value": "x", "valid": false,
                "messages": [{"type": "error", "message": "Invalid email"}]}}, "valid": false}
        ],
        "counts": {"total": 2}
    }}))
    .expect("json");
    let wrapped = records_as_workbook(&body, "Contacts").expect("wrapped");
    assert!(is_workbook(&wrapped));
    let wb = parse_workbook(&wrapped).expect("workbook");
    assert_eq!(wb.id, "file:Contacts");
    let sheet = &wb.sheets[0];
    assert_eq!(
        (sheet.id.as_str(), sheet.slug.as_deref()),
        ("Contacts", Some("contacts"))
    );
    assert_eq!(sheet.event_id, "Contacts:us_vr_3");
    assert_eq!(sheet.records, ["us_rc_1", "us_rc_2"]);
    assert_eq!(sheet.valid, [true, false]);
    assert_eq!(sheet.messages[0].message.as_deref(), Some("Invalid email"));

    let e = records_as_workbook(br#"{"data": {"records": {}}}"#, "Contacts").expect_err("object");
    assert!(e.message.starts_with("data.records:"), "{}", e.message);
    let e = records_as_workbook(br#"{"records": []}"#, "Contacts").expect_err("no data");
    assert!(e.message.contains("data"), "{}", e.message);
    assert!(records_as_workbook(br#"{"data": {"records": []}}"#, " ").is_err());
}
