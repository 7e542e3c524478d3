//! `make bench`: how close an acknowledgement comes to the disk's own speed.
//!
//! The floor is measured first, on the file system the data dir is on: appending a buffer of
//! a part's size to a file and `fsync`ing it, as a receiver that only keeps the body would.
//! Then, on the real `hookgrid serve` (release build, SQLite ledger, loopback): the ack of
//! 300 parts of 1,000 rows (~340 KB) posted one after another, of 300 one-row parts, and of
//! exact repeats of stored parts (nothing to write); and the parts per second of 8 senders at
//! once, each posting its own import, beside one sender posting the same number. Each figure
//! is printed beside the same run's floor or baseline; the run fails if a target is missed.
//!
//! Where an ack's time went before this bench existed (a 340 KB part, release build, this
//! 2-core machine): reading every cell into columns 1.7 ms, SHA-256 0.25–0.5 ms, checking the
//! body's JSON without keeping cells 0.7 ms, the SQLite commit of the body and its fsync the
//! rest. Cells are now read by the worker after the answer (see `intake::worker`).

use std::io::Write;
use std::time::{Duration, Instant};

use hookgrid_tests::Workspace;
use hookgrid_tests::figures::{
    Figure, KeptAlive, ms, peak_rss_kib, percentile, report, sample_batch,
};

const PARTS: u32 = 300;
const ROWS: u32 = 1_000;
const SENDERS: u32 = 8;
const PARTS_EACH: u32 = 40;

/// Appends `size` bytes to one file and `fsync`s it, `times` times, in `dir`.
fn append_and_fsync(dir: &std::path::Path, size: usize, times: usize) -> Vec<Duration> {
    let path = dir.join("floor.bin");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("floor file");
    let buffer = vec![b'x'; size];
    let taken = (0..times)
        .map(|_| {
            let started = Instant::now();
            file.write_all(&buffer).expect("append");
            file.sync_all().expect("fsync");
            started.elapsed()
        })
        .collect();
    drop(file);
    std::fs::remove_file(&path).expect("remove the floor file");
    taken
}

/// Posts every body in order on one kept-alive connection; each ack's time.
fn post_all(url: &str, bodies: &[Vec<u8>]) -> Vec<Duration> {
    let mut conn = KeptAlive::connect(url);
    bodies
        .iter()
        .map(|body| {
            let started = Instant::now();
            assert_eq!(conn.post(body), 200, "every part must be acknowledged");
            started.elapsed()
        })
        .collect()
}

/// `senders` senders at once, each posting its own import of `PARTS_EACH` parts; the parts
/// per second of them all.
fn concurrent(url: &str, prefix: &str, senders: u32) -> f64 {
    let imports: Vec<Vec<Vec<u8>>> = (0..senders)
        .map(|i| {
            let b = sample_batch(&format!("{prefix}-{i}"), PARTS_EACH, ROWS);
            (1..=PARTS_EACH).map(|p| b.body(p)).collect()
        })
        .collect();
    let started = Instant::now();
    std::thread::scope(|s| {
        for bodies in &imports {
            s.spawn(move || post_all(url, bodies));
        }
    });
    f64::from(senders * PARTS_EACH) / started.elapsed().as_secs_f64()
}

/// Where an ack's time goes: each stage a request's answer waits for, timed on its own in this
/// process over the same bodies (p50), and the worker's reading of the rows, which comes after
/// the answer. `dir` is on the data dir's file system.
fn stages(dir: &std::path::Path, bodies: &[Vec<u8>]) {
    use sha2::Digest;
    let time = |f: &mut dyn FnMut(usize)| {
        let taken: Vec<Duration> = (0..bodies.len())
            .map(|i| {
                let started = Instant::now();
                f(i);
                started.elapsed()
            })
            .collect();
        ms(percentile(taken, 0.5))
    };
    let check = time(&mut |i| drop(hookgrid_flatfile::check(&bodies[i]).expect("checked")));
    let sha = time(&mut |i| {
        std::hint::black_box(sha2::Sha256::digest(&bodies[i]));
    });
    let envelopes: Vec<_> = bodies
        .iter()
        .map(|b| hookgrid_flatfile::check(b).expect("checked"))
        .collect();
    let ledger = hookgrid_ledger::Ledger::open(dir.join("stages.sqlite")).expect("ledger");
    let commit = time(&mut |i| {
        drop(
            ledger
                .commit_part(&envelopes[i], &bodies[i])
                .expect("commit"),
        )
    });
    drop(ledger);
    let read = time(&mut |i| drop(hookgrid_flatfile::parse(&bodies[i]).expect("parsed")));
    let facade = hookgrid::Hookgrid::open(dir.join("facade")).expect("facade");
    let ingest = time(&mut |i| drop(facade.ingest(&bodies[i]).expect("ingested")));
    facade.shutdown();
    println!(
        "\nwhere an ack's time goes (p50 per stage, in this process): check {check:.2} ms, \
         SHA-256 {sha:.2} ms, commit (its hash, the SQLite transaction, fsync) {commit:.2} ms; \
         the facade's whole ingest {ingest:.2} ms; after the answer, the worker reads a part's \
         rows into columns in {read:.2} ms"
    );
}

/// CPU time process `pid` has used (user and system), from `/proc`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // pid (comm) state … utime stime: fields 14 and 15, counted after the comm's ')'.
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // Linux counts them in USER_HZ, 100 a second on every architecture it runs on here.
    Duration::from_millis(ticks * 10)
}

/// The million-row import (1,000 parts), posted one after another to a server with a review
/// listener: the sum of its acks; the time from the first request until a reviewer's first
/// page of it (asked over HTTP as soon as the last part is acknowledged) and until its Parquet
/// file is written; the server's peak memory; and the Python Polars reference on the same
/// bodies. `bodies` go to `ws`'s folder for the reference.
struct Million {
    acks: Duration,
    to_first_page: Duration,
    to_parquet: Duration,
    peak_mib: f64,
    reference: Duration,
}

fn million(ws: &Workspace) -> Million {
    let batch = sample_batch("million", 1_000, ROWS);
    eprintln!("generating the 1,000,000-row import…");
    let bodies: Vec<Vec<u8>> = (1..=batch.parts).map(|i| batch.body(i)).collect();
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    ws.add_user("reviewer", "viewer", "a long benchmark password");
    let token = ws.api_token("reviewer", "bench");
    let review = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");
    let mut conn = KeptAlive::connect(&server.url);
    let mut acks = Duration::ZERO;
    let first = Instant::now();
    for body in &bodies {
        let started = Instant::now();
        assert_eq!(conn.post(body), 200, "every part must be acknowledged");
        acks += started.elapsed();
    }
    // A reviewer opens it the moment the last part is acknowledged.
    let page = review
        .post(format!("{}/api/fetch_page", server.review()))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"event": "million-event", "offset": 0, "limit": 100,
            "view": {"rows": "all", "filter": null, "search": null, "sort": null}}),
        )
        .send()
        .expect("fetch_page");
    assert_eq!(page.status(), 200);
    let page: serde_json::Value = page.json().expect("page");
    let to_first_page = first.elapsed();
    assert_eq!(page["total"], 1_000_000, "the whole import");
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(100));
    let file = ws.data_dir().join("batches").join("1.parquet");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !file.exists() {
        assert!(Instant::now() < deadline, "no Parquet file within 120 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    let to_parquet = first.elapsed();
    let peak_mib = peak_rss_kib(server.pid()) as f64 / 1024.0;
    assert!(server.terminate());

    let folder = ws.path().join("reference");
    std::fs::create_dir_all(folder.join("bodies")).expect("reference dir");
    for (i, body) in bodies.iter().enumerate() {
        std::fs::write(folder.join("bodies").join(format!("{i}.json")), body).expect("body");
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/py_reference.py");
    // `make bench` makes a Python with Polars for it; else the machine's own.
    let python = std::env::var_os("HOOKGRID_BENCH_PYTHON").unwrap_or_else(|| "python3".into());
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(folder.join("bodies"))
        .arg(&folder)
        .output()
        .expect("python3 (make bench installs Polars for it)");
    assert!(
        out.status.success(),
        "the Python reference failed (make bench installs Polars for it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    let mut said = said.split_whitespace();
    let seconds: f64 = said.next().and_then(|s| s.parse().ok()).expect("seconds");
    assert_eq!(said.next(), Some("1000000"), "the reference read every row");
    Million {
        acks,
        to_first_page,
        to_parquet,
        peak_mib,
        reference: Duration::from_secs_f64(seconds),
    }
}

fn main() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let big = sample_batch("seq", PARTS, ROWS);
    eprintln!("generating {PARTS} bodies of {ROWS} rows…");
    let bodies: Vec<Vec<u8>> = (1..=PARTS).map(|i| big.body(i)).collect();
    let mean = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();
    let small = sample_batch("one-row", PARTS, 1);
    let small_bodies: Vec<Vec<u8>> = (1..=PARTS).map(|i| small.body(i)).collect();

    std::fs::create_dir_all(ws.path().join("stages")).expect("stages dir");
    stages(&ws.path().join("stages"), &bodies);

    let server = ws.serve();
    let floor = append_and_fsync(&ws.data_dir(), mean, PARTS as usize);
    let acks = post_all(&server.url, &bodies);
    let repeats = post_all(&server.url, &bodies[..100]);
    let small_acks = post_all(&server.url, &small_bodies);
    let cpu = cpu_time(server.pid());
    let one = concurrent(&server.url, "one", 1);
    let cpu_one = cpu_time(server.pid()) - cpu;
    let eight = concurrent(&server.url, "eight", SENDERS);
    let cpu_eight = cpu_time(server.pid()) - cpu - cpu_one;
    assert!(server.terminate());
    let big = million(&Workspace::new(env!("CARGO_BIN_EXE_hookgrid")));

    let (floor_p50, floor_p99) = (percentile(floor.clone(), 0.5), percentile(floor, 0.99));
    let (p50, p99) = (percentile(acks.clone(), 0.5), percentile(acks, 0.99));
    println!(
        "\nfloor (same run): append {mean} bytes and fsync p50 {:.2} ms, p99 {:.2} ms",
        ms(floor_p50),
        ms(floor_p99)
    );
    println!(
        "acks: 1,000-row part p50 {:.2} ms, p99 {:.2} ms; one-row part p50 {:.2} ms; exact \
         repeat p50 {:.2} ms",
        ms(p50),
        ms(p99),
        ms(percentile(small_acks, 0.5)),
        ms(percentile(repeats, 0.5)),
    );
    let parts = f64::from(PARTS_EACH);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let per_part = ms(cpu_eight) / (parts * f64::from(SENDERS));
    println!(
        "one sender {one:.0} parts/s ({:.2} ms of the server's CPU a part); {SENDERS} senders \
         {eight:.0} parts/s ({per_part:.2} ms a part: {cores} cores bound them at {:.0} parts/s)",
        ms(cpu_one) / parts,
        cores * 1000.0 / per_part
    );
    println!(
        "the 1,000,000-row import: acks {:.2} s in all; first request → first page {:.2} s, \
         → Parquet {:.2} s; server peak {:.0} MiB; the Python Polars reference {:.2} s",
        big.acks.as_secs_f64(),
        big.to_first_page.as_secs_f64(),
        big.to_parquet.as_secs_f64(),
        big.peak_mib,
        big.reference.as_secs_f64()
    );
    let figures = [
        Figure {
            name: "ack p50 ÷ append-and-fsync p50",
            value: ms(p50) / ms(floor_p50),
            unit: "×",
            target: 2.0,
        },
        Figure {
            name: "ack p99 ÷ append-and-fsync p99",
            value: ms(p99) / ms(floor_p99),
            unit: "×",
            target: 4.0,
        },
        Figure {
            name: "parts/s: one sender ÷ 8 senders",
            value: one / eight,
            unit: "×",
            target: 1.0 / 3.0,
        },
        Figure {
            name: "1M rows: first page ÷ sum of acks",
            value: big.to_first_page.as_secs_f64() / big.acks.as_secs_f64(),
            unit: "×",
            target: 1.1,
        },
        Figure {
            name: "1M rows: Parquet ÷ Python reference",
            value: big.to_parquet.as_secs_f64() / big.reference.as_secs_f64(),
            unit: "×",
            target: 0.35,
        },
        Figure {
            name: "1M rows: serve peak memory",
            value: big.peak_mib,
            unit: "MiB",
            // What the core bench measured before intake changed (README: 718 MiB).
            target: 718.0,
        },
    ];
    let missed = report(
        "Intake at disk speed (targets from the same run's floor and baseline)",
        &figures,
    );
    assert_eq!(missed, 0, "{missed} target(s) missed");
}
