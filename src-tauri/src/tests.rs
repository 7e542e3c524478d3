//! Command-level tests: the real commands through Tauri's IPC (mock runtime), over a real data
//! dir, with the real listener on a real socket.

use hookgrid::{Hookgrid, sample};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use crate::{AppState, configure};

struct Desk {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    dir: tempfile::TempDir,
}

fn desk() -> Desk {
    let dir = tempfile::tempdir().expect("temp dir");
    let hookgrid = Hookgrid::open(dir.path()).expect("open");
    let state = AppState::new(hookgrid, Some("127.0.0.1:0".into()));
    let app = configure(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    Desk {
        _app: app,
        window,
        dir,
    }
}

impl Desk {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<Value>().expect("json answer"))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// Starts the listener; returns the connection.
    fn listen(&self) -> Value {
        let c = self.ok("restart_listener", json!({}));
        assert_eq!(c["listener"]["state"], "running", "{c}");
        c
    }
}

/// Posts a sample batch: 3 parts of 10 rows, every 4th row invalid.
fn post_sample(webhook: &str, id: &str) {
    let batch = sample::SampleBatch {
        event_id: id.into(),
        batch_id: id.into(),
        parts: 3,
        rows_per_part: 10,
        invalid_every: 4,
    };
    let client = reqwest::blocking::Client::new();
    for index in [2, 1, 3] {
        let r = client
            .post(webhook)
            .body(batch.body(index))
            .send()
            .expect("post");
        assert_eq!(r.status(), 200, "part {index}");
    }
}

/// Posts a one-row, one-part import; returns the HTTP status.
fn post_one(webhook: &str, id: &str) -> u16 {
    let body = sample::SampleBatch {
        event_id: id.into(),
        batch_id: id.into(),
        parts: 1,
        rows_per_part: 1,
        invalid_every: 0,
    }
    .body(1);
    reqwest::blocking::Client::new()
        .post(webhook)
        .body(body)
        .send()
        .expect("post")
        .status()
        .as_u16()
}

fn view(rows: &str, filter: Option<&str>) -> Value {
    json!({"rows": rows, "filter": filter, "search": null, "sort": null})
}

#[test]
fn a_batch_posted_to_the_listener_is_listed_paged_filtered_and_exported() {
    let d = desk();
    let c = d.listen();
    let webhook = c["webhook_url"].as_str().expect("url").to_owned();
    assert!(webhook.starts_with("http://127.0.0.1:"), "{webhook}");
    post_sample(&webhook, "evt-a");

    let batches = d.ok("list_batches", json!({}))["batches"].clone();
    assert_eq!(batches[0]["event"], "evt-a");
    assert_eq!(batches[0]["status"], "complete");
    assert_eq!(
        (batches[0]["valid"].as_u64(), batches[0]["invalid"].as_u64()),
        (Some(22), Some(8))
    );

    let page = d.ok(
        "fetch_page",
        json!({"event": "evt-a", "view": view("all", None), "offset": 5, "limit": 10}),
    );
    assert_eq!(
        (page["total"].as_u64(), page["batch_rows"].as_u64()),
        (Some(30), Some(30))
    );
    let columns: Vec<&str> = page["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(&columns[..4], ["_row", "_part", "_valid", "customer_id"]);
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(10));
    assert_eq!(page["rows"][0][0], 5, "rows start at the offset");

    let invalid = d.ok(
        "fetch_page",
        json!({"event": "evt-a", "view": view("invalid", None), "offset": 0, "limit": 100}),
    );
    assert_eq!(invalid["total"], 8);
    assert!(
        invalid["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r[2] == false)
    );

    let bad = d
        .invoke(
            "fetch_page",
            json!({"event": "evt-a", "view": view("all", Some("plan = ")), "offset": 0, "limit": 10}),
        )
        .expect_err("bad SQL");
    assert_eq!(bad["code"], "bad_filter", "{bad}");
    assert!(bad["message"].as_str().is_some_and(|m| !m.is_empty()));

    let out = d.dir.path().join("valid.csv");
    let report = d.ok(
        "export_rows",
        json!({"request": {
            "event": "evt-a", "view": view("invalid", None), "scope": "valid",
            "path": out.to_string_lossy(), "meta": false, "allow_incomplete": false
        }}),
    );
    assert_eq!(report["rows"], 22);
    let csv = std::fs::read_to_string(&out).expect("csv");
    assert_eq!(
        csv.lines().count(),
        1 + 22,
        "header and one line per valid row"
    );
    // A CSV for a person (the app's default): a UTF-8 mark first, then no meta columns.
    assert!(
        csv.starts_with("\u{feff}customer_id,"),
        "no meta columns: {csv}"
    );
    assert!(
        csv.contains(",'+49 30 0000001,"),
        "a cell a spreadsheet would run is disarmed: {csv}"
    );
    // The same file again: refused unless the user agreed to replace it.
    let again = json!({"request": {
        "event": "evt-a", "view": view("invalid", None), "scope": "invalid",
        "path": out.to_string_lossy(), "meta": false, "allow_incomplete": false
    }});
    let exists = d.invoke("export_rows", again.clone()).expect_err("exists");
    assert_eq!(exists["code"], "exists", "{exists}");
    assert_eq!(
        std::fs::read_to_string(&out).expect("csv"),
        csv,
        "untouched"
    );
    let mut replace = again;
    replace["request"]["overwrite"] = json!(true);
    assert_eq!(d.ok("export_rows", replace)["rows"], 8);

    let unknown = d
        .invoke(
            "export_rows",
            json!({"request": {
                "event": "evt-a", "view": view("all", None), "scope": "view",
                "path": d.dir.path().join("x.xls").to_string_lossy(), "meta": false,
                "allow_incomplete": false
            }}),
        )
        .expect_err("xls");
    assert_eq!(unknown["code"], "unknown_format");
    let no_config = d
        .invoke(
            "export_rows",
            json!({"request": {
                "event": "evt-a", "view": view("all", None), "scope": "view",
                "path": d.dir.path().join("x.xlsx").to_string_lossy(), "meta": false,
                "allow_incomplete": false, "with_errors": true
            }}),
        )
        .expect_err("no configuration");
    assert_eq!(no_config["code"], "no_config", "{no_config}");
    let sheet = d.ok(
        "export_rows",
        json!({"request": {
            "event": "evt-a", "view": view("all", None), "scope": "invalid",
            "path": d.dir.path().join("x.xlsx").to_string_lossy(), "meta": false,
            "allow_incomplete": false
        }}),
    );
    assert_eq!(sheet["rows"], 8);
    let bytes = std::fs::read(d.dir.path().join("x.xlsx")).expect("xlsx");
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip file");
    let missing = d
        .invoke(
            "fetch_page",
            json!({"event": "nope", "view": view("all", None), "offset": 0, "limit": 10}),
        )
        .expect_err("missing");
    assert_eq!(missing["code"], "not_found");
}

#[test]
fn a_real_shaped_delivery_is_found_detailed_exported_as_sent_and_a_refusal_retried() {
    let d = desk();
    let c = d.listen();
    let webhook = c["webhook_url"].as_str().expect("url").to_owned();
    let client = reqwest::blocking::Client::new();
    let post = |body: Vec<u8>| {
        client
            .post(&webhook)
            .body(body)
            .send()
            .expect("post")
            .status()
            .as_u16()
    };
    let rows = |h: &str| json!([{"h": h}]);
    assert_eq!(
        post(sample::delivery_body(
            "real",
            "b-real",
            1,
            2,
            rows("10"),
            json!([])
        )),
        200
    );
    assert_eq!(
        post(sample::delivery_body(
            "real",
            "b-real",
            0,
            2,
            rows("9"),
            json!([])
        )),
        200
    );
    assert_eq!(post(b"not json".to_vec()), 400);

    let found = d.ok(
        "list_batches",
        json!({"filter": {"search": "acme", "status": "complete"}, "limit": 200}),
    );
    assert_eq!(found["total"], 1);
    assert_eq!(found["batches"][0]["customer"]["companyName"], "Acme GmbH");
    let none = d.ok(
        "list_batches",
        json!({"filter": {"search": null, "status": "incomplete"}}),
    );
    assert_eq!(none, json!({"total": 0, "batches": []}));

    // A limit sends the newest only, and says how many there are.
    let newest = d.ok("list_batches", json!({"filter": null, "limit": 0}));
    assert_eq!(newest, json!({"total": 1, "batches": []}));

    let details = d.ok("import_details", json!({"event": "real"}));
    assert_eq!(details["numbering"], "from_zero");
    assert_eq!(details["parts"].as_array().map(Vec::len), Some(2));
    assert_eq!(details["customer_name_json"]["tenant"], "acme-eu");
    // The second row is the first of the request sent with index 1: part 2.
    let second = d.ok("sent_row", json!({"event": "real", "row": 1}));
    assert_eq!(
        second,
        json!({"row": 1, "part": 2, "position": 1, "valid": true, "json": "{\"h\":\"10\"}",
               "record": null})
    );
    let beyond = d
        .invoke("sent_row", json!({"event": "real", "row": 2}))
        .expect_err("no third row");
    assert_eq!(beyond["code"], "not_found", "{beyond}");

    let sorted = json!({"rows": "all", "filter": null, "search": null, "sort": {"column": "h", "descending": false}});
    let page = d.ok(
        "fetch_page",
        json!({"event": "real", "view": sorted, "offset": 0, "limit": 10}),
    );
    let h_at = page["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .position(|c| c["name"] == "h")
        .expect("h");
    assert_eq!(page["columns"][h_at]["kind"], "int");
    // The column's values over the whole view, the same whether the import is held or not.
    let summary = json!({"column": "h", "rows": 2, "distinct": 2, "empty": 0, "missing": 0,
        "values": [{"value": 9, "count": 1}, {"value": 10, "count": 1}], "more": false});
    let values = |view: &Value| {
        d.ok(
            "column_values",
            json!({"event": "real", "view": view, "column": "h", "limit": 5}),
        )
    };
    assert_eq!(values(&sorted), summary);
    d.ok("close_batch", json!({}));
    assert_eq!(values(&sorted), summary);
    let narrowed = json!({"rows": "all", "filter": "h > 9", "search": null, "sort": null});
    assert_eq!(
        values(&narrowed)["values"],
        json!([{"value": 10, "count": 1}])
    );
    let unknown = d
        .invoke(
            "column_values",
            json!({"event": "real", "view": sorted, "column": "nope", "limit": 5}),
        )
        .expect_err("no such column");
    assert_eq!(unknown["code"], "unknown_column", "{unknown}");
    assert_eq!(
        (page["rows"][0][h_at].clone(), page["rows"][1][h_at].clone()),
        (json!(9), json!(10))
    );

    let out = d.dir.path().join("as-sent.csv");
    d.ok(
        "export_rows",
        json!({"request": {
            "event": "real", "view": sorted, "scope": "view", "path": out.to_string_lossy(),
            "meta": false, "as_sent": true, "allow_incomplete": false
        }}),
    );
    assert_eq!(
        std::fs::read_to_string(&out).expect("csv"),
        "\u{feff}_valid,h\ntrue,9\ntrue,10\n"
    );

    let rejected = d.ok("list_rejected", json!({}));
    let id = rejected[0]["id"].clone();
    let retried = d.ok("retry_rejected", json!({"id": id}));
    assert_eq!(retried["outcome"], "rejected");
    let all = d.ok("retry_all_rejected", json!({}));
    assert_eq!(all[0]["outcome"], "rejected");
    let gone = d
        .invoke("retry_rejected", json!({"id": 999}))
        .expect_err("no such request");
    assert_eq!(gone["code"], "not_found");
}

#[test]
fn a_flatfile_file_opened_in_the_app_is_imported_and_a_records_response_needs_its_sheet() {
    use hookgrid::sample::{cell, record, sheet, workbook};
    let d = desk();
    let book = workbook(vec![sheet(
        "us_sh_1",
        "Contacts",
        Some("us_vr_1"),
        &[("email", "Email", "string")],
        vec![record(
            "us_rc_1",
            json!({"email": cell(json!("a@b.io"), &[])}),
        )],
    )]);
    let imported = d.ok(
        "import_flatfile",
        json!({"body": book.to_string(), "sheet": null}),
    );
    assert_eq!(
        imported,
        json!([{"stored": true, "event": "us_sh_1:us_vr_1", "batch": "us_sh_1",
                "name": "Contacts", "rows": 1}])
    );
    let again = d.ok("import_flatfile", json!({"body": book.to_string()}));
    assert_eq!(again[0]["stored"], false);
    let records =
        json!({"data": {"records": [record("us_rc_9", json!({"sku": cell(json!("A"), &[])}))]}});
    let refused = d
        .invoke(
            "import_flatfile",
            json!({"body": records.to_string(), "sheet": "  "}),
        )
        .expect_err("no sheet named");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("needs the sheet's name"),
        "{refused}"
    );
    let stock = d.ok(
        "import_flatfile",
        json!({"body": records.to_string(), "sheet": "Stock"}),
    );
    assert_eq!(stock[0]["batch"], "Stock");
}

#[test]
fn the_connection_follows_the_public_url_and_the_token() {
    let d = desk();
    let c = d.listen();
    let local = c["local_url"].as_str().expect("local").to_owned();
    assert_eq!(
        c["webhook_url"].as_str().map(|u| u.starts_with(&local)),
        Some(true)
    );
    assert_eq!(c["listen_from_env"], true);

    let refused = d
        .invoke("set_public_url", json!({"url": "ftp://nope"}))
        .expect_err("ftp");
    assert_eq!(refused["code"], "config");

    let c = d.ok(
        "set_public_url",
        json!({"url": "https://abc.trycloudflare.com/"}),
    );
    assert_eq!(c["public_url"], "https://abc.trycloudflare.com");
    let with_public = c["webhook_url"].as_str().expect("url").to_owned();
    assert!(with_public.starts_with("https://abc.trycloudflare.com/hooks/"));

    let rotated = d.ok("rotate_token", json!({}));
    assert_ne!(rotated["webhook_url"].as_str(), Some(with_public.as_str()));
    assert_ne!(rotated["token_fingerprint"], c["token_fingerprint"]);

    // The old token is refused by the running listener.
    let old_local = with_public.replace("https://abc.trycloudflare.com", &local);
    assert_eq!(post_one(&old_local, "e"), 404);

    let cleared = d.ok("set_public_url", json!({"url": "  "}));
    assert_eq!(cleared["public_url"], Value::Null);
}

#[test]
fn a_test_event_through_the_local_url_arrives_says_local_only_and_goes_in_one_click() {
    let d = desk();
    d.listen();
    let report = d.ok("send_test_event", json!({}));
    assert_eq!(report["arrived"], true, "{report}");
    // Only the listener was tested: the report says Flatfile cannot reach it.
    assert_eq!(report["local_only"], true, "{report}");
    assert!(
        report["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Local only:") && m.contains("Flatfile cannot reach")),
        "{report}"
    );
    assert_eq!(report["status"], 200);
    assert!(!report["url"].as_str().unwrap_or("").contains(&d.token()));
    let batches = d.ok("list_batches", json!({}))["batches"].clone();
    assert_eq!(batches[0]["batch"], report["batch"]);
    assert_eq!(d.ok("delete_test_imports", json!({})), json!(1));
    assert_eq!(d.ok("list_batches", json!({}))["total"], 0);
}

#[test]
fn with_a_signing_secret_the_test_event_is_signed_and_unsigned_posts_are_refused() {
    let d = desk();
    let c = d.listen();
    let refused = d
        .invoke("set_signing_secret", json!({"secret": "not a secret!"}))
        .expect_err("bad secret");
    assert_eq!(refused["code"], "config");
    let c2 = d.ok(
        "set_signing_secret",
        json!({"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}),
    );
    assert_eq!(
        (c["signing"].clone(), c2["signing"].clone()),
        (json!(false), json!(true))
    );
    let report = d.ok("send_test_event", json!({}));
    assert_eq!(report["arrived"], true, "{report}");
    let webhook = c2["webhook_url"].as_str().expect("url");
    assert_eq!(post_one(webhook, "unsigned"), 401);
}

#[test]
fn a_test_event_to_a_dead_tunnel_says_what_to_check() {
    let d = desk();
    d.listen();
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    d.ok(
        "set_public_url",
        json!({"url": format!("http://127.0.0.1:{port}")}),
    );
    let report = d.ok("send_test_event", json!({}));
    assert_eq!(report["arrived"], false);
    let message = report["message"].as_str().expect("message");
    assert!(
        message.contains("Could not reach") && message.contains("tunnel"),
        "{message}"
    );
}

#[test]
fn a_taken_port_is_reported_with_its_code_and_a_free_one_recovers() {
    let d = desk();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let c = d.ok("set_listen_address", json!({"address": addr}));
    assert_eq!(c["listener"]["state"], "failed", "{c}");
    assert_eq!(c["listener"]["code"], "address_in_use");
    let c = d.ok("set_listen_address", json!({"address": "127.0.0.1:0"}));
    assert_eq!(c["listener"]["state"], "running", "{c}");
    // Checked by the facade, as `serve --listen` is; nothing saved, the listener keeps going.
    let refused = d
        .invoke("set_listen_address", json!({"address": "8787"}))
        .expect_err("no host");
    assert_eq!(refused["code"], "config");
    let c = d.ok("connection", json!({}));
    assert_eq!(c["listener"]["state"], "running", "{c}");
    assert_eq!(c["listener"]["loopback"], true);
}

#[test]
fn the_window_place_is_saved_in_the_data_dir_settings() {
    let d = desk();
    let hookgrid = Hookgrid::open(d.dir.path()).expect("open");
    assert_eq!(hookgrid.settings().expect("settings").window, None);
    crate::window::save(&d.window, &hookgrid);
    let saved = hookgrid.settings().expect("settings").window;
    assert_eq!(saved, crate::window::current(&d.window));
    assert!(saved.is_some());
}

impl Desk {
    fn token(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("token"))
            .expect("token")
            .trim()
            .to_owned()
    }
}

#[test]
fn the_capability_grants_the_page_exactly_the_commands_and_event_listening() {
    let capability: Value =
        serde_json::from_str(include_str!("../capabilities/main.json")).expect("capability json");
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a plain permission").to_owned())
        .collect();
    granted.sort();
    let mut expected: Vec<String> = hookgrid::api::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.name.replace('_', "-")))
        .chain([
            "core:event:allow-listen".into(),
            "core:event:allow-unlisten".into(),
        ])
        .collect();
    expected.sort();
    assert_eq!(granted, expected);
    assert_eq!(capability["windows"], json!(["main"]));
}

#[test]
fn the_ui_knows_test_imports_by_the_prefix_the_core_gives_them() {
    let batches = include_str!("../../ui/src/batches.ts");
    assert!(
        batches.contains(&format!(
            "export const TEST_IMPORT_PREFIX = \"{}\";",
            hookgrid::TEST_IMPORT_PREFIX
        )),
        "ui/src/batches.ts names test imports differently from the core"
    );
}

/// Command names appear in two more places than the facade's list: the desktop's handler
/// list in lib.rs (its own commands only) and the UI's `api.ts` (all of them). The capability
/// is checked above.
#[test]
fn the_handler_list_and_the_ui_name_exactly_the_declared_commands() {
    use hookgrid::api::{COMMANDS, Served};
    let mut declared: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    declared.sort_unstable();
    let mut desktop: Vec<&str> = COMMANDS
        .iter()
        .filter(|c| !matches!(c.served, Served::Shared(_)))
        .map(|c| c.name)
        .collect();
    desktop.sort_unstable();

    let lib = include_str!("lib.rs");
    let handlers = lib
        .split_once("generate_handler![")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .expect("the handler list");
    let mut handled: Vec<&str> = handlers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("::").next().unwrap_or(s))
        .collect();
    handled.sort_unstable();
    assert_eq!(
        handled, desktop,
        "lib.rs generate_handler! vs the desktop's COMMANDS"
    );

    // Every `call<T>("name", …)` in the UI's one door to Rust.
    let api = include_str!("../../ui/src/api.ts");
    let mut called: Vec<&str> = api
        .split("call<")
        .skip(1)
        .filter_map(|rest| {
            let (before, after) = rest.split_once('"')?;
            before.ends_with(">(").then(|| after.split('"').next())?
        })
        .collect();
    called.sort_unstable();
    assert_eq!(called, declared, "ui/src/api.ts vs COMMANDS");
}
