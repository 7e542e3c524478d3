//! `hookgrid serve`: the facade's listener and background work on a tokio runtime until
//! SIGINT/SIGTERM, with the webhook URL on stdout; with `--tunnel`, the tunnel too, its
//! address printed as the webhook URL each time it changes; with `--review-listen`, the
//! review listener (the UI and its commands for a team) on its own address.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hookgrid::accounts::local_user;
use hookgrid::api::http::ReviewOptions;
use hookgrid::api::{ReviewServer, TlsFiles};
use hookgrid::connection::tunnel::{Provider, TunnelState, TunnelStatus};
use hookgrid::intake::http::Limits;
use hookgrid::{Hookgrid, Host, ListenerStatus, Server, Settings, TestReport, TunnelView};
use tokio::sync::watch;

/// A line on stdout. A reader that went away (`serve | head -1`, a closed pipe) must not
/// stop the listener, as `println!` would by panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// What `serve` was asked for.
#[derive(Debug)]
pub struct Options {
    pub listen: Option<String>,
    pub public_url: Option<String>,
    /// A tunnel to start, and its executable when not on PATH.
    pub tunnel: Option<(Provider, Option<PathBuf>)>,
    pub max_body: usize,
    /// Where the review listener listens, if it runs.
    pub review_listen: Option<String>,
    pub memory_budget: u64,
    /// The review listener's certificate and key, for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// What a connection may cost while it makes no request.
    pub connections: hookgrid::connection::guard::Policy,
}

/// What the review listener's connection panel says of this `serve`: its webhook listener,
/// and the tunnel it runs.
#[derive(Debug)]
struct Serving {
    address: String,
    tunnel: Arc<Mutex<Option<TunnelView>>>,
}

impl Host for Serving {
    fn listener(&self) -> ListenerStatus {
        ListenerStatus::Running {
            loopback: self
                .address
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|a| a.ip().is_loopback()),
            address: self.address.clone(),
        }
    }

    fn listen(&self, _: &Settings) -> (String, bool) {
        (self.address.clone(), false)
    }

    fn tunnel(&self) -> Option<TunnelView> {
        self.tunnel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn starts_tunnels(&self) -> bool {
        false
    }
}

pub fn run(hookgrid: Hookgrid, options: Options) -> hookgrid::Result<()> {
    hookgrid::connection::server::init_logging();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| hookgrid::Error::Internal(format!("cannot start the runtime: {e}")))?;
    let hookgrid = Arc::new(hookgrid);
    let result = runtime.block_on(serve(hookgrid.clone(), options));
    // Finish the batch file in hand (the rest are rebuilt at the next start), and leave
    // hookgrid.db whole.
    hookgrid.close();
    result
}

async fn serve(hookgrid: Arc<Hookgrid>, options: Options) -> hookgrid::Result<()> {
    // Caught from here on: a stop asked for while starting is a clean stop too.
    let stop = hookgrid::connection::server::terminated();
    // Both are remembered, checked by the facade as the app's fields are.
    if let Some(listen) = &options.listen {
        hookgrid.set_listen_address(listen)?;
    }
    if let Some(url) = &options.public_url {
        hookgrid.set_public_url(url, &local_user())?;
    }
    hookgrid.set_memory_budget(options.memory_budget);
    hookgrid.set_connection_policy(options.connections);
    let limit = hookgrid::connection::guard::open_file_limit();
    tracing::info!(
        "up to {} connections at once (open-file limit {limit}); headers within {} s, idle \
         connections kept {} s",
        options.connections.max_connections,
        options.connections.header_timeout.as_secs(),
        options.connections.idle_timeout.as_secs()
    );
    if options.connections.max_connections >= limit {
        tracing::warn!(
            "--max-connections {} is not below the open-file limit ({limit}): connections \
             that send nothing can use every descriptor, and then neither the ledger nor new \
             requests get one; raise the limit (LimitNOFILE= in the unit, ulimit -n) instead",
            options.connections.max_connections
        );
    }
    hookgrid.stop_tunnel_left_behind();
    let mut settings = hookgrid.settings()?;
    // Port 0 is any free port: two of those never meet.
    if let Some(review) = &options.review_listen
        && review.trim() == settings.listen()
        && !review.trim().ends_with(":0")
    {
        return Err(hookgrid::Error::Config(format!(
            "the review listener needs its own address, not the webhook's ({review}): a \
             tunnel to the webhook port must expose nothing else"
        )));
    }
    let limits = Limits {
        max_body: options.max_body,
        ..Limits::default()
    };
    let server = Server::start(hookgrid.clone(), settings.listen(), limits).await?;
    let local = server.local_addr().to_string();
    if settings.listen().ends_with(":0") {
        // A port chosen by the OS: remember the one we got, so `hookgrid url` is right.
        settings = hookgrid.set_listen_address(&local)?;
    }
    let tunnel = match &options.tunnel {
        Some((provider, program)) => {
            let port = server.local_addr().port();
            match hookgrid.start_tunnel(*provider, program.as_deref(), port) {
                Ok(tunnel) => Some(tunnel),
                Err(e) => {
                    let _ = server.stop().await;
                    return Err(e);
                }
            }
        }
        None => {
            say!(
                "Webhook URL: {}",
                hookgrid.webhook_url(&settings.base_url(&local))
            );
            None
        }
    };
    say!(
        "Listening on http://{local} (data: {})",
        hookgrid.data_dir().root().display()
    );
    tracing::info!(
        "token fingerprint {}",
        hookgrid::intake::token::fingerprint(&hookgrid.token())
    );
    if hookgrid.requires_signature() {
        tracing::info!("requests must carry a valid Standard Webhooks signature");
    }
    let shown = Arc::new(Mutex::new(None));
    if let Some(tunnel) = &tunnel {
        tokio::spawn(follow(
            hookgrid.clone(),
            tunnel.watch(),
            local.clone(),
            shown.clone(),
        ));
    } else {
        warn_if_stale(&hookgrid, &local);
    }
    let review = match &options.review_listen {
        Some(addr) => {
            let host = Arc::new(Serving {
                address: local.clone(),
                tunnel: shown,
            });
            let tls = options.tls.as_ref().map(|(cert, key)| TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            });
            let started = ReviewServer::start(
                hookgrid.clone(),
                host,
                addr,
                ReviewOptions {
                    assets: Some(crate::assets::UI),
                    ..ReviewOptions::default()
                },
                tls.as_ref(),
            )
            .await;
            match started {
                Ok(review) => {
                    if !hookgrid.has_admin()? {
                        say!(
                            "No one can sign in yet: add the first admin with \
                             `hookgrid user add NAME --role admin` (it prints their password)."
                        );
                    }
                    say!("Review app: {}", review.url());
                    Some(review)
                }
                Err(e) => {
                    if let Some(tunnel) = tunnel {
                        tunnel.stop().await;
                        hookgrid.tunnel_ended();
                    }
                    let _ = server.stop().await;
                    return Err(e);
                }
            }
        }
        None => None,
    };
    tokio::spawn(hookgrid.clone().background());
    stop.await;
    if let Some(review) = review
        && let Err(e) = review.stop().await
    {
        tracing::error!("{e}");
    }
    if let Some(tunnel) = tunnel {
        tunnel.stop().await;
        hookgrid.tunnel_ended();
    }
    server.stop().await
}

/// Prints the webhook URL each time the tunnel comes up at a new address (after making it the
/// public URL and sending a test import through it), and says when it goes down.
async fn follow(
    hookgrid: Arc<Hookgrid>,
    mut states: watch::Receiver<TunnelState>,
    local: String,
    shown: Arc<Mutex<Option<TunnelView>>>,
) {
    let mut announced: Option<String> = None;
    let mut last = TunnelStatus::Starting;
    let mut tested: Option<TestReport> = None;
    loop {
        let state = states.borrow_and_update().clone();
        let show = |test: Option<TestReport>| {
            *shown.lock().unwrap_or_else(|p| p.into_inner()) = Some(TunnelView {
                state: state.clone(),
                test,
            });
        };
        show(tested.clone().filter(|_| state.status == TunnelStatus::Up));
        let entered = state.status != last;
        last = state.status;
        match (state.status, &state.url) {
            (TunnelStatus::Up, Some(url)) if announced.as_ref() != Some(url) => {
                match hookgrid.tunnel_up(url).await {
                    Ok(report) => {
                        if report.arrived {
                            tracing::info!("{}", report.message);
                        } else {
                            tracing::warn!("test import through the tunnel: {}", report.message);
                        }
                        tested = Some(report);
                        show(tested.clone());
                    }
                    Err(e) => tracing::error!("cannot use the tunnel's address {url}: {e}"),
                }
                if let Some(before) = &announced {
                    say!(
                        "The public address changed (was {before}); update webhookUrl in Flatfile."
                    );
                }
                say!("Webhook URL: {}", hookgrid.webhook_url(url));
                announced = Some(url.clone());
                warn_if_stale(&hookgrid, &local);
            }
            (TunnelStatus::Down, _) if entered && !state.log.is_empty() => {
                tracing::warn!("its last output:\n  {}", state.log.join("\n  "));
            }
            _ => {}
        }
        if states.changed().await.is_err() {
            return;
        }
    }
}

/// Logs when Flatfile's last import came through another address than the public URL now
/// (the log never holds the token: the webhook URL is the one printed on stdout).
fn warn_if_stale(hookgrid: &Hookgrid, local: &str) {
    match hookgrid.stale_address(local) {
        Ok(Some(stale)) => tracing::warn!(
            "your public address changed since the last import (was {}, now {}): update \
             webhookUrl in your Flatfile importer settings to the webhook URL printed above, \
             or use a fixed address",
            stale.was,
            stale.now
        ),
        Ok(None) => {}
        Err(e) => tracing::debug!("cannot compare the public address: {e}"),
    }
}
