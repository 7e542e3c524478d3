//! `make bench`: the ledger on PostgreSQL beside the same run's SQLite.
//!
//! A PostgreSQL server of the bench's own (`tests/postgres.sh`, fsync on) on loopback.
//! Measured, each beside its SQLite baseline from the same run: the ack latency of 300 parts
//! of 1,000 rows (~340 KB) posted one after another; 8 senders at once, each posting its own
//! import, to one SQLite instance and spread over two instances on one PostgreSQL database;
//! and opening an import whose file is not built yet (`hookgrid rows` as a new process: the
//! import read from the ledger and built).

use std::time::{Duration, Instant};

use hookgrid_tests::Workspace;
use hookgrid_tests::figures::{Figure, ms, percentile, report, sample_batch};
use hookgrid_tests::postgres::PrivateServer;

const PARTS: u32 = 300;
const ROWS: u32 = 1_000;
const SENDERS: u32 = 8;
const PARTS_EACH: u32 = 40;

/// Posts every body in order on one kept-alive client; each ack's time.
fn post_all(url: &str, bodies: &[Vec<u8>]) -> Vec<Duration> {
    let client = reqwest::blocking::Client::new();
    bodies
        .iter()
        .map(|body| {
            let started = Instant::now();
            let r = client.post(url).body(body.clone()).send().expect("post");
            assert_eq!(r.status(), 200, "every part must be acknowledged");
            started.elapsed()
        })
        .collect()
}

/// The machine's CPU time so far, busy and in all, over every core (from `/proc/stat`, in
/// USER_HZ ticks): what the servers, the database and the senders used together.
fn machine_cpu() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .expect("the cpu line")
        .split_whitespace()
        .skip(1)
        .map(|t| t.parse().expect("ticks"))
        .collect();
    let total: u64 = ticks.iter().sum();
    // user nice system idle iowait …: idle and iowait are the time nothing ran.
    (total - ticks[3] - ticks[4], total)
}

/// What `SENDERS` senders at once achieved: parts per second, and how busy every core of the
/// machine was meanwhile (a fraction), the CPU time a part took in all.
struct Concurrent {
    rate: f64,
    busy: f64,
    cpu_per_part: Duration,
}

/// `SENDERS` senders at once, sender `i` posting its import to `urls[i % urls.len()]`.
fn concurrent(urls: &[String], prefix: &str) -> Concurrent {
    let imports: Vec<Vec<Vec<u8>>> = (0..SENDERS)
        .map(|i| {
            let b = sample_batch(&format!("{prefix}-{i}"), PARTS_EACH, ROWS);
            (1..=PARTS_EACH).map(|p| b.body(p)).collect()
        })
        .collect();
    let (busy_before, total_before) = machine_cpu();
    let started = Instant::now();
    std::thread::scope(|s| {
        for (i, bodies) in imports.iter().enumerate() {
            let url = &urls[i % urls.len()];
            s.spawn(move || post_all(url, bodies));
        }
    });
    let took = started.elapsed();
    let (busy_after, total_after) = machine_cpu();
    let (busy, total) = (busy_after - busy_before, total_after - total_before);
    let parts = SENDERS * PARTS_EACH;
    Concurrent {
        rate: f64::from(parts) / took.as_secs_f64(),
        busy: busy as f64 / total.max(1) as f64,
        // USER_HZ is 100 a second on every architecture Linux runs on here.
        cpu_per_part: Duration::from_millis(busy * 10) / parts,
    }
}

/// The best of three runs of `hookgrid rows` on an import whose file is gone.
fn open_cold(ws: &Workspace, at: &[&str], batch: &str) -> Duration {
    (0..3)
        .map(|_| {
            let _ = std::fs::remove_dir_all(ws.data_dir().join("batches"));
            let started = Instant::now();
            ws.run(&[&["rows", "--batch", batch, "--limit", "50", "--json"], at].concat());
            started.elapsed()
        })
        .min()
        .expect("three runs")
}

fn main() {
    let pg = PrivateServer::new();
    let sequential = sample_batch("seq", PARTS, ROWS);
    eprintln!("generating {PARTS} bodies of {ROWS} rows…");
    let bodies: Vec<Vec<u8>> = (1..=PARTS).map(|i| sequential.body(i)).collect();

    // One instance on SQLite: the baseline.
    let lite = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = lite.serve();
    let lite_acks = post_all(&server.url, &bodies);
    let lite_senders = concurrent(std::slice::from_ref(&server.url), "lite");
    assert!(server.terminate());

    // Two instances on one PostgreSQL database.
    let (a, b) = (
        Workspace::new(env!("CARGO_BIN_EXE_hookgrid")),
        Workspace::new(env!("CARGO_BIN_EXE_hookgrid")),
    );
    let on_pg = ["--database", pg.url.as_str()];
    let server_a = a.serve_with(&on_pg, &[]);
    let pg_acks = post_all(&server_a.url, &bodies);
    let server_b = b.serve_with(&on_pg, &[]);
    let pg_senders = concurrent(&[server_a.url.clone(), server_b.url.clone()], "pg");
    drop((server_a, server_b));

    let lite_open = open_cold(&lite, &[], "seq-batch");
    let fresh = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let pg_open = open_cold(&fresh, &on_pg, "seq-batch");

    let (lite_p50, lite_p99) = (
        percentile(lite_acks.clone(), 0.50),
        percentile(lite_acks, 0.99),
    );
    let (pg_p50, pg_p99) = (percentile(pg_acks.clone(), 0.50), percentile(pg_acks, 0.99));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let bound = |c: &Concurrent| cores as f64 * 1000.0 / ms(c.cpu_per_part);
    println!(
        "\nbaselines (SQLite, same run): ack p50 {:.2} ms, p99 {:.2} ms; {SENDERS} senders \
         {:.0} parts/s ({:.0}% of {cores} cores busy, {:.2} ms of CPU a part in all: the cores \
         bound it at {:.0}); opening an import cold {:.2} s",
        ms(lite_p50),
        ms(lite_p99),
        lite_senders.rate,
        lite_senders.busy * 100.0,
        ms(lite_senders.cpu_per_part),
        bound(&lite_senders),
        lite_open.as_secs_f64()
    );
    println!(
        "PostgreSQL: ack p50 {:.2} ms, p99 {:.2} ms; {SENDERS} senders over two instances \
         {:.0} parts/s ({:.0}% busy, {:.2} ms of CPU a part: bound at {:.0}); opening cold \
         {:.2} s",
        ms(pg_p50),
        ms(pg_p99),
        pg_senders.rate,
        pg_senders.busy * 100.0,
        ms(pg_senders.cpu_per_part),
        bound(&pg_senders),
        pg_open.as_secs_f64()
    );
    let figures = [
        Figure {
            name: "ack p50, PostgreSQL",
            value: ms(pg_p50),
            unit: "ms",
            target: 2.0 * ms(lite_p50),
        },
        Figure {
            name: "ack p99, PostgreSQL",
            value: ms(pg_p99),
            unit: "ms",
            target: 2.0 * ms(lite_p99),
        },
        Figure {
            name: "8 senders: SQLite ÷ two PG instances",
            value: lite_senders.rate / pg_senders.rate,
            unit: "×",
            target: 1.0 / 1.5,
        },
        Figure {
            name: "opening an import cold, PostgreSQL",
            value: pg_open.as_secs_f64(),
            unit: "s",
            target: 1.5 * lite_open.as_secs_f64(),
        },
    ];
    let missed = report(
        "PostgreSQL ledger (targets from the same run's SQLite figures)",
        &figures,
    );
    drop(pg);
    assert_eq!(missed, 0, "{missed} target(s) missed");
}
