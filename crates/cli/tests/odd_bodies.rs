//! Odd but real bodies, posted to the real binary: each is stored and read back as sent, or
//! refused with a reason a person can act on.

use std::io::Write;

use hookgrid_tests::{Workspace, post};
use serde_json::Value;

fn workspace() -> Workspace {
    Workspace::new(env!("CARGO_BIN_EXE_hookgrid"))
}

/// A one-part import whose `validRows` is `rows`, written as raw JSON text.
fn body(event: &str, rows: &str) -> Vec<u8> {
    format!(
        r#"{{"event":{{"id":"{event}","type":"batch.update","sequence":{{"index":0,"length":1}}}},"data":{{"meta":{{"batch":{{"id":"{event}"}}}},"validRows":{rows},"invalidRows":[]}}}}"#
    )
    .into_bytes()
}

fn rows(ws: &Workspace, event: &str) -> Value {
    ws.json(&["rows", "--batch", event, "--json"])["rows"].clone()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("write");
    encoder.finish().expect("finish")
}

fn post_encoded(
    client: &reqwest::blocking::Client,
    url: &str,
    encoding: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("content-encoding", encoding)
        .body(body)
        .send()
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

#[test]
fn lone_surrogates_and_a_byte_order_mark_are_stored_as_sent_and_read() {
    let ws = workspace();
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    // What JSON.stringify writes for a string cut through an emoji, beside a whole one.
    let cut = body("evt-cut", r#"[{"name":"Ad\ud83d","smile":"\ud83d\ude00"}]"#);
    let (status, answer) = post(&client, &server.url, cut.clone());
    assert_eq!(status, 200, "{answer}");
    let got = rows(&ws, "evt-cut");
    assert_eq!(got[0]["name"], "Ad\u{FFFD}", "{got}");
    assert_eq!(got[0]["smile"], "😀", "{got}");
    // The body is kept exactly as it came: the same body again is a duplicate, not a conflict.
    let (status, answer) = post(&client, &server.url, cut);
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("duplicate"))
    );

    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(body("evt-bom", r#"[{"name":"Bo"}]"#));
    let (status, answer) = post(&client, &server.url, with_bom);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(rows(&ws, "evt-bom")[0]["name"], "Bo");
    assert!(server.terminate());
}

#[test]
fn numbers_a_float_cannot_hold_keep_their_digits() {
    let ws = workspace();
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let numbers =
        r#"[{"big":1e400,"tiny":1e-400,"long":123456789012345678901234567890.5,"plain":2.5}]"#;
    let (status, answer) = post(&client, &server.url, body("evt-num", numbers));
    assert_eq!(status, 200, "{answer}");
    let got = rows(&ws, "evt-num");
    assert_eq!(got[0]["big"], "1e400", "{got}");
    assert_eq!(got[0]["tiny"], "1e-400", "{got}");
    assert_eq!(got[0]["long"], "123456789012345678901234567890.5", "{got}");
    assert_eq!(got[0]["plain"], 2.5, "{got}");
    assert!(server.terminate());
}

#[test]
fn compressed_bodies_are_decoded_and_a_bomb_is_413() {
    let ws = workspace();
    let server = ws.serve_with(&["--max-body", "1048576"], &[]);
    let client = reqwest::blocking::Client::new();
    let plain = body("evt-gz", r#"[{"name":"Gz"}]"#);
    let (status, answer) = post_encoded(&client, &server.url, "gzip", gzip(&plain));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(rows(&ws, "evt-gz")[0]["name"], "Gz");
    // Stored decoded: the same part sent plain is a duplicate.
    let (_, answer) = post(&client, &server.url, plain);
    assert_eq!(answer["status"], "duplicate", "{answer}");

    // 20 MiB of spaces inside a valid body, compressed to a few KiB: refused, nothing kept.
    let mut bomb = b"{\"event\":".to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 20 * 1024 * 1024));
    let bomb = gzip(&bomb);
    assert!(bomb.len() < 64 * 1024);
    let (status, answer) = post_encoded(&client, &server.url, "gzip", bomb);
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"], "too_large", "{answer}");

    // Not what it says it is: kept, still compressed, with why.
    let (status, answer) = post_encoded(&client, &server.url, "gzip", b"plain text".to_vec());
    assert_eq!(status, 400, "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(message.contains("Content-Encoding: gzip"), "{answer}");
    let (status, answer) = post_encoded(&client, &server.url, "br", b"...".to_vec());
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("br is not one"),
        "{answer}"
    );
    let rejected = ws.json(&["rejected", "--json"]);
    assert_eq!(rejected.as_array().map(Vec::len), Some(2), "{rejected}");
    assert!(server.terminate());
}

#[test]
fn a_count_past_the_bound_is_422_with_the_bound() {
    let ws = workspace();
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let huge = br#"{"event":{"id":"evt-huge","sequence":{"index":4294967295,"length":4294967295}},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"a":"1"}]}}"#;
    let (status, answer) = post(&client, &server.url, huge.to_vec());
    assert_eq!(status, 422, "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(message.contains("at most 100000 parts"), "{answer}");
    assert_eq!(ws.json(&["batches", "--json"]), Value::Array(vec![]));
    assert!(server.terminate());
}

#[test]
fn a_csv_for_people_shows_formulas_a_sender_put_in_cells_instead_of_running_them() {
    let ws = workspace();
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let cells = r#"[{"name":"=HYPERLINK(\"http://evil.example\",\"click\")","sum":"+1+2","at":"@SUM(1)","n":-5,"text_n":"-5","city":"Chloé"}]"#;
    let (status, answer) = post(&client, &server.url, body("evt-f", cells));
    assert_eq!(status, 200, "{answer}");
    assert!(server.terminate());
    let export = |name: &str, flags: &[&str]| {
        let out = ws.path().join(name);
        let out_arg = out.to_str().expect("utf-8").to_owned();
        let mut args = vec!["export", "--batch", "evt-f", "--out", out_arg.as_str()];
        args.extend_from_slice(flags);
        ws.run(&args);
        std::fs::read(&out).expect("read")
    };
    let read = |bytes: &[u8]| -> Vec<String> {
        let mut reader = csv::Reader::from_reader(bytes);
        let record = reader.records().next().expect("a row").expect("record");
        // After _valid, which an export of every row keeps.
        record.iter().skip(1).map(str::to_owned).collect()
    };
    let people = export("people.csv", &["--bom"]);
    assert!(
        people.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark for Excel"
    );
    assert_eq!(
        read(&people[3..]),
        [
            "'=HYPERLINK(\"http://evil.example\",\"click\")",
            "'+1+2",
            "'@SUM(1)",
            "-5",
            "-5",
            "Chloé"
        ]
    );
    let raw = export("raw.csv", &["--bom", "--raw"]);
    assert!(raw.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(read(&raw[3..])[1], "+1+2");
    let programs = export("programs.csv", &[]);
    assert!(!programs.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(
        read(&programs)[0],
        "=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    let refused = ws.fail(&[
        "export",
        "--batch",
        "evt-f",
        "--bom",
        "--out",
        ws.path().join("x.parquet").to_str().expect("utf-8"),
    ]);
    assert!(refused.contains("--bom is for CSV"), "{refused}");
}
