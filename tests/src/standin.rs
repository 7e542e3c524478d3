//! The stand-in tunnel tools (`src/bin/tunnel-standin.rs`) put on `PATH` for a test: a temp
//! dir holding copies named `cloudflared` and `ngrok`.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A dir with `cloudflared` and `ngrok` stand-ins, a `PATH` that finds them first, and the
/// file they write their pids to.
#[derive(Debug)]
pub struct Standins {
    dir: tempfile::TempDir,
    path: OsString,
    pids: OsString,
}

impl Standins {
    pub fn new() -> Standins {
        let built = standin_binary();
        let dir = tempfile::Builder::new()
            .prefix("hookgrid-standins-")
            .tempdir()
            .expect("temp dir");
        for name in ["cloudflared", "ngrok"] {
            std::fs::copy(&built, dir.path().join(name))
                .unwrap_or_else(|e| panic!("copy {} as {name}: {e}", built.display()));
        }
        let rest = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![dir.path().to_owned()];
        dirs.extend(std::env::split_paths(&rest));
        let path = std::env::join_paths(dirs).expect("PATH");
        let pids = dir.path().join("pids").into_os_string();
        Standins { dir, path, pids }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The environment that runs the stand-ins: `PATH` with them first, and where they note
    /// their pids (see [`Standins::pids`]).
    pub fn env(&self) -> [(&'static str, &OsStr); 2] {
        [("PATH", &self.path), ("STANDIN_PIDS", &self.pids)]
    }

    /// The pids the stand-ins started so far wrote: each run's own, then its `sleep`
    /// helper's.
    pub fn pids(&self) -> Vec<u32> {
        std::fs::read_to_string(&self.pids)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

impl Default for Standins {
    fn default() -> Standins {
        Standins::new()
    }
}

/// The stand-in as Cargo built it, beside the test's own `deps` dir (`cargo test --workspace`
/// builds it for this package's integration test).
fn standin_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let built = profile.join("tunnel-standin");
    assert!(
        built.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p hookgrid-tests --bins`)",
        built.display()
    );
    built
}

/// Whether a process is still running (not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // pid (comm) STATE …; comm may hold spaces, so read after the last ')'.
            let after = &stat[stat.rfind(')')? + 1..];
            after.split_whitespace().next().map(|s| s != "Z")
        })
        .unwrap_or(false)
}

/// `kill -9`: a tunnel dying without a word.
pub fn kill9(pid: u32) {
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success(), "kill -9 {pid}");
}
