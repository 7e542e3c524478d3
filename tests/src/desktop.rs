//! The desktop app in a real window for WebDriver tests: a private X server (Xvfb), a private
//! D-Bus session (so the single-instance guard never meets a Hookgrid the developer has
//! open), `tauri-driver` in front of WebKitWebDriver, and the app on a temp data dir and a
//! free port. Everything is stopped when the [`Desktop`] is dropped; logs stay in the
//! workspace for failures.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Workspace;
use crate::webdriver::Session;

/// A running app driven over WebDriver.
#[derive(Debug)]
pub struct Desktop {
    session: Option<Session>,
    /// Stopped in reverse order: driver (and with it the app), D-Bus, X.
    children: Vec<Child>,
    display: String,
    dbus: String,
    /// The app binary (the workspace's binary under test).
    app: PathBuf,
    data_dir: PathBuf,
    /// The app's webhook listener port.
    pub port: u16,
    log: PathBuf,
    /// More environment for the app (e.g. a `PATH` with stand-in tools first).
    env: Vec<(String, std::ffi::OsString)>,
}

/// A path to an external program, from `PATH` or the given fallbacks.
pub fn program(name: &str, fallbacks: &[PathBuf]) -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    on_path
        .or_else(|| fallbacks.iter().find(|p| p.is_file()).cloned())
        .unwrap_or_else(|| {
            panic!("{name} is missing: `make test` installs it (see the README's test section)")
        })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Polls until `ready` holds (`timeout` at most); a timeout says `what`, and `more` after it.
fn until(
    what: &str,
    timeout: Duration,
    mut ready: impl FnMut() -> bool,
    more: impl Fn() -> String,
) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            more()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Desktop {
    /// Starts the app on `ws`'s data dir and opens a WebDriver session on its window.
    pub fn launch(ws: &Workspace) -> Desktop {
        Desktop::launch_with(ws, &[])
    }

    /// [`Desktop::launch`] with more environment variables for the app.
    pub fn launch_with(ws: &Workspace, env: &[(&str, &std::ffi::OsStr)]) -> Desktop {
        let mut desktop = Desktop::screen(ws);
        desktop.env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let driver_port = free_port();
        let mut driver = Command::new(program(
            "tauri-driver",
            &[home().join(".cargo/bin/tauri-driver")],
        ));
        driver
            .args(["--port", &driver_port.to_string()])
            .args(["--native-port", &free_port().to_string()])
            .arg("--native-driver")
            .arg(program("WebKitWebDriver", &[]));
        desktop.environment(&mut driver);
        desktop
            .children
            .push(driver.spawn().expect("start tauri-driver"));
        let base = format!("http://127.0.0.1:{driver_port}");
        let http = reqwest::blocking::Client::new();
        until(
            "tauri-driver",
            Duration::from_secs(30),
            || http.get(format!("{base}/status")).send().is_ok(),
            String::new,
        );
        let app = desktop.app.clone();
        let session = Session::new(&base, json!({"tauri:options": {"application": app}}))
            .unwrap_or_else(|e| panic!("{e}\n{}", desktop.logs()));
        desktop.session = Some(session);
        let health = format!("http://127.0.0.1:{}/healthz", desktop.port);
        // What the app and the listener said, when it never answers.
        let last = std::cell::RefCell::new(String::new());
        until(
            "the app's listener",
            Duration::from_secs(30),
            || match http.get(&health).send() {
                Ok(r) if r.status().is_success() => true,
                Ok(r) => {
                    *last.borrow_mut() =
                        format!("{}: {}", r.status(), r.text().unwrap_or_default());
                    false
                }
                Err(e) => {
                    *last.borrow_mut() = e.to_string();
                    false
                }
            },
            || format!("{health} said: {}\n{}", last.borrow(), desktop.logs()),
        );
        desktop
    }

    /// An X display and a D-Bus session without the driver or the app, for starting the app
    /// by hand (`start_app`).
    pub fn screen(ws: &Workspace) -> Desktop {
        let mut desktop = Desktop {
            session: None,
            children: Vec::new(),
            display: String::new(),
            dbus: String::new(),
            app: ws.bin().to_owned(),
            data_dir: ws.data_dir(),
            port: free_port(),
            log: ws.path().join("desktop.log"),
            env: Vec::new(),
        };
        desktop.start_x();
        desktop.start_dbus();
        desktop
    }

    /// Starts the app on this screen with `data_dir`; the caller ends it.
    pub fn start_app(&self, data_dir: &Path) -> Child {
        let mut cmd = Command::new(&self.app);
        self.environment(&mut cmd);
        cmd.env("HOOKGRID_DATA_DIR", data_dir);
        cmd.spawn().expect("start the app")
    }

    /// What the screen's clipboard holds, read as another program would (`xclip`): what a
    /// paste into a spreadsheet would get.
    pub fn clipboard(&self) -> String {
        let out = Command::new(program("xclip", &[]))
            .args(["-display", &self.display, "-selection", "clipboard", "-o"])
            .output()
            .expect("xclip");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The titles of the top-level windows on this screen.
    pub fn window_titles(&self) -> String {
        let out = Command::new(program("xwininfo", &[]))
            .args(["-display", &self.display, "-root", "-tree"])
            .output()
            .expect("xwininfo");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start_x(&mut self) {
        // Xvfb picks a free display itself and writes its number to stdout once it accepts
        // clients: choosing one here would race with tests running beside this one.
        let mut x = Command::new(program("Xvfb", &[]))
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1440x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(self.log_file())
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        if let Some(out) = x.stdout.take() {
            BufReader::new(out)
                .read_line(&mut line)
                .expect("display number");
        }
        let n: u32 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("Xvfb printed no display number\n{}", self.logs()));
        self.display = format!(":{n}");
        self.children.push(x);
    }

    fn start_dbus(&mut self) {
        let mut bus = Command::new(program("dbus-daemon", &[]))
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(self.log_file())
            .spawn()
            .expect("start dbus-daemon");
        let mut line = String::new();
        if let Some(out) = bus.stdout.take() {
            BufReader::new(out)
                .read_line(&mut line)
                .expect("bus address");
        }
        self.dbus = line.trim().to_owned();
        assert!(!self.dbus.is_empty(), "dbus-daemon printed no address");
        self.children.push(bus);
    }

    /// The environment the app runs in.
    fn environment(&self, cmd: &mut Command) {
        cmd.env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.dbus)
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("HOOKGRID_DATA_DIR", &self.data_dir)
            .env("HOOKGRID_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("RUST_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(self.log_file())
            .stderr(self.log_file());
    }

    fn log_file(&self) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("desktop.log")
    }

    /// What the app, the driver and X logged so far.
    pub fn logs(&self) -> String {
        format!(
            "--- {}\n{}",
            self.log.display(),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        )
    }

    pub fn session(&self) -> &Session {
        self.session.as_ref().expect("session")
    }

    /// The webhook URL of the running app (local).
    pub fn webhook_url(&self) -> String {
        let token = std::fs::read_to_string(self.data_dir.join("token")).expect("token file");
        format!("http://127.0.0.1:{}/hooks/{}", self.port, token.trim())
    }

    /// Starts a second app on the same data dir and desktop; returns how it ended.
    pub fn launch_second(&self) -> ExitStatus {
        let mut child = self.start_app(&self.data_dir);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the second instance kept running\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a PNG of the whole X screen (WebKitWebDriver's own screenshot needs a
    /// compositor that Xvfb does not have).
    pub fn screenshot(&self, path: &Path) {
        let status = Command::new(program("import", &[]))
            .args(["-display", &self.display, "-window", "root"])
            .arg(path)
            .status()
            .expect("run import");
        assert!(status.success(), "screenshot failed");
    }

    /// The app's process id (the process running the app binary on this display).
    pub fn app_pid(&self) -> Option<u32> {
        let app = self.app.canonicalize().ok()?;
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .find_map(|entry| {
                let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
                let env = std::fs::read(entry.path().join("environ")).ok()?;
                let ours = env
                    .split(|b| *b == 0)
                    .any(|v| v == format!("DISPLAY={}", self.display).as_bytes());
                (exe == app && ours).then_some(pid)
            })
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.display.is_empty() {
            // What the window showed when the test failed, and what was logged.
            let shot = screenshots().join("failed.png");
            let _ = std::fs::create_dir_all(screenshots());
            let _ = Command::new("import")
                .args(["-display", &self.display, "-window", "root"])
                .arg(&shot)
                .status();
            eprintln!("screen at failure: {}\n{}", shot.display(), self.logs());
        }
        if let Some(session) = self.session.take() {
            session.quit();
        }
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where screenshots go: `target/screenshots` in the repository.
pub fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots")
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from)
}
