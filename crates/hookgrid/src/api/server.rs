//! Running the review listener: bound on its own address (never the webhook's), served on the
//! caller's tokio runtime with the peers' addresses known (for sign-in throttling), over plain
//! HTTP behind a reverse proxy or over HTTPS itself (rustls), until [`ReviewServer::stop`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

use super::http::{ReviewOptions, router};
use crate::connection::guard::{Conn, track};
use crate::{Error, Hookgrid, Host, Result};

/// A certificate chain and its key, PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The review listener serving until [`ReviewServer::stop`].
#[derive(Debug)]
pub struct ReviewServer {
    local: SocketAddr,
    https: bool,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// How long a client may take over its TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

fn tls_config(files: &TlsFiles) -> Result<ServerConfig> {
    let bad = |path: &Path, what: String| {
        Error::Config(format!(
            "{}: {what}; give a PEM certificate chain with --tls-cert and its PEM private key \
             with --tls-key",
            path.display()
        ))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| bad(&files.cert, e.to_string()))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(&files.cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(bad(&files.cert, "no certificate in it".to_owned()));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key).map_err(|e| bad(&files.key, e.to_string()))?;
    ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad(&files.cert, e.to_string()))
}

/// Accepts TCP connections and finishes each TLS handshake on its own task, so a client that
/// stalls its handshake holds up nobody else.
struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    _accepting: JoinHandle<()>,
}

impl TlsListener {
    fn new(listener: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (done, ready) = mpsc::channel(64);
        let accepting = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::debug!("review listener: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let done = done.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = done.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            local,
            ready,
            _accepting: accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self._accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accepting task never ends while the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

impl ReviewServer {
    /// Binds `addr` and serves the review listener on the current tokio runtime, over HTTPS
    /// when `tls` is given.
    pub async fn start(
        hookgrid: Arc<Hookgrid>,
        host: Arc<dyn Host>,
        addr: &str,
        options: ReviewOptions,
        tls: Option<&TlsFiles>,
    ) -> Result<ReviewServer> {
        let config = tls.map(tls_config).transpose()?;
        let listen = |source| Error::Listen {
            addr: addr.to_owned(),
            source,
        };
        let listener = TcpListener::bind(addr).await.map_err(listen)?;
        let local = listener.local_addr().map_err(listen)?;
        let https = config.is_some();
        let options = ReviewOptions {
            tls: https,
            ..options
        };
        let (closing, closed) = watch::channel(false);
        let guarded = hookgrid.clone();
        let app = router(hookgrid, host, options, closed)
            .layer(axum::middleware::from_fn(track))
            .into_make_service_with_connect_info::<Conn>();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
            // Event streams never end by themselves: end them, then wait for the rest.
            let _ = closing.send(true);
        };
        let task = match config {
            Some(config) => {
                let tls = TlsListener::new(listener, TlsAcceptor::from(Arc::new(config)))
                    .map_err(listen)?;
                let tls = guarded.guard(tls);
                tokio::spawn(
                    async move { axum::serve(tls, app).with_graceful_shutdown(shutdown).await },
                )
            }
            None => {
                let listener = guarded.guard(listener);
                tokio::spawn(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(shutdown)
                        .await
                })
            }
        };
        let scheme = if https { "https" } else { "http" };
        tracing::info!("review listener on {scheme}://{local}");
        if !local.ip().is_loopback() && !https {
            tracing::warn!(
                "the review listener on {local} is reachable from other machines over plain \
                 HTTP: passwords and sessions cross the network readable. Serve it with \
                 --tls-cert/--tls-key, or keep it on 127.0.0.1 behind a reverse proxy that \
                 does TLS"
            );
        }
        Ok(ReviewServer {
            local,
            https,
            stop,
            task,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// `http(s)://<bound address>`.
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.local)
    }

    /// Stops accepting, finishes the requests in flight (event streams end), and waits.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::Internal(format!("the review listener failed: {e}"))),
            Err(e) => Err(Error::Internal(format!(
                "the review listener task failed: {e}"
            ))),
        }
    }
}
