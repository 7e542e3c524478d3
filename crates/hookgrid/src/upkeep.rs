//! Keeping what Hookgrid keeps whole, and saying so when it is not: a clean stop leaves the
//! ledger complete in its one file, and a backup can be taken while the listener runs
//! ([`backup`]); derived files are checked against the digest recorded when they were written
//! ([`verify`]); a ledger that is empty, another's or damaged is refused at start ([`start`]).

pub(crate) mod backup;
pub mod start;
pub mod verify;
