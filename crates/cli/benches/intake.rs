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
use hookgrid_tests::figures::{Figure, KeptAlive, ms, percentile, report, sample_batch};

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
    let one = concurrent(&server.url, "one", 1);
    let eight = concurrent(&server.url, "eight", SENDERS);
    assert!(server.terminate());

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
    println!("one sender {one:.0} parts/s; {SENDERS} senders {eight:.0} parts/s");
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
    ];
    let missed = report(
        "Intake at disk speed (targets from the same run's floor and baseline)",
        &figures,
    );
    assert_eq!(missed, 0, "{missed} target(s) missed");
}
