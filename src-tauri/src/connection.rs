//! The connection panel's facts: where the listener is, and the URL to give Flatfile.

use serde::Serialize;
use ts_rs::TS;

use crate::error::IpcResult;
use crate::listener::ListenerStatus;
use crate::state::AppState;
use crate::tunnel::{TunnelTool, TunnelView};

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
    pub webhook_url: String,
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
    pub stale: Option<hookgrid::StaleAddress>,
    /// Requests to an old or wrong webhook URL since the app started.
    pub wrong_doors: Option<hookgrid::WrongDoor>,
    /// The tunnel the app runs (or last ran), if any.
    pub tunnel: Option<TunnelView>,
    /// cloudflared and ngrok, and whether this machine has them.
    pub tools: Vec<TunnelTool>,
}

impl Connection {
    pub async fn read(state: &AppState) -> IpcResult<Connection> {
        let settings = state.hookgrid.settings()?;
        let listen = state.listen_in(&settings);
        let listener = state.listener.status().await;
        let local = match &listener {
            ListenerStatus::Running { address, .. } => address.clone(),
            _ => listen.clone(),
        };
        let base_url = settings.base_url(&local);
        let token = state.hookgrid.token();
        Ok(Connection {
            listener,
            listen,
            listen_from_env: state.listen_override.is_some(),
            local_url: format!("http://{local}"),
            public_url: settings.public_url().map(str::to_owned),
            webhook_url: state.hookgrid.webhook_url(&base_url),
            base_url,
            token_fingerprint: hookgrid::token::fingerprint(&token),
            signing: state.hookgrid.requires_signature(),
            retention_days: settings.retention_days,
            data_dir: state.hookgrid.data_dir().root().display().to_string(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            stale: state.hookgrid.stale_address(&local)?,
            wrong_doors: state.hookgrid.wrong_doors(),
            tunnel: state.tunnel.view(),
            tools: crate::tunnel::tools(&settings),
        })
    }
}
