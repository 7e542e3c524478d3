//! Roles, and who is asking: every command names the least role it needs, and every caller
//! carries one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a person may do, each role everything the one before it may and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Role {
    /// Reads imports and exports them.
    Viewer,
    /// Also attaches configurations, retries rejected requests and records review decisions.
    Reviewer,
    /// Also deletes imports, changes settings and manages users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Reviewer, Role::Admin];

    /// Whether this role may do what `needed` is needed for.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// The role named `name` (as spelled in [`Role::as_str`]).
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is asking, as every command sees it: a signed-in person, a program with a token, or
/// the local user of the desktop app or the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's name, as the audit log records it.
    pub name: String,
    pub role: Role,
    /// What this caller's open import is held for: one per session or token, `local` in the
    /// app.
    pub client: String,
}

impl Caller {
    /// The person at this machine (the app, the CLI): every role, named after the OS user.
    pub fn local() -> Caller {
        Caller {
            name: local_user(),
            role: Role::Admin,
            client: "local".to_owned(),
        }
    }
}

/// The person at this machine, as a change made from it is recorded: the one who ran `sudo`
/// (`sudo -u hookgrid hookgrid …` on a server), else the OS user running this process.
pub fn local_user() -> String {
    ["SUDO_USER", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| "local".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_allows_what_the_ones_below_it_do() {
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Admin.allows(Role::Admin));
        assert!(Role::Reviewer.allows(Role::Viewer));
        assert!(!Role::Reviewer.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Reviewer));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).expect("json"),
                serde_json::json!(role.as_str())
            );
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
