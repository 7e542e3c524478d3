//! The webhook listener inside the app: the facade's [`Server`] on Tauri's tokio runtime,
//! started at launch, restarted when its address changes, and stopped (finishing requests in
//! flight) on exit.

use std::sync::Arc;

use hookgrid::http::Limits;
use hookgrid::{Hookgrid, Server};
use serde::Serialize;
use tokio::sync::Mutex;
use ts_rs::TS;

/// What the listener is doing, for the connection panel.
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

/// The running server, if any, and what the connection panel says about it.
#[derive(Debug)]
pub struct Listener {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    status: ListenerStatus,
    running: Option<Server>,
}

impl Default for Listener {
    fn default() -> Self {
        Listener {
            inner: Mutex::new(Inner {
                status: ListenerStatus::Stopped,
                running: None,
            }),
        }
    }
}

impl Listener {
    pub async fn status(&self) -> ListenerStatus {
        self.inner.lock().await.status.clone()
    }

    /// (Re)starts the listener on `address`, stopping any running one first.
    pub async fn start(&self, hookgrid: Arc<Hookgrid>, address: &str) -> ListenerStatus {
        let mut inner = self.inner.lock().await;
        if let Some(running) = inner.running.take() {
            stop(running).await;
        }
        inner.status = match Server::start(hookgrid, address, Limits::default()).await {
            Ok(server) => {
                let local = server.local_addr();
                inner.running = Some(server);
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
        inner.status.clone()
    }

    /// Stops accepting, finishes the requests in flight, and waits for the server to end.
    pub async fn stop(&self) {
        let mut inner = self.inner.lock().await;
        if let Some(running) = inner.running.take() {
            stop(running).await;
        }
        inner.status = ListenerStatus::Stopped;
    }
}

async fn stop(server: Server) {
    if let Err(e) = server.stop().await {
        tracing::error!("{e}");
    }
}
