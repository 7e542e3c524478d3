//! Running the listener: the one start-up both shells use. [`Server::start`] binds, logs where
//! it listens (warning when other machines can reach it) and serves on the caller's tokio
//! runtime; [`Hookgrid::background`] is the work that runs beside it; [`terminated`] resolves
//! when the process is asked to stop; [`init_logging`] sets up the log both shells write.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::intake::http::{self, Limits};
use crate::{Error, Event, Hookgrid, Result};

/// A listener serving webhooks until [`Server::stop`].
#[derive(Debug)]
pub struct Server {
    local: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Binds `addr` (`host:port`; port 0 lets the system choose) and starts serving on the
    /// current tokio runtime. Fails with [`Error::Listen`] when the address cannot be bound.
    pub async fn start(hookgrid: Arc<Hookgrid>, addr: &str, limits: Limits) -> Result<Server> {
        let listen = |source| Error::Listen {
            addr: addr.to_owned(),
            source,
        };
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(listen)?;
        let local = listener.local_addr().map_err(listen)?;
        if !local.ip().is_loopback() {
            tracing::warn!(
                "listening on {local}, reachable from other machines; the default 127.0.0.1 \
                 keeps the listener private to this machine and its tunnel"
            );
        }
        tracing::info!("listening on http://{local}");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(http::serve(listener, hookgrid, limits, shutdown));
        Ok(Server { local, stop, task })
    }

    /// The address actually bound (with the system's port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops accepting, finishes the requests in flight, and waits for the server to end.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {
                tracing::info!("listener stopped");
                Ok(())
            }
            Ok(Err(e)) => Err(Error::Internal(format!("the listener failed: {e}"))),
            Err(e) => Err(Error::Internal(format!("the listener task failed: {e}"))),
        }
    }
}

impl Hookgrid {
    /// The work that runs beside a listener for as long as it serves: queue batch files that
    /// are missing for rebuilding (checking every file takes a while with many imports, so on
    /// a blocking thread), apply retention hourly, and log each import's outcome. Spawn it on
    /// the listener's runtime; it ends only with the runtime.
    pub async fn background(self: Arc<Self>) {
        let checked = Arc::clone(&self);
        let rebuild = tokio::task::spawn_blocking(move || match checked.rebuild_missing() {
            Ok(0) => {}
            Ok(n) => tracing::info!("rebuilding {n} batch file(s) from the ledger"),
            Err(e) => tracing::error!("cannot check batch files: {e}"),
        });
        let events = self.subscribe();
        tokio::join!(
            async {
                if let Err(e) = rebuild.await {
                    tracing::error!("the batch file check failed: {e}");
                }
            },
            self.clone().keep_retention(),
            self.watch_reachability(crate::connection::reach::reach_interval()),
            log_events(events),
        );
    }
}

/// A log line for each import that completes, is ready or fails.
async fn log_events(mut events: tokio::sync::broadcast::Receiver<Event>) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match events.recv().await {
            Ok(Event::BatchCompleted {
                event,
                batch,
                valid,
                invalid,
            }) => {
                tracing::info!(
                    "batch complete: batch={batch} event={event} valid={valid} invalid={invalid}"
                );
            }
            Ok(Event::BatchReady { event, rows, .. }) => {
                tracing::info!("batch ready: event={event} rows={rows}");
            }
            Ok(Event::BatchFailed { event, message, .. }) => {
                tracing::error!("batch file failed: event={event}: {message}");
            }
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => tracing::debug!("event log skipped {n} events"),
            Err(RecvError::Closed) => return,
        }
    }
}

/// Resolves when the process is asked to stop: Ctrl+C (SIGINT) or SIGTERM (`kill`, logging
/// out, `systemctl stop`).
pub async fn terminated() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// For a one-shot command: only warnings (a damaged file rebuilt, say) on stderr, as
/// `WARN …` lines, whatever `RUST_LOG` says (a script reads the command's own output).
pub fn init_warnings() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .with_writer(std::io::stderr)
        .init();
}

/// Logs to stderr at `info` unless `RUST_LOG` says otherwise; colours only on a terminal.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}
