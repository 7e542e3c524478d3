//! `make bench`: the team server on the benchmark's imports, over HTTP as reviewers use it.
//!
//! The real `hookgrid serve --review-listen` (release build) receives the generated
//! 1,000,000-row import and ten 100,000-row ones. Measured over the review listener with an
//! API token: the first page (100 rows) after opening the million rows, pages while scrolling
//! once it is held (p50/p95), a CSV download of all rows against `hookgrid export` to a file,
//! and ten clients each opening a different 100,000-row import at once (every first page, and
//! the server's peak memory against the memory budget). Targets are printed beside the
//! figures; the run fails if one is missed.

use std::time::{Duration, Instant};

use hookgrid::sample::SampleBatch;
use hookgrid_tests::Workspace;
use hookgrid_tests::figures::{Figure, peak_rss_kib, post_sample, report, wait_files};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const BIG_PARTS: u32 = 1_000;
const SMALL_PARTS: u32 = 100;
const ROWS: u32 = 1_000;
const CLIENTS: usize = 10;
/// The server's default memory budget for imports held open (2 GiB).
const BUDGET: u64 = hookgrid::DEFAULT_MEMORY_BUDGET;

fn token(ws: &Workspace, name: &str) -> String {
    ws.add_user(name, "viewer", "a long benchmark password");
    ws.api_token(name, "bench")
}

fn page(
    client: &Client,
    review: &str,
    token: &str,
    event: &str,
    view: &Value,
    offset: u64,
) -> Value {
    let r = client
        .post(format!("{review}/api/fetch_page"))
        .bearer_auth(token)
        .json(&json!({"event": event, "view": view, "offset": offset, "limit": 100}))
        .send()
        .expect("fetch_page");
    assert_eq!(r.status(), 200);
    r.json().expect("json")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    let review = server.review().to_owned();
    let http = Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");

    eprintln!("posting the 1,000,000-row import and {CLIENTS} of 100,000 rows…");
    let big = SampleBatch {
        event_id: "team-big".into(),
        batch_id: "team-big".into(),
        parts: BIG_PARTS,
        rows_per_part: ROWS,
        invalid_every: 7,
    };
    post_sample(&http, &server.url, &big);
    for c in 0..CLIENTS {
        let small = SampleBatch {
            event_id: format!("team-small-{c}"),
            batch_id: format!("team-small-{c}"),
            parts: SMALL_PARTS,
            rows_per_part: ROWS,
            invalid_every: 7,
        };
        post_sample(&http, &server.url, &small);
    }
    wait_files(&ws, 1 + CLIENTS, |name| name.ends_with(".parquet"));
    let tokens: Vec<String> = (0..CLIENTS)
        .map(|c| token(&ws, &format!("viewer{c}")))
        .collect();
    let reviewer = &tokens[0];

    // Opening the million rows: the first page, then pages while scrolling once it is held.
    let all = json!({"rows": "all", "filter": null, "search": null, "sort": null});
    let started = Instant::now();
    let first = page(&http, &review, reviewer, "team-big", &all, 0);
    let first_row = started.elapsed();
    assert_eq!(first["total"], 1_000_000);
    // A sorted page waits for the import to be held in memory.
    let sorted = json!({"rows": "all", "filter": null, "search": null,
                        "sort": {"column": "seats", "descending": true}});
    page(&http, &review, reviewer, "team-big", &sorted, 0);
    let mut pages = Vec::new();
    for i in 0..300u64 {
        let offset = (i * 7_919 * 100) % 999_900;
        let started = Instant::now();
        let p = page(&http, &review, reviewer, "team-big", &all, offset);
        pages.push(started.elapsed());
        assert_eq!(p["rows"].as_array().map(Vec::len), Some(100));
    }
    pages.sort();
    let pct = |p: f64| pages[((pages.len() as f64 * p) as usize).min(pages.len() - 1)];

    // All rows to CSV: downloaded over HTTP, and written by `hookgrid export`.
    let out = ws.path().join("all.csv");
    let best = |n: usize, mut f: Box<dyn FnMut() -> u64 + '_>| {
        (0..n)
            .map(|_| {
                let t = Instant::now();
                let size = f();
                (t.elapsed(), size)
            })
            .min()
            .expect("runs")
    };
    let (export, file_size) = best(
        3,
        Box::new(|| {
            ws.run(&[
                "export",
                "--batch",
                "team-big",
                "--out",
                out.to_str().expect("path"),
            ]);
            std::fs::metadata(&out).expect("file").len()
        }),
    );
    let request = json!({"request": {
        "event": "team-big", "view": all, "scope": "all", "path": "all.csv",
        "meta": false, "allow_incomplete": false,
    }});
    let (download, downloaded) = best(
        3,
        Box::new(|| {
            let mut r = http
                .post(format!("{review}/api/export_rows"))
                .bearer_auth(reviewer)
                .json(&request)
                .send()
                .expect("download");
            assert_eq!(r.status(), 200);
            std::io::copy(&mut r, &mut std::io::sink()).expect("body")
        }),
    );
    assert_eq!(downloaded, file_size, "the download is the exported file");
    let ratio = download.as_secs_f64() / export.as_secs_f64();

    // Ten clients open ten imports at once: each one's first page, then each held in memory
    // (a sorted page), within the budget.
    let firsts: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = tokens
            .iter()
            .enumerate()
            .map(|(c, token)| {
                let (http, review, all, sorted) = (&http, &review, &all, &sorted);
                scope.spawn(move || {
                    let event = format!("team-small-{c}");
                    let started = Instant::now();
                    let p = page(http, review, token, &event, all, 0);
                    let first = started.elapsed();
                    assert_eq!(p["total"], 100_000);
                    page(http, review, token, &event, sorted, 0);
                    first
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client"))
            .collect()
    });
    let slowest_first = firsts.iter().max().copied().unwrap_or_default();
    let peak_mib = peak_rss_kib(server.pid()) as f64 / 1024.0;

    let figures = [
        Figure {
            name: "HTTP: first page of the 1M import",
            value: ms(first_row),
            unit: "ms",
            target: 1000.0,
        },
        Figure {
            name: "HTTP: page (100 rows) p50, held",
            value: ms(pct(0.50)),
            unit: "ms",
            target: 30.0,
        },
        Figure {
            name: "HTTP: page (100 rows) p95, held",
            value: ms(pct(0.95)),
            unit: "ms",
            target: 30.0,
        },
        Figure {
            name: "HTTP: CSV download of 1M rows",
            value: download.as_secs_f64(),
            unit: "s",
            target: 1.3 * export.as_secs_f64(),
        },
        Figure {
            name: "download ÷ hookgrid export (same run)",
            value: ratio,
            unit: "×",
            target: 1.3,
        },
        Figure {
            name: "10 clients at once: slowest first page",
            value: ms(slowest_first),
            unit: "ms",
            target: 2000.0,
        },
        Figure {
            name: "server peak memory (VmHWM)",
            value: peak_mib,
            unit: "MiB",
            target: (BUDGET >> 20) as f64,
        },
    ];
    let missed = report(
        &format!(
            "Hookgrid team server: 1 × 1,000,000 and {CLIENTS} × 100,000 rows, memory budget \
             {} MiB",
            BUDGET >> 20
        ),
        &figures,
    );
    println!(
        "hookgrid export → CSV (same run): {:.2} s; 10 first pages: {:?} ms",
        export.as_secs_f64(),
        firsts
            .iter()
            .map(|d| ms(*d).round() as u64)
            .collect::<Vec<_>>()
    );
    assert!(server.terminate(), "serve exits cleanly");
    assert_eq!(missed, 0, "{missed} target(s) missed");
}
