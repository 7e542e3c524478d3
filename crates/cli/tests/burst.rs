//! A burst beyond the listener's bound on requests in flight (32): the excess is turned away
//! with 503 and `Retry-After` (answered before the body is read, so a sender still writing its
//! body may see the connection close instead: either way nothing was acknowledged), the server
//! stays up, and every acknowledged part is stored.

use std::sync::{Arc, Barrier};

use hookgrid_tests::{Workspace, payload};
use serde_json::json;

const SENDERS: u32 = 96;

#[test]
fn a_burst_is_shed_with_503_and_nothing_acknowledged_is_lost() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    // Big enough bodies (≈2 MiB) that many requests are in flight at once.
    let start = Arc::new(Barrier::new(SENDERS as usize));
    let senders: Vec<_> = (1..=SENDERS)
        .map(|index| {
            let url = server.url.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let rows = json!([{"part": index, "text": "x".repeat(2 << 20)}]);
                let body = payload("burst", "burst", index, SENDERS, rows, json!([]));
                let client = reqwest::blocking::Client::new();
                start.wait();
                match client.post(&url).body(body).send() {
                    Ok(r) => {
                        let retry_after = r.headers().get("retry-after").is_some();
                        (index, r.status().as_u16(), retry_after)
                    }
                    // Shed while still sending: the server closed the connection.
                    Err(e) if e.is_request() => (index, 0, false),
                    Err(e) => panic!("part {index}: {e}"),
                }
            })
        })
        .collect();
    let answers: Vec<(u32, u16, bool)> = senders
        .into_iter()
        .map(|s| s.join().expect("sender"))
        .collect();
    let shed: Vec<_> = answers.iter().filter(|a| a.1 == 503).collect();
    let cut = answers.iter().filter(|a| a.1 == 0).count();
    let acked: Vec<u32> = answers.iter().filter(|a| a.1 == 200).map(|a| a.0).collect();
    assert!(
        answers.iter().all(|a| [0, 200, 503].contains(&a.1)),
        "only 200, 503 or a closed connection: {answers:?}"
    );
    assert!(
        shed.len() + cut > 0,
        "96 requests of 2 MiB at once exceed the bound of 32"
    );
    assert!(shed.iter().all(|a| a.2), "every 503 says when to retry");
    eprintln!(
        "{} stored, {} answered 503, {cut} cut off",
        acked.len(),
        shed.len()
    );
    assert!(!acked.is_empty());

    let rows = ws.json(&["rows", "--batch", "burst", "--json", "--limit", "1000"]);
    let mut stored: Vec<u32> = rows["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["part"].as_u64().expect("part") as u32)
        .collect();
    stored.sort_unstable();
    let mut acked = acked;
    acked.sort_unstable();
    assert_eq!(stored, acked, "exactly the acknowledged parts are stored");
    assert!(
        server.terminate(),
        "the server is still up and stops cleanly"
    );
}
