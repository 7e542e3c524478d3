//! Keeping the data dir whole, over the real binary and real files: a clean stop leaves
//! `hookgrid.db` complete on its own, and a backup taken while imports arrive is consistent.

use hookgrid_tests::{Workspace, payload};
use serde_json::{Value, json};

fn workspace() -> Workspace {
    Workspace::new(env!("CARGO_BIN_EXE_hookgrid"))
}

fn body(event: &str, index: u32, count: u32) -> Vec<u8> {
    payload(
        event,
        event,
        index,
        count,
        json!([{"name": format!("{event} {index}"), "seats": "4"}]),
        json!([]),
    )
}

/// A new data dir holding only `db` as its ledger.
fn data_dir_of(db: &std::path::Path) -> Workspace {
    let ws = workspace();
    std::fs::create_dir_all(ws.data_dir()).expect("data dir");
    std::fs::copy(db, ws.data_dir().join("hookgrid.db")).expect("copy the ledger");
    ws
}

#[test]
fn a_clean_stop_leaves_hookgrid_db_whole_on_its_own() {
    let ws = workspace();
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    for i in 0..20 {
        let (status, answer) =
            hookgrid_tests::post(&client, &server.url, body(&format!("evt-{i:02}"), 1, 1));
        assert_eq!(status, 200, "{answer}");
    }
    assert!(server.terminate(), "serve exits cleanly");
    let wal = ws.data_dir().join("hookgrid.db-wal");
    let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(
        left, 0,
        "the WAL is emptied into hookgrid.db on a clean stop"
    );

    // The database file alone, without its WAL, holds every acknowledged import.
    let copy = data_dir_of(&ws.data_dir().join("hookgrid.db"));
    let listed = copy.json(&["batches", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(20), "{listed}");
}

#[test]
fn a_backup_taken_while_imports_arrive_is_consistent_and_a_later_one_complete() {
    let ws = workspace();
    let server = ws.serve();
    let url = server.url.clone();
    const IMPORTS: u32 = 12;
    const PARTS: u32 = 10;
    let posting = std::thread::spawn(move || {
        let client = reqwest::blocking::Client::new();
        for i in 0..IMPORTS {
            for index in 1..=PARTS {
                let (status, answer) =
                    hookgrid_tests::post(&client, &url, body(&format!("evt-{i:02}"), index, PARTS));
                assert_eq!(status, 200, "{answer}");
            }
        }
    });
    let mut copies = Vec::new();
    for n in 0..3 {
        let out = ws.path().join(format!("during-{n}.db"));
        let printed = ws.run(&["backup", "--out", out.to_str().expect("path")]);
        assert_eq!(printed.trim(), out.display().to_string());
        copies.push(out);
    }
    posting.join().expect("posting");
    let last = ws.path().join("after.db");
    ws.run(&["backup", "--out", last.to_str().expect("path")]);

    // Each copy mid-stream is a ledger of whole parts: every import in it holds parts 1..n.
    for copy in &copies {
        let restored = data_dir_of(copy);
        let listed = restored.json(&["batches", "--json"]);
        for import in listed.as_array().expect("array") {
            let received = import["parts_received"].as_u64().expect("received");
            assert!((1..=u64::from(PARTS)).contains(&received), "{import}");
            let shown = restored.json(&[
                "show",
                "--batch",
                import["event"].as_str().expect("event"),
                "--json",
            ]);
            let numbers: Vec<u64> = shown["parts"]
                .as_array()
                .expect("parts")
                .iter()
                .map(|p| p["part"].as_u64().expect("part"))
                .collect();
            assert_eq!(numbers, (1..=received).collect::<Vec<_>>(), "{shown}");
        }
    }
    let restored = data_dir_of(&last);
    let listed: Vec<Value> = restored
        .json(&["batches", "--json", "--status", "complete"])
        .as_array()
        .cloned()
        .expect("array");
    assert_eq!(
        listed.len() as u32,
        IMPORTS,
        "the backup after the last part holds them all"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&last).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds what the ledger holds");
    }
    let rows = restored.json(&["rows", "--batch", "evt-11", "--json"]);
    assert_eq!(rows["total"], u64::from(PARTS));
    assert!(server.terminate());
}
