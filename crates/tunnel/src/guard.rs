//! The tunnel's guard: a small process (the Hookgrid binary itself, run with [`GUARD_ARG`])
//! between Hookgrid and the tunnel tool. It leads the tunnel's process group, holds a pipe
//! from Hookgrid on its stdin, and stops the whole group the moment that pipe closes, which
//! happens however Hookgrid ends (a crash, `kill -9`, a power button), so no tunnel outlives
//! the run that started it, whatever the tool is named or however it was wrapped (a script
//! that starts it, a versioned file name).
//!
//! It also ends the group when the tool exits by itself (a helper it started goes with it),
//! and when it is asked to stop (SIGTERM, what Hookgrid sends the group to stop the tunnel),
//! giving the tool [`GRACE`] to go before SIGKILL. Its exit code is the tool's. The pipe
//! carries nothing: only its end matters.

use std::process::ExitCode;
use std::time::Duration;

/// The first argument that makes a Hookgrid binary the tunnel's guard:
/// `hookgrid __tunnel-guard PROGRAM ARGS…`.
pub const GUARD_ARG: &str = "__tunnel-guard";

/// How long the tool has after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// Runs the guard when `args` (the process's, after the program name) ask for it; `None`
/// when they do not, and the binary goes on as itself. For a binary's `main`, first thing.
pub fn run_if_asked(args: &[std::ffi::OsString]) -> Option<ExitCode> {
    if args.first().is_none_or(|a| a != GUARD_ARG) {
        return None;
    }
    let Some(program) = args.get(1) else {
        eprintln!("{GUARD_ARG}: no program to run");
        return Some(ExitCode::from(2));
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{GUARD_ARG}: cannot start: {e}");
            return Some(ExitCode::from(2));
        }
    };
    Some(runtime.block_on(guard(program, &args[2..])))
}

#[cfg(unix)]
async fn guard(program: &std::ffi::OsStr, args: &[std::ffi::OsString]) -> ExitCode {
    use std::io::Read;
    use tokio::signal::unix::{SignalKind, signal};

    // Registered first: the SIGTERM this guard sends its own group must not end it before
    // the tool is gone.
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        eprintln!("{GUARD_ARG}: cannot watch for SIGTERM");
        return ExitCode::from(2);
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot start {}: {e}", program.to_string_lossy());
            return ExitCode::from(127);
        }
    };
    // The pipe is read on a thread of its own: its end (or an error) means Hookgrid is gone
    // or let go of the tunnel.
    let (closed, pipe_closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });
    let exited = tokio::select! {
        status = child.wait() => status.ok(),
        _ = pipe_closed => None,
        _ = terminate.recv() => None,
    };
    // Hookgrid starts the guard as the leader of a new group: its id is the group's.
    let group = nix::unistd::Pid::from_raw(i32::try_from(std::process::id()).unwrap_or(0));
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGTERM);
    let status = match exited {
        Some(status) => Some(status),
        None => tokio::time::timeout(GRACE, child.wait())
            .await
            .ok()
            .and_then(Result::ok),
    };
    // Whatever is left of the group (a helper the tool started, a tool that ignored SIGTERM):
    // this guard leads the group, so it goes too, which is the end anyway.
    if status.is_none() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    // Whatever else is left of the group (a helper the tool started, deaf to SIGTERM) is
    // killed; this guard goes last, by returning.
    let me = std::process::id();
    for pid in crate::process::members(group.as_raw()) {
        if pid != me
            && let Ok(pid) = i32::try_from(pid)
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    let code = status.and_then(|s| s.code()).unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Without process groups there is nothing to guard: the tool runs as it is.
#[cfg(not(unix))]
async fn guard(program: &std::ffi::OsStr, args: &[std::ffi::OsString]) -> ExitCode {
    match tokio::process::Command::new(program)
        .args(args)
        .status()
        .await
    {
        Ok(status) => ExitCode::from(
            status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1),
        ),
        Err(e) => {
            eprintln!("cannot start {}: {e}", program.to_string_lossy());
            ExitCode::from(127)
        }
    }
}
