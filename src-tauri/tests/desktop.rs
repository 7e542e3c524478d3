//! The desktop app in a real window (Xvfb + tauri-driver + WebKitWebDriver): a batch posted
//! over HTTP appears live, opens in the grid, filters and exports as the user sees it.
//!
//! A plain `cargo test` lists these as ignored (they need a display server and a WebDriver),
//! so a run without them says so; `make test` installs both and runs them with `--ignored`.

use hookgrid::sample;
use hookgrid_tests::desktop::Desktop;
use hookgrid_tests::{Workspace, text};
use serde_json::{Value, json};

const EVENT: &str = "evt-desktop-1";
const BATCH: &str = "batch-desktop-1";
const PARTS: u32 = 3;
const PER_PART: usize = 6;
/// In each part the first 4 rows are valid and the last 2 invalid.
const VALID_PER_PART: usize = 4;
const XSS: &str = "<img src=x onerror=alert(1)>";

/// Row `n` of the test import (0-based, batch order).
fn row(n: usize) -> Value {
    let note = if n == 7 {
        XSS.to_owned()
    } else {
        format!("note {n}")
    };
    let plan = ["team", "solo", "enterprise"][n % 3];
    json!({
        "email": format!("user{n}@example.com"),
        "plan": plan,
        "seats": (n * 7) % 25,
        "note": note,
    })
}

fn invalid(n: usize) -> bool {
    n % PER_PART >= VALID_PER_PART
}

fn body(index: u32) -> Vec<u8> {
    let first = (index as usize - 1) * PER_PART;
    let rows: Vec<Value> = (first..first + PER_PART).map(row).collect();
    let (valid, bad) = rows.split_at(VALID_PER_PART);
    sample::request_body(EVENT, BATCH, index, PARTS, json!(valid), json!(bad))
}

fn post(url: &str, index: u32) {
    let r = reqwest::blocking::Client::new()
        .post(url)
        .body(body(index))
        .send()
        .expect("post");
    assert_eq!(r.status(), 200, "part {index}: {:?}", r.text());
}

/// Data attributes of the counts line: (batch rows, rows in the view).
fn counts(d: &Desktop) -> (String, String) {
    let s = d.session();
    let read = |name| {
        s.attribute_of("[data-testid=\"row-counts\"]", name)
            .unwrap_or_default()
    };
    (read("data-total"), read("data-filtered"))
}

fn wait_filtered(d: &Desktop, n: usize) {
    let s = d.session();
    let want = ((PARTS as usize * PER_PART).to_string(), n.to_string());
    s.wait_seen(&format!("{n} rows in the view"), || {
        let seen = counts(d);
        if seen == want { Ok(()) } else { Err(seen) }
    });
}

/// Each rendered grid row: (row index, tinted invalid, status cell text).
fn rendered_rows(d: &Desktop) -> Vec<(u64, bool, String)> {
    let rows = d.session().script(
        r#"
        return [...document.querySelectorAll('[data-testid="grid"] .ag-row[row-index]')].map(r => {
          const status = r.querySelector('[col-id="_valid"]');
          return [Number(r.getAttribute('row-index')), r.classList.contains('row-invalid'),
                  status ? status.textContent : ''];
        });
        "#,
        json!([]),
    );
    serde_json::from_value(rows).expect("rows")
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_batch_arrives_live_and_is_reviewed_filtered_and_exported_in_the_window() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let report = |what: &str| format!("{what}\n{}", d.logs());

    // A new user sees what to do first.
    s.testid("welcome");
    let welcome = s.text_of("[data-testid=\"welcome\"]").unwrap_or_default();
    assert!(
        welcome.contains("Paste the webhook URL"),
        "{}",
        report(&welcome)
    );

    // Parts out of order, one twice; the batch shows while incomplete, then completes.
    let url = d.webhook_url();
    post(&url, 2);
    post(&url, 1);
    post(&url, 1);
    let item = format!("[data-testid=\"batch-item\"][data-event=\"{EVENT}\"]");
    let status = format!("{item} [data-testid=\"batch-status\"]");
    s.wait("the incomplete batch", || {
        (s.text_of(&status)? == "incomplete 2 of 3").then_some(())
    });
    post(&url, 3);
    let complete = format!("{item}[data-status=\"complete\"]");
    s.find(&complete);
    let entry = s.text_of(&complete).unwrap_or_default();
    assert!(entry.contains("12 valid"), "{entry}");
    assert!(entry.contains("6 invalid"), "{entry}");

    // Opening it shows every row; invalid rows are tinted and marked in the status column.
    s.click_on(&complete);
    wait_filtered(&d, 18);
    let rows = s.wait("18 rendered rows", || {
        let r = rendered_rows(&d);
        (r.len() == 18 && r.iter().all(|(_, _, st)| !st.is_empty())).then_some(r)
    });
    for (i, tinted, status) in &rows {
        let bad = invalid(*i as usize);
        assert_eq!(*tinted, bad, "row {i} tint");
        let expected = if bad { "✕ invalid" } else { "✓ valid" };
        assert_eq!(status, expected, "row {i} status");
    }
    let shots = hookgrid_tests::desktop::screenshots();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    d.screenshot(&shots.join("desktop-grid.png"));

    // The Invalid toggle, then a SQL filter; a broken filter is explained and changes nothing.
    s.click(&s.testid("rows-invalid"));
    wait_filtered(&d, 6);
    let sql = s.testid("sql-filter");
    s.type_text(&sql, "seats >\u{E007}");
    let error = s.wait("the filter error", || {
        let t = s.text_of("[data-testid=\"filter-error\"]")?;
        (!t.is_empty()).then_some(t)
    });
    assert!(error.contains("SQL"), "{error}");
    assert_eq!(counts(&d).1, "6", "a broken filter keeps the last view");
    s.clear(&sql);
    s.type_text(&sql, "seats > 10\u{E007}");
    let expected: Vec<usize> = (0..18)
        .filter(|&n| invalid(n) && row(n)["seats"].as_u64().unwrap_or(0) > 10)
        .collect();
    assert!(!expected.is_empty() && expected.len() < 6, "{expected:?}");
    wait_filtered(&d, expected.len());
    assert_eq!(
        s.text_of("[data-testid=\"filter-error\"]").as_deref(),
        Some("")
    );

    // Export the current view; the file read back holds exactly the view's rows.
    s.click(&s.testid("export-open"));
    let out = ws.path().join("view.csv");
    let path = s.testid("export-path");
    s.clear(&path);
    s.type_text(&path, &out.to_string_lossy());
    s.click(&s.testid("export-run"));
    let status = "[data-testid=\"export-status\"]";
    s.wait("the export", || {
        (s.attribute_of(status, "data-state")? == "done").then_some(())
    });
    assert_eq!(
        s.attribute_of(status, "data-rows"),
        Some(expected.len().to_string())
    );
    let said = s.text_of(status).unwrap_or_default();
    assert!(said.contains(&*out.to_string_lossy()), "{said}");
    // The app's CSV is for a person with a spreadsheet: it starts with a UTF-8 mark.
    let bytes = std::fs::read(&out).expect("the export");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let df = polars::prelude::CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(out.clone()))
        .and_then(polars::prelude::SerReader::finish)
        .expect("read the export back");
    let emails: Vec<Option<String>> = expected
        .iter()
        .map(|&n| Some(format!("user{n}@example.com")))
        .collect();
    assert_eq!(text(&df, "email"), emails);
    s.click(&s.testid("export-close"));

    // Reopened, the dialog starts afresh and counts each choice's rows; the same file again
    // is replaced only after the user says so.
    s.click(&s.testid("export-open"));
    assert_eq!(
        s.attribute_of(status, "data-state"),
        None,
        "no stale result"
    );
    let typed = s.script(
        "return document.querySelector('[data-testid=\"export-path\"]').value",
        serde_json::json!([]),
    );
    assert_eq!(typed, "", "no file carried over");
    let view_rows = s
        .text_of("[data-testid=\"export-rows-view\"]")
        .unwrap_or_default();
    assert!(
        view_rows.contains(&expected.len().to_string()),
        "{view_rows}"
    );
    s.type_text(&path, &out.to_string_lossy());
    s.click(&s.testid("export-scope-all"));
    s.click(&s.testid("export-run"));
    s.wait("the question", || {
        (s.attribute_of(status, "data-state")? == "exists").then_some(())
    });
    let asked = s.text_of(status).unwrap_or_default();
    assert!(asked.contains("already exists"), "{asked}");
    s.click(&s.testid("export-replace"));
    s.wait("the replacing export", || {
        (s.attribute_of(status, "data-state")? == "done").then_some(())
    });
    assert_eq!(s.attribute_of(status, "data-rows").as_deref(), Some("18"));
    s.click(&s.testid("export-close"));

    // A cell holding markup is shown as text, and nothing in it runs.
    s.click(&s.testid("rows-all"));
    s.clear(&sql);
    s.type_text(&sql, "\u{E00C}");
    s.type_text(&s.testid("search"), "onerror");
    wait_filtered(&d, 1);
    let cell = s.wait("the note cell", || {
        let t = s.text_of("[data-testid=\"grid\"] .ag-row[row-index=\"0\"] [col-id=\"note\"]")?;
        (!t.is_empty()).then_some(t)
    });
    assert_eq!(cell, XSS);
    let images = s.script(
        "return document.querySelectorAll('[data-testid=\"grid\"] img').length",
        json!([]),
    );
    assert_eq!(images, json!(0));
    // The page's CSP refuses inline script outright.
    let inline = s.script(
        "const el = document.createElement('script'); el.textContent = 'window.__inlineRan = true'; \
         document.head.append(el); return window.__inlineRan === true",
        json!([]),
    );
    assert_eq!(
        inline,
        json!(false),
        "inline script ran: the CSP is not in force"
    );

    // Sorting by a header click.
    s.clear(&s.testid("search"));
    s.type_text(&s.testid("search"), "example.com");
    wait_filtered(&d, 18);
    s.click_on(".ag-header-cell[col-id=\"seats\"] .ag-header-cell-label");
    let lowest = (0..18).map(|n| row(n)["seats"].as_u64().unwrap_or(0)).min();
    s.wait("rows sorted by seats", || {
        let first = s.script(
            "const c = document.querySelector('[data-testid=\"grid\"] .ag-row[row-index=\"0\"] [col-id=\"seats\"]'); return c ? c.textContent : null",
            json!([]),
        );
        (first.as_str().and_then(|t| t.parse::<u64>().ok()) == lowest).then_some(())
    });

    // A second launch does not start a second app: it hands over to this one and exits.
    let second = d.launch_second();
    assert!(second.success(), "second instance: {second}");
    let health = reqwest::blocking::get(format!("http://127.0.0.1:{}/healthz", d.port))
        .expect("the first app still answers");
    assert!(health.status().is_success());

    // Deleting the import asks first, then it is gone from the list and from the data dir.
    s.click(&s.testid("delete-batch"));
    s.click(&s.testid("confirm-ok"));
    s.wait("the import to leave the list", || {
        s.all(&item).is_empty().then_some(())
    });
    s.testid("welcome");

    // SIGTERM (a logout, `kill`) ends the app as closing it does: the listener finishes and
    // lets go of its port.
    let pid = d.app_pid().expect("the app's process");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    s.wait("the app to exit", || {
        (!std::path::Path::new(&format!("/proc/{pid}")).exists()).then_some(())
    });
    assert!(d.logs().contains("listener stopped"), "{}", d.logs());
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", d.port)).is_ok(),
        "the port is free again"
    );
    let hookgrid = hookgrid::Hookgrid::open(ws.data_dir()).expect("open the data dir");
    assert!(
        hookgrid.batches().expect("batches").is_empty(),
        "deleted for good"
    );
    assert_eq!(hookgrid.integrity_check().expect("check"), Ok(()));
    let files = std::fs::read_dir(ws.data_dir().join("batches")).expect("batches dir");
    assert_eq!(files.count(), 0, "its file is gone");
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_data_dir_that_cannot_be_used_is_explained_in_a_message_box() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    // A data dir below a plain file can never be created, whoever runs the app.
    std::fs::write(ws.path().join("a-file"), "").expect("file");
    let data_dir = ws.path().join("a-file").join("data");
    let screen = Desktop::screen(&ws);
    let mut app = screen.start_app(&data_dir);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !screen.window_titles().contains("Hookgrid cannot start") {
        assert!(
            std::time::Instant::now() < deadline,
            "no message box\n{}\n{}",
            screen.window_titles(),
            screen.logs()
        );
        assert!(
            app.try_wait().expect("wait").is_none(),
            "the app exited without saying why\n{}",
            screen.logs()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(screen.logs().contains("cannot open the data dir"));
    let _ = app.kill();
    let _ = app.wait();
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_real_shaped_delivery_shows_who_sent_it_its_details_and_sorts_by_number() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let url = d.webhook_url();
    // Two parts counting from 0, every cell text; as text "100" < "9", as numbers 9 < 100.
    // Prices are money (two decimals each), which no float prints back: as text
    // "999969.37" > "2815711.30", as numbers the other way round.
    let heights = [["100", "9"], ["20", ""]];
    let prices = [["2815711.30", "4.90"], ["999969.37", "-0.05"]];
    for index in [1u32, 0] {
        let [a, b] = heights[index as usize];
        let [p, q] = prices[index as usize];
        let body = sample::delivery_body(
            "evt-real",
            "batch-real",
            index,
            2,
            json!([{"name": format!("Rack {index}"), "height_cm": a, "price": p}]),
            json!([{"name": "", "height_cm": b, "price": q}]),
        );
        let r = reqwest::blocking::Client::new()
            .post(&url)
            .body(body)
            .send()
            .expect("post");
        assert_eq!(r.status(), 200);
    }
    let item = "[data-testid=\"batch-item\"][data-event=\"evt-real\"][data-status=\"complete\"]";
    s.find(item);
    let who = s
        .text_of(&format!("{item} [data-testid=\"batch-customer\"]"))
        .unwrap_or_default();
    assert_eq!(who, "ops-7 · Acme GmbH", "{}", d.logs());
    assert_eq!(
        s.text_of(&format!("{item} [data-testid=\"batch-rows\"]"))
            .as_deref(),
        Some("4 rows")
    );
    // The list's search finds it by its customer, and a search for nothing hides it.
    let search = s.testid("batch-search");
    s.type_text(&search, "nobody-at-all");
    s.wait("the list to empty", || s.all(item).is_empty().then_some(()));
    s.clear(&search);
    s.type_text(&search, "acme");
    s.find(item);

    s.click_on(item);
    s.click(&s.testid("details-toggle"));
    let status = s.wait("the details", || {
        let t = s.text_of("[data-testid=\"details-status\"]")?;
        (!t.is_empty()).then_some(t)
    });
    assert_eq!(status, "complete: all 2 parts arrived");
    let details = s
        .text_of("[data-testid=\"import-details\"]")
        .unwrap_or_default();
    assert!(details.contains("counts from 0"), "{details}");
    let tenant = s
        .text_of("[data-testid=\"details-customer-name\"]")
        .unwrap_or_default();
    assert!(tenant.contains("\"tenant\": \"acme-eu\""), "{tenant}");
    assert_eq!(s.all("[data-testid=\"details-part\"]").len(), 2);
    let shots = hookgrid_tests::desktop::screenshots();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    d.screenshot(&shots.join("desktop-details.png"));
    // At the window's smallest size (tauri.conf.json: 900 × 560) the details still fit
    // their panel: it scrolls rather than pushing the grid off the window.
    let grid_top = smallest_window_grid_top(&d);
    assert!(
        grid_top < 560.0,
        "the grid starts below the window: {grid_top}"
    );
    // Every header button is whole on screen, and each count stays on one line.
    let fits = s.script(
        "return [...document.querySelectorAll('.import-header .actions button')].map(b => b.getBoundingClientRect().right <= window.innerWidth)",
        json!([]),
    );
    assert_eq!(
        fits,
        json!([true, true, true]),
        "a header button is cut off"
    );
    let lines = s.script(
        "return [...document.querySelectorAll('.import-title .meta > span')].map(e => e.getClientRects().length)",
        json!([]),
    );
    assert!(
        lines.as_array().is_some_and(|l| l.iter().all(|n| n == 1)),
        "a count wraps inside itself: {lines}"
    );
    let tops = s.script(
        "return ['valid-count', 'invalid-count'].map(c => document.querySelector(`.import-title .${c}`).getBoundingClientRect().top)",
        json!([]),
    );
    assert_eq!(tops[0], tops[1], "the valid and invalid counts are split");
    d.screenshot(&shots.join("desktop-details-min.png"));
    s.set_window_size(1440, 900);
    s.click(&s.testid("details-toggle"));

    // A header click sorts the text column as numbers: 9, 20, 100, then the empty cell.
    s.click_on(".ag-header-cell[col-id=\"height_cm\"] .ag-header-cell-label");
    s.wait("rows sorted by height as numbers", || {
        let cells = s.script(
            "return [0, 1, 2].map(i => { const c = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${i}\"] [col-id=\"height_cm\"]`); return c ? c.textContent : null; })",
            json!([]),
        );
        (cells == json!(["9", "20", "100"])).then_some(())
    });

    // Money sorts as numbers too, shows every decimal it was sent with, and is aligned as a
    // number.
    s.click_on(".ag-header-cell[col-id=\"price\"] .ag-header-cell-label");
    let price_cells = "return [0, 1, 2, 3].map(i => { const c = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${i}\"] [col-id=\"price\"]`); return c ? [c.textContent, c.classList.contains('ag-right-aligned-cell')] : null; })";
    s.wait("rows sorted by price as numbers", || {
        let cells = s.script(price_cells, json!([]));
        (cells
            == json!([
                ["-0.05", true],
                ["4.90", true],
                ["999969.37", true],
                ["2815711.30", true]
            ]))
        .then_some(())
    });
    d.screenshot(&shots.join("desktop-money.png"));
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_flatfile_workbook_shows_flatfile_s_own_messages_in_the_strip_and_on_hover() {
    use hookgrid::sample::{cell, record, sheet, workbook};
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let contacts = sheet(
        "us_sh_contacts",
        "Contacts",
        Some("us_vr_1"),
        &[("email", "E-mail", "string"), ("plan", "Plan", "enum")],
        vec![
            record(
                "us_rc_a",
                json!({"email": cell(json!("ann@acme.example"), &[]),
                       "plan": cell(json!("team"), &[])}),
            ),
            record(
                "us_rc_b",
                json!({"email": cell(json!("bob@"), &[("error", "Invalid email")]),
                       "plan": cell(json!("free"), &[("warn", "Free plans expire")])}),
            ),
        ],
    );
    let r = reqwest::blocking::Client::new()
        .post(d.webhook_url())
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&workbook(vec![contacts])).expect("json"))
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().expect("json body"), json!({}));
    let item = "[data-testid=\"batch-item\"][data-event=\"us_sh_contacts:us_vr_1\"][data-status=\"complete\"]";
    let who = s.wait("the sheet listed with its workbook", || {
        s.text_of(&format!("{item} [data-testid=\"batch-customer\"]"))
    });
    assert_eq!(who, "Q4 contacts · us_sp_Hn3x · us_env_Tq81");
    s.click_on(item);
    // No configuration: Flatfile's own messages are the reasons.
    let lines = s.wait("Flatfile's reasons", || {
        let lines = s.texts_of("[data-testid=\"errors-line\"]");
        (lines.len() == 3).then_some(lines)
    });
    assert_eq!(
        lines,
        [
            "1All rows with errors",
            "1E-mail · Invalid emailFlatfile",
            "1Plan · Free plans expireFlatfile"
        ]
    );
    assert_eq!(
        s.text_of("[data-testid=\"errors-config\"]").as_deref(),
        Some(" · Flatfile's own messages")
    );
    // The header is the field's label; the error is red, the warning amber.
    let header = s.wait("the E-mail header", || {
        s.text_of(".ag-header-cell[col-id=\"email\"] .ag-header-cell-text")
    });
    // (The header's menu button follows its text.)
    assert!(
        header.starts_with("E-mail") && !header.contains("email"),
        "{header}"
    );
    let marked = |row: u32, col: &str| {
        s.script(
            "const c = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${arguments[0]}\"] [col-id=\"${arguments[1]}\"]`); return c ? [c.classList.contains('cell-error'), c.classList.contains('cell-warn'), c.textContent] : null;",
            json!([row, col]),
        )
    };
    s.wait("the marked cells", || {
        (marked(1, "email") == json!([true, false, "bob@"])).then_some(())
    });
    assert_eq!(marked(1, "plan"), json!([false, true, "free"]));
    assert_eq!(
        marked(0, "email"),
        json!([false, false, "ann@acme.example"])
    );
    // Flatfile's message shows on hover.
    s.script(
        "const c = document.querySelector('[data-testid=\"grid\"] .ag-row[row-index=\"1\"] [col-id=\"email\"]'); for (const t of ['mouseover', 'mouseenter', 'mousemove']) c.dispatchEvent(new MouseEvent(t, {bubbles: true}));",
        json!([]),
    );
    let tip = s.wait("the cell's message", || {
        s.text_of(".ag-tooltip").filter(|t| !t.is_empty())
    });
    assert_eq!(tip, "Invalid email (Flatfile)");
    let shots = hookgrid_tests::desktop::screenshots();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    d.screenshot(&shots.join("desktop-workbook.png"));
    // At the window's smallest size the sheet's reasons still leave the grid on screen.
    let grid_top = smallest_window_grid_top(&d);
    assert!(grid_top < 400.0, "the grid starts too low: {grid_top}");
    d.screenshot(&shots.join("desktop-workbook-min.png"));
    s.set_window_size(1440, 900);
    // The error line narrows the grid to the row it explains.
    s.click(&s.all("[data-testid=\"errors-line\"]")[1]);
    s.wait("the row with Flatfile's error", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("1 of 2 rows match"))
            .then_some(())
    });
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn an_importer_configuration_explains_the_invalid_rows_in_the_grid() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let body = sample::delivery_body(
        "evt-why",
        "batch-why",
        0,
        1,
        json!([{"email": "a@x.io", "plan": "free"}]),
        json!([
            {"email": "not-an-email", "plan": "team"},
            {"email": "b@x.io", "plan": "gold"}
        ]),
    );
    let r = reqwest::blocking::Client::new()
        .post(d.webhook_url())
        .body(body)
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    let item = "[data-testid=\"batch-item\"][data-event=\"evt-why\"][data-status=\"complete\"]";
    s.click_on(item);
    // No configuration yet: the import says how to get reasons, and leads to the place.
    s.find("[data-testid=\"errors-none\"]");
    s.click(&s.testid("errors-attach"));
    s.find("[data-testid=\"schemas-view\"]");
    s.type_text(&s.testid("config-name"), "contacts");
    let config = json!({"type": "Contacts", "fields": [
        {"key": "email", "label": "Email", "validators": [
            {"validate": "regex_matches", "regex": "^[^@]+@[^@]+\\.[a-z]+$",
             "error": "Must be a valid email address"}]},
        {"key": "plan", "label": "Plan", "type": "select",
         "options": [{"value": "free", "label": "Free"}, {"value": "team", "label": "Team"}]}
    ]});
    s.type_text(&s.testid("config-body"), &config.to_string());
    s.click(&s.testid("config-save"));
    let saved = s.wait("the configuration saved", || {
        s.text_of("[data-testid=\"config-status\"]")
            .filter(|t| !t.is_empty())
    });
    assert_eq!(
        saved,
        "Saved “contacts”: 2 fields, 2 validators.",
        "{}",
        d.logs()
    );
    let listed = s.text_of("[data-testid=\"config\"]").unwrap_or_default();
    assert!(listed.contains("contacts · every import"), "{listed}");
    // The list tells the import apart by its columns and the configuration that explains it.
    let entry = |testid: &str| s.text_of(&format!("{item} [data-testid=\"{testid}\"]"));
    s.wait("the configuration named in the list", || {
        (entry("batch-config").as_deref() == Some("contacts")).then_some(())
    });
    assert_eq!(entry("batch-columns").as_deref(), Some("email, plan"));
    let shots = hookgrid_tests::desktop::screenshots();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    d.screenshot(&shots.join("desktop-schemas.png"));

    s.click_on(item);
    let lines = s.wait("the reasons", || {
        let lines = s.texts_of("[data-testid=\"errors-line\"]");
        (lines.len() == 3).then_some(lines)
    });
    assert_eq!(
        lines,
        [
            "2All rows with errors",
            "1Email · Must be a valid email address",
            "1Plan · Not one of the options: free, team"
        ]
    );
    // The failing cells are red, and the Errors column names them.
    let marked = |row: u32, col: &str| {
        s.script(
            "const c = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${arguments[0]}\"] [col-id=\"${arguments[1]}\"]`); return c ? [c.classList.contains('cell-error'), c.textContent] : null;",
            json!([row, col]),
        )
    };
    s.wait("the marked cells", || {
        (marked(1, "email") == json!([true, "not-an-email"])).then_some(())
    });
    assert_eq!(marked(0, "email"), json!([false, "a@x.io"]));
    assert_eq!(marked(2, "plan"), json!([true, "gold"]));
    assert_eq!(marked(2, "_errors"), json!([false, "plan"]));
    // Its message shows on hover.
    s.script(
        "const c = document.querySelector('[data-testid=\"grid\"] .ag-row[row-index=\"1\"] [col-id=\"email\"]'); for (const t of ['mouseover', 'mouseenter', 'mousemove']) c.dispatchEvent(new MouseEvent(t, {bubbles: true}));",
        json!([]),
    );
    let tip = s.wait("the cell's message", || {
        s.text_of(".ag-tooltip").filter(|t| !t.is_empty())
    });
    assert_eq!(tip, "Must be a valid email address");
    // Clicking a row says why it is invalid, cell by cell.
    s.click_on("[data-testid=\"grid\"] .ag-row[row-index=\"2\"] [col-id=\"plan\"]");
    let why = s.wait("the row's reasons", || {
        s.text_of("[data-testid=\"row-errors\"]")
            .filter(|t| !t.is_empty())
    });
    assert_eq!(why, "Row 3: plan Not one of the options: free, team");
    d.screenshot(&shots.join("desktop-errors.png"));
    // At the window's smallest size the reasons still leave the grid on screen.
    let grid_top = smallest_window_grid_top(&d);
    assert!(grid_top < 400.0, "the grid starts too low: {grid_top}");
    d.screenshot(&shots.join("desktop-errors-min.png"));
    s.set_window_size(1440, 900);

    // A summary line narrows the grid to the rows it flags.
    s.click(&s.all("[data-testid=\"errors-line\"]")[2]);
    s.wait("the rows with a bad plan", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("1 of 3 rows match"))
            .then_some(())
    });
    // The count comes with the first block; the grid draws it a moment later.
    s.wait("the row with a bad plan drawn first", || {
        (marked(0, "plan") == json!([true, "gold"])).then_some(())
    });
    s.click(&s.testid("errors-clear"));
    s.wait("every row again", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("3 rows")).then_some(())
    });
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_reviewer_sets_where_an_import_stands_and_the_list_and_details_follow() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let body = sample::delivery_body(
        "evt-review",
        "batch-review",
        0,
        1,
        json!([{"sku": "A-1"}, {"sku": "B-2"}]),
        json!([]),
    );
    let r = reqwest::blocking::Client::new()
        .post(d.webhook_url())
        .body(body)
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    let item = "[data-testid=\"batch-item\"][data-event=\"evt-review\"][data-status=\"complete\"]";
    s.click_on(item);
    // Nobody has decided yet: the menu says New, and the list says nothing about it.
    s.wait("the review menu", || {
        let value = s.script(
            "return document.querySelector('[data-testid=\"review-status\"]')?.value ?? null",
            json!([]),
        );
        (value == json!("new")).then_some(())
    });
    assert!(
        s.all(&format!("{item} [data-testid=\"batch-review\"]"))
            .is_empty()
    );

    s.choose("[data-testid=\"review-status\"]", "in_review");
    let tag = format!("{item} [data-testid=\"batch-review\"]");
    let taken = s.wait("the list saying who holds it", || s.text_of(&tag));
    assert!(taken.starts_with("In review by "), "{taken}");
    let who = s
        .text_of("[data-testid=\"review-who\"]")
        .unwrap_or_default();
    assert_eq!(who, taken, "the header and the list agree");

    // A note, kept with the status.
    s.click(&s.testid("review-note-open"));
    s.type_text(&s.testid("review-note"), "row 812 has the wrong country");
    s.click(&s.testid("review-note-save"));
    let shown = s.wait("the note in the header", || {
        s.text_of("[data-testid=\"review-note-shown\"]")
    });
    assert_eq!(shown, "row 812 has the wrong country");
    s.choose("[data-testid=\"review-status\"]", "approved");
    s.wait("the list following", || {
        s.text_of(&tag).filter(|t| t.starts_with("Approved by "))
    });

    // Details keep the history, oldest first.
    s.click(&s.testid("details-toggle"));
    let history = s.wait("the review history", || {
        let rows = s.texts_of("[data-testid=\"details-review\"]");
        (rows.len() == 3).then_some(rows)
    });
    assert!(history[0].starts_with("In review"), "{history:?}");
    assert!(
        history[1].contains("row 812 has the wrong country"),
        "{history:?}"
    );
    assert!(history[2].starts_with("Approved"), "{history:?}");
    let shots = hookgrid_tests::desktop::screenshots();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    d.screenshot(&shots.join("desktop-review.png"));
    // At the window's smallest size the review controls stay on screen.
    s.resize_page(900, 560);
    let right = s.script(
        "return document.querySelector('[data-testid=\"review-status\"]').getBoundingClientRect().right <= window.innerWidth",
        json!([]),
    );
    assert_eq!(right, json!(true));
    d.screenshot(&shots.join("desktop-review-min.png"));
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_reviewer_flags_a_row_with_a_note_and_narrows_the_grid_to_flagged_rows() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let body = sample::delivery_body(
        "evt-flags",
        "batch-flags",
        0,
        1,
        json!([{"country": "DE"}, {"country": "Germany "}, {"country": "FR"}, {"country": "IT"}]),
        json!([]),
    );
    let r = reqwest::blocking::Client::new()
        .post(d.webhook_url())
        .body(body)
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    s.click(
        &s.find("[data-testid=\"batch-item\"][data-event=\"evt-flags\"][data-status=\"complete\"]"),
    );
    s.wait("the import's 4 rows", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("4 rows")).then_some(())
    });
    s.wait("row 2 drawn", || (cell(&d, 1, "#")? == "2").then_some(()));

    // The row's menu flags it, with a note asked for in the app's dialog.
    s.pointer_click(&cell_element(&d, 1, "country"), 2, 1, None);
    s.click(&s.testid("menu-flag"));
    s.type_text(&s.testid("ask-input"), "ask the customer which country");
    s.click(&s.testid("ask-ok"));
    s.wait("the flag on the row's number", || {
        (cell(&d, 1, "#")? == "⚑ 2").then_some(())
    });
    assert_eq!(
        cell(&d, 0, "#").as_deref(),
        Some("1"),
        "only the flagged row"
    );
    let said = s
        .text_of("[data-testid=\"copy-status\"]")
        .unwrap_or_default();
    assert_eq!(said, "⚑ Flagged 1 row");

    // Only the flagged rows.
    s.click(&s.testid("show-flagged"));
    s.wait("the flagged rows only", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("1 of 4 rows match"))
            .then_some(())
    });
    s.wait("the flagged row drawn", || {
        (cell(&d, 0, "country")? == "Germany ").then_some(())
    });
    // Its details carry the note and who flagged it.
    s.pointer_click(&cell_element(&d, 0, "country"), 2, 1, None);
    s.click(&s.testid("menu-details"));
    let flag = s.wait("the flag in row details", || {
        s.text_of("[data-testid=\"row-panel-flag\"]")
    });
    assert!(
        flag.starts_with("⚑ ask the customer which country (flagged by "),
        "{flag}"
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-flags.png"));
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_reviewer_corrects_a_red_cell_until_it_is_valid_and_can_revert_it() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    let body = sample::delivery_body(
        "evt-fix",
        "batch-fix",
        0,
        1,
        json!([{"code": "abc"}]),
        json!([{"code": "AB-1"}]),
    );
    let r = reqwest::blocking::Client::new()
        .post(d.webhook_url())
        .body(body)
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    let item = "[data-testid=\"batch-item\"][data-event=\"evt-fix\"][data-status=\"complete\"]";
    s.click_on(item);
    s.click(&s.testid("errors-attach"));
    s.find("[data-testid=\"schemas-view\"]");
    s.type_text(&s.testid("config-name"), "codes");
    let config = json!({"fields": [{"key": "code", "validators": [
        {"validate": "regex_matches", "regex": "^[a-z]+$", "error": "Lower-case letters only"}]}]});
    s.type_text(&s.testid("config-body"), &config.to_string());
    s.click(&s.testid("config-save"));
    s.wait("the configuration saved", || {
        s.text_of("[data-testid=\"config-status\"]")
            .filter(|t| t.starts_with("Saved"))
    });
    s.click_on(item);
    let marked = |row: u32| {
        s.script(
            "const c = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${arguments[0]}\"] [col-id=\"code\"]`); return c ? [c.classList.contains('cell-error'), c.classList.contains('cell-corrected'), c.textContent] : null;",
            json!([row]),
        )
    };
    s.wait("the red cell", || {
        (marked(1) == json!([true, false, "AB-1"])).then_some(())
    });

    // Corrected from its menu: the row is checked again and the cell is no longer red.
    s.pointer_click(&cell_element(&d, 1, "code"), 2, 1, None);
    s.click(&s.testid("menu-correct"));
    let input = s.testid("ask-input");
    s.clear(&input);
    s.type_text(&input, "ab");
    s.click(&s.testid("ask-ok"));
    s.wait("the corrected cell, valid now", || {
        (marked(1) == json!([false, true, "ab"])).then_some(())
    });
    let said = s
        .text_of("[data-testid=\"copy-status\"]")
        .unwrap_or_default();
    assert_eq!(said, "✓ Corrected code in row 2");
    s.wait("the count of corrected cells", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("2 rows · 1 corrected cell"))
            .then_some(())
    });
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-corrected.png"));

    // Reverted: what was sent, red again.
    s.pointer_click(&cell_element(&d, 1, "code"), 2, 1, None);
    s.click(&s.testid("menu-revert"));
    s.wait("the cell as sent again", || {
        (marked(1) == json!([true, false, "AB-1"])).then_some(())
    });

    // Find and replace from the column's tools: counted first, then applied as corrections.
    s.click_on("[data-testid=\"column-menu\"][data-column=\"code\"]");
    s.click(&s.testid("column-replace"));
    s.type_text(&s.testid("replace-find"), "-1");
    let counted = s.wait("the count", || {
        s.text_of("[data-testid=\"replace-count\"]")
            .filter(|t| t.ends_with("will change."))
    });
    assert_eq!(counted, "1 cell will change.");
    s.click(&s.testid("replace-ok"));
    s.wait("the cell replaced", || {
        (marked(1) == json!([true, true, "AB"])).then_some(())
    });
    assert_eq!(
        marked(0),
        json!([false, false, "abc"]),
        "only the cell that held the text"
    );

    // Row details correct a field too.
    s.pointer_click(&cell_element(&d, 0, "code"), 2, 1, None);
    s.click(&s.testid("menu-details"));
    s.click_on("[data-testid=\"row-panel-edit\"][data-column=\"code\"]");
    let input = s.testid("ask-input");
    s.clear(&input);
    s.type_text(&input, "xyz");
    s.click(&s.testid("ask-ok"));
    s.wait("the field corrected from row details", || {
        (marked(0) == json!([false, true, "xyz"])).then_some(())
    });
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_click_never_moves_the_grid_so_each_pick_is_the_row_that_was_under_the_pointer() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    // A configuration for every import, added with the CLI before the app starts.
    let config = ws.path().join("contacts.json");
    let fields = json!({"type": "Contacts", "fields": [
        {"key": "email", "label": "Email", "validators": [
            {"validate": "regex_matches", "regex": "^[^@]+@[^@]+$",
             "error": "Must be an email address"}]},
        {"key": "name", "label": "Name"}
    ]});
    std::fs::write(&config, fields.to_string()).expect("write the configuration");
    let added = std::process::Command::new(hookgrid_cli())
        .env("HOOKGRID_DATA_DIR", ws.data_dir())
        .arg("schema")
        .arg("add")
        .arg(&config)
        .arg("--default")
        .output()
        .expect("hookgrid schema add");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let d = Desktop::launch(&ws);
    let s = d.session();
    // 40 rows; every third email (rows 2, 5, 8, …) breaks the configuration.
    let rows: Vec<Value> = (1..=40)
        .map(|n| {
            let email = if n % 3 == 2 {
                format!("broken-{n}")
            } else {
                format!("user{n}@x.io")
            };
            json!({"email": email, "name": format!("Person {n}"),
                   "annual_recurring_revenue_in_euros_before_tax": format!("{}", n * 7 % 40)})
        })
        .collect();
    let body = sample::delivery_body("evt-jump", "batch-jump", 0, 1, json!(rows), json!([]));
    let r = reqwest::blocking::Client::new()
        .post(d.webhook_url())
        .body(body)
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    s.click_on("[data-testid=\"batch-item\"][data-event=\"evt-jump\"][data-status=\"complete\"]");
    let marked = |row: usize| {
        s.script(
            "const c = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${arguments[0]}\"] [col-id=\"email\"]`); return c ? c.classList.contains('cell-error') : null;",
            json!([row]),
        )
    };
    s.wait("the rows explained", || {
        (marked(1) == json!(true)).then_some(())
    });
    assert_eq!(marked(0), json!(false));

    // Where each of the first ten rows is on screen before any click: the test clicks there.
    let centre = |row: usize| -> (f64, f64) {
        let at = s.script(
            "const r = document.querySelector(`[data-testid=\"grid\"] .ag-row[row-index=\"${arguments[0]}\"] [col-id=\"email\"]`).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];",
            json!([row]),
        );
        (at[0].as_f64().expect("x"), at[1].as_f64().expect("y"))
    };
    let at: Vec<(f64, f64)> = (0..10).map(centre).collect();
    let grid_top = || {
        s.script(
            "return document.querySelector('[data-testid=\"grid\"]').getBoundingClientRect().top",
            json!([]),
        )
        .as_f64()
        .expect("the grid's top")
    };
    let top = grid_top();
    let picked = || {
        let rows = s.script(
            "return [...new Set([...document.querySelectorAll('[data-testid=\"grid\"] .ag-cell.cell-selected')].map(c => Number(c.closest('.ag-row').getAttribute('row-index'))))].sort((a, b) => a - b)",
            json!([]),
        );
        serde_json::from_value::<Vec<usize>>(rows).expect("row indexes")
    };
    let strip = || {
        s.text_of("[data-testid=\"row-errors\"]")
            .unwrap_or_default()
    };
    let click = |row: usize, clicks: usize, modifier: Option<&str>| {
        s.pointer_click_at(at[row].0, at[row].1, 0, clicks, modifier)
    };

    // A row with errors says why beside the counts; the grid stays where it was.
    click(1, 1, None);
    s.wait("the row's reasons", || {
        (strip() == "Row 2: email Must be an email address").then_some(())
    });
    assert_eq!(picked(), [1]);
    assert_eq!(
        grid_top(),
        top,
        "the grid moved when a row with errors was clicked"
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-row-reasons.png"));
    // A clean row clears them, and the grid still stays.
    click(3, 1, None);
    s.wait("the clean row picked, without reasons", || {
        (picked() == [3] && strip().is_empty()).then_some(())
    });
    assert_eq!(
        grid_top(),
        top,
        "the grid moved when a clean row was clicked"
    );

    // A double-click on a row with errors opens that row, not the one above it.
    click(7, 2, None);
    s.wait("row details", || {
        (s.text_of("[data-testid=\"row-panel-title\"]")? == "Row 8").then_some(())
    });
    assert_eq!(grid_top(), top);
    s.click(&s.testid("row-panel-close"));

    // A click on a row with errors, then a Shift+click: the range between the two.
    click(1, 1, None);
    s.wait("the first row of the range", || {
        (picked() == [1]).then_some(())
    });
    click(9, 1, Some("\u{E008}"));
    s.wait("the range", || {
        (picked() == (1..=9).collect::<Vec<_>>()).then_some(())
    });
    assert_eq!(grid_top(), top);

    // Another view puts other rows under the pointer: the reasons of the row clicked go.
    click(4, 1, None);
    s.wait("the row's reasons", || {
        (strip() == "Row 5: email Must be an email address").then_some(())
    });
    s.type_text(&s.testid("search"), "broken");
    s.wait("the rows searched for", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("13 of 40 rows match"))
            .then_some(())
    });
    assert_eq!(strip(), "", "the reasons of a row no longer there stayed");

    // A sorted column whose name fills its header keeps its ▾ within reach.
    let long = "annual_recurring_revenue_in_euros_before_tax";
    s.click_on(&format!(
        ".ag-header-cell[col-id=\"{long}\"] .ag-header-cell-label"
    ));
    s.wait("the long column sorted", || {
        (s.attribute_of(&format!(".ag-header-cell[col-id=\"{long}\"]"), "aria-sort")?
            == "ascending")
            .then_some(())
    });
    let reachable = s.script(
        "const b = document.querySelector(`.ag-header-cell[col-id=\"${arguments[0]}\"] [data-testid=\"column-menu\"]`); const r = b.getBoundingClientRect(); const c = b.closest('.ag-header-cell').getBoundingClientRect(); const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return [r.width > 0 && r.left >= c.left && r.right <= c.right, at === b || b.contains(at)];",
        json!([long]),
    );
    assert_eq!(
        reachable,
        json!([true, true]),
        "the ▾ of a sorted column is cut off"
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-sorted-header.png"));

    // Another page and back: the import is as it was left, its search and sort.
    s.click(&s.testid("nav-rejected"));
    s.find("[data-testid=\"rejected-view\"]");
    s.click_on("[data-testid=\"batch-item\"][data-event=\"evt-jump\"]");
    s.wait("the import as it was left", || {
        (s.text_of("[data-testid=\"row-counts\"]").as_deref() == Some("13 of 40 rows match")
            && s.attribute_of(&format!(".ag-header-cell[col-id=\"{long}\"]"), "aria-sort")?
                == "ascending")
            .then_some(())
    });
    assert_eq!(
        s.script(
            "return document.querySelector('[data-testid=\"search\"]').value",
            json!([])
        ),
        json!("broken")
    );

    // The smallest window and a laptop's: nothing scrolls sideways, the header's actions
    // are on screen, the grid shows more than one data column, and a double-click opens
    // the row.
    for (width, height) in [(900, 560), (1280, 800)] {
        s.resize_page(width, height);
        let fits = s.script(
            "const w = window.innerWidth; const right = (id) => document.querySelector(`[data-testid=\"${id}\"]`).getBoundingClientRect().right; const data = [...document.querySelectorAll('[data-testid=\"grid\"] .ag-header-cell')].filter(c => !['#', '_valid', '_errors'].includes(c.getAttribute('col-id')) && c.getBoundingClientRect().right <= w && c.getBoundingClientRect().width > 30).length; return [document.documentElement.scrollWidth <= w, right('delete-batch') <= w, right('details-toggle') <= w, data];",
            json!([]),
        );
        let fits: (bool, bool, bool, u64) = serde_json::from_value(fits).expect("fits");
        assert!(fits.0 && fits.1 && fits.2, "at {width} px: {fits:?}");
        assert!(
            fits.3 >= 2,
            "at {width} px the grid shows {} data column(s)",
            fits.3
        );
        let first = centre(0);
        s.pointer_click_at(first.0, first.1, 0, 2, None);
        s.wait(&format!("row details at {width} px"), || {
            s.text_of("[data-testid=\"row-panel-title\"]")?
                .starts_with("Row ")
                .then_some(())
        });
        assert_eq!(
            s.attribute_of("[data-testid=\"row-panel\"]", "hidden"),
            None,
            "row details open at {width} px"
        );
        d.screenshot(&hookgrid_tests::desktop::screenshots().join(format!("desktop-{width}.png")));
        s.click(&s.testid("row-panel-close"));
    }
    s.set_window_size(1440, 900);
}

/// The app with the three-part test import posted and opened in the grid.
fn open_test_import() -> (Workspace, Desktop) {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let url = d.webhook_url();
    for index in 1..=PARTS {
        post(&url, index);
    }
    let s = d.session();
    let complete =
        format!("[data-testid=\"batch-item\"][data-event=\"{EVENT}\"][data-status=\"complete\"]");
    s.click_on(&complete);
    wait_filtered(&d, (PARTS as usize) * PER_PART);
    (ws, d)
}

/// Shrinks the window to its smallest size (tauri.conf.json: 900 × 560); returns where the
/// grid starts, in pixels from the top.
fn smallest_window_grid_top(d: &Desktop) -> f64 {
    let s = d.session();
    s.resize_page(900, 560);
    let top = s.script(
        "return document.querySelector('[data-testid=\"grid\"]').getBoundingClientRect().top",
        json!([]),
    );
    top.as_f64().unwrap_or_else(|| panic!("no grid: {top}"))
}

/// The text of the grid cell at a row index of the view and a column id.
fn cell(d: &Desktop, index: usize, column: &str) -> Option<String> {
    d.session().text_of(&format!(
        "[data-testid=\"grid\"] .ag-row[row-index=\"{index}\"] [col-id=\"{column}\"]"
    ))
}

fn cell_element(d: &Desktop, index: usize, column: &str) -> hookgrid_tests::webdriver::Element {
    d.session().find(&format!(
        "[data-testid=\"grid\"] .ag-row[row-index=\"{index}\"] [col-id=\"{column}\"]"
    ))
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_reviewer_numbers_picks_copies_and_reads_rows_in_the_grid() {
    let (_ws, d) = open_test_import();
    let s = d.session();
    let url = d.webhook_url();

    // Row numbers are the import's own order, kept under a sort.
    s.wait("row numbers", || (cell(&d, 0, "#")? == "1").then_some(()));
    s.click_on(".ag-header-cell[col-id=\"email\"] .ag-header-cell-label");
    s.click_on(".ag-header-cell[col-id=\"email\"] .ag-header-cell-label");
    // Descending by email: user9 is the first row, numbered 10.
    s.wait("the sorted rows keep their numbers", || {
        (cell(&d, 0, "email")? == "user9@example.com" && cell(&d, 0, "#")? == "10").then_some(())
    });

    // A click and a Shift+click pick a rectangle; Ctrl+C copies it as tab-separated text.
    s.pointer_click(&cell_element(&d, 0, "email"), 0, 1, None);
    s.pointer_click(&cell_element(&d, 2, "plan"), 0, 1, Some("\u{E008}"));
    let picked = || {
        s.script(
            "return [...document.querySelectorAll('[data-testid=\"grid\"] .ag-cell.cell-selected')].map(c => c.closest('.ag-row').getAttribute('row-index') + ':' + c.getAttribute('col-id'))",
            json!([]),
        )
    };
    let mut seen = Value::Null;
    s.wait("the rectangle drawn", || {
        seen = picked();
        (seen.as_array().map(Vec::len) == Some(6)).then_some(())
    });
    let mut seen = seen.as_array().cloned().unwrap_or_default();
    seen.sort_by_key(|v| v.as_str().unwrap_or_default().to_owned());
    assert_eq!(
        seen,
        [
            "0:email", "0:plan", "1:email", "1:plan", "2:email", "2:plan"
        ],
        "the cells picked"
    );
    // Shift+Down stretches it by a row, Shift+Up takes it back.
    s.chord(&["\u{E008}", "\u{E015}"]);
    s.wait("the rectangle stretched", || {
        (picked().as_array().map(Vec::len) == Some(8)).then_some(())
    });
    s.chord(&["\u{E008}", "\u{E013}"]);
    s.wait("the rectangle back", || {
        (picked().as_array().map(Vec::len) == Some(6)).then_some(())
    });
    s.chord(&["\u{E009}", "c"]);
    s.wait("the copy", || {
        s.text_of("[data-testid=\"copy-status\"]")?
            .contains("Copied 3 rows")
            .then_some(())
    });
    let sorted = |i: usize| {
        let n = [9, 8, 7][i];
        format!(
            "user{n}@example.com\t{}",
            row(n)["plan"].as_str().unwrap_or_default()
        )
    };
    assert_eq!(
        d.clipboard(),
        format!("{}\n{}\n{}", sorted(0), sorted(1), sorted(2))
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-selection.png"));

    // Right-click: the app's own menu, never the web view's; it copies the row as sent.
    s.pointer_click(&cell_element(&d, 1, "plan"), 2, 1, None);
    s.wait("the app's menu", || {
        (s.attribute_of("[data-testid=\"context-menu\"]", "hidden")
            .is_none())
        .then_some(())
    });
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-menu.png"));
    s.click(&s.testid("menu-copy-json"));
    s.wait("the row as sent copied", || {
        let copied = d.clipboard();
        copied
            .starts_with("{\"email\":\"user8@example.com\"")
            .then_some(())
    });

    // Row details: a double-click opens every field and the JSON as sent; Down moves on.
    let grid_width = || {
        s.script(
            "return document.querySelector('[data-testid=\"grid\"]').getBoundingClientRect().width",
            json!([]),
        )
        .as_f64()
        .expect("the grid's width")
    };
    let wide = grid_width();
    s.pointer_click(&cell_element(&d, 1, "email"), 0, 2, None);
    s.wait("row details", || {
        (s.text_of("[data-testid=\"row-panel-title\"]")? == "Row 9").then_some(())
    });
    s.wait("where the row came from", || {
        s.text_of("[data-testid=\"row-panel-origin\"]")?
            .starts_with("part 2, row 3")
            .then_some(())
    });
    let json = s
        .text_of("[data-testid=\"row-panel-json\"]")
        .unwrap_or_default();
    assert!(json.contains("\"note\":\"note 8\""), "{json}");
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-row-details.png"));
    // The panel lies over the grid's right side rather than squeezing it (which would lay out
    // every drawn row again), in a wide window and in the smallest.
    assert_eq!(
        grid_width(),
        wide,
        "the grid keeps its width under the panel"
    );
    let right = s.script(
        "const r = (id) => document.querySelector(`[data-testid=\"${id}\"]`).getBoundingClientRect().right; return r('grid') - r('row-panel');",
        json!([]),
    );
    assert_eq!(
        right.as_f64(),
        Some(0.0),
        "the panel at the grid's right edge"
    );
    smallest_window_grid_top(&d);
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-row-details-min.png"));
    let narrow = grid_width();
    assert!(
        narrow >= 300.0,
        "the grid is squeezed by the panel: {narrow}"
    );
    s.resize_page(1440, 900);
    s.chord(&["\u{E015}"]);
    s.wait("the next row", || {
        (s.text_of("[data-testid=\"row-panel-title\"]")? == "Row 8").then_some(())
    });
    s.click(&s.testid("row-panel-close"));

    // A search marks its hits in the cells and says how many rows match.
    s.type_text(&s.testid("search"), "note 1");
    let hits = (0..18)
        .filter(|n| format!("note {n}").contains("note 1"))
        .count();
    wait_filtered(&d, hits);
    s.wait("the hits marked", || {
        let marks = s.script(
            "return [...document.querySelectorAll('[data-testid=\"grid\"] [col-id=\"note\"] mark')].map(m => m.textContent)",
            json!([]),
        );
        (marks.as_array().map(Vec::len) == Some(hits) && marks[0] == "note 1").then_some(())
    });
    let said = s
        .text_of("[data-testid=\"row-counts\"]")
        .unwrap_or_default();
    assert_eq!(said, format!("{hits} of 18 rows match"));
    assert_eq!(
        picked(),
        json!([]),
        "a pick belongs to the view it was made in"
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-search.png"));
    s.clear(&s.testid("search"));
    // Clearing sends no input event; a key typed and taken back does.
    s.type_text(&s.testid("search"), "x\u{E003}");
    wait_filtered(&d, 18);

    // "Filter to this value" from the menu narrows the view through the SQL filter.
    s.wait("row 0 drawn again", || {
        (cell(&d, 0, "#")? == "10").then_some(())
    });
    s.pointer_click(&cell_element(&d, 0, "plan"), 2, 1, None);
    s.wait("the app's menu again", || {
        (s.attribute_of("[data-testid=\"context-menu\"]", "hidden")
            .is_none())
        .then_some(())
    });
    s.click(&s.testid("menu-filter"));
    let plan = row(9)["plan"].as_str().unwrap_or_default().to_owned();
    let same_plan = (0..18).filter(|&n| row(n)["plan"] == plan.as_str()).count();
    wait_filtered(&d, same_plan);

    // _row/_part appear and go again, and the grid does not move sideways.
    let email_left = || {
        s.script(
            "return document.querySelector('.ag-header-cell[col-id=\"email\"]').getBoundingClientRect().left",
            json!([]),
        )
    };
    let before = email_left();
    s.click(&s.testid("show-meta"));
    s.wait("_row and _part shown", || {
        (s.all(".ag-header-cell[col-id=\"_part\"]").len() == 1).then_some(())
    });
    s.click(&s.testid("show-meta"));
    s.wait("_row and _part hidden", || {
        s.all(".ag-header-cell[col-id=\"_part\"]")
            .is_empty()
            .then_some(())
    });
    assert_eq!(email_left(), before, "the grid moved sideways");

    // A rejected request reads as a table of one-line rows, its body pretty-printed.
    let bad = r#"{"event": {"id": "x"}, "data": "not rows"}"#;
    let refused = reqwest::blocking::Client::new()
        .post(&url)
        .body(bad)
        .send()
        .expect("post");
    assert_eq!(refused.status(), 422);
    s.click(&s.testid("nav-rejected"));
    s.wait("the rejected request listed", || {
        (s.text_of("[data-testid=\"rejected-count\"]")? == "1").then_some(())
    });
    // With no import on screen, AG Grid's styles stay in the page for the next one (it drops
    // them with its last grid), and the grid drawn off screen at start is gone.
    let grids = s.script(
        "return [document.querySelectorAll('style[data-ag-css]').length, document.querySelectorAll('.ag-root-wrapper').length, document.querySelectorAll('[data-testid=\"grid-styles\"] .ag-root-wrapper').length]",
        json!([]),
    );
    let grids: Vec<u64> = serde_json::from_value(grids).expect("counts");
    assert!(grids[0] > 0, "AG Grid's styles went with the import");
    assert_eq!(
        grids[1..],
        [1, 1],
        "only the hidden grid that keeps the styles is left"
    );
    s.click_on("[data-testid=\"rejected-row\"] td.reason");
    s.wait("the body", || {
        (s.attribute_of("[data-testid=\"rejected-body\"]", "data-pretty")? == "true").then_some(())
    });
    let heights = s.script(
        "return [...document.querySelectorAll('[data-testid=\"rejected-table\"] th, [data-testid=\"rejected-row\"] td')].map(c => c.getClientRects()[0].height)",
        json!([]),
    );
    let heights: Vec<f64> = serde_json::from_value(heights).expect("heights");
    assert!(
        heights.iter().all(|h| *h < 40.0),
        "a cell wraps: {heights:?}"
    );
    let size = s
        .text_of("[data-testid=\"rejected-row\"] td.size")
        .unwrap_or_default();
    assert_eq!(size, format!("{} B", bad.len()));
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-rejected.png"));
    // Retry and Dismiss are on screen, or a sideways scroll away, never cut off.
    let within = |width: u32, height: u32| {
        s.resize_page(width, height);
        let edges = s.script(
            "const box = document.querySelector('[data-testid=\"rejected-scroll\"]'); box.scrollLeft = box.scrollWidth; const b = box.getBoundingClientRect(); const l = document.querySelector('[data-testid=\"dismiss-one\"]').getBoundingClientRect(); return [l.left, l.right, b.left, b.right, window.innerWidth, l.width];",
            json!([]),
        );
        let e: Vec<f64> = serde_json::from_value(edges).expect("edges");
        assert!(
            e[5] > 0.0 && e[0] >= e[2] && e[1] <= e[3] && e[3] <= e[4],
            "Dismiss cut off at {width} px: {e:?}"
        );
    };
    within(1280, 800);
    within(900, 560);
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-rejected-min.png"));
    s.set_window_size(1440, 900);
    // Dismissed: out of the list and its count.
    s.click(&s.testid("dismiss-one"));
    s.wait("the request dismissed", || {
        (s.all("[data-testid=\"rejected-row\"]").is_empty()
            && s.all("[data-testid=\"rejected-count\"]").is_empty())
        .then_some(())
    });
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn a_reviewer_filters_a_column_by_its_values_and_hides_and_pins_columns() {
    let (_ws, d) = open_test_import();
    let s = d.session();
    // The plan column's button lists its values over the whole import, with counts.
    let open_tools = |column: &str| {
        s.click_on(&format!(
            "[data-testid=\"column-menu\"][data-column=\"{column}\"]"
        ));
        s.wait("the column's values", || {
            (!s.all("[data-testid=\"column-value\"]").is_empty()).then_some(())
        });
    };
    // As it looks in a large window, then at the smallest, as a reviewer on a laptop has it.
    s.resize_page(1440, 900);
    open_tools("plan");
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-column-values-1440.png"));
    s.click_on("[data-testid=\"column-tools\"] .column-tools-foot button:not(.primary)");
    smallest_window_grid_top(&d);
    open_tools("plan");
    assert_eq!(
        s.text_of("[data-testid=\"column-summary\"]").as_deref(),
        Some("18 rows · 3 distinct · 0 empty · 0 missing")
    );
    let listed = s.script(
        "return [...document.querySelectorAll('[data-testid=\"column-value\"]')].map(r => r.dataset.value + '=' + r.querySelector('.value-count').textContent)",
        json!([]),
    );
    assert_eq!(listed, json!(["enterprise=6", "solo=6", "team=6"]));
    // The button is not a header click: the grid is not sorted by plan.
    assert_eq!(cell(&d, 0, "#").as_deref(), Some("1"));
    let inside = s.script(
        "const r = document.querySelector('[data-testid=\"column-tools\"]').getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight",
        json!([]),
    );
    assert_eq!(inside, json!(true), "the tools fit the smallest window");
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-column-values.png"));

    // Untick "team": the view keeps enterprise and solo, and says so.
    s.click_on("[data-testid=\"column-value\"][data-value=\"team\"] input");
    s.click(&s.testid("column-values-apply"));
    let not_team = (0..18).filter(|&n| row(n)["plan"] != "team").count();
    wait_filtered(&d, not_team);
    assert_eq!(
        s.text_of("[data-testid=\"value-chip\"]").as_deref(),
        Some("plan is one of enterprise, solo×")
    );
    assert!(
        s.attribute_of(
            "[data-testid=\"column-menu\"][data-column=\"plan\"]",
            "class"
        )
        .is_some_and(|c| c.contains("filtered")),
        "the header shows the filter"
    );

    // Another column's values are counted within that view.
    open_tools("seats");
    let seats_rows = s
        .text_of("[data-testid=\"column-summary\"]")
        .unwrap_or_default();
    assert!(
        seats_rows.starts_with(&format!("{not_team} rows · ")),
        "{seats_rows}"
    );
    // Hide it: the column goes, a chip says so and brings it back.
    s.click(&s.testid("column-hide"));
    s.wait("seats hidden", || {
        s.all(".ag-header-cell[col-id=\"seats\"]")
            .is_empty()
            .then_some(())
    });
    assert_eq!(
        s.text_of("[data-testid=\"hidden-columns\"]").as_deref(),
        Some("1 column hidden: seats Show")
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-column-chips.png"));
    s.click(&s.testid("show-columns"));
    s.wait("seats shown again", || {
        (s.all(".ag-header-cell[col-id=\"seats\"]").len() == 1).then_some(())
    });

    // Pin note to the left, then let it go.
    let pinned = || {
        s.all(".ag-header-row .ag-grid-pinned-left-cells .ag-header-cell[col-id=\"note\"]")
            .len()
    };
    open_tools("note");
    s.click(&s.testid("column-pin"));
    s.wait("note pinned", || (pinned() == 1).then_some(()));
    open_tools("note");
    assert_eq!(
        s.text_of("[data-testid=\"column-pin\"]").as_deref(),
        Some("Unpin")
    );
    s.click(&s.testid("column-pin"));
    s.wait("note unpinned", || (pinned() == 0).then_some(()));

    // The chip's × takes the filter away.
    s.click(&s.testid("value-chip-remove"));
    wait_filtered(&d, 18);
    assert!(s.all("[data-testid=\"value-chip\"]").is_empty());
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn the_tunnel_starts_from_the_connection_panel_and_comes_back_when_it_dies() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let standins = hookgrid_tests::standin::Standins::new();
    let fail_file = ws.path().join("no-network");
    let more = [
        ("STANDIN_FAIL_FILE", fail_file.as_os_str()),
        ("HOOKGRID_REACH_SECONDS", std::ffi::OsStr::new("1")),
    ];
    let d = Desktop::launch_with(&ws, &[&standins.env()[..], &more].concat());
    let s = d.session();
    let pids = || standins.pids();
    s.click(&s.testid("nav-connection"));
    s.click(&s.testid("start-tunnel-cloudflared"));
    let status = || s.attribute_of("[data-testid=\"tunnel-state\"]", "data-status");
    s.wait("the tunnel up and the test import through it", || {
        (status().as_deref() == Some("up")
            && s.attribute_of("[data-testid=\"tunnel-test\"]", "data-arrived")
                .as_deref()
                == Some("true"))
        .then_some(())
    });
    let first = s
        .text_of("[data-testid=\"webhook-url\"]")
        .unwrap_or_default();
    let token = std::fs::read_to_string(ws.data_dir().join("token")).expect("token");
    let local = format!("http://127.0.0.1:{}/hooks/", d.port);
    assert!(
        first.ends_with(token.trim()) && !first.starts_with(&local),
        "the webhook URL is the tunnel's: {first}"
    );
    let said = s
        .text_of("[data-testid=\"tunnel-text\"]")
        .unwrap_or_default();
    assert!(
        said.starts_with("cloudflared is up at http://127.0.0.1:"),
        "{said}"
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-tunnel-up.png"));
    // An import posted to the address shown arrives.
    let r = reqwest::blocking::Client::new()
        .post(&first)
        .body(body(1))
        .send()
        .expect("post through the tunnel");
    assert_eq!(r.status(), 200);

    // The tunnel dies: the panel says so, and it comes back at a new address.
    let started = pids();
    assert_eq!(started.len(), 2, "{started:?}");
    hookgrid_tests::standin::kill9(started[0]);
    s.wait("the tunnel down", || {
        (status().as_deref() == Some("down")).then_some(())
    });
    s.wait("the tunnel back at a new address", || {
        let url = s.text_of("[data-testid=\"webhook-url\"]")?;
        (status().as_deref() == Some("up") && url != first).then_some(())
    });
    let second = s
        .text_of("[data-testid=\"webhook-url\"]")
        .unwrap_or_default();
    // The import came through the first address: Flatfile has to be given the new one.
    let host = |url: &str| url.split('/').nth(2).unwrap_or_default().to_owned();
    s.wait("the stale address warning", || {
        s.text_of("[data-testid=\"stale-address\"]")?
            .contains(&format!("(was {}, now {})", host(&first), host(&second)))
            .then_some(())
    });
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-tunnel-stale.png"));

    // It dies and cannot come back (no network): Flatfile cannot reach us, and a banner
    // says so; once it is back, the banner goes.
    std::fs::write(&fail_file, "").expect("fail file");
    let running = pids();
    hookgrid_tests::standin::kill9(running[2]);
    let banner = || {
        (s.attribute_of("[data-testid=\"banner\"]", "hidden")
            .is_none())
        .then(|| s.text_of("[data-testid=\"banner-text\"]"))
        .flatten()
    };
    s.wait("the banner", || {
        banner()
            .is_some_and(|t| t.starts_with("Flatfile cannot reach Hookgrid: the tunnel at"))
            .then_some(())
    });
    s.wait("the tunnel's error shown", || {
        s.text_of("[data-testid=\"tunnel-log\"]")?
            .contains("failed to request quick Tunnel")
            .then_some(())
    });
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("desktop-tunnel-down.png"));
    std::fs::remove_file(&fail_file).expect("network back");
    s.wait("the tunnel back and the banner gone", || {
        let url = s.text_of("[data-testid=\"webhook-url\"]")?;
        (status().as_deref() == Some("up") && url != second && banner().is_none()).then_some(())
    });

    // Stop: the whole group goes.
    s.click(&s.testid("stop-tunnel"));
    s.wait("the tunnel stopped", || {
        s.all("[data-testid=\"stop-tunnel\"]")
            .is_empty()
            .then_some(())
    });
    let all = pids();
    assert_eq!(all.len(), 6, "{all:?}");
    s.wait("every tunnel process gone", || {
        all.iter()
            .all(|&p| !hookgrid_tests::standin::alive(p))
            .then_some(())
    });

    // Started again, the tunnel ends when the app quits (SIGTERM, as a logout sends).
    s.click(&s.testid("start-tunnel-cloudflared"));
    s.wait("the tunnel up again", || {
        (status().as_deref() == Some("up")).then_some(())
    });
    let last: Vec<u32> = pids().into_iter().skip(all.len()).collect();
    assert_eq!(last.len(), 2, "{last:?}");
    let app = d.app_pid().expect("the app's process");
    let quit = std::process::Command::new("kill")
        .args(["-TERM", &app.to_string()])
        .status()
        .expect("kill");
    assert!(quit.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let gone = |p: &u32| !hookgrid_tests::standin::alive(*p);
    while !(last.iter().all(gone) && gone(&app)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the tunnel outlived the app: {last:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!ws.data_dir().join("tunnel.pid").exists());
}

/// `hookgrid` (the CLI), built beside the app by the same workspace build.
fn hookgrid_cli() -> std::path::PathBuf {
    let cli =
        std::path::Path::new(env!("CARGO_BIN_EXE_hookgrid-desktop")).with_file_name("hookgrid");
    assert!(
        cli.is_file(),
        "{} is missing: build the workspace's binaries first (cargo build --workspace --bins; \
         `make test` does)",
        cli.display()
    );
    cli
}

#[test]
#[ignore = "opens a real window: needs Xvfb, WebKitWebDriver and tauri-driver; `make test` runs it"]
fn the_app_reviews_a_team_server_s_imports_and_says_when_its_token_is_revoked() {
    // The team server: the real `hookgrid serve` on its own data dir, with one reviewer.
    let team = Workspace::new(hookgrid_cli());
    let server = team.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    team.add_user("rey", "reviewer", "a long password!");
    let token = team.api_token("rey", "laptop");
    for index in 1..=PARTS {
        post(&server.url, index);
    }

    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid-desktop"));
    let d = Desktop::launch(&ws);
    let s = d.session();
    s.click(&s.testid("nav-connection"));
    // A wrong token is refused before anything is kept.
    s.type_text(&s.testid("team-url"), server.review());
    s.type_text(&s.testid("team-token"), "hgt_1_wrong");
    s.click(&s.testid("team-connect"));
    s.wait("the refusal", || {
        let said = s.text_of("[data-testid=\"team-status\"]")?;
        said.contains("does not accept that token").then_some(())
    });
    let token_field = s.testid("team-token");
    s.clear(&token_field);
    s.type_text(&token_field, &token);
    s.click(&s.testid("team-connect"));

    // The page starts afresh on the team server: its import, not this computer's (none).
    let item =
        format!("[data-testid=\"batch-item\"][data-event=\"{EVENT}\"][data-status=\"complete\"]");
    s.click_on(&item);
    wait_filtered(&d, PARTS as usize * PER_PART);
    let http = reqwest::blocking::Client::new();
    let health = format!("http://127.0.0.1:{}/healthz", d.port);
    assert!(
        http.get(&health).send().is_err(),
        "this computer's listener is stopped: Flatfile posts to the team server"
    );
    assert_eq!(
        s.attribute_of("[data-testid=\"delete-batch\"]", "title")
            .as_deref(),
        Some("Needs an admin (you are signed in as a reviewer)")
    );
    let shots = hookgrid_tests::desktop::screenshots();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    d.screenshot(&shots.join("desktop-team.png"));

    // An export is saved on this computer, from the team server's rows.
    s.click(&s.testid("rows-invalid"));
    wait_filtered(&d, PARTS as usize * (PER_PART - VALID_PER_PART));
    s.click(&s.testid("export-open"));
    let out = ws.path().join("from-team.csv");
    s.type_text(&s.testid("export-path"), &out.to_string_lossy());
    s.click(&s.testid("export-run"));
    let status = "[data-testid=\"export-status\"]";
    s.wait("the export", || {
        (s.attribute_of(status, "data-state")? == "done").then_some(())
    });
    let df = polars::prelude::CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(out.clone()))
        .and_then(polars::prelude::SerReader::finish)
        .expect("read the export back");
    let emails: Vec<Option<String>> = (0..PARTS as usize * PER_PART)
        .filter(|&n| invalid(n))
        .map(|n| Some(format!("user{n}@example.com")))
        .collect();
    assert_eq!(text(&df, "email"), emails);
    s.click(&s.testid("export-close"));

    // The token is revoked on the server: the app says so, with the way out.
    team.run(&["user", "revoke", "rey", "laptop"]);
    s.type_text(&s.testid("batch-search"), "evt");
    let banner = s.wait("the message", || {
        let t = s.text_of("[data-testid=\"banner-text\"]")?;
        t.contains("no longer accepts this app's token")
            .then_some(t)
    });
    assert!(banner.contains("This computer"), "{banner}");
    s.click(&s.testid("nav-connection"));
    let problem = s.wait("the problem under Connection", || {
        s.text_of("[data-testid=\"team-problem\"]")
    });
    assert!(problem.contains("revoked"), "{problem}");
    // The panel is drawn again as the problem is heard: found again if it was.
    s.click_on("[data-testid=\"team-leave\"]");
    s.testid("welcome");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !http
        .get(&health)
        .send()
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "this computer's listener did not start again"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        s.all(&item).is_empty(),
        "back on this computer's data, which has no imports"
    );
}
