//! Users and their API tokens. A password is hashed with argon2id (its own random salt, the
//! library's recommended cost); a token is 256 random bits, shown once, kept as its SHA-256.
//! There is always an admin once there is anyone: the last one cannot be removed or demoted.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hookgrid_ledger::StoredUser;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::Role;
use crate::{Error, Hookgrid, Result};

/// The shortest password a person may choose.
pub const MIN_PASSWORD: usize = 10;
/// What every API token begins with, so one pasted into the wrong place is recognised.
pub const TOKEN_PREFIX: &str = "hgt_";

/// A user as `user list` and the admin's page show them: never a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    /// RFC 3339, UTC.
    pub created: String,
    /// RFC 3339, UTC; `None` before the first sign-in.
    pub last_sign_in: Option<String>,
    /// The labels of the user's API tokens.
    pub tokens: Vec<String>,
}

impl UserView {
    fn from_stored(user: StoredUser) -> Result<UserView> {
        Ok(UserView {
            role: stored_role(&user)?,
            name: user.name,
            created: user.created_at,
            last_sign_in: user.last_sign_in,
            tokens: user.tokens,
        })
    }
}

pub(crate) fn stored_role(user: &StoredUser) -> Result<Role> {
    Role::parse(&user.role).ok_or_else(|| {
        Error::Internal(format!(
            "user {} has the unknown role {:?}",
            user.name, user.role
        ))
    })
}

/// 32 bytes from the OS random source.
pub(crate) fn random_bytes() -> Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("the OS random source failed: {e}")))?;
    Ok(bytes)
}

/// `bytes` as URL-safe base64 without padding.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// A password for people to type once and change: 20 letters and digits in groups of five
/// (about 100 bits), without the ones easily misread.
fn generate_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes = random_bytes()?;
    let mut out = String::new();
    let mut drawn = 0usize;
    for b in bytes.iter().chain(random_bytes()?.iter()) {
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if (*b as usize) >= limit {
            continue;
        }
        if drawn > 0 && drawn.is_multiple_of(5) {
            out.push('-');
        }
        out.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
        drawn += 1;
        if drawn == 20 {
            return Ok(out);
        }
    }
    // 64 bytes give 20 accepted characters with overwhelming probability; draw again if not.
    generate_password()
}

/// The argon2id PHC string of `password`, with a fresh salt.
pub(crate) fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes()?[..16])
        .map_err(|e| Error::Internal(format!("cannot make a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string `hash` (argon2 compares in constant time).
pub(crate) fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    let plain = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if plain {
        Ok(name)
    } else {
        Err(Error::BadRequest(format!(
            "{name:?} cannot be a user name: use 1 to 64 letters, digits and . _ - @"
        )))
    }
}

fn check_password(password: &str) -> Result<&str> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(Error::BadRequest(format!(
            "the password is too short: use at least {MIN_PASSWORD} characters"
        )));
    }
    Ok(password)
}

fn check_label(label: &str) -> Result<&str> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 64 || label.chars().any(char::is_control) {
        return Err(Error::BadRequest(
            "a token's label is 1 to 64 characters (say where it is used: `laptop`, `backup script`)"
                .to_owned(),
        ));
    }
    Ok(label)
}

impl Hookgrid {
    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserView>> {
        self.core
            .ledger
            .users()?
            .into_iter()
            .map(UserView::from_stored)
            .collect()
    }

    /// Whether there is an admin yet (a team server without one prints how to add one).
    pub fn has_admin(&self) -> Result<bool> {
        Ok(self.core.ledger.count_role(Role::Admin.as_str())? > 0)
    }

    pub(crate) fn stored_user(&self, name: &str) -> Result<StoredUser> {
        self.core
            .ledger
            .user(name.trim())?
            .ok_or_else(|| Error::NoSuchUser(name.trim().to_owned()))
    }

    /// Adds a user with `password`, or a generated one; returns the password (shown once).
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password: Option<&str>,
        by: &str,
    ) -> Result<String> {
        let name = check_name(name)?;
        let password = match password {
            Some(p) => check_password(p)?.to_owned(),
            None => generate_password()?,
        };
        self.core
            .ledger
            .add_user(name, role.as_str(), &hash_password(&password)?)?;
        self.record(by, "user_add", &format!("user {name} as {role}"));
        Ok(password)
    }

    /// Gives user `name` another role. The last admin stays one.
    pub fn set_user_role(&self, name: &str, role: Role, by: &str) -> Result<()> {
        let user = self.stored_user(name)?;
        if stored_role(&user)? == role {
            return Ok(());
        }
        self.keep_an_admin(&user)?;
        self.core.ledger.set_role(&user.name, role.as_str())?;
        self.record(by, "user_role", &format!("user {} to {role}", user.name));
        Ok(())
    }

    /// Gives user `name` `password`, or a generated one; returns it (shown once). Every session
    /// of theirs ends; their API tokens stay.
    pub fn set_user_password(
        &self,
        name: &str,
        password: Option<&str>,
        by: &str,
    ) -> Result<String> {
        let user = self.stored_user(name)?;
        let password = match password {
            Some(p) => check_password(p)?.to_owned(),
            None => generate_password()?,
        };
        self.core
            .ledger
            .set_password(&user.name, &hash_password(&password)?)?;
        self.record(by, "user_password", &format!("user {}", user.name));
        Ok(password)
    }

    /// Removes user `name` with their tokens and sessions. The last admin stays.
    pub fn remove_user(&self, name: &str, by: &str) -> Result<()> {
        let user = self.stored_user(name)?;
        self.keep_an_admin(&user)?;
        self.core.ledger.remove_user(&user.name)?;
        self.record(by, "user_remove", &format!("user {}", user.name));
        Ok(())
    }

    /// Refuses to take the admin role from `user` when they hold the only one.
    fn keep_an_admin(&self, user: &StoredUser) -> Result<()> {
        if stored_role(user)? == Role::Admin && self.core.ledger.count_role("admin")? <= 1 {
            return Err(Error::LastAdmin(user.name.clone()));
        }
        Ok(())
    }

    /// A new API token for user `name`, labelled `label` (where it is used); returned once,
    /// kept only as its hash.
    pub fn add_token(&self, name: &str, label: &str, by: &str) -> Result<String> {
        let user = self.stored_user(name)?;
        let label = check_label(label)?;
        let secret = b64(&random_bytes()?);
        let id = self
            .core
            .ledger
            .add_token(user.id, label, &sha256(&secret))?;
        self.record(
            by,
            "token_add",
            &format!("token {label:?} of user {}", user.name),
        );
        Ok(format!("{TOKEN_PREFIX}{id}_{secret}"))
    }

    /// Revokes user `name`'s token `label`: it stops working on the next request.
    pub fn revoke_token(&self, name: &str, label: &str, by: &str) -> Result<()> {
        let user = self.stored_user(name)?;
        if !self.core.ledger.revoke_token(user.id, label.trim())? {
            return Err(Error::NoSuchToken {
                user: user.name,
                label: label.trim().to_owned(),
            });
        }
        self.record(
            by,
            "token_revoke",
            &format!("token {:?} of user {}", label.trim(), user.name),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_password_is_twenty_plain_characters_in_fives() {
        let a = generate_password().expect("password");
        let b = generate_password().expect("password");
        assert_ne!(a, b);
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(groups.len(), 4, "{a}");
        assert!(groups.iter().all(|g| g.len() == 5), "{a}");
        assert!(
            !a.contains(['0', 'O', 'o', '1', 'l', 'I', 'i']),
            "nothing easily misread: {a}"
        );
    }

    #[test]
    fn a_password_hash_is_argon2id_salted_and_checks_only_its_password() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert_ne!(hash, hash_password("correct horse battery").expect("hash"));
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse batter", &hash));
        assert!(!password_matches("correct horse battery", "not a hash"));
    }

    #[test]
    fn names_labels_and_passwords_are_checked() {
        assert_eq!(check_name(" ana.lopez ").expect("ok"), "ana.lopez");
        assert!(check_name("").is_err());
        assert!(check_name("ana lopez").is_err());
        assert!(check_name("<b>").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough!").is_ok());
        assert!(check_label("laptop").is_ok());
        assert!(check_label(" ").is_err());
        assert!(check_label("a\nb").is_err());
    }
}
