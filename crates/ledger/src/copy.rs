//! Moving a ledger: everything one holds copied into an empty one of either backend (SQLite
//! to PostgreSQL when a team starts sharing one, and back), ids kept, then checked: every
//! table's rows counted on both sides, every stored body's digest compared. Nothing is
//! removed from the source.
//!
//! The derived files' digests stay behind: they describe one data dir's files, which the
//! destination's instances build for themselves.

use sha2::{Digest, Sha256};

use crate::store::{Conn, Value};
use crate::{Ledger, LedgerError, Result, body};

/// Every table a ledger holds, parents before children, with its columns.
const TABLES: &[(&str, &[&str])] = &[
    (
        "events",
        &[
            "id",
            "event_id",
            "batch_id",
            "event_type",
            "schema_id",
            "part_count",
            "first_received",
            "last_received",
            "completed_at",
            "index_base",
            "likely_base",
            "customer",
            "arrived_via",
            "columns",
            "corrections_live",
            "corrections_changes",
            "workbook",
        ],
    ),
    ("bodies", &["id", "sha256", "body"]),
    (
        "parts",
        &[
            "id",
            "event",
            "idx",
            "received_at",
            "declared_rows",
            "valid_rows",
            "invalid_rows",
            "body_sha256",
            "body",
            "duplicates",
            "body_id",
            "body_codec",
            "body_size",
        ],
    ),
    (
        "quarantine",
        &[
            "id",
            "received_at",
            "kind",
            "reason",
            "event_id",
            "part_index",
            "body",
            "retried_at",
            "dismissed_at",
            "dismissed_by",
        ],
    ),
    (
        "configs",
        &[
            "id",
            "name",
            "body",
            "for_schema",
            "is_default",
            "added_at",
            "for_sheet",
            "send_back",
        ],
    ),
    ("config_use", &["event", "config"]),
    ("config_none", &["event"]),
    (
        "users",
        &[
            "id",
            "name",
            "role",
            "password_hash",
            "created_at",
            "last_sign_in",
        ],
    ),
    (
        "api_tokens",
        &["id", "\"user\"", "label", "hash", "created_at"],
    ),
    (
        "sessions",
        &["id", "\"user\"", "hash", "created_at", "expires_at"],
    ),
    ("audit", &["id", "at", "\"user\"", "action", "target"]),
    (
        "reviews",
        &["id", "event", "status", "note", "by_user", "at"],
    ),
    ("flags", &["event", "row", "note", "by_user", "at"]),
    (
        "corrections",
        &[
            "id",
            "event",
            "row",
            "col",
            "sent",
            "value",
            "by_user",
            "at",
            "reverted_at",
            "reverted_by",
        ],
    ),
    (
        "sent_back",
        &["event", "config", "rejected", "listed", "answer"],
    ),
];

/// The tables whose `id` the database hands out.
const NUMBERED: &[&str] = &[
    "events",
    "bodies",
    "parts",
    "quarantine",
    "configs",
    "users",
    "api_tokens",
    "sessions",
    "audit",
    "reviews",
    "corrections",
];

/// What a copy moved: each table's rows, found equal on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
    /// Stored bodies (parts' and rejected requests') whose digests were compared.
    pub bodies: u64,
}

impl Ledger {
    /// Copies everything this ledger holds into `to`, which must hold nothing yet (no import,
    /// rejected request, configuration, user or audit line), in one transaction of `to`'s;
    /// then checks the copy. `to` takes this ledger's id too, so a data dir that held this
    /// ledger knows the copy for it. `progress` hears of each table as it is copied (its
    /// name and rows).
    pub fn copy_into(&self, to: &Ledger, mut progress: impl FnMut(&str, u64)) -> Result<Copied> {
        let held = to.read(|c| {
            let mut held = Vec::new();
            for table in ["events", "quarantine", "configs", "users", "audit"] {
                let n: u64 =
                    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), (), |r| r.get(0))?;
                if n > 0 {
                    held.push(format!("{n} rows in {table}"));
                }
            }
            Ok(held)
        })?;
        if !held.is_empty() {
            return Err(LedgerError::Backend {
                at: to.location().to_path_buf(),
                problem: format!(
                    "a ledger is copied into an empty one only, and this one holds {}",
                    held.join(", ")
                ),
            });
        }
        self.read(|from| {
            to.write(|into| {
                for (table, columns) in TABLES {
                    let rows = copy_table(from, into, table, columns)?;
                    progress(table, rows);
                }
                // The triggers counted the corrections again as they arrived: the counts are
                // the source's.
                each(
                    from,
                    "SELECT id, corrections_live, corrections_changes FROM events",
                    |row| Ok([row.get::<i64>(0)?, row.get(1)?, row.get(2)?]),
                    |counts| {
                        into.execute(
                            "UPDATE events SET corrections_live = ?2, corrections_changes = ?3
                             WHERE id = ?1",
                            counts,
                        )
                        .map(drop)
                    },
                )?;
                let id: String =
                    from.query_row("SELECT value FROM ledger_meta WHERE key = 'id'", (), |r| {
                        r.get(0)
                    })?;
                into.execute("UPDATE ledger_meta SET value = ?1 WHERE key = 'id'", [&id])?;
                // The shared settings (the webhook token) go along with the ledger.
                each(
                    from,
                    "SELECT key, value FROM ledger_meta WHERE key LIKE 'setting:%'",
                    |row| Ok((row.get::<String>(0)?, row.get::<String>(1)?)),
                    |(key, value)| {
                        into.execute(
                            "INSERT INTO ledger_meta (key, value) VALUES (?1, ?2)
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            [key, value],
                        )
                        .map(drop)
                    },
                )?;
                if into.is_postgres() {
                    for table in NUMBERED {
                        // The next id handed out follows the copied ones.
                        into.execute_batch(&format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                           COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                        ))?;
                    }
                }
                Ok(())
            })
        })?;
        self.check_copy(to)
    }

    /// Whether `to` holds what this ledger does: the same rows in every table, the same bytes
    /// in every stored body.
    fn check_copy(&self, to: &Ledger) -> Result<Copied> {
        let mut tables = Vec::new();
        for (table, _) in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let here: u64 = self.read(|c| c.query_row(&sql, (), |r| r.get(0)))?;
            let there: u64 = to.read(|c| c.query_row(&sql, (), |r| r.get(0)))?;
            if here != there {
                return Err(LedgerError::Backend {
                    at: to.location().to_path_buf(),
                    problem: format!("the copy's {table} holds {there} rows, the source's {here}"),
                });
            }
            tables.push((*table, here));
        }
        let (here, there) = (self.body_digests()?, to.body_digests()?);
        if here != there {
            let first = here
                .iter()
                .zip(&there)
                .find(|(a, b)| a != b)
                .map_or_else(|| "their number".to_owned(), |(a, _)| a.0.clone());
            return Err(LedgerError::Backend {
                at: to.location().to_path_buf(),
                problem: format!("the copy's bodies differ from the source's, from {first} on"),
            });
        }
        Ok(Copied {
            tables,
            bodies: here.len() as u64,
        })
    }

    /// The SHA-256 of every stored body, by what holds it (`part 12`, `rejected 3`).
    fn body_digests(&self) -> Result<Vec<(String, [u8; 32])>> {
        let mut digests = Vec::new();
        for (what, sql) in [
            (
                "part",
                "SELECT p.id, COALESCE(b.body, p.body), p.body_codec, p.body_size FROM parts p
                 LEFT JOIN bodies b ON b.id = p.body_id ORDER BY p.id",
            ),
            (
                "rejected",
                "SELECT id, body, 0, NULL FROM quarantine ORDER BY id",
            ),
        ] {
            let mut damaged = None;
            self.read(|c| {
                c.each_row(sql, (), |row| {
                    let id: i64 = row.get(0)?;
                    let (codec, size): (i64, Option<i64>) = (row.get(2)?, row.get(3)?);
                    let digest = row.with_value(1, |v| {
                        let stored = match v {
                            Value::Blob(b) => b,
                            Value::Text(t) => t.as_bytes(),
                            _ => &[],
                        };
                        Ok(body::unpack(codec, size, stored, || format!("{what} {id}"))
                            .map(|body| Sha256::digest(&body)))
                    })?;
                    match digest {
                        Ok(digest) => digests.push((format!("{what} {id}"), digest.into())),
                        Err(e) => {
                            damaged = Some(e);
                            return Ok(false);
                        }
                    }
                    Ok(true)
                })
            })?;
            if let Some(e) = damaged {
                return Err(e);
            }
        }
        Ok(digests)
    }
}

/// Copies one table's rows, each bound as read (a body is never copied in memory); how many.
fn copy_table(from: &Conn<'_>, into: &Conn<'_>, table: &str, columns: &[&str]) -> Result<u64> {
    let list = columns.join(", ");
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let insert = format!("INSERT INTO {table} ({list}) VALUES ({})", marks.join(", "));
    let mut failed = None;
    let mut rows = 0;
    from.each_row(&format!("SELECT {list} FROM {table}"), (), |row| {
        let values: Vec<Value<'_>> = (0..columns.len())
            .map(|i| row.value(i))
            .collect::<Result<_, _>>()?;
        match into.execute(&insert, values.as_slice()) {
            Ok(_) => {
                rows += 1;
                Ok(true)
            }
            Err(e) => {
                failed = Some(e);
                Ok(false)
            }
        }
    })?;
    failed.map_or(Ok(rows), Err)
}

/// Reads every row of `sql` from `from` (mapped by `read`), then hands each to `write`.
fn each<T>(
    from: &Conn<'_>,
    sql: &str,
    read: impl FnMut(&crate::store::Row<'_>) -> crate::store::SqlResult<T>,
    mut write: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    for item in from.query_map(sql, (), read)? {
        write(item)?;
    }
    Ok(())
}
