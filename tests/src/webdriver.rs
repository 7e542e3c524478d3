//! A small synchronous W3C WebDriver client: the dozen commands the desktop tests use, over
//! the blocking HTTP client the tests already have. Elements are found by `data-testid`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The W3C key for an element reference in WebDriver JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session.
#[derive(Debug)]
pub struct Session {
    http: reqwest::blocking::Client,
    base: String,
}

/// A found element.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    /// Opens a session on the driver at `driver` (`http://127.0.0.1:4444`).
    pub fn new(driver: &str, capabilities: Value) -> Result<Session, String> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let answer = http
            .post(format!("{driver}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": capabilities}}))
            .send()
            .and_then(|r| r.json::<Value>())
            .map_err(|e| format!("new session: {e}"))?;
        let id = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("new session refused: {answer}"))?;
        let session = Session {
            http,
            base: format!("{driver}/session/{id}"),
        };
        // Scripts that wait for the page (a million-row import) may take longer than the
        // default 30 s before failing.
        session.post("/timeouts", json!({"script": 120_000}));
        Ok(session)
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let answer: Value = req
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("webdriver {path}: {e}"));
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!("webdriver {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body))
    }

    fn get(&self, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, None)
    }

    /// Loads `url` in the window.
    pub fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url}));
    }

    /// The window as a PNG.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self.get("/screenshot");
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Resizes the window (the window manager-free Xvfb screen honours it as asked).
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}));
    }

    /// Resizes the window and waits until the page is laid out at that width.
    pub fn resize_page(&self, width: u32, height: u32) {
        self.set_window_size(width, height);
        self.wait(&format!("the page at {width} px"), || {
            (self.script("return window.innerWidth", json!([])) == json!(width)).then_some(())
        });
    }

    /// Runs a script in the page; `arguments` are passed as its `arguments`.
    pub fn script(&self, script: &str, arguments: Value) -> Value {
        self.post(
            "/execute/sync",
            json!({"script": script, "args": arguments}),
        )
    }

    /// Runs an async script: it ends by calling `arguments[arguments.length - 1](result)`.
    pub fn script_async(&self, script: &str, arguments: Value) -> Value {
        self.post(
            "/execute/async",
            json!({"script": script, "args": arguments}),
        )
    }

    /// The text of the first element matching `css`, read in one step (no element reference
    /// to go stale while the page re-renders).
    pub fn text_of(&self, css: &str) -> Option<String> {
        let v = self.script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null",
            json!([css]),
        );
        v.as_str().map(str::to_owned)
    }

    /// The text of every element matching `css`, read in one step: a list that re-renders
    /// between finding its elements and reading them gives no stale reference.
    pub fn texts_of(&self, css: &str) -> Vec<String> {
        let v = self.script(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent)",
            json!([css]),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An attribute of the first element matching `css`, read in one step.
    pub fn attribute_of(&self, css: &str, name: &str) -> Option<String> {
        let v = self.script(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null",
            json!([css, name]),
        );
        v.as_str().map(str::to_owned)
    }

    /// Elements matching a CSS selector (none is not an error).
    pub fn all(&self, css: &str) -> Vec<Element> {
        let found = self.post("/elements", json!({"using": "css selector", "value": css}));
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits for an element matching `css`.
    pub fn find(&self, css: &str) -> Element {
        self.wait(&format!("an element {css}"), || {
            self.all(css).into_iter().next()
        })
    }

    /// Waits for the element with `data-testid="id"`.
    pub fn testid(&self, id: &str) -> Element {
        self.find(&format!("[data-testid=\"{id}\"]"))
    }

    pub fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.0), json!({}));
    }

    /// Clicks the element matching `css` once it is there, finding it again when the page
    /// redrew it between finding and clicking (a list that refreshes, a page that reloads).
    /// Picks option `value` of the `<select>` matching `css` as a person's pick does: the
    /// value changes and `change` fires. (A native menu opens outside the page, where
    /// WebDriver cannot click its options.)
    pub fn choose(&self, css: &str, value: &str) {
        let done = self.script(
            "const s = document.querySelector(arguments[0]); \
             if (!s || ![...s.options].some((o) => o.value === arguments[1])) return false; \
             s.focus(); s.value = arguments[1]; \
             s.dispatchEvent(new Event('input', {bubbles: true})); \
             s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            json!([css, value]),
        );
        assert_eq!(
            done,
            json!(true),
            "no <select> {css} with an option {value:?}"
        );
    }

    pub fn click_on(&self, css: &str) {
        self.wait(&format!("a clickable {css}"), || {
            let e = self.all(css).into_iter().next()?;
            let answer: Value = self
                .http
                .post(format!("{}/element/{}/click", self.base, e.0))
                .json(&json!({}))
                .send()
                .and_then(|r| r.json())
                .ok()?;
            match answer["value"]["error"].as_str() {
                None => Some(()),
                // Found before the list redrew it, or before the page was loaded again (the
                // app reloads it when it switches to a team server): found again.
                Some("stale element reference" | "no such frame") => None,
                Some(error) => panic!("click {css}: {error}: {}", answer["value"]["message"]),
            }
        });
    }

    /// Clicks `e` with a mouse button (0 left, 2 right), `clicks` times, holding `modifier`
    /// (a WebDriver key such as "\u{E008}" for Shift) when given: a real pointer, so the
    /// page sees the modifiers, double-clicks and context menus a user makes.
    pub fn pointer_click(&self, e: &Element, button: u8, clicks: usize, modifier: Option<&str>) {
        let mut origin = serde_json::Map::new();
        origin.insert(ELEMENT.to_owned(), json!(e.0));
        self.pointer_clicks(
            json!({"type": "pointerMove", "duration": 0, "origin": origin, "x": 0, "y": 0}),
            button,
            clicks,
            modifier,
        );
    }

    /// Clicks the point (`x`, `y`) of the page's viewport, as [`Session::pointer_click`]
    /// does an element: whatever is there then gets the click, as a user's hand would.
    pub fn pointer_click_at(
        &self,
        x: f64,
        y: f64,
        button: u8,
        clicks: usize,
        modifier: Option<&str>,
    ) {
        self.pointer_clicks(
            json!({"type": "pointerMove", "duration": 0, "origin": "viewport",
                   "x": x.round() as i64, "y": y.round() as i64}),
            button,
            clicks,
            modifier,
        );
    }

    fn pointer_clicks(&self, to: Value, button: u8, clicks: usize, modifier: Option<&str>) {
        let mut pointer = vec![json!({"type": "pause", "duration": 0}), to];
        for _ in 0..clicks {
            pointer.push(json!({"type": "pointerDown", "button": button}));
            pointer.push(json!({"type": "pointerUp", "button": button}));
        }
        pointer.push(json!({"type": "pause", "duration": 0}));
        let mut keys = Vec::new();
        if let Some(key) = modifier {
            keys.push(json!({"type": "keyDown", "value": key}));
            keys.extend((0..pointer.len() - 2).map(|_| json!({"type": "pause", "duration": 0})));
            keys.push(json!({"type": "keyUp", "value": key}));
        }
        let mut sources = vec![json!({
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": pointer
        })];
        if !keys.is_empty() {
            sources.push(json!({"type": "key", "id": "keyboard", "actions": keys}));
        }
        self.post("/actions", json!({"actions": sources}));
        let _ = self.send(reqwest::Method::DELETE, "/actions", None);
    }

    /// Presses `keys` together and lets go in reverse order, to whatever has the focus
    /// (e.g. `["\u{E009}", "c"]` is Ctrl+C).
    pub fn chord(&self, keys: &[&str]) {
        let mut actions: Vec<Value> = keys
            .iter()
            .map(|k| json!({"type": "keyDown", "value": k}))
            .collect();
        actions.extend(
            keys.iter()
                .rev()
                .map(|k| json!({"type": "keyUp", "value": k})),
        );
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
    }

    pub fn clear(&self, e: &Element) {
        self.post(&format!("/element/{}/clear", e.0), json!({}));
    }

    /// Types into an element ("\u{E007}" is Enter).
    pub fn type_text(&self, e: &Element, text: &str) {
        self.post(&format!("/element/{}/value", e.0), json!({"text": text}));
    }

    pub fn text(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/text", e.0))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.get(&format!("/element/{}/attribute/{name}", e.0))
            .as_str()
            .map(str::to_owned)
    }

    /// Polls `probe` until it gives a value (60 s at most; a timeout fails the test).
    pub fn wait<T>(&self, what: &str, probe: impl FnMut() -> Option<T>) -> T {
        self.wait_until(probe)
            .unwrap_or_else(|| panic!("timed out waiting for {what}"))
    }

    /// Polls `probe` until it gives `Ok` (60 s at most); a timeout fails the test with the
    /// last `Err` it gave, what was seen instead.
    pub fn wait_seen<T, S: std::fmt::Debug>(
        &self,
        what: &str,
        mut probe: impl FnMut() -> Result<T, S>,
    ) -> T {
        let mut seen = None;
        let found = self.wait_until(|| match probe() {
            Ok(v) => Some(v),
            Err(s) => {
                seen = Some(s);
                None
            }
        });
        found.unwrap_or_else(|| panic!("timed out waiting for {what} (last seen: {seen:?})"))
    }

    fn wait_until<T>(&self, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(v) = probe() {
                return Some(v);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ends the session (the driver closes the app).
    pub fn quit(self) {
        self.end();
    }

    /// Ends the session where it cannot be given up (a `Drop`).
    pub fn end(&self) {
        let _ = self.http.delete(&self.base).send();
    }
}
