//! The data dir: where everything Hookgrid keeps lives.
//!
//! ```text
//! <data dir>/
//!   hookgrid.db      the ledger (SQLite, WAL: also hookgrid.db-wal, hookgrid.db-shm)
//!   token            the webhook token (mode 0600)
//!   settings.json    listen address, public URL, signing secret, retention, the window's place
//!   batches/<n>.parquet   derived: one file per complete import, rebuilt when missing
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, io};

/// Environment variable that overrides the default data dir.
pub const DATA_DIR_ENV: &str = "HOOKGRID_DATA_DIR";

/// The data dir and the paths inside it.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// `$HOOKGRID_DATA_DIR`, else the platform data dir (`~/.local/share/hookgrid` on Linux).
    pub fn default_path() -> Result<PathBuf> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        dirs::data_dir().map(|d| d.join("hookgrid")).ok_or_else(|| {
            Error::Config(format!(
                "cannot find a home data directory; set {DATA_DIR_ENV}"
            ))
        })
    }

    /// Uses `root`, creating it (owner-only) when missing. A data dir on a read-only file
    /// system is used as it is.
    pub fn create(root: impl Into<PathBuf>) -> Result<DataDir> {
        let root = root.into();
        std::fs::create_dir_all(root.join("batches")).map_err(io(&root))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            match std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)) {
                // A read-only copy of a data dir (a snapshot) is read as it is.
                Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {}
                other => other.map_err(io(&root))?,
            }
        }
        Ok(DataDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn ledger(&self) -> PathBuf {
        self.root.join("hookgrid.db")
    }

    pub fn token(&self) -> PathBuf {
        self.root.join("token")
    }

    pub fn settings(&self) -> PathBuf {
        self.root.join("settings.json")
    }

    pub fn batches(&self) -> PathBuf {
        self.root.join("batches")
    }
}

/// Settings kept in the data dir. Every field is optional; [`Settings::listen`] and friends
/// give the compiled-in default for a field the file does not set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the listener binds, e.g. `127.0.0.1:8787`.
    pub listen: Option<String>,
    /// The public base URL of the tunnel, e.g. `https://hooks.example.com`.
    pub public_url: Option<String>,
    /// Where the desktop window was, to open it there again.
    pub window: Option<WindowState>,
    /// Standard Webhooks signing secret (`whsec_…`); when set, requests must be signed.
    pub signing_secret: Option<String>,
    /// Delete imports whose last part arrived more than this many days ago (never if unset).
    pub retention_days: Option<u32>,
    /// The tunnel tools' executables, for tools not on `PATH` (`cloudflared` → its path).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tunnel_paths: std::collections::BTreeMap<String, String>,
    /// The team server the desktop app uses instead of this data dir, with its API token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_server: Option<crate::api::client::TeamLogin>,
}

/// The desktop window's last size and place, in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowState {
    pub width: u32,
    pub height: u32,
    pub x: i32,
    pub y: i32,
    pub maximized: bool,
}

/// Where the listener binds unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

impl Settings {
    /// Reads the settings file; a missing file is the defaults.
    pub fn load(dir: &DataDir) -> Result<Settings> {
        let path = dir.settings();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Config(format!("{} is not valid settings: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(io(path)(e)),
        }
    }

    /// Writes the settings file atomically.
    pub(crate) fn save(&self, dir: &DataDir) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Internal(format!("cannot encode settings: {e}")))?;
        write_private(&dir.settings(), &json)
    }

    /// The listen address in force.
    pub fn listen(&self) -> &str {
        self.listen.as_deref().unwrap_or(DEFAULT_LISTEN)
    }

    /// The public tunnel URL, when one is set (a blank one is none).
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref().filter(|u| !u.trim().is_empty())
    }

    /// The base URL Flatfile should post to: the public tunnel URL when set, else the
    /// listener at `local` (`host:port`: the bound address while it runs, else the configured
    /// one). The one place this rule is written.
    pub fn base_url(&self, local: &str) -> String {
        match self.public_url() {
            Some(url) => url.trim().trim_end_matches('/').to_owned(),
            None => format!("http://{local}"),
        }
    }
}

/// Checks a listen address as typed: `host:port` (`127.0.0.1:8787`, `[::1]:8787`,
/// `localhost:0` for a port the system picks). Returns it trimmed.
pub fn check_listen_address(input: &str) -> Result<String> {
    let address = input.trim();
    if address.is_empty() {
        return Err(Error::Config("the listen address is empty".to_owned()));
    }
    let usable = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !usable || address.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(Error::Config(format!(
            "{address:?} is not a listen address: use host:port, e.g. {DEFAULT_LISTEN}"
        )));
    }
    Ok(address.to_owned())
}

/// Checks and tidies a public tunnel URL as typed by a user: `https://host[:port][/prefix]`,
/// without a trailing slash. Blank clears it (`None`).
pub fn check_public_url(input: &str) -> Result<Option<String>> {
    let url = input.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    let bad = |why: &str| {
        Err(Error::Config(format!(
            "{url:?} is not a usable tunnel URL: {why}"
        )))
    };
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return bad("it must start with https:// (or http://)");
    };
    if rest.is_empty() || rest.starts_with('/') {
        return bad("it has no host name");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains(['?', '#']) {
        return bad("it may not contain spaces, '?' or '#'");
    }
    if url.contains("/hooks/") {
        return bad("paste the tunnel's base URL; Hookgrid adds /hooks/<token> itself");
    }
    Ok(Some(url.to_owned()))
}

/// Writes `bytes` to `path` atomically with owner-only permissions.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".hookgrid.")
        .tempfile_in(dir)
        .map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    // NamedTempFile is created 0600 on Unix, and keeps that mode through the rename.
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_to_loopback_and_round_trip() {
        let dir = DataDir::create(tempfile::tempdir().expect("dir").keep()).expect("create");
        let s = Settings::load(&dir).expect("load");
        assert_eq!(s, Settings::default());
        assert_eq!(s.listen(), "127.0.0.1:8787");
        assert_eq!(s.base_url("127.0.0.1:41234"), "http://127.0.0.1:41234");
        let blank = Settings {
            public_url: Some("  ".into()),
            ..Settings::default()
        };
        assert_eq!(blank.public_url(), None);
        assert_eq!(blank.base_url("[::1]:8787"), "http://[::1]:8787");
        let s = Settings {
            listen: Some("127.0.0.1:9999".into()),
            public_url: Some("https://x.trycloudflare.com/".into()),
            window: Some(WindowState {
                width: 1200,
                height: 700,
                x: 10,
                y: -20,
                maximized: false,
            }),
            signing_secret: None,
            retention_days: Some(30),
            tunnel_paths: [("ngrok".to_owned(), "/opt/ngrok/ngrok".to_owned())].into(),
            team_server: Some(crate::api::client::TeamLogin {
                url: "https://review.example.com".into(),
                token: "hgt_1_secret".into(),
            }),
        };
        s.save(&dir).expect("save");
        let back = Settings::load(&dir).expect("load");
        assert_eq!(back, s);
        assert_eq!(
            back.base_url("127.0.0.1:9999"),
            "https://x.trycloudflare.com"
        );
        std::fs::remove_dir_all(dir.root()).expect("clean up");
    }

    #[test]
    fn public_urls_are_checked_and_tidied() {
        let ok = |s: &str| check_public_url(s).expect("valid");
        assert_eq!(ok("  "), None);
        assert_eq!(
            ok(" https://abc.trycloudflare.com/ ").as_deref(),
            Some("https://abc.trycloudflare.com")
        );
        assert_eq!(
            ok("http://10.0.0.2:8080/prefix").as_deref(),
            Some("http://10.0.0.2:8080/prefix")
        );
        for bad in [
            "abc.trycloudflare.com",
            "ftp://x",
            "https://",
            "https:///path",
            "https://a b",
            "https://x?q=1",
            "https://x/hooks/abc",
        ] {
            let err = check_public_url(bad).expect_err(bad);
            assert_eq!(err.kind(), "config", "{bad}");
            assert!(err.to_string().contains("tunnel URL"), "{err}");
        }
    }

    #[test]
    fn listen_addresses_are_host_and_port() {
        for good in [
            "127.0.0.1:8787",
            " [::1]:0 ",
            "localhost:9000",
            "0.0.0.0:80",
        ] {
            assert_eq!(
                check_listen_address(good).ok().as_deref(),
                Some(good.trim())
            );
        }
        for bad in [
            "",
            "  ",
            "8787",
            "127.0.0.1",
            ":8787",
            "host:port",
            "h:70000",
            "a b:1",
        ] {
            assert!(check_listen_address(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_broken_settings_file_is_a_clear_error() {
        let tmp = tempfile::tempdir().expect("dir");
        let dir = DataDir::create(tmp.path()).expect("create");
        std::fs::write(dir.settings(), "{ nope").expect("write");
        let err = Settings::load(&dir).expect_err("broken");
        assert!(err.to_string().contains("settings.json"), "{err}");
    }
}
