//! The tunnel inside the app: started from the connection panel on the listener's actual port,
//! its address made the public URL with a test import sent through it, its state sent to the
//! window as it changes (`hookgrid://tunnel`), and stopped with the app.

use std::sync::Arc;

use hookgrid::connection::tunnel::{Provider, Tunnel, TunnelState, TunnelStatus};
use hookgrid::{Hookgrid, TestReport, TunnelView};
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::{Mutex, watch};

/// The event the window listens on; the payload is a [`TunnelView`].
pub const TUNNEL_EVENT: &str = "hookgrid://tunnel";

/// The one tunnel the app runs, if any.
#[derive(Debug, Default)]
pub struct AppTunnel {
    running: Mutex<Option<Tunnel>>,
    view: Arc<std::sync::Mutex<Option<TunnelView>>>,
}

impl AppTunnel {
    /// What the panel shows: the running (or last) tunnel.
    pub fn view(&self) -> Option<TunnelView> {
        self.view.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Starts a `provider` tunnel to `port`, stopping the one running first (one at a time).
    pub async fn start<R: Runtime>(
        &self,
        app: AppHandle<R>,
        hookgrid: Arc<Hookgrid>,
        provider: Provider,
        port: u16,
    ) -> hookgrid::Result<()> {
        let mut running = self.running.lock().await;
        if let Some(old) = running.take() {
            old.stop().await;
        }
        let tunnel = hookgrid.start_tunnel(provider, None, port)?;
        *self.view.lock().unwrap_or_else(|p| p.into_inner()) = Some(TunnelView {
            state: tunnel.state(),
            test: None,
        });
        tauri::async_runtime::spawn(follow(app, hookgrid, tunnel.watch(), self.view.clone()));
        *running = Some(tunnel);
        Ok(())
    }

    /// Stops the tunnel (its whole process group) and waits for it.
    pub async fn stop(&self) {
        if let Some(tunnel) = self.running.lock().await.take() {
            tunnel.stop().await;
        }
    }

    /// The provider running, if any (to start it again on a new port).
    pub async fn provider(&self) -> Option<Provider> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|t| t.state().provider)
    }
}

/// Follows one tunnel until it is stopped: each new address becomes the public URL and gets a
/// test import; every change goes to the window.
async fn follow<R: Runtime>(
    app: AppHandle<R>,
    hookgrid: Arc<Hookgrid>,
    mut states: watch::Receiver<TunnelState>,
    view: Arc<std::sync::Mutex<Option<TunnelView>>>,
) {
    let mut tested: Option<String> = None;
    loop {
        let state = states.borrow_and_update().clone();
        let publish = |test: Option<TestReport>| {
            let shown = TunnelView {
                state: state.clone(),
                test,
            };
            *view.lock().unwrap_or_else(|p| p.into_inner()) = Some(shown.clone());
            if let Err(e) = app.emit(TUNNEL_EVENT, &shown) {
                tracing::debug!("cannot send the tunnel's state to the window: {e}");
            }
        };
        let kept = view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(|v| v.test.clone());
        match (&state.status, &state.url) {
            (TunnelStatus::Up, Some(url)) if tested.as_ref() != Some(url) => {
                // Up: shown at once, then again with the test import's outcome.
                publish(None);
                tested = Some(url.clone());
                match hookgrid.tunnel_up(url).await {
                    Ok(report) => publish(Some(report)),
                    Err(e) => tracing::error!("cannot use the tunnel's address {url}: {e}"),
                }
            }
            (TunnelStatus::Up, _) => publish(kept),
            _ => publish(None),
        }
        if state.status == TunnelStatus::Stopped || states.changed().await.is_err() {
            return;
        }
    }
}
