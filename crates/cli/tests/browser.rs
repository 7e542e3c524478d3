//! The review app in a real browser: Debian's Chromium, headless, driven by chromedriver,
//! against the real `hookgrid serve --review-listen`. A reviewer signs in, sees an import
//! arrive while the page is open, opens it, filters it, downloads a CSV that is read back,
//! and finds what their role may not do disabled with the reason.

use std::time::Duration;

use hookgrid_tests::browser::Browser;
use hookgrid_tests::{Workspace, payload};
use serde_json::json;

const PASSWORD: &str = "a long reviewer password";

fn rows(index: u32) -> (serde_json::Value, serde_json::Value) {
    let valid: Vec<_> = (0..4)
        .map(|i| json!({"name": format!("Desk {index}-{i}"), "seats": format!("{}", i * 5)}))
        .collect();
    (json!(valid), json!([{"name": "<b>bold</b>", "seats": ""}]))
}

#[test]
#[ignore = "needs Debian's chromium and chromium-driver; `make test` installs them and runs it"]
fn a_reviewer_signs_in_watches_an_import_arrive_filters_it_and_downloads_a_csv() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    let review = server.review().to_owned();
    ws.add_user("rey", "reviewer", PASSWORD);

    let browser = Browser::start(&ws);
    let s = &browser.session;
    s.goto(&review);
    // Signed out: the sign-in page, and a wrong password says so.
    let name = s.testid("signin-name");
    s.type_text(&name, "rey");
    let password = s.testid("signin-password");
    s.type_text(&password, "wrong password\u{E007}");
    s.wait("the refusal", || {
        let t = s.text_of("[data-testid=\"signin-error\"]")?;
        t.contains("wrong").then_some(())
    });
    s.clear(&password);
    s.type_text(&password, &format!("{PASSWORD}\u{E007}"));
    s.testid("welcome");
    assert_eq!(
        s.text_of("[data-testid=\"who-name\"]").as_deref(),
        Some("rey")
    );
    assert_eq!(
        s.text_of("[data-testid=\"who-role\"]").as_deref(),
        Some("reviewer")
    );
    let cookie_visible = s.script("return document.cookie", json!([]));
    assert_eq!(cookie_visible, "", "the session cookie is HttpOnly");

    // An import arrives while the page is open: it appears, complete, without a reload.
    let client = reqwest::blocking::Client::new();
    for index in 1..=2 {
        let (valid, invalid) = rows(index);
        let body = payload("evt-live", "b-live", index, 2, valid, invalid);
        let (status, answer) = hookgrid_tests::post(&client, &server.url, body);
        assert_eq!(status, 200, "{answer}");
    }
    let item = "[data-testid=\"batch-item\"][data-event=\"evt-live\"][data-status=\"complete\"]";
    s.click(&s.find(item));
    s.wait("the grid", || {
        (s.text_of("[data-testid=\"row-counts\"]")? == "10 rows").then_some(())
    });
    // Markup in a cell is text.
    s.wait("the markup cell as text", || {
        let cells = s.script(
            "return [...document.querySelectorAll('.ag-cell')].map(c => c.textContent)",
            json!([]),
        );
        cells
            .as_array()?
            .iter()
            .any(|c| c == "<b>bold</b>")
            .then_some(())
    });
    assert_eq!(
        s.script(
            "return document.querySelectorAll('.ag-cell b').length",
            json!([])
        ),
        0
    );

    // Deleting is an admin's: the button says so and does nothing.
    let delete = "[data-testid=\"delete-batch\"]";
    assert_eq!(s.attribute_of(delete, "disabled").as_deref(), Some(""));
    assert_eq!(
        s.attribute_of(delete, "title").as_deref(),
        Some("Needs an admin (you are signed in as a reviewer)")
    );

    // A SQL filter, evaluated on the server.
    let sql = s.testid("sql-filter");
    s.type_text(&sql, "seats >= 10\u{E007}");
    s.wait("the filtered view", || {
        (s.text_of("[data-testid=\"row-counts\"]")? == "4 of 10 rows match").then_some(())
    });
    browser.screenshot("browser-grid");

    // The view, downloaded: the browser saves the file the server writes.
    s.click(&s.testid("export-open"));
    let path = s.testid("export-path");
    s.type_text(&path, "wide desks.csv");
    s.click(&s.testid("export-run"));
    let status = "[data-testid=\"export-status\"]";
    s.wait("the download", || {
        (s.attribute_of(status, "data-state")? == "done").then_some(())
    });
    assert_eq!(s.attribute_of(status, "data-rows").as_deref(), Some("4"));
    let file = browser.downloaded("wide_desks.csv");
    let mut reader = csv::Reader::from_path(&file).expect("csv");
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "name")
        .expect("a name column");
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[column].to_owned())
        .collect();
    assert_eq!(names, ["Desk 1-2", "Desk 1-3", "Desk 2-2", "Desk 2-3"]);

    // The connection: the team server's, without the token for a reviewer, settings theirs
    // to read but an admin's to change, and nothing of this machine's listener or tunnels.
    s.click(&s.testid("export-close"));
    s.click(&s.testid("nav-connection"));
    s.wait("the connection", || {
        let shown = s.text_of("[data-testid=\"webhook-url\"]")?;
        shown.contains("admins only").then_some(())
    });
    assert_eq!(
        s.attribute_of("[data-testid=\"rotate-token\"]", "disabled")
            .as_deref(),
        Some("")
    );
    assert_eq!(
        s.attribute_of("[data-testid=\"listener-field\"]", "hidden")
            .as_deref(),
        Some("")
    );
    assert_eq!(
        s.attribute_of("[data-testid=\"team\"]", "hidden")
            .as_deref(),
        Some(""),
        "a browser is on the team server already"
    );
    browser.screenshot("browser-connection");

    // Signing out comes back to the sign-in page.
    s.click(&s.testid("sign-out"));
    s.testid("signin");
    let me = client
        .get(format!("{review}/api/me"))
        .timeout(Duration::from_secs(10))
        .send()
        .expect("me");
    assert_eq!(me.status(), 401);
    assert!(server.terminate());
}

#[test]
#[ignore = "needs Debian's chromium and chromium-driver; `make test` installs them and runs it"]
fn an_admin_adds_a_person_who_then_signs_in_with_the_password_shown_once() {
    let ws = Workspace::new(env!("CARGO_BIN_EXE_hookgrid"));
    let server = ws.serve_with(&["--review-listen", "127.0.0.1:0"], &[]);
    let review = server.review().to_owned();
    let out = ws.output(&["user", "add", "ana", "--role", "admin"]);
    assert!(out.status.success());
    let ana = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();

    let browser = Browser::start(&ws);
    let s = &browser.session;
    s.goto(&review);
    s.testid("signin");
    browser.screenshot("browser-signin");
    s.type_text(&s.testid("signin-name"), "ana");
    s.type_text(&s.testid("signin-password"), &format!("{ana}\u{E007}"));
    s.click_on("[data-testid=\"nav-people\"]");
    s.type_text(&s.testid("people-name"), "cho");
    s.click(&s.testid("people-add"));
    let password = s.wait("the password, shown once", || {
        s.text_of("[data-testid=\"people-secret-value\"]")
            .filter(|t| !t.is_empty())
    });
    s.find("[data-testid=\"people-user\"][data-name=\"cho\"]");
    browser.screenshot("browser-people");
    let users = ws.json(&["user", "list", "--json"]);
    assert_eq!(users[1]["name"], "cho");
    assert_eq!(users[1]["role"], "viewer");
    let audit = ws.json(&["audit", "--json"]);
    assert_eq!(audit[0]["user"], "ana");
    assert_eq!(audit[0]["action"], "user_add");

    s.click(&s.testid("sign-out"));
    s.type_text(&s.testid("signin-name"), "cho");
    s.type_text(&s.testid("signin-password"), &format!("{password}\u{E007}"));
    s.testid("welcome");
    assert_eq!(
        s.text_of("[data-testid=\"who-role\"]").as_deref(),
        Some("viewer")
    );
    let people = s.attribute_of("[data-testid=\"nav-people\"]", "hidden");
    assert_eq!(people.as_deref(), Some(""), "only admins see People");
    assert!(server.terminate());
}
