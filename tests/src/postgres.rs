//! A PostgreSQL database of its own for one end-to-end test, made in the server `make test`
//! starts (`HOOKGRID_TEST_DATABASE_URL`, see `tests/postgres.sh`) and dropped afterwards.
//! Made and queried with `psql`, so the tests read the database as an operator would.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable `make test` sets to its PostgreSQL server's URL.
pub const SERVER_ENV: &str = "HOOKGRID_TEST_DATABASE_URL";

#[derive(Debug)]
pub struct TestDatabase {
    admin: String,
    name: String,
    /// The database's URL, as `--database` takes it.
    pub url: String,
}

impl TestDatabase {
    pub fn new() -> TestDatabase {
        let admin = std::env::var(SERVER_ENV)
            .unwrap_or_else(|_| panic!("{SERVER_ENV}: make test starts a PostgreSQL for this"));
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "hg_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let (server, _) = admin.rsplit_once('/').expect("a URL with a database");
        TestDatabase {
            url: format!("{server}/{name}"),
            admin,
            name,
        }
    }

    /// What `sql` gives, one line per row, columns joined by `|`.
    pub fn query(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }
}

impl Default for TestDatabase {
    fn default() -> TestDatabase {
        TestDatabase::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([&self.admin, "-qAtc"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

fn psql(url: &str, sql: &str) -> String {
    printed(
        Command::new("psql").args([url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]),
        &format!("psql {sql:?}"),
    )
}

/// What `command` printed, trimmed; it must succeed (`what` names it otherwise).
fn printed(command: &mut Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run it ({e})"));
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// A PostgreSQL server of one test's own (`tests/postgres.sh init`), which the test may stop
/// (an outage) and start again on the same address; removed when dropped.
#[derive(Debug)]
pub struct PrivateServer {
    dir: tempfile::TempDir,
    /// Its `postgres` database's URL.
    pub url: String,
}

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/postgres.sh");

impl PrivateServer {
    pub fn new() -> PrivateServer {
        let dir = tempfile::Builder::new()
            .prefix("hookgrid-pg-own-")
            .tempdir()
            .expect("temp dir");
        let url = script("init", dir.path());
        PrivateServer { dir, url }
    }

    /// Stops the server (`pg_ctl stop -m fast`): its clients' connections end.
    pub fn stop(&self) {
        script("stop", self.dir.path());
    }

    /// Starts it again on the same port, with its data.
    pub fn start(&self) {
        script("start", self.dir.path());
    }
}

impl Default for PrivateServer {
    fn default() -> PrivateServer {
        PrivateServer::new()
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = Command::new(SCRIPT)
            .arg("remove")
            .arg(self.dir.path())
            .output();
    }
}

fn script(what: &str, dir: &std::path::Path) -> String {
    printed(
        Command::new(SCRIPT).arg(what).arg(dir),
        &format!("tests/postgres.sh {what}"),
    )
}
