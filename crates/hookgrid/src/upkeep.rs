//! Keeping what Hookgrid keeps whole, and saying so when it is not: a clean stop leaves the
//! ledger complete in its one file, and a backup can be taken while the listener runs
//! ([`backup`]); derived files are checked against the digest recorded when they were written
//! ([`verify`]); a ledger that is empty, another's or damaged is refused at start ([`start`]);
//! one listener holds a data dir at a time ([`lock`]); a failing write is said once and
//! `/healthz` answers 503 until storing works again ([`health`]); a ledger is copied to the
//! other backend and checked ([`migrate`]).

pub(crate) mod backup;
pub mod health;
pub mod lock;
mod migrate;
pub mod start;
pub mod verify;
