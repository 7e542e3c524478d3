//! `make bench`: the headless core on a generated 1,000,000-row import.
//!
//! 1,000 requests of 1,000 rows (14 text columns, ~340 KB each) are posted sequentially over
//! loopback to the real `hookgrid serve` (release build). Measured: ack latency per request,
//! time from the first request to the batch's Parquet file, the server's peak memory, and the
//! wall time of `hookgrid rows` and `hookgrid export` (typed and `--as-text`) as new processes;
//! then, with 5,000 more small imports in the ledger, `hookgrid batches` with and without a
//! search. Targets are printed beside the figures; the run fails if one is missed.

use std::path::Path;
use std::time::{Duration, Instant};

use hookgrid::sample::{SampleBatch, delivery_body};
use hookgrid_tests::Workspace;
use hookgrid_tests::figures::{Figure, KeptAlive, peak_rss_kib, report};

const PARTS: u32 = 1_000;
const ROWS: u32 = 1_000;
/// Small imports posted after the big one, for the list's figures.
const IMPORTS: usize = 5_000;

fn main() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let batch = SampleBatch {
        event_id: "bench-event-0001".into(),
        batch_id: "bench-batch-0001".into(),
        parts: PARTS,
        rows_per_part: ROWS,
        invalid_every: 7,
    };
    eprintln!("generating {PARTS} bodies of {ROWS} rows…");
    let bodies: Vec<Vec<u8>> = (1..=PARTS).map(|i| batch.body(i)).collect();
    let mean = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();
    eprintln!("mean body {:.0} KB", mean as f64 / 1024.0);

    let server = ws.serve();
    let pid = server.pid();
    let mut conn = KeptAlive::connect(&server.url);

    let mut latencies = Vec::with_capacity(bodies.len());
    let first = Instant::now();
    for body in &bodies {
        let started = Instant::now();
        let status = conn.post(body);
        latencies.push(started.elapsed());
        assert_eq!(status, 200, "every part must be acknowledged");
    }
    let file = ws.data_dir().join("batches").join("1.parquet");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !file.exists() {
        assert!(
            Instant::now() < deadline,
            "batch file not written within 120 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let to_parquet = first.elapsed();
    let peak_mib = peak_rss_kib(pid) as f64 / 1024.0;

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    // 404s: a wrong token of the right length, one that shares all but its last character
    // with the real token (what a timing attack on the comparison would probe), and an
    // unknown path. Interleaved, so drift in the machine hits all three alike. GETs without a
    // body, so the connection stays open (a 404 does not read a body).
    let token = server.url.rsplit('/').next().expect("token").to_owned();
    let near = format!(
        "{}{}",
        &token[..token.len() - 1],
        if token.ends_with('A') { 'B' } else { 'A' }
    );
    let probes = [
        format!("/hooks/{}", "A".repeat(token.len())),
        format!("/hooks/{near}"),
        format!("/elsewhere/{}", "A".repeat(token.len())),
    ];
    let mut not_found: [Vec<Duration>; 3] = Default::default();
    for _ in 0..3000 {
        for (probe, times) in probes.iter().zip(not_found.iter_mut()) {
            let started = Instant::now();
            let status = conn.request("GET", probe, b"");
            times.push(started.elapsed());
            assert_eq!(status, 404, "{probe}");
        }
    }
    let medians: Vec<f64> = not_found
        .iter_mut()
        .map(|t| {
            t.sort();
            ms(t[t.len() / 2])
        })
        .collect();
    let spread = medians.iter().cloned().fold(f64::MIN, f64::max)
        - medians.iter().cloned().fold(f64::MAX, f64::min);

    // The digest check of a derived file: XXH3-128 of the whole batch file, as a new process
    // pays it once when it opens the import (`hookgrid rows` below includes it).
    let file_mib = std::fs::metadata(&file).expect("batch file").len() as f64 / (1 << 20) as f64;
    let digest = (0..5)
        .map(|_| {
            let t = Instant::now();
            hookgrid::upkeep::verify::digest(&file).expect("digest");
            t.elapsed()
        })
        .min()
        .expect("runs");
    let rows = best_of(5, || {
        ws.run(&["rows", "--batch", "bench-batch", "--limit", "100", "--json"])
    });
    let rows_where = best_of(5, || {
        ws.run(&[
            "rows",
            "--batch",
            "bench-batch",
            "--where",
            "plan = 'team' AND country = 'FR'",
            "--json",
        ])
    });
    let csv = ws.path().join("all.csv");
    let pq = ws.path().join("all.parquet");
    let export_csv = best_of(3, || {
        ws.run(&["export", "--batch", "bench-batch", "--out", path_str(&csv)])
    });
    let export_pq = best_of(3, || {
        ws.run(&["export", "--batch", "bench-batch", "--out", path_str(&pq)])
    });
    assert_eq!(
        ws.run(&["export", "--batch", "bench-batch", "--out", path_str(&pq)])
            .trim(),
        "1000000"
    );
    let as_text = ws.path().join("as-text.csv");
    let export_as_text = best_of(2, || {
        ws.run(&[
            "export",
            "--batch",
            "bench-batch",
            "--as-text",
            "--out",
            path_str(&as_text),
        ])
    });

    // Why rows are invalid: a configuration of the 14 sample fields with 19 validators
    // (required, unique, regexes, selects, required_with*), checked over the million rows once
    // (computed and kept), then read back, and a view of the rows with errors.
    let config = ws.path().join("config.json");
    std::fs::write(&config, hookgrid::sample::config().to_string()).expect("config");
    ws.run(&["schema", "add", path_str(&config), "--default"]);
    let started = Instant::now();
    let summary = ws.json(&["errors", "--batch", "bench-batch", "--json"]);
    let errors_first = started.elapsed();
    let flagged: u64 = summary["rules"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["rows"].as_u64()).sum())
        .unwrap_or(0);
    assert!(
        flagged > 500_000,
        "the sample breaks select rules: {summary}"
    );
    let errors_cached = best_of(5, || {
        ws.run(&["errors", "--batch", "bench-batch", "--json"])
    });
    let errors_view = best_of(5, || {
        ws.run(&[
            "rows",
            "--batch",
            "bench-batch",
            "--errors-in",
            "country",
            "--limit",
            "100",
            "--json",
        ])
    });

    // A column's value list (the grid's header menu): counts over the whole million rows.
    let values = best_of(5, || {
        ws.run(&[
            "values",
            "--batch",
            "bench-batch",
            "--column",
            "country",
            "--json",
        ])
    });

    let xlsx = ws.path().join("first-100k.xlsx");
    let export_xlsx = best_of(2, || {
        ws.run(&[
            "export",
            "--batch",
            "bench-batch",
            "--where",
            "_row < 100000",
            "--with-errors",
            "--out",
            path_str(&xlsx),
        ])
    });

    // A ledger of many imports: 5,000 one-request deliveries of the real shape beside the
    // million-row one, then the list and a search as new processes.
    eprintln!("posting {IMPORTS} small imports…");
    for i in 0..IMPORTS {
        let body = delivery_body(
            &format!("bulk-event-{i:05}"),
            &format!("bulk-batch-{i:05}"),
            0,
            1,
            serde_json::json!([{"name": format!("Item {i}"), "qty": format!("{}", i % 50)}]),
            serde_json::json!([]),
        );
        assert_eq!(conn.post(&body), 200);
    }
    let listed = ws.json(&["batches", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(IMPORTS + 1));
    let list_all = best_of(5, || ws.run(&["batches", "--json"]));
    let list_search = best_of(5, || {
        ws.run(&["batches", "--json", "--search", "bulk-batch-04242"])
    });

    let figures = [
        Figure {
            name: "ack latency p50",
            value: ms(pct(0.50)),
            unit: "ms",
            target: 5.0,
        },
        Figure {
            name: "ack latency p99",
            value: ms(pct(0.99)),
            unit: "ms",
            target: 20.0,
        },
        Figure {
            name: "404 median spread (3 kinds of miss)",
            value: spread * 1000.0,
            unit: "µs",
            target: 50.0,
        },
        Figure {
            name: "first request → Parquet written",
            value: ms(to_parquet) / 1000.0,
            unit: "s",
            target: 4.0,
        },
        Figure {
            name: "server peak memory (VmHWM)",
            value: peak_mib,
            unit: "MiB",
            target: 1024.0,
        },
        Figure {
            name: "hookgrid rows, first page",
            value: ms(rows),
            unit: "ms",
            target: 300.0,
        },
        Figure {
            name: "digest of the batch file (XXH3-128)",
            value: ms(digest),
            unit: "ms",
            target: 50.0,
        },
        Figure {
            name: "hookgrid rows --where",
            value: ms(rows_where),
            unit: "ms",
            target: 500.0,
        },
        Figure {
            name: "hookgrid export → CSV",
            value: ms(export_csv) / 1000.0,
            unit: "s",
            target: 2.0,
        },
        Figure {
            name: "hookgrid export → Parquet",
            value: ms(export_pq) / 1000.0,
            unit: "s",
            target: 2.0,
        },
        Figure {
            name: "hookgrid export --as-text → CSV",
            value: ms(export_as_text) / 1000.0,
            unit: "s",
            target: 6.0,
        },
        Figure {
            name: "hookgrid batches --json, 5,001 imports",
            value: ms(list_all),
            unit: "ms",
            target: 500.0,
        },
        Figure {
            name: "hookgrid batches --search, 5,001 imports",
            value: ms(list_search),
            unit: "ms",
            target: 300.0,
        },
    ];
    let figures: Vec<Figure> = figures
        .into_iter()
        .chain([
            Figure {
                name: "hookgrid errors, first run (every cell of 1M rows checked, 19 validators)",
                value: ms(errors_first),
                unit: "ms",
                target: 2000.0,
            },
            Figure {
                name: "hookgrid errors, from the derived file",
                value: ms(errors_cached),
                unit: "ms",
                target: 300.0,
            },
            Figure {
                name: "hookgrid export → .xlsx, 100,000 rows with errors marked",
                value: ms(export_xlsx),
                unit: "ms",
                target: 5000.0,
            },
            Figure {
                name: "hookgrid values --column country (1M rows)",
                value: ms(values),
                unit: "ms",
                target: 300.0,
            },
            Figure {
                name: "hookgrid rows --errors-in country, first 100",
                value: ms(errors_view),
                unit: "ms",
                target: 500.0,
            },
        ])
        .collect();
    let missed = report(
        &format!(
            "Hookgrid core, {PARTS} × {ROWS} rows, mean body {} KB",
            mean / 1024
        ),
        &figures,
    );
    println!(
        "batch file {file_mib:.1} MiB: its digest {:.1} ms, {:.1}% of `hookgrid rows`' first page \
         ({:.1} ms) and {:.2}% of first request → Parquet written",
        ms(digest),
        100.0 * ms(digest) / ms(rows),
        ms(rows),
        100.0 * ms(digest) / ms(to_parquet)
    );
    println!(
        "404 medians: wrong token {:.1} µs, near-miss token {:.1} µs, unknown path {:.1} µs",
        medians[0] * 1000.0,
        medians[1] * 1000.0,
        medians[2] * 1000.0
    );
    assert!(server.terminate(), "serve exits cleanly");
    if let Ok(dest) = std::env::var("HOOKGRID_BENCH_LOG") {
        let _ = std::fs::copy(ws.path().join("serve.log"), dest);
    }
    assert_eq!(missed, 0, "{missed} target(s) missed");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Fastest of `n` runs (the first also warms the page cache).
fn best_of(n: usize, mut f: impl FnMut() -> String) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .expect("runs")
}
