//! The tunnel's process: started under its guard (see [`crate::guard`]) as the leader of its
//! own process group, so stopping the group stops whatever the tool started too, and so the
//! group ends the moment Hookgrid does; remembered in a pid file by its group and start time,
//! so a Hookgrid that started again can stop a group that outlived a run anyway (its guard
//! killed with it), whatever the tool is called.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, ChildStdin, Command};

use crate::{Provider, TunnelError};

/// Stops the process group it guards when dropped: a Hookgrid that ends without stopping the
/// tunnel (its runtime dropped, a panic) still leaves no tunnel behind.
#[derive(Debug)]
pub(crate) struct Group {
    pgid: Option<i32>,
    pid_file: Option<PathBuf>,
    /// The guard's end of the pipe: closed with this, the guard stops the group.
    _lifeline: Option<ChildStdin>,
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

/// Starts `program` for `provider` pointed at `port`, its output piped, in a new process
/// group: under `guard` (an executable that runs [`crate::guard`]) when given.
pub(crate) fn spawn(
    provider: Provider,
    program: &Path,
    guard: Option<&Path>,
    port: u16,
    pid_file: Option<&Path>,
) -> Result<(Child, Group), TunnelError> {
    let mut command = match guard {
        Some(guard) => {
            let mut command = Command::new(guard);
            command
                .arg(crate::guard::GUARD_ARG)
                .arg(program)
                .stdin(Stdio::piped());
            command
        }
        None => {
            let mut command = Command::new(program);
            command.stdin(Stdio::null());
            command
        }
    };
    command
        .args(provider.args(port))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        // The guard's binary gone (replaced by an upgrade while this ran): the tool alone.
        Err(e) if guard.is_some() && e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(
                "cannot start the tunnel's guard ({e}); starting the tunnel without it, so it \
                 may outlive this run if it ends without stopping it"
            );
            return spawn(provider, program, None, port, pid_file);
        }
        Err(source) => {
            return Err(TunnelError::Start {
                program: program.to_owned(),
                source,
            });
        }
    };
    let lifeline = child.stdin.take();
    let pgid = child.id().and_then(|id| i32::try_from(id).ok());
    if let (Some(file), Some(pid)) = (pid_file, pgid) {
        let started = start_time(pid).unwrap_or_default();
        if let Err(e) = std::fs::write(file, format!("{pid} {started} {}\n", provider.program())) {
            tracing::warn!("cannot write {}: {e}", file.display());
        }
    }
    Ok((
        child,
        Group {
            pgid,
            pid_file: pid_file.map(Path::to_owned),
            _lifeline: lifeline,
        },
    ))
}

/// Stops a tunnel group a previous run left behind, named in `pid_file` by its group id and
/// its leader's start time: when the leader is still that process, or gone but members of its
/// group live on (an id is not given out again while a group of that id lives). A group id
/// now led by another process (the id reused) is left alone. Returns the group stopped.
pub fn stop_left_behind(pid_file: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(pid_file).ok()?;
    let _ = std::fs::remove_file(pid_file);
    let mut words = text.split_whitespace();
    let pgid: i32 = words.next()?.parse().ok()?;
    let started: u64 = words.next()?.parse().ok()?;
    let program = words.next().unwrap_or("tunnel");
    if pgid <= 1 {
        return None;
    }
    let ours = match start_time(pgid) {
        Some(now) => now == started,
        None => !members(pgid).is_empty(),
    };
    if !ours || !signal_group(pgid, false) {
        return None;
    }
    tracing::info!("stopped the {program} tunnel (group {pgid}) a previous run left behind");
    u32::try_from(pgid).ok()
}

/// When process `pid` started (clock ticks after boot: `/proc/PID/stat`'s 22nd field), if it
/// is running (not a zombie).
fn start_time(pid: i32) -> Option<u64> {
    let stat = Stat::read(pid)?;
    (stat.state != 'Z').then_some(stat.started)
}

/// The running processes (zombies aside) of process group `pgid`.
pub fn members(pgid: i32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, Stat::read(pid)?)))
        .filter(|(_, stat)| stat.group == pgid && stat.state != 'Z')
        .filter_map(|(pid, _)| u32::try_from(pid).ok())
        .collect()
}

/// What `/proc/PID/stat` says of a process.
struct Stat {
    state: char,
    group: i32,
    started: u64,
}

impl Stat {
    fn read(pid: i32) -> Option<Stat> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The name, in parentheses, may hold spaces and parentheses itself: the fields
        // start after the last ')'.
        let rest = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the name: state (3rd field), ppid, pgrp (5th), … starttime (22nd).
        Some(Stat {
            state: fields.first()?.chars().next()?,
            group: fields.get(2)?.parse().ok()?,
            started: fields.get(19)?.parse().ok()?,
        })
    }
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A shell leading a new process group, with a `sleep` in it; the shell waits on it.
    fn group() -> (std::process::Child, i32) {
        use std::os::unix::process::CommandExt;
        let child = std::process::Command::new("sh")
            .args(["-c", "sleep 600 & wait"])
            .process_group(0)
            .spawn()
            .expect("sh");
        let pgid = i32::try_from(child.id()).expect("pid");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while members(pgid).len() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "the sleep never started"
            );
            std::thread::yield_now();
        }
        (child, pgid)
    }

    #[test]
    fn a_group_that_outlived_its_leader_is_stopped_and_a_reused_id_is_left_alone() {
        let dir = std::env::temp_dir().join(format!("hookgrid-pid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("tunnel.pid");

        // The leader still runs, but started at another time than the file says: its id was
        // given out again, so it is someone else's.
        let (mut other, other_group) = group();
        let started = start_time(other_group).expect("started");
        std::fs::write(
            &file,
            format!("{other_group} {} cloudflared\n", started + 1),
        )
        .expect("pid file");
        assert_eq!(stop_left_behind(&file), None);
        assert_eq!(members(other_group).len(), 2, "left alone");
        signal_group(other_group, true);
        let _ = other.wait();

        // The leader is gone (killed with the run that started it); its group lives on: it is
        // stopped, whatever the tool was named.
        let (mut leader, pgid) = group();
        let started = start_time(pgid).expect("started");
        std::fs::write(&file, format!("{pgid} {started} a-wrapper.sh\n")).expect("pid file");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pgid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .expect("kill the leader");
        let _ = leader.wait();
        assert_eq!(start_time(pgid), None, "the leader is gone");
        assert_eq!(members(pgid).len(), 1, "its sleep lives on");
        assert_eq!(stop_left_behind(&file), u32::try_from(pgid).ok());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !members(pgid).is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the group outlived the stop"
            );
            std::thread::yield_now();
        }
        assert!(!file.exists(), "the pid file is done with");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
