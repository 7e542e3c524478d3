//! Storage tests on real SQLite files in a temp dir.

use super::*;

fn envelope(event: &str, index: u32, count: u32) -> Envelope {
    Envelope {
        event_id: event.to_owned(),
        event_type: "batch.update".to_owned(),
        index,
        count,
        batch_id: "batch-1".to_owned(),
        schema_id: Some(8),
        declared_rows: Some(3),
        valid_rows: 2,
        invalid_rows: 1,
    }
}

fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path().join("hookgrid.db")).expect("open");
    (dir, ledger)
}

#[test]
fn parts_in_any_order_complete_the_batch_once() {
    let (_dir, ledger) = open();
    let c = ledger
        .commit_part(&envelope("ev", 3, 3), b"three")
        .expect("commit");
    assert!(matches!(
        c,
        Commit::Stored {
            completed: false,
            parts_received: 1,
            ..
        }
    ));
    ledger
        .commit_part(&envelope("ev", 1, 3), b"one")
        .expect("commit");
    let c = ledger
        .commit_part(&envelope("ev", 2, 3), b"two")
        .expect("commit");
    assert!(
        matches!(
            c,
            Commit::Stored {
                completed: true,
                parts_received: 3,
                ..
            }
        ),
        "{c:?}"
    );

    let batches = ledger.batches().expect("list");
    assert_eq!(batches.len(), 1);
    let b = &batches[0];
    assert_eq!(b.status, BatchStatus::Complete);
    assert_eq!((b.parts_received, b.parts_expected), (3, 3));
    assert_eq!((b.valid, b.invalid, b.declared_rows), (6, 3, Some(9)));
    assert!(!b.count_mismatch());
    assert!(b.completed_at.is_some());
    assert!(b.first_received.ends_with('Z') && b.first_received.starts_with("20"));

    let mut seen = Vec::new();
    ledger
        .for_each_part(b.key, |idx, body| {
            seen.push((idx, body.to_vec()));
            Ok::<_, ()>(())
        })
        .expect("read")
        .expect("callback");
    assert_eq!(
        seen,
        [
            (1, b"one".to_vec()),
            (2, b"two".to_vec()),
            (3, b"three".to_vec())
        ]
    );
}

#[test]
fn a_repeat_is_a_duplicate_and_a_changed_body_a_conflict() {
    let (_dir, ledger) = open();
    ledger
        .commit_part(&envelope("ev", 1, 2), b"body")
        .expect("commit");
    let again = ledger
        .commit_part(&envelope("ev", 1, 2), b"body")
        .expect("commit");
    assert!(matches!(again, Commit::Duplicate { .. }));
    let changed = ledger
        .commit_part(&envelope("ev", 1, 2), b"other")
        .expect("commit");
    assert!(
        matches!(&changed, Commit::Conflict { reason } if reason.contains("different body")),
        "{changed:?}"
    );
    let recount = ledger
        .commit_part(&envelope("ev", 2, 5), b"x")
        .expect("commit");
    assert!(
        matches!(&recount, Commit::Conflict { reason } if reason.contains("count 2")),
        "{recount:?}"
    );
    let b = &ledger.batches().expect("list")[0];
    assert_eq!((b.parts_received, b.status), (1, BatchStatus::Incomplete));
}

#[test]
fn a_second_event_for_a_batch_is_a_new_revision() {
    let (_dir, ledger) = open();
    ledger
        .commit_part(&envelope("ev-a", 1, 1), b"a")
        .expect("commit");
    ledger
        .commit_part(&envelope("ev-b", 1, 1), b"b")
        .expect("commit");
    let batches = ledger.batches().expect("list");
    let revisions: Vec<_> = batches
        .iter()
        .map(|b| (b.event.as_str(), b.revision))
        .collect();
    assert_eq!(revisions, [("ev-b", 2), ("ev-a", 1)]);
}

#[test]
fn count_mismatch_is_recorded() {
    let (_dir, ledger) = open();
    let mut e = envelope("ev", 1, 1);
    e.declared_rows = Some(1000);
    ledger.commit_part(&e, b"x").expect("commit");
    let b = &ledger.batches().expect("list")[0];
    assert_eq!(b.mismatched_parts, 1);
    assert!(b.count_mismatch());
}

#[test]
fn quarantine_keeps_the_body_and_reason() {
    let (_dir, ledger) = open();
    let id = ledger
        .quarantine(
            QuarantineKind::Contract,
            "event.id is empty",
            Some(("ev", 2)),
            b"{}",
        )
        .expect("quarantine");
    let q = ledger.quarantined().expect("list");
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].id, q[0].kind, q[0].reason.as_str()),
        (id, QuarantineKind::Contract, "event.id is empty")
    );
    assert_eq!(
        (q[0].event.as_deref(), q[0].part, q[0].bytes),
        (Some("ev"), Some(2), 2)
    );
    assert_eq!(
        ledger.quarantined_body(id).expect("read"),
        Some(b"{}".to_vec())
    );
}

#[test]
fn data_survives_reopening_and_the_file_is_sound() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hookgrid.db");
    {
        let ledger = Ledger::open(&path).expect("open");
        ledger
            .commit_part(&envelope("ev", 1, 2), b"one")
            .expect("commit");
    }
    let ledger = Ledger::open(&path).expect("reopen");
    assert_eq!(ledger.batches().expect("list")[0].parts_received, 1);
    assert_eq!(ledger.integrity_check().expect("check"), Ok(()));
    let mode: String = ledger
        .reader()
        .expect("reader")
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_schema_is_refused_not_damaged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hookgrid.db");
    Connection::open(&path)
        .and_then(|c| c.execute_batch("PRAGMA user_version = 99"))
        .expect("prepare");
    let err = Ledger::open(&path).expect_err("too new");
    assert!(
        matches!(err, LedgerError::TooNew { found: 99, .. }),
        "{err}"
    );
}

#[test]
fn concurrent_writers_each_commit_exactly_once() {
    let (_dir, ledger) = open();
    let ledger = std::sync::Arc::new(ledger);
    let handles: Vec<_> = (1..=16)
        .map(|i| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                // Each part twice, from two threads at once.
                let body = format!("part {i}");
                ledger.commit_part(&envelope("ev", i, 16), body.as_bytes())
            })
        })
        .chain((1..=16).map(|i| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                let body = format!("part {i}");
                ledger.commit_part(&envelope("ev", i, 16), body.as_bytes())
            })
        }))
        .collect();
    let outcomes: Vec<Commit> = handles
        .into_iter()
        .map(|h| h.join().expect("thread").expect("commit"))
        .collect();
    let stored = outcomes
        .iter()
        .filter(|c| matches!(c, Commit::Stored { .. }))
        .count();
    let duplicates = outcomes
        .iter()
        .filter(|c| matches!(c, Commit::Duplicate { .. }))
        .count();
    let completions = outcomes
        .iter()
        .filter(|c| {
            matches!(
                c,
                Commit::Stored {
                    completed: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!((stored, duplicates, completions), (16, 16, 1));
}

#[test]
fn a_database_from_the_previous_schema_is_migrated_with_its_data() {
    let (dir, ledger) = open();
    ledger
        .commit_part(&envelope("e1", 1, 1), b"{\"part\":1}")
        .expect("commit");
    drop(ledger);
    // Put the file back to schema 1, as an older Hookgrid left it.
    let path = dir.path().join("hookgrid.db");
    Connection::open(&path)
        .and_then(|c| c.execute_batch("DROP INDEX events_last_received; PRAGMA user_version = 1"))
        .expect("downgrade");
    let ledger = Ledger::open(&path).expect("migrate");
    assert_eq!(
        ledger
            .batch_by_event("e1")
            .expect("read")
            .map(|b| b.parts_received),
        Some(1)
    );
    assert_eq!(ledger.batch_by_event("nope").expect("read"), None);
    let conn = Connection::open(&path).expect("open");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, crate::schema::VERSION);
    let index: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'events_last_received'",
            [],
            |r| r.get(0),
        )
        .expect("index");
    assert_eq!(index, 1);
    let batches = ledger.batches().expect("batches");
    assert_eq!((batches.len(), batches[0].parts_received), (1, 1));
}

#[test]
fn deleting_an_import_removes_its_parts_and_keeps_the_rest_consistent() {
    let (_dir, ledger) = open();
    for event in ["keep", "drop"] {
        for index in 1..=2 {
            ledger
                .commit_part(
                    &envelope(event, index, 2),
                    format!("{event}{index}").as_bytes(),
                )
                .expect("commit");
        }
    }
    ledger
        .quarantine(QuarantineKind::Conflict, "x", Some(("drop", 1)), b"y")
        .expect("quarantine");
    let batches = ledger.batches().expect("batches");
    let gone = batches
        .iter()
        .find(|b| b.event == "drop")
        .expect("drop")
        .key;
    assert!(ledger.delete(gone).expect("delete"));
    assert!(!ledger.delete(gone).expect("delete again"), "already gone");
    let left = ledger.batches().expect("batches");
    assert_eq!(
        left.iter().map(|b| b.event.as_str()).collect::<Vec<_>>(),
        ["keep"]
    );
    let mut parts = 0;
    ledger
        .for_each_part(gone, |_, _| {
            parts += 1;
            Ok::<(), ()>(())
        })
        .expect("read")
        .expect("parts");
    assert_eq!(parts, 0);
    assert_eq!(
        ledger.quarantined().expect("quarantine").len(),
        1,
        "rejected requests stay"
    );
    assert_eq!(ledger.integrity_check().expect("check"), Ok(()));
    // The same event posted again is a new import, not a duplicate of the deleted one.
    let again = ledger
        .commit_part(&envelope("drop", 1, 2), b"drop1")
        .expect("commit");
    assert!(matches!(again, Commit::Stored { .. }), "{again:?}");
}

#[test]
fn idle_imports_are_found_by_their_last_part() {
    let (_dir, ledger) = open();
    ledger
        .commit_part(&envelope("old", 1, 1), b"old")
        .expect("commit");
    let after_old = super::now_ms() + 1;
    assert_eq!(ledger.idle_since(after_old - 3_600_000).expect("idle"), []);
    let idle = ledger.idle_since(after_old).expect("idle");
    assert_eq!(idle.len(), 1);
}
