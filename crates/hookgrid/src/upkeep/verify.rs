//! Derived files verified. Every derived file (an import's Parquet, its errors files) has its
//! digest recorded in the ledger when it is written, and is checked against it when it is
//! opened: a file damaged on disk, or another import's file put in its place, is rebuilt from
//! the ledger rather than read, and the log says so. A file written before digests were kept
//! has none, and is rebuilt once.
//!
//! The digest is XXH3-128 over the whole file (see [`digest`]): not to resist someone who can
//! write the data dir (they could change the ledger too), but to catch bad luck, at the hash's
//! own speed (see the README for its cost on the million-row file). A file checked once is not
//! hashed again by the same process while its size and modification time stay as they were.
//!
//! Instances sharing a PostgreSQL ledger each build their own files: each records its digests
//! under its own name (`<instance id>/<file>`, the id kept in the data dir's `instance.id`),
//! so one instance's file never fails another's check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use xxhash_rust::xxh3::Xxh3;

use crate::{Core, Result};

/// Files this process has checked, with their size and modification time then, and what the
/// names their digests are kept under start with.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    checked: Mutex<HashMap<PathBuf, (u64, SystemTime)>>,
    prefix: String,
}

impl Verified {
    /// For instances on a shared ledger: digests kept under `instance/`.
    pub(crate) fn for_instance(instance: &str) -> Verified {
        Verified {
            checked: Mutex::default(),
            prefix: format!("{instance}/"),
        }
    }

    /// The name the digest of the file at `path` is kept under.
    fn name(&self, path: &Path) -> String {
        format!("{}{}", self.prefix, name_of(path))
    }
}

/// The file in the data dir naming this instance among those sharing a ledger.
const INSTANCE: &str = "instance.id";

/// This data dir's instance id, made when it is first asked for.
pub(crate) fn instance_id(dir: &crate::datadir::DataDir) -> Result<String> {
    let path = dir.root().join(INSTANCE);
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(crate::error::io(&path)(e)),
        _ => {
            let id = crate::intake::token::generate()?;
            crate::datadir::write_private(&path, format!("{id}\n").as_bytes())?;
            Ok(id)
        }
    }
}

/// Bytes read and hashed at a time: small enough to stay in the core's cache, which is what
/// lets the hash run at its own speed rather than memory's.
const CHUNK: usize = 128 << 10;
/// Files from this size have their two halves hashed side by side.
const SIDE_BY_SIDE: u64 = 4 << 20;

/// The digest of the file at `path` and its size: XXH3-128 of each half of the file, then
/// XXH3-128 of those two digests and the size. Halves, so that two cores share the work on a
/// large file (it halved the check on the million-row file); the definition does not depend
/// on how many cores there are. A file that shrinks while it is read counts the bytes it had.
pub fn digest(path: &Path) -> std::io::Result<([u8; 16], u64)> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let middle = len / 2;
    let (first, second) = if len >= SIDE_BY_SIDE {
        std::thread::scope(|s| {
            let second = s.spawn(|| hash_range(&file, middle, len));
            let first = hash_range(&file, 0, middle);
            (
                first,
                second
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        })
    } else {
        (hash_range(&file, 0, middle), hash_range(&file, middle, len))
    };
    let ((first, a), (second, b)) = (first?, second?);
    let bytes = a + b;
    let mut whole = Xxh3::new();
    whole.update(&first.to_le_bytes());
    whole.update(&second.to_le_bytes());
    whole.update(&bytes.to_le_bytes());
    Ok((whole.digest128().to_le_bytes(), bytes))
}

/// XXH3-128 of the bytes of `file` from `start` to `end`, and how many there were.
fn hash_range(file: &std::fs::File, start: u64, end: u64) -> std::io::Result<(u128, u64)> {
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; CHUNK];
    let mut at = start;
    while at < end {
        let want = (end - at).min(CHUNK as u64) as usize;
        let n = read_at(file, &mut buf[..want], at)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    Ok((hasher.digest128(), at - start))
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
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
        self.ledger
            .record_derived(&self.verified.name(path), &digest, bytes)?;
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
        let name = self.verified.name(path);
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
        let prefix = &self.verified.prefix;
        if let Err(e) = self.ledger.forget_derived(&format!("{prefix}{key}.")) {
            tracing::warn!("cannot forget the digests of import {key}'s files: {e}");
        }
        self.verified
            .lock()
            .retain(|path, _| !name_of(path).starts_with(&format!("{key}.")));
    }
}

impl Verified {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (u64, SystemTime)>> {
        self.checked.lock().unwrap_or_else(|p| p.into_inner())
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

    #[test]
    fn halves_hashed_side_by_side_catch_a_bit_in_either_and_halves_swapped() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("2.parquet");
        let len = 2 * SIDE_BY_SIDE as usize + 3;
        let bytes: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let (whole, n) = digest(&path).expect("digest");
        assert_eq!(n, len as u64);
        assert_eq!(
            digest(&path).expect("again").0,
            whole,
            "the same file, the same digest"
        );
        for at in [0, len / 2 - 1, len / 2, len - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x01;
            std::fs::write(&path, &flipped).expect("write");
            assert_ne!(digest(&path).expect("digest").0, whole, "bit at {at}");
        }
        let mut swapped = bytes[len / 2..].to_vec();
        swapped.extend_from_slice(&bytes[..len / 2]);
        std::fs::write(&path, &swapped).expect("write");
        assert_ne!(digest(&path).expect("digest").0, whole, "halves swapped");
        // A small file, hashed on one thread, by the same definition.
        std::fs::write(&path, b"abc").expect("write");
        assert_eq!(digest(&path).expect("small").1, 3);
    }
}
