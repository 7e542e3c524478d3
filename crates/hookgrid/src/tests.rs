//! Facade tests on a real data dir: ingest, assembly, resolve, views, export, rebuild.

use super::*;
use serde_json::json;

pub(crate) use crate::sample::request_body as body;

fn open() -> (tempfile::TempDir, Hookgrid) {
    let dir = tempfile::tempdir().expect("dir");
    let hg = Hookgrid::open(dir.path()).expect("open");
    (dir, hg)
}

/// Every event up to and including the one the worker sends when a batch file is written.
fn events_until_ready(rx: &mut broadcast::Receiver<Event>) -> Vec<Event> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(e @ (Event::BatchReady { .. } | Event::BatchFailed { .. })) => {
                seen.push(e);
                return seen;
            }
            Ok(e) => seen.push(e),
            Err(broadcast::error::TryRecvError::Empty) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no BatchReady in 30 s; saw {seen:?}"
                );
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) => panic!("event stream: {e}"),
        }
    }
}

/// The page's column `n`, which the tests' bodies number their rows by.
fn column_n(page: &hookgrid_frames::Page) -> Vec<i64> {
    page.rows
        .column("n")
        .expect("n")
        .i64()
        .expect("i64")
        .into_no_null_iter()
        .collect()
}

/// Waits for the event the worker sends when a batch file is written.
fn wait_ready(rx: &mut broadcast::Receiver<Event>) -> Event {
    events_until_ready(rx)
        .pop()
        .expect("at least the ready event")
}

#[test]
fn a_batch_completes_out_of_order_and_its_file_is_written() {
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    let r = hg
        .ingest(&body("ev", "b", 2, 2, json!([{"n": 3}]), json!([{"n": 4}])))
        .expect("part 2");
    assert!(r.stored);
    hg.ingest(&body(
        "ev",
        "b",
        1,
        2,
        json!([{"n": 1}, {"n": 2}]),
        json!([]),
    ))
    .expect("part 1");
    let ready = wait_ready(&mut rx);
    assert_eq!(
        ready,
        Event::BatchReady {
            event: "ev".into(),
            batch: "b".into(),
            rows: 4
        }
    );

    let batch = hg.resolve("b").expect("resolve");
    assert!(store::is_sound(&hg.batch_file(&batch), 4));
    let page = hg.page(&batch, &View::default(), 0, 10).expect("page");
    assert_eq!(page.total, 4);
    assert_eq!(column_n(&page), [1, 2, 3, 4]);
    let invalid = View {
        rows: RowSet::Invalid,
        ..View::default()
    };
    assert_eq!(hg.page(&batch, &invalid, 0, 10).expect("page").total, 1);
}

#[test]
fn a_stored_part_is_read_into_columns_after_its_answer_and_kept_for_the_build() {
    let (_dir, hg) = open();
    let first = body(
        "ev-r",
        "b-r",
        1,
        2,
        json!([{"n": 1}, {"n": 2}]),
        json!([{"n": 3}]),
    );
    hg.ingest(&first).expect("part 1");
    let key = hg.resolve("b-r").expect("resolve").key;
    // The worker reads it off the request's path: awaited, not assumed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let held = loop {
        let held = hg.core.assembly.lock().take(key);
        if !held.is_empty() {
            break held;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the part's rows were not read within 30 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let parsed = hookgrid_flatfile::parse(&first).expect("parse");
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].index, &held[0].rows), (1, &parsed.rows));
    assert_eq!(held[0].valid, hookgrid_frames::Validity::First(2));
}

#[test]
fn a_page_asked_as_the_last_part_is_answered_is_read_from_the_worker_s_build() {
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    for index in [2, 1] {
        let rows = json!([{"n": index * 10}, {"n": index * 10 + 1}]);
        hg.ingest(&body("ev-w", "b-w", index, 3, rows, json!([])))
            .expect("part");
    }
    // The worker held up at its next part's rows, so the build cannot be over before the page
    // is asked.
    let worker_held = hg.core.assembly.lock();
    hg.ingest(&body(
        "ev-w",
        "b-w",
        3,
        3,
        json!([{"n": 30}]),
        json!([{"n": 31}]),
    ))
    .expect("last part");
    // Every stored body spoilt behind the ledger's back: a page that read the parts again
    // would fail, one read from the build (made from the rows read as the parts came) cannot.
    let conn = rusqlite::Connection::open(hg.data_dir().ledger()).expect("sqlite");
    conn.execute("UPDATE parts SET body = x'00', body_codec = 0", ())
        .expect("spoil");
    drop(conn);
    let batch = hg.resolve("b-w").expect("resolve");
    let page = std::thread::scope(|s| {
        let asked = s.spawn(|| hg.browse("rev", &batch, &View::default(), 0, 10));
        drop(worker_held);
        asked.join().expect("asked")
    })
    .expect("a page from the build");
    assert_eq!(column_n(&page), [10, 11, 20, 21, 30, 31]);
    assert!(matches!(
        wait_ready(&mut rx),
        Event::BatchReady { rows: 6, .. }
    ));
    // Its file was written from the same build, and a new reader of it sees the same rows.
    assert!(store::is_sound(&hg.batch_file(&batch), 6));
    assert_eq!(
        hg.page(&batch, &View::default(), 0, 10)
            .expect("file")
            .total,
        6
    );
}

#[test]
fn events_announce_parts_completion_and_quarantine() {
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body("ev", "b", 1, 1, json!([{"a": 1}]), json!([])))
        .expect("stored");
    let _ = hg.ingest(b"nope");
    let seen = events_until_ready(&mut rx);
    assert!(
        matches!(
            &seen[0],
            Event::PartStored {
                part: 1,
                of: 1,
                received: 1,
                ..
            }
        ),
        "{seen:?}"
    );
    let completed = seen
        .iter()
        .position(|e| matches!(e, Event::BatchCompleted { .. }))
        .expect("BatchCompleted");
    assert!(
        completed < seen.len() - 1,
        "announced before the file is ready: {seen:?}"
    );
    assert!(
        matches!(
            &seen[completed],
            Event::BatchCompleted {
                valid: 1,
                invalid: 0,
                ..
            }
        ),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|e| matches!(
            e,
            Event::RequestQuarantined {
                kind: QuarantineKind::NotJson,
                ..
            }
        )),
        "{seen:?}"
    );
}

#[test]
fn rejected_bodies_are_quarantined_with_their_reason() {
    let (_dir, hg) = open();
    let err = hg.ingest(b"{not json").expect_err("not json");
    assert!(matches!(
        err,
        IngestError::Rejected {
            kind: QuarantineKind::NotJson,
            ..
        }
    ));
    let err = hg
        .ingest(&body("ev", "b", 3, 2, json!([]), json!([])))
        .expect_err("index");
    assert!(matches!(
        err,
        IngestError::Rejected {
            kind: QuarantineKind::Contract,
            ..
        }
    ));
    hg.ingest(&body("ev", "b", 1, 2, json!([{"a": 1}]), json!([])))
        .expect("stored");
    let dup = hg
        .ingest(&body("ev", "b", 1, 2, json!([{"a": 1}]), json!([])))
        .expect("duplicate");
    assert!(!dup.stored);
    let err = hg
        .ingest(&body("ev", "b", 1, 2, json!([{"a": 2}]), json!([])))
        .expect_err("conflict");
    assert!(matches!(
        err,
        IngestError::Rejected {
            kind: QuarantineKind::Conflict,
            ..
        }
    ));

    let rejected = hg.rejected(Listed::Open).expect("list");
    let kinds: Vec<_> = rejected.iter().map(|q| q.kind).collect();
    assert_eq!(
        kinds,
        [
            QuarantineKind::Conflict,
            QuarantineKind::Contract,
            QuarantineKind::NotJson
        ]
    );
    assert_eq!(rejected[0].event.as_deref(), Some("ev"));
    assert_eq!(
        hg.rejected_body(rejected[2].id).expect("body"),
        Some(b"{not json".to_vec())
    );
}

#[test]
fn resolve_takes_ids_prefixes_and_newest_revisions() {
    let (_dir, hg) = open();
    hg.ingest(&body("ev-aaa", "batch-1", 1, 1, json!([]), json!([])))
        .expect("stored");
    hg.ingest(&body("ev-bbb", "batch-1", 1, 1, json!([]), json!([])))
        .expect("stored");
    hg.ingest(&body("ev-ccc", "other", 1, 1, json!([]), json!([])))
        .expect("stored");
    assert_eq!(hg.resolve("batch-1").expect("batch").event, "ev-bbb");
    assert_eq!(hg.resolve("ev-aaa").expect("event").event, "ev-aaa");
    assert_eq!(hg.resolve("ev-a").expect("prefix").event, "ev-aaa");
    assert_eq!(hg.resolve("bat").expect("batch prefix").event, "ev-bbb");
    assert!(matches!(hg.resolve("ev-"), Err(Error::Ambiguous { .. })));
    assert!(matches!(hg.resolve("zzz"), Err(Error::NotFound(_))));
}

#[test]
fn a_missing_or_corrupt_batch_file_is_rebuilt_from_the_ledger() {
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev",
        "b",
        1,
        1,
        json!([{"zip": "00123"}]),
        json!([{"zip": "x"}]),
    ))
    .expect("stored");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev").expect("resolve");
    let path = hg.batch_file(&batch);

    std::fs::write(&path, b"PAR1 garbage").expect("corrupt");
    assert_eq!(hg.rebuild_missing().expect("rebuild"), 1);
    let rebuilt = events_until_ready(&mut rx);
    assert!(
        matches!(rebuilt.as_slice(), [Event::BatchReady { rows: 2, .. }]),
        "a rebuild is not a new completion: {rebuilt:?}"
    );
    assert!(store::is_sound(&path, 2));

    std::fs::remove_file(&path).expect("delete");
    // A reader rebuilds on demand too.
    let page = hg.page(&batch, &View::default(), 0, 10).expect("page");
    assert_eq!(page.total, 2);
    assert!(store::is_sound(&path, 2));
}

#[test]
fn a_batch_file_typed_by_older_rules_is_typed_again() {
    let (dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev",
        "b",
        1,
        1,
        json!([{"revenue": "2815711.30"}, {"revenue": "4.90"}]),
        json!([]),
    ))
    .expect("stored");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev").expect("resolve");
    let path = hg.batch_file(&batch);
    let dtype = |hg: &Hookgrid| {
        let page = hg.page(&batch, &View::default(), 0, 10).expect("page");
        page.rows
            .column("revenue")
            .expect("revenue")
            .dtype()
            .clone()
    };
    assert!(matches!(
        dtype(&hg),
        polars::prelude::DataType::Decimal(_, 2)
    ));

    // What an earlier build wrote: the same rows with money as text, and no typing recorded.
    let mut old = store::scan(&path).expect("scan").collect().expect("read");
    old.with_column(
        old.column("revenue")
            .expect("revenue")
            .cast(&polars::prelude::DataType::String)
            .expect("text"),
    )
    .expect("column");
    store::write(&mut old, &path).expect("write");
    hg.core.derived_written(&path).expect("digest");
    assert_eq!(store::soundness(&path, 2), store::Soundness::OtherTyping);
    drop(hg);
    let reopened = Hookgrid::open(dir.path()).expect("reopen");
    assert!(matches!(
        dtype(&reopened),
        polars::prelude::DataType::Decimal(_, 2)
    ));
    assert_eq!(
        store::soundness(&path, 2),
        store::Soundness::Sound,
        "written again by these rules"
    );
}

#[test]
fn incomplete_batches_can_be_read_but_export_needs_consent() {
    let (dir, hg) = open();
    hg.ingest(&body("ev", "b", 2, 3, json!([{"a": "x"}]), json!([])))
        .expect("stored");
    let batch = hg.resolve("ev").expect("resolve");
    assert_eq!(batch.status, hookgrid_ledger::BatchStatus::Incomplete);
    assert_eq!(
        hg.page(&batch, &View::default(), 0, 10)
            .expect("page")
            .total,
        1
    );
    let out = dir.path().join("out.csv");
    let err = hg
        .export(&batch, &View::default(), &out, ExportSettings::default())
        .expect_err("incomplete");
    assert!(
        matches!(
            err,
            Error::Incomplete {
                received: 1,
                expected: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(
        hg.export(
            &batch,
            &View::default(),
            &out,
            ExportSettings {
                allow_incomplete: true,
                ..ExportSettings::default()
            }
        )
        .expect("export"),
        1
    );
}

#[test]
fn error_kinds_are_stable_names() {
    assert_eq!(Error::NotFound("x".into()).kind(), "not_found");
    let e = Error::Frames(hookgrid_frames::FramesError::Sql("x".into()));
    assert_eq!(e.kind(), "bad_filter");
}

#[test]
fn browsing_pages_match_the_lazy_pages_and_follow_new_parts() {
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    let rows = |from: i64| json!([{"n": from, "plan": "team"}, {"n": from + 1, "plan": "solo"}]);
    hg.ingest(&body("ev", "b", 1, 2, rows(0), json!([{"n": 100}])))
        .expect("part 1");
    let views = [
        View::default(),
        View {
            rows: RowSet::Invalid,
            ..View::default()
        },
        View {
            filter: Some("plan = 'team'".into()),
            sort: Some(Sort {
                column: "n".into(),
                descending: true,
            }),
            ..View::default()
        },
    ];
    let same = |batch: &Batch| {
        for view in &views {
            for offset in [0, 1, 5] {
                let lazy = hg.page(batch, view, offset, 2).expect("page");
                let held = hg.browse("test", batch, view, offset, 2).expect("browse");
                assert_eq!(held.total, lazy.total, "{view:?} @ {offset}");
                assert_eq!(
                    held.json_arrays(),
                    lazy.json_arrays(),
                    "{view:?} @ {offset}"
                );
            }
            // Column summaries from memory, for the view the pages follow and for the others.
            for other in &views {
                for column in ["plan", "n"] {
                    assert_eq!(
                        hg.browse_column_values("test", batch, other, column, 10)
                            .expect("held"),
                        hg.column_values(batch, other, column, 10).expect("file"),
                        "{column} of {other:?} while browsing {view:?}"
                    );
                }
            }
        }
    };
    // Incomplete: what has arrived so far.
    let partial = hg.resolve("ev").expect("batch");
    same(&partial);
    assert_eq!(
        hg.browse("test", &partial, &View::default(), 0, 10)
            .expect("page")
            .total,
        3
    );

    // The last part arrives: the held import is read again with it.
    hg.ingest(&body("ev", "b", 2, 2, rows(2), json!([])))
        .expect("part 2");
    wait_ready(&mut rx);
    let complete = hg.resolve("ev").expect("batch");
    same(&complete);
    assert_eq!(
        hg.browse("test", &complete, &View::default(), 0, 10)
            .expect("page")
            .total,
        5
    );

    hg.close_browse("test");
    same(&complete);
}

#[test]
fn deleting_a_batch_removes_it_its_file_and_what_memory_holds() {
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body("gone", "b1", 1, 1, json!([{"n": 1}]), json!([])))
        .expect("ingest");
    wait_ready(&mut rx);
    hg.ingest(&body("waiting", "b2", 1, 2, json!([{"n": 2}]), json!([])))
        .expect("ingest");
    let gone = hg.resolve("gone").expect("gone");
    let file = hg.batch_file(&gone);
    assert!(file.exists());
    hg.browse("test", &gone, &View::default(), 0, 10)
        .expect("browse");
    hg.delete_batch(&gone, "test").expect("delete");
    assert!(!file.exists(), "its file is removed");
    assert!(matches!(hg.resolve("gone"), Err(Error::NotFound(_))));
    let deleted = std::iter::from_fn(|| rx.try_recv().ok())
        .any(|e| matches!(e, Event::BatchDeleted { ref event, .. } if event == "gone"));
    assert!(deleted, "the deletion is announced");

    // An incomplete import's parts held in memory go too: posting it again starts afresh.
    let waiting = hg.resolve("waiting").expect("waiting");
    hg.delete_batch(&waiting, "test").expect("delete");
    hg.ingest(&body("waiting", "b2", 2, 2, json!([{"n": 3}]), json!([])))
        .expect("ingest");
    let again = hg.resolve("waiting").expect("again");
    assert_eq!(
        (again.parts_received, again.status),
        (1, BatchStatus::Incomplete)
    );
    let page = hg.page(&again, &View::default(), 0, 10).expect("page");
    assert_eq!(page.total, 1, "only the new part");
    assert_eq!(hg.integrity_check().expect("check"), Ok(()));
}

#[test]
fn retention_deletes_only_imports_idle_for_longer_than_the_setting() {
    let (_dir, hg) = open();
    hg.ingest(&body("e", "b", 1, 1, json!([{"n": 1}]), json!([])))
        .expect("ingest");
    let day = std::time::Duration::from_secs(24 * 3600);
    let now = std::time::SystemTime::now();
    assert_eq!(hg.delete_older_than(7, now + 6 * day).expect("six days"), 0);
    assert_eq!(hg.batches().expect("batches").len(), 1);
    assert_eq!(
        hg.delete_older_than(7, now + 8 * day).expect("eight days"),
        1
    );
    assert!(hg.batches().expect("batches").is_empty());

    // The setting: saved, applied at once, and 0 refused.
    assert!(hg.set_retention_days(Some(0), "test").is_err());
    hg.ingest(&body("f", "b", 1, 1, json!([{"n": 1}]), json!([])))
        .expect("ingest");
    assert_eq!(
        hg.set_retention_days(Some(30), "test").expect("set"),
        0,
        "fresh imports stay"
    );
    assert_eq!(hg.settings().expect("settings").retention_days, Some(30));
    assert_eq!(hg.set_retention_days(None, "test").expect("off"), 0);
    assert_eq!(hg.batches().expect("batches").len(), 1);
}

fn delivery(event: &str, index: u32, length: u32, valid: serde_json::Value) -> Vec<u8> {
    crate::sample::delivery_body(event, "b-real", index, length, valid, json!([]))
}

#[test]
fn a_zero_based_delivery_is_numbered_from_1_and_its_text_numbers_are_typed() {
    let (dir, hg) = open();
    let mut rx = hg.subscribe();
    // Index 2 first: read as 0-based until index 0 arrives; the numbers never change.
    for index in [2, 0, 1] {
        let height = format!("{}", [5, 10, 9][index as usize]);
        let r = hg
            .ingest(&delivery(
                "real",
                index,
                3,
                json!([{"height_cm": height, "zip": "0055"}]),
            ))
            .expect("stored");
        assert_eq!((r.part, r.index), (index + 1, index));
    }
    wait_ready(&mut rx);
    let batch = hg.resolve("real").expect("resolve");
    let sorted = View {
        sort: Some("height_cm".parse().expect("sort")),
        ..View::default()
    };
    let page = hg.page(&batch, &sorted, 0, 10).expect("page");
    let rows = page.json_rows();
    let seen: Vec<(serde_json::Value, serde_json::Value)> = rows
        .iter()
        .map(|r| (r["height_cm"].clone(), r["_part"].clone()))
        .collect();
    // A numeric sort (9 before 10), and `_part` numbered from 1.
    assert_eq!(
        seen,
        [
            (json!(5), json!(1)),
            (json!(9), json!(3)),
            (json!(10), json!(2))
        ]
    );
    assert_eq!(rows[0]["zip"], json!("0055"));
    let filtered = View {
        filter: Some("height_cm > 8".into()),
        ..View::default()
    };
    assert_eq!(hg.page(&batch, &filtered, 0, 10).expect("page").total, 2);

    // Typed export, then as sent.
    let out = dir.path().join("typed.csv");
    hg.export(&batch, &filtered, &out, ExportSettings::default())
        .expect("export");
    let typed = std::fs::read_to_string(&out).expect("read");
    assert_eq!(typed, "_valid,height_cm,zip\ntrue,10,0055\ntrue,9,0055\n");
    let out = dir.path().join("sent.parquet");
    let as_sent = ExportSettings {
        as_sent: true,
        ..ExportSettings::default()
    };
    assert_eq!(
        hg.export(&batch, &sorted, &out, as_sent).expect("export"),
        3
    );
    let back = store::scan(&out).expect("scan").collect().expect("read");
    let heights: Vec<Option<&str>> = back
        .column("height_cm")
        .expect("column")
        .str()
        .expect("text, as sent")
        .iter()
        .collect();
    assert_eq!(heights, [Some("5"), Some("9"), Some("10")]);
}

#[test]
fn details_say_who_sent_an_import_and_what_is_missing() {
    let (dir, hg) = open();
    hg.ingest(&delivery("d", 1, 4, json!([{"a": "x"}])))
        .expect("stored");
    hg.ingest(&delivery("d", 1, 4, json!([{"a": "x"}])))
        .expect("repeat");
    // Declares 1 row (the sample counts them); its meta is edited to declare 5.
    let mut v: serde_json::Value =
        serde_json::from_slice(&delivery("d", 3, 4, json!([{"a": "y"}]))).expect("json");
    v["data"]["meta"]["length"] = json!(5);
    hg.ingest(v.to_string().as_bytes()).expect("stored");
    let batch = hg.resolve("d").expect("resolve");
    assert_eq!(
        batch.mismatched,
        [4],
        "shown while the import is incomplete"
    );
    let d = hg.details(&batch).expect("details");
    assert_eq!(d.numbering, Numbering::Unknown);
    let parts: Vec<(u32, u32, u32, bool)> = d
        .parts
        .iter()
        .map(|p| (p.part, p.index, p.duplicates, p.count_mismatch))
        .collect();
    assert_eq!(parts, [(2, 1, 1, false), (4, 3, 0, true)]);
    assert_eq!(
        d.missing,
        [PartRange { from: 1, to: 1 }, PartRange { from: 3, to: 3 }]
    );
    assert!(d.waiting_seconds.is_some_and(|s| s < 60));
    assert_eq!(
        d.customer_name_json,
        Some(json!({"tenant": "acme-eu", "plan": "business"}))
    );
    let json = serde_json::to_value(&d).expect("json");
    assert_eq!(json["customer"]["companyName"], "Acme GmbH");
    assert_eq!(
        json["batch"], "b-real",
        "the batch's fields are at the top level"
    );

    let out = dir.path().join("part.json");
    let n = hg.save_part_body(&batch, 4, &out).expect("save");
    assert_eq!(
        std::fs::read(&out).expect("read"),
        v.to_string().into_bytes()
    );
    assert_eq!(n as usize, v.to_string().len());
    let err = hg
        .save_part_body(&batch, 1, &out)
        .expect_err("missing part");
    assert_eq!(err.kind(), "not_found");

    // Index 0 settles the numbering: the stored parts keep their numbers.
    hg.ingest(&delivery("d", 0, 4, json!([]))).expect("stored");
    let d = hg
        .details(&hg.resolve("d").expect("resolve"))
        .expect("details");
    assert_eq!(d.numbering, Numbering::FromZero);
    assert_eq!(d.missing, [PartRange { from: 3, to: 3 }]);
}

#[test]
fn a_request_refused_by_an_older_rule_is_retried_into_an_import() {
    let (_dir, hg) = open();
    // What an older Hookgrid quarantined: the body as it arrived, refused for `length`.
    let body = delivery("old", 0, 1, json!([{"a": "1"}]));
    let id = hg
        .core
        .ledger
        .quarantine(
            QuarantineKind::Contract,
            "event.sequence: missing field count",
            None,
            &body,
        )
        .expect("quarantine");
    let broken = hg.ingest(b"{not json").expect_err("refused");
    let IngestError::Rejected {
        quarantine_id: broken,
        ..
    } = broken
    else {
        panic!("{broken:?}")
    };
    let mut rx = hg.subscribe();

    let results = hg.retry_all_rejected("test").expect("retry");
    let outcomes: Vec<(i64, RetryOutcome)> = results.iter().map(|r| (r.id, r.outcome)).collect();
    assert_eq!(
        outcomes,
        [(id, RetryOutcome::Stored), (broken, RetryOutcome::Rejected)]
    );
    assert_eq!(results[0].message, "stored as part 1 of 1 of batch b-real");
    assert!(
        results[1].message.contains("not valid JSON"),
        "{}",
        results[1].message
    );
    wait_ready(&mut rx);
    let batch = hg.resolve("old").expect("an import now");
    assert_eq!(batch.rows(), 1);
    let left = hg.rejected(Listed::Open).expect("list");
    assert_eq!(left.iter().map(|q| q.id).collect::<Vec<_>>(), [broken]);
    // The same body again (say it was quarantined twice) is a duplicate, and leaves too.
    let again = hg
        .core
        .ledger
        .quarantine(QuarantineKind::Contract, "old rule", None, &body)
        .expect("quarantine");
    assert_eq!(
        hg.retry_rejected(again, "test").expect("retry").outcome,
        RetryOutcome::Duplicate
    );
    assert_eq!(
        hg.retry_rejected(again, "test").expect_err("gone").kind(),
        "not_found"
    );
}

#[test]
fn dismissed_requests_leave_the_list_are_told_and_audited() {
    let (_dir, hg) = open();
    let refused = |body: &[u8]| match hg.ingest(body) {
        Err(IngestError::Rejected { quarantine_id, .. }) => quarantine_id,
        other => panic!("{other:?}"),
    };
    let looked_at = refused(b"{not json");
    let retried = refused(b"[1, 2]");
    let fresh = refused(b"also not json");
    assert_eq!(
        hg.retry_rejected(retried, "ana").expect("retry").outcome,
        RetryOutcome::Rejected
    );
    let mut rx = hg.subscribe();
    hg.dismiss_rejected(looked_at, "ana").expect("dismiss");
    assert_eq!(
        rx.try_recv().expect("told"),
        Event::RequestsDismissed {
            ids: vec![looked_at]
        }
    );
    // Only the one tried again and refused again.
    assert_eq!(
        hg.dismiss_refused_rejected("bo").expect("dismiss"),
        [retried]
    );
    assert_eq!(
        rx.try_recv().expect("told"),
        Event::RequestsDismissed { ids: vec![retried] }
    );
    let open_ids: Vec<i64> = hg
        .rejected(Listed::Open)
        .expect("list")
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(open_ids, [fresh]);
    assert_eq!(hg.rejected(Listed::All).expect("all").len(), 3);
    assert_eq!(
        hg.rejected_body(looked_at).expect("body").as_deref(),
        Some(&b"{not json"[..]),
        "a dismissed body is kept"
    );
    // Nothing more to dismiss is not news.
    assert!(hg.dismiss_refused_rejected("bo").expect("none").is_empty());
    assert!(rx.try_recv().is_err());
    assert_eq!(
        hg.dismiss_rejected(999, "ana").expect_err("no such").kind(),
        "not_found"
    );
    let audit: Vec<(String, String, String)> = hg
        .audit()
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == "dismiss")
        .map(|a| (a.user, a.action, a.target))
        .collect();
    assert_eq!(
        audit,
        [
            (
                "bo".to_owned(),
                "dismiss".to_owned(),
                format!("rejected requests retried and still refused: #{retried}")
            ),
            (
                "ana".to_owned(),
                "dismiss".to_owned(),
                format!("rejected request #{looked_at}")
            ),
        ]
    );
}

#[test]
fn a_signature_refusal_is_retried_only_once_signing_is_off() {
    let (_dir, hg) = open();
    hg.set_signing_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "test")
        .expect("secret");
    let body = delivery("signed", 0, 1, json!([{"a": "1"}]));
    let Err(IngestError::Rejected { quarantine_id, .. }) =
        hg.ingest_signed(&body, Signed::default())
    else {
        panic!("an unsigned request is refused")
    };
    let r = hg.retry_rejected(quarantine_id, "test").expect("retry");
    assert_eq!(r.outcome, RetryOutcome::Rejected);
    assert!(
        r.message.contains("cannot be checked again"),
        "{}",
        r.message
    );
    hg.set_signing_secret("", "test").expect("off");
    let r = hg.retry_rejected(quarantine_id, "test").expect("retry");
    assert_eq!(r.outcome, RetryOutcome::Stored, "{}", r.message);
}

#[test]
fn imports_are_found_by_text_and_status() {
    let (_dir, hg) = open();
    hg.ingest(&delivery("found", 0, 2, json!([])))
        .expect("stored");
    hg.ingest(&body("plain", "b-plain", 1, 1, json!([]), json!([])))
        .expect("stored");
    let find = |search: &str, status: Option<BatchStatus>| -> Vec<String> {
        hg.find_batches(&BatchFilter {
            search: Some(search.to_owned()),
            status,
            review: None,
        })
        .expect("find")
        .into_iter()
        .map(|b| b.event)
        .collect()
    };
    assert_eq!(find("acme gmbh", None), ["found"]);
    assert_eq!(find("B-PLAIN", None), ["plain"]);
    assert_eq!(find("", Some(BatchStatus::Incomplete)), ["found"]);
    assert_eq!(find("", None), ["plain", "found"]);
    assert!(find("acme", Some(BatchStatus::Complete)).is_empty());
    // The newest only, with how many there are: read straight, or after a filter.
    let newest = |filter: BatchFilter| -> (u64, Vec<String>) {
        let (total, batches) = hg.find_newest_batches(&filter, 1).expect("newest");
        (total, batches.into_iter().map(|b| b.event).collect())
    };
    assert_eq!(
        newest(BatchFilter::default()),
        (2, vec!["plain".to_owned()])
    );
    let incomplete = BatchFilter {
        search: None,
        status: Some(BatchStatus::Incomplete),
        review: None,
    };
    assert_eq!(newest(incomplete), (1, vec!["found".to_owned()]));
}

#[test]
fn a_maximised_window_keeps_the_place_it_returns_to() {
    let (_dir, hg) = open();
    let place = WindowState {
        width: 1200,
        height: 800,
        x: 40,
        y: 30,
        maximized: false,
    };
    hg.set_window(place).expect("save");
    assert_eq!(hg.settings().expect("settings").window, Some(place));
    let maximised = WindowState {
        width: 1920,
        height: 1080,
        x: 0,
        y: 0,
        maximized: true,
    };
    hg.set_window(maximised).expect("save");
    assert_eq!(
        hg.settings().expect("settings").window,
        Some(WindowState {
            maximized: true,
            ..place
        })
    );
}

#[test]
fn a_completed_import_has_its_errors_ready_when_a_configuration_applies() {
    let (dir, hg) = open();
    hg.add_config(
        "contacts",
        br#"[{"key": "email", "validators": [{"validate": "required"}]}]"#,
        Some(ConfigScope::Default),
        None,
    )
    .expect("config");
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-why",
        "b-why",
        1,
        1,
        json!([{"email": "a@x.io"}]),
        json!([{"email": ""}]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    // The worker checks the rows right after writing the file; shutting down waits for it.
    hg.shutdown();
    let derived: Vec<String> = std::fs::read_dir(dir.path().join("batches"))
        .expect("batches")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".errors-"))
        .collect();
    assert_eq!(derived.len(), 1, "{derived:?}");
    let batch = hg.resolve("b-why").expect("batch");
    let summary = hg
        .errors(&batch)
        .expect("errors")
        .expect("a configuration applies");
    assert_eq!(summary.rules[0].rows, 1);
    assert_eq!(summary.unexplained_invalid, 0);
    let rows = hg.row_errors_required(&batch, &[0, 1]).expect("rows");
    assert_eq!(rows[0], vec![]);
    assert_eq!(rows[1][0].message, "Required");
    // The grid holds the import in memory; a view of the rows with errors still works.
    hg.browse("test", &batch, &View::default(), 0, 10)
        .expect("browse");
    hg.browse(
        "test",
        &batch,
        &View {
            rows: RowSet::Valid,
            ..View::default()
        },
        0,
        10,
    )
    .expect("held");
    let errors = View {
        errors: Some(ErrorRows { column: None }),
        ..View::default()
    };
    let page = hg
        .browse("test", &batch, &errors, 0, 10)
        .expect("rows with errors");
    assert_eq!(page.row_numbers(), vec![1]);
}

#[test]
fn the_list_tells_imports_apart_by_columns_and_the_configuration_that_explains_them() {
    let (dir, hg) = open();
    hg.add_config(
        "contacts",
        br#"[{"key": "email", "validators": [{"validate": "required"}]},
             {"key": "first_name"}]"#,
        Some(ConfigScope::Default),
        None,
    )
    .expect("config");
    let mut rx = hg.subscribe();
    let people = json!([{"email": "a@x.io", "first_name": "Ann", "country": "DE"}]);
    hg.ingest(&body("ev-people", "b-people", 1, 1, people, json!([])))
        .expect("people");
    wait_ready(&mut rx);
    let stock = json!([{"sku": "A-1", "weight_kg": 2}]);
    hg.ingest(&body("ev-stock", "b-stock", 1, 1, stock, json!([])))
        .expect("stock");
    wait_ready(&mut rx);
    hg.ingest(&body(
        "ev-open",
        "b-open",
        1,
        2,
        json!([{"email": "b@x.io"}]),
        json!([]),
    ))
    .expect("half an import");

    let listed = |hg: &Hookgrid| -> Vec<(String, Option<Vec<String>>, Option<String>)> {
        let (_, batches) = hg
            .find_newest_batches(&BatchFilter::default(), 10)
            .expect("list");
        hg.listed(batches)
            .expect("listed")
            .into_iter()
            .map(|l| (l.batch.event, l.batch.columns, l.config))
            .collect()
    };
    let names = |c: &[&str]| Some(c.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        listed(&hg),
        vec![
            // Columns are known once the import's table is built; until then no fit is judged.
            ("ev-open".into(), None, None),
            // The default configuration does not fit a warehouse import: it explains nothing.
            ("ev-stock".into(), names(&["sku", "weight_kg"]), None),
            (
                "ev-people".into(),
                names(&["email", "first_name", "country"]),
                Some("contacts".into())
            ),
        ]
    );
    // Given by hand, a configuration explains an import it does not fit; none given, none.
    let stock = hg.resolve("ev-stock").expect("stock");
    hg.use_config(&stock, Some("contacts")).expect("by hand");
    let people = hg.resolve("ev-people").expect("people");
    hg.use_no_config(&people).expect("none");
    let now = listed(&hg);
    assert_eq!(now[1].2.as_deref(), Some("contacts"));
    assert_eq!(now[2].2, None);
    // The same choice as the import's own reasons.
    assert!(hg.errors(&people).expect("errors").is_none());
    // Found by a column's name.
    let by_column = hg
        .find_batches(&BatchFilter {
            search: Some("WEIGHT_kg".into()),
            status: None,
            review: None,
        })
        .expect("search");
    assert_eq!(by_column.len(), 1);
    assert_eq!(by_column[0].event, "ev-stock");

    // An import completed by an older Hookgrid has no columns in the ledger: they are read
    // from its file at the next start, not left out of the list for good.
    let ledger = hg.data_dir().ledger();
    hg.shutdown();
    drop(hg);
    let conn = rusqlite::Connection::open(ledger).expect("sqlite");
    conn.execute("UPDATE events SET columns = NULL", [])
        .expect("as an older Hookgrid left it");
    drop(conn);
    let hg = Hookgrid::open(dir.path()).expect("reopen");
    assert_eq!(listed(&hg)[1].1, None);
    assert_eq!(
        hg.rebuild_missing().expect("start-up"),
        0,
        "the files are intact"
    );
    assert_eq!(listed(&hg)[1].1, names(&["sku", "weight_kg"]));
    assert_eq!(
        listed(&hg)[0].1,
        None,
        "an incomplete import has no table yet"
    );
}

#[test]
fn a_configuration_that_tells_empty_from_null_is_checked_on_the_rows_as_sent() {
    // `plan` is typed from text ("1", "2"), so its file stores `""` as null; the validator
    // below fires on `""` and not on a missing plan, so the rows must come from the bodies.
    let (_dir, hg) = open();
    hg.add_config(
        "plans",
        br#"[{"key": "note", "validators": [
            {"validate": "required_with_values", "fieldValues": {"plan": ""}}]}]"#,
        Some(ConfigScope::Default),
        None,
    )
    .expect("config");
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-empty",
        "b-empty",
        1,
        1,
        json!([{"plan": "1", "note": ""}, {"plan": "", "note": ""}]),
        json!([{"note": ""}, {"plan": "2"}]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("b-empty").expect("batch");
    assert!(hg.batch_file(&batch).exists());
    let rows = hg.row_errors_required(&batch, &[0, 1, 2, 3]).expect("rows");
    let flagged: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, problems)| !problems.is_empty())
        .map(|(row, _)| row)
        .collect();
    assert_eq!(flagged, [1], "only the row whose plan is \"\": {rows:?}");
}

#[test]
fn a_row_is_found_in_its_part_and_given_back_exactly_as_sent() {
    let (_dir, hg) = open();
    // Keys out of order, spacing and number text that no parser would write back the same.
    let odd = r#"{ "name" : "Ana",  "age":"0042", "a":1.50 }"#;
    let part = |index: u32, valid: serde_json::Value, invalid: serde_json::Value| {
        let bytes = body("ev-row", "b-row", index, 2, valid, invalid);
        String::from_utf8(bytes)
            .expect("utf-8")
            .replace(r#"{"zz":"ODD"}"#, odd)
            .into_bytes()
    };
    let mut rx = hg.subscribe();
    // The second part first: rows are numbered by part, whatever the order of arrival.
    hg.ingest(&part(2, json!([{"n": 3}]), json!([{"zz": "ODD"}])))
        .expect("part 2");
    hg.ingest(&part(1, json!([{"n": 1}]), json!([{"n": 2}])))
        .expect("part 1");
    wait_ready(&mut rx);
    let batch = hg.resolve("b-row").expect("batch");
    let located: Vec<(u32, u32, bool)> = (0..4)
        .map(|row| {
            let r = hg.sent_row(&batch, row).expect("row");
            assert_eq!(r.row, row);
            (r.part, r.position, r.valid)
        })
        .collect();
    assert_eq!(
        located,
        [(1, 1, true), (1, 2, false), (2, 1, true), (2, 2, false)]
    );
    assert_eq!(hg.sent_row(&batch, 3).expect("row").json, odd);
    assert_eq!(hg.sent_row(&batch, 0).expect("row").json, r#"{"n":1}"#);
    let past = hg.sent_row(&batch, 4).expect_err("no row 5");
    assert_eq!(past.kind(), "not_found", "{past}");
    assert!(hg.sent_row(&batch, -1).is_err());
}

fn person(name: &str, role: crate::accounts::Role) -> crate::accounts::Caller {
    crate::accounts::Caller {
        name: name.to_owned(),
        role,
        client: name.to_owned(),
    }
}

#[test]
fn a_review_decision_is_kept_with_who_and_when_and_every_change_stays_in_the_history() {
    use crate::accounts::Role;
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body("ev-r1", "b-r", 1, 1, json!([{"n": 1}]), json!([])))
        .expect("first revision");
    // The worker's announcements come first; what follows is the decision's own.
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-r1").expect("batch");
    assert_eq!(batch.review, Review::default(), "nobody has decided: new");
    let alice = person("alice", Role::Reviewer);
    let bob = person("bob", Role::Reviewer);
    let admin = person("root", Role::Admin);

    let taken = hg
        .set_review(&batch, ReviewStatus::InReview, Some("  "), &alice)
        .expect("taken");
    assert_eq!(
        (taken.status, taken.by.as_str(), taken.note.as_deref()),
        (ReviewStatus::InReview, "alice", None)
    );
    assert_eq!(
        rx.try_recv().expect("announced"),
        Event::ReviewChanged {
            event: "ev-r1".into(),
            batch: "b-r".into(),
            status: ReviewStatus::InReview,
            by: "alice".into()
        }
    );
    // Two reviewers one after the other: the later one is the status, both are kept.
    hg.set_review(
        &batch,
        ReviewStatus::Rejected,
        Some("row 812 has the wrong country"),
        &bob,
    )
    .expect("sent back");
    hg.set_review(&batch, ReviewStatus::Approved, None, &alice)
        .expect("approved");
    let now = hg.resolve("ev-r1").expect("batch").review;
    assert_eq!(
        (now.status, now.by.as_deref(), now.note),
        (ReviewStatus::Approved, Some("alice"), None)
    );
    let history: Vec<(ReviewStatus, String)> = hg
        .review_history(&batch)
        .expect("history")
        .into_iter()
        .map(|e| (e.status, e.by))
        .collect();
    assert_eq!(
        history,
        [
            (ReviewStatus::InReview, "alice".to_owned()),
            (ReviewStatus::Rejected, "bob".to_owned()),
            (ReviewStatus::Approved, "alice".to_owned()),
        ]
    );
    assert_eq!(hg.details(&batch).expect("details").review_history.len(), 3);

    // Only an admin changes another reviewer's note; one's own, or a new status, is free.
    hg.set_review(
        &batch,
        ReviewStatus::Approved,
        Some("checked twice"),
        &alice,
    )
    .expect("her own note");
    let refused = hg
        .set_review(&batch, ReviewStatus::Approved, Some("not really"), &bob)
        .expect_err("bob rewrites alice's note");
    assert_eq!(refused.kind(), "forbidden");
    assert!(
        refused
            .to_string()
            .contains("changing the note alice wrote needs the admin role"),
        "{refused}"
    );
    hg.set_review(&batch, ReviewStatus::Approved, Some("confirmed"), &admin)
        .expect("an admin may");
    hg.set_review(&batch, ReviewStatus::InReview, None, &bob)
        .expect("a new decision");
    let long = "x".repeat(crate::MAX_NOTE_CHARS + 1);
    let err = hg
        .set_review(&batch, ReviewStatus::InReview, Some(&long), &bob)
        .expect_err("too long");
    assert_eq!(err.kind(), "bad_request");
    assert_eq!(
        hg.review_history(&batch).expect("history").len(),
        6,
        "refusals are not kept"
    );

    // Every decision is in the audit log.
    let audited = hg
        .audit()
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == "review")
        .count();
    assert_eq!(audited, 6);

    // The list filters by it.
    let found = |review| {
        hg.find_batches(&BatchFilter {
            review: Some(review),
            ..BatchFilter::default()
        })
        .expect("find")
        .len()
    };
    assert_eq!(
        (found(ReviewStatus::InReview), found(ReviewStatus::New)),
        (1, 0)
    );

    // A status belongs to one revision: Flatfile sending the import again starts it afresh.
    hg.ingest(&body("ev-r2", "b-r", 1, 1, json!([{"n": 2}]), json!([])))
        .expect("second revision");
    let second = hg.resolve("b-r").expect("newest");
    assert_eq!(
        (second.event.as_str(), second.review.status),
        ("ev-r2", ReviewStatus::New)
    );
    assert_eq!(
        hg.resolve("ev-r1").expect("first").review.status,
        ReviewStatus::InReview
    );
    assert_eq!(
        (found(ReviewStatus::InReview), found(ReviewStatus::New)),
        (1, 1)
    );

    // Deleting an import takes its decisions with it.
    hg.delete_batch(&batch, "root").expect("delete");
    assert!(hg.review_history(&batch).expect("history").is_empty());
}

#[test]
fn rows_are_flagged_one_by_one_or_by_view_shown_exported_and_unflagged() {
    use crate::accounts::Role;
    let (dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-f",
        "b-f",
        1,
        1,
        json!([{"country": "DE"}, {"country": "Germany "}, {"country": "FR"}]),
        json!([{"country": "Germany "}]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-f").expect("batch");
    let alice = person("alice", Role::Reviewer);
    let bob = person("bob", Role::Reviewer);

    let one = hg
        .flag(&batch, FlagRows::One(0), "ask the customer", &alice)
        .expect("one row");
    assert_eq!(
        one,
        Flagged {
            flagged: 1,
            kept: 0
        }
    );
    assert!(matches!(rx.try_recv(), Ok(Event::FlagsChanged { .. })));
    let spaced = View {
        filter: Some("country = 'Germany '".into()),
        ..View::default()
    };
    let many = hg
        .flag(&batch, FlagRows::View(&spaced), "trailing space", &bob)
        .expect("a view");
    assert_eq!(
        many,
        Flagged {
            flagged: 2,
            kept: 0
        }
    );
    let flags: Vec<(i64, String, String)> = hg
        .flags(&batch)
        .expect("flags")
        .into_iter()
        .map(|f| (f.row, f.note, f.by))
        .collect();
    assert_eq!(
        flags,
        [
            (0, "ask the customer".into(), "alice".into()),
            (1, "trailing space".into(), "bob".into()),
            (3, "trailing space".into(), "bob".into()),
        ]
    );
    // Only an admin changes another reviewer's note: Bob's rows stay as they are.
    let refused = hg
        .flag(&batch, FlagRows::One(0), "not that", &bob)
        .expect_err("alice's note");
    assert_eq!(refused.kind(), "forbidden");
    let mixed = hg
        .flag(&batch, FlagRows::Some(&[0, 2]), "check", &alice)
        .expect("her own and a new one");
    assert_eq!(
        mixed,
        Flagged {
            flagged: 2,
            kept: 0
        }
    );
    let over = hg
        .flag(&batch, FlagRows::Some(&[1, 2]), "mine now", &alice)
        .expect("hers and bob's");
    assert_eq!(
        over,
        Flagged {
            flagged: 1,
            kept: 1
        },
        "bob's row 1 is kept"
    );
    // Bad input: no note, no such row.
    assert_eq!(
        hg.flag(&batch, FlagRows::One(1), "  ", &alice)
            .expect_err("no note")
            .kind(),
        "bad_request"
    );
    let err = hg
        .flag(&batch, FlagRows::One(4), "x", &alice)
        .expect_err("no row 4");
    assert!(
        err.to_string()
            .contains("has no row 4: its rows are 0 to 3"),
        "{err}"
    );

    // A view of only the flagged rows, the grid's marks, and the export's _flag column.
    let flagged = View {
        flagged: true,
        ..View::default()
    };
    let page = hg.page(&batch, &flagged, 0, 10).expect("flagged rows");
    assert_eq!(page.row_numbers(), vec![0, 1, 2, 3]);
    let browsed = hg
        .browse("test", &batch, &flagged, 0, 10)
        .expect("the grid's flagged rows");
    assert_eq!(browsed.row_numbers(), vec![0, 1, 2, 3]);
    let marks: Vec<Option<String>> = hg
        .row_flags(&batch, &[3, 1, 0])
        .expect("marks")
        .into_iter()
        .map(|f| f.map(|f| f.note))
        .collect();
    assert_eq!(
        marks,
        [
            Some("trailing space".into()),
            Some("trailing space".into()),
            Some("check".into())
        ]
    );
    let out = dir.path().join("flags.csv");
    hg.export(
        &batch,
        &View::default(),
        &out,
        ExportSettings {
            with_flags: true,
            ..ExportSettings::default()
        },
    )
    .expect("export");
    let mut csv = csv::Reader::from_path(&out).expect("csv");
    let headers = csv.headers().expect("headers").clone();
    let at = headers
        .iter()
        .position(|h| h == FLAG_COLUMN)
        .expect("_flag");
    let notes: Vec<String> = csv
        .records()
        .map(|r| r.expect("record")[at].to_owned())
        .collect();
    assert_eq!(
        notes,
        ["check", "trailing space", "mine now", "trailing space"]
    );

    // Unflagging a view takes its flags off; anyone may clear a question answered.
    let removed = hg
        .unflag(&batch, FlagRows::View(&spaced), &alice)
        .expect("unflag");
    assert_eq!(removed, 2);
    assert_eq!(
        hg.page(&batch, &flagged, 0, 10)
            .expect("left")
            .row_numbers(),
        vec![0, 2]
    );
    let audited: Vec<String> = hg
        .audit()
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == "flag" || a.action == "unflag")
        .map(|a| a.action)
        .collect();
    assert_eq!(
        audited,
        ["unflag", "flag", "flag", "flag", "flag"],
        "newest first"
    );
}

#[test]
fn a_correction_is_kept_beside_what_was_sent_read_everywhere_and_reverted() {
    use crate::accounts::Role;
    let (dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-c",
        "b-c",
        1,
        1,
        json!([{"country": "DE", "seats": "5"}, {"country": "Germany ", "seats": "7"}]),
        json!([{"country": "FR", "seats": "x"}]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-c").expect("batch");
    let alice = person("alice", Role::Reviewer);
    let text = |view: &View| -> Vec<String> {
        let page = hg.page(&batch, view, 0, 10).expect("page");
        page.json_arrays()
            .into_iter()
            .map(|r| {
                r[page
                    .column_info()
                    .iter()
                    .position(|c| c.name == "country")
                    .expect("country")]
                .to_string()
            })
            .collect()
    };

    let c = hg
        .correct(&batch, 1, "country", "Germany", &alice)
        .expect("correct");
    assert_eq!(
        (c.row, c.column.as_str(), &c.sent, c.value.as_str()),
        (1, "country", &json!("Germany "), "Germany")
    );
    assert!(matches!(
        rx.try_recv(),
        Ok(Event::CorrectionsChanged { .. })
    ));
    assert_eq!(
        text(&View::default()),
        [r#""DE""#, r#""Germany""#, r#""FR""#]
    );
    // Filters see the corrected value; the grid's held copy is read again.
    let germany = View {
        filter: Some("country = 'Germany'".into()),
        ..View::default()
    };
    assert_eq!(
        hg.page(&batch, &germany, 0, 10)
            .expect("page")
            .row_numbers(),
        vec![1]
    );
    assert_eq!(
        hg.browse("test", &batch, &germany, 0, 10)
            .expect("browse")
            .row_numbers(),
        vec![1]
    );
    // What was sent is unchanged.
    assert!(
        hg.sent_row(&batch, 1)
            .expect("sent")
            .json
            .contains(r#""Germany ""#)
    );

    // Exports write the corrected value; as received, what was sent.
    let export = |name: &str, settings: ExportSettings| -> Vec<String> {
        let out = dir.path().join(name);
        hg.export(&batch, &View::default(), &out, settings)
            .expect("export");
        let mut csv = csv::Reader::from_path(&out).expect("csv");
        let at = csv
            .headers()
            .expect("headers")
            .iter()
            .position(|h| h == "country")
            .expect("country");
        csv.records()
            .map(|r| r.expect("record")[at].to_owned())
            .collect()
    };
    assert_eq!(
        export("c.csv", ExportSettings::default()),
        ["DE", "Germany", "FR"]
    );
    let received = ExportSettings {
        as_received: true,
        ..ExportSettings::default()
    };
    assert_eq!(export("r.csv", received), ["DE", "Germany ", "FR"]);
    let as_text = ExportSettings {
        as_sent: true,
        ..ExportSettings::default()
    };
    assert_eq!(export("t.csv", as_text), ["DE", "Germany", "FR"]);

    // Bad input: a column or row the import does not have.
    let err = hg
        .correct(&batch, 1, "colour", "red", &alice)
        .expect_err("no column");
    assert_eq!(err.kind(), "unknown_column");
    let err = hg
        .correct(&batch, 3, "country", "x", &alice)
        .expect_err("no row");
    assert!(
        err.to_string()
            .contains("has no row 3: its rows are 0 to 2"),
        "{err}"
    );

    // Reverted: the value as sent again, the correction out of the list.
    hg.revert_correction(&batch, c.id, &alice).expect("revert");
    assert_eq!(text(&View::default())[1], r#""Germany ""#);
    assert!(hg.corrections(&batch).expect("list").is_empty());
    let err = hg
        .revert_correction(&batch, c.id, &alice)
        .expect_err("twice");
    assert_eq!(err.kind(), "bad_request");
    let audited: Vec<String> = hg
        .audit()
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .filter(|a| a.contains("correct"))
        .collect();
    assert_eq!(audited, ["revert_correction", "correct"]);

    // A correction belongs to one revision: Flatfile sending the import again starts clean.
    hg.correct(&batch, 0, "country", "Deutschland", &alice)
        .expect("again");
    hg.ingest(&body(
        "ev-c2",
        "b-c",
        1,
        1,
        json!([{"country": "DE", "seats": "5"}]),
        json!([]),
    ))
    .expect("second revision");
    let second = hg.resolve("b-c").expect("newest");
    assert_eq!(second.event, "ev-c2");
    assert!(hg.corrections(&second).expect("none").is_empty());
    assert_eq!(hg.corrections(&batch).expect("first's").len(), 1);
    // …and says where the earlier revision's corrections are.
    assert_eq!(
        hg.earlier_corrected(&second).expect("earlier"),
        Some(EarlierCorrections {
            event: "ev-c".into(),
            revision: 1,
            cells: 1
        })
    );
    assert_eq!(hg.earlier_corrected(&batch).expect("first"), None);
}

#[test]
fn a_corrected_cell_is_checked_again_so_a_fixed_one_stops_failing_and_a_new_mistake_fails() {
    use crate::accounts::Role;
    let (_dir, hg) = open();
    hg.add_config(
        "contacts",
        br#"[{"key": "email", "validators": [
              {"validate": "regex_matches", "regex": "^[^@]+@[^@]+$", "error": "Not an email"}]}]"#,
        Some(ConfigScope::Default),
        None,
    )
    .expect("config");
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-rc",
        "b-rc",
        1,
        1,
        json!([{"email": "a@x.io"}, {"email": "b@x.io"}]),
        json!([{"email": "not-an-email"}]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-rc").expect("batch");
    let alice = person("alice", Role::Reviewer);
    let failing = |hg: &Hookgrid| -> Vec<usize> {
        hg.row_errors_required(&batch, &[0, 1, 2])
            .expect("errors")
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
            .map(|(i, _)| i)
            .collect()
    };
    assert_eq!(failing(&hg), [2]);
    let fixed = hg
        .correct(&batch, 2, "email", "c@x.io", &alice)
        .expect("fix");
    assert_eq!(
        failing(&hg),
        Vec::<usize>::new(),
        "the fixed cell is not red any more"
    );
    let summary = hg.errors(&batch).expect("errors").expect("explained");
    assert_eq!(summary.rows_with_errors, 0);
    hg.correct(&batch, 0, "email", "oops", &alice)
        .expect("a new mistake");
    assert_eq!(failing(&hg), [0]);
    hg.revert_correction(&batch, fixed.id, &alice)
        .expect("revert");
    assert_eq!(failing(&hg), [0, 2]);
}

#[test]
fn the_grid_s_held_import_shows_a_correction_on_its_next_page_in_its_order() {
    use crate::accounts::Role;
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-held",
        "b-held",
        1,
        1,
        json!([{"seats": 5, "plan": "solo"}, {"seats": 9, "plan": "team"}, {"seats": 7, "plan": "team"}]),
        json!([]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-held").expect("batch");
    let alice = person("alice", Role::Reviewer);
    let by_seats = View {
        sort: Some(hookgrid_frames::Sort {
            column: "seats".into(),
            descending: true,
        }),
        ..View::default()
    };
    let shown = |hg: &Hookgrid| -> Vec<(i64, String)> {
        let page = hg.browse("grid", &batch, &by_seats, 0, 10).expect("page");
        let seats = page
            .rows
            .column("seats")
            .expect("seats")
            .cast(&polars::prelude::DataType::String)
            .expect("text");
        let rows = page
            .rows
            .column("_row")
            .expect("_row")
            .i64()
            .expect("i64")
            .clone();
        rows.into_no_null_iter()
            .zip(
                seats
                    .str()
                    .expect("text")
                    .iter()
                    .map(|s| s.unwrap_or("").to_owned()),
            )
            .collect()
    };
    assert_eq!(
        shown(&hg),
        [(1, "9".into()), (2, "7".into()), (0, "5".into())]
    );
    assert!(hg.held_bytes() > 0, "held for the grid");
    hg.correct(&batch, 0, "seats", "12", &alice)
        .expect("more seats");
    assert_eq!(
        shown(&hg),
        [(0, "12".into()), (1, "9".into()), (2, "7".into())],
        "sorted again with the corrected value"
    );
    // Text in the number column: the column is read again, as text.
    hg.correct(&batch, 2, "seats", "n/a", &alice).expect("text");
    let rows: Vec<i64> = shown(&hg).into_iter().map(|(row, _)| row).collect();
    assert_eq!(rows.len(), 3);
    assert!(shown(&hg).contains(&(2, "n/a".into())), "{:?}", shown(&hg));
    assert!(
        hg.held_bytes() > 0,
        "still held, not read again from the start"
    );
}

#[test]
fn checking_only_the_corrected_rows_gives_what_checking_every_row_gives() {
    use crate::accounts::Role;
    let (_dir, hg) = open();
    hg.add_config(
        "contacts",
        br#"[{"key": "email", "validators": [{"validate": "unique"},
              {"validate": "regex_matches", "regex": "^[^@]+@[^@]+$"}]},
             {"key": "seats", "validators": [{"validate": "regex_matches", "regex": "^\\d+$"}]},
             {"key": "plan", "type": "select", "options": [{"value": "solo"}, {"value": "team"}],
              "validators": [{"validate": "required"}]},
             {"key": "n", "validators": [{"validate": "unique"}]}]"#,
        Some(ConfigScope::Default),
        None,
    )
    .expect("config");
    let mut rx = hg.subscribe();
    let row = |email: &str, seats: &str, plan: &str, n: i64| json!({"email": email, "seats": seats, "plan": plan, "n": n});
    hg.ingest(&body(
        "ev-inc",
        "b-inc",
        1,
        2,
        json!([
            row("a@x", "5", "solo", 1),
            row("b@x", "7", "team", 2),
            row("c@x", "x", "", 3)
        ]),
        json!([row("a@x", "3", "gold", 4)]),
    ))
    .expect("part 1");
    hg.ingest(&body(
        "ev-inc",
        "b-inc",
        2,
        2,
        json!([row("d@x", "2", "team", 5), row("b@x", "1", "solo", 5)]),
        json!([]),
    ))
    .expect("part 2");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-inc").expect("batch");
    let alice = person("alice", Role::Reviewer);
    macro_rules! cells {
        ($flagged:expr) => {
            $flagged
                .iter()
                .map(|f| (f.row, f.rule, f.valid))
                .collect::<Vec<(i64, u32, bool)>>()
        };
    }
    let mut round = 0;
    // Each change checked two ways: only what changed, from the errors held before it, and
    // every row from scratch.
    let mut compare = |change: &dyn Fn()| -> Option<Vec<(i64, u32, bool)>> {
        round += 1;
        let (before, _) = hg
            .core
            .row_errors(&batch)
            .expect("errors")
            .expect("explained");
        change();
        let rechecked = hg
            .core
            .rechecked(&batch, &before, "test")
            .expect("rechecked");
        let (whole, _) = hg
            .core
            .flagged(&batch, &before.config, &format!("whole-{round}"))
            .expect("every row");
        let whole = cells!(whole);
        if let Some(rechecked) = &rechecked {
            assert_eq!(cells!(rechecked.flagged), whole, "round {round}");
        }
        rechecked.map(|r| cells!(r.flagged))
    };
    // email: unique 0, regex 1; seats: regex 2; plan: required 3; n: unique 4.
    let first = compare(&|| {
        hg.correct(&batch, 3, "email", "e@x", &alice)
            .expect("one less repeat");
    })
    .expect("only the changed rows");
    assert!(!first.iter().any(|&(row, rule, _)| rule == 0 && row == 0));
    compare(&|| {
        hg.correct(&batch, 4, "email", "b@x", &alice)
            .expect("a third b@x");
    })
    .expect("only the changed rows");
    let made = compare(&|| {
        hg.correct(&batch, 2, "plan", "team", &alice)
            .expect("filled");
        hg.correct(&batch, 2, "seats", "9", &alice).expect("digits");
        hg.correct(&batch, 5, "n", "6", &alice)
            .expect("no longer 5");
    })
    .expect("only the changed rows");
    assert!(
        !made.iter().any(|&(row, _, _)| row == 2),
        "row 2 is fixed: {made:?}"
    );
    let id = hg.corrections(&batch).expect("made")[0].id;
    compare(&|| {
        hg.revert_correction(&batch, id, &alice)
            .expect("a@x twice again");
    })
    .expect("only the changed rows");
    // Text in a column of numbers makes it text for every row: every row is checked again.
    assert_eq!(
        compare(&|| {
            hg.correct(&batch, 0, "n", "n/a", &alice).expect("text");
        }),
        None
    );
}

#[test]
fn find_and_replace_counts_first_then_corrects_every_occurrence_in_the_view_at_once() {
    use crate::accounts::Role;
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    hg.ingest(&body(
        "ev-fr",
        "b-fr",
        1,
        1,
        json!([
            {"country": "Germany ", "city": "Bonn"},
            {"country": "germany ", "city": "Köln"},
            {"country": "Germany Germany ", "city": "Bonn"},
            {"country": "France", "city": "Germany "}
        ]),
        json!([]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-fr").expect("batch");
    let alice = person("alice", Role::Reviewer);
    let all = View::default();

    let counted = hg
        .replace(&batch, &all, "country", "Germany ", "Germany", true, &alice)
        .expect("dry run");
    assert_eq!(
        counted,
        Replaced {
            cells: 2,
            occurrences: 3,
            applied: false
        },
        "case-sensitive, in one column"
    );
    assert!(hg.corrections(&batch).expect("none yet").is_empty());

    // Within a view: only Bonn's rows.
    let bonn = View {
        filter: Some("city = 'Bonn'".into()),
        ..View::default()
    };
    let done = hg
        .replace(
            &batch, &bonn, "country", "Germany ", "Germany", false, &alice,
        )
        .expect("apply");
    assert_eq!(
        done,
        Replaced {
            cells: 2,
            occurrences: 3,
            applied: true
        }
    );
    let made: Vec<(i64, serde_json::Value, String)> = hg
        .corrections(&batch)
        .expect("made")
        .into_iter()
        .map(|c| (c.row, c.sent, c.value))
        .collect();
    assert_eq!(
        made,
        [
            (0, json!("Germany "), "Germany".to_owned()),
            (2, json!("Germany Germany "), "GermanyGermany".to_owned()),
        ]
    );
    // Done again, nothing is left to replace.
    let again = hg
        .replace(
            &batch, &all, "country", "Germany ", "Germany", false, &alice,
        )
        .expect("again");
    assert_eq!((again.cells, again.applied), (0, false));
    // Bad input.
    assert_eq!(
        hg.replace(&batch, &all, "country", "", "x", true, &alice)
            .expect_err("nothing to find")
            .kind(),
        "bad_request"
    );
    assert_eq!(
        hg.replace(&batch, &all, "colour", "a", "b", true, &alice)
            .expect_err("no column")
            .kind(),
        "unknown_column"
    );
}

#[test]
fn find_and_replace_keeps_each_cell_as_sent_numbers_and_empty_text_included() {
    use crate::accounts::Role;
    let (_dir, hg) = open();
    let mut rx = hg.subscribe();
    // `seats` is typed from text (every value reads as a number), so its "" is kept as
    // missing in the batch file; `n` holds JSON numbers.
    hg.ingest(&body(
        "ev-fs",
        "b-fs",
        1,
        1,
        json!([
            {"seats": "15", "n": 15},
            {"seats": "", "n": 2},
            {"n": 150},
            {"seats": "5", "n": null}
        ]),
        json!([]),
    ))
    .expect("ingest");
    wait_ready(&mut rx);
    let batch = hg.resolve("ev-fs").expect("batch");
    let alice = person("alice", Role::Reviewer);
    hg.correct(&batch, 1, "seats", "51", &alice)
        .expect("filled");
    hg.correct(&batch, 2, "seats", "50", &alice)
        .expect("filled");
    let all = View::default();
    hg.replace(&batch, &all, "seats", "5", "6", false, &alice)
        .expect("seats");
    hg.replace(&batch, &all, "n", "5", "6", false, &alice)
        .expect("n");
    let made: Vec<(i64, String, serde_json::Value, String)> = hg
        .corrections(&batch)
        .expect("made")
        .into_iter()
        .skip(2)
        .map(|c| (c.row, c.column, c.sent, c.value))
        .collect();
    let seats = |row: i64, sent: serde_json::Value, value: &str| {
        ("seats".to_owned(), row, sent, value.to_owned())
    };
    let made: Vec<(String, i64, serde_json::Value, String)> = made
        .into_iter()
        .map(|(row, column, sent, value)| (column, row, sent, value))
        .collect();
    assert_eq!(
        made,
        [
            seats(0, json!("15"), "16"),
            seats(1, json!(""), "61"),
            seats(2, serde_json::Value::Null, "60"),
            seats(3, json!("5"), "6"),
            ("n".to_owned(), 0, json!(15), "16".to_owned()),
            ("n".to_owned(), 2, json!(150), "160".to_owned()),
        ],
        "\"\" sent, a cell not sent, and numbers as numbers"
    );
}
