//! Flagged rows: a row of an import marked with a note ("ask the customer"), who flagged it
//! and when. A row (its `_row`) has at most one flag; flagging it again replaces the note.

use serde::Serialize;
use ts_rs::TS;

use crate::store::{OptionalExtension, Row, SqlResult, params};
use crate::{EventKey, Ledger, Result, now_ms, rfc3339};

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
        let at = now_ms();
        self.write(|tx| {
            for row in rows {
                tx.execute(
                    "INSERT INTO flags (event, row, note, by_user, at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (event, row) DO UPDATE
                     SET note = excluded.note, by_user = excluded.by_user, at = excluded.at",
                    params![key.0, row, note, by, at],
                )?;
            }
            Ok(rows.len())
        })
    }

    /// Takes the flags off `rows`; returns how many were flagged.
    pub fn unflag_rows(&self, key: EventKey, rows: &[i64]) -> Result<usize> {
        self.write(|tx| {
            let mut removed = 0;
            for row in rows {
                removed += tx.execute(
                    "DELETE FROM flags WHERE event = ?1 AND row = ?2",
                    params![key.0, row],
                )?;
            }
            Ok(removed)
        })
    }

    /// The flags of `rows`, in the order given (`None` where a row has none).
    pub fn flags_of_rows(&self, key: EventKey, rows: &[i64]) -> Result<Vec<Option<Flag>>> {
        let sql = format!(
            "SELECT row, note, by_user, {at} FROM flags WHERE event = ?1 AND row = ?2",
            at = rfc3339("at")
        );
        self.read(|c| {
            rows.iter()
                .map(|row| c.query_row(&sql, params![key.0, row], flag).optional())
                .collect()
        })
    }

    /// Every flag of an import, by row.
    pub fn flags(&self, key: EventKey) -> Result<Vec<Flag>> {
        let sql = format!(
            "SELECT row, note, by_user, {at} FROM flags WHERE event = ?1 ORDER BY row",
            at = rfc3339("at")
        );
        self.read(|c| c.query_map(&sql, [key.0], flag))
    }
}

fn flag(r: &Row<'_>) -> SqlResult<Flag> {
    Ok(Flag {
        row: r.get(0)?,
        note: r.get(1)?,
        by: r.get(2)?,
        at: r.get(3)?,
    })
}
