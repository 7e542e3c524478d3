//! `make bench`: today's Flatfile Platform at the webhook. A workbook of 5 sheets × 10,000
//! records × 20 fields, Flatfile's messages on 10 % of the cells (half errors, half warnings),
//! posted once to the real `hookgrid serve` (release build) as the webhook-egress plugin posts
//! it. Measured: the time to the 200, the time from the 200 until all five imports' files are
//! written, the memory intake adds to the server (its peak `VmHWM` less what it held idle)
//! against 4× the body, and on a second server whose configuration has `--send-back`, the time
//! to the answer that carries the rejected cells.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hookgrid_tests::Workspace;
use hookgrid_tests::figures::{Figure, peak_rss_kib, report, wait_files};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const SHEETS: usize = 5;
const RECORDS: usize = 10_000;
const FIELDS: usize = 20;

/// The workbook, written straight as text (a million cells).
fn body() -> Vec<u8> {
    let mut out = String::with_capacity(120 << 20);
    out.push_str(r#"{"workbook":{"id":"us_wb_bench","name":"Bench","spaceId":"us_sp_bench","environmentId":"us_env_bench","sheets":["#);
    for s in 0..SHEETS {
        if s > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"id":"us_sh_{s}","workbookId":"us_wb_bench","name":"Sheet {s}","slug":"sheet-{s}","config":{{"name":"Sheet {s}","slug":"sheet-{s}","fields":["#
        );
        for f in 0..FIELDS {
            if f > 0 {
                out.push(',');
            }
            let kind = if f % 5 == 1 { "number" } else { "string" };
            let _ = write!(
                out,
                r#"{{"key":"f{f}","label":"Field {f}","type":"{kind}","constraints":[]}}"#
            );
        }
        out.push_str(r#"]},"success":true,"records":["#);
        for r in 0..RECORDS {
            if r > 0 {
                out.push(',');
            }
            let _ = write!(out, r#"{{"id":"us_rc_{s}_{r}","values":{{"#);
            let mut invalid = false;
            for f in 0..FIELDS {
                if f > 0 {
                    out.push(',');
                }
                let value = if f % 5 == 1 {
                    format!("{}", (r * 7 + f) % 1000)
                } else {
                    format!(r#""v{}-{f}""#, r % 977)
                };
                // Two fields of every record carry a message (10 % of the cells): errors on
                // even records, warnings on odd ones.
                let (valid, messages) = match (f % 10 == r % 10, r % 2) {
                    (true, 0) => {
                        invalid = true;
                        (
                            false,
                            r#"[{"type":"error","message":"Not allowed here","source":"custom-logic"}]"#,
                        )
                    }
                    (true, _) => (
                        true,
                        r#"[{"type":"warn","message":"Looks unusual","source":"custom-logic"}]"#,
                    ),
                    (false, _) => (true, "[]"),
                };
                let _ = write!(
                    out,
                    r#""f{f}":{{"value":{value},"valid":{valid},"messages":{messages},"updatedAt":"2026-12-01T10:00:00.000Z"}}"#
                );
            }
            let _ = write!(out, r#"}},"valid":{},"metadata":{{}}}}"#, !invalid);
        }
        let _ = write!(
            out,
            r#"],"counts":{{"total":{RECORDS}}},"versionId":"us_vr_{s}","commitId":"us_vr_{s}"}}"#
        );
    }
    out.push_str("]}}");
    out.into_bytes()
}

fn post(client: &Client, url: &str, body: &[u8]) -> (Duration, Value) {
    let started = Instant::now();
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .expect("post");
    let took = started.elapsed();
    assert_eq!(r.status(), 200, "{:?}", r.text());
    (took, r.json().expect("a JSON answer"))
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn main() {
    let body = body();
    let mib = body.len() as f64 / (1 << 20) as f64;
    eprintln!("a workbook of {SHEETS} × {RECORDS} records × {FIELDS} fields: {mib:.1} MiB");
    let limit = (body.len() * 2).to_string();
    let client = Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");

    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve_with(&["--max-body", &limit], &[]);
    let idle_kib = rss_kib(server.pid());
    let (ack, answer) = post(&client, &server.url, &body);
    assert_eq!(answer, json!({}));
    let acked = Instant::now();
    wait_files(&ws, SHEETS, |name| {
        name.ends_with(".parquet") && !name.contains(".errors-")
    });
    let ready = acked.elapsed();
    let added_mib = (peak_rss_kib(server.pid()).saturating_sub(idle_kib)) as f64 / 1024.0;
    let listed = ws.json(&["batches", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(SHEETS));
    let errors = ws.json(&["errors", "--batch", "us_sh_0", "--json"]);
    assert_eq!(
        errors["rows_with_errors"].as_u64(),
        Some(RECORDS as u64 / 2 + RECORDS as u64 % 2)
    );
    drop(server);

    // A second server, whose configuration sends the cells it rejects back.
    let back = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let config = back.path().join("bench.json");
    let fields: Vec<Value> = (0..FIELDS)
        .map(|f| {
            let validators = if f % 4 == 0 {
                json!([{"validate": "regex_excludes", "regex": "^v1\\d", "error": "Must not start with v1"}])
            } else {
                json!([])
            };
            json!({"key": format!("f{f}"), "label": format!("Field {f}"), "validators": validators})
        })
        .collect();
    std::fs::write(&config, json!({"fields": fields}).to_string()).expect("write");
    back.run(&[
        "schema",
        "add",
        config.to_str().expect("path"),
        "--default",
        "--send-back",
    ]);
    let server = back.serve_with(&["--max-body", &limit], &[]);
    let (answered, answer) = post(&client, &server.url, &body);
    let sheets = answer["rejections"]["sheets"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(sheets, SHEETS, "every sheet has rejected cells");

    let missed = report(
        &format!(
            "Flatfile workbook: {SHEETS} sheets × {RECORDS} records × {FIELDS} fields ({mib:.1} MiB)"
        ),
        &[
            Figure {
                name: "acknowledged (POST → 200)",
                value: ack.as_secs_f64(),
                unit: "s",
                target: 1.5,
            },
            Figure {
                name: "all five imports ready after the 200",
                value: ready.as_secs_f64(),
                unit: "s",
                target: 3.0,
            },
            Figure {
                name: "memory intake adds (VmHWM − idle)",
                value: added_mib,
                unit: "MiB",
                target: 4.0 * mib,
            },
            Figure {
                name: "answer with rejections (--send-back)",
                value: answered.as_secs_f64(),
                unit: "s",
                target: 2.0,
            },
        ],
    );
    println!(
        "(the body: {mib:.1} MiB; the server held {:.0} MiB idle)",
        idle_kib as f64 / 1024.0
    );
    if missed > 0 {
        std::process::exit(101);
    }
}
