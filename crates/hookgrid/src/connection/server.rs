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
        let events = self.subscribe_own();
        if let Err(e) = self.follow_instances() {
            tracing::error!("reviewers here will not see what the other instances store: {e}");
        }
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
/// out, `systemctl stop`). The signals are caught from this call on, not from the first poll:
/// call it first thing, so a stop asked for while the listener starts is not the signal's
/// default (an unclean exit). Needs the tokio runtime.
pub fn terminated() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    let asked = {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).ok();
        let mut interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let term = async {
                match terminate.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match interrupt.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = term => {},
                () = int => {},
            }
        }
    };
    #[cfg(not(unix))]
    let asked = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    async move {
        asked.await;
        tracing::info!("shutting down");
    }
}

/// For a one-shot command: only warnings (a damaged file rebuilt, say) on stderr, as
/// `WARN …` lines, whatever `RUST_LOG` says (a script reads the command's own output).
pub fn init_warnings() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .fmt_fields(escaped_fields())
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
        .fmt_fields(escaped_fields())
        .with_writer(std::io::stderr)
        .init();
}

/// Every logged value with its control characters escaped (`\n`, `\r`, `\u{1b}`): a row key
/// or an id with a line break, sent by anyone, must not forge a log line (or move a
/// terminal's cursor).
fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let raw = format!("{value:?}");
        let text = escape_control(&raw);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{}={text}", field.name())
        }
    })
    .delimited(" ")
}

/// `text` with each control character but tab written as an escape.
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Where a test subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_value_with_line_breaks_is_one_escaped_log_line() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .fmt_fields(escaped_fields())
            .with_writer(move || writer.clone())
            .finish();
        let key = "name\r\n2026-12-02T00:00:00Z  INFO 200 stored event=forged\u{1b}[2J";
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(event = %key, "422 contract: data.validRows[0].{key}: bad");
        });
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains(r"name\r\n2026-12-02"), "{text}");
        assert!(text.contains(r"\u{1b}[2J"), "{text}");
        assert!(text.contains("event=name\\r\\n"), "{text}");
    }

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(
            escape_control("plain\ttext é"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
