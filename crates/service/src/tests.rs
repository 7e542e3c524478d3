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
    let n: Vec<i64> = page
        .rows
        .column("n")
        .expect("n")
        .i64()
        .expect("i64")
        .into_no_null_iter()
        .collect();
    assert_eq!(n, [1, 2, 3, 4]);
    let invalid = View {
        rows: RowSet::Invalid,
        ..View::default()
    };
    assert_eq!(hg.page(&batch, &invalid, 0, 10).expect("page").total, 1);
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

    let rejected = hg.rejected().expect("list");
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
        .export(&batch, &View::default(), &out, false, false)
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
        hg.export(&batch, &View::default(), &out, false, true)
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
                let held = hg.browse(batch, view, offset, 2).expect("browse");
                assert_eq!(held.total, lazy.total, "{view:?} @ {offset}");
                assert_eq!(
                    held.json_arrays(),
                    lazy.json_arrays(),
                    "{view:?} @ {offset}"
                );
            }
        }
    };
    // Incomplete: what has arrived so far.
    let partial = hg.resolve("ev").expect("batch");
    same(&partial);
    assert_eq!(
        hg.browse(&partial, &View::default(), 0, 10)
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
        hg.browse(&complete, &View::default(), 0, 10)
            .expect("page")
            .total,
        5
    );

    hg.close_browse();
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
    hg.browse(&gone, &View::default(), 0, 10).expect("browse");
    hg.delete_batch(&gone).expect("delete");
    assert!(!file.exists(), "its file is removed");
    assert!(matches!(hg.resolve("gone"), Err(Error::NotFound(_))));
    let deleted = std::iter::from_fn(|| rx.try_recv().ok())
        .any(|e| matches!(e, Event::BatchDeleted { ref event, .. } if event == "gone"));
    assert!(deleted, "the deletion is announced");

    // An incomplete import's parts held in memory go too: posting it again starts afresh.
    let waiting = hg.resolve("waiting").expect("waiting");
    hg.delete_batch(&waiting).expect("delete");
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
    assert!(hg.set_retention_days(Some(0)).is_err());
    hg.ingest(&body("f", "b", 1, 1, json!([{"n": 1}]), json!([])))
        .expect("ingest");
    assert_eq!(
        hg.set_retention_days(Some(30)).expect("set"),
        0,
        "fresh imports stay"
    );
    assert_eq!(hg.settings().expect("settings").retention_days, Some(30));
    assert_eq!(hg.set_retention_days(None).expect("off"), 0);
    assert_eq!(hg.batches().expect("batches").len(), 1);
}
