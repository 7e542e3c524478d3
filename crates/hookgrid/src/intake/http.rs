//! The webhook listener: `POST /hooks/{token}` and `GET /healthz` (503 while storing fails).
//!
//! Order of checks for a webhook request, each cheaper than the next: token (404, nothing
//! read), method (405), room for another request (503 + `Retry-After`), declared size (413),
//! then the body is read under a size limit and a deadline (413 / 408), and only then parsed
//! and committed on a blocking thread. A 2xx is sent only after the commit; everything that
//! passed the token check and is not acknowledged is either quarantined (400/409/422) or was
//! not stored at all (5xx: the sender is told it failed; Flatfile documents no resending).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::{Hookgrid, IngestError, QuarantineKind, Receipt};

/// Limits on what one request may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// Time allowed to receive the whole body.
    pub body_timeout: Duration,
    /// Webhook requests handled at once; more are turned away with 503.
    pub max_in_flight: usize,
}

/// 64 MiB: a 1,000-row request is well under 1 MiB even with wide rows.
pub const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: DEFAULT_MAX_BODY,
            body_timeout: Duration::from_secs(30),
            max_in_flight: 32,
        }
    }
}

#[derive(Clone)]
struct App {
    hookgrid: Arc<Hookgrid>,
    limits: Limits,
    in_flight: Arc<Semaphore>,
}

/// The listener's routes, for serving or for testing with `oneshot`.
pub fn router(hookgrid: Arc<Hookgrid>, limits: Limits) -> Router {
    let in_flight = Arc::new(Semaphore::new(limits.max_in_flight.max(1)));
    router_with_slots(hookgrid, limits, in_flight)
}

/// [`router`] with the semaphore that bounds requests in flight given by the caller.
fn router_with_slots(hookgrid: Arc<Hookgrid>, limits: Limits, in_flight: Arc<Semaphore>) -> Router {
    let app = App {
        hookgrid,
        limits,
        in_flight,
    };
    Router::new()
        .route("/hooks/{token}", any(webhook))
        .route("/healthz", get(healthz))
        .fallback(|| async { ApiError::NotFound })
        .with_state(app)
}

/// Serves until `shutdown` completes, then finishes the requests in flight ([`crate::Server`]
/// is how the shells start it).
pub(crate) async fn serve(
    listener: TcpListener,
    hookgrid: Arc<Hookgrid>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(hookgrid, limits))
        .with_graceful_shutdown(shutdown)
        .await
}

/// `{"status": "ok"}`, or 503 with `{"status": "storage_failing", "message", "since_ms"}`
/// while requests cannot be stored: a load balancer's health check then sends Flatfile
/// elsewhere. Needs no token: it says nothing a sender could use.
async fn healthz(State(app): State<App>) -> Response {
    let hookgrid = app.hookgrid.clone();
    match tokio::task::spawn_blocking(move || hookgrid.storage_health()).await {
        Ok(health) if health.is_ok() => axum::Json(health).into_response(),
        Ok(health) => (StatusCode::SERVICE_UNAVAILABLE, axum::Json(health)).into_response(),
        Err(join) => {
            tracing::error!("500 health check failed: {join}");
            ApiError::Internal.into_response()
        }
    }
}

async fn webhook(State(app): State<App>, Path(token): Path<String>, req: Request) -> Response {
    if !app.hookgrid.token_matches(&token) {
        let knocks = app.hookgrid.knocked();
        tracing::warn!(
            "404 wrong token: {} request(s) to an old or wrong webhook URL since {} (UTC); after \
             a token rotation, paste the new webhook URL into Flatfile",
            knocks.count,
            crate::intake::doors::clock(knocks.first_ms)
        );
        return ApiError::NotFound.into_response();
    }
    if req.method() != Method::POST {
        return ApiError::MethodNotAllowed.into_response();
    }
    let Ok(_permit) = app.in_flight.clone().try_acquire_owned() else {
        tracing::warn!("503 busy: {} requests in flight", app.limits.max_in_flight);
        return ApiError::Busy.into_response();
    };
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let body = match read_body(body, &app.limits).await {
        Ok(body) => body,
        Err(e) => {
            tracing::info!("{} {}", e.status().as_u16(), e.kind());
            return e.into_response();
        }
    };
    let signed = signature_headers(&headers);
    let via = arrived_via(&headers);
    let hookgrid = app.hookgrid.clone();
    let outcome =
        tokio::task::spawn_blocking(move || hookgrid.ingest_request(&body, signed, via.as_deref()))
            .await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(Ok(receipt)) => {
            let status = if receipt.stored {
                "stored"
            } else {
                "duplicate"
            };
            tracing::info!(
                "200 {status} event={} batch={} part={}/{} {ms:.1}ms",
                receipt.event,
                receipt.batch,
                receipt.part,
                receipt.of
            );
            stored(&receipt).into_response()
        }
        Ok(Err(e)) => {
            let e = ApiError::from(e);
            tracing::warn!(
                "{} {}: {} {ms:.1}ms",
                e.status().as_u16(),
                e.kind(),
                e.message()
            );
            e.into_response()
        }
        Err(join) => {
            tracing::error!("500 ingest task failed: {join}");
            ApiError::Internal.into_response()
        }
    }
}

/// The address the request came through: the tunnel's public host when it says so
/// (`X-Forwarded-Host`), else the `Host` it was sent to. Only a plain `host[:port]` is kept.
fn arrived_via(headers: &axum::http::HeaderMap) -> Option<String> {
    let named = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))?
        .to_str()
        .ok()?;
    // A proxy chain lists hosts, the first being where the client went.
    let host = named.split(',').next()?.trim().to_ascii_lowercase();
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    plain.then_some(host)
}

/// The Standard Webhooks headers, for a listener with a signing secret.
fn signature_headers(headers: &axum::http::HeaderMap) -> crate::Signed {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    crate::Signed {
        id: get("webhook-id"),
        timestamp: get("webhook-timestamp"),
        signature: get("webhook-signature"),
    }
}

fn stored(r: &Receipt) -> axum::Json<serde_json::Value> {
    axum::Json(json!({
        "status": if r.stored { "stored" } else { "duplicate" },
        "event": r.event,
        "batch": r.batch,
        "part": r.part,
        "of": r.of,
        "index": r.index,
    }))
}

async fn read_body(body: Body, limits: &Limits) -> Result<axum::body::Bytes, ApiError> {
    use http_body::Body as _;
    if body.size_hint().lower() > limits.max_body as u64 {
        return Err(ApiError::TooLarge(limits.max_body));
    }
    match tokio::time::timeout(
        limits.body_timeout,
        axum::body::to_bytes(body, limits.max_body),
    )
    .await
    {
        Err(_) => Err(ApiError::Timeout(limits.body_timeout)),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Err(ApiError::TooLarge(limits.max_body))
            } else {
                Err(ApiError::BodyRead(e.to_string()))
            }
        }
    }
}

/// Every non-2xx answer, with its status and JSON body `{"error": kind, "message": …}`.
#[derive(Debug)]
enum ApiError {
    NotFound,
    MethodNotAllowed,
    Busy,
    TooLarge(usize),
    Timeout(Duration),
    BodyRead(String),
    Rejected {
        kind: QuarantineKind,
        message: String,
        quarantine_id: i64,
    },
    Storage {
        disk_full: bool,
        message: String,
    },
    Internal,
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        let disk_full = e.is_disk_full();
        match e {
            IngestError::Rejected {
                kind,
                message,
                quarantine_id,
            } => ApiError::Rejected {
                kind,
                message,
                quarantine_id,
            },
            IngestError::Storage(source) => {
                // The detail (paths, SQLite's words) is for the log, not for whoever posted.
                tracing::error!("cannot store a request: {source}");
                ApiError::Storage {
                    disk_full,
                    message: if disk_full {
                        "the disk is full".to_owned()
                    } else {
                        "a storage error".to_owned()
                    },
                }
            }
        }
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::BodyRead(_) => StatusCode::BAD_REQUEST,
            ApiError::Rejected { kind, .. } => match kind {
                QuarantineKind::NotJson => StatusCode::BAD_REQUEST,
                QuarantineKind::Contract => StatusCode::UNPROCESSABLE_ENTITY,
                QuarantineKind::Conflict => StatusCode::CONFLICT,
                QuarantineKind::Signature => StatusCode::UNAUTHORIZED,
            },
            ApiError::Storage {
                disk_full: true, ..
            } => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Storage { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Busy => "busy",
            ApiError::TooLarge(_) => "too_large",
            ApiError::Timeout(_) => "timeout",
            ApiError::BodyRead(_) => "bad_body",
            ApiError::Rejected { kind, .. } => kind.as_str(),
            ApiError::Storage {
                disk_full: true, ..
            } => "disk_full",
            ApiError::Storage { .. } => "storage",
            ApiError::Internal => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::NotFound => "no such webhook".to_owned(),
            ApiError::MethodNotAllowed => "webhooks are delivered with POST".to_owned(),
            ApiError::Busy => "too many requests at once; retry shortly".to_owned(),
            ApiError::TooLarge(limit) => {
                format!("the body is larger than the limit of {limit} bytes")
            }
            ApiError::Timeout(t) => format!("the body did not arrive within {}s", t.as_secs()),
            ApiError::BodyRead(e) => format!("the body could not be read: {e}"),
            ApiError::Rejected { message, .. } => message.clone(),
            ApiError::Storage { message, .. } => {
                format!("the request was not stored; retry later ({message})")
            }
            ApiError::Internal => "internal error; the request was not stored".to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.kind(), "message": self.message()});
        if let ApiError::Rejected { quarantine_id, .. } = &self {
            body["quarantine_id"] = json!(quarantine_id);
        }
        let mut response = (self.status(), axum::Json(body)).into_response();
        if matches!(self, ApiError::Busy | ApiError::Storage { .. }) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if matches!(self, ApiError::MethodNotAllowed) {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

#[cfg(test)]
mod tests;
