//! Connections that send nothing cannot starve the listener, over the real binary and real
//! sockets: thousands of idle and half-header connections under systemd's default file limit
//! (1,024) while a real POST is answered; a kept-alive connection closed after the idle
//! timeout but not before; a slow upload not cut by the header timeout.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hookgrid_tests::{Server, Workspace, payload, post};
use serde_json::json;

fn workspace() -> Workspace {
    Workspace::new(env!("CARGO_BIN_EXE_hookgrid"))
}

fn body(event: &str) -> Vec<u8> {
    payload(
        event,
        event,
        1,
        1,
        json!([{"name": "Ada", "seats": "4"}]),
        json!([]),
    )
}

fn address(server: &Server) -> String {
    server.base().trim_start_matches("http://").to_owned()
}

/// Whether the server has closed `stream` (a read gives end of file or a reset), waiting up
/// to `wait` for it.
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream
        .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
        .expect("timeout");
    let mut byte = [0u8; 512];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => return true,
            // An answer (a 408, say) before the close: read on.
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// Lets this test process hold thousands of sockets (the hard limit allows it here).
fn raise_own_file_limit(to: usize) {
    let ok = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            &format!("--nofile={to}:{to}"),
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "prlimit (util-linux) raises this test's own open-file limit to {to}"
    );
}

#[test]
fn two_thousand_idle_and_half_header_connections_under_a_1024_file_limit_starve_nothing() {
    raise_own_file_limit(8192);
    let ws = workspace();
    let server = ws.serve_under(&["prlimit", "--nofile=1024:1024", "--"], &[]);
    let addr = address(&server);
    let token = server.url.rsplit('/').next().expect("token").to_owned();
    let socket: std::net::SocketAddr = addr.parse().expect("address");
    let mut attackers = Vec::new();
    for i in 0..2000 {
        // A listener out of descriptors stops accepting: connecting then stalls.
        let mut stream = TcpStream::connect_timeout(&socket, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("connection {i} not accepted: {e}"));
        if i % 2 == 1 {
            // Half a request: never finished. Needs no token to be held open.
            stream
                .write_all(format!("POST /hooks/{token} HTTP/1.1\r\nHost: a\r\n").as_bytes())
                .expect("half headers");
        }
        attackers.push(stream);
    }
    // A real part still gets in, at once (well within the header timeout, so it is the cap
    // making room, not the timeout).
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(8))
        .build()
        .expect("client");
    let (status, answer) = post(&client, &server.url, body("evt-real"));
    assert_eq!(status, 200, "{answer}");
    let health = client
        .get(format!("{}/healthz", server.base()))
        .send()
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    let log = ws.serve_log();
    assert!(log.contains("open-file limit 1024"), "{log}");
    assert!(
        log.contains("connections open, the cap (896"),
        "the cap is said: {log}"
    );
    // The header timeout (10 s) closes the rest, idle or half-sent alike.
    let deadline = Instant::now() + Duration::from_secs(25);
    for (i, stream) in attackers.iter_mut().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            closed_within(stream, left),
            "connection {i} still open 25 s on"
        );
    }
    let batches = ws.json(&["batches", "--json"]);
    assert_eq!(batches[0]["event"], "evt-real", "{batches}");
    assert!(server.terminate());
}

#[test]
fn a_kept_alive_connection_waits_the_idle_timeout_not_the_header_timeout() {
    let ws = workspace();
    let server = ws.serve_with(&["--header-timeout", "1", "--idle-timeout", "4"], &[]);
    let mut stream = TcpStream::connect(address(&server)).expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        .expect("request");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut answer = [0u8; 1024];
    let n = stream.read(&mut answer).expect("answer");
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
    let answered = Instant::now();
    // Past the header timeout it is still open: it is idle, not slow.
    assert!(
        !closed_within(&mut stream, Duration::from_secs(2)),
        "closed after the header timeout, though it had finished its request"
    );
    assert!(closed_within(&mut stream, Duration::from_secs(10)));
    assert!(
        answered.elapsed() >= Duration::from_secs(3),
        "closed before the idle timeout: {:?}",
        answered.elapsed()
    );
    assert!(server.terminate());
}

#[test]
fn a_slow_upload_is_not_cut_by_the_header_timeout() {
    let ws = workspace();
    let server = ws.serve_with(&["--header-timeout", "1"], &[]);
    let path = server.url.trim_start_matches(&server.base()).to_owned();
    let body = body("evt-slow");
    let mut stream = TcpStream::connect(address(&server)).expect("connect");
    stream
        .write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .expect("headers");
    // The body over three seconds, three header timeouts: it is a request in flight.
    let third = body.len() / 3;
    for piece in [&body[..third], &body[third..2 * third], &body[2 * third..]] {
        std::thread::sleep(Duration::from_secs(1));
        stream.write_all(piece).expect("piece");
    }
    let mut answer = String::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(server.terminate());
}
