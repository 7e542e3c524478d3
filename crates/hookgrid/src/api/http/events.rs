//! `GET /api/events`: the facade's [`Event`]s as server-sent events, the stream the desktop
//! app's window gets over IPC.
//!
//! Server-sent events rather than a WebSocket: the events only flow one way, the browser's
//! `EventSource` reconnects by itself and sends the session cookie like any request, proxies
//! pass them as plain HTTP, and axum serves them without another dependency. A desktop client
//! reads the same stream with its bearer token.
//!
//! The stream starts with `hello` (the server's version). Each event is `event` with the
//! `Event` as JSON. When this client fell behind and events were dropped, `resync` tells it to
//! read everything again (as when another instance on a shared ledger asks it to: see
//! [`crate::events::shared`]); a client that reconnects after a gap does the same, so no
//! reviewer's list silently misses an import. The credential is checked again every
//! [`RECHECK`]: a removed user or a revoked token ends the stream with `signed_out`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::auth::{self, Presented};
use super::{ApiError, App};
use crate::Event;

/// How often a stream's credential is checked again.
pub const RECHECK: Duration = Duration::from_secs(10);
/// A comment on an idle stream, so proxies and clients know it is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub(super) async fn stream(State(app): State<App>, req: Request) -> Result<Response, ApiError> {
    let who = auth::who(&app, req.headers()).await?;
    // An EventSource from another site's page would carry the cookie; CORS alone does not
    // keep it from opening the stream.
    if who.by_cookie {
        auth::origin_if_sent(&app, auth::Seen::of(&req))?;
    }
    let presented = auth::presented(req.headers()).ok_or_else(ApiError::not_found)?;
    let events = app.hookgrid.subscribe();
    let stream = events_of(app, presented, events);
    let mut response = axum::response::sse::Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // Proxies (nginx) must not hold the stream back to fill a buffer.
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    Ok(response)
}

enum Step {
    Hello,
    Next,
    Done,
}

struct Follow {
    app: App,
    closing: tokio::sync::watch::Receiver<bool>,
    presented: Presented,
    events: Receiver<Event>,
    recheck: tokio::time::Interval,
    step: Step,
}

fn events_of(
    app: App,
    presented: Presented,
    events: Receiver<Event>,
) -> impl Stream<Item = Result<Sse, Infallible>> {
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let follow = Follow {
        closing: app.closing.clone(),
        app,
        presented,
        events,
        recheck,
        step: Step::Hello,
    };
    stream::unfold(follow, |mut f| async move {
        match f.step {
            Step::Done => return None,
            Step::Hello => {
                f.step = Step::Next;
                // The first tick of an interval is at once: the credential was just checked.
                f.recheck.tick().await;
                let hello = Sse::default()
                    .event("hello")
                    .data(serde_json::json!({"version": crate::VERSION}).to_string());
                return Some((Ok(hello), f));
            }
            Step::Next => {}
        }
        loop {
            tokio::select! {
                received = f.events.recv() => {
                    let sse = match received {
                        Ok(Event::Resync {}) => Sse::default().event("resync").data("{}"),
                        Ok(event) => match Sse::default().event("event").json_data(&event) {
                            Ok(sse) => sse,
                            Err(e) => {
                                tracing::error!("cannot encode an event: {e}");
                                continue;
                            }
                        },
                        Err(RecvError::Lagged(n)) => {
                            tracing::debug!("an event stream missed {n} events; asking it to reload");
                            Sse::default().event("resync").data("{}")
                        }
                        Err(RecvError::Closed) => return None,
                    };
                    return Some((Ok(sse), f));
                }
                () = closed(&mut f.closing) => return None,
                _ = f.recheck.tick() => {
                    if auth::check(&f.app, f.presented.clone()).await.is_err() {
                        f.step = Step::Done;
                        let bye = Sse::default().event("signed_out").data("{}");
                        return Some((Ok(bye), f));
                    }
                }
            }
        }
    })
}

/// Resolves when the listener stops (never, when nobody can stop it).
async fn closed(closing: &mut tokio::sync::watch::Receiver<bool>) {
    if closing.wait_for(|closing| *closing).await.is_err() {
        std::future::pending::<()>().await;
    }
}
