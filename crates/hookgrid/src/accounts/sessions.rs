//! Signing in, and finding who a request belongs to.
//!
//! A session is what a browser holds after signing in with a password: `<id>.<secret>` in a
//! cookie. An API token (`hgt_<id>_<secret>`) is what programs and the desktop app send as
//! `Authorization: Bearer`. Either way the id finds the stored hash and the secret's SHA-256 is
//! compared with it in constant time; the user is read again on every request, so a removed
//! user, a new password (which ends sessions) or a revoked token fails the next one.

use std::time::Duration;

use crate::now_ms;

use subtle::ConstantTimeEq;

use super::Caller;
use super::users::{
    TOKEN_PREFIX, b64, hash_password, password_matches, random_bytes, sha256, stored_role,
};
use crate::{Error, Hookgrid, Result};

/// How long a sign-in lasts: a working day and then some.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// What a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// The session cookie's value.
    Session(&'a str),
    /// `Authorization: Bearer …`.
    Token(&'a str),
}

/// A new sign-in: who, and the cookie value that carries it (shown to the browser once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub caller: Caller,
    pub cookie: String,
    pub lifetime: Duration,
}

/// The hash of a password nobody has, checked when the name is unknown, so a sign-in takes as
/// long for a name that does not exist as for a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let unguessable = b64(&random_bytes().unwrap_or([7; 32]));
        hash_password(&unguessable).unwrap_or_default()
    })
}

fn signed_out(why: &str) -> Error {
    Error::Unauthorized(why.to_owned())
}

/// `<id><sep><secret>` → (id, secret).
fn split(value: &str, sep: char) -> Option<(i64, &str)> {
    let (id, secret) = value.split_once(sep)?;
    let id = id.parse().ok()?;
    (!secret.is_empty()).then_some((id, secret))
}

fn same(secret: &str, hash: &[u8]) -> bool {
    bool::from(sha256(secret).as_slice().ct_eq(hash))
}

impl Hookgrid {
    /// Checks `name`'s `password` and starts a session. The caller throttles failures (see
    /// [`super::SignInThrottle`]); a wrong name and a wrong password are the same error.
    pub fn sign_in(&self, name: &str, password: &str) -> Result<SignedIn> {
        let user = self.core.ledger.user(name.trim())?;
        let matches = match &user {
            Some(u) => password_matches(password, &u.password_hash),
            None => password_matches(password, decoy_hash()),
        };
        let Some(user) = user.filter(|_| matches) else {
            return Err(signed_out("the name or the password is wrong"));
        };
        let secret = b64(&random_bytes()?);
        let expires = now_ms() + SESSION_LIFETIME.as_millis() as i64;
        let id = self
            .core
            .ledger
            .add_session(user.id, &sha256(&secret), expires)?;
        self.core.ledger.note_sign_in(user.id)?;
        Ok(SignedIn {
            caller: Caller {
                role: stored_role(&user)?,
                name: user.name,
                client: format!("session:{id}"),
            },
            cookie: format!("{id}.{secret}"),
            lifetime: SESSION_LIFETIME,
        })
    }

    /// Ends the session a cookie carries (signing out); nothing when it has ended already.
    pub fn sign_out(&self, cookie: &str) -> Result<()> {
        if let Some((id, secret)) = split(cookie, '.')
            && let Some(session) = self.core.ledger.session(id)?
            && same(secret, &session.hash)
        {
            self.core.ledger.end_session(id)?;
        }
        Ok(())
    }

    /// Who `credential` belongs to, as of now; [`Error::Unauthorized`] when it is unknown,
    /// ended, revoked or its user is gone.
    pub fn authenticate(&self, credential: Credential<'_>) -> Result<Caller> {
        let (stored, client) = match credential {
            Credential::Session(value) => {
                let (id, secret) = split(value, '.').ok_or_else(|| signed_out("not signed in"))?;
                let session = self
                    .core
                    .ledger
                    .session(id)?
                    .filter(|s| same(secret, &s.hash))
                    .ok_or_else(|| signed_out("the sign-in has ended: sign in again"))?;
                (session, format!("session:{id}"))
            }
            Credential::Token(value) => {
                let (id, secret) = value
                    .strip_prefix(TOKEN_PREFIX)
                    .and_then(|rest| split(rest, '_'))
                    .ok_or_else(|| signed_out("that is not a Hookgrid API token"))?;
                let token = self
                    .core
                    .ledger
                    .token(id)?
                    .filter(|t| same(secret, &t.hash))
                    .ok_or_else(|| {
                        signed_out("the API token is not valid (revoked, or mistyped)")
                    })?;
                (token, format!("token:{id}"))
            }
        };
        let user = self
            .core
            .ledger
            .user_by_id(stored.user)?
            .ok_or_else(|| signed_out("the user no longer exists"))?;
        Ok(Caller {
            role: stored_role(&user)?,
            name: user.name,
            client,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoy_hash_is_a_real_argon2id_hash_so_unknown_names_cost_the_same() {
        let parsed = argon2::password_hash::PasswordHash::new(decoy_hash()).expect("parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(!password_matches("anything", decoy_hash()));
    }

    #[test]
    fn a_credential_splits_into_its_id_and_secret() {
        assert_eq!(split("12.abc", '.'), Some((12, "abc")));
        assert_eq!(split("12.", '.'), None);
        assert_eq!(split("x.abc", '.'), None);
        assert_eq!(split("abc", '.'), None);
    }
}
