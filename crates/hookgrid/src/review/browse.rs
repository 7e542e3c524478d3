//! The imports held in memory for [`crate::Hookgrid::browse`]: the grid's fast pages.
//!
//! Each client (the app, or one sign-in or token on a team server) has at most one import
//! open; an import is held while some client has it open, and let go when none does. Several
//! held imports together stay within a memory budget: past it the least recently used is
//! dropped, and its next page is read from its file again. Clients of one import share its
//! frame (Polars columns are shared, not copied) and each keeps its own evaluated view, so one
//! reviewer's sort does not undo another's.
//!
//! Held per (import, parts received): an import still receiving parts is read again when a
//! part arrives. Reading a big import takes a moment, so the first page of a newly opened
//! import is read lazily from its file while the whole import loads in the background; a
//! request that needs the import in memory (a filter, a sort) waits for that load instead of
//! starting its own. No page is evaluated under the lock: a client's view is taken out,
//! evaluated, and put back.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use hookgrid_frames::{Browser, ColumnValues, DataFrame, Page, View};
use hookgrid_ledger::{Batch, EventKey};

use crate::Result;

/// An import as loaded: its key and how many parts it had.
pub(crate) type Loaded = (EventKey, u32);

pub(crate) fn id(batch: &Batch) -> Loaded {
    (batch.key, batch.parts_received)
}

/// The memory budget for held imports when none is set: 2 GiB.
pub const DEFAULT_MEMORY_BUDGET: u64 = 2 * 1024 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct Browsing {
    state: Mutex<State>,
    loaded: Condvar,
    budget: AtomicU64,
    /// Taken while corrected columns are read and put in place, so that of two corrections
    /// at once the later one's columns are the ones held.
    correcting: Mutex<()>,
}

impl Default for Browsing {
    fn default() -> Self {
        Browsing {
            state: Mutex::default(),
            loaded: Condvar::new(),
            budget: AtomicU64::new(DEFAULT_MEMORY_BUDGET),
            correcting: Mutex::new(()),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    held: HashMap<Loaded, Held>,
    /// Imports being read into memory.
    loading: HashSet<Loaded>,
    /// Imports larger than the whole budget: never held, always read from their file.
    too_big: HashSet<Loaded>,
    /// The import each client has open.
    open: HashMap<String, Loaded>,
    /// Ticks at each use, for least-recently-used.
    clock: u64,
}

#[derive(Debug)]
struct Held {
    frame: DataFrame,
    bytes: u64,
    used: u64,
    /// Each client's evaluated view over `frame`; absent while one is being evaluated.
    browsers: HashMap<String, Browser>,
    /// Counts the corrections put in `frame`: a view evaluated over an earlier frame is not
    /// put back.
    generation: u64,
}

impl State {
    /// Marks `id` as `client`'s open import, letting go of the one it had open before when
    /// nobody else has that open.
    fn open(&mut self, client: &str, id: Loaded) {
        match self.open.insert(client.to_owned(), id) {
            Some(before) if before != id => self.release(before),
            _ => {}
        }
    }

    fn release(&mut self, id: Loaded) {
        if !self.open.values().any(|open| *open == id) {
            self.held.remove(&id);
            self.too_big.remove(&id);
        }
    }

    fn is_open(&self, id: Loaded) -> bool {
        self.open.values().any(|open| *open == id)
    }

    /// Holds `frame` as `id`, the most recently used, within `budget`.
    fn hold(&mut self, id: Loaded, frame: DataFrame, budget: u64) {
        self.clock += 1;
        let held = Held {
            bytes: frame.estimated_size() as u64,
            frame,
            used: self.clock,
            browsers: HashMap::new(),
            generation: 0,
        };
        self.held.insert(id, held);
        self.fit(budget, id);
    }

    fn held_bytes(&self) -> u64 {
        self.held.values().map(|h| h.bytes).sum()
    }

    /// Drops the least recently used imports until the held ones fit `budget`; an import that
    /// alone is larger than the budget is not held at all.
    fn fit(&mut self, budget: u64, newest: Loaded) {
        while self.held_bytes() > budget {
            let oldest = self
                .held
                .iter()
                .filter(|(id, _)| **id != newest)
                .min_by_key(|(_, h)| h.used)
                .map(|(id, _)| *id);
            match oldest {
                Some(oldest) => {
                    tracing::info!(
                        "memory budget: letting go of import {} held for the grid",
                        oldest.0.0
                    );
                    self.held.remove(&oldest);
                }
                None => {
                    if let Some(held) = self.held.remove(&newest) {
                        tracing::warn!(
                            "import {} takes {} MB in memory, more than the whole memory \
                             budget of {} MB: its pages are read from its file",
                            newest.0.0,
                            held.bytes >> 20,
                            budget >> 20
                        );
                        self.too_big.insert(newest);
                    }
                    return;
                }
            }
        }
    }
}

impl Browsing {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait<'a>(&self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.loaded.wait(state).unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the memory budget for held imports, in bytes.
    pub(crate) fn set_budget(&self, bytes: u64) {
        self.budget.store(bytes, Ordering::Relaxed);
        let mut state = self.lock();
        let newest = state
            .held
            .iter()
            .max_by_key(|(_, h)| h.used)
            .map(|(id, _)| *id);
        if let Some(newest) = newest {
            state.fit(bytes, newest);
        }
    }

    /// Bytes the held imports take now.
    pub(crate) fn held_bytes(&self) -> u64 {
        self.lock().held_bytes()
    }

    /// A page of `view` for `client` when `id` is in memory (waiting for it while it loads);
    /// `None` when it is neither held nor loading.
    pub(crate) fn page_if_held(
        &self,
        client: &str,
        id: Loaded,
        view: &View,
        offset: usize,
        limit: usize,
    ) -> Result<Option<Page>> {
        self.with_held(client, id, |browser| Ok(browser.page(view, offset, limit)?))
    }

    /// `column` of `view` summarised for `client` when `id` is in memory (waiting for it
    /// while it loads); `None` when it is neither held nor loading.
    pub(crate) fn values_if_held(
        &self,
        client: &str,
        id: Loaded,
        view: &View,
        column: &str,
        limit: usize,
    ) -> Result<Option<ColumnValues>> {
        self.with_held(client, id, |browser| {
            Ok(browser.column_values(view, column, limit)?)
        })
    }

    fn with_held<T>(
        &self,
        client: &str,
        id: Loaded,
        work: impl FnOnce(&mut Browser) -> Result<T>,
    ) -> Result<Option<T>> {
        let (mut browser, generation) = {
            let mut state = self.lock();
            state.open(client, id);
            while state.loading.contains(&id) {
                state = self.wait(state);
            }
            state.clock += 1;
            let State { held, clock, .. } = &mut *state;
            let Some(held) = held.get_mut(&id) else {
                return Ok(None);
            };
            held.used = *clock;
            let browser = held
                .browsers
                .remove(client)
                .unwrap_or_else(|| Browser::new(held.frame.clone()));
            (browser, held.generation)
        };
        let out = work(&mut browser);
        let mut state = self.lock();
        if state.open.get(client) == Some(&id)
            && let Some(held) = state.held.get_mut(&id)
            && held.generation == generation
        {
            held.browsers.insert(client.to_owned(), browser);
        }
        out.map(Some)
    }

    /// Whether `id` should be read into memory for `client` (marking it open for them): not
    /// when it is held, loading or too big for the budget.
    pub(crate) fn wants_loading(&self, client: &str, id: Loaded) -> bool {
        let mut state = self.lock();
        state.open(client, id);
        !(state.held.contains_key(&id)
            || state.loading.contains(&id)
            || state.too_big.contains(&id))
    }

    /// Claims the background load of `id`; `false` when it is already loading or held.
    pub(crate) fn start_loading(&self, id: Loaded) -> bool {
        let mut state = self.lock();
        if state.held.contains_key(&id) || state.too_big.contains(&id) {
            return false;
        }
        state.loading.insert(id)
    }

    /// Ends a load: the import is held if some client still has it open, within the budget.
    pub(crate) fn finish_loading(&self, id: Loaded, frame: Result<DataFrame>) {
        let mut state = self.lock();
        if !state.loading.remove(&id) {
            // Forgotten while it loaded (deleted, closed).
            return;
        }
        match frame {
            Ok(frame) if state.is_open(id) => {
                state.hold(id, frame, self.budget.load(Ordering::Relaxed));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot hold the import in memory: {e}"),
        }
        self.loaded.notify_all();
    }

    /// Holds an import the worker has just built from its parts (`start_loading` claimed it
    /// before the build, so pages asked meanwhile waited for it instead of reading the parts
    /// again), whether or not a client has it open: its file is still being written, so this
    /// is the one place it can be read from quickly. [`Browsing::written`] lets it go again.
    pub(crate) fn built(&self, id: Loaded, frame: Result<DataFrame>) {
        let mut state = self.lock();
        if !state.loading.remove(&id) {
            // Forgotten or corrected while it was built.
            return;
        }
        match frame {
            Ok(frame) => state.hold(id, frame, self.budget.load(Ordering::Relaxed)),
            Err(e) => tracing::warn!("cannot hold the import in memory: {e}"),
        }
        self.loaded.notify_all();
    }

    /// A just-built import's file is written: it is let go unless a client opened it.
    pub(crate) fn written(&self, id: Loaded) {
        self.lock().release(id);
    }

    /// Reads `id` into memory for `client` with `load` unless it is held (waiting for a load
    /// already under way); an import too big for the budget is not read.
    pub(crate) fn load(
        &self,
        client: &str,
        id: Loaded,
        load: impl FnOnce() -> Result<DataFrame>,
    ) -> Result<()> {
        {
            let mut state = self.lock();
            state.open(client, id);
            while state.loading.contains(&id) {
                state = self.wait(state);
            }
            if state.held.contains_key(&id) || state.too_big.contains(&id) {
                return Ok(());
            }
            state.loading.insert(id);
        }
        match load() {
            Ok(frame) => {
                self.finish_loading(id, Ok(frame));
                Ok(())
            }
            Err(e) => {
                self.lock().loading.remove(&id);
                self.loaded.notify_all();
                Err(e)
            }
        }
    }

    /// Import `key` has corrected cells in `changed` columns: wherever it is held, `read`
    /// (given the frame held, as it read before) gives those columns as they read now and
    /// they take the old ones' place, each client
    /// keeping its view unless the view depends on them. A load under way read the values
    /// before the change, so it is dropped (the next page loads again).
    pub(crate) fn corrected(
        &self,
        key: EventKey,
        changed: &[String],
        read: impl FnOnce(&DataFrame) -> Result<Vec<polars::prelude::Column>>,
    ) -> Result<()> {
        let _one_at_a_time = self.correcting.lock().unwrap_or_else(|p| p.into_inner());
        let before = {
            let mut state = self.lock();
            if state.loading.iter().any(|(k, _)| *k == key) {
                state.loading.retain(|(k, _)| *k != key);
                self.loaded.notify_all();
            }
            match state.held.iter().find(|((k, _), _)| *k == key) {
                Some((_, held)) => held.frame.clone(),
                None => return Ok(()),
            }
        };
        let columns = match read(&before) {
            Ok(columns) => columns,
            Err(e) => {
                // Not held as it was: read again from the file on the next page.
                self.forget(key);
                return Err(e);
            }
        };
        let mut state = self.lock();
        for ((k, _), held) in state.held.iter_mut() {
            if *k != key {
                continue;
            }
            let mut frame = held.frame.clone();
            for column in &columns {
                frame
                    .with_column(column.clone())
                    .map_err(hookgrid_frames::FramesError::from)?;
            }
            held.bytes = frame.estimated_size() as u64;
            held.generation += 1;
            for browser in held.browsers.values_mut() {
                browser.corrected(frame.clone(), changed);
            }
            held.frame = frame;
        }
        Ok(())
    }

    /// Lets go of the import `key` (deleted) wherever it is held or loading.
    pub(crate) fn forget(&self, key: EventKey) {
        let mut state = self.lock();
        state.held.retain(|(k, _), _| *k != key);
        state.loading.retain(|(k, _)| *k != key);
        state.too_big.retain(|(k, _)| *k != key);
        state.open.retain(|_, (k, _)| *k != key);
        self.loaded.notify_all();
    }

    /// `client` closed its import: let go of it unless another client has it open.
    pub(crate) fn close(&self, client: &str) {
        let mut state = self.lock();
        if let Some(before) = state.open.remove(client) {
            state.release(before);
        }
        self.loaded.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn frame(rows: usize) -> DataFrame {
        let values: Vec<i64> = (0..rows as i64).collect();
        let frame = DataFrame::new(
            rows,
            vec![
                Column::new("_row".into(), values.clone()),
                Column::new("_part".into(), vec![1i64; rows]),
                Column::new("_valid".into(), vec![true; rows]),
                Column::new("n".into(), values),
            ],
        );
        frame.expect("frame")
    }

    fn import(key: i64) -> Loaded {
        (EventKey(key), 1)
    }

    fn by_n_descending() -> View {
        View {
            sort: Some(hookgrid_frames::Sort {
                column: "n".into(),
                descending: true,
            }),
            ..View::default()
        }
    }

    #[test]
    fn held_imports_stay_within_the_budget_dropping_the_least_recently_used() {
        let b = Browsing::default();
        let one = frame(10_000).estimated_size() as u64;
        b.set_budget(one * 2 + one / 2);
        for (client, key) in [("ana", 1), ("ben", 2), ("cy", 3)] {
            b.load(client, import(key), || Ok(frame(10_000)))
                .expect("load");
            assert!(b.held_bytes() <= one * 2 + one / 2, "within the budget");
        }
        // Three imports open, room for two: the first, least recently used, went.
        let view = View::default();
        assert!(
            b.page_if_held("ana", import(1), &view, 0, 5)
                .expect("page")
                .is_none()
        );
        assert!(
            b.page_if_held("ben", import(2), &view, 0, 5)
                .expect("page")
                .is_some()
        );
        assert!(
            b.page_if_held("cy", import(3), &view, 0, 5)
                .expect("page")
                .is_some()
        );
        // Ana opens hers again: it comes back and ben's, now the oldest, goes.
        b.load("ana", import(1), || Ok(frame(10_000)))
            .expect("load");
        assert!(
            b.page_if_held("cy", import(3), &view, 0, 5)
                .expect("page")
                .is_some()
        );
        assert!(
            b.page_if_held("ana", import(1), &view, 0, 5)
                .expect("page")
                .is_some()
        );
        assert!(
            b.page_if_held("ben", import(2), &view, 0, 5)
                .expect("page")
                .is_none()
        );
    }

    #[test]
    fn an_import_is_let_go_when_no_client_has_it_open_and_shared_while_one_does() {
        let b = Browsing::default();
        let view = View::default();
        b.load("ana", import(1), || Ok(frame(100))).expect("load");
        b.load("ben", import(1), || panic!("already held: not read again"))
            .expect("shared");
        // Ana moves on; ben still has it, so it stays.
        b.load("ana", import(2), || Ok(frame(100))).expect("load");
        assert!(
            b.page_if_held("ben", import(1), &view, 0, 5)
                .expect("page")
                .is_some()
        );
        b.close("ben");
        assert_eq!(
            b.held_bytes(),
            frame(100).estimated_size() as u64,
            "only ana's"
        );
        b.close("ana");
        assert_eq!(b.held_bytes(), 0);
    }

    #[test]
    fn each_client_keeps_its_own_view_of_a_shared_import() {
        let b = Browsing::default();
        b.load("ana", import(1), || Ok(frame(100))).expect("load");
        let descending = by_n_descending();
        let first = |client: &str, view: &View| {
            let page = b
                .page_if_held(client, import(1), view, 0, 1)
                .expect("page")
                .expect("held");
            page.rows.column("n").expect("n").i64().expect("i64").get(0)
        };
        assert_eq!(first("ana", &descending), Some(99));
        assert_eq!(first("ben", &View::default()), Some(0));
        assert_eq!(first("ana", &descending), Some(99));
    }

    #[test]
    fn an_import_bigger_than_the_whole_budget_is_not_held_nor_read_again() {
        let b = Browsing::default();
        b.set_budget(10);
        b.load("ana", import(1), || Ok(frame(1_000))).expect("load");
        assert_eq!(b.held_bytes(), 0);
        b.load("ana", import(1), || panic!("known too big: not read again"))
            .expect("no load");
        assert!(!b.wants_loading("ana", import(1)));
    }

    #[test]
    fn a_correction_is_put_in_the_held_import_and_a_load_under_way_is_dropped() {
        let b = Browsing::default();
        b.load("ana", import(1), || Ok(frame(10))).expect("load");
        let descending = by_n_descending();
        let first = |b: &Browsing| {
            let page = b
                .page_if_held("ana", import(1), &descending, 0, 1)
                .expect("page")
                .expect("held");
            page.rows.column("n").expect("n").i64().expect("i64").get(0)
        };
        assert_eq!(first(&b), Some(9));
        let corrected: Vec<i64> = (0..10).map(|i| if i == 3 { 100 } else { i }).collect();
        b.corrected(EventKey(1), &["n".to_owned()], |before| {
            assert_eq!(before.height(), 10, "the frame held before");
            Ok(vec![Column::new("n".into(), corrected)])
        })
        .expect("corrected");
        assert_eq!(first(&b), Some(100), "sorted again, not read again");

        assert!(b.wants_loading("ben", import(2)));
        assert!(b.start_loading(import(2)));
        b.corrected(EventKey(2), &["n".to_owned()], |_| {
            panic!("not held: nothing to read")
        })
        .expect("nothing held");
        b.finish_loading(import(2), Ok(frame(10)));
        assert!(
            b.page_if_held("ben", import(2), &View::default(), 0, 1)
                .expect("page")
                .is_none(),
            "read before the correction: not held"
        );
    }

    #[test]
    fn a_page_asked_while_the_worker_builds_an_import_waits_for_that_build() {
        let b = Browsing::default();
        assert!(
            b.start_loading(import(1)),
            "claimed when its last part came"
        );
        std::thread::scope(|s| {
            let asked = s.spawn(|| {
                b.page_if_held("ana", import(1), &View::default(), 0, 3)
                    .expect("page")
                    .map(|page| page.total)
            });
            // The reviewer is waiting (their import is open) before the build ends.
            while !b.lock().is_open(import(1)) {
                std::thread::yield_now();
            }
            b.built(import(1), Ok(frame(10)));
            assert_eq!(
                asked.join().expect("asked"),
                Some(10),
                "read from the build"
            );
        });
        b.written(import(1));
        assert!(
            b.page_if_held("ana", import(1), &View::default(), 0, 3)
                .expect("page")
                .is_some(),
            "open, so still held once its file is written"
        );

        // Built with nobody waiting: held while its file is written, let go after.
        assert!(b.start_loading(import(2)));
        b.built(import(2), Ok(frame(10)));
        assert!(b.lock().held.contains_key(&import(2)));
        b.written(import(2));
        assert!(!b.lock().held.contains_key(&import(2)));

        // A build that fails lets those waiting go on (to the file, or an error).
        assert!(b.start_loading(import(3)));
        b.built(import(3), Err(crate::Error::Internal("no".into())));
        assert!(
            b.page_if_held("cy", import(3), &View::default(), 0, 3)
                .expect("page")
                .is_none()
        );
    }

    #[test]
    fn a_deleted_import_is_forgotten_while_loading_and_held() {
        let b = Browsing::default();
        assert!(b.wants_loading("ana", import(1)));
        assert!(b.start_loading(import(1)));
        b.forget(EventKey(1));
        b.finish_loading(import(1), Ok(frame(10)));
        assert_eq!(b.held_bytes(), 0, "a load that was forgotten is dropped");
    }
}
