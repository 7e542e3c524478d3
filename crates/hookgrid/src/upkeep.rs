//! Keeping what Hookgrid keeps whole, and saying so when it is not: a clean stop leaves the
//! ledger complete in its one file, and a backup can be taken while the listener runs
//! ([`backup`]).

pub(crate) mod backup;
