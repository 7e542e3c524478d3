//! The tunnel in front of the listener, run by Hookgrid (see `hookgrid_tunnel`): found on
//! `PATH` or at a configured path, its pid kept in the data dir so a run that crashed leaves
//! nothing behind for long, and its address made the public URL with a test import sent
//! through it.

use std::path::Path;

pub use hookgrid_tunnel::{Provider, Tunnel, TunnelConfig, TunnelState, TunnelStatus, find};

use crate::{Hookgrid, Result, TestReport};

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
}
