//! The one import held in memory for [`crate::Hookgrid::browse`].
//!
//! Held per (import, parts received): an import still receiving parts is read again when a
//! part arrives, and a complete one stays until another import is browsed. Reading a big
//! import takes a moment, so the first page of a newly opened import is read lazily from its
//! file while the whole import loads in the background; a request that needs the import in
//! memory (a filter, a sort) waits for that load instead of starting its own.

use std::sync::{Condvar, Mutex, MutexGuard};

use hookgrid_frames::{Browser, ColumnValues, DataFrame, Page, View};
use hookgrid_ledger::{Batch, EventKey};

use crate::Result;

/// An import as loaded: its key and how many parts it had.
pub(crate) type Loaded = (EventKey, u32);

pub(crate) fn id(batch: &Batch) -> Loaded {
    (batch.key, batch.parts_received)
}

#[derive(Debug, Default)]
pub(crate) struct Browsing {
    state: Mutex<State>,
    loaded: Condvar,
}

#[derive(Debug, Default)]
struct State {
    held: Option<(Loaded, Browser)>,
    /// The import being read in the background.
    loading: Option<Loaded>,
}

impl Browsing {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A page of `view` when `id` is in memory (waiting for it while it loads); `None` when
    /// it is neither held nor loading.
    pub(crate) fn page_if_held(
        &self,
        id: Loaded,
        view: &View,
        offset: usize,
        limit: usize,
    ) -> Result<Option<Page>> {
        self.with_held(id, |browser| Ok(browser.page(view, offset, limit)?))
    }

    /// `column` of `view` summarised when `id` is in memory (waiting for it while it loads);
    /// `None` when it is neither held nor loading.
    pub(crate) fn values_if_held(
        &self,
        id: Loaded,
        view: &View,
        column: &str,
        limit: usize,
    ) -> Result<Option<ColumnValues>> {
        self.with_held(
            id,
            |browser| Ok(browser.column_values(view, column, limit)?),
        )
    }

    fn with_held<T>(
        &self,
        id: Loaded,
        work: impl FnOnce(&mut Browser) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut state = self.lock();
        while state.loading == Some(id) {
            state = self.loaded.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        match &mut state.held {
            Some((held, browser)) if *held == id => work(browser).map(Some),
            _ => Ok(None),
        }
    }

    /// Claims the background load of `id`; `false` when it is already loading.
    pub(crate) fn start_loading(&self, id: Loaded) -> bool {
        let mut state = self.lock();
        if state.loading == Some(id) {
            return false;
        }
        state.loading = Some(id);
        true
    }

    /// Ends a background load. A load overtaken by another import's is dropped.
    pub(crate) fn finish_loading(&self, id: Loaded, frame: Result<DataFrame>) {
        let mut state = self.lock();
        if state.loading != Some(id) {
            return;
        }
        state.loading = None;
        match frame {
            Ok(frame) => state.held = Some((id, Browser::new(frame))),
            Err(e) => tracing::warn!("cannot hold the import in memory: {e}"),
        }
        self.loaded.notify_all();
    }

    /// Holds `id`, read by `load` (the previous import is let go first, so two are never in
    /// memory at once).
    pub(crate) fn load(&self, id: Loaded, load: impl FnOnce() -> Result<DataFrame>) -> Result<()> {
        self.lock().held = None;
        let frame = load()?;
        self.lock().held = Some((id, Browser::new(frame)));
        Ok(())
    }

    /// Lets go of the import `key` if it is held or loading.
    pub(crate) fn forget(&self, key: EventKey) {
        let mut state = self.lock();
        if state.held.as_ref().is_some_and(|((k, _), _)| *k == key) {
            state.held = None;
        }
        if state.loading.is_some_and(|(k, _)| k == key) {
            state.loading = None;
            self.loaded.notify_all();
        }
    }

    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.held = None;
        state.loading = None;
        self.loaded.notify_all();
    }
}
