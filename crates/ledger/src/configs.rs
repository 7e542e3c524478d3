//! Importer configurations, kept as sent (the JSON text), and which imports each applies to:
//! one given to an import by hand wins, then one for the import's schema id, then the default.

use serde::Serialize;
use ts_rs::TS;

use crate::store::{Conn, OptionalExtension, Row, SqlResult, params};
use crate::{Batch, EventKey, Ledger, LedgerError, Result, now_ms, rfc3339};

/// An importer configuration as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StoredConfig {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// The configuration's JSON text, as added.
    pub body: String,
    /// Applies to imports with this schema id (`data.meta.schema.id`).
    #[ts(type = "number | null")]
    pub for_schema: Option<i64>,
    /// Applies to every import that no other configuration claims.
    pub is_default: bool,
    /// Applies to Flatfile Platform sheets with this slug.
    pub for_sheet: Option<String>,
    /// Sends the cells it rejects back to Flatfile in the answer to a workbook's submit.
    pub send_back: bool,
    /// RFC 3339, UTC: when it was added or last replaced.
    pub added_at: String,
}

/// Which imports a configuration applies to without being chosen by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigScope {
    /// Imports with this schema id.
    Schema(i64),
    /// Flatfile Platform sheets with this slug.
    Sheet(String),
    /// Every import that no other configuration claims (one configuration at a time).
    Default,
    /// Only imports it is given to by hand.
    Chosen,
}

/// Why a configuration applies to an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConfigChoice {
    /// Given to this import by hand.
    Chosen,
    /// Its schema id is the import's.
    Schema,
    /// Its sheet slug is the import's sheet's.
    Sheet,
    /// The default.
    Default,
}

const SELECT: &str = "id, name, body, for_schema, is_default, for_sheet, send_back";

fn select(filter: &str) -> String {
    format!(
        "SELECT {SELECT}, {added} FROM configs {filter}",
        added = rfc3339("added_at")
    )
}

fn row(r: &Row<'_>) -> SqlResult<StoredConfig> {
    Ok(StoredConfig {
        id: r.get(0)?,
        name: r.get(1)?,
        body: r.get(2)?,
        for_schema: r.get(3)?,
        is_default: r.get(4)?,
        for_sheet: r.get(5)?,
        send_back: r.get(6)?,
        added_at: r.get(7)?,
    })
}

impl Ledger {
    /// Adds a configuration, or replaces the body of the one with that name (its scope too
    /// when `scope` is given, and whether it sends rejections back when `send_back` is). A new
    /// default takes over from the previous one.
    pub fn add_config(
        &self,
        name: &str,
        body: &str,
        scope: Option<ConfigScope>,
        send_back: Option<bool>,
    ) -> Result<StoredConfig> {
        let (for_schema, is_default, for_sheet) = match &scope {
            Some(ConfigScope::Schema(id)) => (Some(*id), false, None),
            Some(ConfigScope::Sheet(slug)) => (None, false, Some(slug.as_str())),
            Some(ConfigScope::Default) => (None, true, None),
            Some(ConfigScope::Chosen) | None => (None, false, None),
        };
        self.write(|tx| {
            if is_default {
                tx.execute("UPDATE configs SET is_default = 0 WHERE name <> ?1", [name])?;
            }
            tx.execute(
                "INSERT INTO configs (name, body, for_schema, is_default, for_sheet, send_back,
                                      added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, COALESCE(CAST(?6 AS BIGINT), 0), ?7)
                 ON CONFLICT (name) DO UPDATE
                 SET body = excluded.body, added_at = excluded.added_at,
                     send_back = COALESCE(CAST(?6 AS BIGINT), configs.send_back)",
                params![
                    name,
                    body,
                    for_schema,
                    is_default,
                    for_sheet,
                    send_back,
                    now_ms()
                ],
            )?;
            if scope.is_some() {
                tx.execute(
                    "UPDATE configs SET for_schema = ?2, is_default = ?3, for_sheet = ?4
                     WHERE name = ?1",
                    params![name, for_schema, is_default, for_sheet],
                )?;
            }
            tx.query_row(&select("WHERE name = ?1"), [name], row)
        })
    }

    /// Every configuration, by name.
    pub fn configs(&self) -> Result<Vec<StoredConfig>> {
        self.read(|c| c.query_map(&select("ORDER BY name"), (), row))
    }

    /// The configuration named `name`.
    pub fn config(&self, name: &str) -> Result<Option<StoredConfig>> {
        self.read(|c| {
            c.query_row(&select("WHERE name = ?1"), [name], row)
                .optional()
        })
    }

    /// Removes a configuration (imports it was given to go back to the automatic choice).
    /// Returns whether it existed.
    pub fn remove_config(&self, name: &str) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM config_use WHERE config IN (SELECT id FROM configs WHERE name = ?1)",
                [name],
            )?;
            let removed = tx.execute("DELETE FROM configs WHERE name = ?1", [name])?;
            Ok(removed > 0)
        })
    }

    /// Gives the configuration `name` to one import, over any automatic choice; `None` takes
    /// the hand-made choice back (no configuration on purpose included).
    pub fn use_config(&self, key: EventKey, name: Option<&str>) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM config_none WHERE event = ?1", [key.0])?;
            match name {
                Some(name) => {
                    let changed = c.execute(
                        "INSERT INTO config_use (event, config)
                         SELECT ?1, id FROM configs WHERE name = ?2
                         ON CONFLICT (event) DO UPDATE SET config = excluded.config",
                        params![key.0, name],
                    )?;
                    if changed == 0 {
                        return Err(LedgerError::NoSuchConfig(name.to_owned()));
                    }
                }
                None => {
                    c.execute("DELETE FROM config_use WHERE event = ?1", [key.0])?;
                }
            }
            Ok(())
        })
    }

    /// Gives one import no configuration on purpose: none applies to it automatically.
    pub fn use_no_config(&self, key: EventKey) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM config_use WHERE event = ?1", [key.0])?;
            c.execute(
                "INSERT INTO config_none (event) VALUES (?1) ON CONFLICT DO NOTHING",
                [key.0],
            )
            .map(drop)
        })
    }

    /// The name of the configuration given to the import by hand, if one was.
    pub fn chosen_config(&self, key: EventKey) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT c.name FROM config_use u JOIN configs c ON c.id = u.config
                 WHERE u.event = ?1",
                [key.0],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Whether the import was given no configuration on purpose.
    pub fn has_no_config(&self, key: EventKey) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM config_none WHERE event = ?1",
                [key.0],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
    }

    /// The configuration that applies to `batch`, and why: none when it was given none, else
    /// the one given to it by hand, else the newest for its sheet's slug (a Flatfile Platform
    /// sheet) or its schema id, else the default.
    pub fn config_for(&self, batch: &Batch) -> Result<Option<(StoredConfig, ConfigChoice)>> {
        // One connection for every question.
        self.read(|c| {
            let none = c
                .query_row(
                    "SELECT 1 FROM config_none WHERE event = ?1",
                    [batch.key.0],
                    |_| Ok(()),
                )
                .optional()?;
            if none.is_some() {
                return Ok(None);
            }
            let one =
                |filter: &str, param: i64| c.query_row(&select(filter), [param], row).optional();
            if let Some(found) = one(
                "WHERE id = (SELECT config FROM config_use WHERE event = ?1)",
                batch.key.0,
            )? {
                return Ok(Some((found, ConfigChoice::Chosen)));
            }
            if let Some(workbook) = &batch.workbook
                && let Some(slug) = workbook.slug.as_deref()
                && let Some(found) = sheet_config(c, Some(slug))?
                && found.1 == ConfigChoice::Sheet
            {
                return Ok(Some(found));
            }
            if let Some(schema) = batch.schema
                && let Some(found) = one(
                    "WHERE for_schema = ?1 ORDER BY added_at DESC, id DESC LIMIT 1",
                    schema,
                )?
            {
                return Ok(Some((found, ConfigChoice::Schema)));
            }
            Ok(
                one("WHERE is_default = ?1 LIMIT 1", 1)?
                    .map(|found| (found, ConfigChoice::Default)),
            )
        })
    }

    /// The configuration for a Flatfile Platform sheet with slug `slug` arriving now (before it
    /// is an import nobody can have chosen one for it): the newest for its slug, else the
    /// default. What [`Ledger::config_for`] gives its import afterwards, until one is chosen.
    pub fn config_for_sheet(
        &self,
        slug: Option<&str>,
    ) -> Result<Option<(StoredConfig, ConfigChoice)>> {
        self.read(|c| sheet_config(c, slug))
    }
}

fn sheet_config(c: &Conn<'_>, slug: Option<&str>) -> Result<Option<(StoredConfig, ConfigChoice)>> {
    if let Some(slug) = slug
        && let Some(found) = c
            .query_row(
                &select("WHERE for_sheet = ?1 ORDER BY added_at DESC, id DESC LIMIT 1"),
                [slug],
                row,
            )
            .optional()?
    {
        return Ok(Some((found, ConfigChoice::Sheet)));
    }
    Ok(
        c.query_row(&select("WHERE is_default = 1 LIMIT 1"), (), row)
            .optional()?
            .map(|found| (found, ConfigChoice::Default)),
    )
}
