//! The quarantine: requests that reached the listener but were not stored as parts, kept with
//! why, and released or given a new reason when retried. A person may dismiss one: it leaves
//! the list of what needs looking at, and stays, body and all, in what arrived.

use serde::Serialize;
use ts_rs::TS;

use crate::store::{OptionalExtension, Params, params};
use crate::{Ledger, Result, now_ms, rfc3339};

/// Why a request was quarantined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum QuarantineKind {
    /// Not JSON (answered 400).
    NotJson,
    /// JSON that breaks the payload contract (422).
    Contract,
    /// Contradicts parts already stored (409).
    Conflict,
    /// A signing secret is configured and the request's signature does not verify (401).
    Signature,
}

impl QuarantineKind {
    /// The kind's stable name, as stored, logged and sent in error bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineKind::NotJson => "not_json",
            QuarantineKind::Contract => "contract",
            QuarantineKind::Conflict => "conflict",
            QuarantineKind::Signature => "signature",
        }
    }

    fn parse(s: &str) -> QuarantineKind {
        match s {
            "not_json" => QuarantineKind::NotJson,
            "conflict" => QuarantineKind::Conflict,
            "signature" => QuarantineKind::Signature,
            _ => QuarantineKind::Contract,
        }
    }
}

/// A rejected request, kept with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Quarantined {
    #[ts(type = "number")]
    pub id: i64,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub kind: QuarantineKind,
    pub reason: String,
    /// `event.id` and `event.sequence.index` (as sent), when the body got far enough to say.
    pub event: Option<String>,
    pub part: Option<u32>,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Tried again since it arrived, and refused again.
    pub retried: bool,
    /// Dismissed by a person: no longer listed as needing a look.
    pub dismissed: bool,
}

/// Which rejected requests a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Those not dismissed: what still needs a look.
    Open,
    /// Every one kept, dismissed or not.
    All,
}

impl Ledger {
    /// Keeps a rejected body with the reason it was rejected.
    pub fn quarantine(
        &self,
        kind: QuarantineKind,
        reason: &str,
        event: Option<(&str, u32)>,
        body: &[u8],
    ) -> Result<i64> {
        self.write(|c| {
            c.query_row(
                "INSERT INTO quarantine (received_at, kind, reason, event_id, part_index, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![
                    now_ms(),
                    kind.as_str(),
                    reason,
                    event.map(|e| e.0),
                    event.map(|e| e.1),
                    body
                ],
                |r| r.get(0),
            )
        })
    }

    /// Quarantined requests, newest first.
    pub fn quarantined(&self, listed: Listed) -> Result<Vec<Quarantined>> {
        match listed {
            Listed::Open => {
                self.quarantine_select("WHERE dismissed_at IS NULL ORDER BY id DESC", ())
            }
            Listed::All => self.quarantine_select("ORDER BY id DESC", ()),
        }
    }

    /// One quarantined request.
    pub fn quarantined_one(&self, id: i64) -> Result<Option<Quarantined>> {
        Ok(self.quarantine_select("WHERE id = ?1", [id])?.pop())
    }

    fn quarantine_select(&self, clause: &str, params: impl Params) -> Result<Vec<Quarantined>> {
        let sql = format!(
            "SELECT id, {received}, kind, reason, event_id, part_index, length(body),
                    retried_at IS NOT NULL, dismissed_at IS NOT NULL
             FROM quarantine {clause}",
            received = rfc3339("received_at")
        );
        self.read(|c| {
            c.query_map(&sql, params, |r| {
                Ok(Quarantined {
                    id: r.get(0)?,
                    received_at: r.get(1)?,
                    kind: QuarantineKind::parse(&r.get::<String>(2)?),
                    reason: r.get(3)?,
                    event: r.get(4)?,
                    part: r.get(5)?,
                    bytes: r.get(6)?,
                    retried: r.get(7)?,
                    dismissed: r.get(8)?,
                })
            })
        })
    }

    /// The body of a quarantined request, exactly as it arrived.
    pub fn quarantined_body(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            c.query_row("SELECT body FROM quarantine WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    /// Removes a quarantined request whose body is now stored as a part (after a retry).
    /// Returns whether it was there.
    pub fn release(&self, id: i64) -> Result<bool> {
        let n = self.write(|c| c.execute("DELETE FROM quarantine WHERE id = ?1", [id]))?;
        Ok(n > 0)
    }

    /// Gives a quarantined request the reason it was refused for again (after a retry); it
    /// keeps its place and its original arrival time, and is marked as retried.
    pub fn requarantine(
        &self,
        id: i64,
        kind: QuarantineKind,
        reason: &str,
        event: Option<(&str, u32)>,
    ) -> Result<bool> {
        let n = self.write(|c| {
            c.execute(
                "UPDATE quarantine SET kind = ?2, reason = ?3, event_id = ?4, part_index = ?5,
                        retried_at = ?6
                 WHERE id = ?1",
                params![
                    id,
                    kind.as_str(),
                    reason,
                    event.map(|e| e.0),
                    event.map(|e| e.1),
                    now_ms()
                ],
            )
        })?;
        Ok(n > 0)
    }

    /// Dismisses a quarantined request for `by`: out of the open list, its body kept.
    /// Returns whether it is there (dismissed before, or now).
    pub fn dismiss(&self, id: i64, by: &str) -> Result<bool> {
        self.write(|c| {
            c.execute(
                "UPDATE quarantine SET dismissed_at = ?2, dismissed_by = ?3
                 WHERE id = ?1 AND dismissed_at IS NULL",
                params![id, now_ms(), by],
            )?;
            c.query_row("SELECT 1 FROM quarantine WHERE id = ?1", [id], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        })
    }

    /// Dismisses, for `by`, every open request that was retried and refused again. Returns
    /// their ids, oldest first.
    pub fn dismiss_refused(&self, by: &str) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self.write(|c| {
            c.query_map(
                "UPDATE quarantine SET dismissed_at = ?1, dismissed_by = ?2
                 WHERE retried_at IS NOT NULL AND dismissed_at IS NULL
                 RETURNING id",
                params![now_ms(), by],
                |r| r.get(0),
            )
        })?;
        ids.sort_unstable();
        Ok(ids)
    }
}
