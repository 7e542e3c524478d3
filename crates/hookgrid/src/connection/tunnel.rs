//! The tunnel in front of the listener, run by Hookgrid (see `hookgrid_tunnel`): found on
//! `PATH` or at a configured path, its pid kept in the data dir so a run that crashed leaves
//! nothing behind for long, and its address made the public URL with a test import sent
//! through it.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

pub use hookgrid_tunnel::{
    Provider, Tunnel, TunnelConfig, TunnelState, TunnelStatus, find, group_members, guard,
};

use crate::{Hookgrid, Result, TEST_IMPORT_PREFIX, TestReport};

/// The public address in use is not the one the last import came through: Flatfile still
/// posts to the old one (a quick tunnel's address changes at every start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StaleAddress {
    /// Where the last import came through (`host[:port]`).
    pub was: String,
    /// The public URL's address now.
    pub now: String,
    /// When that import's last part came (RFC 3339, UTC).
    pub last_import_at: String,
}

/// The file naming the running tunnel, in the data dir.
const PID_FILE: &str = "tunnel.pid";
/// The address the running tunnel made the public URL, in the data dir.
const URL_FILE: &str = "tunnel.url";

impl Hookgrid {
    /// Starts a `provider` tunnel to the listener's `port` (on 127.0.0.1): `program` when
    /// given, else the tool on `PATH`. Call it on the tokio runtime the tunnel should live on.
    pub fn start_tunnel(
        &self,
        provider: Provider,
        program: Option<&Path>,
        port: u16,
    ) -> Result<Tunnel> {
        let program = match program {
            Some(path) => hookgrid_tunnel::find(provider, Some(path))?,
            None => self.tunnel_program(provider)?,
        };
        Ok(Tunnel::start(TunnelConfig {
            provider,
            program,
            port,
            pid_file: Some(self.data_dir().root().join(PID_FILE)),
            // This process's own binary runs the guard (its `main` asks first).
            guard: std::env::current_exe().ok(),
        }))
    }

    /// `provider`'s executable: the path saved for it (see [`Hookgrid::set_tunnel_path`]),
    /// else the one on `PATH`.
    pub fn tunnel_program(&self, provider: Provider) -> Result<std::path::PathBuf> {
        self.settings()?.tunnel_program(provider)
    }

    /// Saves where `provider`'s executable is (it must be one), for a tool not on `PATH`;
    /// blank forgets it.
    pub fn set_tunnel_path(&self, provider: Provider, path: &str) -> Result<()> {
        let mut settings = self.settings()?;
        let path = path.trim();
        if path.is_empty() {
            settings.tunnel_paths.remove(provider.program());
        } else {
            hookgrid_tunnel::find(provider, Some(Path::new(path)))?;
            settings
                .tunnel_paths
                .insert(provider.program().to_owned(), path.to_owned());
        }
        self.save_settings(&settings)
    }

    /// Stops a tunnel that an earlier run of Hookgrid left running (it crashed, or was
    /// killed, with its guard); the group stopped. The address that run's tunnel had is
    /// forgotten too (see [`Hookgrid::tunnel_ended`]). For the shells that run a listener, at
    /// start-up.
    pub fn stop_tunnel_left_behind(&self) -> Option<u32> {
        let stopped = hookgrid_tunnel::stop_left_behind(&self.data_dir().root().join(PID_FILE));
        self.tunnel_ended();
        stopped
    }

    /// The tunnel is up at `url`: it becomes the public URL, and a test import is sent
    /// through it to check that Flatfile's requests would arrive.
    pub async fn tunnel_up(&self, url: &str) -> Result<TestReport> {
        self.set_public_url(url, "tunnel")?;
        let noted = self.data_dir().root().join(URL_FILE);
        if let Err(e) = std::fs::write(&noted, format!("{url}\n")) {
            tracing::warn!("cannot write {}: {e}", noted.display());
        }
        Ok(self.send_test_batch(url).await)
    }

    /// The tunnel that set the public URL has ended (stopped, or with a run that crashed):
    /// its address leads nowhere now (a quick tunnel's is never given again), so the public
    /// URL it set is forgotten rather than printed as the webhook URL by the next `serve`.
    /// A public URL set by hand since is kept.
    pub fn tunnel_ended(&self) {
        let noted = self.data_dir().root().join(URL_FILE);
        let Ok(url) = std::fs::read_to_string(&noted) else {
            return;
        };
        let _ = std::fs::remove_file(&noted);
        let url = url.trim();
        let set = self.settings().ok().and_then(|s| s.public_url);
        if set.as_deref() == Some(url) {
            match self.set_public_url("", "tunnel") {
                Ok(_) => tracing::info!("forgot the public URL {url}: its tunnel has ended"),
                Err(e) => tracing::warn!("cannot forget the ended tunnel's address {url}: {e}"),
            }
        }
    }

    /// The public URL in use against the address the newest import came through (test
    /// imports and requests straight to `listener`, the listener's own bound address, are no
    /// evidence of where Flatfile posts): `Some` when they differ.
    pub fn stale_address(&self, listener: &str) -> Result<Option<StaleAddress>> {
        let settings = self.settings()?;
        let Some(public) = settings.public_url() else {
            return Ok(None);
        };
        let listener = listener.to_ascii_lowercase();
        let Some((was, at)) = self
            .core
            .ledger
            .last_arrival(TEST_IMPORT_PREFIX, &listener)?
        else {
            return Ok(None);
        };
        let now = host_of(public);
        Ok((was != now).then_some(StaleAddress {
            was,
            now,
            last_import_at: at,
        }))
    }
}

impl crate::Settings {
    /// [`Hookgrid::tunnel_program`] with these settings, for a caller that has read them.
    pub fn tunnel_program(&self, provider: Provider) -> Result<std::path::PathBuf> {
        let saved = self.tunnel_paths.get(provider.program()).map(Path::new);
        Ok(hookgrid_tunnel::find(provider, saved)?)
    }
}

/// `https://Host:port/path` → `host:port`, as a request's `Host` names it.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_off_path_is_found_at_the_path_saved_for_it() {
        let dir = tempfile::tempdir().expect("dir");
        let hg = Hookgrid::open(dir.path().join("data")).expect("open");
        let not_a_program = dir.path().join("notes.txt");
        std::fs::write(&not_a_program, "").expect("file");
        let refused = hg
            .set_tunnel_path(Provider::Ngrok, &not_a_program.display().to_string())
            .expect_err("not executable");
        assert_eq!(refused.kind(), "tunnel_not_installed");
        let tool = dir.path().join("ngrok");
        std::fs::write(&tool, "#!/bin/sh\n").expect("tool");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        hg.set_tunnel_path(Provider::Ngrok, &format!("  {}  ", tool.display()))
            .expect("saved");
        assert_eq!(hg.tunnel_program(Provider::Ngrok).expect("found"), tool);
        hg.set_tunnel_path(Provider::Ngrok, " ").expect("forgotten");
        assert!(hg.settings().expect("settings").tunnel_paths.is_empty());
        assert_ne!(hg.tunnel_program(Provider::Ngrok).ok(), Some(tool));
    }

    #[test]
    fn a_url_names_its_host_as_a_request_would() {
        assert_eq!(
            host_of("https://A-b.trycloudflare.com"),
            "a-b.trycloudflare.com"
        );
        assert_eq!(host_of("http://127.0.0.1:8787/x"), "127.0.0.1:8787");
    }
}
