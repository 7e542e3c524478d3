//! Helpers for the end-to-end tests of the real binaries, which live in the binaries' own
//! packages (`crates/cli/tests`, `src-tauri/tests`) so Cargo builds the binary first and names
//! it in `CARGO_BIN_EXE_*`: a temp data dir per test, a running `hookgrid serve` on a free
//! port, CLI runs that print everything on failure, and the desktop app under Xvfb.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod browser;
pub mod desktop;
pub mod figures;
pub mod nginx;
pub mod postgres;
pub mod standin;
pub mod webdriver;
mod xlsx;

pub use xlsx::read_xlsx;

/// A temp data dir, kept on disk and printed when a test fails, and the binary under test.
#[derive(Debug)]
pub struct Workspace {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Workspace {
    /// `bin` is the binary under test, as Cargo builds it for the test:
    /// `Workspace::new(env!("CARGO_BIN_EXE_hookgrid"))`.
    pub fn new(bin: impl Into<PathBuf>) -> Workspace {
        Workspace {
            dir: tempfile::Builder::new()
                .prefix("hookgrid-e2e-")
                .tempdir()
                .expect("temp dir"),
            bin: bin.into(),
        }
    }

    /// The binary under test.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A `hookgrid` command on this workspace's data dir.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("HOOKGRID_DATA_DIR", self.data_dir())
            .env_remove("HOOKGRID_LISTEN")
            .env_remove("HOOKGRID_PUBLIC_URL")
            .env_remove("HOOKGRID_TUNNEL")
            .env("RUST_LOG", "info");
        cmd
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(out.status.success(), "{}", self.report(args, &out));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs a command that must succeed and print JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let text = self.run(args);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{args:?} printed non-JSON ({e}):\n{text}"))
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fail(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(
            !out.status.success(),
            "expected failure\n{}",
            self.report(args, &out)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run hookgrid")
    }

    fn report(&self, args: &[&str], out: &Output) -> String {
        format!(
            "hookgrid {args:?} in {}\nstatus: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.path().display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Adds a user to this workspace's data dir with `password`, given on stdin as a script
    /// would (`user add --password-stdin`).
    pub fn add_user(&self, name: &str, role: &str, password: &str) {
        self.add_user_with(&[], name, role, password);
    }

    /// A new API token of user `name`, labelled `label`, as `hookgrid user token` prints it
    /// (shown once).
    pub fn api_token(&self, name: &str, label: &str) -> String {
        self.run(&["user", "token", name, "--label", label])
            .trim()
            .to_owned()
    }

    /// [`Workspace::add_user`] with more arguments (`--database URL`).
    pub fn add_user_with(&self, args: &[&str], name: &str, role: &str, password: &str) {
        let mut child = self
            .command(
                &[
                    &["user", "add", name, "--role", role, "--password-stdin"],
                    args,
                ]
                .concat(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("user add");
        std::io::Write::write_all(
            &mut child.stdin.take().expect("stdin"),
            format!("{password}\n").as_bytes(),
        )
        .expect("write the password");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "user add {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "a password given is not printed back"
        );
    }

    /// A self-signed server certificate for 127.0.0.1 and its key (PEM), made with OpenSSL in
    /// this workspace: not a CA's, which clients refuse as a server's.
    pub fn certificate(&self) -> (PathBuf, PathBuf) {
        let dir = self.path();
        let config = dir.join("openssl.cnf");
        std::fs::write(
            &config,
            "[req]\ndistinguished_name = dn\nx509_extensions = leaf\nprompt = no\n\
             [dn]\nCN = 127.0.0.1\n\
             [leaf]\nbasicConstraints = critical,CA:FALSE\nsubjectAltName = IP:127.0.0.1\n\
             keyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .expect("openssl.cnf");
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args(["-noenc", "-days", "2", "-config"])
            .arg(&config)
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("run openssl (`make test` installs it)");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        (cert, key)
    }

    /// Starts `hookgrid serve` on a free loopback port and waits for its webhook URL.
    pub fn serve(&self) -> Server {
        self.serve_with(&[], &[])
    }

    /// serve.log in the workspace, opened for appending: where a server started here logs,
    /// kept for failures.
    pub fn serve_log_file(&self) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path().join("serve.log"))
            .expect("serve.log")
    }

    /// What servers started here have logged so far.
    pub fn serve_log(&self) -> String {
        std::fs::read_to_string(self.path().join("serve.log")).unwrap_or_default()
    }

    /// [`Workspace::serve`] with more arguments and environment variables.
    pub fn serve_with(&self, args: &[&str], envs: &[(&str, &std::ffi::OsStr)]) -> Server {
        let mut command = self.command(&[&["serve", "--listen", "127.0.0.1:0"], args].concat());
        command.envs(envs.iter().copied());
        self.spawn_server(command, args.contains(&"--review-listen"))
    }

    /// [`Workspace::serve_with`] run by `wrapper` (e.g. `prlimit --nofile=1024`), which
    /// must exec the command it is given.
    pub fn serve_under(&self, wrapper: &[&str], args: &[&str]) -> Server {
        let inner = self.command(&[&["serve", "--listen", "127.0.0.1:0"], args].concat());
        let mut command = Command::new(wrapper[0]);
        command.args(&wrapper[1..]).arg(inner.get_program());
        command.args(inner.get_args());
        for (key, value) in inner.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        self.spawn_server(command, args.contains(&"--review-listen"))
    }

    fn spawn_server(&self, mut command: Command, review: bool) -> Server {
        let log = self.serve_log_file();
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start hookgrid serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let (review_tx, review_rx) = mpsc::channel();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let seen = printed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(mut all) = seen.lock() {
                    all.push_str(&line);
                    all.push('\n');
                }
                if let Some(url) = line.strip_prefix("Webhook URL: ") {
                    let _ = tx.send(url.trim().to_owned());
                }
                if let Some(url) = line.strip_prefix("Review app: ") {
                    let _ = review_tx.send(url.trim().to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let log = self.serve_log();
                panic!("hookgrid serve printed no webhook URL within 60 s; its log:\n{log}");
            }
        };
        let review = review.then(|| {
            review_rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| {
                    panic!(
                        "hookgrid serve --review-listen printed no review URL; its log:\n{}",
                        self.serve_log()
                    )
                })
        });
        Server {
            child,
            url,
            urls: rx,
            review,
            printed,
        }
    }
}

/// A running `hookgrid serve`; killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub url: String,
    /// Webhook URLs printed after the first (a tunnel that came up at a new address).
    urls: mpsc::Receiver<String>,
    /// The review listener's URL (`http(s)://127.0.0.1:PORT`), when started with
    /// `--review-listen`.
    pub review: Option<String>,
    /// Everything it printed on stdout so far.
    printed: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// What it printed on stdout so far.
    pub fn printed(&self) -> String {
        self.printed.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The review listener's URL; panics when it was not started.
    pub fn review(&self) -> &str {
        self.review
            .as_deref()
            .expect("started with --review-listen")
    }

    /// The next webhook URL the server prints, within `timeout`.
    pub fn next_url(&self, timeout: Duration) -> Option<String> {
        self.urls.recv_timeout(timeout).ok()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        let i = self.url.find("/hooks/").expect("webhook path");
        self.url[..i].to_owned()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for a clean exit; returns whether it exited with success.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Flatfile-shaped request body.
pub use hookgrid::sample::request_body as payload;

/// Column names of a frame read back from an export.
/// One column of an exported CSV file, read back by the `csv` crate (an independent reader).
pub fn csv_column(path: &Path, column: &str) -> Vec<String> {
    let mut csv = csv::Reader::from_path(path).expect("csv");
    let at = csv
        .headers()
        .expect("headers")
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no {column} column"));
    csv.records()
        .map(|r| r.expect("record")[at].to_owned())
        .collect()
}

pub fn names(df: &polars::prelude::DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// A text column of a frame read back from an export.
pub fn text(df: &polars::prelude::DataFrame, column: &str) -> Vec<Option<String>> {
    let values = df
        .column(column)
        .unwrap_or_else(|e| panic!("{column}: {e}"));
    let values = values.str().unwrap_or_else(|e| panic!("{column}: {e}"));
    values.iter().map(|v| v.map(str::to_owned)).collect()
}

/// POSTs a body; returns the status and the JSON answer.
pub fn post(client: &reqwest::blocking::Client, url: &str, body: Vec<u8>) -> (u16, Value) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .expect("POST");
    let status = response.status().as_u16();
    let json = response.json().unwrap_or(Value::Null);
    (status, json)
}

/// Reads server-sent events until one named `name` arrives (core events are all named
/// `event`, told apart by their `type`: then `kind` must match it); returns its data. Fails
/// when none came within a minute (the stream's keep-alive comments end each wait).
pub fn next_event(lines: &mut impl BufRead, name: &str, kind: Option<&str>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut current = String::new();
    loop {
        assert!(
            Instant::now() < deadline,
            "no {name} {kind:?} on the event stream within a minute"
        );
        let mut line = String::new();
        let n = lines.read_line(&mut line).expect("event stream");
        assert!(n > 0, "the event stream ended before {name} {kind:?}");
        let line = line.trim_end();
        if let Some(named) = line.strip_prefix("event: ") {
            current = named.to_owned();
        } else if let Some(data) = line.strip_prefix("data: ")
            && current == name
        {
            let data: Value = serde_json::from_str(data).expect("event data is JSON");
            if kind.is_none_or(|k| data["type"] == k) {
                return data;
            }
        }
    }
}
