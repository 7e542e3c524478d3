//! Derived files verified. Every derived file (an import's Parquet, its errors files) has its
//! digest recorded in the ledger when it is written, and is checked against it when it is
//! opened: a file damaged on disk, or another import's file put in its place, is rebuilt from
//! the ledger rather than read, and the log says so. A file written before digests were kept
//! has none, and is rebuilt once.
//!
//! The digest is XXH3-128 of the whole file: not to resist someone who can write the data dir
//! (they could change the ledger too), but to catch bad luck, at memory speed (see the README
//! for its cost on the million-row file). A file checked once is not hashed again by the same
//! process while its size and modification time stay as they were.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use xxhash_rust::xxh3::Xxh3;

use crate::{Core, Result};

/// Files this process has checked, with their size and modification time then.
#[derive(Debug, Default)]
pub(crate) struct Verified(Mutex<HashMap<PathBuf, (u64, SystemTime)>>);

/// The digest of the file at `path` and its size.
pub fn digest(path: &Path) -> std::io::Result<([u8; 16], u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hasher.digest128().to_le_bytes(), bytes))
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

impl Core {
    /// Records the digest of the derived file just written at `path`.
    pub(crate) fn derived_written(&self, path: &Path) -> Result<()> {
        let (digest, bytes) = digest(path).map_err(crate::error::io(path))?;
        self.ledger.record_derived(&name_of(path), &digest, bytes)?;
        if let Some(now) = stamp(path) {
            self.verified.lock().insert(path.to_path_buf(), now);
        }
        Ok(())
    }

    /// Whether the derived file at `path` is the one written: there, with the digest recorded
    /// when it was. Says in the log why not, when it is there but not that file.
    pub(crate) fn derived_intact(&self, path: &Path) -> bool {
        let Some(now) = stamp(path) else {
            return false;
        };
        if self.verified.lock().get(path) == Some(&now) {
            return true;
        }
        let name = name_of(path);
        let recorded = match self.ledger.derived(&name) {
            Ok(recorded) => recorded,
            Err(e) => {
                tracing::warn!("cannot read the digest of {name}: {e}; it is built again");
                return false;
            }
        };
        let Some((want, want_bytes)) = recorded else {
            tracing::info!(
                "{name} has no digest recorded (written by an older Hookgrid): building it again \
                 from the ledger"
            );
            return false;
        };
        match digest(path) {
            Ok((got, bytes)) if got.as_slice() == want.as_slice() && bytes == want_bytes => {
                self.verified.lock().insert(path.to_path_buf(), now);
                true
            }
            Ok((_, bytes)) => {
                tracing::warn!(
                    "{} does not match the file written ({bytes} bytes now, {want_bytes} then, \
                     another digest): it was damaged or replaced; building it again from the \
                     ledger",
                    path.display()
                );
                false
            }
            Err(e) => {
                tracing::warn!(
                    "cannot read {}: {e}; building it again from the ledger",
                    path.display()
                );
                false
            }
        }
    }

    /// Forgets the digests of import `key`'s derived files (deleted with it).
    pub(crate) fn forget_derived(&self, key: i64) {
        if let Err(e) = self.ledger.forget_derived(&format!("{key}.")) {
            tracing::warn!("cannot forget the digests of import {key}'s files: {e}");
        }
        self.verified
            .lock()
            .retain(|path, _| !name_of(path).starts_with(&format!("{key}.")));
    }
}

impl Verified {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (u64, SystemTime)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_changes_with_one_bit_and_names_the_size() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("1.parquet");
        let mut bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let (a, n) = digest(&path).expect("digest");
        assert_eq!(n, bytes.len() as u64);
        bytes[1_234_567] ^= 0x10;
        std::fs::write(&path, &bytes).expect("write");
        let (b, _) = digest(&path).expect("digest");
        assert_ne!(a, b);
    }
}
