//! People and programs who may use a team server, and what they did: users (a name, a role
//! and a password hash), their API tokens and sign-in sessions (each kept only as a hash of
//! its secret), and the audit log. The ledger stores and answers; hashing, checking and
//! deciding who may do what are the facade's.

use serde::Serialize;

use crate::store::{OptionalExtension, Row, SqlResult, params};
use crate::{Ledger, LedgerError, Result, now_ms, rfc3339};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: i64,
    pub name: String,
    /// `admin`, `reviewer` or `viewer`.
    pub role: String,
    /// The password's PHC string (argon2id).
    pub password_hash: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; `None` until the first sign-in.
    pub last_sign_in: Option<String>,
    /// The labels of the user's API tokens, by label.
    pub tokens: Vec<String>,
}

/// A secret kept as its hash (an API token, a session): what a request presents is looked up
/// by `id` and its hash compared in constant time by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    pub id: i64,
    pub user: i64,
    /// SHA-256 of the secret.
    pub hash: Vec<u8>,
    /// Unix milliseconds after which it no longer works (`None`: until revoked).
    pub expires_at: Option<i64>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub at: String,
    /// Who did it: a user's name, or the local user of the machine the change was made on.
    pub user: String,
    /// What was done (`delete`, `retry`, `set_public_url`, `user_add`, …).
    pub action: String,
    /// What it was done to, in words (`batch 596c… (event 0bce…)`, `user ana`).
    pub target: String,
}

fn user_select(filter: &str) -> String {
    format!(
        "SELECT u.id, u.name, u.role, u.password_hash, {created}, {last},
                (SELECT string_agg(label, '\n' ORDER BY label) FROM api_tokens t
                 WHERE t.\"user\" = u.id)
         FROM users u {filter}",
        created = rfc3339("u.created_at"),
        last = rfc3339("u.last_sign_in"),
    )
}

fn user_row(r: &Row<'_>) -> SqlResult<StoredUser> {
    let tokens: Option<String> = r.get(6)?;
    Ok(StoredUser {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        password_hash: r.get(3)?,
        created_at: r.get(4)?,
        last_sign_in: r.get(5)?,
        tokens: tokens
            .map(|t| t.split('\n').map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

impl Ledger {
    /// Adds a user; [`LedgerError::Exists`] when the name is taken.
    pub fn add_user(&self, name: &str, role: &str, password_hash: &str) -> Result<StoredUser> {
        self.write(|c| {
            let added = c.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO NOTHING",
                params![name, role, password_hash, now_ms()],
            )?;
            match added {
                0 => Err(LedgerError::Exists(format!("a user named {name:?}"))),
                _ => c.query_row(&user_select("WHERE u.name = ?1"), [name], user_row),
            }
        })
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<StoredUser>> {
        self.read(|c| c.query_map(&user_select("ORDER BY u.name"), (), user_row))
    }

    /// The user named `name`.
    pub fn user(&self, name: &str) -> Result<Option<StoredUser>> {
        self.read(|c| {
            c.query_row(&user_select("WHERE u.name = ?1"), [name], user_row)
                .optional()
        })
    }

    /// The user with id `id`.
    pub fn user_by_id(&self, id: i64) -> Result<Option<StoredUser>> {
        self.read(|c| {
            c.query_row(&user_select("WHERE u.id = ?1"), [id], user_row)
                .optional()
        })
    }

    /// How many users have `role`.
    pub fn count_role(&self, role: &str) -> Result<u64> {
        self.read(|c| {
            c.query_row("SELECT COUNT(*) FROM users WHERE role = ?1", [role], |r| {
                r.get(0)
            })
        })
    }

    /// Gives user `name` another role; whether the user exists.
    pub fn set_role(&self, name: &str, role: &str) -> Result<bool> {
        let changed = self.write(|c| {
            c.execute(
                "UPDATE users SET role = ?2 WHERE name = ?1",
                params![name, role],
            )
        })?;
        Ok(changed > 0)
    }

    /// Replaces user `name`'s password hash and ends all of their sessions, in one
    /// transaction; whether the user exists.
    pub fn set_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                params![name, password_hash],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE \"user\" = (SELECT id FROM users WHERE name = ?1)",
                [name],
            )?;
            Ok(changed > 0)
        })
    }

    /// Removes user `name` with their tokens and sessions; whether the user existed.
    pub fn remove_user(&self, name: &str) -> Result<bool> {
        // Tokens and sessions go with the user (ON DELETE CASCADE).
        let removed = self.write(|c| c.execute("DELETE FROM users WHERE name = ?1", [name]))?;
        Ok(removed > 0)
    }

    /// Records a sign-in by user `id` now.
    pub fn note_sign_in(&self, id: i64) -> Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE users SET last_sign_in = ?2 WHERE id = ?1",
                params![id, now_ms()],
            )
            .map(drop)
        })
    }

    /// Adds an API token for user `user` under `label`, kept as `hash`; its id.
    /// [`LedgerError::Exists`] when the user has a token with that label.
    pub fn add_token(&self, user: i64, label: &str, hash: &[u8]) -> Result<i64> {
        let added: Option<i64> = self.write(|c| {
            c.query_row(
                "INSERT INTO api_tokens (\"user\", label, hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (\"user\", label) DO NOTHING RETURNING id",
                params![user, label, hash, now_ms()],
                |r| r.get(0),
            )
            .optional()
        })?;
        added.ok_or_else(|| LedgerError::Exists(format!("a token labelled {label:?}")))
    }

    /// Revokes user `user`'s token `label`; whether there was one.
    pub fn revoke_token(&self, user: i64, label: &str) -> Result<bool> {
        let removed = self.write(|c| {
            c.execute(
                "DELETE FROM api_tokens WHERE \"user\" = ?1 AND label = ?2",
                params![user, label],
            )
        })?;
        Ok(removed > 0)
    }

    /// The API token with id `id`.
    pub fn token(&self, id: i64) -> Result<Option<StoredSecret>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, \"user\", hash FROM api_tokens WHERE id = ?1",
                [id],
                |r| {
                    Ok(StoredSecret {
                        id: r.get(0)?,
                        user: r.get(1)?,
                        hash: r.get(2)?,
                        expires_at: None,
                    })
                },
            )
            .optional()
        })
    }

    /// Starts a session for user `user`, kept as `hash`, ending at `expires_at` (Unix ms);
    /// its id. Sessions that already ended are cleared on the way.
    pub fn add_session(&self, user: i64, hash: &[u8], expires_at: i64) -> Result<i64> {
        let now = now_ms();
        self.write(|c| {
            c.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
            c.query_row(
                "INSERT INTO sessions (\"user\", hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![user, hash, now, expires_at],
                |r| r.get(0),
            )
        })
    }

    /// The session with id `id`, if it has not ended.
    pub fn session(&self, id: i64) -> Result<Option<StoredSecret>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, \"user\", hash, expires_at FROM sessions
                 WHERE id = ?1 AND expires_at >= ?2",
                params![id, now_ms()],
                |r| {
                    Ok(StoredSecret {
                        id: r.get(0)?,
                        user: r.get(1)?,
                        hash: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Ends session `id` (signing out).
    pub fn end_session(&self, id: i64) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM sessions WHERE id = ?1", [id])
                .map(drop)
        })
    }

    /// Adds a line to the audit log, dated now.
    pub fn record(&self, user: &str, action: &str, target: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO audit (at, \"user\", action, target) VALUES (?1, ?2, ?3, ?4)",
                params![now_ms(), user, action, target],
            )
            .map(drop)
        })
    }

    /// The audit log, newest first (at most `limit` lines).
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {at}, \"user\", action, target FROM audit ORDER BY id DESC LIMIT ?1",
            at = rfc3339("at")
        );
        self.read(|c| {
            c.query_map(&sql, [limit], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    action: r.get(2)?,
                    target: r.get(3)?,
                })
            })
        })
    }
}
