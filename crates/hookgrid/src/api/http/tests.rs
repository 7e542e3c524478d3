//! The review listener over its router with `oneshot`: one test per status code it answers,
//! the role matrix generated from the one command list, credentials that stop working, the
//! cookie's flags and the `Origin` check, the download and the event stream.

use std::net::SocketAddr;

use axum::extract::connect_info::ConnectInfo;

use crate::connection::guard::Conn;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::*;
use crate::api::{COMMANDS, Role};
use crate::tests::body as part;
use crate::{ListenerStatus, Settings, TunnelView};

struct Desk;

impl Host for Desk {
    fn listener(&self) -> ListenerStatus {
        ListenerStatus::Running {
            address: "127.0.0.1:8787".into(),
            loopback: true,
        }
    }
    fn listen(&self, _: &Settings) -> (String, bool) {
        ("127.0.0.1:8787".into(), false)
    }
    fn tunnel(&self) -> Option<TunnelView> {
        None
    }
    fn starts_tunnels(&self) -> bool {
        false
    }
}

const PASSWORD: &str = "correct horse battery";
const ORIGIN: &str = "http://review.test";

struct Fixture {
    _dir: tempfile::TempDir,
    hookgrid: Arc<Hookgrid>,
    router: Router,
}

fn fixture_with(options: ReviewOptions) -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let hookgrid = Arc::new(Hookgrid::open(dir.path()).expect("open"));
    for (name, role) in [
        ("ada", Role::Admin),
        ("rey", Role::Reviewer),
        ("vic", Role::Viewer),
    ] {
        hookgrid
            .add_user(name, role, Some(PASSWORD), "test")
            .expect("user");
    }
    let (_, closing) = watch::channel(false);
    let router = router(hookgrid.clone(), Arc::new(Desk), options, closing);
    Fixture {
        _dir: dir,
        hookgrid,
        router,
    }
}

fn fixture() -> Fixture {
    fixture_with(ReviewOptions::default())
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

async fn send(router: &Router, req: Request<Body>) -> Answer {
    let response = router.clone().oneshot(req).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        bytes,
    }
}

fn post(uri: &str) -> axum::http::request::Builder {
    Request::post(uri)
        .header("content-type", "application/json")
        .header("host", "review.test")
}

fn json_post(uri: &str, body: &Value) -> Request<Body> {
    post(uri)
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn with_token(uri: &str, token: &str, body: &Value) -> Request<Body> {
    post(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn with_cookie(uri: &str, cookie: &str, origin: Option<&str>, body: &Value) -> Request<Body> {
    let mut b = post(uri).header("cookie", format!("{SESSION_COOKIE}={cookie}"));
    if let Some(origin) = origin {
        b = b.header("origin", origin);
    }
    b.body(Body::from(body.to_string())).expect("request")
}

/// Signs in; returns the `Set-Cookie` header and the session value.
async fn sign_in(f: &Fixture, name: &str) -> (String, String) {
    let a = send(
        &f.router,
        json_post("/api/login", &json!({"name": name, "password": PASSWORD})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    let set = a
        .headers
        .get(header::SET_COOKIE)
        .expect("a cookie")
        .to_str()
        .expect("text")
        .to_owned();
    let value = set
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("value");
    (set, value)
}

fn ingest_sample(h: &Hookgrid, event: &str, parts: u32) {
    for index in 1..=parts {
        let body = part(
            event,
            event,
            index,
            parts,
            json!([{"name": "Rack", "seats": "3"}, {"name": "Desk", "seats": "12"}]),
            json!([{"name": "", "seats": ""}]),
        );
        h.ingest(&body).expect("stored");
    }
}

#[tokio::test]
async fn version_needs_no_sign_in_and_every_other_endpoint_does() {
    let f = fixture();
    let a = send(
        &f.router,
        Request::get("/api/version")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), json!({"version": crate::VERSION}));
    for (method, uri) in [
        ("GET", "/api/me"),
        ("GET", "/api/events"),
        ("POST", "/api/list_batches"),
        ("POST", "/api/export_rows"),
        ("POST", "/api/no_such_command"),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("req");
        let a = send(&f.router, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(a.json()["code"], "unauthorized", "{method} {uri}");
        assert!(a.headers.contains_key(header::WWW_AUTHENTICATE));
    }
    let a = send(
        &f.router,
        with_token("/api/list_batches", "hgt_1_nope", &json!({})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = send(
        &f.router,
        with_token("/api/list_batches", "garbage", &json!({})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_sign_in_sets_a_strict_http_only_cookie_secure_only_over_https() {
    let f = fixture();
    let (set, value) = sign_in(&f, "rey").await;
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let me = send(
        &f.router,
        Request::get("/api/me")
            .header("cookie", format!("{SESSION_COOKIE}={value}"))
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(me.json(), json!({"name": "rey", "role": "reviewer"}));

    // Served over HTTPS itself, or by a reverse proxy on this host that says so.
    let tls = fixture_with(ReviewOptions {
        tls: true,
        ..ReviewOptions::default()
    });
    assert!(sign_in(&tls, "ada").await.0.contains("; Secure"));
    let proxied = |peer: &str, proto: &str| {
        let peer: SocketAddr = peer.parse().expect("addr");
        let f = fixture();
        let router = f.router.clone();
        let mut req = post("/api/login")
            .header("x-forwarded-proto", proto)
            .body(Body::from(
                json!({"name": "ada", "password": PASSWORD}).to_string(),
            ))
            .expect("req");
        // What the listener records for every connection (see `ReviewServer`).
        req.extensions_mut()
            .insert(ConnectInfo(Conn::detached(peer)));
        (f, router, req)
    };
    let (_f, router, req) = proxied("127.0.0.1:50000", "https");
    let a = send(&router, req).await;
    let set = a.headers.get(header::SET_COOKIE).expect("cookie");
    assert!(set.to_str().expect("text").contains("Secure"));
    // A forwarded header from anyone but a local proxy is not believed.
    let (_f, router, req) = proxied("203.0.113.9:50000", "https");
    let a = send(&router, req).await;
    let set = a.headers.get(header::SET_COOKIE).expect("cookie");
    assert!(!set.to_str().expect("text").contains("Secure"));
}

#[tokio::test]
async fn a_write_with_a_cookie_needs_the_page_s_own_origin_a_token_does_not() {
    let f = fixture();
    let (_, cookie) = sign_in(&f, "ada").await;
    let body = json!({"days": 30});
    let none = send(
        &f.router,
        with_cookie("/api/set_retention_days", &cookie, None, &body),
    )
    .await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(none.json()["code"], "origin");
    let other = send(
        &f.router,
        with_cookie(
            "/api/set_retention_days",
            &cookie,
            Some("https://evil.example"),
            &body,
        ),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(
        f.hookgrid.settings().expect("settings").retention_days,
        None
    );
    let own = send(
        &f.router,
        with_cookie("/api/set_retention_days", &cookie, Some(ORIGIN), &body),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.json());
    assert_eq!(
        f.hookgrid.settings().expect("settings").retention_days,
        Some(30)
    );
    let token = f
        .hookgrid
        .add_token("ada", "script", "test")
        .expect("token");
    let a = send(
        &f.router,
        with_token("/api/set_retention_days", &token, &json!({"days": null})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let audit: Vec<_> = f
        .hookgrid
        .audit()
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "set_retention")
        .collect();
    assert_eq!(
        audit.len(),
        2,
        "the refused writes changed nothing: {audit:?}"
    );
    assert!(audit.iter().all(|e| e.user == "ada"), "{audit:?}");
    assert_eq!(audit[0].target, "keep forever");
    assert_eq!(audit[1].target, "30 days");
}

/// A sign-in from `peer` (a client address as the listener records it).
fn login_from(name: &str, password: &str, peer: &str) -> Request<Body> {
    let mut req = json_post("/api/login", &json!({"name": name, "password": password}));
    req.extensions_mut()
        .insert(ConnectInfo(Conn::detached(peer.parse().expect("address"))));
    req
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_refused_with_429_and_retry_after() {
    let f = fixture();
    for _ in 0..crate::accounts::FREE_FAILURES {
        let a = send(
            &f.router,
            login_from("vic", "not the password", "198.51.100.1:4000"),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(a.headers.get(header::SET_COOKIE).is_none());
    }
    // Locked out by name (from another address too), even with the right password.
    let a = send(&f.router, login_from("vic", PASSWORD, "198.51.100.7:4000")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.json()["code"], "throttled");
    assert!(a.headers.get(header::SET_COOKIE).is_none());
    let wait: u64 = a
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=30).contains(&wait), "{wait}");
    // And by address, for any name.
    let a = send(&f.router, login_from("rey", PASSWORD, "198.51.100.1:4001")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    // Another name from another address is not held up.
    let a = send(&f.router, login_from("rey", PASSWORD, "198.51.100.2:4000")).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn a_revoked_token_a_removed_user_and_a_new_password_stop_working_at_the_next_request() {
    let f = fixture();
    let list = json!({});
    let token = f
        .hookgrid
        .add_token("rey", "laptop", "test")
        .expect("token");
    let a = send(&f.router, with_token("/api/list_batches", &token, &list)).await;
    assert_eq!(a.status, StatusCode::OK);
    f.hookgrid
        .revoke_token("rey", "laptop", "test")
        .expect("revoke");
    let a = send(&f.router, with_token("/api/list_batches", &token, &list)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let (_, session) = sign_in(&f, "vic").await;
    let me = || {
        Request::get("/api/me")
            .header("cookie", format!("{SESSION_COOKIE}={session}"))
            .body(Body::empty())
            .expect("req")
    };
    assert_eq!(send(&f.router, me()).await.status, StatusCode::OK);
    f.hookgrid.remove_user("vic", "test").expect("remove");
    assert_eq!(send(&f.router, me()).await.status, StatusCode::UNAUTHORIZED);

    let (_, session) = sign_in(&f, "rey").await;
    let me = Request::get("/api/me")
        .header("cookie", format!("{SESSION_COOKIE}={session}"))
        .body(Body::empty())
        .expect("req");
    f.hookgrid
        .set_user_password("rey", Some("another long password"), "test")
        .expect("password");
    assert_eq!(send(&f.router, me).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_ends_the_session_and_clears_the_cookie() {
    let f = fixture();
    let (_, session) = sign_in(&f, "vic").await;
    let out = send(
        &f.router,
        with_cookie("/api/logout", &session, Some(ORIGIN), &Value::Null),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let cleared = out.headers.get(header::SET_COOKIE).expect("cleared");
    assert!(cleared.to_str().expect("text").contains("Max-Age=0"));
    let a = send(
        &f.router,
        with_cookie("/api/list_batches", &session, Some(ORIGIN), &json!({})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

/// Every command of the one list, for every role: refused with 403 exactly when the role is
/// below the command's, else past the checks (its arguments, `{}`, may still be wrong: 400 or
/// 404, never 401 or 403). Desktop commands are not served: 404 `not_served`.
#[tokio::test(flavor = "multi_thread")]
async fn the_role_matrix_every_command_for_every_role() {
    let f = fixture();
    let tokens: Vec<(Role, String)> = [
        ("vic", Role::Viewer),
        ("rey", Role::Reviewer),
        ("ada", Role::Admin),
    ]
    .into_iter()
    .map(|(name, role)| {
        (
            role,
            f.hookgrid.add_token(name, "matrix", "test").expect("token"),
        )
    })
    .collect();
    for command in COMMANDS {
        for (role, token) in &tokens {
            let a = send(
                &f.router,
                with_token(&format!("/api/{}", command.name), token, &json!({})),
            )
            .await;
            let what = format!("{} as {role}: {} {:?}", command.name, a.status, a.json());
            if !role.allows(command.role) {
                assert_eq!(a.status, StatusCode::FORBIDDEN, "{what}");
                assert_eq!(a.json()["code"], "forbidden", "{what}");
                continue;
            }
            assert!(
                ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&a.status),
                "{what}"
            );
            match command.served {
                Served::Desktop => {
                    assert_eq!(a.status, StatusCode::NOT_FOUND, "{what}");
                    assert_eq!(a.json()["code"], "not_served", "{what}");
                }
                Served::Download | Served::Shared(_) => {
                    assert_ne!(a.json()["code"], "not_served", "{what}");
                }
            }
        }
    }
    // The roles themselves, pinned: changing one is a decision, seen in review.
    let needing = |role: Role| -> Vec<&str> {
        let mut names: Vec<&str> = COMMANDS
            .iter()
            .filter(|c| c.role == role)
            .map(|c| c.name)
            .collect();
        names.sort_unstable();
        names
    };
    assert_eq!(
        needing(Role::Reviewer),
        [
            "add_config",
            "choose_config_file",
            "choose_flatfile_file",
            "correct_cell",
            "dismiss_refused_rejected",
            "dismiss_rejected",
            "flag_rows",
            "import_flatfile",
            "remove_config",
            "replace_in_column",
            "retry_all_rejected",
            "retry_rejected",
            "revert_correction",
            "set_review",
            "unflag_rows",
            "use_config"
        ]
    );
    assert_eq!(
        needing(Role::Admin),
        [
            "add_user",
            "add_user_token",
            "delete_batch",
            "delete_test_imports",
            "list_audit",
            "list_users",
            "remove_user",
            "reset_user_password",
            "restart_listener",
            "revoke_user_token",
            "rotate_token",
            "send_test_event",
            "set_listen_address",
            "set_public_url",
            "set_retention_days",
            "set_signing_secret",
            "set_tunnel_path",
            "set_user_role",
            "start_tunnel",
            "stop_tunnel"
        ]
    );
}

#[tokio::test]
async fn an_import_is_given_no_configuration_and_the_menu_can_tell() {
    let f = fixture();
    ingest_sample(&f.hookgrid, "ev-1", 2);
    let token = f.hookgrid.add_token("rey", "t", "test").expect("token");
    let ask = |path: &'static str, body: serde_json::Value| {
        let router = f.router.clone();
        let token = token.clone();
        async move { send(&router, with_token(path, &token, &body)).await }
    };
    let given = ask("/api/config_use", json!({"event": "ev-1"})).await;
    assert_eq!(given.json(), json!({"name": null, "none": false}));
    let none = ask(
        "/api/use_config",
        json!({"event": "ev-1", "name": null, "none": true}),
    )
    .await;
    assert_eq!(none.status, StatusCode::OK, "{:?}", none.json());
    let given = ask("/api/config_use", json!({"event": "ev-1"})).await;
    assert_eq!(given.json(), json!({"name": null, "none": true}));
    // The page's arguments without `none` still mean what they did: the automatic choice.
    let back = ask("/api/use_config", json!({"event": "ev-1", "name": null})).await;
    assert_eq!(back.status, StatusCode::OK);
    let given = ask("/api/config_use", json!({"event": "ev-1"})).await;
    assert_eq!(given.json(), json!({"name": null, "none": false}));
}

#[tokio::test]
async fn a_command_takes_the_page_s_arguments_and_answers_its_json() {
    let f = fixture();
    ingest_sample(&f.hookgrid, "ev-1", 2);
    let token = f.hookgrid.add_token("vic", "t", "test").expect("token");
    let a = send(
        &f.router,
        with_token(
            "/api/list_batches",
            &token,
            &json!({"filter": null, "limit": 10}),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["total"], 1);
    assert_eq!(a.json()["batches"][0]["event"], "ev-1");
    let view = json!({"rows": "valid", "filter": "seats > 5", "search": null, "sort": null});
    let page = send(
        &f.router,
        with_token(
            "/api/fetch_page",
            &token,
            &json!({"event": "ev-1", "view": view, "offset": 0, "limit": 100}),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.json());
    assert_eq!(page.json()["total"], 2, "Desk in each of 2 parts");
    assert_eq!(page.json()["batch_rows"], 6);
    // A viewer sees the connection, but not the webhook URL, which holds the token.
    let c = send(&f.router, with_token("/api/connection", &token, &json!({}))).await;
    assert_eq!(c.json()["webhook_url"], Value::Null);
    assert_eq!(c.json()["tools"], json!([]));
    let admin = f.hookgrid.add_token("ada", "t", "test").expect("token");
    let c = send(&f.router, with_token("/api/connection", &admin, &json!({}))).await;
    assert!(
        c.json()["webhook_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&f.hookgrid.token())),
        "{:?}",
        c.json()
    );
    // Each status its kind deserves.
    let bad = send(
        &f.router,
        with_token("/api/fetch_page", &token, &json!({"event": "ev-1"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.json());
    assert_eq!(bad.json()["code"], "bad_request");
    let missing = send(
        &f.router,
        with_token("/api/import_details", &token, &json!({"event": "nope"})),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "not_found");
    let not_json = send(
        &f.router,
        post("/api/list_batches")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from("{nope"))
            .expect("req"),
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let unknown = send(&f.router, with_token("/api/no_such", &token, &json!({}))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_a_conflict_is_409() {
    let f = fixture_with(ReviewOptions {
        max_body: 1024,
        ..ReviewOptions::default()
    });
    let token = f.hookgrid.add_token("rey", "t", "test").expect("token");
    let big = json!({"name": "x", "body": "x".repeat(4096), "forSchema": null, "default": false});
    let a = send(&f.router, with_token("/api/add_config", &token, &big)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.json()["code"], "too_large");
    assert!(f.hookgrid.configs().expect("configs").is_empty());

    // An import still missing parts is not exported without consent.
    let parts = 3;
    f.hookgrid
        .ingest(&part(
            "ev-2",
            "b-2",
            1,
            parts,
            json!([{"a": "1"}]),
            json!([]),
        ))
        .expect("stored");
    let request = json!({"request": {
        "event": "ev-2", "view": {"rows": "all", "filter": null, "search": null, "sort": null},
        "scope": "view", "path": "b-2.csv", "meta": false, "allow_incomplete": false,
    }});
    let a = send(&f.router, with_token("/api/export_rows", &token, &request)).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.json()["code"], "incomplete");
}

#[tokio::test]
async fn an_export_is_a_download_named_after_the_import_with_the_rows_of_the_view() {
    let f = fixture();
    ingest_sample(&f.hookgrid, "ev-3", 2);
    let token = f.hookgrid.add_token("vic", "t", "test").expect("token");
    let request = json!({"request": {
        "event": "ev-3",
        "view": {"rows": "all", "filter": "seats > 5", "search": null, "sort": null},
        "scope": "view", "path": "", "meta": false, "allow_incomplete": false,
        "with_errors": false,
    }});
    // The page names the file; without a name it is named after the batch.
    let mut named = request.clone();
    named["request"]["path"] = json!("desks.csv");
    let a = send(&f.router, with_token("/api/export_rows", &token, &named)).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.bytes)
    );
    assert_eq!(
        a.headers
            .get(header::CONTENT_DISPOSITION)
            .expect("disposition"),
        "attachment; filename=\"desks.csv\""
    );
    assert_eq!(a.headers.get("x-hookgrid-rows").expect("rows"), "2");
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let text = String::from_utf8(a.bytes).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, ["_valid", "name", "seats"]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows, [["true", "Desk", "12"], ["true", "Desk", "12"]]);

    let mut parquet = request.clone();
    parquet["request"]["path"] = json!("rows.parquet");
    let a = send(&f.router, with_token("/api/export_rows", &token, &parquet)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(&a.bytes[..4], b"PAR1");
    let a = send(&f.router, with_token("/api/export_rows", &token, &request)).await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "no extension, no format: {:?}",
        a.json()
    );
}

#[tokio::test]
async fn the_page_is_served_at_the_root_and_a_webhook_is_never_accepted() {
    static ASSETS: &[(&str, &[u8])] = &[
        ("index.html", b"<!doctype html><title>Hookgrid</title>"),
        ("assets/index-abc.js", b"console.log(1)"),
    ];
    let f = fixture_with(ReviewOptions {
        assets: Some(ASSETS),
        ..ReviewOptions::default()
    });
    let get = |uri: &str| Request::get(uri).body(Body::empty()).expect("req");
    let page = send(&f.router, get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("t")
            .starts_with("text/html")
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let script = send(&f.router, get("/assets/index-abc.js")).await;
    assert_eq!(script.bytes, b"console.log(1)");
    assert!(
        script.headers[header::CACHE_CONTROL]
            .to_str()
            .expect("c")
            .contains("immutable")
    );
    assert_eq!(
        send(&f.router, get("/nothing.js")).await.status,
        StatusCode::NOT_FOUND
    );
    let hook = post(&format!("/hooks/{}", f.hookgrid.token()))
        .body(Body::from(part(
            "e",
            "b",
            1,
            1,
            json!([{"a": "1"}]),
            json!([]),
        )))
        .expect("req");
    let a = send(&f.router, hook).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        f.hookgrid.batches().expect("batches").is_empty(),
        "nothing stored"
    );
    assert!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("rejected")
            .is_empty(),
        "nothing kept"
    );
}

/// Reads server-sent events from `body` until `want` of them are in, within 10 s.
async fn read_events(body: &mut Body, want: usize) -> Vec<(String, Value)> {
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while events.len() < want {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("an event within 10 s")
            .expect("the stream goes on")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).expect("utf-8"));
        }
        while let Some((block, rest)) = text.split_once("\n\n") {
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                }
                if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if !name.is_empty() {
                events.push((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
            text = rest.to_owned();
        }
    }
    events
}

#[tokio::test]
async fn the_event_stream_says_hello_then_forwards_what_happens() {
    let f = fixture();
    let token = f.hookgrid.add_token("vic", "t", "test").expect("token");
    let response = f
        .router
        .clone()
        .oneshot(
            Request::get("/api/events")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let hello = read_events(&mut body, 1).await;
    assert_eq!(hello[0].0, "hello");
    assert_eq!(hello[0].1["version"], crate::VERSION);
    ingest_sample(&f.hookgrid, "ev-4", 1);
    let events = read_events(&mut body, 1).await;
    assert_eq!(events[0].0, "event");
    assert_eq!(events[0].1["type"], "part_stored");
    assert_eq!(events[0].1["event"], "ev-4");

    // From another site's page, a cookie does not open the stream.
    let (_, cookie) = sign_in(&f, "vic").await;
    let a = send(
        &f.router,
        Request::get("/api/events")
            .header("cookie", format!("{SESSION_COOKIE}={cookie}"))
            .header("host", "review.test")
            .header("origin", "https://evil.example")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_manages_people_from_the_page_and_secrets_are_shown_once() {
    let f = fixture();
    let admin = f.hookgrid.add_token("ada", "t", "test").expect("token");
    let added = send(
        &f.router,
        with_token(
            "/api/add_user",
            &admin,
            &json!({"name": "zoe", "role": "viewer"}),
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK);
    let password = added.json()["secret"]
        .as_str()
        .expect("password")
        .to_owned();
    let users = send(&f.router, with_token("/api/list_users", &admin, &json!({}))).await;
    let listed = users.json();
    assert!(
        !listed.to_string().contains(&password),
        "never listed again"
    );
    assert!(
        !listed.to_string().contains("argon2"),
        "no hash leaves the server"
    );
    let zoe = listed
        .as_array()
        .and_then(|a| a.iter().find(|u| u["name"] == "zoe"))
        .expect("zoe")
        .clone();
    assert_eq!(zoe["role"], "viewer");
    let signed = send(
        &f.router,
        json_post("/api/login", &json!({"name": "zoe", "password": password})),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK);
    let role = send(
        &f.router,
        with_token(
            "/api/set_user_role",
            &admin,
            &json!({"name": "zoe", "role": "reviewer"}),
        ),
    )
    .await;
    assert_eq!(role.status, StatusCode::OK);
    let token = send(
        &f.router,
        with_token(
            "/api/add_user_token",
            &admin,
            &json!({"name": "zoe", "label": "cli"}),
        ),
    )
    .await
    .json()["secret"]
        .as_str()
        .expect("token")
        .to_owned();
    let me = send(
        &f.router,
        Request::get("/api/me")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(me.json(), json!({"name": "zoe", "role": "reviewer"}));
    let twice = send(
        &f.router,
        with_token(
            "/api/add_user_token",
            &admin,
            &json!({"name": "zoe", "label": "cli"}),
        ),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["code"], "exists");
    let last = send(
        &f.router,
        with_token(
            "/api/set_user_role",
            &admin,
            &json!({"name": "ada", "role": "viewer"}),
        ),
    )
    .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert_eq!(last.json()["code"], "last_admin");
    let audit = send(&f.router, with_token("/api/list_audit", &admin, &json!({}))).await;
    let actions: Vec<String> = audit
        .json()
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["user"] == "ada")
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["token_add", "user_role", "user_add"]);
}
