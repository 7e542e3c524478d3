//! Several `hookgrid serve` instances on one PostgreSQL ledger, over real sockets, with the
//! real binary and a real PostgreSQL server (`make test` starts one: `tests/postgres.sh`).

use std::collections::BTreeMap;

use hookgrid_tests::desktop::free_port;
use hookgrid_tests::nginx::{Nginx, example_site};
use hookgrid_tests::postgres::{PrivateServer, TestDatabase};
use hookgrid_tests::{Workspace, next_event, payload, post};

const PACKAGING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging");
use serde_json::{Value, json};

fn part(event: &str, batch: &str, i: u32, count: u32) -> Vec<u8> {
    payload(
        event,
        batch,
        i,
        count,
        json!([{"name": format!("Row {i}a"), "seats": i}, {"name": format!("Row {i}b"), "seats": i * 10}]),
        json!([{"name": "", "seats": null}]),
    )
}

fn workspace() -> Workspace {
    Workspace::new(env!("CARGO_BIN_EXE_hookgrid"))
}

fn serve(ws: &Workspace, db: &TestDatabase) -> hookgrid_tests::Server {
    ws.serve_with(&["--database", &db.url], &[])
}

/// [`serve`], with the review app on a port of its own.
fn serve_review(ws: &Workspace, db: &TestDatabase) -> hookgrid_tests::Server {
    ws.serve_with(
        &["--database", &db.url, "--review-listen", "127.0.0.1:0"],
        &[],
    )
}

/// The webhook path (`/hooks/<token>`) of a server's URL.
fn hook_path(url: &str) -> &str {
    &url[url.find("/hooks/").expect("webhook path")..]
}

fn rows(ws: &Workspace, db: &TestDatabase, batch: &str) -> Value {
    ws.json(&[
        "rows",
        "--database",
        &db.url,
        "--batch",
        batch,
        "--json",
        "--limit",
        "100",
    ])["rows"]
        .clone()
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn two_instances_on_one_database_store_each_part_once_and_complete_the_import_once() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let (server_a, server_b) = (serve(&a, &db), serve(&b, &db));
    // Behind one load balancer, both answer the one URL Flatfile has.
    assert_eq!(hook_path(&server_a.url), hook_path(&server_b.url));
    let client = reqwest::blocking::Client::new();

    // Parts sent alternately to the two; each one stored once.
    for i in 1..=3 {
        let server = if i % 2 == 1 { &server_a } else { &server_b };
        let (status, body) = post(&client, &server.url, part("ev-pg", "batch-pg", i, 4));
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("stored")),
            "{body}"
        );
    }
    // The last part, to both at once: stored by one, a duplicate for the other, and the
    // import completed exactly once.
    let answers: Vec<(u16, Value)> = std::thread::scope(|s| {
        let sent: Vec<_> = [server_a.url.as_str(), server_b.url.as_str()]
            .map(|url| {
                let client = &client;
                s.spawn(move || post(client, url, part("ev-pg", "batch-pg", 4, 4)))
            })
            .into_iter()
            .collect();
        sent.into_iter().map(|h| h.join().expect("post")).collect()
    });
    let mut outcomes: Vec<&str> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            body["status"].as_str().expect("status")
        })
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["duplicate", "stored"]);
    assert_eq!(
        db.query("SELECT COUNT(*), SUM(duplicates) FROM parts"),
        "4|1"
    );
    assert_eq!(
        db.query("SELECT COUNT(*) FROM events WHERE completed_at IS NOT NULL"),
        "1"
    );

    // Any instance, and a command run anywhere with the URL, sees the one import whole.
    let elsewhere = workspace();
    let listed = elsewhere.json(&["batches", "--json", "--database", &db.url]);
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "complete");
    assert_eq!(
        (listed[0]["valid"].as_u64(), listed[0]["invalid"].as_u64()),
        (Some(8), Some(4))
    );
    let from_a = rows(&a, &db, "batch-pg");
    assert_eq!(from_a.as_array().expect("rows").len(), 12);
    assert_eq!(from_a, rows(&b, &db, "batch-pg"));
    assert_eq!(from_a, rows(&elsewhere, &db, "batch-pg"));
    // Each data dir built the import's file for itself, and keeps its digest under its own
    // name: none fails another's check.
    assert_eq!(
        db.query(
            "SELECT COUNT(DISTINCT split_part(name, '/', 1)) FROM derived_files
             WHERE name LIKE '%/1.parquet'"
        ),
        "3"
    );
    let again = a.output(&[
        "rows",
        "--database",
        &db.url,
        "--batch",
        "batch-pg",
        "--json",
    ]);
    let warned = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(!warned.contains("building it again"), "{warned}");

    // The same rows as one SQLite instance given the same parts.
    let alone = workspace();
    let server = alone.serve();
    for i in [1, 2, 3, 4] {
        let (status, _) = post(&client, &server.url, part("ev-pg", "batch-pg", i, 4));
        assert_eq!(status, 200);
    }
    let single = alone.json(&["rows", "--batch", "batch-pg", "--json", "--limit", "100"]);
    assert_eq!(from_a, single["rows"]);
    // And the same exports, read back: CSV byte for byte, Parquet as the same frame.
    for format in ["csv", "parquet"] {
        let shared = a.path().join(format!("shared.{format}"));
        let own = alone.path().join(format!("alone.{format}"));
        a.run(&[
            "export",
            "--database",
            &db.url,
            "--batch",
            "batch-pg",
            "--out",
            shared.to_str().expect("path"),
        ]);
        alone.run(&[
            "export",
            "--batch",
            "batch-pg",
            "--out",
            own.to_str().expect("path"),
        ]);
        if format == "csv" {
            let read = |p: &std::path::Path| std::fs::read(p).expect("read the export");
            assert_eq!(read(&shared), read(&own), "CSV exports differ");
        } else {
            use polars::prelude::{ParquetReader, SerReader};
            let read = |p: &std::path::Path| {
                ParquetReader::new(std::fs::File::open(p).expect("open"))
                    .finish()
                    .expect("read the Parquet export")
            };
            let (shared, own) = (read(&shared), read(&own));
            assert_eq!(shared.height(), 12);
            assert!(shared.equals_missing(&own), "{shared} != {own}");
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn an_instance_killed_mid_import_loses_nothing_it_acknowledged() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let client = reqwest::blocking::Client::new();
    let server_a = serve(&a, &db);
    let server_b = serve(&b, &db);
    let mut acknowledged = BTreeMap::new();
    for i in 1..=2 {
        let (status, body) = post(&client, &server_a.url, part("ev-kill", "batch-kill", i, 6));
        assert_eq!(status, 200, "{body}");
        acknowledged.insert(i, body["status"].as_str().map(str::to_owned));
    }
    server_a.kill9();
    // Meanwhile the other goes on taking parts.
    for i in 3..=4 {
        let (status, body) = post(&client, &server_b.url, part("ev-kill", "batch-kill", i, 6));
        assert_eq!(status, 200, "{body}");
        acknowledged.insert(i, body["status"].as_str().map(str::to_owned));
    }
    let server_a = serve(&a, &db);
    for i in 5..=6 {
        let (status, body) = post(&client, &server_a.url, part("ev-kill", "batch-kill", i, 6));
        assert_eq!(status, 200, "{body}");
        acknowledged.insert(i, body["status"].as_str().map(str::to_owned));
    }
    assert!(
        acknowledged
            .values()
            .all(|s| s.as_deref() == Some("stored")),
        "{acknowledged:?}"
    );
    let listed = b.json(&["batches", "--json", "--database", &db.url]);
    assert_eq!(listed[0]["status"], "complete", "{listed}");
    assert_eq!(listed[0]["parts_received"], 6);
    assert_eq!(rows(&a, &db, "batch-kill"), rows(&b, &db, "batch-kill"));
    assert_eq!(
        rows(&a, &db, "batch-kill").as_array().map(Vec::len),
        Some(18)
    );
    drop(server_b);
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn a_rotated_token_reaches_every_instance() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let (server_a, server_b) = (serve(&a, &db), serve(&b, &db));
    let client = reqwest::blocking::Client::new();
    let old = server_b.url.clone();
    let rotated = a.run(&["token", "--rotate", "--database", &db.url]);
    let new_url = format!("{}/hooks/{}", server_b.base(), rotated.trim());
    assert_ne!(new_url, old);
    assert_eq!(
        b.run(&["token", "--database", &db.url]).trim(),
        rotated.trim(),
        "every instance's data dir gives the one token"
    );
    // Within a second, the other instance takes only the new token.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, _) = post(&client, &new_url, part("ev-rot", "batch-rot", 1, 1));
        if status == 200 {
            break;
        }
        assert_eq!(status, 404);
        assert!(
            std::time::Instant::now() < deadline,
            "the new token never worked on B"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, _) = post(&client, &old, part("ev-rot", "batch-rot", 1, 1));
    assert_eq!(status, 404, "the old token still works");
    drop(server_a);
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL and nginx; make test has both"]
fn the_upstream_example_keeps_the_webhook_answering_while_an_instance_is_down() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let (server_a, server_b) = (serve(&a, &db), serve(&b, &db));
    let (cert, key) = a.certificate();
    let port = free_port();

    // The example as shipped, with this test's instances, port and certificate.
    let addr = |s: &hookgrid_tests::Server| s.base().trim_start_matches("http://").to_owned();
    let (addr_a, addr_b) = (addr(&server_a), addr(&server_b));
    let site = example_site(
        &std::path::Path::new(PACKAGING).join("nginx-upstream.conf.example"),
        &[port],
        (&cert, &key),
        &[("10.0.0.11:8787", &addr_a), ("10.0.0.12:8787", &addr_b)],
    );
    assert!(site.contains(&addr_a) && site.contains(&addr_b));
    let _nginx = Nginx::start(&a.path().join("nginx"), &site);
    let https = reqwest::blocking::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&cert).expect("cert")).expect("pem"),
        )
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client");
    let front = format!("https://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while https.get(format!("{front}/healthz")).send().is_err() {
        assert!(std::time::Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("{front}{}", hook_path(&server_a.url));

    let (status, body) = post(&https, &url, part("ev-lb", "batch-lb", 1, 4));
    assert_eq!(status, 200, "{body}");
    // One instance goes away (a crash, or an upgrade's restart): every part still lands.
    server_a.kill9();
    for i in 2..=4 {
        let (status, body) = post(&https, &url, part("ev-lb", "batch-lb", i, 4));
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("stored")),
            "{body}"
        );
    }
    let listed = b.json(&["batches", "--json", "--database", &db.url]);
    assert_eq!(listed[0]["status"], "complete", "{listed}");
    assert_eq!(listed[0]["parts_received"], 4);
    drop(server_b);
}

#[test]
#[ignore = "needs PostgreSQL's server (Debian's postgresql); make test has it"]
fn while_the_database_is_down_parts_are_answered_503_and_none_is_acknowledged_unstored() {
    let pg = PrivateServer::new();
    let ws = workspace();
    let server = ws.serve_with(&["--database", &pg.url], &[]);
    let client = reqwest::blocking::Client::new();
    let health = |client: &reqwest::blocking::Client| {
        client
            .get(format!("{}/healthz", server.base()))
            .send()
            .expect("healthz")
            .status()
            .as_u16()
    };
    let mut acknowledged = Vec::new();
    let (status, body) = post(&client, &server.url, part("ev-down", "batch-down", 1, 3));
    assert_eq!(status, 200, "{body}");
    acknowledged.push(1);
    assert_eq!(health(&client), 200);

    pg.stop();
    // A load balancer's check sees it (a second at most), and a part is refused, not lost.
    wait_for("healthz to say 503", || health(&client) == 503);
    let response = client
        .post(&server.url)
        .header("content-type", "application/json")
        .body(part("ev-down", "batch-down", 2, 3))
        .send()
        .expect("POST");
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );

    pg.start();
    wait_for("healthz to say ok again", || health(&client) == 200);
    for i in 2..=3 {
        let (status, body) = post(&client, &server.url, part("ev-down", "batch-down", i, 3));
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("stored")),
            "{body}"
        );
        acknowledged.push(i);
    }
    let listed = ws.json(&["batches", "--json", "--database", &pg.url]);
    assert_eq!(listed[0]["status"], "complete", "{listed}");
    assert_eq!(listed[0]["parts_received"], acknowledged.len());
}

/// Polls `ready` (every 50 ms, 30 s at most).
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn migrate_moves_a_ledger_to_postgres_and_back_unchanged() {
    let db = TestDatabase::new();
    let ws = workspace();
    let client = reqwest::blocking::Client::new();
    {
        let server = ws.serve();
        for (event, count) in [("ev-m1", 2), ("ev-m2", 1)] {
            for i in 1..=count {
                let (status, _) = post(&client, &server.url, part(event, event, i, count));
                assert_eq!(status, 200);
            }
        }
        // A rejected request too: it moves with its body.
        let response = client
            .post(&server.url)
            .header("content-type", "application/json")
            .body("{\"not\": \"flatfile\"}")
            .send()
            .expect("POST");
        assert_eq!(response.status().as_u16(), 422);
        assert!(server.terminate());
    }
    ws.run(&[
        "review", "--batch", "ev-m1", "--status", "approved", "--note", "fine",
    ]);
    ws.run(&[
        "correct", "--batch", "ev-m1", "--row", "0", "--column", "name", "--value", "Fixed",
    ]);
    let listed = |ws: &Workspace, at: &[&str]| {
        let mut batches = ws.json(&[&["batches", "--json"], at].concat());
        // Where an import's file is kept is each data dir's own.
        for b in batches.as_array_mut().expect("array") {
            b.as_object_mut().expect("object").remove("file");
        }
        batches
    };
    let rows_at = |ws: &Workspace, at: &[&str], batch: &str| {
        ws.json(&[&["rows", "--batch", batch, "--json", "--limit", "100"], at].concat())
    };
    // Each part's body as it arrived, the import in detail, and the rejected request.
    let bodies_at = |ws: &Workspace, at: &[&str]| {
        let mut seen = Vec::new();
        for (batch, part) in [("ev-m1", "1"), ("ev-m1", "2"), ("ev-m2", "1")] {
            let out = ws.path().join(format!("{batch}-{part}.json"));
            let out_arg = out.to_string_lossy().into_owned();
            ws.run(
                &[
                    &["show", "--batch", batch, "--part", part, "--out", &out_arg],
                    at,
                ]
                .concat(),
            );
            seen.push(String::from_utf8(std::fs::read(&out).expect("saved body")).expect("utf-8"));
        }
        let mut show = ws.json(&[&["show", "--batch", "ev-m1", "--json"], at].concat());
        show.as_object_mut().expect("object").remove("file");
        seen.push(show.to_string());
        seen.push(ws.run(&[&["rejected", "--json"], at].concat()));
        seen
    };
    let (before, rows_before, bodies_before) = (
        listed(&ws, &[]),
        rows_at(&ws, &[], "ev-m1"),
        bodies_at(&ws, &[]),
    );

    let printed = ws.run(&["migrate", "--to", &db.url]);
    assert_eq!(printed.trim(), db.url, "the URL (it has no password here)");
    let on_pg = ["--database", db.url.as_str()];
    assert_eq!(listed(&ws, &on_pg), before);
    assert_eq!(rows_at(&ws, &on_pg, "ev-m1"), rows_before);
    assert_eq!(bodies_at(&ws, &on_pg), bodies_before);
    // The source is as it was.
    assert_eq!(listed(&ws, &[]), before);

    // Into a database that holds a ledger already: refused in one line, nothing changed.
    let refused = ws.fail(&["migrate", "--to", &db.url]);
    assert!(refused.contains("an empty one only"), "{refused}");

    // And back into a SQLite file, which a data dir then serves.
    let back = workspace();
    std::fs::create_dir_all(back.data_dir()).expect("data dir");
    let file = back.data_dir().join("hookgrid.db");
    ws.run(&[
        "migrate",
        "--database",
        &db.url,
        "--to",
        &file.to_string_lossy(),
    ]);
    assert_eq!(listed(&back, &[]), before);
    assert_eq!(rows_at(&back, &[], "ev-m1"), rows_before);
    assert_eq!(bodies_at(&back, &[]), bodies_before);
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn the_signing_secret_and_public_url_set_on_one_instance_hold_on_every_instance() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let server_b = serve(&b, &db);
    let client = reqwest::blocking::Client::new();
    let (status, _) = post(&client, &server_b.url, part("ev-sig", "batch-sig", 1, 2));
    assert_eq!(status, 200, "no secret yet: unsigned parts are taken");
    // Another instance starts with a secret and a public URL: both are the ledger's now.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let _server_a = a.serve_with(
        &[
            "--database",
            &db.url,
            "--signing-secret",
            secret,
            "--public-url",
            "https://hooks.example.com",
        ],
        &[],
    );
    // Within a second the first instance asks for signatures too.
    wait_for("the other instance to require a signature", || {
        post(&client, &server_b.url, part("ev-sig", "batch-sig", 2, 2)).0 == 401
    });
    let url = b.run(&["url", "--database", &db.url]);
    assert!(url.starts_with("https://hooks.example.com/hooks/"), "{url}");
    // Not left in a data dir's own file, where it would go stale.
    let file = std::fs::read_to_string(a.data_dir().join("settings.json")).unwrap_or_default();
    assert!(!file.contains("whsec_"), "{file}");
    assert_eq!(
        b.run(&["batches", "--database", &db.url, "--json"])
            .matches("ev-sig")
            .count(),
        1
    );
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn a_reviewer_signed_in_on_one_instance_is_signed_in_on_every_instance() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let (server_a, server_b) = (serve_review(&a, &db), serve_review(&b, &db));
    a.add_user_with(
        &["--database", &db.url],
        "ana",
        "reviewer",
        "a long reviewer password",
    );
    let client = reqwest::blocking::Client::new();
    let login = client
        .post(format!("{}/api/login", server_a.review()))
        .json(&json!({"name": "ana", "password": "a long reviewer password"}))
        .send()
        .expect("login");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    // The page's commands, sent to the other instance (where the balancer put the next one).
    let list = |server: &hookgrid_tests::Server| {
        client
            .post(format!("{}/api/list_batches", server.review()))
            .header("cookie", &cookie)
            .header("origin", server.review())
            .json(&json!({}))
            .send()
            .expect("list")
            .status()
            .as_u16()
    };
    assert_eq!(list(&server_b), 200);
    // Signed out on the one: refused on the other at the next request.
    let out = client
        .post(format!("{}/api/logout", server_a.review()))
        .header("cookie", &cookie)
        .header("origin", server_a.review())
        .send()
        .expect("logout");
    assert_eq!(out.status(), 204);
    assert_eq!(list(&server_b), 401);
}

#[test]
#[ignore = "needs PostgreSQL at HOOKGRID_TEST_DATABASE_URL; make test starts one"]
fn a_reviewer_on_one_instance_hears_at_once_what_another_stores_and_decides() {
    let db = TestDatabase::new();
    let (a, b) = (workspace(), workspace());
    let (server_a, server_b) = (serve_review(&a, &db), serve_review(&b, &db));
    let on_db = ["--database", db.url.as_str()];
    a.add_user_with(&on_db, "rey", "reviewer", "a long reviewer password");
    let token = a
        .run(&[
            "user",
            "token",
            "rey",
            "--label",
            "t",
            "--database",
            &db.url,
        ])
        .trim()
        .to_owned();
    let client = reqwest::blocking::Client::new();
    // Rey's app follows instance B.
    let stream = client
        .get(format!("{}/api/events", server_b.review()))
        .bearer_auth(&token)
        .send()
        .expect("events");
    assert_eq!(stream.status(), 200);
    let mut heard = std::io::BufReader::new(stream);
    next_event(&mut heard, "hello", None);

    // Flatfile's parts reach instance A.
    let (status, body) = post(&client, &server_a.url, part("ev-live", "batch-live", 1, 2));
    assert_eq!(status, 200, "{body}");
    let stored = next_event(&mut heard, "event", Some("part_stored"));
    assert_eq!(
        (&stored["event"], &stored["part"], &stored["received"]),
        (&json!("ev-live"), &json!(1), &json!(1)),
        "{stored}"
    );
    let (status, body) = post(&client, &server_a.url, part("ev-live", "batch-live", 2, 2));
    assert_eq!(status, 200, "{body}");
    let completed = next_event(&mut heard, "event", Some("batch_completed"));
    assert_eq!(
        (
            &completed["batch"],
            &completed["valid"],
            &completed["invalid"]
        ),
        (&json!("batch-live"), &json!(4), &json!(2)),
        "{completed}"
    );

    // A decision made on A reaches B's reviewer.
    let set = client
        .post(format!("{}/api/set_review", server_a.review()))
        .bearer_auth(&token)
        .json(&json!({"event": "batch-live", "status": "in_review"}))
        .send()
        .expect("set_review");
    assert_eq!(set.status(), 200);
    let changed = next_event(&mut heard, "event", Some("review_changed"));
    assert_eq!(
        (&changed["status"], &changed["by"]),
        (&json!("in_review"), &json!("rey")),
        "{changed}"
    );
    // So does one made by a command run beside B, on B's own data dir.
    b.run(&[
        "review",
        "--database",
        &db.url,
        "--batch",
        "batch-live",
        "--status",
        "approved",
    ]);
    let changed = next_event(&mut heard, "event", Some("review_changed"));
    assert_eq!(changed["status"], "approved", "{changed}");

    // Deleted through A: B's reviewer hears it, and B lets go of the file it built.
    assert_eq!(
        rows(&b, &db, "batch-live").as_array().map(Vec::len),
        Some(6)
    );
    let built = b.data_dir().join("batches").join("1.parquet");
    assert!(built.exists(), "B built its own file of the import");
    a.run(&["delete", "--database", &db.url, "--batch", "batch-live"]);
    let deleted = next_event(&mut heard, "event", Some("batch_deleted"));
    assert_eq!(deleted["batch"], "batch-live", "{deleted}");
    wait_for("B to remove its file of the deleted import", || {
        !built.exists()
    });

    // An instance killed and started again may have stored a part it never announced:
    // every reviewer is asked to read everything again.
    server_a.kill9();
    let _server_a = serve_review(&a, &db);
    next_event(&mut heard, "resync", None);
    drop(server_b);
}
