//! `make bench`: review decisions on the benchmark's 1,000,000-row import, over HTTP as a
//! reviewer's browser or app makes them.
//!
//! The real `hookgrid serve --review-listen` (release build) receives the generated import with
//! the sample's configuration (19 validators, three of them `unique`) applying to it. Measured,
//! each beside the same run's figure without corrections: pages while scrolling with 10,000
//! corrections in the import against the same pages with none, and `hookgrid export` to CSV with
//! and without them. Then a reviewer's edits, each timed from the request until the grid has
//! what it shows next (the page with its cells' reasons and the reasons strip's counts): a red
//! cell corrected until it is valid, a `unique` value copied into another row (both turn red),
//! and a find and replace touching 100,000 cells. Targets are printed beside the figures; the
//! run fails if one is missed.

use std::time::{Duration, Instant};

use hookgrid::sample::SampleBatch;
use hookgrid_tests::Workspace;
use hookgrid_tests::figures::{Figure, post_sample, report, wait_files};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const PARTS: u32 = 1_000;
const ROWS: u32 = 1_000;
const EVENT: &str = "review-big";
/// Page offsets while scrolling, the same with and without corrections.
const PAGES: u64 = 300;
/// Edits timed of each kind.
const EDITS: usize = 20;

struct Reviewer<'a> {
    http: &'a Client,
    review: &'a str,
    token: &'a str,
}

impl Reviewer<'_> {
    fn call(&self, command: &str, args: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/api/{command}", self.review))
            .bearer_auth(self.token)
            .json(&args)
            .send()
            .expect(command);
        let status = r.status();
        let body = r.text().expect("body");
        assert_eq!(status, 200, "{command}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    fn page(&self, view: &Value, offset: u64) -> Value {
        self.call(
            "fetch_page",
            json!({"event": EVENT, "view": view, "offset": offset, "limit": 100}),
        )
    }

    /// What the grid reads after an edit: the page it shows and the reasons strip.
    fn shown(&self, view: &Value, offset: u64) -> (Value, Value) {
        let page = self.page(view, offset);
        let summary = self.call("import_errors", json!({"event": EVENT}));
        (page, summary)
    }

    /// A correction of `row`'s `column` to `value`, then the page holding the row and the
    /// reasons strip, as the grid asks for them next; each step's time is noted in `steps`.
    fn correct_and_show(
        &self,
        row: i64,
        column: &str,
        value: &str,
        steps: &mut Steps,
    ) -> (Value, Value) {
        let started = Instant::now();
        self.call(
            "correct_cell",
            json!({"event": EVENT, "row": row, "column": column, "value": value}),
        );
        let answered = Instant::now();
        let page = self.page(&view(None), offset_of(row));
        let paged = Instant::now();
        let summary = self.call("import_errors", json!({"event": EVENT}));
        steps.correct.push(answered - started);
        steps.page.push(paged - answered);
        steps.strip.push(paged.elapsed());
        steps.whole.push(started.elapsed());
        (page, summary)
    }

    /// The first `_row` at or after `from` that `filter` selects.
    fn find_row(&self, filter: &str, from: i64) -> i64 {
        let view = view(Some(&format!("({filter}) AND _row >= {from}")));
        let page = self.call(
            "fetch_page",
            json!({"event": EVENT, "view": view, "offset": 0, "limit": 1}),
        );
        let at = column_index(&page, "_row");
        page["rows"][0][at]
            .as_i64()
            .expect("a row the filter selects")
    }
}

/// An edit's steps, one entry per edit: the correction answered, the page, the strip.
#[derive(Default)]
struct Steps {
    correct: Vec<Duration>,
    page: Vec<Duration>,
    strip: Vec<Duration>,
    whole: Vec<Duration>,
}

impl Steps {
    fn say(&self, what: &str) {
        println!(
            "{what}: the correction answered p50 {:.1} ms, then its page {:.1} ms and the \
             strip {:.1} ms",
            ms(median(self.correct.clone())),
            ms(median(self.page.clone())),
            ms(median(self.strip.clone())),
        );
    }
}

fn view(filter: Option<&str>) -> Value {
    json!({"rows": "all", "filter": filter, "search": null, "sort": null})
}

fn column_index(page: &Value, name: &str) -> usize {
    page["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .position(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// The reasons the page gives row `row` for `column`'s cell.
fn cell_reasons(page: &Value, row: i64, column: &str) -> Vec<String> {
    let at = column_index(page, "_row");
    let rows = page["rows"].as_array().expect("rows");
    let i = rows
        .iter()
        .position(|r| r[at].as_i64() == Some(row))
        .unwrap_or_else(|| panic!("row {row} is not on the page"));
    page["errors"][i]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|p| p["column"] == column)
        .map(|p| p["validator"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Rows the reasons strip counts for `column`'s `validator`.
fn strip_count(summary: &Value, column: &str, validator: &str) -> u64 {
    summary["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["column"] == column && r["validator"] == validator)
        .and_then(|r| r["rows"].as_u64())
        .unwrap_or_else(|| panic!("no rule {column} {validator}"))
}

fn offset_of(row: i64) -> u64 {
    (row as u64 / 100) * 100
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Fastest of three runs of `hookgrid export` to CSV, and the file's size.
fn export(ws: &Workspace) -> (Duration, u64) {
    let out = ws.path().join("all.csv");
    (0..3)
        .map(|_| {
            let started = Instant::now();
            ws.run(&[
                "export",
                "--batch",
                EVENT,
                "--out",
                out.to_str().expect("path"),
            ]);
            (
                started.elapsed(),
                std::fs::metadata(&out).expect("file").len(),
            )
        })
        .min()
        .expect("runs")
}

fn main() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let config = ws.path().join("config.json");
    std::fs::write(&config, hookgrid::sample::config().to_string()).expect("config");
    ws.run(&["schema", "add", config.to_str().expect("path"), "--default"]);
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    let http = Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");

    eprintln!("posting the 1,000,000-row import…");
    let big = SampleBatch {
        event_id: EVENT.into(),
        batch_id: EVENT.into(),
        parts: PARTS,
        rows_per_part: ROWS,
        invalid_every: 7,
    };
    post_sample(&http, &server.url, &big);
    // The import's file, then its reasons under the configuration.
    wait_files(&ws, 1, |name| name == "1.parquet");
    wait_files(&ws, 1, |name| name.starts_with("1.errors-"));
    ws.add_user("rev", "reviewer", "a long benchmark password");
    let token = ws.api_token("rev", "bench");
    let rev = Reviewer {
        http: &http,
        review: server.review(),
        token: &token,
    };

    // Held in memory (a sorted page waits for it), then the same pages before and after.
    let all = view(None);
    let sorted = json!({"rows": "all", "filter": null, "search": null,
                        "sort": {"column": "seats", "descending": true}});
    rev.page(&sorted, 0);
    let offsets: Vec<u64> = (0..PAGES).map(|i| (i * 7_919 * 100) % 999_900).collect();
    let scroll = |rev: &Reviewer<'_>| -> Duration {
        let times = offsets
            .iter()
            .map(|offset| {
                let started = Instant::now();
                let p = rev.page(&all, *offset);
                let took = started.elapsed();
                assert_eq!(p["rows"].as_array().map(Vec::len), Some(100));
                took
            })
            .collect();
        median(times)
    };
    scroll(&rev);
    let page_plain = scroll(&rev);
    let (export_plain, size_plain) = export(&ws);

    // 10,000 corrections, one row in a hundred all through the import.
    eprintln!("correcting 10,000 cells…");
    let made = rev.call(
        "replace_in_column",
        json!({"event": EVENT, "view": view(Some("_row % 100 = 0")), "column": "notes",
               "find": "ops", "replace": "operations", "dry_run": false}),
    );
    assert_eq!(made["cells"], 10_000, "{made}");
    // The corrected rows' reasons are kept in a file a moment after the last change (its
    // name ends with the corrections tag: 10,000 changes, 10,000 live): not timed below.
    wait_files(&ws, 1, |name| {
        name.starts_with("1.errors-") && name.ends_with("-c10000l10000.parquet")
    });
    rev.page(&sorted, 0);
    scroll(&rev);
    let page_corrected = scroll(&rev);
    let p = rev.page(&all, 0);
    assert_eq!(p["corrected_cells"], 10_000);
    assert!(
        p["corrections"]
            .as_array()
            .expect("corrections")
            .iter()
            .any(|c| !c.as_array().expect("cells").is_empty()),
        "the first page has corrected rows"
    );
    let (export_corrected, size_corrected) = export(&ws);
    assert_eq!(
        size_corrected,
        size_plain + 10_000 * ("operations".len() - "ops".len()) as u64,
        "each corrected cell is exported as corrected"
    );

    // A red cell corrected until valid: the page and the strip say so at once.
    eprintln!("timing edits…");
    let mut fixes = Steps::default();
    let mut from = 0;
    for _ in 0..EDITS {
        let row = rev.find_row("color = 'fuschia'", from);
        from = row + 50_000;
        let before = strip_count(
            &rev.call("import_errors", json!({"event": EVENT})),
            "color",
            "select",
        );
        let (page, summary) = rev.correct_and_show(row, "color", "red", &mut fixes);
        assert!(
            cell_reasons(&page, row, "color").is_empty(),
            "row {row} fixed"
        );
        assert_eq!(strip_count(&summary, "color", "select"), before - 1);
    }
    // A unique value copied into another row: both rows turn red.
    let mut duplicates = Steps::default();
    for i in 0..EDITS as i64 {
        let (row, other) = (1_000 + i * 40_000, 20_000 + i * 40_000);
        let page = rev.page(&view(Some(&format!("_row = {other}"))), 0);
        let email = page["rows"][0][column_index(&page, "email")]
            .as_str()
            .expect("email")
            .to_owned();
        let before = strip_count(
            &rev.call("import_errors", json!({"event": EVENT})),
            "email",
            "unique",
        );
        let (page, summary) = rev.correct_and_show(row, "email", &email, &mut duplicates);
        assert!(
            cell_reasons(&page, row, "email").contains(&"unique".to_owned()),
            "row {row} repeats row {other}'s email"
        );
        assert_eq!(strip_count(&summary, "email", "unique"), before + 2);
        let page = rev.page(&all, offset_of(other));
        assert!(cell_reasons(&page, other, "email").contains(&"unique".to_owned()));
    }

    // Find and replace touching 100,000 cells, counted first as the dialog does.
    let wide = json!({"event": EVENT, "view": view(Some("_row % 10 = 3")), "column": "notes",
                      "find": "checked", "replace": "Checked", "dry_run": true});
    let started = Instant::now();
    let counted = rev.call("replace_in_column", wide.clone());
    let count = started.elapsed();
    let expected = counted["cells"].as_u64().expect("cells");
    assert_eq!(expected, 100_000, "{counted}");
    let mut apply = wide;
    apply["dry_run"] = json!(false);
    let started = Instant::now();
    let replaced = rev.call("replace_in_column", apply);
    let (page, _) = rev.shown(&all, 0);
    let replace = started.elapsed();
    assert_eq!(replaced["cells"].as_u64(), Some(expected));
    assert_eq!(
        page["corrected_cells"].as_u64(),
        Some(10_000 + 2 * EDITS as u64 + expected)
    );

    let page_ratio = page_corrected.as_secs_f64() / page_plain.as_secs_f64();
    let export_ratio = export_corrected.as_secs_f64() / export_plain.as_secs_f64();
    let figures = [
        Figure {
            name: "page (100 rows) p50, no corrections",
            value: ms(page_plain),
            unit: "ms",
            target: 30.0,
        },
        Figure {
            name: "page p50, 10,000 corrections",
            value: ms(page_corrected),
            unit: "ms",
            target: 1.2 * ms(page_plain),
        },
        Figure {
            name: "page with ÷ without corrections",
            value: page_ratio,
            unit: "×",
            target: 1.2,
        },
        Figure {
            name: "export with ÷ without corrections",
            value: export_ratio,
            unit: "×",
            target: 1.2,
        },
        Figure {
            name: "red cell corrected, shown valid p50",
            value: ms(median(fixes.whole.clone())),
            unit: "ms",
            target: 100.0,
        },
        Figure {
            name: "red cell corrected, slowest",
            value: ms(fixes.whole.iter().max().copied().unwrap_or_default()),
            unit: "ms",
            target: 100.0,
        },
        Figure {
            name: "unique value repeated, shown p50",
            value: ms(median(duplicates.whole.clone())),
            unit: "ms",
            target: 100.0,
        },
        Figure {
            name: "unique value repeated, slowest",
            value: ms(duplicates.whole.iter().max().copied().unwrap_or_default()),
            unit: "ms",
            target: 100.0,
        },
        Figure {
            name: "replace: count 100,000 cells",
            value: count.as_secs_f64(),
            unit: "s",
            target: 2.0,
        },
        Figure {
            name: "replace: applied and shown",
            value: replace.as_secs_f64(),
            unit: "s",
            target: 2.0,
        },
    ];
    let missed = report(
        "Hookgrid review decisions: 1,000,000 rows, 19 validators, over HTTP",
        &figures,
    );
    println!(
        "export to CSV (same run): {:.2} s without corrections, {:.2} s with 10,000;",
        export_plain.as_secs_f64(),
        export_corrected.as_secs_f64()
    );
    fixes.say("a red cell corrected");
    duplicates.say("a unique value repeated");
    assert!(server.terminate(), "serve exits cleanly");
    assert_eq!(missed, 0, "{missed} target(s) missed");
}
