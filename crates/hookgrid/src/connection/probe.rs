//! "Send test event": a small sample import posted through the public webhook URL, to check a
//! tunnel end to end. Arriving means more than a 200: the parts must be in this ledger, or the
//! URL leads to some other server.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use ts_rs::TS;

use crate::{BatchStatus, Hookgrid, sample};

/// How every test import's batch id begins: the list marks them, and they go in one click.
pub const TEST_IMPORT_PREFIX: &str = "hookgrid-test-";

/// Parts and rows of the test import: two parts, so reassembly is exercised too.
const PARTS: u32 = 2;
const ROWS_PER_PART: u32 = 3;
/// Tunnels can be slow to wake; past this the user is better told something.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What happened to a test import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TestReport {
    /// Whether every part was acknowledged and is in this data dir's ledger.
    pub arrived: bool,
    /// Whether it went to a local address (no public URL set), which Flatfile cannot reach:
    /// arriving then proves only the listener, not the way in.
    pub local_only: bool,
    /// Where it was sent, with the token hidden.
    pub url: String,
    /// The test import's batch id (it shows in the batch list).
    pub batch: String,
    /// The last HTTP status received, if any.
    pub status: Option<u16>,
    /// What happened, and what to do about it when it failed.
    pub message: String,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

impl Hookgrid {
    /// Posts a small sample import to the webhook URL under `base` and checks it arrived.
    pub async fn send_test_batch(&self, base: &str) -> TestReport {
        let started = Instant::now();
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let id = format!("{TEST_IMPORT_PREFIX}{stamp}");
        let local_only = is_local(base);
        let url = self.webhook_url(base);
        let shown = url.replace(&self.token(), "…");
        let sample = sample::SampleBatch {
            event_id: id.clone(),
            batch_id: id.clone(),
            parts: PARTS,
            rows_per_part: ROWS_PER_PART,
            invalid_every: 3,
        };
        let report = |arrived, status, message: String| TestReport {
            arrived,
            local_only,
            url: shown.clone(),
            batch: id.clone(),
            status,
            message,
            elapsed_ms: started.elapsed().as_millis() as u64,
        };
        let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
            Ok(c) => c,
            Err(e) => return report(false, None, format!("cannot make an HTTP client: {e}")),
        };
        let signing = self
            .core
            .signing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut status = None;
        for index in 1..=PARTS {
            let body = sample.body(index);
            let mut request = client.post(&url).header("content-type", "application/json");
            if let Some(secret) = &signing {
                // Signed like the sender would, so the test passes the same checks.
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let message = format!("{id}-{index}");
                request = request
                    .header("webhook-id", &message)
                    .header("webhook-timestamp", now.to_string())
                    .header("webhook-signature", secret.sign(&message, now, &body));
            }
            let sent = request.body(body).send().await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => return report(false, None, unreachable_message(base, &e)),
            };
            let code = response.status();
            status = Some(code.as_u16());
            if !code.is_success() {
                let body = response.text().await.unwrap_or_default();
                return report(false, status, refused_message(code.as_u16(), &body));
            }
        }
        match self.resolve(&id) {
            Ok(b) if b.status == BatchStatus::Complete && local_only => report(
                true,
                status,
                format!(
                    "Local only: the test import reached the listener at {base}, but Flatfile \
                     cannot reach this address. Start a tunnel (or set its public URL) and send \
                     the test again."
                ),
            ),
            Ok(b) if b.status == BatchStatus::Complete => report(
                true,
                status,
                format!(
                    "The test import arrived: {} parts, {} rows, in {} ms.",
                    PARTS,
                    PARTS * ROWS_PER_PART,
                    started.elapsed().as_millis()
                ),
            ),
            _ => report(
                false,
                status,
                "The URL acknowledged the test import, but it is not in this app: the tunnel \
                 forwards to another server. Point it at this app's local address."
                    .to_owned(),
            ),
        }
    }
}

/// Whether `base` names this machine only (a loopback address or `localhost`).
fn is_local(base: &str) -> bool {
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split('/')
        .next()
        .unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

impl Hookgrid {
    /// Deletes every test import (see [`TEST_IMPORT_PREFIX`]) for `by`; how many went.
    pub fn delete_test_imports(&self, by: &str) -> crate::Result<usize> {
        let tests: Vec<_> = self
            .batches()?
            .into_iter()
            .filter(|b| b.batch.starts_with(TEST_IMPORT_PREFIX))
            .collect();
        for batch in &tests {
            self.remove_batch(batch)?;
        }
        if !tests.is_empty() {
            self.record(by, "delete", &format!("{} test import(s)", tests.len()));
        }
        Ok(tests.len())
    }
}

fn unreachable_message(base: &str, e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "the connection failed".to_owned()
    } else {
        "the request failed".to_owned()
    };
    // The error's own text can carry the URL, and with it the token: name the base only.
    format!(
        "Could not reach {base}: {what}. Check that the tunnel is running and forwards to this \
         app's local address."
    )
}

fn refused_message(status: u16, body: &str) -> String {
    match status {
        404 => "The URL answered 404: it reaches a server, but not this app with this token. \
                After rotating the token, or when the tunnel points elsewhere, paste the new \
                webhook URL."
            .to_owned(),
        502..=504 => format!(
            "The tunnel answered {status}: it is running but cannot reach this app. Check that \
             it forwards to this app's local address."
        ),
        _ => {
            let detail: String = body.chars().take(200).collect();
            format!("The URL answered {status}: {detail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_are_told_from_public_ones() {
        for local in [
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
            "http://0.0.0.0:8787",
            "http://127.0.0.2",
        ] {
            assert!(is_local(local), "{local}");
        }
        for public in [
            "https://a-b.trycloudflare.com",
            "https://1a2b.ngrok-free.app",
            "http://192.168.1.20:8787",
            "https://hooks.example.com:8443",
        ] {
            assert!(!is_local(public), "{public}");
        }
    }
}
