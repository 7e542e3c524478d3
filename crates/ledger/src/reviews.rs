//! Review decisions: where each import stands with its reviewers (`new`, `in_review`,
//! `approved`, `rejected`), kept as a history that only grows. The status an import shows is
//! its newest decision; an import nobody has decided on is `new`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::{Row, SqlResult, params};
use crate::{EventKey, Ledger, Result, now_ms, rfc3339};

/// Where an import stands with its reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReviewStatus {
    New,
    InReview,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::New,
        ReviewStatus::InReview,
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
    ];

    /// As written in the ledger, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::New => "new",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    /// The status spelled exactly so; anything else is `None`.
    pub fn parse(text: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An import's review as it stands: its newest decision, or `new` by nobody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Review {
    pub status: ReviewStatus,
    /// Who decided it; `null` while nobody has.
    pub by: Option<String>,
    /// RFC 3339, UTC; `null` while nobody has decided.
    pub at: Option<String>,
    pub note: Option<String>,
}

impl Default for Review {
    fn default() -> Review {
        Review {
            status: ReviewStatus::New,
            by: None,
            at: None,
            note: None,
        }
    }
}

/// One decision in an import's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReviewEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub status: ReviewStatus,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub note: Option<String>,
}

impl ReviewEntry {
    /// The entry as the import's current review.
    pub fn review(&self) -> Review {
        Review {
            status: self.status,
            by: Some(self.by.clone()),
            at: Some(self.at.clone()),
            note: self.note.clone(),
        }
    }
}

/// The columns `batch_select` reads an import's current review from (its newest decision,
/// joined as `r`).
pub(crate) fn review_columns() -> String {
    format!("r.status, r.by_user, {at}, r.note", at = rfc3339("r.at"))
}

/// The join that finds an import's newest decision.
pub(crate) const REVIEW_JOIN: &str =
    "LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE event = e.id)";

/// Reads the review columns starting at `first`.
pub(crate) fn review_at(r: &Row<'_>, first: usize) -> SqlResult<Review> {
    let status: Option<String> = r.get(first)?;
    let Some(status) = status.as_deref().and_then(ReviewStatus::parse) else {
        return Ok(Review::default());
    };
    Ok(Review {
        status,
        by: r.get(first + 1)?,
        at: r.get(first + 2)?,
        note: r.get(first + 3)?,
    })
}

impl Ledger {
    /// Records a decision on an import, dated now; the newest decision is its status.
    pub fn add_review(
        &self,
        key: EventKey,
        status: ReviewStatus,
        note: Option<&str>,
        by: &str,
    ) -> Result<ReviewEntry> {
        let at = now_ms();
        let id: i64 = self.write(|c| {
            c.query_row(
                "INSERT INTO reviews (event, status, note, by_user, at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![key.0, status.as_str(), note, by, at],
                |r| r.get(0),
            )
        })?;
        let history = self.review_history(key)?;
        Ok(history
            .into_iter()
            .rfind(|entry| entry.id == id)
            .expect("the decision just committed is in its import's history"))
    }

    /// Every decision on an import, oldest first.
    pub fn review_history(&self, key: EventKey) -> Result<Vec<ReviewEntry>> {
        let sql = format!(
            "SELECT id, status, by_user, {at}, note FROM reviews WHERE event = ?1 ORDER BY id",
            at = rfc3339("at")
        );
        self.read(|c| {
            c.query_map(&sql, [key.0], |r| {
                let status: String = r.get(1)?;
                Ok(ReviewEntry {
                    id: r.get(0)?,
                    // The table's CHECK admits only the four statuses.
                    status: ReviewStatus::parse(&status).unwrap_or(ReviewStatus::New),
                    by: r.get(2)?,
                    at: r.get(3)?,
                    note: r.get(4)?,
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_spelled_one_way() {
        for s in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_value(s).expect("json");
            assert_eq!(json, s.as_str());
        }
        for other in ["In_Review", "in-review", "done", ""] {
            assert_eq!(ReviewStatus::parse(other), None, "{other}");
        }
    }
}
