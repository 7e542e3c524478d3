//! Whether Flatfile can reach us: while a public URL is set, `GET <public>/healthz` through the
//! tunnel every minute (and at once after the machine wakes, when the wall clock jumped past
//! a check). Two failures in a row announce [`Event::Unreachable`]; the next success
//! [`Event::Reachable`]. Flatfile does not retry, so a dead tunnel loses imports silently.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::{Event, Hookgrid};

/// How often the public URL is checked; `HOOKGRID_REACH_SECONDS` sets another period.
pub const REACH_INTERVAL: Duration = Duration::from_secs(60);
pub const REACH_ENV: &str = "HOOKGRID_REACH_SECONDS";
/// Failed checks in a row before the user is told.
const FAILURES: u32 = 2;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The check period: [`REACH_ENV`] when set to a whole number of seconds, else a minute.
pub fn reach_interval() -> Duration {
    std::env::var(REACH_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map_or(REACH_INTERVAL, Duration::from_secs)
}

impl Hookgrid {
    /// Checks the public URL every `interval` until the runtime stops; part of
    /// [`Hookgrid::background`].
    pub async fn watch_reachability(self: Arc<Self>, interval: Duration) {
        let Ok(client) = reqwest::Client::builder().timeout(TIMEOUT).build() else {
            tracing::error!("cannot make an HTTP client: the tunnel is not watched");
            return;
        };
        // Woken often, checking when a period of wall-clock time passed: the monotonic clock
        // stands still while the machine sleeps, the wall clock does not.
        let tick = interval.min(Duration::from_secs(5));
        let mut last: Option<(String, SystemTime)> = None;
        let mut failures = 0u32;
        let mut down: Option<String> = None;
        loop {
            tokio::time::sleep(tick).await;
            let url = match self.settings().map(|s| s.public_url().map(str::to_owned)) {
                Ok(Some(url)) => url,
                _ => {
                    // No public URL: nothing to reach; a warning about an old one goes.
                    if let Some(url) = down.take() {
                        self.core.events.send(Event::Reachable { url });
                    }
                    failures = 0;
                    last = None;
                    continue;
                }
            };
            let now = SystemTime::now();
            if !due(last.as_ref(), &url, now, interval) {
                continue;
            }
            last = Some((url.clone(), now));
            match answer(&client, &url).await {
                Ok(()) => {
                    failures = 0;
                    if down.take().is_some() {
                        tracing::info!("the tunnel at {url} answers again");
                        self.core.events.send(Event::Reachable { url });
                    }
                }
                Err(why) => {
                    failures += 1;
                    if failures >= FAILURES && down.as_ref() != Some(&url) {
                        tracing::warn!(
                            "Flatfile cannot reach Hookgrid: the tunnel at {url} does not answer ({why})"
                        );
                        self.core.events.send(Event::Unreachable {
                            url: url.clone(),
                            message: why,
                        });
                        down = Some(url);
                    }
                }
            }
        }
    }
}

/// Whether `url` is to be checked at wall-clock time `now`, the last check being `last`: a
/// new URL at once, the same one a period after its last check. A machine that slept has
/// its wall clock moved on, so the first tick after waking checks.
fn due(
    last: Option<&(String, SystemTime)>,
    url: &str,
    now: SystemTime,
    interval: Duration,
) -> bool {
    match last {
        Some((checked, at)) if checked == url => {
            now.duration_since(*at).map_or(true, |e| e >= interval)
        }
        _ => true,
    }
}

/// Whether `<url>/healthz` answers as this listener does.
async fn answer(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let response = client
        .get(format!("{url}/healthz"))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                "the connection failed".to_owned()
            } else {
                "the request failed".to_owned()
            }
        })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status == reqwest::StatusCode::SERVICE_UNAVAILABLE && body.contains("\"storage_failing\"") {
        // Reached: this listener, which cannot store right now (said on its own).
        return Ok(());
    }
    if !status.is_success() {
        return Err(format!("it answered HTTP {}", status.as_u16()));
    }
    if body.contains("\"ok\"") {
        Ok(())
    } else {
        Err("it answered, but not as Hookgrid does: the tunnel leads elsewhere".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A stand-in for the far end of a tunnel whose answer can be switched off.
    async fn far_end(answering: Arc<AtomicBool>) -> String {
        let app = axum::Router::new().route(
            "/healthz",
            axum::routing::get(move || {
                let answering = answering.clone();
                async move {
                    if answering.load(Ordering::SeqCst) {
                        (axum::http::StatusCode::OK, r#"{"status":"ok"}"#)
                    } else {
                        (axum::http::StatusCode::BAD_GATEWAY, "tunnel has no origin")
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    async fn next_reach(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Event {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
                .await
                .expect("an event in time")
                .expect("event");
            if matches!(event, Event::Unreachable { .. } | Event::Reachable { .. }) {
                return event;
            }
        }
    }

    #[test]
    fn a_check_is_due_for_a_new_url_a_period_after_the_last_and_after_a_sleep() {
        let minute = Duration::from_secs(60);
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let last = ("https://a.trycloudflare.com".to_owned(), at);
        let url = last.0.as_str();
        assert!(due(None, url, at, minute));
        assert!(!due(Some(&last), url, at + Duration::from_secs(5), minute));
        assert!(due(Some(&last), url, at + minute, minute));
        // Ten seconds of monotonic time, but the machine slept an hour in between.
        assert!(due(
            Some(&last),
            url,
            at + Duration::from_secs(3600),
            minute
        ));
        assert!(due(Some(&last), "https://b.trycloudflare.com", at, minute));
        // A clock set back is no reason to stop checking.
        assert!(due(Some(&last), url, at - minute, minute));
    }

    #[tokio::test]
    async fn two_failed_checks_say_flatfile_cannot_reach_us_and_an_answer_clears_it() {
        let dir = tempfile::tempdir().expect("dir");
        let hg = Arc::new(Hookgrid::open(dir.path()).expect("open"));
        let answering = Arc::new(AtomicBool::new(true));
        let url = far_end(answering.clone()).await;
        hg.set_public_url(&url, "test").expect("public url");
        let mut events = hg.subscribe();
        tokio::spawn(hg.clone().watch_reachability(Duration::from_millis(50)));

        // Answering: nothing to say. Then it stops answering.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(events.try_recv().is_err(), "no event while it answers");
        answering.store(false, Ordering::SeqCst);
        match next_reach(&mut events).await {
            Event::Unreachable { url: said, message } => {
                assert_eq!(said, url);
                assert_eq!(message, "it answered HTTP 502");
            }
            other => panic!("{other:?}"),
        }
        // Said once, not at every failed check.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(events.try_recv().is_err(), "said once");
        answering.store(true, Ordering::SeqCst);
        assert_eq!(
            next_reach(&mut events).await,
            Event::Reachable { url: url.clone() }
        );

        // A URL that leads to nothing at all.
        hg.set_public_url("http://127.0.0.1:9", "test")
            .expect("dead url");
        match next_reach(&mut events).await {
            Event::Unreachable { message, .. } => assert_eq!(message, "the connection failed"),
            other => panic!("{other:?}"),
        }
        // Clearing the public URL clears the warning.
        hg.set_public_url("", "test").expect("cleared");
        assert!(matches!(
            next_reach(&mut events).await,
            Event::Reachable { .. }
        ));
    }
}
