//! The webhook listener inside the app: the facade's [`Server`] on Tauri's tokio runtime,
//! started at launch, restarted when its address changes, and stopped (finishing requests in
//! flight) on exit.

use std::sync::Arc;

use hookgrid::intake::http::Limits;
use hookgrid::{Hookgrid, ListenerStatus, Server};
use tokio::sync::Mutex;

/// The running server, if any, and what the connection panel says about it.
#[derive(Debug)]
pub struct Listener {
    /// Held while the server starts or stops, so two restarts do not interleave.
    running: Mutex<Option<Server>>,
    /// Read without waiting for a start or stop under way.
    status: std::sync::Mutex<ListenerStatus>,
}

impl Default for Listener {
    fn default() -> Self {
        Listener {
            running: Mutex::new(None),
            status: std::sync::Mutex::new(ListenerStatus::Stopped),
        }
    }
}

impl Listener {
    pub fn status(&self) -> ListenerStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, status: ListenerStatus) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    /// (Re)starts the listener on `address`, stopping any running one first.
    pub async fn start(&self, hookgrid: Arc<Hookgrid>, address: &str) -> ListenerStatus {
        let mut running = self.running.lock().await;
        if let Some(server) = running.take() {
            stop(server).await;
        }
        let status = match Server::start(hookgrid, address, Limits::default()).await {
            Ok(server) => {
                let local = server.local_addr();
                *running = Some(server);
                ListenerStatus::Running {
                    address: local.to_string(),
                    loopback: local.ip().is_loopback(),
                }
            }
            Err(e) => {
                tracing::error!("{e}");
                ListenerStatus::Failed {
                    address: address.to_owned(),
                    code: e.kind().to_owned(),
                    message: e.to_string(),
                }
            }
        };
        self.set(status.clone());
        status
    }

    /// Stops accepting, finishes the requests in flight, and waits for the server to end.
    pub async fn stop(&self) {
        if let Some(server) = self.running.lock().await.take() {
            stop(server).await;
        }
        self.set(ListenerStatus::Stopped);
    }
}

async fn stop(server: Server) {
    if let Err(e) = server.stop().await {
        tracing::error!("{e}");
    }
}
