//! Corrections: a value a reviewer typed for one cell (row `_row`, column) of an import, in
//! place of what was sent, with who and when. What was sent is never changed; a correction
//! can be reverted, and stays in the ledger, marked so.

use serde::Serialize;
use ts_rs::TS;

use crate::store::{OptionalExtension, Row, SqlResult, params};
use crate::{EventKey, Ledger, Result, now_ms, rfc3339};

/// One correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StoredCorrection {
    #[ts(type = "number")]
    pub id: i64,
    /// The row's `_row` (from 0).
    #[ts(type = "number")]
    pub row: i64,
    pub column: String,
    /// The cell as Flatfile sent it (JSON: a string, a number, `null`, or `null` for a cell
    /// the row did not have).
    #[ts(type = "unknown")]
    pub sent: serde_json::Value,
    /// What the reviewer typed.
    pub value: String,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

impl Ledger {
    /// Records a correction, dated now.
    pub fn add_correction(
        &self,
        key: EventKey,
        row: i64,
        column: &str,
        sent: &serde_json::Value,
        value: &str,
        by: &str,
    ) -> Result<StoredCorrection> {
        let id: i64 = self.write(|c| {
            c.query_row(
                "INSERT INTO corrections (event, row, col, sent, value, by_user, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![key.0, row, column, sent.to_string(), value, by, now_ms()],
                |r| r.get(0),
            )
        })?;
        Ok(self
            .correction(key, id)?
            .expect("the correction just committed is there"))
    }

    /// Records corrections of many cells of one column at once, in one transaction (a find
    /// and replace): all of them, or none. Each cell is `(row, sent, value)`.
    pub fn add_corrections(
        &self,
        key: EventKey,
        column: &str,
        cells: &[(i64, serde_json::Value, String)],
        by: &str,
    ) -> Result<usize> {
        let at = now_ms();
        self.write(|tx| {
            for (row, sent, value) in cells {
                tx.execute(
                    "INSERT INTO corrections (event, row, col, sent, value, by_user, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![key.0, row, column, sent.to_string(), value, by, at],
                )?;
            }
            Ok(cells.len())
        })
    }

    /// One live correction of an import by id.
    pub fn correction(&self, key: EventKey, id: i64) -> Result<Option<StoredCorrection>> {
        let sql = format!("{} AND id = ?2", select());
        self.read(|c| c.query_row(&sql, params![key.0, id], correction).optional())
    }

    /// Reverts a correction (kept, marked reverted): the column of the cell it corrected,
    /// `None` when it was not live.
    pub fn revert_correction(&self, key: EventKey, id: i64, by: &str) -> Result<Option<String>> {
        self.write(|c| {
            c.query_row(
                "UPDATE corrections SET reverted_at = ?3, reverted_by = ?4
                 WHERE event = ?1 AND id = ?2 AND reverted_at IS NULL RETURNING col",
                params![key.0, id, now_ms(), by],
                |row| row.get(0),
            )
            .optional()
        })
    }

    /// Every live correction of an import, in the order they were made.
    pub fn corrections(&self, key: EventKey) -> Result<Vec<StoredCorrection>> {
        let sql = format!("{} ORDER BY id", select());
        self.read(|c| c.query_map(&sql, [key.0], correction))
    }

    /// Every live correction of an import as (row, column, value), in the order they were
    /// made: what the corrected import reads, without who made them or when.
    pub fn correction_cells(&self, key: EventKey) -> Result<Vec<(i64, String, String)>> {
        self.read(|c| {
            c.query_map(
                "SELECT row, col, value FROM corrections
                 WHERE event = ?1 AND reverted_at IS NULL ORDER BY id",
                [key.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
    }

    /// The live corrections of the rows `rows` (`_row` values) of an import, in the order
    /// they were made: a page's, read through the index on each row.
    pub fn corrections_of_rows(
        &self,
        key: EventKey,
        rows: &[i64],
    ) -> Result<Vec<StoredCorrection>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let listed = rows
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.read(|c| {
            let (sql, rows) = if c.is_postgres() {
                (
                    format!(
                        "{} AND row = ANY(CAST(CAST(?2 AS TEXT) AS BIGINT[])) ORDER BY id",
                        select()
                    ),
                    format!("{{{listed}}}"),
                )
            } else {
                (
                    format!(
                        // The planner would rather walk every correction of the import in id
                        // order (the order wanted) than look up a page's rows: told which
                        // index to use.
                        "{} AND row IN (SELECT value FROM json_each(?2)) ORDER BY id",
                        select_indexed("INDEXED BY corrections_row")
                    ),
                    format!("[{listed}]"),
                )
            };
            c.query_map(&sql, params![key.0, rows], correction)
        })
    }

    /// The newest earlier revision of `batch` (same batch id, an older event) that has live
    /// corrections: its event id, revision and how many. A new revision starts without them.
    pub fn earlier_corrected(&self, batch: &crate::Batch) -> Result<Option<(String, u32, u64)>> {
        self.read(|c| {
            c.query_row(
                "SELECT e.event_id,
                    (SELECT COUNT(*) FROM events o WHERE o.batch_id = e.batch_id AND o.id <= e.id),
                    COUNT(c.id)
             FROM events e JOIN corrections c ON c.event = e.id AND c.reverted_at IS NULL
             WHERE e.batch_id = ?1 AND e.id < ?2
             GROUP BY e.id ORDER BY e.id DESC LIMIT 1",
                params![batch.batch, batch.key.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })
    }

    /// How many live corrections an import has.
    pub fn count_corrections(&self, key: EventKey) -> Result<u64> {
        Ok(self.correction_counts(key)?.0)
    }

    /// An import's live corrections and changes to its corrections (each one made or
    /// reverted), kept on its event's row by triggers (see the schema, version 16).
    fn correction_counts(&self, key: EventKey) -> Result<(u64, u64)> {
        self.read(|c| {
            c.query_row(
                "SELECT corrections_live, corrections_changes FROM events WHERE id = ?1",
                [key.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map(Option::unwrap_or_default)
        })
    }

    /// What an import's corrections are now, in a few characters (empty for none): it
    /// changes with every correction made or reverted, so what was derived from the corrected
    /// import (its reasons) is keyed by it.
    pub fn corrections_tag(&self, key: EventKey) -> Result<String> {
        // Every change counts one more, so no two states share a tag.
        let (live, changes) = self.correction_counts(key)?;
        Ok(if changes == 0 {
            String::new()
        } else {
            format!("-c{changes}l{live}")
        })
    }
}

fn select() -> String {
    select_indexed("")
}

fn select_indexed(index: &str) -> String {
    format!(
        "SELECT id, row, col, sent, value, by_user, {at} FROM corrections {index}
         WHERE event = ?1 AND reverted_at IS NULL",
        at = rfc3339("at")
    )
}

fn correction(r: &Row<'_>) -> SqlResult<StoredCorrection> {
    Ok(StoredCorrection {
        id: r.get(0)?,
        row: r.get(1)?,
        column: r.get(2)?,
        // Written by this ledger as JSON text.
        sent: serde_json::from_str(&r.get::<String>(3)?).unwrap_or(serde_json::Value::Null),
        value: r.get(4)?,
        by: r.get(5)?,
        at: r.get(6)?,
    })
}
