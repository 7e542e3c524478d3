//! Fuzzing the payload parser with proptest: the committed corpus (`tests/corpus`), mutated
//! (bytes flipped, cut, spliced, repeated), and arbitrary bytes. The parser must never panic,
//! and every refusal must be a 400 or 422 kind with a message.
//!
//! CI runs a short pass; `cargo test -p hookgrid-flatfile --test parse_fuzz -- --ignored`
//! runs the long one (`HOOKGRID_FUZZ_CASES`, default 200,000).

use hookgrid_flatfile::{PayloadErrorKind, parse};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn corpus() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("seed"))
        .collect();
    seeds.sort();
    assert!(
        seeds.len() >= 4,
        "the corpus is committed in {}",
        dir.display()
    );
    seeds
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(prop::sample::Index, u8),
    Cut(prop::sample::Index),
    Insert(prop::sample::Index, Vec<u8>),
    Repeat(prop::sample::Index, prop::sample::Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        b"{".to_vec(),
        b"}".to_vec(),
        b"[".to_vec(),
        b"]".to_vec(),
        b"\"".to_vec(),
        b",".to_vec(),
        b":".to_vec(),
        b"null".to_vec(),
        b"1e999".to_vec(),
        b"-".to_vec(),
        b"\\u".to_vec(),
        b"\\ud800".to_vec(),
        vec![0xff, 0xfe],
        b"\"_valid\":".to_vec(),
    ]);
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Cut),
        (any::<prop::sample::Index>(), tokens).prop_map(|(i, t)| Edit::Insert(i, t)),
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            2u8..8
        )
            .prop_map(|(a, b, n)| Edit::Repeat(a, b, n)),
    ]
}

fn apply(mut body: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if body.is_empty() {
            break;
        }
        match e {
            Edit::Flip(i, b) => {
                let at = i.index(body.len());
                body[at] = *b;
            }
            Edit::Cut(i) => body.truncate(i.index(body.len())),
            Edit::Insert(i, t) => {
                let at = i.index(body.len() + 1);
                body.splice(at..at, t.iter().copied());
            }
            Edit::Repeat(a, b, n) => {
                let (x, y) = (a.index(body.len()), b.index(body.len()));
                let piece = body[x.min(y)..x.max(y)].to_vec();
                let at = x.max(y);
                for _ in 0..*n {
                    body.splice(at..at, piece.iter().copied());
                }
            }
        }
    }
    body
}

fn check(body: &[u8]) -> Result<(), TestCaseError> {
    match parse(body) {
        Ok(part) => {
            prop_assert!(part.envelope.index >= 1 && part.envelope.index <= part.envelope.count);
            prop_assert_eq!(
                part.rows.len(),
                (part.envelope.valid_rows + part.envelope.invalid_rows) as usize
            );
        }
        Err(e) => {
            prop_assert!(matches!(
                e.kind,
                PayloadErrorKind::NotJson | PayloadErrorKind::Contract
            ));
            prop_assert!(!e.message.is_empty());
        }
    }
    Ok(())
}

fn fuzz(cases: u32) {
    let seeds = corpus();
    for seed in &seeds {
        if let Err(e) = parse(seed) {
            panic!(
                "corpus seed {:?} is refused: {}",
                String::from_utf8_lossy(&seed[..seed.len().min(60)]),
                e.message
            );
        }
    }
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let mutated = (
        prop::sample::select(seeds),
        prop::collection::vec(edit(), 1..6),
    )
        .prop_map(|(seed, edits)| apply(seed, &edits));
    runner
        .run(&mutated, |body| check(&body))
        .unwrap_or_else(|e| panic!("{e}"));
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..512), |body| {
            check(&body)
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn mutated_corpus_and_random_bytes_never_panic() {
    fuzz(2_000);
}

#[test]
#[ignore = "long fuzzing run: cargo test -p hookgrid-flatfile --test parse_fuzz -- --ignored"]
fn long_fuzz() {
    let cases = std::env::var("HOOKGRID_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(200_000);
    fuzz(cases);
}
