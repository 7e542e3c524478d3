//! The reverse proxy examples of the README (`crates/cli/packaging/`): Caddy's checked by
//! `caddy validate`; nginx's run for real in front of `hookgrid serve`, over HTTPS with a test
//! certificate: a sign-in through it gets a `Secure` cookie, a write from the page's own
//! origin passes the `Origin` check, live events come through unbuffered, and the webhook's
//! name passes the webhook and nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hookgrid_tests::desktop::{free_port, program};
use hookgrid_tests::nginx::{Nginx, example_site};
use hookgrid_tests::{Workspace, payload};
use serde_json::json;

const PACKAGING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging");

#[test]
#[ignore = "needs Caddy (Debian's caddy); `make test` installs it and runs this"]
fn the_caddy_example_validates() {
    let caddy = program("caddy", &[PathBuf::from("/usr/bin/caddy")]);
    let out = Command::new(caddy)
        .args(["validate", "--adapter", "caddyfile", "--config"])
        .arg(Path::new(PACKAGING).join("Caddyfile.example"))
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("caddy validate");
    assert!(
        out.status.success(),
        "caddy validate:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs nginx (Debian's nginx); `make test` installs it and runs this"]
fn the_nginx_example_serves_the_team_over_https_in_front_of_hookgrid() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    let review = server.review().trim_start_matches("http://").to_owned();
    let webhook = server.base().trim_start_matches("http://").to_owned();
    let dir = ws.path().join("nginx");
    let (cert, key) = ws.certificate();
    let (review_port, hooks_port) = (free_port(), free_port());

    // The example as shipped, with this test's ports, addresses and certificate.
    let site = example_site(
        &Path::new(PACKAGING).join("nginx.conf.example"),
        &[review_port, hooks_port],
        (&cert, &key),
        &[("127.0.0.1:8788", &review), ("127.0.0.1:8787", &webhook)],
    );
    let _nginx = Nginx::start(&dir, &site);
    let pem = std::fs::read(&cert).expect("cert");
    let https = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let front = format!("https://127.0.0.1:{review_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while https.get(format!("{front}/api/version")).send().is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    ws.add_user("ada", "admin", "a long admin password");

    // Signed in through nginx over HTTPS: the cookie is Secure.
    let login = https
        .post(format!("{front}/api/login"))
        .header("origin", &front)
        .json(&json!({"name": "ada", "password": "a long admin password"}))
        .send()
        .expect("login");
    assert_eq!(login.status(), 200);
    let set = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(set.contains("; Secure"), "{set}");
    let cookie = set.split(';').next().expect("pair").to_owned();

    // The page's own origin (what the browser sends) passes; another is refused.
    let write = |origin: &str| {
        https
            .post(format!("{front}/api/set_retention_days"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .json(&json!({"days": 30}))
            .send()
            .expect("write")
            .status()
    };
    assert_eq!(write("https://evil.example"), 403);
    assert_eq!(write(&front), 200);

    // Live events come through as they happen, not when a buffer fills.
    let mut events = https
        .get(format!("{front}/api/events"))
        .header("cookie", &cookie)
        .send()
        .expect("events");
    assert_eq!(events.status(), 200);
    let mut seen = String::new();
    let mut read_until = |text: &str, seen: &mut String| {
        let mut buf = [0u8; 4096];
        while !seen.contains(text) {
            let n = std::io::Read::read(&mut events, &mut buf).expect("the stream");
            assert!(n > 0, "the stream ended before {text:?}: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    read_until("event: hello", &mut seen);

    // The webhook's name passes the webhook, and nothing else.
    let hooks = format!("https://127.0.0.1:{hooks_port}");
    let token = server.url.rsplit('/').next().expect("token").to_owned();
    let body = payload(
        "evt-proxied",
        "b-proxied",
        1,
        1,
        json!([{"a": "1"}]),
        json!([]),
    );
    let posted = https
        .post(format!("{hooks}/hooks/{token}"))
        .body(body)
        .send()
        .expect("webhook");
    assert_eq!(posted.status(), 200, "{:?}", posted.text());
    read_until("evt-proxied", &mut seen);
    for path in ["/", "/api/version", "/index.html"] {
        let r = https.get(format!("{hooks}{path}")).send().expect("get");
        assert_eq!(r.status(), 404, "{path} on the webhook's name");
    }
    let batches = ws.json(&["batches", "--json"]);
    assert_eq!(batches[0]["event"], "evt-proxied");
    // The address Flatfile used is recorded for "Came through", from X-Forwarded-Host.
    let shown = ws.json(&["show", "--batch", "evt-proxied", "--json"]);
    assert_eq!(shown["arrived_via"], format!("127.0.0.1:{hooks_port}"));
}
