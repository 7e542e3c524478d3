//! Debian's Chromium, headless, driven by `chromedriver` over WebDriver: the review app as a
//! person in a browser sees it. Each browser has its own profile and downloads folder in the
//! workspace; everything stops when the [`Browser`] is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Workspace;
use crate::desktop::{free_port, program, screenshots};
use crate::webdriver::Session;

/// A headless Chromium with its WebDriver session.
#[derive(Debug)]
pub struct Browser {
    pub session: Session,
    driver: Child,
    downloads: PathBuf,
}

impl Browser {
    /// Starts `chromedriver` and a headless Chromium (1440 × 900) whose downloads land in the
    /// workspace.
    pub fn start(ws: &Workspace) -> Browser {
        let chromedriver = program("chromedriver", &[PathBuf::from("/usr/bin/chromedriver")]);
        let chromium = program("chromium", &[PathBuf::from("/usr/bin/chromium")]);
        let port = free_port();
        let log = std::fs::File::create(ws.path().join("chromedriver.log")).expect("log");
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let downloads = ws.path().join("downloads");
        let profile = ws.path().join("chromium-profile");
        std::fs::create_dir_all(&downloads).expect("downloads dir");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1440,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads,
                    "download.prompt_for_download": false,
                },
            },
        });
        let session = Session::new(&base, capabilities).unwrap_or_else(|e| {
            let log =
                std::fs::read_to_string(ws.path().join("chromedriver.log")).unwrap_or_default();
            panic!("Chromium did not start: {e}\n{log}")
        });
        Browser {
            session,
            driver,
            downloads,
        }
    }

    /// Where downloads land.
    pub fn downloads(&self) -> &Path {
        &self.downloads
    }

    /// Waits for a finished download named `name` (60 s at most).
    pub fn downloaded(&self, name: &str) -> PathBuf {
        let path = self.downloads.join(name);
        self.session.wait(&format!("the download {name}"), || {
            let partial = std::fs::read_dir(&self.downloads)
                .map(|d| {
                    d.flatten()
                        .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"))
                })
                .unwrap_or(true);
            (path.is_file() && !partial).then(|| path.clone())
        })
    }

    /// Saves the page as `target/screenshots/<name>.png`.
    pub fn screenshot(&self, name: &str) {
        let dir = screenshots();
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), self.session.screenshot());
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.screenshot("browser-failed");
        }
        self.session.end();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
