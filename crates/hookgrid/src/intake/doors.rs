//! Knocks on the wrong door: requests to `/hooks/<token>` whose token is not ours. After a
//! token rotation Flatfile keeps posting to the old URL and nobody would know; these are
//! counted (when, and nothing else: not the body, not the token) so the connection panel and
//! `serve`'s log can say so. The answer stays the same 404.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use ts_rs::TS;

use crate::Hookgrid;

/// Requests to an old or wrong webhook URL since this listener started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WrongDoor {
    #[ts(type = "number")]
    pub count: u64,
    /// When the first came, in ms since the epoch.
    #[ts(type = "number")]
    pub first_ms: u64,
    /// When the last came, in ms since the epoch.
    #[ts(type = "number")]
    pub last_ms: u64,
}

#[derive(Debug, Default)]
pub(crate) struct WrongDoors(Mutex<Option<WrongDoor>>);

impl Hookgrid {
    /// Counts one request to a wrong token; the count so far.
    pub(crate) fn knocked(&self) -> WrongDoor {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut seen = self
            .core
            .wrong_doors
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let next = match *seen {
            Some(w) => WrongDoor {
                count: w.count + 1,
                last_ms: now,
                ..w
            },
            None => WrongDoor {
                count: 1,
                first_ms: now,
                last_ms: now,
            },
        };
        *seen = Some(next);
        drop(seen);
        self.core
            .events
            .send(crate::Event::WrongToken { count: next.count });
        next
    }

    /// Requests to an old or wrong webhook URL so far, if any.
    pub fn wrong_doors(&self) -> Option<WrongDoor> {
        *self
            .core
            .wrong_doors
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

/// Unix milliseconds as UTC time, `2026-11-27 23:58:01`, for the log: the ledger's
/// RFC 3339 text without its `T`, milliseconds and `Z`.
pub(crate) fn clock(ms: u64) -> String {
    let text = hookgrid_ledger::store::rfc3339_ms(i64::try_from(ms).unwrap_or(i64::MAX));
    format!("{} {}", &text[..10], &text[11..19])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(clock(0), "1970-01-01 00:00:00");
        assert_eq!(clock(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(clock(1_795_910_281_999), "2026-11-28 23:58:01");
    }

    #[test]
    fn knocks_are_counted_from_the_first() {
        let dir = tempfile::tempdir().expect("dir");
        let hg = Hookgrid::open(dir.path()).expect("open");
        assert_eq!(hg.wrong_doors(), None);
        let first = hg.knocked();
        let second = hg.knocked();
        assert_eq!((first.count, second.count), (1, 2));
        assert_eq!(second.first_ms, first.first_ms);
        assert!(second.last_ms >= first.last_ms);
        assert_eq!(hg.wrong_doors(), Some(second));
    }
}
