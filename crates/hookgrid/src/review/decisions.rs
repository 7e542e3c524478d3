//! Review decisions: where an import stands with its reviewers (`new`, `in_review`,
//! `approved`, `rejected`), with a note, who set it and when. Every change is kept; the
//! newest is the import's status. A status belongs to one revision (one event id).

use hookgrid_ledger::{ReviewEntry, ReviewStatus};

use crate::accounts::{Caller, Role};
use crate::{Batch, Error, Event, Hookgrid, Result};

/// Longest note a decision keeps, in characters: a sentence or a short paragraph, not a file.
pub const MAX_NOTE_CHARS: usize = 2_000;

impl Hookgrid {
    /// Sets where `batch` stands, as `caller`, with an optional note (blank is none). Two
    /// reviewers changing one import at once: both are kept, the later one is its status.
    ///
    /// Only an admin changes another reviewer's note: setting the status an import already
    /// has, with a different note, over a note someone else wrote is refused to the others
    /// (a different status, with or without a note, is a new decision and always allowed).
    pub fn set_review(
        &self,
        batch: &Batch,
        status: ReviewStatus,
        note: Option<&str>,
        caller: &Caller,
    ) -> Result<ReviewEntry> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(note) = note
            && note.chars().count() > MAX_NOTE_CHARS
        {
            return Err(Error::BadRequest(format!(
                "a review note is at most {MAX_NOTE_CHARS} characters; this one has {}",
                note.chars().count()
            )));
        }
        // The import as it stands now, not as the caller last saw it.
        let current = self
            .core
            .ledger
            .batch(batch.key)?
            .ok_or_else(|| Error::NotFound(batch.event.clone()))?
            .review;
        let rewrites_note = current.status == status
            && current.note.is_some()
            && current.note.as_deref() != note
            && current.by.as_deref().is_some_and(|by| by != caller.name);
        if rewrites_note && !caller.role.allows(Role::Admin) {
            return Err(Error::Forbidden {
                command: format!(
                    "changing the note {} wrote",
                    current.by.as_deref().unwrap_or("another reviewer")
                ),
                role: caller.role,
                needed: Role::Admin,
            });
        }
        let entry = self
            .core
            .ledger
            .add_review(batch.key, status, note, &caller.name)?;
        self.record(
            &caller.name,
            "review",
            &format!(
                "batch {} (event {}): {} → {status}{}",
                batch.batch,
                batch.event,
                current.status,
                note.map(|n| format!(", note {n:?}")).unwrap_or_default()
            ),
        );
        self.core.events.send(Event::ReviewChanged {
            event: batch.event.clone(),
            batch: batch.batch.clone(),
            status,
            by: caller.name.clone(),
        });
        Ok(entry)
    }

    /// Every decision on `batch`, oldest first.
    pub fn review_history(&self, batch: &Batch) -> Result<Vec<ReviewEntry>> {
        Ok(self.core.ledger.review_history(batch.key)?)
    }
}
