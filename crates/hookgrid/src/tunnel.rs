//! The tunnel in front of the listener, run by Hookgrid (see `hookgrid_tunnel`): found on
//! `PATH` or at a configured path, its pid kept in the data dir so a run that crashed leaves
//! nothing behind for long, and its address made the public URL with a test import sent
//! through it.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

pub use hookgrid_tunnel::{Provider, Tunnel, TunnelConfig, TunnelState, TunnelStatus, find};

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

impl Hookgrid {
    /// Starts a `provider` tunnel to the listener's `port` (on 127.0.0.1): `program` when
    /// given, else the tool on `PATH`. Call it on the tokio runtime the tunnel should live on.
    pub fn start_tunnel(
        &self,
        provider: Provider,
        program: Option<&Path>,
        port: u16,
    ) -> Result<Tunnel> {
        let program = hookgrid_tunnel::find(provider, program)?;
        Ok(Tunnel::start(TunnelConfig {
            provider,
            program,
            port,
            pid_file: Some(self.data_dir().root().join(PID_FILE)),
        }))
    }

    /// Stops a tunnel that an earlier run of Hookgrid left running (it crashed, or was
    /// killed); the pid of the one stopped. For the shells that run a listener, at start-up.
    pub fn stop_tunnel_left_behind(&self) -> Option<u32> {
        hookgrid_tunnel::stop_left_behind(&self.data_dir().root().join(PID_FILE))
    }

    /// The tunnel is up at `url`: it becomes the public URL, and a test import is sent
    /// through it to check that Flatfile's requests would arrive.
    pub async fn tunnel_up(&self, url: &str) -> Result<TestReport> {
        self.set_public_url(url)?;
        Ok(self.send_test_batch(url).await)
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

/// `https://Host:port/path` → `host:port`, as a request's `Host` names it.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}
