//! Rejected requests: the list, their bodies, and trying them again.
//!
//! Flatfile documents no resending, so a delivery refused by an earlier version (or under a
//! setting since changed) is only recovered from the quarantine. A retried body goes through
//! the same path as a request that just arrived: it is stored, recognised as a duplicate, or
//! refused again. Stored (or already stored), it leaves the quarantine; refused, it stays in
//! its place with the new reason. A body is committed before its quarantine entry goes, so a
//! crash in between leaves a copy in both, never in neither.
//!
//! A person can dismiss a request that needs no more looking at (one, or every one retried
//! and refused again): it leaves the list and its count, and stays kept with its body.

use serde::Serialize;
use ts_rs::TS;

use crate::{Error, Event, Hookgrid, Listed, QuarantineKind, Quarantined, Result};

/// What became of one retried request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RetryOutcome {
    /// Stored as a part; no longer in the quarantine.
    Stored,
    /// That exact part was already stored; no longer in the quarantine.
    Duplicate,
    /// Refused again; kept in the quarantine with the new reason.
    Rejected,
}

impl RetryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RetryOutcome::Stored => "stored",
            RetryOutcome::Duplicate => "duplicate",
            RetryOutcome::Rejected => "rejected",
        }
    }
}

/// The result of retrying one rejected request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Retried {
    #[ts(type = "number")]
    pub id: i64,
    pub outcome: RetryOutcome,
    /// What happened, in a sentence.
    pub message: String,
    /// The import it belongs to, when it was stored or was already there.
    pub event: Option<String>,
    pub batch: Option<String>,
}

impl Hookgrid {
    /// Rejected requests, newest first: those not dismissed, or every one kept.
    pub fn rejected(&self, listed: Listed) -> Result<Vec<Quarantined>> {
        Ok(self.core.ledger.quarantined(listed)?)
    }

    /// Dismisses one rejected request for `by`.
    pub fn dismiss_rejected(&self, id: i64, by: &str) -> Result<()> {
        if !self.core.ledger.dismiss(id, by)? {
            return Err(Error::NoSuchRejected(id));
        }
        self.record(by, "dismiss", &format!("rejected request #{id}"));
        self.core
            .events
            .send(Event::RequestsDismissed { ids: vec![id] });
        Ok(())
    }

    /// Dismisses, for `by`, every rejected request that was tried again and refused again.
    /// Returns their ids, oldest first.
    pub fn dismiss_refused_rejected(&self, by: &str) -> Result<Vec<i64>> {
        let ids = self.core.ledger.dismiss_refused(by)?;
        if !ids.is_empty() {
            let list: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
            self.record(
                by,
                "dismiss",
                &format!(
                    "rejected requests retried and still refused: {}",
                    list.join(", ")
                ),
            );
            self.core
                .events
                .send(Event::RequestsDismissed { ids: ids.clone() });
        }
        Ok(ids)
    }

    /// The raw body of a rejected request.
    pub fn rejected_body(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self.core.ledger.quarantined_body(id)?)
    }

    /// Tries one rejected request again, as if it had just arrived.
    ///
    /// A request refused for its signature cannot be checked again (its headers are not
    /// kept): while a signing secret is set it stays refused; with none set it is ingested
    /// like any unsigned request.
    pub fn retry_rejected(&self, id: i64, by: &str) -> Result<Retried> {
        let retried = self.retry_one(id)?;
        self.record(
            by,
            "retry",
            &format!("rejected request #{id}: {}", retried.outcome.as_str()),
        );
        Ok(retried)
    }

    fn retry_one(&self, id: i64) -> Result<Retried> {
        let entry = self
            .core
            .ledger
            .quarantined_one(id)?
            .ok_or(Error::NoSuchRejected(id))?;
        let body = self
            .core
            .ledger
            .quarantined_body(id)?
            .ok_or(Error::NoSuchRejected(id))?;
        if entry.kind == QuarantineKind::Signature && self.requires_signature() {
            let reason = "refused for its signature, and a signing secret is still set: its \
                          signature headers were not kept, so it cannot be checked again";
            return self.still_refused(id, QuarantineKind::Signature, reason.to_owned(), None);
        }
        match self.core.admit(&body)? {
            Ok((receipt, completed)) => {
                for import in completed {
                    self.build_completed(import);
                }
                self.core.ledger.release(id)?;
                let (outcome, message) = if receipt.stored {
                    (
                        RetryOutcome::Stored,
                        format!("stored as {}", receipt.what()),
                    )
                } else {
                    (
                        RetryOutcome::Duplicate,
                        format!("already stored as {}", receipt.what()),
                    )
                };
                self.core.events.send(Event::RequestRetried { id, outcome });
                Ok(Retried {
                    id,
                    outcome,
                    message,
                    event: Some(receipt.event),
                    batch: Some(receipt.batch),
                })
            }
            Err(refusal) => self.still_refused(id, refusal.kind, refusal.message, refusal.event),
        }
    }

    /// Tries every rejected request again for `by`, oldest first (the order they arrived in).
    pub fn retry_all_rejected(&self, by: &str) -> Result<Vec<Retried>> {
        let mut ids: Vec<i64> = self.rejected(Listed::Open)?.iter().map(|q| q.id).collect();
        ids.sort_unstable();
        ids.into_iter()
            .map(|id| self.retry_rejected(id, by))
            .collect()
    }

    fn still_refused(
        &self,
        id: i64,
        kind: QuarantineKind,
        reason: String,
        event: Option<(String, u32)>,
    ) -> Result<Retried> {
        let hint = event.as_ref().map(|(e, i)| (e.as_str(), *i));
        self.core.ledger.requarantine(id, kind, &reason, hint)?;
        let outcome = RetryOutcome::Rejected;
        self.core.events.send(Event::RequestRetried { id, outcome });
        Ok(Retried {
            id,
            outcome,
            message: format!("still refused ({}): {reason}", kind.as_str()),
            event: event.map(|(e, _)| e),
            batch: None,
        })
    }
}
