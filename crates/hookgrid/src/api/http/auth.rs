//! Who a request is from: a session cookie (a browser, after `POST /api/login`) or a bearer
//! token (programs, the desktop app). Where it comes from: the peer's address, or for a reverse
//! proxy on this host (a loopback peer) the address it forwards. Whether a cookie's write is
//! the page's own: its `Origin` must be this listener's, since another site's page could
//! otherwise act in a signed-in browser (SameSite=Strict is the first guard, this the second).

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::connection::guard::Conn;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, App, answer, read_json};
use crate::Error;
use crate::accounts::{Caller, Credential};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hookgrid_session";

/// What the checks read of a request: its headers and what the listener recorded of its
/// connection. (Not the request itself: its body may not be shared across an `await`.)
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen<'a> {
    headers: &'a HeaderMap,
    extensions: &'a axum::http::Extensions,
}

impl<'a> Seen<'a> {
    pub fn of(req: &'a Request) -> Seen<'a> {
        Seen {
            headers: req.headers(),
            extensions: req.extensions(),
        }
    }

    fn headers(&self) -> &'a HeaderMap {
        self.headers
    }
}

/// A request's caller, and whether a cookie (rather than a bearer token) said so.
#[derive(Debug)]
pub(super) struct Who {
    pub caller: Caller,
    pub by_cookie: bool,
}

/// A credential taken out of a request, owned (the event stream checks it again later).
#[derive(Debug, Clone)]
pub(super) enum Presented {
    Session(String),
    Token(String),
}

impl Presented {
    pub fn credential(&self) -> Credential<'_> {
        match self {
            Presented::Session(s) => Credential::Session(s),
            Presented::Token(t) => Credential::Token(t),
        }
    }
}

/// The bearer token, else the session cookie, of a request.
pub(super) fn presented(headers: &HeaderMap) -> Option<Presented> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    if let Some(token) = bearer {
        return Some(Presented::Token(token));
    }
    session_cookie(headers).map(Presented::Session)
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

/// Who sent `req`, if they may run command `name`: 401 without credentials that work now, 403
/// for a write made with a cookie from another origin, 404 for no such command, 403 for a
/// role that may not. Nothing of the request's body is read before.
pub(super) async fn allowed(
    app: &App,
    req: Seen<'_>,
    name: &str,
) -> Result<(Who, &'static crate::api::Command), ApiError> {
    let who = who(app, req.headers()).await?;
    if who.by_cookie {
        same_origin(app, req)?;
    }
    let command = crate::api::command(name).ok_or_else(|| Error::NoSuchCommand(name.to_owned()))?;
    crate::api::authorize(&who.caller, command)?;
    Ok((who, command))
}

/// Who sent the request with `headers`: 401 without credentials that work now.
pub(super) async fn who(app: &App, headers: &HeaderMap) -> Result<Who, ApiError> {
    let presented =
        presented(headers).ok_or_else(|| Error::Unauthorized("sign in first".to_owned()))?;
    let caller = check(app, presented.clone()).await?;
    Ok(Who {
        caller,
        by_cookie: matches!(presented, Presented::Session(_)),
    })
}

/// Who `presented` belongs to now (it reads the ledger: on a blocking thread).
pub(super) async fn check(app: &App, presented: Presented) -> Result<Caller, Error> {
    let hookgrid = app.hookgrid.clone();
    tokio::task::spawn_blocking(move || hookgrid.authenticate(presented.credential()))
        .await
        .map_err(|e| Error::Internal(format!("the sign-in check failed: {e}")))?
}

/// The peer, when the server was started with connection info (tests without it use none).
fn peer(req: Seen<'_>) -> Option<SocketAddr> {
    req.extensions.get::<ConnectInfo<Conn>>().map(|c| c.0.addr)
}

/// Whether the request came through a reverse proxy on this host, whose `X-Forwarded-*`
/// headers are then believed.
fn from_local_proxy(req: Seen<'_>) -> bool {
    peer(req).is_some_and(|p| p.ip().is_loopback())
}

/// The client's address: the peer's, or the one a local proxy forwards (the last in
/// `X-Forwarded-For`, the one the proxy itself added).
pub(super) fn client_address(req: Seen<'_>) -> String {
    let forwarded = from_local_proxy(req)
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    match (forwarded, peer(req)) {
        (Some(ip), _) => ip.to_string(),
        (None, Some(peer)) => peer.ip().to_string(),
        (None, None) => "unknown".to_owned(),
    }
}

/// Whether the browser reached this listener over HTTPS (itself, or its local proxy).
fn over_https(app: &App, req: Seen<'_>) -> bool {
    app.options.tls
        || (from_local_proxy(req)
            && req
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

/// This listener's origin as the browser sees it: scheme and `Host` (a local proxy's
/// `X-Forwarded-Host` when it sends one), default port left out.
fn own_origin(app: &App, req: Seen<'_>) -> Option<String> {
    let headers = req.headers();
    let host = from_local_proxy(req)
        .then(|| headers.get("x-forwarded-host"))
        .flatten()
        .or_else(|| headers.get(header::HOST))?
        .to_str()
        .ok()?;
    let scheme = if over_https(app, req) {
        "https"
    } else {
        "http"
    };
    Some(normal_origin(&format!("{scheme}://{}", host.trim())))
}

/// `scheme://host[:port]` in lower case without its scheme's default port.
fn normal_origin(origin: &str) -> String {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        if origin.starts_with(scheme)
            && let Some(bare) = origin.strip_suffix(port)
        {
            return bare.to_owned();
        }
    }
    origin
}

/// 403 unless the request's `Origin` is this listener's own.
pub(super) fn same_origin(app: &App, req: Seen<'_>) -> Result<(), ApiError> {
    let refused = |why: String| {
        tracing::warn!(
            "403 origin: {why} from {} (a write made with a session cookie must come from the \
             page itself)",
            client_address(req)
        );
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin",
            "this request did not come from Hookgrid's own page; reload the page and try again",
        ))
    };
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return refused("no Origin header".to_owned());
    };
    let origin = origin.to_str().map(normal_origin).unwrap_or_default();
    match own_origin(app, req) {
        Some(own) if own == origin => Ok(()),
        own => refused(format!(
            "Origin {origin:?} is not {:?}",
            own.unwrap_or_default()
        )),
    }
}

/// Where `Origin` is sent (a browser), it must be this listener's own; programs send none.
pub(super) fn origin_if_sent(app: &App, req: Seen<'_>) -> Result<(), ApiError> {
    if req.headers().contains_key(header::ORIGIN) {
        same_origin(app, req)
    } else {
        Ok(())
    }
}

/// `Set-Cookie` for a session `value` lasting `max_age` seconds (0 clears it).
fn cookie(app: &App, req: Seen<'_>, value: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if over_https(app, req) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .ok()
}

#[derive(Debug, Deserialize)]
struct SignIn {
    name: String,
    password: String,
}

/// `POST /api/login` `{"name", "password"}`: a session cookie, or 401; 429 after repeated
/// failures for the name or from the address.
pub(super) async fn login(State(app): State<App>, req: Request) -> Result<Response, ApiError> {
    origin_if_sent(&app, Seen::of(&req))?;
    let address = client_address(Seen::of(&req));
    let (head, body) = req.into_parts();
    // What the answer's cookie depends on (HTTPS, the proxy), without the body.
    let seen = Request::from_parts(head, axum::body::Body::empty());
    let args = read_json(Request::new(body), &app.options).await?;
    let SignIn { name, password } = serde_json::from_value(args).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "send {\"name\": …, \"password\": …}",
        )
    })?;
    // The name as typed is attacker's text: logged quoted and escaped, never the password.
    let shown = format!("{:?}", name.trim());
    if let Err(wait) = app.throttle.check(&name, &address, Instant::now()) {
        tracing::warn!(
            "429 sign-in refused for {shown} from {address}: too many failed sign-ins; \
             again in {} s",
            wait.as_secs().max(1)
        );
        return Err(Error::Throttled { retry_after: wait }.into());
    }
    let hookgrid = app.hookgrid.clone();
    let tried = name.clone();
    let attempt = tokio::task::spawn_blocking(move || hookgrid.sign_in(&tried, &password))
        .await
        .map_err(|e| Error::Internal(format!("the sign-in failed: {e}")))?;
    match attempt {
        Ok(signed) => {
            app.throttle.succeeded(&signed.caller.name);
            tracing::info!(
                "signed in: {} ({}) from {address}",
                signed.caller.name,
                signed.caller.role
            );
            let mut response = answer(json!({
                "name": signed.caller.name,
                "role": signed.caller.role,
            }));
            if let Some(value) = cookie(
                &app,
                Seen::of(&seen),
                &signed.cookie,
                signed.lifetime.as_secs(),
            ) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(Error::Unauthorized(message)) => {
            let delay = app.throttle.failed(&name, &address, Instant::now());
            tracing::warn!("401 sign-in failed for {shown} from {address}");
            tokio::time::sleep(delay).await;
            Err(Error::Unauthorized(message).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/logout`: ends the session and clears its cookie.
pub(super) async fn logout(State(app): State<App>, req: Request) -> Result<Response, ApiError> {
    let Some(value) = session_cookie(req.headers()) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    same_origin(&app, Seen::of(&req))?;
    let hookgrid = app.hookgrid.clone();
    tokio::task::spawn_blocking(move || hookgrid.sign_out(&value))
        .await
        .map_err(|e| Error::Internal(format!("signing out failed: {e}")))??;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(value) = cookie(&app, Seen::of(&req), "", 0) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_without_case_or_default_ports() {
        assert_eq!(
            normal_origin("HTTPS://Review.Example.com:443"),
            "https://review.example.com"
        );
        assert_eq!(normal_origin("http://127.0.0.1:80/"), "http://127.0.0.1");
        assert_eq!(
            normal_origin("http://127.0.0.1:8788"),
            "http://127.0.0.1:8788"
        );
        assert_eq!(
            normal_origin("https://a.example:8443"),
            "https://a.example:8443"
        );
    }

    #[test]
    fn a_bearer_token_wins_over_a_cookie_and_only_the_session_cookie_counts() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; hookgrid_session=7.abc"),
        );
        assert!(matches!(presented(&headers), Some(Presented::Session(s)) if s == "7.abc"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer hgt_1_x"),
        );
        assert!(matches!(presented(&headers), Some(Presented::Token(t)) if t == "hgt_1_x"));
        let mut other = HeaderMap::new();
        other.insert(
            header::COOKIE,
            HeaderValue::from_static("hookgrid_sessionx=1.a"),
        );
        assert!(presented(&other).is_none());
    }
}
