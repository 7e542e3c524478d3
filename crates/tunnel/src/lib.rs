//! A tunnel to the listener, run by Hookgrid: `cloudflared tunnel --url http://127.0.0.1:PORT`
//! (a quick tunnel, a new `https://….trycloudflare.com` address each start) or `ngrok http
//! PORT` with its JSON log on stdout. [`Tunnel::start`] runs it as a child process, reads the
//! public address from its output, restarts it with backoff when it exits, and keeps its last
//! log lines for the user; [`Tunnel::stop`] (or dropping it) stops its whole process group,
//! and its [`guard`] stops the group when Hookgrid ends any other way.
//!
//! What the tool prints is only ever read: the address is taken from the known shapes (see
//! [`output`]) and must look like a plain URL; log lines are shown as text.

pub mod guard;
pub mod output;
mod process;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use ts_rs::TS;

pub use process::{members as group_members, stop_left_behind};

/// The tunnel tools Hookgrid can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Provider {
    Cloudflared,
    Ngrok,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Cloudflared, Provider::Ngrok];

    /// The executable's name.
    pub fn program(self) -> &'static str {
        match self {
            Provider::Cloudflared => "cloudflared",
            Provider::Ngrok => "ngrok",
        }
    }

    /// The tool's arguments for a tunnel to `port` on 127.0.0.1.
    pub fn args(self, port: u16) -> Vec<String> {
        match self {
            Provider::Cloudflared => vec![
                "tunnel".into(),
                "--no-autoupdate".into(),
                "--url".into(),
                format!("http://127.0.0.1:{port}"),
            ],
            Provider::Ngrok => vec![
                "http".into(),
                port.to_string(),
                "--log".into(),
                "stdout".into(),
                "--log-format".into(),
                "json".into(),
            ],
        }
    }

    /// How to get the tool, for a user who does not have it.
    pub fn install_hint(self) -> &'static str {
        match self {
            Provider::Cloudflared => {
                "install cloudflared from Cloudflare's package repository (pkg.cloudflare.com) or \
                 its releases page; no account is needed for a quick tunnel"
            }
            Provider::Ngrok => {
                "install ngrok from ngrok.com/download and add your auth token once with \
                 `ngrok config add-authtoken TOKEN`"
            }
        }
    }
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Provider, String> {
        match s {
            "cloudflared" => Ok(Provider::Cloudflared),
            "ngrok" => Ok(Provider::Ngrok),
            other => Err(format!(
                "unknown tunnel {other:?}: use cloudflared or ngrok"
            )),
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.program())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TunnelError {
    #[error("{provider} is not installed (not found on PATH); {}", provider.install_hint())]
    NotInstalled { provider: Provider },
    #[error("{} is not an executable file", path.display())]
    NotExecutable { path: PathBuf },
    #[error("cannot start {}: {source}", program.display())]
    Start {
        program: PathBuf,
        source: std::io::Error,
    },
}

/// The executable for `provider`: `configured` when given (it must be an executable file),
/// else the first on `PATH`.
pub fn find(provider: Provider, configured: Option<&Path>) -> Result<PathBuf, TunnelError> {
    if let Some(path) = configured {
        return if is_executable(path) {
            Ok(path.to_owned())
        } else {
            Err(TunnelError::NotExecutable {
                path: path.to_owned(),
            })
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(provider.program()))
        .find(|candidate| is_executable(candidate))
        .ok_or(TunnelError::NotInstalled { provider })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Where a tunnel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TunnelStatus {
    /// Started; its address not printed yet.
    Starting,
    /// Its address is known.
    Up,
    /// It exited; it is started again after a pause.
    Down,
    /// Stopped by Hookgrid.
    Stopped,
}

/// A tunnel as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TunnelState {
    pub provider: Provider,
    pub status: TunnelStatus,
    /// The public address, while up.
    pub url: Option<String>,
    /// The running process (the leader of its group).
    pub pid: Option<u32>,
    /// Times it was started again after exiting.
    pub restarts: u32,
    /// What went wrong, in words: the tool's first error line when it printed one.
    pub message: Option<String>,
    /// Its last lines of output, colour codes removed.
    pub log: Vec<String>,
    /// When the status last changed, in ms since the epoch.
    #[ts(type = "number")]
    pub since_ms: u64,
}

/// Lines of output kept for the user.
const LOG_LINES: usize = 12;
/// Pauses between restarts: doubled per failure up to the last, back to the first after a run
/// that stayed up a while.
const BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
const STAYED_UP: Duration = Duration::from_secs(60);
/// How long the group has to go after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// What to run.
#[derive(Debug, Clone)]
pub struct TunnelConfig {
    pub provider: Provider,
    pub program: PathBuf,
    /// The listener's port on 127.0.0.1.
    pub port: u16,
    /// Where the running tunnel's pid is kept (see [`stop_left_behind`]).
    pub pid_file: Option<PathBuf>,
    /// The executable that runs the tool under its [`guard`]: a binary whose `main` calls
    /// [`guard::run_if_asked`] (Hookgrid's own). `None` runs the tool directly.
    pub guard: Option<PathBuf>,
}

/// A running tunnel and the task that watches it. Dropping it stops the tunnel too.
#[derive(Debug)]
pub struct Tunnel {
    state: watch::Receiver<TunnelState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Tunnel {
    /// Starts the tunnel on the current tokio runtime. Call it from a task, not the blocking
    /// pool: the child belongs to the runtime that started it.
    pub fn start(config: TunnelConfig) -> Tunnel {
        if let Some(file) = &config.pid_file {
            stop_left_behind(file);
        }
        let (tx, rx) = watch::channel(TunnelState {
            provider: config.provider,
            status: TunnelStatus::Starting,
            url: None,
            pid: None,
            restarts: 0,
            message: None,
            log: Vec::new(),
            since_ms: now_ms(),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(supervise(config, tx, stopped));
        Tunnel {
            state: rx,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn state(&self) -> TunnelState {
        self.state.borrow().clone()
    }

    /// Every change of state, as it happens.
    pub fn watch(&self) -> watch::Receiver<TunnelState> {
        self.state.clone()
    }

    /// Stops the tunnel's whole process group and waits for it to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        // The task owns the process group and stops it when it ends.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Publishes changes of state, stamping changes of status.
struct Reporter(watch::Sender<TunnelState>);

impl Reporter {
    fn set(&self, change: impl FnOnce(&mut TunnelState)) {
        self.0.send_modify(|s| {
            let before = s.status;
            change(s);
            if s.status != before {
                s.since_ms = now_ms();
            }
        });
    }
}

/// Runs the tunnel until told to stop: start, read, and start again after it exits.
async fn supervise(
    config: TunnelConfig,
    state: watch::Sender<TunnelState>,
    mut stopped: oneshot::Receiver<()>,
) {
    let set = Reporter(state);
    let mut backoff = BACKOFF;
    let mut log: VecDeque<String> = VecDeque::with_capacity(LOG_LINES);
    loop {
        set.set(|s| {
            s.status = TunnelStatus::Starting;
            s.url = None;
            s.pid = None;
        });
        let started = Instant::now();
        let exit = match process::spawn(
            config.provider,
            &config.program,
            config.guard.as_deref(),
            config.port,
            config.pid_file.as_deref(),
        ) {
            Err(e) => Exit::Failed(e.to_string()),
            Ok((child, group)) => run(&config, child, group, &set, &mut log, &mut stopped).await,
        };
        let message = match exit {
            Exit::Stopped => {
                set.set(|s| {
                    s.status = TunnelStatus::Stopped;
                    s.url = None;
                    s.pid = None;
                });
                return;
            }
            Exit::Exited(message) | Exit::Failed(message) => message,
        };
        if started.elapsed() >= STAYED_UP {
            backoff = BACKOFF;
        }
        tracing::warn!(
            "the {} tunnel stopped: {message}; starting it again in {} s",
            config.provider,
            backoff.as_secs()
        );
        let lines: Vec<String> = log.iter().cloned().collect();
        set.set(|s| {
            s.status = TunnelStatus::Down;
            s.url = None;
            s.pid = None;
            s.message = Some(message.clone());
            s.log = lines.clone();
        });
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = &mut stopped => {
                set.set(|s| s.status = TunnelStatus::Stopped);
                return;
            }
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
        set.set(|s| s.restarts += 1);
    }
}

enum Exit {
    /// Hookgrid stopped it.
    Stopped,
    /// It exited on its own.
    Exited(String),
    /// It could not be started.
    Failed(String),
}

/// Reads one run of the tunnel until it exits or is stopped.
async fn run(
    config: &TunnelConfig,
    mut child: tokio::process::Child,
    mut group: process::Group,
    set: &Reporter,
    log: &mut VecDeque<String>,
    stopped: &mut oneshot::Receiver<()>,
) -> Exit {
    let pid = child.id();
    set.set(|s| s.pid = pid);
    // The lines shown are this run's: an earlier run's would muddle why this one ended.
    log.clear();
    let (lines_tx, mut lines) = mpsc::channel::<String>(64);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward(out, lines_tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward(err, lines_tx.clone()));
    }
    drop(lines_tx);
    let mut reader = output::Reader::new(config.provider);
    let mut failure: Option<String> = None;
    let mut open = true;
    loop {
        tokio::select! {
            line = lines.recv(), if open => match line {
                None => open = false,
                Some(line) => {
                    let line = output::strip_ansi(&line);
                    if let Some(url) = reader.address(&line) {
                        tracing::info!("the {} tunnel is up at {url}", config.provider);
                        set.set(|s| {
                            s.status = TunnelStatus::Up;
                            s.url = Some(url.clone());
                            s.message = None;
                        });
                    }
                    if failure.is_none() {
                        failure = reader.failure(&line);
                    }
                    if log.len() == LOG_LINES {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
            },
            status = child.wait() => {
                // The group's other members go with it.
                group.stop();
                // Lines still in the pipe say why it ended.
                while let Ok(Some(line)) = tokio::time::timeout(Duration::from_millis(200), lines.recv()).await {
                    let line = output::strip_ansi(&line);
                    if failure.is_none() {
                        failure = reader.failure(&line);
                    }
                    if log.len() == LOG_LINES {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
                let how = match status {
                    Ok(s) => match s.code() {
                        Some(code) => format!("{} exited with code {code}", config.provider),
                        None => format!("{} was stopped by a signal", config.provider),
                    },
                    Err(e) => format!("cannot wait for {}: {e}", config.provider),
                };
                return Exit::Exited(match failure {
                    Some(said) => format!("{how}: {said}"),
                    None => how,
                });
            }
            _ = &mut *stopped => {
                let pgid = pid.and_then(|p| i32::try_from(p).ok());
                group.stop();
                if !cfg!(unix) {
                    // No group to signal: the process itself.
                    let _ = child.start_kill();
                }
                if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
                    if let Some(pgid) = pgid {
                        group.kill(pgid);
                    }
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                }
                tracing::info!("the {} tunnel stopped", config.provider);
                return Exit::Stopped;
            }
        }
    }
}

/// Sends each line of `stream` on `lines`.
async fn forward(stream: impl AsyncRead + Unpin, lines: mpsc::Sender<String>) {
    let mut reader = BufReader::new(stream).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        if lines.send(line).await.is_err() {
            return;
        }
    }
}
