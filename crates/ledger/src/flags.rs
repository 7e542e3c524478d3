//! Flagged rows: a row of an import marked with a note ("ask the customer"), who flagged it
//! and when. A row (its `_row`) has at most one flag; flagging it again replaces the note.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use ts_rs::TS;

use crate::{EventKey, Ledger, Result, db, now_ms, rfc3339};

/// One flagged row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Flag {
    /// The row's `_row` (from 0).
    #[ts(type = "number")]
    pub row: i64,
    pub note: String,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

impl Ledger {
    /// Flags `rows` of an import with `note`, as `by`, in one transaction; a row flagged
    /// already gets the new note. Returns how many rows were written.
    pub fn flag_rows(&self, key: EventKey, rows: &[i64], note: &str, by: &str) -> Result<usize> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&self.path, e))?;
        let at = now_ms();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO flags (event, row, note, by_user, at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (event, row) DO UPDATE
                     SET note = excluded.note, by_user = excluded.by_user, at = excluded.at",
                )
                .map_err(|e| db(&self.path, e))?;
            for row in rows {
                stmt.execute(params![key.0, row, note, by, at])
                    .map_err(|e| db(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| db(&self.path, e))?;
        Ok(rows.len())
    }

    /// Takes the flags off `rows`; returns how many were flagged.
    pub fn unflag_rows(&self, key: EventKey, rows: &[i64]) -> Result<usize> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&self.path, e))?;
        let mut removed = 0;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM flags WHERE event = ?1 AND row = ?2")
                .map_err(|e| db(&self.path, e))?;
            for row in rows {
                removed += stmt
                    .execute(params![key.0, row])
                    .map_err(|e| db(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| db(&self.path, e))?;
        Ok(removed)
    }

    /// The flags of `rows`, in the order given (`None` where a row has none).
    pub fn flags_of_rows(&self, key: EventKey, rows: &[i64]) -> Result<Vec<Option<Flag>>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT row, note, by_user, {at} FROM flags WHERE event = ?1 AND row = ?2",
                at = rfc3339("at")
            ))
            .map_err(|e| db(&self.path, e))?;
        rows.iter()
            .map(|row| {
                stmt.query_row(params![key.0, row], flag)
                    .optional()
                    .map_err(|e| db(&self.path, e))
            })
            .collect()
    }

    /// Every flag of an import, by row.
    pub fn flags(&self, key: EventKey) -> Result<Vec<Flag>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT row, note, by_user, {at} FROM flags WHERE event = ?1 ORDER BY row",
                at = rfc3339("at")
            ))
            .map_err(|e| db(&self.path, e))?;
        stmt.query_map([key.0], flag)
            .and_then(Iterator::collect)
            .map_err(|e| db(&self.path, e))
    }
}

fn flag(r: &rusqlite::Row<'_>) -> rusqlite::Result<Flag> {
    Ok(Flag {
        row: r.get(0)?,
        note: r.get(1)?,
        by: r.get(2)?,
        at: r.get(3)?,
    })
}
