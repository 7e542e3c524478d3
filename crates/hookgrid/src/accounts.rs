//! Who may do what, and who did it.
//!
//! - [`roles`]: the three roles, and the [`Caller`] every command runs for.
//! - [`users`]: users with a role and a password (argon2id), their API tokens; managed from
//!   the CLI on the server (or by an admin over the review listener).
//! - [`sessions`]: signing in with a password (slowed, then refused, after repeated failures)
//!   and finding who a request's session cookie or bearer token belongs to.
//! - [`audit`]: deletes, retries, settings, user and token changes, with who and when.
//!
//! The ledger stores users, token and session hashes and the audit log; HTTP only carries
//! credentials. Every secret is random, shown once, kept as a hash and compared in constant
//! time; every check reads the ledger, so a removed user, a new password or a revoked token
//! stops working on the next request.

pub mod audit;
pub mod roles;
pub mod sessions;
mod throttle;
pub mod users;

pub use roles::{Caller, Role, local_user};
pub use sessions::{Credential, SignedIn};
pub use throttle::{FREE_FAILURES, SignInThrottle};
pub use users::UserView;
