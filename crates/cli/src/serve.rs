//! `hookgrid serve`: the listener on a tokio runtime, a log line per outcome, clean exit on
//! SIGINT/SIGTERM.

use std::io::IsTerminal;
use std::sync::Arc;

use hookgrid::http::{self, Limits};
use hookgrid::{Event, Hookgrid};

pub fn run(
    hookgrid: Hookgrid,
    listen: Option<String>,
    public_url: Option<String>,
    max_body: usize,
) -> hookgrid::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| hookgrid::Error::Internal(format!("cannot start the runtime: {e}")))?;
    let hookgrid = Arc::new(hookgrid);
    let result = runtime.block_on(serve(hookgrid.clone(), listen, public_url, max_body));
    // Finish writing batch files that are already queued.
    hookgrid.shutdown();
    result
}

async fn serve(
    hookgrid: Arc<Hookgrid>,
    listen: Option<String>,
    public_url: Option<String>,
    max_body: usize,
) -> hookgrid::Result<()> {
    // Both are remembered, checked by the facade as the app's fields are.
    if let Some(listen) = &listen {
        hookgrid.set_listen_address(listen)?;
    }
    if let Some(url) = &public_url {
        hookgrid.set_public_url(url)?;
    }
    let mut settings = hookgrid.settings()?;
    let listener = http::bind(settings.listen()).await?;
    let local = listener
        .local_addr()
        .map_err(|e| hookgrid::Error::Internal(format!("cannot read the bound address: {e}")))?;
    if settings.listen().ends_with(":0") {
        // A port chosen by the OS: remember the one we got, so `hookgrid url` is right.
        settings = hookgrid.set_listen_address(&local.to_string())?;
    }
    if !local.ip().is_loopback() {
        tracing::warn!(
            "listening on {local}, reachable from other machines; the default 127.0.0.1 keeps \
             the listener private to this machine and its tunnel"
        );
    }
    let base = match settings
        .public_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(_) => settings.base_url(),
        None => format!("http://{local}"),
    };
    println!("Webhook URL: {}", hookgrid.webhook_url(&base));
    println!(
        "Listening on http://{local} (data: {})",
        hookgrid.data_dir().root().display()
    );
    tracing::info!(
        "token fingerprint {}",
        hookgrid::token::fingerprint(&hookgrid.token())
    );
    if hookgrid.requires_signature() {
        tracing::info!("requests must carry a valid Standard Webhooks signature");
    }

    let queued = hookgrid.rebuild_missing()?;
    if queued > 0 {
        tracing::info!("rebuilding {queued} batch file(s) from the ledger");
    }
    tokio::spawn(log_events(hookgrid.subscribe()));
    tokio::spawn(hookgrid.clone().keep_retention());

    let limits = Limits {
        max_body,
        ..Limits::default()
    };
    http::serve(listener, hookgrid, limits, shutdown_signal())
        .await
        .map_err(|e| hookgrid::Error::Internal(format!("the listener failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
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
