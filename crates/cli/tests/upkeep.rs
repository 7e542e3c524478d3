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

/// Flips bit `bit` of byte `at` in the file at `path`.
fn flip(path: &std::path::Path, at: usize, bit: u8) {
    let mut bytes = std::fs::read(path).expect("read");
    let at = at % bytes.len();
    bytes[at] ^= 1 << bit;
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_damaged_or_swapped_derived_file_is_rebuilt_from_the_ledger_and_says_so() {
    let ws = workspace();
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    for (event, word) in [("evt-a", "alpha"), ("evt-b", "bravo")] {
        for index in 1..=2u32 {
            let rows: Vec<Value> = (0..200)
                .map(|i| json!({"word": format!("{word}-{index}-{i}"), "n": format!("{}", i * 7 + index as usize)}))
                .collect();
            let body = payload(event, event, index, 2, json!(rows), json!([]));
            let (status, answer) = hookgrid_tests::post(&client, &server.url, body);
            assert_eq!(status, 200, "{answer}");
        }
    }
    let file = ws.data_dir().join("batches").join("1.parquet");
    let other = ws.data_dir().join("batches").join("2.parquet");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !(file.is_file() && other.is_file()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the batch files are written"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(server.terminate());
    let rows = |ws: &Workspace| {
        let out = ws.output(&["rows", "--batch", "evt-a", "--limit", "1000", "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).expect("json");
        (rows, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (truth, quiet) = rows(&ws);
    assert_eq!(truth["total"], 400);
    assert_eq!(quiet, "", "an intact file is read without a word");

    // One bit flipped anywhere in the file: never a wrong row, always said.
    let size = std::fs::metadata(&file).expect("meta").len() as usize;
    for n in 0..20usize {
        flip(
            &file,
            (n * 7_919 + 13) * size / 20 / 7_919 + n,
            (n % 8) as u8,
        );
        let (seen, said) = rows(&ws);
        assert_eq!(seen, truth, "flip {n}");
        assert!(said.contains("damaged or replaced"), "flip {n}: {said}");
    }
    // Another import's file of the same row count put in its place.
    std::fs::copy(&other, &file).expect("swap");
    let (seen, said) = rows(&ws);
    assert_eq!(seen, truth);
    assert!(said.contains("damaged or replaced"), "{said}");
    // Pages damaged but the footer intact: rebuilt, not "Decompression failed".
    let mut bytes = std::fs::read(&file).expect("read");
    let end = bytes.len() / 2;
    for b in &mut bytes[8..end] {
        *b = b.wrapping_add(1);
    }
    std::fs::write(&file, bytes).expect("write");
    let exported = ws.path().join("a.csv");
    let out = ws.output(&[
        "export",
        "--batch",
        "evt-a",
        "--out",
        exported.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged or replaced"));
    let mut reader = csv::Reader::from_path(&exported).expect("csv");
    assert_eq!(reader.records().count(), 400);

    // An errors file too: its rule counts stay those of the rows.
    let config = ws.path().join("config.json");
    std::fs::write(
        &config,
        json!({"fields": [{"key": "word", "validators": [{"validate": "regex_matches", "regex": "-1-"}]}]})
            .to_string(),
    )
    .expect("config");
    ws.run(&["schema", "add", config.to_str().expect("path"), "--default"]);
    let first = ws.json(&["errors", "--batch", "evt-a", "--json"]);
    assert_eq!(first["rows_with_errors"], 200, "{first}");
    let errors_file = std::fs::read_dir(ws.data_dir().join("batches"))
        .expect("ls")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("1.errors-"))
        .expect("an errors file");
    flip(&errors_file, 200, 3);
    let out = ws.output(&["errors", "--batch", "evt-a", "--json"]);
    assert!(out.status.success());
    let again: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(again, first);
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged or replaced"));
}

/// Posts two one-part imports through a `serve` on `ws`, and stops it.
fn two_imports(ws: &Workspace) {
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    for event in ["evt-1", "evt-2"] {
        let (status, answer) = hookgrid_tests::post(&client, &server.url, body(event, 1, 1));
        assert_eq!(status, 200, "{answer}");
    }
    assert!(server.terminate());
}

#[test]
fn a_ledger_found_empty_or_another_s_is_refused_with_what_to_do() {
    let ws = workspace();
    two_imports(&ws);
    let db = ws.data_dir().join("hookgrid.db");
    let kept = std::fs::read(&db).expect("ledger");
    let refused = |args: &[&str], why: &str| {
        let said = ws.fail(args);
        assert!(said.contains(why), "{args:?}: {said}");
        assert!(said.contains("--accept-empty-ledger"), "{said}");
        assert_eq!(said.trim().lines().count(), 1, "{said}");
    };

    // 0 bytes where the ledger was: nothing starts, nothing is written into it.
    std::fs::write(&db, b"").expect("empty");
    refused(&["serve", "--listen", "127.0.0.1:0"], "is empty (0 bytes)");
    refused(&["batches"], "is empty (0 bytes)");
    assert_eq!(
        std::fs::metadata(&db).expect("meta").len(),
        0,
        "left as found"
    );
    // Missing.
    std::fs::remove_file(&db).expect("remove");
    refused(&["batches", "--json"], "is missing");
    // Another data dir's ledger in its place.
    let other = workspace();
    other.run(&["batches"]);
    std::fs::copy(other.data_dir().join("hookgrid.db"), &db).expect("copy");
    refused(&["batches"], "is not the ledger this data dir held");
    // Its own ledger back (a restored backup): all there.
    std::fs::write(&db, &kept).expect("restore");
    assert_eq!(
        ws.json(&["batches", "--json"]).as_array().map(Vec::len),
        Some(2)
    );

    // Starting afresh is a choice: the old imports' files go with it.
    std::fs::write(&db, b"").expect("empty");
    let server = ws.serve_with(&["--accept-empty-ledger"], &[]);
    assert!(server.terminate());
    assert_eq!(ws.json(&["batches", "--json"]), json!([]));
    let left: Vec<_> = std::fs::read_dir(ws.data_dir().join("batches"))
        .expect("ls")
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_damaged_ledger_is_refused_before_serve_writes_to_it() {
    let ws = workspace();
    two_imports(&ws);
    let db = ws.data_dir().join("hookgrid.db");
    // 4 KiB flipped: the whole second page of the file, a table's page.
    let mut bytes = std::fs::read(&db).expect("ledger");
    assert!(bytes.len() > 3 * 4096, "{} bytes", bytes.len());
    for b in &mut bytes[4096..8192] {
        *b ^= 0xA5;
    }
    std::fs::write(&db, &bytes).expect("damage");
    let out = ws.output(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success(), "serve refused to start");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("hookgrid.db"), "{said}");
    assert!(
        said.contains("damaged") || said.contains("malformed"),
        "{said}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Listening"),
        "it never listened"
    );
    assert_eq!(
        std::fs::read(&db).expect("ledger"),
        bytes,
        "nothing written to it"
    );
}

#[test]
fn one_serve_per_data_dir_and_the_second_names_the_first() {
    let ws = workspace();
    let first = ws.serve();
    let out = ws.output(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success(), "the second serve does not run");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("process {}", first.pid())),
        "it names the first: {said}"
    );
    assert!(said.contains("another --data-dir"), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    // Read commands work beside it, and the first still serves.
    ws.run(&["batches"]);
    let client = reqwest::blocking::Client::new();
    let (status, _) = hookgrid_tests::post(&client, &first.url, body("evt-lock", 1, 1));
    assert_eq!(status, 200);
    // Once it has stopped, another may start.
    assert!(first.terminate());
    let again = ws.serve();
    assert!(again.terminate());
}

#[test]
fn a_short_token_written_by_hand_is_refused_at_start_and_ignored_while_serving() {
    let ws = workspace();
    ws.run(&["token"]);
    std::fs::write(ws.data_dir().join("token"), "a\n").expect("a short token");
    let out = ws.output(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(
        !out.status.success(),
        "serve must not start with a guessable token"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("1 characters long"), "{said}");
    assert!(said.contains("hookgrid token --rotate"), "{said}");

    ws.run(&["token", "--rotate"]);
    let server = ws.serve();
    let client = reqwest::blocking::Client::new();
    // Written while it serves: the generated token stays the one in use, and it is said.
    std::fs::write(ws.data_dir().join("token"), "a\n").expect("a short token");
    let short = server
        .url
        .rsplit_once('/')
        .map(|(base, _)| format!("{base}/a"));
    let (status, _) = hookgrid_tests::post(&client, &short.expect("url"), body("evt-a", 1, 1));
    assert_eq!(
        status, 404,
        "the short token opens nothing, as any wrong one"
    );
    let (status, answer) = hookgrid_tests::post(&client, &server.url, body("evt-b", 1, 1));
    assert_eq!(status, 200, "{answer}");
    assert!(server.terminate());
    assert!(
        ws.serve_log().contains("1 characters long"),
        "{}",
        ws.serve_log()
    );
}
