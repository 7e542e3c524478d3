//! What every command reaches: the open data dir, the listener and the tunnel this machine
//! runs. It is the facade's [`Host`] for the app: the connection panel asks it where the
//! listener is and which tunnel runs.

use std::sync::Arc;

use hookgrid::api::Caller;
use hookgrid::{Connection, Hookgrid, Host, ListenerStatus, Settings, TunnelView};

use crate::listener::Listener;
use crate::team::Team;
use crate::tunnel::AppTunnel;

/// Environment variable that overrides the listen address for this run (not saved).
pub const LISTEN_ENV: &str = "HOOKGRID_LISTEN";

/// The app's managed state; cheap to clone (everything is shared).
#[derive(Debug, Clone)]
pub struct AppState {
    pub hookgrid: Arc<Hookgrid>,
    pub listener: Arc<Listener>,
    pub tunnel: Arc<AppTunnel>,
    /// The team server the app uses instead of this computer's data, if any.
    pub team: Arc<Team>,
    /// `$HOOKGRID_LISTEN`, which wins over the saved address.
    pub listen_override: Option<String>,
    /// Who uses the app: the person at this machine, with every role.
    pub caller: Caller,
}

impl AppState {
    pub fn new(hookgrid: Hookgrid, listen_override: Option<String>) -> AppState {
        AppState {
            hookgrid: Arc::new(hookgrid),
            listener: Arc::default(),
            tunnel: Arc::default(),
            team: Arc::default(),
            listen_override: listen_override.filter(|l| !l.trim().is_empty()),
            caller: Caller::local(),
        }
    }

    /// The connection panel's facts.
    pub fn connection(&self) -> hookgrid::Result<Connection> {
        self.hookgrid.connection(self, &self.caller)
    }

    /// The address the listener should bind: the override, else the saved setting.
    pub fn listen_address(&self) -> hookgrid::Result<String> {
        Ok(self.listen(&self.hookgrid.settings()?).0)
    }
}

impl Host for AppState {
    fn listener(&self) -> ListenerStatus {
        self.listener.status()
    }

    fn listen(&self, settings: &Settings) -> (String, bool) {
        match &self.listen_override {
            Some(addr) => (addr.clone(), true),
            None => (settings.listen().to_owned(), false),
        }
    }

    fn tunnel(&self) -> Option<TunnelView> {
        self.tunnel.view()
    }

    fn starts_tunnels(&self) -> bool {
        true
    }
}
