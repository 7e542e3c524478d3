//! A full disk: the data dir on a small tmpfs fills up while a batch arrives. Nothing is
//! acknowledged that was not stored, the sender is told 507 (or 503), and once there is room
//! again the same parts are stored and the batch completes.
//!
//! Mounting a tmpfs needs root (CI runs as root), and there is no other way to make a real
//! file system full: these tests are ignored by a plain `cargo test`, so a run without them
//! shows them as ignored rather than passed, and `make test` runs them with `--ignored`.

use std::process::Command;

use hookgrid::sample::SampleBatch;
use hookgrid_tests::{Workspace, post};

const PARTS: u32 = 400;

const NEEDS_ROOT: &str = "mounting a tmpfs needs root: run these tests as root (CI does)";

/// Part `index` of `batch` with a memo of noise on every row. Bodies are kept compressed when
/// that saves space, and the sample rows shrink to a fraction: noise keeps each stored part
/// near its size as sent, so the small disk really fills up within the batch.
fn incompressible(batch: &SampleBatch, index: u32) -> Vec<u8> {
    let mut body: serde_json::Value =
        serde_json::from_slice(&batch.body(index)).expect("sample body");
    let mut state = u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for kind in ["validRows", "invalidRows"] {
        let Some(rows) = body["data"][kind].as_array_mut() else {
            continue;
        };
        for row in rows.iter_mut() {
            let memo: String = (0..96)
                .map(|_| {
                    // xorshift64: cheap, deterministic, and nothing LZ4 finds twice.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    format!("{:016x}", state)
                })
                .collect();
            row["memo"] = serde_json::Value::String(memo);
        }
    }
    serde_json::to_vec(&body).expect("body")
}

/// The tmpfs under the data dir, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &std::path::Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).expect("mount point");
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        self.remount(&format!("size={size}"));
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount the tmpfs with {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
#[ignore = "needs root to mount a tmpfs; `make test` runs it with --ignored"]
fn a_full_disk_acknowledges_nothing_it_did_not_store_and_recovers_when_space_returns() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let disk = Tmpfs::mount(&ws.data_dir(), "6m").expect(NEEDS_ROOT);
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    let batch = SampleBatch {
        event_id: "full-disk".into(),
        batch_id: "full-disk".into(),
        parts: PARTS,
        rows_per_part: 50,
        invalid_every: 5,
    };
    let mut acked = Vec::new();
    let mut refused = None;
    for index in 1..=PARTS {
        let (status, body) = post(&client, &server.url, incompressible(&batch, index));
        match status {
            200 => acked.push(index),
            507 | 503 => {
                refused = Some((index, status, body));
                break;
            }
            other => panic!("part {index}: unexpected {other} {body}"),
        }
    }
    let (first_refused, status, body) =
        refused.expect("the 6 MiB disk filled up before 400 parts were stored");
    eprintln!("disk full at part {first_refused}: {status} {body}");
    assert!(
        !acked.is_empty(),
        "something was stored before the disk filled"
    );
    if status == 507 {
        assert_eq!(body["error"], "disk_full", "{body}");
    }
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("not stored"), "{body}");
    assert!(
        !message.contains("/"),
        "no server paths told to the sender: {message}"
    );

    // While storing fails, a health check says so (a load balancer sends Flatfile elsewhere),
    // and the log says it once, with its cause, not once per request.
    let health = |client: &reqwest::blocking::Client| {
        let response = client
            .get(format!("{}/healthz", server.base()))
            .send()
            .expect("healthz");
        let status = response.status().as_u16();
        (status, response.json::<serde_json::Value>().expect("json"))
    };
    let (status, said) = health(&client);
    assert_eq!(status, 503, "{said}");
    assert_eq!(said["status"], "storage_failing", "{said}");
    assert!(
        said["message"]
            .as_str()
            .unwrap_or_default()
            .contains("disk is full"),
        "{said}"
    );
    for _ in 0..3 {
        let (status, _) = post(&client, &server.url, incompressible(&batch, first_refused));
        assert!(matches!(status, 503 | 507));
    }
    let log = ws.serve_log();
    assert_eq!(log.matches("storing fails").count(), 1, "{log}");

    // Space returns: the health check finds it by itself, before any request tries.
    disk.resize("256m");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, said) = health(&client);
        if status == 200 {
            assert_eq!(said["status"], "ok");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {status} {said}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ws.serve_log().contains("storing works again"));

    // The refused part and the rest are stored, nothing acknowledged was lost.
    for index in first_refused..=PARTS {
        let (status, body) = post(&client, &server.url, incompressible(&batch, index));
        assert_eq!(status, 200, "part {index} after space returned: {body}");
    }
    let batches = ws.json(&["batches", "--json"]);
    assert_eq!(batches[0]["status"], "complete", "{batches}");
    assert_eq!(batches[0]["parts_received"], PARTS);
    assert_eq!(
        batches[0]["valid"].as_u64().unwrap_or(0) + batches[0]["invalid"].as_u64().unwrap_or(0),
        u64::from(PARTS) * 50
    );
    assert!(server.terminate(), "serve exits cleanly");
    let hookgrid = hookgrid::Hookgrid::open(ws.data_dir()).expect("open");
    assert_eq!(hookgrid.integrity_check().expect("check"), Ok(()));
    drop(hookgrid);
    drop(disk);
}

#[test]
#[ignore = "needs root to mount a tmpfs; `make test` runs it with --ignored"]
fn an_unwritable_data_dir_is_a_clear_error_and_works_again_once_writable() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let disk = Tmpfs::mount(&ws.data_dir(), "16m").expect(NEEDS_ROOT);
    let client = reqwest::blocking::Client::new();
    let batch = SampleBatch {
        event_id: "unwritable".into(),
        batch_id: "unwritable".into(),
        parts: 2,
        rows_per_part: 10,
        invalid_every: 0,
    };
    let server = ws.serve();
    let (status, _) = post(&client, &server.url, batch.body(1));
    assert_eq!(status, 200);
    assert!(server.terminate());

    // The file system turns read-only while nothing holds it open (a tmpfs refuses that
    // while the database is open). Starting on it fails with a message naming the problem.
    disk.remount("ro");
    let out = ws.output(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(
        !out.status.success(),
        "serve must not start on a read-only data dir"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let message = stderr.lines().last().unwrap_or_default();
    assert!(
        message.to_lowercase().contains("read-only") || message.contains("readonly"),
        "{stderr}"
    );

    // Writable again: the stored part is there and the import completes.
    disk.remount("rw");
    let server = ws.serve();
    let (status, body) = post(&client, &server.url, batch.body(2));
    assert_eq!(status, 200, "{body}");
    let batches = ws.json(&["batches", "--json"]);
    assert_eq!(batches[0]["status"], "complete", "{batches}");
    assert!(server.terminate());
    drop(disk);
}

#[test]
#[ignore = "needs root to mount a tmpfs; `make test` runs it with --ignored"]
fn a_storage_failure_is_announced_to_listeners() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let disk = Tmpfs::mount(&ws.data_dir(), "4m").expect(NEEDS_ROOT);
    let hookgrid = hookgrid::Hookgrid::open(ws.data_dir()).expect("open");
    let mut events = hookgrid.subscribe();
    let batch = SampleBatch {
        event_id: "announce".into(),
        batch_id: "announce".into(),
        parts: PARTS,
        rows_per_part: 50,
        invalid_every: 0,
    };
    let failed = (1..=PARTS)
        .map(|index| hookgrid.ingest(&incompressible(&batch, index)))
        .find_map(Result::err)
        .expect("the 4 MiB disk fills up");
    assert!(failed.is_disk_full(), "{failed}");
    let announced = std::iter::from_fn(|| events.try_recv().ok()).find_map(|e| match e {
        hookgrid::Event::StorageFailed { disk_full, .. } => Some(disk_full),
        _ => None,
    });
    assert_eq!(
        announced,
        Some(true),
        "the app's banner hangs on this event"
    );
    drop(hookgrid);
    drop(disk);
}

#[test]
#[ignore = "needs root to mount a tmpfs; `make test` runs it with --ignored"]
fn a_read_only_copy_of_a_data_dir_is_read_as_it_is_and_never_served() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let disk = Tmpfs::mount(&ws.data_dir(), "64m").expect(NEEDS_ROOT);
    let client = reqwest::blocking::Client::new();
    let server = ws.serve();
    let mut expected = Vec::new();
    for (event, invalid_every) in [("kept", 3), ("lost-file", 0)] {
        let batch = SampleBatch {
            event_id: event.into(),
            batch_id: event.into(),
            parts: 3,
            rows_per_part: 20,
            invalid_every,
        };
        for index in 1..=3 {
            let (status, body) = post(&client, &server.url, batch.body(index));
            assert_eq!(status, 200, "{body}");
        }
        expected.push(ws.json(&["rows", "--batch", event, "--json", "--limit", "100"]));
    }
    assert!(server.terminate());
    // One import's file was never copied: it must be built in memory, not written.
    let batches = ws.data_dir().join("batches");
    let files: Vec<_> = std::fs::read_dir(&batches)
        .expect("batches")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(
        files.len() >= 2,
        "both imports' files were written: {files:?}"
    );
    let lost = {
        let hookgrid = hookgrid::Hookgrid::open(ws.data_dir()).expect("open");
        let batches = hookgrid.batches().expect("batches");
        let batch = batches
            .iter()
            .find(|b| b.event == "lost-file")
            .expect("the import");
        hookgrid.batch_file(batch)
    };
    std::fs::remove_file(&lost).expect("remove");
    disk.remount("ro");

    let listed = ws.json(&["batches", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    for (event, before) in ["kept", "lost-file"].iter().zip(&expected) {
        let rows = ws.json(&["rows", "--batch", event, "--json", "--limit", "100"]);
        assert_eq!(
            &rows, before,
            "{event} reads the same from the read-only copy"
        );
    }
    let out = ws.path().join("lost-file.csv");
    ws.run(&[
        "export",
        "--batch",
        "lost-file",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let mut reader = csv::Reader::from_path(&out).expect("csv");
    assert_eq!(reader.records().count(), 60, "every row exported");
    assert!(!lost.exists(), "nothing written");

    let refused = ws.output(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(
        !refused.status.success(),
        "serve must not run on a read-only copy"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("read-only file system"), "{stderr}");
    disk.remount("rw");
    drop(disk);
}
