//! `hookgrid serve --tunnel` with stand-in `cloudflared` and `ngrok` first on `PATH` (they print
//! what the real tools print and really forward): the printed webhook URL reaches the
//! listener, a tunnel that dies is started again at its new address, and no tunnel process
//! outlives `serve`, not even one that crashed.

use std::ffi::OsStr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use hookgrid_tests::standin::{Standins, alive, kill9};
use hookgrid_tests::{Workspace, payload, post};
use serde_json::json;

/// Waits up to 30 s for `done`.
fn wait(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Posts a one-request import with event id `event` to `url`, which must store it.
fn import_through(url: &str, event: &str) {
    let client = reqwest::blocking::Client::new();
    let body = payload(event, event, 1, 1, json!([{"a": "1"}]), json!([]));
    let (status, answer) = post(&client, url, body);
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn serve_starts_cloudflared_prints_its_address_restarts_it_and_leaves_nothing_behind() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let standins = Standins::new();
    let server = ws.serve_with(&["--tunnel", "cloudflared"], &standins.env());
    let first = standins.pids();
    assert_eq!(first.len(), 2, "the stand-in and its helper: {first:?}");
    // The printed URL is the tunnel's, not the listener's own address.
    let listening = ws.run(&["url"]);
    assert_eq!(
        listening.trim(),
        server.url,
        "the public URL is the tunnel's"
    );

    // The test import went through the tunnel; a real one does too.
    let batches = ws.json(&["batches", "--json"]);
    let tests: Vec<_> = batches
        .as_array()
        .expect("batches")
        .iter()
        .filter(|b| {
            b["batch"]
                .as_str()
                .is_some_and(|id| id.starts_with("hookgrid-test-"))
        })
        .collect();
    assert_eq!(tests.len(), 1, "{batches}");
    assert_eq!(tests[0]["status"], "complete");
    import_through(&server.url, "evt-tunnel");

    // The tunnel dies: it is started again, at a new address, printed as the webhook URL.
    kill9(first[0]);
    let again = server
        .next_url(Duration::from_secs(30))
        .expect("a new webhook URL after the restart");
    assert_ne!(again, server.url, "a quick tunnel's address changes");
    assert_eq!(ws.run(&["url"]).trim(), again);
    // The dead run's helper went with its group.
    wait("the first helper gone", || !alive(first[1]));
    let second = standins.pids();
    assert_eq!(second.len(), 4, "{second:?}");
    assert!(second[2..].iter().all(|&p| alive(p)));
    let log = ws.serve_log();
    assert!(log.contains("starting it again"), "{log}");
    // The last import came through the old address: Flatfile must be told the new one.
    let host = |url: &str| url.split('/').nth(2).unwrap_or_default().to_owned();
    let stale = format!(
        "your public address changed since the last import (was {}, now {})",
        host(&server.url),
        host(&again)
    );
    wait("the stale address in the log", || {
        ws.serve_log().contains(&stale)
    });

    // serve's end stops the whole group; the pid file goes with it.
    assert!(server.terminate(), "serve exits cleanly");
    for pid in second {
        assert!(!alive(pid), "pid {pid} outlived serve");
    }
    assert!(!ws.data_dir().join("tunnel.pid").exists());
}

/// The process group `pid` is in.
fn group_of(pid: u32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let after = &stat[stat.rfind(')').expect("comm") + 1..];
    after
        .split_whitespace()
        .nth(2)
        .and_then(|g| g.parse().ok())
        .expect("pgrp")
}

#[test]
fn a_killed_serve_takes_its_tunnel_with_it_whatever_the_tool_is_called() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let standins = Standins::new();
    // A versioned copy of the tool, started by a wrapper script that stays its parent.
    let versioned = standins.dir().join("cloudflared-2024.8");
    std::fs::copy(standins.dir().join("cloudflared"), &versioned).expect("copy");
    let wrapper = standins.dir().join("start-tunnel.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n'{}' \"$@\"\necho the tunnel ended\n",
            versioned.display()
        ),
    )
    .expect("wrapper");
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    for program in [&versioned, &wrapper] {
        let path = program.to_str().expect("utf-8");
        let before = standins.pids().len();
        let server = ws.serve_with(
            &["--tunnel", "cloudflared", "--tunnel-path", path],
            &standins.env(),
        );
        let started: Vec<u32> = standins.pids()[before..].to_vec();
        assert_eq!(
            started.len(),
            2,
            "{}: the tool and its helper",
            program.display()
        );
        let group = group_of(started[0]);
        server.kill9();
        // Its guard saw the pipe close: the whole group goes at once, not at the next start.
        wait("the tunnel's group gone", || {
            hookgrid::connection::tunnel::group_members(group).is_empty()
        });
        assert!(started.iter().all(|&p| !alive(p)), "{started:?}");
    }
    // A plain serve next does not offer the dead tunnel's address as the webhook URL.
    let plain = ws.serve();
    assert!(
        plain.url.starts_with("http://127.0.0.1:"),
        "the dead quick tunnel's URL was offered: {}",
        plain.url
    );
    assert!(plain.terminate());
}

#[test]
fn a_tunnel_that_fails_is_explained_and_a_missing_one_says_how_to_install_it() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let standins = Standins::new();
    // ngrok without an auth token: its error is in the log, and it is tried again.
    let log = ws.serve_log_file();
    let mut child = ws
        .command(&["serve", "--listen", "127.0.0.1:0", "--tunnel", "ngrok"])
        .envs(standins.env())
        .env("STANDIN_FAIL", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("serve");
    wait("the failure explained and a retry", || {
        let text = ws.serve_log();
        text.contains("ERR_NGROK_4018") && text.matches("starting it again").count() >= 2
    });
    let _ = child.kill();
    let _ = child.wait();

    // Neither tool on PATH: serve refuses at once and says how to get it.
    let out = ws
        .command(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tunnel",
            "cloudflared",
        ])
        .env("PATH", OsStr::new("/nonexistent"))
        .output()
        .expect("serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cloudflared is not installed (not found on PATH); install cloudflared"),
        "{stderr}"
    );
}

#[test]
fn serve_says_when_flatfile_cannot_reach_it_through_the_public_url() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    // Port 9 (discard) has no listener here: the tunnel's address leads nowhere.
    let server = ws.serve_with(
        &["--public-url", "http://127.0.0.1:9"],
        &[("HOOKGRID_REACH_SECONDS", OsStr::new("1"))],
    );
    wait("the warning in the log", || {
        ws.serve_log().contains(
            "Flatfile cannot reach Hookgrid: the tunnel at http://127.0.0.1:9 does not answer (the connection failed)",
        )
    });
    assert_eq!(
        ws.serve_log()
            .matches("Flatfile cannot reach Hookgrid")
            .count(),
        1,
        "said once"
    );
    assert!(server.terminate());
}

#[test]
fn serve_counts_requests_to_an_old_webhook_url_and_still_answers_404() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve();
    let old = format!("{}/hooks/an-old-token", server.base());
    let client = reqwest::blocking::Client::new();
    for _ in 0..2 {
        let r = client.post(&old).body("{}").send().expect("post");
        assert_eq!(r.status(), 404);
    }
    wait("the count in the log", || {
        ws.serve_log()
            .contains("404 wrong token: 2 request(s) to an old or wrong webhook URL since")
    });
    assert!(
        !ws.serve_log().contains("an-old-token"),
        "the token is not logged"
    );
    assert!(server.terminate());
}

#[test]
fn serve_keeps_serving_when_nobody_reads_its_output_any_more() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let standins = Standins::new();
    let log = ws.serve_log_file();
    let mut child = ws
        .command(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tunnel",
            "cloudflared",
        ])
        .envs(standins.env())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("serve");
    // Read up to the webhook URL (`serve | head -1`), then close the pipe.
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let url = lines
        .find_map(|l| l.ok()?.strip_prefix("Webhook URL: ").map(str::to_owned))
        .expect("a webhook URL");
    drop(lines);
    // An import through the tunnel, so the next address is reported as a change.
    import_through(&url, "evt-pipe");
    // The tunnel restarts, and serve prints the new URL into the closed pipe, then logs
    // that the address changed.
    kill9(standins.pids()[0]);
    wait("the change logged after the new URL was printed", || {
        ws.serve_log()
            .contains("your public address changed since the last import")
    });
    assert!(
        child.try_wait().expect("wait").is_none(),
        "serve died: {}",
        ws.serve_log()
    );
    let _ = child.kill();
    let _ = child.wait();
}
