//! The webhook token: 256 random bits, URL-safe, kept in the data dir; or, when instances
//! share a PostgreSQL ledger (behind one load balancer, so behind one URL), in the ledger.
//!
//! The listener re-reads the file when it changes (the ledger's value at most a second
//! old), so `hookgrid token --rotate` (or the desktop app) takes effect in a running
//! listener, every instance's, without a restart. The token is compared in constant time
//! and never logged; logs show a [`fingerprint`] instead.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hookgrid_ledger::Ledger;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::connection::shared::Every;
use crate::error::{Error, Result, io};

/// Makes a new random token: 32 bytes from the OS, base64url without padding (43 chars).
pub fn generate() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("the OS random source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// First 8 hex digits of the token's SHA-256: enough to tell tokens apart in logs, useless to
/// an attacker.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// The token, cached and read again when it changes (the file) or every second (the ledger).
#[derive(Debug)]
pub struct TokenStore {
    path: PathBuf,
    cached: RwLock<(Option<Stamp>, String)>,
    /// Set when the token is the shared ledger's; `path` then only names it in messages.
    shared: Option<Shared>,
}

#[derive(Debug)]
struct Shared {
    ledger: Arc<Ledger>,
    /// A rotation on another instance holds here within a second.
    due: Every,
}

/// The shared setting holding the token.
const SETTING: &str = "webhook_token";

impl TokenStore {
    /// The token every instance on `ledger` shares, made by the first of them to start.
    pub fn open_shared(ledger: Arc<Ledger>) -> Result<TokenStore> {
        let token = ledger.shared_setting_or(SETTING, &generate()?)?;
        Ok(TokenStore {
            path: ledger.location().join(SETTING),
            cached: RwLock::new((None, token)),
            shared: Some(Shared {
                ledger,
                due: Every::default(),
            }),
        })
    }

    /// Opens the token file, creating it with a new token when it does not exist.
    pub fn open(path: &Path) -> Result<TokenStore> {
        let token = match std::fs::read_to_string(path) {
            Ok(t) if !t.trim().is_empty() => t.trim().to_owned(),
            Ok(_) => write_new_unless_read_only(path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_new_unless_read_only(path)?,
            Err(e) => return Err(io(path)(e)),
        };
        Ok(TokenStore {
            path: path.to_path_buf(),
            cached: RwLock::new((modified(path), token)),
            shared: None,
        })
    }

    /// The current token (empty when a read-only copy of a data dir has none: then no
    /// request matches).
    pub fn current(&self) -> String {
        self.refresh();
        self.cached.read().map(|c| c.1.clone()).unwrap_or_default()
    }

    /// Whether `candidate` is the current token (constant time).
    pub fn matches(&self, candidate: &str) -> bool {
        self.refresh();
        let Ok(cached) = self.cached.read() else {
            return false;
        };
        let expected = cached.1.as_bytes();
        !expected.is_empty() && bool::from(expected.ct_eq(candidate.as_bytes()))
    }

    /// Replaces the token with a new one; the old one stops working at once.
    pub fn rotate(&self) -> Result<String> {
        if let Some(shared) = &self.shared {
            let token = generate()?;
            shared.ledger.set_shared_setting(SETTING, &token)?;
            if let Ok(mut cached) = self.cached.write() {
                cached.1 = token.clone();
            }
            return Ok(token);
        }
        let token = write_new(&self.path)?;
        if let Ok(mut cached) = self.cached.write() {
            *cached = (modified(&self.path), token.clone());
        }
        Ok(token)
    }

    fn refresh(&self) {
        if let Some(shared) = &self.shared {
            return self.refresh_shared(shared);
        }
        let now = modified(&self.path);
        let stale = self.cached.read().map(|c| c.0 != now).unwrap_or(true);
        if !stale {
            return;
        }
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return;
        };
        let token = text.trim();
        if token.is_empty() {
            return;
        }
        if let Err(e) = strong_enough(&self.path, token) {
            // Written by hand while the listener runs: the token before it stays in use.
            tracing::error!("{e}; the token before it is still the one in use");
            if let Ok(mut cached) = self.cached.write() {
                cached.0 = now;
            }
            return;
        }
        if let Ok(mut cached) = self.cached.write() {
            *cached = (now, token.to_owned());
        }
    }

    fn refresh_shared(&self, shared: &Shared) {
        if !shared.due.due() {
            return;
        }
        // A database that cannot be reached keeps the token it gave last: such a request
        // cannot be stored anyway, and is answered so.
        match shared.ledger.shared_setting(SETTING) {
            Ok(Some(token)) if strong_enough(&self.path, &token).is_ok() => {
                if let Ok(mut cached) = self.cached.write() {
                    cached.1 = token;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::debug!("cannot read the shared webhook token: {e}"),
        }
    }

    /// Refuses a token shorter than a generated one (written by hand, say `a`): anyone could
    /// guess it. What a shell that runs the listener checks before it listens.
    pub fn check(&self) -> Result<()> {
        let cached = self.cached.read().map(|c| c.1.clone()).unwrap_or_default();
        strong_enough(&self.path, &cached)
    }
}

/// The length of a generated token; a shorter one is refused.
pub const TOKEN_LEN: usize = 43;

fn strong_enough(path: &Path, token: &str) -> Result<()> {
    if token.chars().count() >= TOKEN_LEN {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the webhook token in {} is {} characters long, and a token must have at least {TOKEN_LEN} \
         (what `hookgrid token --rotate` makes): a short one can be guessed; run `hookgrid token \
         --rotate` for a new one (then give Flatfile the new URL)",
        path.display(),
        token.chars().count()
    )))
}

/// What identifies one version of the token file. Every write replaces the file by rename,
/// so the inode changes even when two writes fall in the same mtime tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    inode: u64,
}

fn modified(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp {
        modified: meta.modified().ok(),
        inode,
    })
}

/// [`write_new`], except on a read-only copy of a data dir, which then has no token.
fn write_new_unless_read_only(path: &Path) -> Result<String> {
    match write_new(path) {
        Err(Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
        {
            Ok(String::new())
        }
        other => other,
    }
}

/// Writes a fresh token atomically, readable by the owner only.
fn write_new(path: &Path) -> Result<String> {
    let token = generate()?;
    crate::datadir::write_private(path, token.as_bytes())?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_url_safe_and_distinct() {
        let a = generate().expect("token");
        let b = generate().expect("token");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).expect("base64").len(), 32);
    }

    #[test]
    fn the_store_persists_matches_and_rotates() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("token");
        let store = TokenStore::open(&path).expect("open");
        let first = store.current();
        assert!(store.matches(&first));
        assert!(!store.matches(&first[..42]));
        assert!(!store.matches(""));
        assert_eq!(TokenStore::open(&path).expect("reopen").current(), first);

        // A rotation by another process is picked up.
        let other = TokenStore::open(&path).expect("open");
        let second = other.rotate().expect("rotate");
        assert_ne!(first, second);
        assert!(
            store.matches(&second),
            "the file changed, the cache must follow"
        );
        assert!(!store.matches(&first));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn fingerprints_are_short_and_stable() {
        assert_eq!(fingerprint("abc"), fingerprint("abc"));
        assert_eq!(fingerprint("abc").len(), 8);
        assert_ne!(fingerprint("abc"), fingerprint("abd"));
    }
}
