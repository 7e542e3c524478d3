//! The team server: the real `hookgrid serve --review-listen` over a real socket, its accounts
//! made with the real CLI, signing in, commands, a download, the audit, and the two listeners
//! kept apart.

use std::time::{Duration, Instant};

use hookgrid_tests::{Server, Workspace, payload};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

fn workspace() -> Workspace {
    Workspace::new(env!("CARGO_BIN_EXE_hookgrid"))
}

fn serve_team(ws: &Workspace) -> Server {
    ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[])
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// Signs in; returns the session cookie (`hookgrid_session=…`) and the Set-Cookie header.
fn sign_in(review: &str, name: &str, password: &str) -> (String, String) {
    let r = client()
        .post(format!("{review}/api/login"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .expect("login");
    assert_eq!(r.status(), 200, "sign in {name}: {:?}", r.text());
    let set = r
        .headers()
        .get("set-cookie")
        .expect("a cookie")
        .to_str()
        .expect("text")
        .to_owned();
    let cookie = set.split(';').next().expect("pair").to_owned();
    (cookie, set)
}

/// A command as the signed-in page sends it: the cookie and the page's own Origin.
fn as_page(review: &str, cookie: &str, command: &str, args: Value) -> Response {
    client()
        .post(format!("{review}/api/{command}"))
        .header("cookie", cookie)
        .header("origin", review)
        .json(&args)
        .send()
        .expect("command")
}

/// A command as a program sends it: a bearer token.
fn with_token(review: &str, token: &str, command: &str, args: Value) -> Response {
    client()
        .post(format!("{review}/api/{command}"))
        .bearer_auth(token)
        .json(&args)
        .send()
        .expect("command")
}

fn post_import(server: &Server, event: &str, parts: u32) {
    for index in 1..=parts {
        let body = payload(
            event,
            event,
            index,
            parts,
            json!([{"name": "Rack", "seats": "3"}, {"name": "Desk, large", "seats": "12"}]),
            json!([{"name": "", "seats": ""}]),
        );
        let (status, answer) = hookgrid_tests::post(&client(), &server.url, body);
        assert_eq!(status, 200, "{answer}");
    }
}

#[test]
fn from_an_empty_server_to_a_signed_in_reviewer_with_roles_and_an_audit() {
    let ws = workspace();
    let server = serve_team(&ws);
    let review = server.review().to_owned();
    assert!(review.starts_with("http://127.0.0.1:"), "{review}");
    assert!(
        server.printed().contains("No one can sign in yet"),
        "{}",
        server.printed()
    );

    // The first admin: a password made for them, printed once on stdout.
    let out = ws.output(&["user", "add", "ada", "--role", "admin"]);
    assert!(out.status.success());
    let ada_password = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    assert_eq!(ada_password.len(), 23, "{ada_password}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown only now"));
    ws.add_user("rey", "reviewer", "a long reviewer password");
    ws.add_user("vic", "viewer", "a long viewer password");
    let taken = ws.fail(&["user", "add", "rey", "--role", "viewer"]);
    assert!(taken.contains("already"), "{taken}");
    assert_eq!(taken.trim().lines().count(), 1, "{taken}");

    let users = ws.json(&["user", "list", "--json"]);
    let names: Vec<&str> = users
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["ada", "rey", "vic"]);
    assert_eq!(users[1]["role"], "reviewer");
    assert_eq!(users[1]["last_sign_in"], Value::Null);

    // A wrong password is refused; the right one signs in.
    let wrong = client()
        .post(format!("{review}/api/login"))
        .json(&json!({"name": "rey", "password": "not it"}))
        .send()
        .expect("login");
    assert_eq!(wrong.status(), 401);
    let (rey, set) = sign_in(&review, "rey", "a long reviewer password");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let me = client()
        .get(format!("{review}/api/me"))
        .header("cookie", &rey)
        .send()
        .expect("me");
    assert_eq!(
        me.json::<Value>().expect("json"),
        json!({"name": "rey", "role": "reviewer"})
    );
    let users = ws.json(&["user", "list", "--json"]);
    assert!(users[1]["last_sign_in"].is_string(), "{users}");

    // An import arrives at the webhook; the reviewer sees it.
    post_import(&server, "evt-team", 2);
    let page = as_page(
        &review,
        &rey,
        "list_batches",
        json!({"filter": null, "limit": 50}),
    );
    assert_eq!(page.status(), 200);
    let page: Value = page.json().expect("json");
    assert_eq!(page["batches"][0]["event"], "evt-team");
    assert_eq!(page["batches"][0]["status"], "complete");

    // Deleting is an admin's: the reviewer is refused, the admin's token may.
    let refused = as_page(&review, &rey, "delete_batch", json!({"event": "evt-team"}));
    assert_eq!(refused.status(), 403);
    assert_eq!(
        ws.json(&["batches", "--json"]).as_array().map(Vec::len),
        Some(1)
    );
    let token = ws.api_token("ada", "script");
    assert!(token.starts_with("hgt_"), "{token}");
    let deleted = with_token(
        &review,
        &token,
        "delete_batch",
        json!({"event": "evt-team"}),
    );
    assert_eq!(deleted.status(), 200, "{:?}", deleted.text());
    assert_eq!(ws.json(&["batches", "--json"]), json!([]));

    // Who did what: the admin over HTTP, the local user on the CLI.
    post_import(&server, "evt-cli", 1);
    ws.run(&["delete", "--batch", "evt-cli"]);
    let audit = ws.json(&["audit", "--json"]);
    let lines: Vec<(String, String)> = audit
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["user"].as_str().expect("user").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
            )
        })
        .collect();
    // The CLI runs as this test's user: the audit names them as `local_user` does.
    let local = hookgrid::accounts::local_user();
    assert_eq!(lines[0], (local.clone(), "delete".to_owned()), "{audit}");
    assert_eq!(lines[1], ("ada".to_owned(), "delete".to_owned()), "{audit}");
    assert!(lines.contains(&(local, "token_add".to_owned())), "{audit}");
    assert!(
        audit[1]["target"]
            .as_str()
            .is_some_and(|t| t.contains("evt-team"))
    );
    assert!(audit[0]["at"].as_str().is_some_and(|t| t.ends_with('Z')));

    // The last admin stays one.
    let last = ws.fail(&["user", "role", "ada", "viewer"]);
    assert!(last.contains("only admin"), "{last}");
    assert!(server.terminate(), "serve stops cleanly");
}

#[test]
fn the_webhook_port_serves_no_api_or_page_and_the_review_port_takes_no_webhook() {
    let ws = workspace();
    let server = serve_team(&ws);
    let review = server.review().to_owned();
    let base = server.base();
    for path in ["/", "/api/version", "/api/list_batches", "/index.html"] {
        let r = client().get(format!("{base}{path}")).send().expect("get");
        assert_eq!(r.status(), 404, "webhook port {path}");
        let r = client().post(format!("{base}{path}")).send().expect("post");
        assert_eq!(r.status(), 404, "webhook port POST {path}");
    }
    let page = client().get(format!("{review}/")).send().expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    let html = page.text().expect("html");
    assert!(html.contains("<div id=\"app\">"), "the UI bundle: {html}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let hook = server.url.replace(&base, &review);
    let body = payload("evt-x", "b-x", 1, 1, json!([{"a": "1"}]), json!([]));
    let r = client().post(&hook).body(body).send().expect("post");
    assert_eq!(r.status(), 404);
    assert_eq!(ws.json(&["batches", "--json"]), json!([]));
    assert_eq!(ws.json(&["rejected", "--json"]), json!([]));
    // The same address for both is refused at start, with a reason.
    let ws2 = workspace();
    let out = ws2.output(&[
        "serve",
        "--listen",
        "127.0.0.1:18787",
        "--review-listen",
        "127.0.0.1:18787",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("its own address"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_csv_download_is_the_file_hookgrid_export_writes() {
    let ws = workspace();
    let server = serve_team(&ws);
    let review = server.review().to_owned();
    post_import(&server, "evt-csv", 3);
    ws.add_user("vic", "viewer", "a long viewer password");
    let token = ws.api_token("vic", "t");
    let out = ws.path().join("cli.csv");
    ws.run(&[
        "export",
        "--batch",
        "evt-csv",
        "--out",
        out.to_str().expect("path"),
        "--where",
        "seats > 5",
        // What a download is by default: a CSV for a person.
        "--bom",
    ]);
    let request = json!({"request": {
        "event": "evt-csv",
        "view": {"rows": "all", "filter": "seats > 5", "search": null, "sort": null},
        "scope": "view", "path": "q3.csv", "meta": false, "allow_incomplete": false,
    }});
    let r = with_token(&review, &token, "export_rows", request);
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"q3.csv\""
    );
    assert_eq!(r.headers()["x-hookgrid-rows"], "3");
    let downloaded = r.bytes().expect("body");
    assert_eq!(
        downloaded.as_ref(),
        std::fs::read(&out).expect("cli export").as_slice()
    );
    let mut rows = csv::Reader::from_reader(downloaded.as_ref());
    assert_eq!(rows.records().count(), 3);
    // For a program: what a plain `hookgrid export` writes.
    let plain = ws.path().join("plain.csv");
    ws.run(&[
        "export",
        "--batch",
        "evt-csv",
        "--out",
        plain.to_str().expect("path"),
        "--where",
        "seats > 5",
    ]);
    let request = json!({"request": {
        "event": "evt-csv",
        "view": {"rows": "all", "filter": "seats > 5", "search": null, "sort": null},
        "scope": "view", "path": "q3.csv", "meta": false, "allow_incomplete": false,
        "raw": true,
    }});
    let raw = with_token(&review, &token, "export_rows", request);
    assert_eq!(raw.status(), 200);
    assert_eq!(
        raw.bytes().expect("body").as_ref(),
        std::fs::read(&plain).expect("plain export").as_slice()
    );
}

#[test]
fn a_revoked_token_stops_at_once_and_serve_stops_with_an_event_stream_open() {
    let ws = workspace();
    let server = serve_team(&ws);
    let review = server.review().to_owned();
    ws.add_user("rey", "reviewer", "a long reviewer password");
    let token = ws.api_token("rey", "laptop");
    let list = || with_token(&review, &token, "list_batches", json!({})).status();
    assert_eq!(list(), 200);
    let users = ws.json(&["user", "list", "--json"]);
    assert_eq!(users[0]["tokens"], json!(["laptop"]));

    // A stream of events stays open, as a reviewer's page keeps one.
    let mut stream = client()
        .get(format!("{review}/api/events"))
        .bearer_auth(&token)
        .send()
        .expect("events");
    assert_eq!(stream.status(), 200);
    let mut first = [0u8; 64];
    let n = std::io::Read::read(&mut stream, &mut first).expect("hello");
    assert!(
        String::from_utf8_lossy(&first[..n]).contains("event: hello"),
        "{}",
        String::from_utf8_lossy(&first[..n])
    );

    ws.run(&["user", "revoke", "rey", "laptop"]);
    assert_eq!(list(), 401, "refused on the very next request");
    let unknown = ws.fail(&["user", "revoke", "rey", "laptop"]);
    assert!(unknown.contains("no token labelled"), "{unknown}");

    let started = Instant::now();
    assert!(server.terminate(), "serve exits cleanly");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the open stream did not hold up the stop"
    );
    drop(stream);
}

#[test]
fn the_review_listener_serves_https_itself_with_a_secure_cookie() {
    let ws = workspace();
    let (cert, key) = ws.certificate();
    let server = ws.serve_with(
        &[
            "--review-listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().expect("path"),
            "--tls-key",
            key.to_str().expect("path"),
        ],
        &[],
    );
    let review = server.review().to_owned();
    assert!(review.starts_with("https://127.0.0.1:"), "{review}");
    ws.add_user("ada", "admin", "a long admin password");
    let pem = std::fs::read(&cert).expect("cert");
    let tls = Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .build()
        .expect("client");
    let r = tls
        .post(format!("{review}/api/login"))
        .json(&json!({"name": "ada", "password": "a long admin password"}))
        .send()
        .expect("login over TLS");
    assert_eq!(r.status(), 200);
    let set = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(set.contains("; Secure"), "{set}");
    // Plain HTTP to the TLS port is not served.
    let plain = review.replace("https://", "http://");
    assert!(client().get(format!("{plain}/api/version")).send().is_err());
}
