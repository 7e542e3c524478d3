//! The webhook listener inside the app: axum on Tauri's tokio runtime, started at launch,
//! restarted when its address changes, and stopped (finishing requests in flight) on exit.

use std::net::SocketAddr;
use std::sync::Arc;

use hookgrid::Hookgrid;
use hookgrid::http::{self, Limits};
use serde::Serialize;
use tauri::async_runtime::{self, JoinHandle};
use tokio::sync::{Mutex, oneshot};
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

/// The running server, if any, and how to stop it.
#[derive(Debug)]
pub struct Listener {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    status: ListenerStatus,
    running: Option<Running>,
}

#[derive(Debug)]
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
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

    /// The bound address while running.
    pub async fn local_addr(&self) -> Option<SocketAddr> {
        match &self.inner.lock().await.status {
            ListenerStatus::Running { address, .. } => address.parse().ok(),
            _ => None,
        }
    }

    /// (Re)starts the listener on `address`, stopping any running one first.
    pub async fn start(&self, hookgrid: Arc<Hookgrid>, address: &str) -> ListenerStatus {
        let mut inner = self.inner.lock().await;
        if let Some(running) = inner.running.take() {
            running.shut_down().await;
        }
        let bound = http::bind(address).await.and_then(|l| {
            let local = l.local_addr().map_err(|source| hookgrid::Error::Listen {
                addr: address.to_owned(),
                source,
            })?;
            Ok((l, local))
        });
        inner.status = match bound {
            Ok((listener, local)) => {
                let (stop, stopped) = oneshot::channel::<()>();
                let task = async_runtime::spawn(async move {
                    let shutdown = async {
                        let _ = stopped.await;
                    };
                    if let Err(e) =
                        http::serve(listener, hookgrid, Limits::default(), shutdown).await
                    {
                        tracing::error!("the listener stopped: {e}");
                    }
                });
                inner.running = Some(Running { stop, task });
                if !local.ip().is_loopback() {
                    tracing::warn!("listening on {local}, reachable from other machines");
                }
                tracing::info!("listening on http://{local}");
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
            running.shut_down().await;
            tracing::info!("listener stopped");
        }
        inner.status = ListenerStatus::Stopped;
    }
}

impl Running {
    async fn shut_down(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!("the listener task failed: {e}");
        }
    }
}
