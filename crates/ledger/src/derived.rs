//! The digests of derived files (an import's Parquet, its errors files), recorded when they
//! are written, by file name. The ledger keeps them; hashing and checking are the facade's.

use crate::store::{OptionalExtension, params};
use crate::{Ledger, Result, now_ms};

impl Ledger {
    /// Records that the derived file `name` was written with `digest` and `bytes`.
    pub fn record_derived(&self, name: &str, digest: &[u8], bytes: u64) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO derived_files (name, digest, bytes, written_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET digest = excluded.digest,
                     bytes = excluded.bytes, written_at = excluded.written_at",
                params![name, digest, bytes, now_ms()],
            )
            .map(drop)
        })
    }

    /// The digest and size recorded for the derived file `name`, if any.
    pub fn derived(&self, name: &str) -> Result<Option<(Vec<u8>, u64)>> {
        self.read(|c| {
            c.query_row(
                "SELECT digest, bytes FROM derived_files WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    /// Forgets the digests of derived files whose names start with `prefix` (an import's, when
    /// it is deleted).
    pub fn forget_derived(&self, prefix: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "DELETE FROM derived_files
                 WHERE substr(name, 1, length(CAST(?1 AS TEXT))) = ?1",
                [prefix],
            )
            .map(drop)
        })
    }
}
