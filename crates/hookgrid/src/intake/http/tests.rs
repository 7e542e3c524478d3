//! One `oneshot` test per status code, and one test on a real socket.

use super::*;
use crate::BatchStatus;
use crate::tests::body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    hookgrid: Arc<Hookgrid>,
    token: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let hookgrid = Arc::new(Hookgrid::open(dir.path()).expect("open"));
    let token = hookgrid.token();
    Fixture {
        _dir: dir,
        hookgrid,
        token,
    }
}

async fn send(f: &Fixture, limits: Limits, req: Request<Body>) -> (StatusCode, Value) {
    let response = router(f.hookgrid.clone(), limits)
        .oneshot(req)
        .await
        .expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .expect("request")
}

fn hook(f: &Fixture) -> String {
    format!("/hooks/{}", f.token)
}

fn sample(index: u32, count: u32) -> Vec<u8> {
    body(
        "ev-1",
        "b-1",
        index,
        count,
        json!([{"name": "Rack"}]),
        json!([{"name": ""}]),
    )
}

#[tokio::test]
async fn stored_then_duplicate_are_200_with_the_receipt() {
    let f = fixture();
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), sample(1, 2))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        json,
        json!({"status": "stored", "event": "ev-1", "batch": "b-1", "part": 1, "of": 2, "index": 1})
    );
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), sample(1, 2))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["status"], "duplicate");
}

fn delivery(event: &str, index: u32, length: u32) -> Vec<u8> {
    crate::sample::delivery_body(
        event,
        "b-real",
        index,
        length,
        json!([{"name": "Rack", "height_cm": format!("{}", 50 + index)}]),
        json!([{"name": "", "height_cm": ""}]),
    )
}

#[tokio::test]
async fn one_request_imports_counting_from_0_or_from_1_are_stored() {
    let f = fixture();
    let (status, json) = send(
        &f,
        Limits::default(),
        post(&hook(&f), delivery("one", 0, 1)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(
        json,
        json!({"status": "stored", "event": "one", "batch": "b-real", "part": 1, "of": 1, "index": 0})
    );
    let b = f.hookgrid.resolve("one").expect("batch");
    assert_eq!(b.status, BatchStatus::Complete);
    assert_eq!(b.customer.expect("customer")["userId"], "ops-7");
    // The documented one-request shape: count 1, index 1.
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), sample(1, 1))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(
        (json["part"].clone(), json["index"].clone()),
        (json!(1), json!(1))
    );
    let b = f.hookgrid.resolve("ev-1").expect("batch");
    assert_eq!((b.status, b.customer), (BatchStatus::Complete, None));
}

#[tokio::test]
async fn parts_counting_from_0_or_from_1_arrive_out_of_order_and_twice() {
    let f = fixture();
    // From 0: index 1 first (either base), then 2, a repeat, then 0.
    let mut receipts = Vec::new();
    for index in [1, 2, 2, 0] {
        let (status, json) = send(
            &f,
            Limits::default(),
            post(&hook(&f), delivery("zero", index, 3)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{json}");
        receipts.push((
            json["status"].clone(),
            json["part"].clone(),
            json["index"].clone(),
        ));
    }
    assert_eq!(
        receipts,
        [
            (json!("stored"), json!(2), json!(1)),
            (json!("stored"), json!(3), json!(2)),
            (json!("duplicate"), json!(3), json!(2)),
            (json!("stored"), json!(1), json!(0)),
        ]
    );
    let b = f.hookgrid.resolve("zero").expect("batch");
    assert_eq!((b.status, b.parts_received), (BatchStatus::Complete, 3));
    // From 1, as documented: 3, then 1, then 2.
    for index in [3, 1, 2] {
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), sample(index, 3))).await;
        assert_eq!(
            (status, json["part"].clone()),
            (StatusCode::OK, json!(index))
        );
    }
    let b = f.hookgrid.resolve("ev-1").expect("batch");
    assert_eq!(b.status, BatchStatus::Complete);
}

#[tokio::test]
async fn an_import_with_both_index_0_and_index_n_is_409_and_quarantined() {
    let f = fixture();
    let (status, _) = send(
        &f,
        Limits::default(),
        post(&hook(&f), delivery("both", 0, 2)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, json) = send(
        &f,
        Limits::default(),
        post(&hook(&f), delivery("both", 2, 2)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    assert_eq!(json["error"], "conflict");
    let message = json["message"].as_str().expect("message");
    assert!(message.contains("both index 0 and index 2"), "{message}");
    let q = f.hookgrid.rejected(crate::Listed::Open).expect("list");
    assert_eq!((q.len(), q[0].kind), (1, QuarantineKind::Conflict));
    assert_eq!((q[0].event.as_deref(), q[0].part), (Some("both"), Some(2)));
}

#[tokio::test]
async fn count_and_length_disagreeing_and_an_index_past_the_end_are_422() {
    let f = fixture();
    let mut v: Value = serde_json::from_slice(&delivery("d", 0, 2)).expect("json");
    v["event"]["sequence"]["count"] = json!(3);
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), v.to_string())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json["message"]
            .as_str()
            .expect("message")
            .contains("must agree")
    );
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), delivery("d", 3, 2))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json["message"]
            .as_str()
            .expect("message")
            .contains("index is 3")
    );
    assert_eq!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("list")
            .len(),
        2
    );
    assert!(f.hookgrid.batches().expect("list").is_empty());
}

#[tokio::test]
async fn wrong_token_and_unknown_paths_are_the_same_404_and_store_nothing() {
    let f = fixture();
    let wrong = format!("/hooks/{}x", f.token);
    let (s1, b1) = send(&f, Limits::default(), post(&wrong, sample(1, 1))).await;
    let (s2, b2) = send(&f, Limits::default(), post("/elsewhere", sample(1, 1))).await;
    let (s3, b3) = send(
        &f,
        Limits::default(),
        post(&format!("{}/extra", hook(&f)), sample(1, 1)),
    )
    .await;
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND
        )
    );
    assert_eq!(b1, b2);
    assert_eq!(b2, b3);
    assert_eq!(b1["error"], "not_found");
    // Only the wrong token is counted: it is Flatfile posting to an old URL.
    assert_eq!(f.hookgrid.wrong_doors().map(|w| w.count), Some(1));
    assert!(f.hookgrid.batches().expect("list").is_empty());
    assert!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("list")
            .is_empty()
    );
}

#[tokio::test]
async fn not_json_is_400_and_quarantined() {
    let f = fixture();
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), "hello")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["error"], "not_json");
    assert!(
        json["message"]
            .as_str()
            .expect("message")
            .contains("not valid JSON")
    );
    let q = f.hookgrid.rejected(crate::Listed::Open).expect("list");
    assert_eq!(q.len(), 1);
    assert_eq!(json["quarantine_id"], json!(q[0].id));
}

#[tokio::test]
async fn contract_breaches_are_422_and_quarantined() {
    let f = fixture();
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), sample(5, 2))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["error"], "contract");
    assert!(
        json["message"]
            .as_str()
            .expect("message")
            .contains("event.sequence.index is 5")
    );
    let rows_not_objects = serde_json::to_vec(&json!({
        "event": {"id": "e", "sequence": {"index": 1, "count": 1}},
        "data": {"meta": {"batch": {"id": "b"}}, "validRows": [[1, 2]]}
    }))
    .expect("json");
    let (status, _) = send(&f, Limits::default(), post(&hook(&f), rows_not_objects)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("list")
            .len(),
        2
    );
}

#[tokio::test]
async fn conflicts_are_409_and_quarantined() {
    let f = fixture();
    send(&f, Limits::default(), post(&hook(&f), sample(1, 2))).await;
    let changed = body("ev-1", "b-1", 1, 2, json!([{"name": "Other"}]), json!([]));
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), changed)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(json["error"], "conflict");
    let recount = body("ev-1", "b-1", 2, 3, json!([]), json!([]));
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), recount)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        json["message"]
            .as_str()
            .expect("message")
            .contains("announced with 2 parts")
    );
    assert_eq!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("list")
            .len(),
        2
    );
    assert_eq!(f.hookgrid.batches().expect("list")[0].parts_received, 1);
}

#[tokio::test]
async fn oversized_bodies_are_413_whether_declared_or_streamed() {
    let f = fixture();
    let limits = Limits {
        max_body: 100,
        ..Limits::default()
    };
    let (status, json) = send(&f, limits, post(&hook(&f), vec![b' '; 101])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json["error"], "too_large");
    // No Content-Length: the limit is enforced while reading.
    let chunks = futures_stream(vec![vec![b' '; 60], vec![b' '; 60]]);
    let (status, _) = send(&f, limits, post(&hook(&f), chunks)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("list")
            .is_empty(),
        "never read, nothing to keep"
    );
}

fn futures_stream(chunks: Vec<Vec<u8>>) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        for c in chunks {
            let _ = tx.send(Ok(c.into())).await;
        }
    });
    Body::from_stream(tokio_stream(rx))
}

fn tokio_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn a_body_that_never_finishes_is_408() {
    let f = fixture();
    let limits = Limits {
        body_timeout: Duration::from_millis(100),
        ..Limits::default()
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
    tx.send(Ok(axum::body::Bytes::from_static(b"{\"event\":")))
        .await
        .expect("send");
    let (status, json) = send(
        &f,
        limits,
        post(&hook(&f), Body::from_stream(tokio_stream(rx))),
    )
    .await;
    drop(tx);
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(json["error"], "timeout");
}

#[tokio::test]
async fn a_full_house_is_503_with_retry_after() {
    let f = fixture();
    let limits = Limits {
        max_in_flight: 1,
        ..Limits::default()
    };
    let slots = Arc::new(Semaphore::new(1));
    let app = router_with_slots(f.hookgrid.clone(), limits, slots.clone());
    // Another request holds the only slot.
    let held = slots.clone().try_acquire_owned().expect("the slot is free");
    let busy = app
        .clone()
        .oneshot(post(&hook(&f), sample(1, 1)))
        .await
        .expect("response");
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers()[header::RETRY_AFTER], "1");
    let json: Value =
        serde_json::from_slice(&busy.into_body().collect().await.expect("body").to_bytes())
            .expect("json");
    assert_eq!(json["error"], "busy");
    assert!(
        f.hookgrid.batches().expect("list").is_empty(),
        "a shed request stores nothing"
    );
    // Once the slot is free again, requests pass.
    drop(held);
    let ok = app
        .oneshot(post(&hook(&f), sample(1, 1)))
        .await
        .expect("response");
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_post_delivers() {
    let f = fixture();
    let req = Request::get(hook(&f)).body(Body::empty()).expect("request");
    let (status, json) = send(&f, Limits::default(), req).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json["error"], "method_not_allowed");
}

#[tokio::test]
async fn healthz_needs_no_token() {
    let f = fixture();
    let req = Request::get("/healthz")
        .body(Body::empty())
        .expect("request");
    let (status, json) = send(&f, Limits::default(), req).await;
    assert_eq!((status, json), (StatusCode::OK, json!({"status": "ok"})));
}

#[tokio::test]
async fn a_real_socket_serves_and_shuts_down_gracefully() {
    let f = fixture();
    let server = crate::Server::start(f.hookgrid.clone(), "127.0.0.1:0", Limits::default())
        .await
        .expect("start");
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0, "the port the system chose");
    let taken = crate::Server::start(f.hookgrid.clone(), &addr.to_string(), Limits::default())
        .await
        .expect_err("the port is taken");
    assert_eq!(taken.kind(), "address_in_use", "{taken}");
    let url = format!("http://{addr}{}", hook(&f));
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let payload = sample(1, 1);
    let request = format!(
        "POST {} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        url.trim_start_matches(&format!("http://{addr}")),
        payload.len()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(request.as_bytes()).await.expect("write");
    stream.write_all(&payload).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""status":"stored""#), "{response}");
    server.stop().await.expect("clean shutdown");
    let again = tokio::net::TcpListener::bind(addr).await;
    assert!(again.is_ok(), "the port is free again after shutdown");
}

#[tokio::test]
async fn with_a_signing_secret_only_correctly_signed_requests_are_stored() {
    let f = fixture();
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    f.hookgrid
        .set_signing_secret(secret, "test")
        .expect("secret");
    assert!(f.hookgrid.requires_signature());
    let signer = crate::intake::signature::SigningSecret::parse(secret).expect("parse");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let signed = |body: &[u8], signed_body: &[u8], at: u64| {
        Request::post(hook(&f))
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", at.to_string())
            .header("webhook-signature", signer.sign("msg_1", at, signed_body))
            .body(Body::from(body.to_vec()))
            .expect("request")
    };

    let unsigned = send(&f, Limits::default(), post(&hook(&f), sample(1, 2))).await;
    assert_eq!(unsigned.0, StatusCode::UNAUTHORIZED);
    assert_eq!(unsigned.1["error"], "signature");
    assert!(
        unsigned.1["message"]
            .as_str()
            .is_some_and(|m| m.contains("webhook-id"))
    );

    let part = sample(1, 2);
    let tampered = send(&f, Limits::default(), signed(&sample(2, 2), &part, now)).await;
    assert_eq!(tampered.0, StatusCode::UNAUTHORIZED);
    let replayed = send(&f, Limits::default(), signed(&part, &part, now - 3600)).await;
    assert_eq!(replayed.0, StatusCode::UNAUTHORIZED);
    assert!(
        replayed.1["message"]
            .as_str()
            .is_some_and(|m| m.contains("5 minutes"))
    );

    let ok = send(&f, Limits::default(), signed(&part, &part, now)).await;
    assert_eq!(ok.0, StatusCode::OK, "{}", ok.1);
    assert_eq!(ok.1["status"], "stored");

    // Everything refused is kept, with its reason; nothing of it reached the imports.
    let rejected = f.hookgrid.rejected(crate::Listed::Open).expect("rejected");
    assert_eq!(rejected.len(), 3);
    assert!(rejected.iter().all(|q| q.kind == QuarantineKind::Signature));
    assert_eq!(f.hookgrid.batches().expect("batches")[0].parts_received, 1);

    // Clearing the secret accepts unsigned requests again.
    f.hookgrid.set_signing_secret(" ", "test").expect("clear");
    let plain = send(&f, Limits::default(), post(&hook(&f), sample(2, 2))).await;
    assert_eq!(plain.0, StatusCode::OK);
    assert!(f.hookgrid.set_signing_secret("whsec_!!", "test").is_err());
}

#[tokio::test]
async fn a_gigabyte_body_is_refused_after_the_limit_without_being_read() {
    let f = fixture();
    const CHUNK: usize = 1 << 20;
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    // 1 GiB, made lazily a MiB at a time: only what the server pulls is ever made.
    let gigabyte = futures_util::stream::iter(0..1024).map(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; CHUNK]))
    });
    use futures_util::StreamExt as _;
    let (status, json) = send(
        &f,
        Limits::default(),
        post(&hook(&f), Body::from_stream(gigabyte)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json["error"], "too_large");
    let pulled = sent.load(std::sync::atomic::Ordering::Relaxed);
    // The 64 MiB limit and a chunk of read-ahead; never the gigabyte.
    assert!(
        pulled <= DEFAULT_MAX_BODY / CHUNK + 2,
        "{pulled} MiB were read"
    );
}

#[tokio::test]
async fn a_dripping_body_times_out_while_other_requests_are_served() {
    let f = fixture();
    // Long enough that the other request surely finishes first, even on a slow disk.
    let limits = Limits {
        body_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let app = router(f.hookgrid.clone(), limits);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
    let drip = tokio::spawn(
        app.clone()
            .oneshot(post(&hook(&f), Body::from_stream(tokio_stream(rx)))),
    );
    tx.send(Ok(axum::body::Bytes::from_static(b"{\"event\":")))
        .await
        .expect("first drop");
    // While it drips, a whole request is stored.
    let ok = app
        .clone()
        .oneshot(post(&hook(&f), sample(1, 1)))
        .await
        .expect("response");
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(!drip.is_finished(), "the drip is still being waited for");
    let dripped = drip.await.expect("task").expect("response");
    drop(tx);
    assert_eq!(dripped.status(), StatusCode::REQUEST_TIMEOUT);
}

#[tokio::test]
async fn deeply_nested_json_never_overflows_the_stack() {
    let f = fixture();
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    // As the whole body: refused (the envelope parser stops at its depth limit) and kept.
    let top = deep(1_000_000);
    let (status, json) = send(&f, Limits::default(), post(&hook(&f), top)).await;
    assert!(status.is_client_error(), "{status}");
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        f.hookgrid
            .rejected(crate::Listed::Open)
            .expect("rejected")
            .len(),
        1,
        "kept"
    );
    // Inside a cell: cells are read as raw JSON text without recursing, so it is stored,
    // exactly, as text.
    let value = deep(100_000);
    let in_cell = format!(
        r#"{{"event":{{"id":"deep","sequence":{{"index":1,"count":1}}}},"data":{{"meta":{{"batch":{{"id":"b"}}}},"validRows":[{{"x":{value}}}]}}}}"#
    );
    let (status, _) = send(&f, Limits::default(), post(&hook(&f), in_cell)).await;
    assert_eq!(status, StatusCode::OK);
    let hookgrid = f.hookgrid.clone();
    // Polars may not run on the test's async thread.
    let page = tokio::task::spawn_blocking(move || {
        let batch = hookgrid.resolve("deep").expect("stored");
        hookgrid.page(&batch, &crate::View::default(), 0, 1)
    })
    .await
    .expect("task")
    .expect("page");
    assert_eq!(page.json_rows()[0]["x"], serde_json::Value::String(value));
}

#[tokio::test]
async fn each_import_notes_the_address_it_came_through_and_a_changed_one_is_stale() {
    let f = fixture();
    let listen = "127.0.0.1:41234".to_owned();
    let via = |host: Option<&str>, forwarded: Option<&str>, event: &str, batch: &str| {
        let mut req = Request::post(hook(&f)).header("content-type", "application/json");
        if let Some(h) = host {
            req = req.header("host", h);
        }
        if let Some(h) = forwarded {
            req = req.header("x-forwarded-host", h);
        }
        req.body(Body::from(body(
            event,
            batch,
            1,
            1,
            json!([{"a": "1"}]),
            json!([]),
        )))
        .expect("request")
    };
    // Through a tunnel that names the public host; and one with only a Host header.
    let (status, _) = send(
        &f,
        Limits::default(),
        via(
            Some("127.0.0.1:8787"),
            Some("Old-Name.trycloudflare.com"),
            "ev-a",
            "b-a",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        f.hookgrid
            .resolve("ev-a")
            .expect("a")
            .arrived_via
            .as_deref(),
        Some("old-name.trycloudflare.com")
    );
    // No public URL: nothing to compare.
    assert_eq!(f.hookgrid.stale_address(&listen).expect("stale"), None);
    f.hookgrid
        .set_public_url("https://old-name.trycloudflare.com", "test")
        .expect("url");
    assert_eq!(f.hookgrid.stale_address(&listen).expect("stale"), None);
    // The tunnel came back at a new address; Flatfile's last import used the old one.
    f.hookgrid
        .set_public_url("https://new-name.trycloudflare.com", "test")
        .expect("url");
    let stale = f
        .hookgrid
        .stale_address(&listen)
        .expect("stale")
        .expect("stale address");
    assert_eq!(
        (stale.was.as_str(), stale.now.as_str()),
        ("old-name.trycloudflare.com", "new-name.trycloudflare.com")
    );
    // A test import through the new address, or a post straight to the listener, proves
    // nothing about Flatfile: still stale.
    let test_batch = format!("{}1", crate::TEST_IMPORT_PREFIX);
    send(
        &f,
        Limits::default(),
        via(
            Some("new-name.trycloudflare.com"),
            None,
            "ev-t",
            &test_batch,
        ),
    )
    .await;
    send(
        &f,
        Limits::default(),
        via(Some(&listen), None, "ev-local", "b-local"),
    )
    .await;
    assert!(f.hookgrid.stale_address(&listen).expect("stale").is_some());
    // Flatfile posts through the new address: no longer stale.
    send(
        &f,
        Limits::default(),
        via(Some("new-name.trycloudflare.com"), None, "ev-b", "b-b"),
    )
    .await;
    assert_eq!(f.hookgrid.stale_address(&listen).expect("stale"), None);
    // A header that is not a plain host is not kept.
    send(
        &f,
        Limits::default(),
        via(Some("evil<script>"), None, "ev-c", "b-c"),
    )
    .await;
    assert_eq!(f.hookgrid.resolve("ev-c").expect("c").arrived_via, None);
}

#[tokio::test]
async fn bodies_in_flight_are_bounded_by_bytes_and_a_request_waits_for_room() {
    let f = fixture();
    let part = sample(1, 2);
    // Deadlines far off: what is shown is waiting, not running out of time.
    let limits = Limits {
        max_in_flight_bytes: part.len() + 1024,
        body_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let app = router(f.hookgrid.clone(), limits);
    // A request whose body is still arriving holds room for its declared length.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
    let mut slow = post(&hook(&f), Body::from_stream(tokio_stream(rx)));
    slow.headers_mut().insert(
        header::CONTENT_LENGTH,
        part.len().to_string().parse().expect("length"),
    );
    let slow = tokio::spawn(app.clone().oneshot(slow));
    tx.send(Ok(axum::body::Bytes::copy_from_slice(&part[..10])))
        .await
        .expect("send");
    // The channel holds one chunk: this second one goes in only once the first was read,
    // after the request took its room.
    tx.send(Ok(axum::body::Bytes::copy_from_slice(&part[10..20])))
        .await
        .expect("send");
    // Another of the same size waits for room…
    let mut other = tokio::spawn(app.clone().oneshot(post(&hook(&f), sample(2, 2))));
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut other)
            .await
            .is_err(),
        "a second body found room while the first held it"
    );
    // …and gets it once the first is answered (here: its body ended short, 400).
    drop(tx);
    let first = slow.await.expect("join").expect("response");
    assert_eq!(first.status(), StatusCode::BAD_REQUEST);
    let stored = other.await.expect("join").expect("response");
    assert_eq!(stored.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_that_finds_no_room_by_its_deadline_is_answered_503() {
    let f = fixture();
    let part = sample(1, 2);
    let limits = Limits {
        max_in_flight_bytes: part.len() + 1024,
        body_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let app = router(f.hookgrid.clone(), limits);
    // A request holds its room until it is answered: this one waits to be stored while
    // another connection holds the ledger's write lock (no deadline of its own runs then).
    let blocker = rusqlite::Connection::open(f.hookgrid.data_dir().ledger()).expect("ledger");
    blocker.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let first = tokio::spawn(app.clone().oneshot(post(&hook(&f), part)));
    // Its body is read and its room taken on its first turn, before it waits on the ledger.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let other = sample(2, 2);
    let busy = app
        .clone()
        .oneshot(post(&hook(&f), other.clone()))
        .await
        .expect("response");
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers()[header::RETRY_AFTER], "1");
    blocker.execute_batch("ROLLBACK").expect("unlock");
    let first = first.await.expect("join").expect("response");
    assert_eq!(first.status(), StatusCode::OK);
    let stored = app.oneshot(post(&hook(&f), other)).await.expect("response");
    assert_eq!(stored.status(), StatusCode::OK);
}

mod workbooks {
    use super::*;
    use hookgrid_flatfile::sample::{cell, record, sheet, workbook};

    fn contacts(commit: &str, second_email: &str) -> Value {
        sheet(
            "us_sh_contacts",
            "Contacts",
            Some(commit),
            &[("email", "Email", "string"), ("plan", "Plan", "enum")],
            vec![
                record(
                    "us_rc_1",
                    json!({"email": cell(json!("ann@acme.example"), &[]),
                           "plan": cell(json!("team"), &[])}),
                ),
                record(
                    "us_rc_2",
                    json!({"email": cell(json!(second_email), &[("error", "Invalid email")]),
                           "plan": cell(json!("free"), &[("warn", "Free plans expire")])}),
                ),
            ],
        )
    }

    fn orders(commit: Option<&str>) -> Value {
        sheet(
            "us_sh_orders",
            "Orders",
            commit,
            &[("sku", "SKU", "string"), ("qty", "Quantity", "number")],
            vec![record(
                "us_rc_9",
                json!({"sku": cell(json!("A-1"), &[]), "qty": cell(json!(3), &[])}),
            )],
        )
    }

    fn bytes(v: &Value) -> Vec<u8> {
        serde_json::to_vec(v).expect("json")
    }

    /// The imports stored, as (batch, event, revision, valid, invalid), sorted.
    fn imports(f: &Fixture) -> Vec<(String, String, u32, u64, u64)> {
        let mut all: Vec<_> = f
            .hookgrid
            .batches()
            .expect("list")
            .into_iter()
            .map(|b| (b.batch, b.event, b.revision, b.valid, b.invalid))
            .collect();
        all.sort();
        all
    }

    // Polars reads a page from inside the runtime here, which needs the threaded one.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_workbook_is_200_with_a_json_body_and_each_sheet_becomes_an_import() {
        let f = fixture();
        let body = bytes(&workbook(vec![contacts("c1", "bob@"), orders(None)]));
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), body.clone())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json, json!({}));
        let stored = imports(&f);
        assert_eq!(stored.len(), 2, "{stored:?}");
        assert_eq!(stored[0].0, "us_sh_contacts");
        assert_eq!(stored[0].1, "us_sh_contacts:c1");
        assert_eq!((stored[0].3, stored[0].4), (1, 1));
        // Without a commit the event is the sheet with a digest of its records.
        assert!(stored[1].1.starts_with("us_sh_orders:"), "{stored:?}");
        assert_ne!(stored[1].1, "us_sh_orders:");

        let contacts_batch = f.hookgrid.resolve("us_sh_contacts").expect("resolve");
        let origin = contacts_batch.workbook.as_ref().expect("workbook");
        assert_eq!(origin.name.as_deref(), Some("Q4 contacts"));
        assert_eq!(origin.space_id.as_deref(), Some("us_sp_Hn3x"));
        assert_eq!(
            contacts_batch.customer_label.as_deref(),
            Some("Q4 contacts · us_sp_Hn3x · us_env_Tq81")
        );
        // Columns follow the fields; each record keeps its own validity, in order.
        let page = f
            .hookgrid
            .page(&contacts_batch, &crate::View::default(), 0, 10)
            .expect("page");
        let names: Vec<String> = page
            .rows
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(
            names,
            ["_row", "_part", "_valid", "_record", "email", "plan"]
        );
        let valid: Vec<Option<bool>> = page
            .rows
            .column("_valid")
            .expect("v")
            .bool()
            .expect("b")
            .iter()
            .collect();
        assert_eq!(valid, [Some(true), Some(false)]);
        // The record as sent, from the stored body.
        let sent = f.hookgrid.sent_row(&contacts_batch, 1).expect("sent row");
        assert!(!sent.valid);
        assert_eq!(sent.record.as_deref(), Some("us_rc_2"));
        let record: Value = serde_json::from_str(&sent.json).expect("record json");
        assert_eq!(record["id"], "us_rc_2");
        assert_eq!(
            record["values"]["email"]["messages"][0]["message"],
            "Invalid email"
        );
        // The stored body is the whole workbook.
        assert_eq!(
            f.hookgrid.part_body(&contacts_batch, 1).expect("body"),
            body
        );
        assert!(
            f.hookgrid
                .rejected(crate::Listed::Open)
                .expect("q")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_repeat_is_a_duplicate_and_a_resubmit_is_a_revision_of_the_changed_sheet_only() {
        let f = fixture();
        let first = bytes(&workbook(vec![contacts("c1", "bob@"), orders(Some("o1"))]));
        send(&f, Limits::default(), post(&hook(&f), first.clone())).await;
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), first)).await;
        assert_eq!((status, json), (StatusCode::OK, json!({})));
        assert_eq!(imports(&f).len(), 2);

        // The customer fixed the email and submitted again; Orders did not change.
        let fixed = bytes(&workbook(vec![
            contacts("c2", "bob@acme.example"),
            orders(Some("o1")),
        ]));
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), fixed)).await;
        assert_eq!((status, json), (StatusCode::OK, json!({})));
        let stored = imports(&f);
        assert_eq!(
            stored
                .iter()
                .map(|(b, e, r, _, _)| (b.as_str(), e.as_str(), *r))
                .collect::<Vec<_>>(),
            [
                ("us_sh_contacts", "us_sh_contacts:c1", 1),
                ("us_sh_contacts", "us_sh_contacts:c2", 2),
                ("us_sh_orders", "us_sh_orders:o1", 1),
            ]
        );
        assert!(
            f.hookgrid
                .rejected(crate::Listed::Open)
                .expect("q")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_malformed_workbook_is_422_naming_the_field_and_a_changed_commit_is_409() {
        let f = fixture();
        let mut broken = workbook(vec![contacts("c1", "bob@")]);
        broken["workbook"]["sheets"][0]["records"][1]
            .as_object_mut()
            .expect("record")
            .remove("id");
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), bytes(&broken))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let message = json["message"].as_str().expect("message");
        assert!(
            message.contains("workbook.sheets[0].records[1]"),
            "{message}"
        );
        assert!(message.contains("id"), "{message}");

        send(
            &f,
            Limits::default(),
            post(&hook(&f), bytes(&workbook(vec![contacts("c1", "bob@")]))),
        )
        .await;
        // The same commit with other records contradicts what is stored.
        let other = bytes(&workbook(vec![contacts("c1", "eve@"), orders(Some("o1"))]));
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), other)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            json["message"]
                .as_str()
                .expect("m")
                .contains("sheet us_sh_contacts")
        );
        // Nothing of that body was stored: Orders is not an import.
        assert_eq!(imports(&f).len(), 1);
        let q = f.hookgrid.rejected(crate::Listed::Open).expect("q");
        assert_eq!(q.len(), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_send_back_configuration_answers_with_flatfile_s_rejection_response() {
        let f = fixture();
        f.hookgrid
            .add_config(
                "contacts",
                br#"[{"key": "email", "validators": [{"validate": "regex_matches", "regex": "^[^@]+@[^@]+\\.[a-z]+$", "error": "Not an email address"}]},
                     {"key": "plan", "type": "select", "options": [{"value": "team"}, {"value": "free"}]}]"#,
                Some(crate::ConfigScope::Sheet("contacts".into())),
                Some(true),
            )
            .expect("config");
        let body = bytes(&workbook(vec![contacts("c1", "bob@"), orders(Some("o1"))]));
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), body.clone())).await;
        assert_eq!(status, StatusCode::OK);
        let rejections = &json["rejections"];
        assert_eq!(rejections["id"], "us_wb_5fA2kQ");
        assert!(
            rejections["message"]
                .as_str()
                .expect("message")
                .starts_with("1 record did not pass"),
            "{json}"
        );
        assert_eq!(
            rejections["sheets"],
            json!([{"sheetId": "us_sh_contacts", "rejectedRecords": [
                {"id": "us_rc_2", "values": [{"field": "email", "message": "Not an email address"}]}
            ]}]),
            "Orders has no configuration, so nothing of it is sent back"
        );
        // Kept with the import, and the same answer to the same submit again.
        let batch = f.hookgrid.resolve("us_sh_contacts").expect("resolve");
        let kept = f
            .hookgrid
            .details(&batch)
            .expect("details")
            .sent_back
            .expect("sent back");
        assert_eq!(
            (kept.config.as_str(), kept.rejected, kept.listed),
            ("contacts", 1, 1)
        );
        let (_, again) = send(&f, Limits::default(), post(&hook(&f), body)).await;
        assert_eq!(again, json);
        // The import's reasons are that configuration's, by the sheet's slug.
        let summary = f.hookgrid.errors(&batch).expect("errors").expect("summary");
        assert_eq!(summary.config.as_deref(), Some("contacts"));
        assert_eq!(summary.choice, Some(hookgrid_ledger::ConfigChoice::Sheet));

        // Without send-back the answer is {} again, and nothing is kept.
        f.hookgrid
            .add_config(
                "contacts",
                br#"[{"key": "email"}, {"key": "plan"}]"#,
                None,
                Some(false),
            )
            .expect("config");
        let resubmit = bytes(&workbook(vec![contacts("c2", "bob@")]));
        let (status, json) = send(&f, Limits::default(), post(&hook(&f), resubmit)).await;
        assert_eq!((status, json), (StatusCode::OK, json!({})));
        let second = f.hookgrid.resolve("us_sh_contacts:c2").expect("second");
        assert_eq!(
            f.hookgrid.details(&second).expect("details").sent_back,
            None
        );
    }
}
