//! The connection panel's facts: where the webhook listener is, the URL to give Flatfile, the
//! tunnel, and the settings that say what a request must carry. The facade knows the settings;
//! what only the shell running the listener knows (is it bound, where, which tunnel runs) it
//! asks of a [`Host`].

use serde::Serialize;
use ts_rs::TS;

use super::tunnel::{Provider, TunnelState};
use crate::accounts::{Caller, Role};
use crate::{Hookgrid, Result, Settings, StaleAddress, TestReport, WrongDoor};

/// What the webhook listener is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum ListenerStatus {
    /// Accepting webhooks on `address`.
    Running {
        address: String,
        loopback: bool,
    },
    /// Could not bind `address`; `code` is `address_in_use` when another program holds it.
    Failed {
        address: String,
        code: String,
        message: String,
    },
    Stopped,
}

/// A tunnel as the connection panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TunnelView {
    pub state: TunnelState,
    /// The test import sent through its current address, once back.
    pub test: Option<TestReport>,
}

/// A tunnel tool and whether this machine has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TunnelTool {
    pub provider: Provider,
    /// The executable that would run: the saved path, else the one on `PATH`; `None` when
    /// there is neither.
    pub path: Option<String>,
    /// The path saved for it in the settings, if any.
    pub saved: Option<String>,
    /// How to install it.
    pub install: String,
}

/// Both tools, found or not, with the paths saved in `settings`.
pub fn tunnel_tools(settings: &Settings) -> Vec<TunnelTool> {
    Provider::ALL
        .iter()
        .map(|&provider| TunnelTool {
            provider,
            path: settings
                .tunnel_program(provider)
                .ok()
                .map(|p| p.display().to_string()),
            saved: settings.tunnel_paths.get(provider.program()).cloned(),
            install: provider.install_hint().to_owned(),
        })
        .collect()
}

/// What the shell running the webhook listener knows about it: the desktop app (which starts
/// and stops it, and a tunnel, from the panel) or `hookgrid serve`.
pub trait Host: Send + Sync {
    /// The listener's state now.
    fn listener(&self) -> ListenerStatus;
    /// The address the listener is to bind, given the saved settings, and whether the
    /// environment (`HOOKGRID_LISTEN`) decided it rather than the settings.
    fn listen(&self, settings: &Settings) -> (String, bool);
    /// The tunnel this shell runs (or last ran), if any.
    fn tunnel(&self) -> Option<TunnelView>;
    /// Whether this shell starts tunnels from the panel, so the panel offers the tools.
    fn starts_tunnels(&self) -> bool;
}

/// Everything the connection panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Connection {
    pub listener: ListenerStatus,
    /// The address the listener is configured to bind.
    pub listen: String,
    /// Whether `$HOOKGRID_LISTEN` decides the address (the saved one is not used).
    pub listen_from_env: bool,
    /// `http://<bound address>` while running, else from the configured address.
    pub local_url: String,
    /// The tunnel's public base URL, when set.
    pub public_url: Option<String>,
    /// Where Flatfile posts and the test import goes: the public URL when set, else the local
    /// one.
    pub base_url: String,
    /// The URL to paste into Flatfile: under the public URL when set, else the local one.
    /// It holds the webhook token, so only an admin is shown it (`None` for everyone else).
    pub webhook_url: Option<String>,
    /// A short fingerprint of the token, safe to show and log.
    pub token_fingerprint: String,
    /// Whether requests must carry a Standard Webhooks signature.
    pub signing: bool,
    /// Days imports are kept after their last part (`None`: forever).
    pub retention_days: Option<u32>,
    pub data_dir: String,
    /// This build's version (the workspace's one version, as `hookgrid --version` says).
    pub version: String,
    /// The public address changed since the last import came (Flatfile still posts to the
    /// old one), if it did.
    pub stale: Option<StaleAddress>,
    /// Requests to an old or wrong webhook URL since the listener started.
    pub wrong_doors: Option<WrongDoor>,
    /// The tunnel the listener's shell runs (or last ran), if any.
    pub tunnel: Option<TunnelView>,
    /// cloudflared and ngrok, and whether this machine has them; empty where tunnels are not
    /// started from the panel (a team server).
    pub tools: Vec<TunnelTool>,
}

impl Hookgrid {
    /// The connection as `caller` may see it, with what `host` knows of the listener.
    pub fn connection(&self, host: &dyn Host, caller: &Caller) -> Result<Connection> {
        let settings = self.settings()?;
        let (listen, listen_from_env) = host.listen(&settings);
        let listener = host.listener();
        let local = match &listener {
            ListenerStatus::Running { address, .. } => address.clone(),
            _ => listen.clone(),
        };
        let base_url = settings.base_url(&local);
        Ok(Connection {
            listener,
            listen,
            listen_from_env,
            local_url: format!("http://{local}"),
            public_url: settings.public_url().map(str::to_owned),
            webhook_url: caller
                .role
                .allows(Role::Admin)
                .then(|| self.webhook_url(&base_url)),
            base_url,
            token_fingerprint: crate::intake::token::fingerprint(&self.token()),
            signing: self.requires_signature(),
            retention_days: settings.retention_days,
            data_dir: self.data_dir().root().display().to_string(),
            version: crate::VERSION.to_owned(),
            stale: self.stale_address(&local)?,
            wrong_doors: self.wrong_doors(),
            tunnel: host.tunnel(),
            tools: if host.starts_tunnels() {
                tunnel_tools(&settings)
            } else {
                Vec::new()
            },
        })
    }
}
