//! The audit log: what was changed, by whom and when. Written by the facade methods that
//! change something (each takes who is doing it), read by `hookgrid audit`.

use hookgrid_ledger::AuditEntry;

use crate::{Hookgrid, Result};

/// Lines `audit` returns at most.
pub const AUDIT_LIMIT: u32 = 10_000;

impl Hookgrid {
    /// Records that `user` did `action` to `target`. A change that could not be recorded is
    /// logged, not undone: it was made and committed already.
    pub(crate) fn record(&self, user: &str, action: &str, target: &str) {
        if let Err(e) = self.core.ledger.record(user, action, target) {
            tracing::error!("cannot record {action} {target} by {user} in the audit log: {e}");
        }
    }

    /// The audit log, newest first.
    pub fn audit(&self) -> Result<Vec<AuditEntry>> {
        Ok(self.core.ledger.audit(AUDIT_LIMIT)?)
    }
}
