//! The review listener: the UI and its commands over HTTP, for browsers and desktop apps.
//!
//! - `POST /api/<command>`: any shared command of [`super::COMMANDS`], its arguments as one
//!   JSON object (the names the page passes to `invoke`), its result as JSON.
//! - `POST /api/export_rows`: the export as a download, written as it is produced; and
//!   `POST /api/save_part_body`: a part's body as it arrived.
//! - `GET /api/events`: the facade's events as server-sent events ([`events`]).
//! - `POST /api/login`, `POST /api/logout`, `GET /api/me`, `GET /api/version`.
//! - Anything else is the UI bundle (`/` is its page), or 404. Never a webhook: this listener
//!   has its own port, and the webhook listener serves neither `/api` nor the UI.
//!
//! Every `/api` request but `version` and `login` is checked in this order, cheapest first, and
//! nothing runs before the checks pass: credentials (401), the `Origin` of a write made with a
//! cookie (403), the command and the caller's role (404, 403), the body (413, 400). Errors are
//! `{"code", "message"}` with the status the kind deserves.

mod auth;
mod download;
mod events;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::{Ctx, Served};
use crate::accounts::SignInThrottle;
use crate::{Error, Hookgrid, Host};

pub use auth::SESSION_COOKIE;

/// Files of the UI bundle by path (`index.html`, `assets/index-….js`), as the shell embeds it.
pub type Assets = &'static [(&'static str, &'static [u8])];

/// What the review listener serves, besides the commands.
#[derive(Debug, Clone, Copy)]
pub struct ReviewOptions {
    /// The UI bundle served at `/`; `None` serves the API only.
    pub assets: Option<Assets>,
    /// Whether the listener serves HTTPS itself (cookies are then `Secure`; behind a reverse
    /// proxy on this host, `X-Forwarded-Proto: https` says so).
    pub tls: bool,
    /// Largest request body a command may send (a configuration's JSON is the largest).
    pub max_body: usize,
    /// Time allowed to receive a request's body.
    pub body_timeout: Duration,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        ReviewOptions {
            assets: None,
            tls: false,
            max_body: 16 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
struct App {
    hookgrid: Arc<Hookgrid>,
    host: Arc<dyn Host>,
    options: ReviewOptions,
    throttle: Arc<SignInThrottle>,
    /// Turns true when the listener stops: event streams end, so the stop is not held up.
    closing: watch::Receiver<bool>,
}

/// The review listener's routes over `hookgrid`, with `host` the shell running its webhook
/// listener; for serving, or for testing with `oneshot`. Event streams end when `closing`
/// turns true.
pub fn router(
    hookgrid: Arc<Hookgrid>,
    host: Arc<dyn Host>,
    options: ReviewOptions,
    closing: watch::Receiver<bool>,
) -> Router {
    let app = App {
        hookgrid,
        host,
        options,
        throttle: Arc::new(SignInThrottle::default()),
        closing,
    };
    Router::new()
        .route("/api/version", get(version))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/me", get(me))
        .route("/api/events", get(events::stream))
        .route("/api/export_rows", post(download::export_rows))
        .route("/api/save_part_body", post(download::part_body))
        .route("/api/{command}", post(command))
        .fallback(asset)
        .with_state(app)
}

/// An error as the review listener answers it: `{"code", "message"}` with its status.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<Duration>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
    }
}

/// The HTTP status an error's kind deserves.
pub fn status_of(kind: &str) -> StatusCode {
    match kind {
        "bad_request" | "bad_filter" | "unknown_column" | "unknown_format" | "bad_config"
        | "ambiguous" | "config" | "too_many_rows" | "bad_body" => StatusCode::BAD_REQUEST,
        "unauthorized" => StatusCode::UNAUTHORIZED,
        "forbidden" | "origin" => StatusCode::FORBIDDEN,
        "not_found" | "not_served" => StatusCode::NOT_FOUND,
        "exists" | "incomplete" | "last_admin" | "would_overwrite" | "no_config" => {
            StatusCode::CONFLICT
        }
        "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "throttled" => StatusCode::TOO_MANY_REQUESTS,
        "timeout" => StatusCode::REQUEST_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let code = e.kind();
        let status = status_of(code);
        let retry_after = match &e {
            Error::Throttled { retry_after } => Some(*retry_after),
            _ => None,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Paths and SQLite's words are for the server's log, not for whoever asked.
            tracing::error!("review listener: {e}");
            format!("the server failed ({code}); its log says more")
        } else {
            e.to_string()
        };
        ApiError {
            status,
            code,
            message,
            retry_after,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "message": self.message});
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&secs) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hookgrid\""),
            );
        }
        response
    }
}

/// A JSON answer that no cache keeps.
fn answer(value: Value) -> Response {
    let mut response = axum::Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn version() -> Response {
    answer(json!({"version": crate::VERSION}))
}

async fn me(State(app): State<App>, req: Request) -> Result<Response, ApiError> {
    let who = auth::who(&app, req.headers()).await?;
    Ok(answer(
        json!({"name": who.caller.name, "role": who.caller.role}),
    ))
}

async fn command(
    State(app): State<App>,
    Path(name): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let (who, command) = auth::allowed(&app, auth::Seen::of(&req), &name).await?;
    if !matches!(command.served, Served::Shared(_)) {
        return Err(Error::NotServed(name).into());
    }
    let args = read_json(req, &app.options).await?;
    let caller = who.caller;
    let out = tokio::task::spawn_blocking(move || {
        let cx = Ctx {
            hookgrid: &app.hookgrid,
            caller: &caller,
            host: app.host.as_ref(),
        };
        super::run(&cx, &name, args)
    })
    .await
    .map_err(|e| Error::Internal(format!("the command's task failed: {e}")))??;
    Ok(answer(out))
}

/// The request's body as JSON (empty: `null`), under the size limit and the deadline.
async fn read_json(req: Request, options: &ReviewOptions) -> Result<Value, ApiError> {
    use http_body::Body as _;
    let body = req.into_body();
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {} bytes", options.max_body),
        )
    };
    if body.size_hint().lower() > options.max_body as u64 {
        return Err(too_large());
    }
    let bytes = match tokio::time::timeout(
        options.body_timeout,
        axum::body::to_bytes(body, options.max_body),
    )
    .await
    {
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "the body did not arrive in time",
            ));
        }
        Ok(Err(e)) => {
            let limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return Err(if limit {
                too_large()
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_body", e.to_string())
            });
        }
        Ok(Ok(bytes)) => bytes,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the body is not JSON: {e}"),
        )
    })
}

/// The page's security headers: its scripts and connections only from this origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn asset(State(app): State<App>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return ApiError::not_found().into_response();
    }
    let path = req.uri().path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let found = app
        .options
        .assets
        .and_then(|assets| assets.iter().find(|(name, _)| *name == path));
    let Some((name, bytes)) = found else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let mut response = Response::new(Body::from(*bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_type(name)),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Vite names each built asset after its contents: it can be kept for good.
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if name.ends_with(".html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests;
