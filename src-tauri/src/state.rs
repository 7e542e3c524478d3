//! What every command reaches: the open data dir and the listener.

use std::sync::Arc;

use hookgrid::Hookgrid;

use crate::listener::Listener;
use crate::tunnel::AppTunnel;

/// Environment variable that overrides the listen address for this run (not saved).
pub const LISTEN_ENV: &str = "HOOKGRID_LISTEN";

/// The app's managed state.
#[derive(Debug)]
pub struct AppState {
    pub hookgrid: Arc<Hookgrid>,
    pub listener: Listener,
    pub tunnel: AppTunnel,
    /// `$HOOKGRID_LISTEN`, which wins over the saved address.
    pub listen_override: Option<String>,
}

impl AppState {
    pub fn new(hookgrid: Hookgrid, listen_override: Option<String>) -> AppState {
        AppState {
            hookgrid: Arc::new(hookgrid),
            listener: Listener::default(),
            tunnel: AppTunnel::default(),
            listen_override: listen_override.filter(|l| !l.trim().is_empty()),
        }
    }

    /// The address the listener should bind: the override, else the saved setting.
    pub fn listen_address(&self) -> hookgrid::Result<String> {
        Ok(self.listen_in(&self.hookgrid.settings()?))
    }

    /// [`AppState::listen_address`] given settings already read.
    pub fn listen_in(&self, settings: &hookgrid::Settings) -> String {
        match &self.listen_override {
            Some(addr) => addr.clone(),
            None => settings.listen().to_owned(),
        }
    }
}
