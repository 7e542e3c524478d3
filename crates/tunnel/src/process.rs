//! The tunnel's process: started as the leader of its own process group, so stopping it stops
//! whatever it started too; remembered in a pid file, so a Hookgrid that crashed can stop the
//! one it left behind when it starts again.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

use crate::{Provider, TunnelError};

/// Stops the process group it guards when dropped: a Hookgrid that ends without stopping the
/// tunnel (its runtime dropped, a panic) still leaves no tunnel behind.
#[derive(Debug)]
pub(crate) struct Group {
    pgid: Option<i32>,
    pid_file: Option<PathBuf>,
}

impl Group {
    /// Sends SIGTERM to the whole group, then forgets it.
    pub(crate) fn stop(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            signal_group(pgid, false);
        }
        if let Some(file) = self.pid_file.take() {
            let _ = std::fs::remove_file(file);
        }
    }

    /// SIGKILL for a group that did not go on SIGTERM.
    pub(crate) fn kill(&self, pgid: i32) {
        signal_group(pgid, true);
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `program` for `provider` pointed at `port`, its output piped, in a new process group.
pub(crate) fn spawn(
    provider: Provider,
    program: &Path,
    port: u16,
    pid_file: Option<&Path>,
) -> Result<(Child, Group), TunnelError> {
    let mut command = Command::new(program);
    command
        .args(provider.args(port))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let child = command.spawn().map_err(|source| TunnelError::Start {
        program: program.to_owned(),
        source,
    })?;
    let pgid = child.id().and_then(|id| i32::try_from(id).ok());
    if let (Some(file), Some(pid)) = (pid_file, pgid)
        && let Err(e) = std::fs::write(file, format!("{pid} {}\n", provider.program()))
    {
        tracing::warn!("cannot write {}: {e}", file.display());
    }
    Ok((
        child,
        Group {
            pgid,
            pid_file: pid_file.map(Path::to_owned),
        },
    ))
}

/// Stops a tunnel a previous run left behind, named in `pid_file`: only when that process is
/// still the tool the file names (a pid reused by another program is left alone).
pub fn stop_left_behind(pid_file: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(pid_file).ok()?;
    let _ = std::fs::remove_file(pid_file);
    let mut words = text.split_whitespace();
    let pid: i32 = words.next()?.parse().ok()?;
    let program = words.next()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let first = cmdline.split(|b| *b == 0).next()?;
    let name = Path::new(std::str::from_utf8(first).ok()?).file_name()?;
    if name != program || pid <= 1 {
        return None;
    }
    if !signal_group(pid, false) {
        return None;
    }
    tracing::info!("stopped the {program} tunnel (pid {pid}) a previous run left behind");
    u32::try_from(pid).ok()
}

/// SIGTERM (or SIGKILL) to process group `pgid`; whether it was sent.
#[cfg(unix)]
fn signal_group(pgid: i32, kill: bool) -> bool {
    use nix::sys::signal::{Signal, killpg};
    let signal = if kill {
        Signal::SIGKILL
    } else {
        Signal::SIGTERM
    };
    killpg(nix::unistd::Pid::from_raw(pgid), signal).is_ok()
}

/// Without process groups the tunnel's own process is stopped through its handle
/// (`kill_on_drop`); nothing else is signalled.
#[cfg(not(unix))]
fn signal_group(_pgid: i32, _kill: bool) -> bool {
    false
}
