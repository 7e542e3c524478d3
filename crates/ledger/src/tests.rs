//! Storage tests: one suite, run on a real SQLite file in a temp dir (`tests::sqlite::…`)
//! and on a real PostgreSQL server (`tests::postgres::…`, each test in a schema of its own),
//! plus what only SQLite has (files, pragmas, its older schemas).

use super::*;

fn envelope(event: &str, index: u32, count: u32) -> Envelope {
    Envelope {
        event_id: event.to_owned(),
        event_type: "batch.update".to_owned(),
        index,
        count,
        likely_base: 1,
        batch_id: "batch-1".to_owned(),
        schema_id: Some(8),
        declared_rows: Some(3),
        valid_rows: 2,
        invalid_rows: 1,
        customer: None,
        workbook: None,
    }
}

fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path().join("hookgrid.db")).expect("open");
    (dir, ledger)
}

fn parts_in_any_order_complete_the_batch_once(ledger: &Ledger) {
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

fn a_repeat_is_a_duplicate_and_a_changed_body_a_conflict(ledger: &Ledger) {
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
        matches!(&recount, Commit::Conflict { reason } if reason.contains("with 2 parts")),
        "{recount:?}"
    );
    let b = &ledger.batches().expect("list")[0];
    assert_eq!((b.parts_received, b.status), (1, BatchStatus::Incomplete));
}

fn a_second_event_for_a_batch_is_a_new_revision(ledger: &Ledger) {
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

fn count_mismatch_is_recorded(ledger: &Ledger) {
    let mut e = envelope("ev", 1, 1);
    e.declared_rows = Some(1000);
    ledger.commit_part(&e, b"x").expect("commit");
    let b = &ledger.batches().expect("list")[0];
    assert_eq!(b.mismatched_parts, 1);
    assert_eq!(b.mismatched, [1]);
    assert!(b.count_mismatch());
    assert!(ledger.parts(b).expect("parts")[0].count_mismatch);
}

/// A body of `n` rows, as JSON rows compress.
fn rows_body(n: usize) -> Vec<u8> {
    let rows: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"email":"customer{i}@example.com","plan":"team","seats":"{i}"}}"#))
        .collect();
    format!(r#"{{"validRows":[{}]}}"#, rows.join(",")).into_bytes()
}

fn a_large_body_is_kept_packed_and_read_back_exactly(ledger: &Ledger) {
    let body = rows_body(1_000);
    let Commit::Stored { event, .. } = ledger
        .commit_part(&envelope("ev", 1, 1), &body)
        .expect("commit")
    else {
        panic!("stored")
    };
    let (codec, stored): (i64, i64) = ledger
        .read(|c| {
            c.query_row(
                "SELECT body_codec, length(body) FROM parts WHERE event = ?1",
                [event.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .expect("stored");
    assert_eq!(codec, body::LZ4);
    assert!(stored * 4 < body.len() as i64, "{stored} of {}", body.len());
    assert_eq!(
        ledger.part_body(event, 1).expect("read").as_deref(),
        Some(body.as_slice())
    );
    let mut seen = Vec::new();
    ledger
        .for_each_part(event, |_, b| {
            seen.push(b.to_vec());
            Ok::<_, ()>(())
        })
        .expect("read")
        .expect("each");
    assert_eq!(seen, std::slice::from_ref(&body));
    let b = ledger.batch(event).expect("read").expect("import");
    assert_eq!(
        ledger.parts(&b).expect("parts")[0].bytes,
        body.len() as u64,
        "a part's size is its size as sent"
    );
    // A stored body cut short is an error that names it, never other bytes.
    let cut = vec![0u8; 64];
    ledger
        .write(|c| {
            c.execute(
                "UPDATE parts SET body = ?1 WHERE event = ?2",
                params![cut, event.0],
            )
            .map(drop)
        })
        .expect("damage");
    let e = ledger.part_body(event, 1).expect_err("damaged");
    assert!(
        matches!(&e, LedgerError::BodyDamaged { what, .. } if what.contains("index 1")),
        "{e}"
    );
    let e = ledger
        .for_each_part(event, |_, _| Ok::<_, ()>(()))
        .expect_err("damaged");
    assert!(matches!(e, LedgerError::BodyDamaged { .. }), "{e}");
}

fn quarantine_keeps_the_body_and_reason(ledger: &Ledger) {
    let id = ledger
        .quarantine(
            QuarantineKind::Contract,
            "event.id is empty",
            Some(("ev", 2)),
            b"{}",
        )
        .expect("quarantine");
    let q = ledger.quarantined(Listed::Open).expect("list");
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
        .read(|c| c.query_row("PRAGMA journal_mode", (), |r| r.get(0)))
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

/// Commits each `(index, count, body)` as a part of event `ev`, from a thread each, all at
/// once; their outcomes, in the order given.
fn commit_at_once(
    ledger: &Ledger,
    parts: impl IntoIterator<Item = (u32, u32, String)>,
) -> Vec<Commit> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|(i, count, body)| {
                scope.spawn(move || ledger.commit_part(&envelope("ev", i, count), body.as_bytes()))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("commit"))
            .collect()
    })
}

fn concurrent_writers_each_commit_exactly_once(ledger: &Ledger) {
    // Each part twice, from two threads at once.
    let outcomes = commit_at_once(
        ledger,
        (1..=16).chain(1..=16).map(|i| (i, 16, format!("part {i}"))),
    );
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

fn a_contradicting_part_committed_beside_others_keeps_none_of_them_out(ledger: &Ledger) {
    // Parts arriving together share a commit (SQLite); the ones that contradict the import
    // are refused without taking the others down with them.
    let first = ledger
        .commit_part(&envelope("ev", 1, 16), b"part 1")
        .expect("first");
    assert!(matches!(first, Commit::Stored { .. }), "{first:?}");
    let outcomes = commit_at_once(
        ledger,
        (2..=16)
            .map(|i| (i, 16))
            .chain((1..=4).map(|i| (i, 99)))
            .map(|(i, count)| (i, count, format!("part {i} of {count}"))),
    );
    assert!(
        outcomes[..15]
            .iter()
            .all(|c| matches!(c, Commit::Stored { .. })),
        "{outcomes:?}"
    );
    assert!(
        outcomes[15..]
            .iter()
            .all(|c| matches!(c, Commit::Conflict { .. })),
        "{outcomes:?}"
    );
    let batch = &ledger.batches().expect("batches")[0];
    assert_eq!(
        (batch.parts_received, batch.parts_expected, batch.status),
        (16, 16, BatchStatus::Complete)
    );
}

#[test]
fn parts_waiting_for_the_writer_together_are_committed_in_one_transaction() {
    let (_dir, ledger) = open();
    let Backend::Sqlite(sqlite) = &ledger.backend else {
        unreachable!("open() makes a SQLite ledger")
    };
    // The writer busy (another write in progress): all eight parts queue behind it.
    let busy = sqlite.writer();
    let outcomes = std::thread::scope(|scope| {
        let ledger = &ledger;
        let handles: Vec<_> = (1..=8)
            .map(|i| {
                scope.spawn(move || {
                    ledger.commit_part(&envelope("ev", i, 8), format!("part {i}").as_bytes())
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while sqlite.waiting.queued() < 8 {
            assert!(
                std::time::Instant::now() < deadline,
                "the parts never queued"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(busy);
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("commit"))
            .collect::<Vec<_>>()
    });
    assert!(
        outcomes.iter().all(|c| matches!(c, Commit::Stored { .. })),
        "{outcomes:?}"
    );
    assert_eq!(
        sqlite
            .waiting
            .transactions
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "one transaction for the eight"
    );
    assert_eq!(
        ledger.batches().expect("batches")[0].status,
        BatchStatus::Complete
    );
}

/// A database file as a Hookgrid of schema `version` left it.
fn database_at(path: &Path, version: usize) -> Connection {
    let conn = Connection::open(path).expect("open");
    for sql in &crate::schema::sqlite::MIGRATIONS[..version] {
        conn.execute_batch(sql).expect("old schema");
    }
    conn.execute_batch(&format!("PRAGMA user_version = {version}"))
        .expect("version");
    conn
}

/// One stored part, written the way schemas 1 and 2 stored it (1-based index).
fn old_part(conn: &Connection, event: &str, idx: u32, count: u32, body: &[u8]) {
    conn.execute(
        "INSERT OR IGNORE INTO events (event_id, batch_id, event_type, schema_id, part_count,
                                       first_received, last_received)
         VALUES (?1, 'old-batch', 'batch.update', 8, ?2, 1000, 1000)",
        rusqlite::params![event, count],
    )
    .expect("event");
    conn.execute(
        "INSERT INTO parts (event, idx, received_at, declared_rows, valid_rows, invalid_rows,
                            body_sha256, body)
         VALUES ((SELECT id FROM events WHERE event_id = ?1), ?2, 1000, 2, 2, 0, ?3, ?4)",
        rusqlite::params![event, idx, Sha256::digest(body).to_vec(), body],
    )
    .expect("part");
}

/// Listing an import's parts reads none of their bodies: SQLite reaches a column stored after
/// a large value only by walking that value's overflow pages, so the body is the last column
/// of `parts`, in a new ledger and in one migrated from the oldest schema alike.
#[test]
fn a_part_s_body_is_stored_after_every_column_read_without_it() {
    let columns = |ledger: &Ledger| -> Vec<String> {
        ledger
            .read(|c| {
                c.query_map("SELECT name FROM pragma_table_info('parts')", (), |r| {
                    r.get(0)
                })
            })
            .expect("columns")
    };
    let (_dir, new) = open();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hookgrid.db");
    drop(database_at(&path, 1));
    let migrated = Ledger::open(&path).expect("migrate");
    for ledger in [&new, &migrated] {
        let columns = columns(ledger);
        assert_eq!(
            columns.last().map(String::as_str),
            Some("body"),
            "{columns:?}"
        );
        assert!(columns.contains(&"body_size".to_owned()), "{columns:?}");
    }
}

/// Reads reuse their connections, and one a read left inside a transaction is not reused: it
/// would keep reading the snapshot that transaction began with.
#[test]
fn reader_connections_are_kept_for_the_next_read_but_never_one_left_in_a_transaction() {
    let (_dir, ledger) = open();
    let Backend::Sqlite(sqlite) = &ledger.backend else {
        panic!("a SQLite ledger")
    };
    let kept = || sqlite.readers.lock().expect("readers").len();
    let events = |ledger: &Ledger| -> i64 {
        ledger
            .read(|c| c.query_row("SELECT COUNT(*) FROM events", (), |r| r.get(0)))
            .expect("count")
    };
    assert_eq!(events(&ledger), 0);
    assert_eq!(events(&ledger), 0);
    assert_eq!(kept(), 1, "the second read used the first one's connection");

    let left_open: i64 = ledger
        .read(|c| {
            c.execute_batch("BEGIN")?;
            c.query_row("SELECT COUNT(*) FROM events", (), |r| r.get(0))
        })
        .expect("read");
    assert_eq!(left_open, 0);
    assert_eq!(kept(), 0, "a connection inside a transaction is let go");
    ledger
        .commit_part(&envelope("ev", 1, 1), b"{}")
        .expect("commit");
    assert_eq!(
        events(&ledger),
        1,
        "the next read sees what was written since"
    );
}

/// A ledger let go of after reads leaves its file complete on its own: the idle readers close
/// before the writer, which checkpoints the WAL as the last connection (a read-only one cannot).
#[test]
fn a_ledger_let_go_of_after_reads_leaves_its_file_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hookgrid.db");
    let ledger = Ledger::open(&path).expect("open");
    ledger
        .commit_part(&envelope("ev", 1, 1), b"{}")
        .expect("commit");
    assert!(ledger.batch_by_event("ev").expect("read").is_some());
    drop(ledger);
    let alone = tempfile::tempdir().expect("temp dir");
    std::fs::copy(&path, alone.path().join("hookgrid.db")).expect("copy the file alone");
    let copy = Ledger::open(alone.path().join("hookgrid.db")).expect("open the copy");
    assert!(
        copy.batch_by_event("ev").expect("read").is_some(),
        "the part is in hookgrid.db itself, not only in its WAL"
    );
}

#[test]
fn databases_from_earlier_schemas_are_migrated_with_their_data() {
    for version in [1, 2] {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hookgrid.db");
        let conn = database_at(&path, version);
        old_part(&conn, "e1", 1, 2, b"{\"part\":1}");
        old_part(&conn, "e1", 2, 2, b"{\"part\":2}");
        old_part(&conn, "e2", 2, 3, b"{\"e2\":2}");
        drop(conn);

        let ledger = Ledger::open(&path).expect("migrate");
        let b = ledger.batch_by_event("e1").expect("read").expect("e1");
        assert_eq!((b.parts_received, b.status), (2, BatchStatus::Complete));
        assert_eq!(b.index_base, Some(1), "earlier imports all counted from 1");
        assert_eq!(
            b.columns, None,
            "columns are learnt when the table is built"
        );
        let columns = vec!["email".to_owned(), "naïve \"name\"".to_owned()];
        ledger.set_columns(b.key, &columns).expect("columns");
        let b = ledger.batch_by_event("e1").expect("read").expect("e1");
        assert_eq!(b.columns, Some(columns));
        assert_eq!(
            b.review,
            Review::default(),
            "earlier imports were never reviewed"
        );
        let entry = ledger
            .add_review(b.key, ReviewStatus::Approved, Some("fine"), "ops")
            .expect("review");
        let b = ledger.batch_by_event("e1").expect("read").expect("e1");
        assert_eq!(b.review, entry.review());
        assert_eq!(ledger.review_history(b.key).expect("history"), [entry]);
        let parts = ledger.parts(&b).expect("parts");
        let numbers: Vec<_> = parts.iter().map(|p| (p.part, p.index)).collect();
        assert_eq!(numbers, [(1, 1), (2, 2)]);
        assert_eq!(
            ledger.part_body(b.key, 2).expect("body").as_deref(),
            Some(&b"{\"part\":2}"[..])
        );
        // An incomplete import keeps counting from 1: index 0 now contradicts it.
        let mut e = envelope("e2", 0, 3);
        e.batch_id = "old-batch".to_owned();
        let c = ledger.commit_part(&e, b"zero").expect("commit");
        assert!(matches!(c, Commit::Conflict { .. }), "{c:?}");
        e.index = 1;
        let c = ledger.commit_part(&e, b"one").expect("commit");
        assert!(matches!(c, Commit::Stored { part: 1, .. }), "{c:?}");
        assert_eq!(ledger.batch_by_event("nope").expect("read"), None);

        let conn = Connection::open(&path).expect("open");
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(found, crate::schema::sqlite::VERSION);
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'events_last_received'",
                [],
                |r| r.get(0),
            )
            .expect("index");
        assert_eq!(index, 1);
        assert_eq!(ledger.integrity_check().expect("check"), Ok(()));
    }
}

/// A part in the shape real deliveries have (`sequence.length`: likely from 0).
fn delivered(event: &str, index: u32, count: u32) -> Envelope {
    Envelope {
        likely_base: 0,
        ..envelope(event, index, count)
    }
}

fn a_zero_based_import_completes_with_its_last_index_one_below_the_count(ledger: &Ledger) {
    let mut numbers = Vec::new();
    for index in [2, 0, 1] {
        match ledger
            .commit_part(&delivered("ev", index, 3), format!("{index}").as_bytes())
            .expect("commit")
        {
            Commit::Stored {
                part, completed, ..
            } => numbers.push((index, part, completed)),
            other => panic!("{other:?}"),
        }
    }
    // Index 2 arrives first and fits either base: read as the shape suggests (from 0) until
    // index 0 proves it.
    assert_eq!(numbers, [(2, 3, false), (0, 1, false), (1, 2, true)]);
    let b = &ledger.batches().expect("list")[0];
    assert_eq!((b.status, b.index_base), (BatchStatus::Complete, Some(0)));
    let again = ledger
        .commit_part(&delivered("ev", 1, 3), b"1")
        .expect("commit");
    assert!(
        matches!(again, Commit::Duplicate { part: 2, .. }),
        "{again:?}"
    );
    let parts = ledger.parts(b).expect("parts");
    let seen: Vec<_> = parts
        .iter()
        .map(|p| (p.part, p.index, p.duplicates, p.bytes))
        .collect();
    assert_eq!(seen, [(1, 0, 0, 1), (2, 1, 1, 1), (3, 2, 0, 1)]);
}

fn a_middle_index_is_numbered_as_the_sender_shape_suggests_until_an_end_arrives(ledger: &Ledger) {
    let stored = |e: &Envelope| match ledger.commit_part(e, b"x").expect("commit") {
        Commit::Stored { part, .. } => part,
        other => panic!("{other:?}"),
    };
    // Documented shape (`count`): index 1 is part 1; real shape (`length`): part 2.
    assert_eq!(stored(&envelope("doc", 1, 3)), 1);
    assert_eq!(stored(&delivered("real", 1, 3)), 2);
    let doc = ledger.batch_by_event("doc").expect("read").expect("doc");
    assert_eq!((doc.index_base, doc.part_number(1)), (None, 1));
    // An end settles it, whatever the shape said: index 0 makes "doc" count from 0.
    let mut zero = envelope("doc", 0, 3);
    zero.likely_base = 1;
    assert_eq!(
        ledger.commit_part(&zero, b"0").expect("commit"),
        Commit::Stored {
            event: doc.key,
            part: 1,
            completed: false,
            parts_received: 2
        }
    );
    let doc = ledger.batch_by_event("doc").expect("read").expect("doc");
    assert_eq!((doc.index_base, doc.part_number(1)), (Some(0), 2));
}

fn one_request_imports_count_from_0_or_from_1(ledger: &Ledger) {
    for (event, index) in [("zero", 0), ("one", 1)] {
        let c = ledger
            .commit_part(&envelope(event, index, 1), b"x")
            .expect("commit");
        assert!(
            matches!(
                c,
                Commit::Stored {
                    part: 1,
                    completed: true,
                    ..
                }
            ),
            "{event}: {c:?}"
        );
    }
    let c = ledger
        .commit_part(&envelope("zero", 1, 1), b"y")
        .expect("commit");
    assert!(
        matches!(&c, Commit::Conflict { reason } if reason.contains("both index 0 and index 1")),
        "{c:?}"
    );
}

fn both_ends_in_one_import_are_a_conflict_either_way_round(ledger: &Ledger) {
    ledger
        .commit_part(&envelope("a", 0, 3), b"0")
        .expect("commit");
    let c = ledger
        .commit_part(&envelope("a", 3, 3), b"3")
        .expect("commit");
    assert!(
        matches!(&c, Commit::Conflict { reason } if reason.contains("counts its parts from 0")),
        "{c:?}"
    );
    ledger
        .commit_part(&envelope("b", 3, 3), b"3")
        .expect("commit");
    let c = ledger
        .commit_part(&envelope("b", 0, 3), b"0")
        .expect("commit");
    assert!(
        matches!(&c, Commit::Conflict { reason } if reason.contains("counts its parts from 1")),
        "{c:?}"
    );
    // Neither conflict was stored.
    for b in ledger.batches().expect("list") {
        assert_eq!(b.parts_received, 1, "{}", b.event);
    }
}

fn the_customer_is_kept_from_the_first_part_that_carries_one(ledger: &Ledger) {
    let mut e = envelope("ev", 1, 3);
    ledger.commit_part(&e, b"1").expect("commit");
    assert_eq!(ledger.batches().expect("list")[0].customer, None);
    e.index = 2;
    e.customer = Some(r#"{"userId":"u-1","name":"Ops","extra":{"k":1}}"#.to_owned());
    ledger.commit_part(&e, b"2").expect("commit");
    e.index = 3;
    e.customer = Some(r#"{"userId":"u-2"}"#.to_owned());
    ledger.commit_part(&e, b"3").expect("commit");
    let customer = ledger.batches().expect("list")[0].customer.clone();
    assert_eq!(
        customer.map(|c| c.to_string()).as_deref(),
        Some(r#"{"userId":"u-1","name":"Ops","extra":{"k":1}}"#)
    );
}

fn a_retried_quarantine_entry_is_released_or_given_its_new_reason(ledger: &Ledger) {
    let a = ledger
        .quarantine(QuarantineKind::Contract, "old rule", None, b"a")
        .expect("q");
    let b = ledger
        .quarantine(QuarantineKind::NotJson, "not json", None, b"b")
        .expect("q");
    assert!(ledger.release(a).expect("release"));
    assert!(!ledger.release(a).expect("release"), "already gone");
    assert!(
        ledger
            .requarantine(b, QuarantineKind::Conflict, "new reason", Some(("ev", 2)))
            .expect("requarantine")
    );
    let left = ledger.quarantined(Listed::Open).expect("list");
    assert_eq!(left.len(), 1);
    let q = ledger.quarantined_one(b).expect("one").expect("b");
    assert_eq!(q, left[0]);
    assert_eq!(
        (q.kind, q.reason.as_str(), q.event.as_deref(), q.part),
        (QuarantineKind::Conflict, "new reason", Some("ev"), Some(2))
    );
    assert_eq!(ledger.quarantined_one(a).expect("one"), None);
}

fn a_dismissed_request_leaves_the_open_list_and_keeps_its_body(ledger: &Ledger) {
    let fresh = ledger
        .quarantine(QuarantineKind::NotJson, "not json", None, b"fresh")
        .expect("q");
    let refused = ledger
        .quarantine(QuarantineKind::Contract, "old rule", None, b"refused")
        .expect("q");
    let dismissed = ledger
        .quarantine(QuarantineKind::Contract, "old rule", None, b"dismissed")
        .expect("q");
    for id in [refused, dismissed] {
        ledger
            .requarantine(id, QuarantineKind::Contract, "still wrong", None)
            .expect("requarantine");
    }
    assert!(ledger.dismiss(dismissed, "ana").expect("dismiss"));
    assert!(
        ledger.dismiss(dismissed, "ana").expect("again"),
        "dismissed twice is fine"
    );
    assert!(
        !ledger.dismiss(999, "ana").expect("dismiss"),
        "no such request"
    );
    let ids = |listed| -> Vec<(i64, bool, bool)> {
        ledger
            .quarantined(listed)
            .expect("list")
            .iter()
            .map(|q| (q.id, q.retried, q.dismissed))
            .collect()
    };
    assert_eq!(
        ids(Listed::Open),
        [(refused, true, false), (fresh, false, false)]
    );
    assert_eq!(
        ids(Listed::All),
        [
            (dismissed, true, true),
            (refused, true, false),
            (fresh, false, false)
        ]
    );
    // Only what was retried and refused again goes, and only once.
    assert_eq!(ledger.dismiss_refused("bo").expect("dismiss"), [refused]);
    assert_eq!(
        ledger.dismiss_refused("bo").expect("again"),
        Vec::<i64>::new()
    );
    assert_eq!(ids(Listed::Open), [(fresh, false, false)]);
    assert_eq!(
        ledger.quarantined_body(refused).expect("body").as_deref(),
        Some(&b"refused"[..])
    );
}

fn deleting_an_import_removes_its_parts_and_keeps_the_rest_consistent(ledger: &Ledger) {
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
        ledger.quarantined(Listed::Open).expect("quarantine").len(),
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

fn idle_imports_are_found_by_their_last_part(ledger: &Ledger) {
    ledger
        .commit_part(&envelope("old", 1, 1), b"old")
        .expect("commit");
    let after_old = super::now_ms() + 1;
    assert_eq!(ledger.idle_since(after_old - 3_600_000).expect("idle"), []);
    let idle = ledger.idle_since(after_old).expect("idle");
    assert_eq!(idle.len(), 1);
}

#[test]
fn the_writer_is_opened_again_and_a_ledger_gone_meanwhile_is_not_made_afresh() {
    let (dir, ledger) = open();
    ledger
        .commit_part(&envelope("ev", 1, 2), b"one")
        .expect("commit");
    ledger.reopen().expect("reopen");
    ledger.probe_write().expect("a write after reopening");
    assert!(matches!(
        ledger.commit_part(&envelope("ev", 2, 2), b"two"),
        Ok(Commit::Stored {
            completed: true,
            ..
        })
    ));
    // The file removed while open (a bad restore, a cleanup script): not recreated empty.
    let path = dir.path().join("hookgrid.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let refused = ledger.reopen().expect_err("no ledger to open");
    assert!(
        refused.to_string().contains("cannot be opened"),
        "{refused}"
    );
    assert!(!path.exists(), "no empty ledger made in its place");
}

fn a_page_reads_the_live_corrections_of_its_own_rows_in_the_order_made(ledger: &Ledger) {
    ledger
        .commit_part(&envelope("ev-a", 1, 1), b"a")
        .expect("commit");
    let key = ledger.batches().expect("list")[0].key;
    let sent = serde_json::json!("x");
    let cells: Vec<(i64, serde_json::Value, String)> = (0..50)
        .map(|r| (r, sent.clone(), format!("v{r}")))
        .collect();
    ledger
        .add_corrections(key, "a", &cells, "ana")
        .expect("many");
    let again = ledger
        .add_correction(key, 7, "a", &sent, "newer", "ben")
        .expect("one");
    let gone = ledger
        .add_correction(key, 9, "b", &sent, "reverted", "ben")
        .expect("one");
    let before = ledger.corrections_tag(key).expect("tag");
    assert_eq!(
        ledger
            .revert_correction(key, gone.id, "ana")
            .expect("revert")
            .as_deref(),
        Some("b"),
        "the reverted cell's column"
    );
    let after = ledger.corrections_tag(key).expect("tag");
    assert!(
        !before.is_empty() && before != after,
        "{before} then {after}"
    );
    let page = ledger.corrections_of_rows(key, &[9, 7, 60]).expect("page");
    let seen: Vec<(i64, &str)> = page.iter().map(|c| (c.row, c.value.as_str())).collect();
    // Row 9's reverted correction is not live; row 60 has none; row 7's two in order.
    assert_eq!(seen, [(7, "v7"), (9, "v9"), (7, "newer")]);
    assert_eq!(page[2].id, again.id);
    assert!(
        ledger
            .corrections_of_rows(key, &[])
            .expect("none")
            .is_empty()
    );
    assert_eq!(ledger.count_corrections(key).expect("count"), 51);
}

/// A workbook body of these sheets (`(id, commit, emails)`), parsed into what the ledger is
/// given: each sheet's envelope and records digest.
fn workbook(sheets: &[(&str, &str, &[&str])]) -> (Vec<u8>, Vec<WorkbookSheet>) {
    let sheets: Vec<serde_json::Value> = sheets
        .iter()
        .map(|(id, commit, emails)| {
            let records: Vec<serde_json::Value> = emails
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    serde_json::json!({"id": format!("{id}-r{i}"), "valid": true,
                                       "values": {"email": {"value": e, "valid": true}}})
                })
                .collect();
            serde_json::json!({"id": id, "name": format!("Sheet {id}"), "commitId": commit,
                               "config": {"fields": [{"key": "email", "label": "Email"}]},
                               "records": records})
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"workbook": {
        "id": "us_wb_1", "name": "Contacts", "spaceId": "us_sp_1", "environmentId": "us_env_1",
        "sheets": sheets}}))
    .expect("json");
    let wb = hookgrid_flatfile::workbook::parse_workbook(&body).expect("workbook");
    let parsed = wb
        .sheets
        .iter()
        .map(|s| WorkbookSheet {
            envelope: s.envelope(&wb),
            digest: s.digest,
            sent_back: None,
        })
        .collect();
    (body, parsed)
}

fn bodies(ledger: &Ledger) -> i64 {
    ledger
        .read(|c| c.query_row("SELECT COUNT(*) FROM bodies", (), |r| r.get(0)))
        .expect("count")
}

fn a_workbook_is_stored_once_with_each_sheet_an_import_and_a_repeat_writes_nothing(
    ledger: &Ledger,
) {
    let (body, mut sheets) = workbook(&[("sh_a", "c1", &["a@x", "b@x"]), ("sh_b", "c1", &[])]);
    let sent = SentBack {
        config: "contacts".into(),
        rejected: 1,
        listed: 1,
        answer: r#"{"sheetId":"sh_a","rejectedRecords":[]}"#.into(),
    };
    sheets[0].sent_back = Some(sent.clone());
    let outcomes = ledger.commit_workbook(&sheets, &body).expect("commit");
    assert!(
        outcomes.iter().all(|c| matches!(
            c,
            Commit::Stored {
                completed: true,
                part: 1,
                ..
            }
        )),
        "{outcomes:?}"
    );
    assert_eq!(bodies(ledger), 1);
    let batches = ledger.batches().expect("batches");
    assert_eq!(batches.len(), 2);
    let a = batches.iter().find(|b| b.batch == "sh_a").expect("sheet a");
    assert_eq!(a.event, "sh_a:c1");
    assert_eq!((a.valid, a.invalid, a.parts_received), (2, 0, 1));
    assert_eq!(a.status, BatchStatus::Complete);
    let origin = a.workbook.as_ref().expect("its workbook");
    assert_eq!(
        (origin.id.as_str(), origin.sheet.as_str()),
        ("us_wb_1", "Sheet sh_a")
    );
    assert_eq!(
        a.customer_label.as_deref(),
        Some("Contacts · us_sp_1 · us_env_1")
    );
    // Each sheet's part is the whole body, kept once.
    assert_eq!(
        ledger.part_body(a.key, 0).expect("body"),
        Some(body.clone())
    );
    let parts = ledger.parts(a).expect("parts");
    assert_eq!(parts[0].bytes, body.len() as u64);
    let mut seen = Vec::new();
    ledger
        .for_each_part(a.key, |idx, b| {
            seen.push((idx, b.to_vec()));
            Ok::<(), ()>(())
        })
        .expect("read")
        .expect("each");
    assert_eq!(seen, [(0, body.clone())]);

    // The same POST again: every sheet a repeat, nothing written but the counts.
    let again = ledger.commit_workbook(&sheets, &body).expect("again");
    assert!(
        again.iter().all(|c| matches!(c, Commit::Duplicate { .. })),
        "{again:?}"
    );
    assert_eq!(bodies(ledger), 1);
    assert_eq!(ledger.parts(a).expect("parts")[0].duplicates, 1);
}

fn a_resubmitted_workbook_keeps_an_unchanged_sheet_a_repeat_and_the_changed_one_a_revision(
    ledger: &Ledger,
) {
    let (body, sheets) = workbook(&[("sh_a", "c1", &["a@x"]), ("sh_b", "c1", &["b@x"])]);
    ledger.commit_workbook(&sheets, &body).expect("first");
    let (edited, sheets2) = workbook(&[("sh_a", "c1", &["a@x"]), ("sh_b", "c2", &["b@y"])]);
    let outcomes = ledger.commit_workbook(&sheets2, &edited).expect("second");
    assert!(
        matches!(outcomes[0], Commit::Duplicate { .. }),
        "{outcomes:?}"
    );
    assert!(matches!(outcomes[1], Commit::Stored { .. }), "{outcomes:?}");
    assert_eq!(bodies(ledger), 2);
    let b: Vec<_> = ledger
        .batches()
        .expect("batches")
        .into_iter()
        .filter(|b| b.batch == "sh_b")
        .map(|b| (b.event, b.revision))
        .collect();
    assert_eq!(b.len(), 2);
    assert!(b.contains(&("sh_b:c2".to_owned(), 2)), "{b:?}");

    // Other records under a commit already stored contradict it: nothing of the body is kept.
    let (odd, sheets3) = workbook(&[("sh_a", "c1", &["changed@x"]), ("sh_c", "c1", &["c@x"])]);
    let outcomes = ledger.commit_workbook(&sheets3, &odd).expect("third");
    match &outcomes[0] {
        Commit::Conflict { reason } => assert!(reason.contains("sheet sh_a"), "{reason}"),
        other => panic!("not a conflict: {other:?}"),
    }
    assert_eq!(bodies(ledger), 2);
    assert!(
        ledger
            .batches()
            .expect("batches")
            .iter()
            .all(|b| b.batch != "sh_c")
    );

    // The first body goes with the last sheet that used it.
    let first_a = ledger
        .batches()
        .expect("batches")
        .into_iter()
        .find(|b| b.event == "sh_a:c1")
        .expect("a");
    assert!(ledger.delete(first_a.key).expect("delete a"));
    assert_eq!(ledger.sent_back(first_a.key).expect("sent back"), None);
    assert_eq!(bodies(ledger), 2, "sheet b's first revision still holds it");
    let first_b = ledger
        .batches()
        .expect("batches")
        .into_iter()
        .find(|b| b.event == "sh_b:c1")
        .expect("b");
    assert!(ledger.delete(first_b.key).expect("delete b"));
    assert_eq!(bodies(ledger), 1);
}

fn shared_settings_are_set_once_and_then_replaced(ledger: &Ledger) {
    assert_eq!(ledger.shared_setting("webhook_token").expect("read"), None);
    let first = ledger
        .shared_setting_or("webhook_token", "first")
        .expect("first");
    assert_eq!(first, "first");
    // A second instance starting finds the first one's value, and keeps it.
    let second = ledger
        .shared_setting_or("webhook_token", "second")
        .expect("second");
    assert_eq!(second, "first");
    ledger
        .set_shared_setting("webhook_token", "rotated")
        .expect("set");
    assert_eq!(
        ledger
            .shared_setting("webhook_token")
            .expect("read")
            .as_deref(),
        Some("rotated")
    );
    // Kept apart from the ledger's own keys.
    assert_ne!(ledger.id().expect("id"), "rotated");
}

/// What a ledger holds, as its readers see it: compared between a ledger and its copy.
fn holdings(ledger: &Ledger) -> serde_json::Value {
    let batches = ledger.batches().expect("batches");
    let imports: Vec<serde_json::Value> = batches
        .iter()
        .map(|b| {
            let mut bodies = Vec::new();
            ledger
                .for_each_part(b.key, |i, body| {
                    bodies.push((i, String::from_utf8_lossy(body).into_owned()));
                    Ok::<(), ()>(())
                })
                .expect("parts")
                .expect("each");
            serde_json::json!({
                "batch": b,
                "parts": ledger.parts(b).expect("parts"),
                "bodies": bodies,
                "corrections": ledger.corrections(b.key).expect("corrections"),
                "tag": ledger.corrections_tag(b.key).expect("tag"),
                "flags": ledger.flags(b.key).expect("flags"),
                "history": ledger.review_history(b.key).expect("history"),
                "sent_back": ledger.sent_back(b.key).expect("sent back"),
                "config": ledger.config_for(b).expect("config"),
            })
        })
        .collect();
    let users: Vec<serde_json::Value> = ledger
        .users()
        .expect("users")
        .into_iter()
        .map(|u| {
            serde_json::json!([
                u.id,
                u.name,
                u.role,
                u.password_hash,
                u.created_at,
                u.tokens
            ])
        })
        .collect();
    serde_json::json!({
        "id": ledger.id().expect("id"),
        "imports": imports,
        "quarantine": ledger.quarantined(Listed::All).expect("quarantine"),
        "configs": ledger.configs().expect("configs"),
        "users": users,
        "audit": ledger.audit(100).expect("audit"),
        "token": ledger.shared_setting("webhook_token").expect("token"),
    })
}

/// A SQLite ledger holding something of every kind.
fn filled() -> (tempfile::TempDir, Ledger) {
    let (dir, ledger) = open();
    // A small body kept as sent and a large one kept packed.
    let bodies = [b"part 1".to_vec(), rows_body(500)];
    for (i, body) in (1..).zip(&bodies) {
        ledger
            .commit_part(&envelope("ev-1", i, 2), body)
            .expect("part");
    }
    let (body, sheets) = workbook(&[("sh_a", "c1", &["a@x"]), ("sh_b", "c1", &["b@x"])]);
    ledger.commit_workbook(&sheets, &body).expect("workbook");
    ledger
        .quarantine(
            QuarantineKind::Contract,
            "no rows",
            Some(("ev-q", 0)),
            b"{\"q\":1}",
        )
        .expect("quarantine");
    let key = ledger
        .batch_by_event("ev-1")
        .expect("read")
        .expect("import")
        .key;
    ledger
        .add_config(
            "plans",
            "{\"fields\": []}",
            Some(ConfigScope::Default),
            None,
        )
        .expect("config");
    ledger.use_config(key, Some("plans")).expect("use");
    ledger
        .add_review(key, ReviewStatus::InReview, Some("mine"), "ana")
        .expect("review");
    ledger.flag_rows(key, &[0, 3], "ask", "ana").expect("flag");
    let sent = serde_json::json!("Germany ");
    let fixed = ledger
        .add_correction(key, 1, "country", &sent, "Germany", "ana")
        .expect("correct");
    ledger
        .add_correction(key, 2, "country", &sent, "France", "ana")
        .expect("correct");
    ledger
        .revert_correction(key, fixed.id, "ben")
        .expect("revert");
    let user = ledger
        .add_user(
            "ana",
            "admin",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        )
        .expect("user");
    ledger
        .add_token(user.id, "laptop", &[7; 32])
        .expect("token");
    ledger
        .record("ana", "delete", "import ev-0")
        .expect("audit");
    ledger
        .set_shared_setting(
            "webhook_token",
            "a-token-shared-by-every-instance-on-this-ledger",
        )
        .expect("setting");
    (dir, ledger)
}

fn a_ledger_is_copied_whole_into_an_empty_one_and_back(ledger: &Ledger) {
    let (_dir, source) = filled();
    let before = holdings(&source);
    let mut heard = Vec::new();
    let copied = source
        .copy_into(ledger, |table, rows| heard.push((table.to_owned(), rows)))
        .expect("copy");
    assert_eq!(heard.len(), copied.tables.len(), "each table's progress");
    assert!(copied.tables.contains(&("parts", 4)), "{copied:?}");
    assert_eq!(copied.bodies, 5, "four parts and a rejected request");
    assert_eq!(holdings(ledger), before);
    // New rows get ids after the copied ones.
    let later = ledger
        .commit_part(&envelope("ev-2", 1, 1), b"later")
        .expect("commit");
    let Commit::Stored { event, .. } = later else {
        panic!("{later:?}")
    };
    let copied_keys: Vec<EventKey> = source
        .batches()
        .expect("list")
        .iter()
        .map(|b| b.key)
        .collect();
    assert!(
        copied_keys.iter().all(|k| *k < event),
        "{copied_keys:?} then {event:?}"
    );
    ledger.delete(event).expect("delete");

    // Into a ledger that holds something: refused, and nothing written.
    let refused = source.copy_into(ledger, |_, _| ()).expect_err("not empty");
    assert!(
        refused.to_string().contains("an empty one only"),
        "{refused}"
    );
    assert_eq!(holdings(ledger), before);

    // And back into a SQLite file: the same again.
    let (_back_dir, back) = open();
    ledger.copy_into(&back, |_, _| ()).expect("copy back");
    assert_eq!(holdings(&back), before);
    assert_eq!(back.integrity_check().expect("check"), Ok(()));
}

/// Each test of the suite, as a test on each backend.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let (_dir, ledger) = super::open();
                    super::$name(&ledger);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                #[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
                fn $name() {
                    let db = super::TestDatabase::new();
                    super::$name(db.ledger());
                }
            )*
        }
    };
}

on_both!(
    a_ledger_is_copied_whole_into_an_empty_one_and_back,
    shared_settings_are_set_once_and_then_replaced,
    parts_in_any_order_complete_the_batch_once,
    a_repeat_is_a_duplicate_and_a_changed_body_a_conflict,
    a_second_event_for_a_batch_is_a_new_revision,
    count_mismatch_is_recorded,
    a_large_body_is_kept_packed_and_read_back_exactly,
    quarantine_keeps_the_body_and_reason,
    concurrent_writers_each_commit_exactly_once,
    a_contradicting_part_committed_beside_others_keeps_none_of_them_out,
    a_zero_based_import_completes_with_its_last_index_one_below_the_count,
    a_middle_index_is_numbered_as_the_sender_shape_suggests_until_an_end_arrives,
    one_request_imports_count_from_0_or_from_1,
    both_ends_in_one_import_are_a_conflict_either_way_round,
    the_customer_is_kept_from_the_first_part_that_carries_one,
    a_retried_quarantine_entry_is_released_or_given_its_new_reason,
    a_dismissed_request_leaves_the_open_list_and_keeps_its_body,
    deleting_an_import_removes_its_parts_and_keeps_the_rest_consistent,
    idle_imports_are_found_by_their_last_part,
    a_page_reads_the_live_corrections_of_its_own_rows_in_the_order_made,
    a_workbook_is_stored_once_with_each_sheet_an_import_and_a_repeat_writes_nothing,
    a_resubmitted_workbook_keeps_an_unchanged_sheet_a_repeat_and_the_changed_one_a_revision,
);

/// What only PostgreSQL has.
mod postgres_only {
    use super::*;

    #[test]
    #[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
    fn a_session_without_synchronous_commit_is_refused_with_what_to_set() {
        let url = std::env::var("HOOKGRID_TEST_DATABASE_URL")
            .expect("HOOKGRID_TEST_DATABASE_URL: make test starts a PostgreSQL for these tests");
        let sep = if url.contains('?') { '&' } else { '?' };
        let refused =
            Ledger::open_postgres(&format!("{url}{sep}options=-csynchronous_commit%3Doff"))
                .expect_err("an acknowledgement would not be a promise");
        let said = refused.to_string();
        assert!(said.contains("synchronous_commit is off"), "{said}");
        assert!(said.contains("set it to on"), "{said}");
    }

    #[test]
    #[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
    fn a_database_of_a_newer_schema_is_refused() {
        let db = TestDatabase::new();
        db.ledger()
            .write(|c| c.execute_batch("UPDATE schema_version SET version = version + 1"))
            .expect("bump");
        let url = std::env::var("HOOKGRID_TEST_DATABASE_URL").expect("url");
        let sep = if url.contains('?') { '&' } else { '?' };
        let refused =
            Ledger::open_postgres(&format!("{url}{sep}options=-csearch_path%3D{}", db.schema))
                .expect_err("too new");
        assert!(
            matches!(refused, LedgerError::TooNew { found, supported, .. } if found == supported + 1),
            "{refused}"
        );
    }
}

/// Announcements, which only a PostgreSQL ledger keeps (a SQLite one has one process).
mod postgres_announcements {
    use super::*;
    use crate::{ChangesSince, Heard};

    fn listed(found: ChangesSince) -> Vec<(String, Option<String>)> {
        match found {
            ChangesSince::Listed(changes) => {
                changes.into_iter().map(|c| (c.instance, c.event)).collect()
            }
            other => panic!("expected a list, found {other:?}"),
        }
    }

    #[test]
    fn a_sqlite_ledger_says_it_keeps_no_announcements() {
        let (_dir, ledger) = open();
        let refused = ledger
            .announce("a", &[None])
            .expect_err("one process has no one to tell");
        assert!(
            matches!(refused, LedgerError::PostgresOnly { .. }),
            "{refused}"
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
    fn announcements_are_read_in_order_from_where_a_follower_stopped() {
        let db = TestDatabase::new();
        let ledger = db.ledger();
        assert_eq!(ledger.latest_change().expect("latest"), 0);
        ledger
            .announce("a", &[Some("one".into()), Some("two".into())])
            .expect("announce");
        ledger.announce("b", &[None]).expect("announce");
        let all = ledger.changes_since(0, 100).expect("read");
        assert_eq!(
            listed(all.clone()),
            [
                ("a".to_owned(), Some("one".to_owned())),
                ("a".to_owned(), Some("two".to_owned())),
                ("b".to_owned(), None),
            ]
        );
        let ChangesSince::Listed(changes) = all else {
            unreachable!()
        };
        assert!(
            changes.windows(2).all(|w| w[0].seq < w[1].seq),
            "{changes:?}"
        );
        assert_eq!(ledger.latest_change().expect("latest"), changes[2].seq);
        assert_eq!(
            listed(ledger.changes_since(changes[1].seq, 100).expect("read")),
            [("b".to_owned(), None)]
        );
        assert_eq!(
            listed(ledger.changes_since(0, 1).expect("read")).len(),
            1,
            "at most the limit"
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
    fn a_listener_wakes_at_an_announcement_made_on_another_connection() {
        let db = TestDatabase::new();
        let listener = db.ledger().listen_for_changes().expect("listen");
        assert_eq!(listener.wait(Duration::from_millis(50)), Heard::Quiet);
        db.ledger()
            .announce("a", &[Some("x".into())])
            .expect("announce");
        assert_eq!(listener.wait(Duration::from_secs(20)), Heard::Notified);
        assert_eq!(
            listener.wait(Duration::from_millis(50)),
            Heard::Quiet,
            "one commit wakes once"
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
    fn a_follower_behind_what_was_pruned_is_told_to_read_everything_again() {
        let db = TestDatabase::new();
        let ledger = db.ledger();
        ledger
            .announce("a", &[Some("old".into())])
            .expect("announce");
        assert_eq!(ledger.prune_changes(now_ms() - 60_000).expect("prune"), 0);
        assert_eq!(ledger.prune_changes(now_ms() + 1).expect("prune"), 1);
        let latest = ledger.latest_change().expect("latest");
        assert_eq!(
            ledger.changes_since(0, 100).expect("read"),
            ChangesSince::TooOld { latest }
        );
        ledger
            .announce("a", &[Some("new".into())])
            .expect("announce");
        assert_eq!(
            listed(ledger.changes_since(latest, 100).expect("read")),
            [("a".to_owned(), Some("new".to_owned()))],
            "followed on from where it was told to"
        );
    }
}

/// A PostgreSQL ledger of its own for one test: a schema made in the database at
/// `HOOKGRID_TEST_DATABASE_URL`, dropped afterwards.
pub(crate) struct TestDatabase {
    ledger: Option<Ledger>,
    admin: Ledger,
    schema: String,
}

impl TestDatabase {
    pub(crate) fn new() -> TestDatabase {
        let url = std::env::var("HOOKGRID_TEST_DATABASE_URL")
            .expect("HOOKGRID_TEST_DATABASE_URL: make test starts a PostgreSQL for these tests");
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let schema = format!(
            "t{}_{}_{}",
            std::process::id(),
            now_ms(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        // A ledger in the server's default schema would do as an admin connection, but it
        // would make its tables there: the admin side uses the pool without migrating.
        let admin = Ledger {
            path: PathBuf::from(shown_url(&url)),
            backend: Backend::Postgres(Box::new(Postgres::connect(&url).expect("connect"))),
        };
        admin
            .write(|c| c.execute_batch(&format!("CREATE SCHEMA {schema}")))
            .expect("schema");
        let sep = if url.contains('?') { '&' } else { '?' };
        let ledger = Ledger::open_postgres(&format!("{url}{sep}options=-csearch_path%3D{schema}"))
            .expect("open the PostgreSQL ledger");
        TestDatabase {
            ledger: Some(ledger),
            admin,
            schema,
        }
    }

    pub(crate) fn ledger(&self) -> &Ledger {
        self.ledger.as_ref().expect("open until dropped")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop(self.ledger.take());
        let _ = self
            .admin
            .write(|c| c.execute_batch(&format!("DROP SCHEMA {} CASCADE", self.schema)));
    }
}
