//! The one import held in memory for [`crate::Hookgrid::browse`].
//!
//! Held per (import, parts received): an import still receiving parts is read again when a
//! part arrives, and a complete one stays until another import is browsed.

use std::sync::Mutex;

use hookgrid_frames::{Browser, DataFrame, Page, View};
use hookgrid_ledger::{Batch, EventKey};

use crate::Result;

#[derive(Debug, Default)]
pub(crate) struct Browsing {
    held: Mutex<Option<Held>>,
}

#[derive(Debug)]
struct Held {
    key: EventKey,
    parts_received: u32,
    browser: Browser,
}

impl Browsing {
    /// A page of `view` over `batch`, reading the import with `load` when it is not held.
    pub(crate) fn page(
        &self,
        batch: &Batch,
        view: &View,
        offset: usize,
        limit: usize,
        load: impl FnOnce(&Batch) -> Result<DataFrame>,
    ) -> Result<Page> {
        // Held across the load: a second request for the same import waits for this read
        // instead of starting its own.
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let h = match held.take() {
            Some(h) if h.key == batch.key && h.parts_received == batch.parts_received => {
                held.insert(h)
            }
            // Anything else is let go before the load, so two imports are never in memory.
            _ => held.insert(Held {
                key: batch.key,
                parts_received: batch.parts_received,
                browser: Browser::new(load(batch)?),
            }),
        };
        Ok(h.browser.page(view, offset, limit)?)
    }

    pub(crate) fn close(&self) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
