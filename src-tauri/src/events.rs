//! Forwards what happens in the core to the window (`hookgrid://event`) and announces each
//! completed batch with a desktop notification.

use std::sync::Arc;

use hookgrid::Event;
use tauri::{AppHandle, Emitter, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::team::Team;

/// The event name the UI listens on; the payload is a [`hookgrid::Event`].
pub const EVENT: &str = "hookgrid://event";
/// Sent when events were dropped (the UI was too slow): reload everything.
pub const RESYNC: &str = "hookgrid://resync";

/// Forwards this computer's events until the core closes its stream; none while the app uses
/// a team server (whose events [`crate::team`] forwards instead).
pub async fn forward<R: Runtime>(app: AppHandle<R>, mut events: Receiver<Event>, team: Arc<Team>) {
    loop {
        match events.recv().await {
            Ok(_) if team.connected() => {}
            Ok(Event::Resync {}) => {
                let _ = app.emit(RESYNC, ());
            }
            Ok(event) => {
                if let Err(e) = app.emit(EVENT, &event) {
                    tracing::debug!("cannot send an event to the window: {e}");
                }
                announce(&app, &event);
            }
            Err(RecvError::Lagged(n)) => {
                tracing::debug!("the window missed {n} events; asking it to reload");
                let _ = app.emit(RESYNC, ());
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// A desktop notification for `event`, when it deserves one.
pub fn announce<R: Runtime>(app: &AppHandle<R>, event: &Event) {
    if let Some((title, body)) = notification(event) {
        notify(app, title, body);
    }
}

/// The desktop notification for an event, if it deserves one.
pub fn notification(event: &Event) -> Option<(String, String)> {
    match event {
        Event::BatchCompleted {
            batch,
            valid,
            invalid,
            ..
        } => Some((
            "Import complete".to_owned(),
            format!(
                "Batch {}: {} valid, {} invalid rows",
                short(batch),
                thousands(*valid),
                thousands(*invalid)
            ),
        )),
        Event::BatchFailed { batch, message, .. } => Some((
            "Import could not be opened".to_owned(),
            format!("Batch {}: {message}", short(batch)),
        )),
        Event::Unreachable { url, .. } => Some((
            "Flatfile cannot reach Hookgrid".to_owned(),
            format!("The tunnel at {url} does not answer. Imports sent now are lost."),
        )),
        _ => None,
    }
}

fn notify<R: Runtime>(app: &AppHandle<R>, title: String, body: String) {
    let app = app.clone();
    // Desktop notifications go over D-Bus and can block; a desktop without a notification
    // service just doesn't show them.
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::debug!("no desktop notification: {e}");
        }
    });
}

fn short(id: &str) -> &str {
    match id.char_indices().nth(12) {
        Some((i, _)) => &id[..i],
        None => id,
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_batch_is_announced_with_its_counts() {
        let event = Event::BatchCompleted {
            event: "evt".into(),
            batch: "batch-0123456789abcdef".into(),
            valid: 1_234_567,
            invalid: 12,
        };
        assert_eq!(
            notification(&event),
            Some((
                "Import complete".to_owned(),
                "Batch batch-012345: 1,234,567 valid, 12 invalid rows".to_owned()
            ))
        );
        let stored = Event::PartStored {
            event: "e".into(),
            batch: "b".into(),
            part: 1,
            of: 2,
            received: 1,
            count_mismatch: false,
        };
        assert_eq!(notification(&stored), None);
        let unreachable = Event::Unreachable {
            url: "https://a.trycloudflare.com".into(),
            message: "the connection failed".into(),
        };
        assert_eq!(
            notification(&unreachable).map(|n| n.0),
            Some("Flatfile cannot reach Hookgrid".to_owned())
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }
}
