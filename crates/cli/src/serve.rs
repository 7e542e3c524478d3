//! `hookgrid serve`: the facade's listener and background work on a tokio runtime until
//! SIGINT/SIGTERM, with the webhook URL on stdout.

use std::sync::Arc;

use hookgrid::http::Limits;
use hookgrid::{Hookgrid, Server};

pub fn run(
    hookgrid: Hookgrid,
    listen: Option<String>,
    public_url: Option<String>,
    max_body: usize,
) -> hookgrid::Result<()> {
    hookgrid::server::init_logging();
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
    let limits = Limits {
        max_body,
        ..Limits::default()
    };
    let server = Server::start(hookgrid.clone(), settings.listen(), limits).await?;
    let local = server.local_addr().to_string();
    if settings.listen().ends_with(":0") {
        // A port chosen by the OS: remember the one we got, so `hookgrid url` is right.
        settings = hookgrid.set_listen_address(&local)?;
    }
    println!(
        "Webhook URL: {}",
        hookgrid.webhook_url(&settings.base_url(&local))
    );
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
    tokio::spawn(hookgrid.clone().background());
    hookgrid::server::terminated().await;
    server.stop().await
}
