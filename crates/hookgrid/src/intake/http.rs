//! The webhook listener: `POST /hooks/{token}` and `GET /healthz` (503 while storing fails).
//!
//! Order of checks for a webhook request, each cheaper than the next: token (404, nothing
//! read), method (405), room for another request (503 + `Retry-After`), declared size (413),
//! room for its bytes among the bodies in flight (waited for until the body deadline, then
//! 503), then the body is read under a size limit and the deadline (413 / 408), and only then
//! parsed and committed on a blocking thread. The connection itself is guarded before any of
//! this (see [`crate::connection::guard`]). A 2xx is sent only after the commit; everything that
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
    /// Body bytes held by the requests in flight together. A body is held, and parsed, in
    /// memory (parsing takes up to about five times its size): past this, a request waits
    /// for room (within the body timeout), then is turned away with 503.
    pub max_in_flight_bytes: usize,
}

/// 256 MiB of bodies at once: 256 ordinary 1,000-row parts, or four of the largest.
pub const DEFAULT_MAX_IN_FLIGHT_BYTES: usize = 256 * 1024 * 1024;

/// The budget's unit (a semaphore permit), so the largest body's permits fit a `u32`.
const BUDGET_UNIT: usize = 1024;

/// 64 MiB: a 1,000-row request is well under 1 MiB even with wide rows.
pub const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: DEFAULT_MAX_BODY,
            body_timeout: Duration::from_secs(30),
            max_in_flight: 32,
            max_in_flight_bytes: DEFAULT_MAX_IN_FLIGHT_BYTES,
        }
    }
}

#[derive(Clone)]
struct App {
    hookgrid: Arc<Hookgrid>,
    limits: Limits,
    in_flight: Arc<Semaphore>,
    /// [`Limits::max_in_flight_bytes`], in [`BUDGET_UNIT`]s.
    bytes: Arc<Semaphore>,
}

impl App {
    /// The budget's units in all.
    fn budget_units(&self) -> usize {
        (self.limits.max_in_flight_bytes / BUDGET_UNIT).max(1)
    }
}

/// The listener's routes, for serving or for testing with `oneshot`.
pub fn router(hookgrid: Arc<Hookgrid>, limits: Limits) -> Router {
    let in_flight = Arc::new(Semaphore::new(limits.max_in_flight.max(1)));
    router_with_slots(hookgrid, limits, in_flight)
}

/// [`router`] with the semaphore that bounds requests in flight given by the caller.
fn router_with_slots(hookgrid: Arc<Hookgrid>, limits: Limits, in_flight: Arc<Semaphore>) -> Router {
    let bytes = Arc::new(Semaphore::new(
        (limits.max_in_flight_bytes / BUDGET_UNIT).max(1),
    ));
    let app = App {
        hookgrid,
        limits,
        in_flight,
        bytes,
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
    let guarded = hookgrid.guard(listener);
    let app = router(hookgrid, limits)
        .layer(axum::middleware::from_fn(crate::connection::guard::track))
        .into_make_service_with_connect_info::<crate::connection::guard::Conn>();
    axum::serve(guarded, app)
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
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let (body, _room) = match read_body(body, declared, &app).await {
        Ok(read) => read,
        Err(e) => {
            tracing::info!("{} {}", e.status().as_u16(), e.kind());
            return e.into_response();
        }
    };
    let arrival = crate::Arrival {
        signed: signature_headers(&headers),
        via: arrived_via(&headers),
        encoding: headers
            .get(header::CONTENT_ENCODING)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        max_decoded: app.limits.max_body,
    };
    let hookgrid = app.hookgrid.clone();
    let outcome =
        tokio::task::spawn_blocking(move || hookgrid.ingest_request(&body, arrival)).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(Ok(receipt)) => {
            let status = if receipt.stored {
                "stored"
            } else {
                "duplicate"
            };
            if let Some(workbook) = receipt.workbook {
                let sheets = &workbook.sheets;
                let new = sheets.iter().filter(|s| s.stored).count();
                tracing::info!(
                    "200 {status} workbook={} sheets={} new={new} {ms:.1}ms",
                    receipt.event,
                    sheets.len()
                );
                // The webhook-egress plugin counts only a 200 whose body is JSON as delivered.
                return axum::Json(workbook.answer).into_response();
            }
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

/// Reads the body under the size limit and the deadline, holding room for it in the bytes
/// budget (kept until the request is answered: the parse needs it too).
async fn read_body(
    body: Body,
    declared: Option<usize>,
    app: &App,
) -> Result<(axum::body::Bytes, tokio::sync::OwnedSemaphorePermit), ApiError> {
    use http_body::Body as _;
    let limits = &app.limits;
    if body.size_hint().lower() > limits.max_body as u64 {
        return Err(ApiError::TooLarge(limits.max_body));
    }
    let deadline = tokio::time::Instant::now() + limits.body_timeout;
    // A declared length is held before anything is read; a chunked body as it grows.
    let declared = declared
        .unwrap_or(0)
        .max(usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX));
    if declared > limits.max_body {
        return Err(ApiError::TooLarge(limits.max_body));
    }
    let mut room = make_room(app, None, declared, deadline).await?;
    let mut held = declared;
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::with_capacity(declared.min(limits.max_body));
    loop {
        let frame = match tokio::time::timeout_at(
            deadline,
            std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)),
        )
        .await
        {
            Err(_) => return Err(ApiError::Timeout(limits.body_timeout)),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(ApiError::BodyRead(e.to_string())),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > limits.max_body {
            return Err(ApiError::TooLarge(limits.max_body));
        }
        bytes.extend_from_slice(&data);
        if bytes.len() > held {
            // Past what was held: at least another MiB, or double.
            let more = (bytes.len() - held).max(held).max(1024 * 1024);
            room = make_room(app, Some(room), more, deadline).await?;
            held += more;
        }
    }
    Ok((bytes.into(), room))
}

/// Holds `bytes` more of the budget (all of it at most), waiting until `deadline` for room;
/// a 503 when there is none by then.
async fn make_room(
    app: &App,
    held: Option<tokio::sync::OwnedSemaphorePermit>,
    bytes: usize,
    deadline: tokio::time::Instant,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let already = held.as_ref().map_or(0, |p| p.num_permits());
    let wanted = bytes.div_ceil(BUDGET_UNIT).max(1);
    let units = wanted.min(app.budget_units().saturating_sub(already));
    if units == 0 {
        return held.ok_or(ApiError::Busy);
    }
    let units32 = u32::try_from(units).unwrap_or(u32::MAX);
    match tokio::time::timeout_at(deadline, app.bytes.clone().acquire_many_owned(units32)).await {
        Ok(Ok(mut permit)) => {
            if let Some(held) = held {
                permit.merge(held);
            }
            Ok(permit)
        }
        _ => {
            tracing::warn!(
                "503 busy: the requests in flight hold {} MiB of bodies, the budget",
                app.limits.max_in_flight_bytes / (1024 * 1024)
            );
            Err(ApiError::Busy)
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
            IngestError::TooLarge(limit) => ApiError::TooLarge(limit),
            IngestError::Storage(source) => {
                // The detail (paths, SQLite's words) is for the log, not for whoever posted;
                // the first failure is logged with it (see `upkeep::health`).
                tracing::debug!("cannot store a request: {source}");
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
