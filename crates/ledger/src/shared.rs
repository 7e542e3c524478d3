//! Settings every instance on one ledger must agree on (the webhook token, for one): kept in
//! the ledger, not in a data dir, when several instances share a PostgreSQL ledger.

use crate::store::{OptionalExtension, params};
use crate::{Ledger, Result};

/// `ledger_meta` keys of shared settings start with this.
const PREFIX: &str = "setting:";

impl Ledger {
    /// The shared setting `name`, if it was set.
    pub fn shared_setting(&self, name: &str) -> Result<Option<String>> {
        let key = format!("{PREFIX}{name}");
        self.read(|c| {
            c.query_row(
                "SELECT value FROM ledger_meta WHERE key = ?1",
                [&key],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Sets the shared setting `name` to `value`.
    pub fn set_shared_setting(&self, name: &str, value: &str) -> Result<()> {
        let key = format!("{PREFIX}{name}");
        self.write(|c| {
            c.execute(
                "INSERT INTO ledger_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
        })
    }

    /// The shared setting `name`, set to `value` first when it was not set: of instances
    /// starting at once, the first to write wins and every one gets its value.
    pub fn shared_setting_or(&self, name: &str, value: &str) -> Result<String> {
        let key = format!("{PREFIX}{name}");
        self.write(|c| {
            c.execute(
                "INSERT INTO ledger_meta (key, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![key, value],
            )?;
            c.query_row(
                "SELECT value FROM ledger_meta WHERE key = ?1",
                [&key],
                |r| r.get(0),
            )
        })
    }
}
