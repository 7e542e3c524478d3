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
        let (status, body) = post(&client, &server.url, batch.body(index));
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

    // Space returns: the refused part and the rest are stored, nothing acknowledged was lost.
    disk.resize("256m");
    for index in first_refused..=PARTS {
        let (status, body) = post(&client, &server.url, batch.body(index));
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
        .map(|index| hookgrid.ingest(&batch.body(index)))
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
