//! Deleting imports: one by hand, or every import idle longer than the retention setting.

use std::sync::Arc;

use hookgrid_ledger::EventKey;

use crate::{Batch, Core, Error, Event, Hookgrid, Result};

impl Hookgrid {
    /// Deletes an import for `by` (recorded in the audit log): its parts in the ledger, its
    /// file, and anything held in memory. Its rejected requests stay in the quarantine.
    /// Deleting is final.
    pub fn delete_batch(&self, batch: &Batch, by: &str) -> Result<()> {
        self.remove_batch(batch)?;
        self.record(by, "delete", &describe(batch));
        Ok(())
    }

    /// [`Hookgrid::delete_batch`] without the audit line, for deletes recorded as one.
    pub(crate) fn remove_batch(&self, batch: &Batch) -> Result<()> {
        self.core.ledger.delete(batch.key)?;
        self.core.forget_import(batch.key);
        self.core.events.send(Event::BatchDeleted {
            event: batch.event.clone(),
            batch: batch.batch.clone(),
            key: batch.key.0,
        });
        Ok(())
    }

    /// Deletes the imports whose last part arrived more than `days` days before `now`;
    /// returns how many.
    pub fn delete_older_than(&self, days: u32, now: std::time::SystemTime) -> Result<usize> {
        let now_ms = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let cutoff = now_ms - i64::from(days) * 24 * 3600 * 1000;
        let idle = self.core.ledger.idle_since(cutoff)?;
        let mut deleted = 0;
        for key in idle {
            if let Some(batch) = self.core.ledger.batch(key)? {
                self.remove_batch(&batch)?;
                deleted += 1;
            }
        }
        if deleted > 0 {
            let target = format!("{deleted} import(s) idle for more than {days} days");
            self.record("retention", "delete", &target);
        }
        Ok(deleted)
    }

    /// Applies the retention setting (if any) now; returns how many imports were deleted.
    pub fn apply_retention(&self) -> Result<usize> {
        match self.settings()?.retention_days {
            Some(days) => self.delete_older_than(days, std::time::SystemTime::now()),
            None => Ok(0),
        }
    }

    /// Applies the retention setting now and then every hour, until the runtime stops; part
    /// of [`Hookgrid::background`].
    pub(crate) async fn keep_retention(self: Arc<Self>) {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let hookgrid = Arc::clone(&self);
            match tokio::task::spawn_blocking(move || hookgrid.apply_retention()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!("retention: deleted {n} old import(s)"),
                Ok(Err(e)) => tracing::error!("retention failed: {e}"),
                Err(e) => tracing::error!("retention task failed: {e}"),
            }
        }
    }

    /// Sets how many days imports are kept (`None`: forever), for `by`, and applies it at
    /// once.
    pub fn set_retention_days(&self, days: Option<u32>, by: &str) -> Result<usize> {
        if days == Some(0) {
            return Err(Error::Config(
                "keep imports for at least 1 day, or leave it empty to keep them".to_owned(),
            ));
        }
        let mut settings = self.settings()?;
        if settings.retention_days != days {
            settings.retention_days = days;
            self.save_settings(&settings)?;
            let target = days.map_or("keep forever".to_owned(), |d| format!("{d} days"));
            self.record(by, "set_retention", &target);
        }
        self.apply_retention()
    }
}

/// An import in the audit log's words.
pub(crate) fn describe(batch: &Batch) -> String {
    format!("batch {} (event {})", batch.batch, batch.event)
}

impl Core {
    /// Lets go of what this process derived from import `key` once it is deleted (here, or by
    /// another instance on the ledger): its file, its errors files, their digests, and what
    /// memory holds of it.
    pub(crate) fn forget_import(&self, key: EventKey) {
        drop(self.assembly.lock().take(key));
        self.browsing.forget(key);
        let file = self.batch_path(key);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // The ledger no longer knows the import; the file is an orphan, never read again.
            Err(e) => tracing::warn!("cannot remove {}: {e}", file.display()),
        }
        crate::review::reasons::remove_errors_files(&self.dir.batches(), key.0, None);
        self.forget_derived(key.0);
    }
}
