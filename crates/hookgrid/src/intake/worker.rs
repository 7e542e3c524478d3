//! The worker thread: it reads each stored part's rows into the assembly as the part
//! arrives (off the path of the request's answer), writes each complete import's derived
//! Parquet file, and rebuilds files found missing or unreadable. One queue, in order: a
//! part's rows are always read before the file of the import it completes is built.

use std::sync::atomic::Ordering;

use hookgrid_flatfile::{Checked, read_rows};
use hookgrid_ledger::EventKey;

use hookgrid_frames::{DataFrame, FramesError, IntoLazy};

use crate::intake::assembly::HeldPart;
use crate::review::browse::{self, Browsing, Loaded};
use crate::{BatchStatus, Core, Error, Event, Hookgrid, Result};

/// A batch file for the worker to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job {
    pub(crate) key: EventKey,
    /// The import just completed: announce it before building (not for rebuilds).
    pub(crate) just_completed: bool,
    /// Claimed for this build in the held imports when it completed (see
    /// [`Hookgrid::build_completed`]).
    pub(crate) claimed: Option<Loaded>,
}

/// A stored part whose rows the worker reads into the assembly.
#[derive(Debug)]
pub(crate) struct ReadPart {
    pub(crate) key: EventKey,
    pub(crate) body: Vec<u8>,
    /// What the check before its answer found in it.
    pub(crate) checked: Checked,
}

/// What the worker is asked to do.
#[derive(Debug)]
pub(crate) enum Work {
    Read(Box<ReadPart>),
    Build(Job),
}

/// Bodies waiting to be read at most; past it a part is left for the build to read from the
/// ledger (as a part another instance stored is), so a slow worker never holds more.
const READ_QUEUE_BYTES: usize = 128 * 1024 * 1024;

impl Hookgrid {
    pub(crate) fn queue(&self, job: Job) {
        if !self.core.send_work(Work::Build(job)) {
            // Shutting down: the file is derived and will be built on next use.
            tracing::debug!(event = job.key.0, "worker gone; batch file deferred");
            if let Some(id) = job.claimed {
                self.core
                    .browsing
                    .built(id, Err(Error::Internal("shutting down".into())));
            }
        }
    }

    /// Queues the build of an import a part just completed, claiming it at once in the held
    /// imports: a page asked before the build even starts waits for it, and is read from it,
    /// instead of reading every part again.
    pub(crate) fn build_completed(&self, id: Loaded) {
        self.queue(Job {
            key: id.0,
            just_completed: true,
            claimed: self.core.browsing.start_loading(id).then_some(id),
        });
    }

    /// Queues every complete batch whose file is missing or unreadable for rebuilding; returns
    /// how many were queued. The listener calls this at start-up.
    pub fn rebuild_missing(&self) -> Result<usize> {
        let mut queued = 0;
        for batch in self.core.ledger.batches()? {
            if batch.status != BatchStatus::Complete {
                continue;
            }
            if !self.core.batch_file_intact(&batch) {
                self.queue(Job {
                    key: batch.key,
                    just_completed: false,
                    claimed: None,
                });
                queued += 1;
            } else if batch.columns.is_none() {
                // Built before the ledger kept columns: read them from the file's footer.
                self.core.record_file_columns(&batch);
            }
        }
        Ok(queued)
    }

    /// Waits for queued batch files to be written, then stops the worker; on a shared ledger,
    /// waits (2 s at most) for this process's last events to be announced.
    pub fn shutdown(&self) {
        drop(
            self.core
                .work
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        if let Some(worker) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = worker.join();
        }
        // A command run against a shared ledger tells the other instances before it exits.
        self.core.events.flush();
    }
}

/// The worker's claim on an import it builds (see [`crate::review::browse::Browsing::built`]):
/// however the build ends (an error, a panic), pages waiting for it are let go on.
struct Building<'a> {
    browsing: &'a Browsing,
    id: Loaded,
    built: bool,
}

impl<'a> Building<'a> {
    /// `None` when the import is already held or loading.
    fn claim(browsing: &'a Browsing, id: Loaded) -> Option<Building<'a>> {
        browsing
            .start_loading(id)
            .then(|| Building::new(browsing, id))
    }

    /// A claim made before (see [`Hookgrid::build_completed`]).
    fn new(browsing: &'a Browsing, id: Loaded) -> Building<'a> {
        Building {
            browsing,
            id,
            built: false,
        }
    }

    fn built(&mut self, frame: Result<DataFrame>) {
        self.built = true;
        self.browsing.built(self.id, frame);
    }
}

impl Drop for Building<'_> {
    fn drop(&mut self) {
        if !self.built {
            // Never built (or its build was handed over): no longer loading, either way.
            self.browsing.built(
                self.id,
                Err(Error::Internal("the build did not finish".into())),
            );
        }
        self.browsing.written(self.id);
    }
}

impl Core {
    /// Hands `work` to the worker; `false` when it is gone (shutting down).
    fn send_work(&self, work: Work) -> bool {
        let queue = self.work.lock().unwrap_or_else(|p| p.into_inner());
        queue.as_ref().is_some_and(|q| q.send(work).is_ok())
    }

    /// Has the worker read a just-stored part's rows into the assembly, unless too many bodies
    /// wait already (then the import's build reads this one from the ledger).
    pub(crate) fn read_later(&self, key: EventKey, body: &[u8], checked: Checked) {
        let queued = self.reading.fetch_add(body.len(), Ordering::AcqRel);
        if queued + body.len() > READ_QUEUE_BYTES
            || !self.send_work(Work::Read(Box::new(ReadPart {
                key,
                body: body.to_vec(),
                checked,
            })))
        {
            self.reading.fetch_sub(body.len(), Ordering::AcqRel);
        }
    }

    /// Does one piece of work (worker thread).
    pub(crate) fn work(&self, work: Work) {
        match work {
            Work::Build(job) => self.materialize(job),
            Work::Read(part) => {
                self.reading.fetch_sub(part.body.len(), Ordering::AcqRel);
                self.read_part(*part);
            }
        }
    }

    /// Reads a stored part's rows into the assembly.
    fn read_part(&self, ReadPart { key, body, checked }: ReadPart) {
        match read_rows(&body, checked) {
            Ok(part) => self
                .assembly
                .lock()
                .add(key, HeldPart::from(part), body.len()),
            // Checked before it was stored, so never expected; the build reads it again from
            // the ledger and says what is wrong with it there.
            Err(e) => tracing::warn!(event = key.0, "cannot read a stored part's rows: {e}"),
        }
    }

    /// Records the columns of an import's intact file (see [`Core::record_columns`]).
    fn record_file_columns(&self, batch: &crate::Batch) {
        let schema = hookgrid_frames::store::scan(&self.batch_path(batch.key))
            .and_then(|mut f| Ok(f.collect_schema()?));
        match schema {
            Ok(schema) => self.record_columns(batch.key, hookgrid_frames::data_columns(&schema)),
            Err(e) => tracing::warn!(event = %batch.event, "cannot read the import's columns: {e}"),
        }
    }

    /// Builds and writes a complete import's file (worker thread).
    pub(crate) fn materialize(
        &self,
        Job {
            key,
            just_completed,
            claimed,
        }: Job,
    ) {
        let batch = match self.ledger.batch(key) {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(event = key.0, "cannot read batch: {e}");
                return;
            }
        };
        if just_completed {
            self.events.send(Event::BatchCompleted {
                event: batch.event.clone(),
                batch: batch.batch.clone(),
                valid: batch.valid,
                invalid: batch.invalid,
            });
        }
        let held = self.assembly.lock().take(key);
        // Pages asked while it is built wait for this build, and are then read from it while
        // its file is written: the import is readable as soon as it is built.
        let id = browse::id(&batch);
        let mut building = match claimed {
            Some(claimed) if claimed == id => Some(Building::new(&self.browsing, id)),
            Some(claimed) => {
                // Claimed with another count of parts than it has now: let that claim go.
                drop(Building::new(&self.browsing, claimed));
                Building::claim(&self.browsing, id)
            }
            None => Building::claim(&self.browsing, id),
        };
        let built = self
            .parts(&batch, held)
            .and_then(|parts| Ok(hookgrid_frames::frame(parts)?));
        if let (Some(building), Ok(typed)) = (building.as_mut(), &built) {
            // Held as pages read it: corrected (a new import has none, and shares its columns).
            let held = match self.ledger.count_corrections(key) {
                Ok(0) => Ok(typed.frame.clone()),
                _ => self
                    .corrected(&batch, typed.frame.clone().lazy())
                    .and_then(|frame| Ok(frame.collect().map_err(FramesError::from)?)),
            };
            building.built(held);
        }
        let result = built.and_then(|mut typed| {
            self.write_batch_file(key, &mut typed)?;
            Ok(typed.frame.height() as u64)
        });
        drop(building);
        let ready = result.is_ok();
        let event = match result {
            Ok(rows) => Event::BatchReady {
                event: batch.event.clone(),
                batch: batch.batch.clone(),
                rows,
            },
            Err(e) => {
                tracing::error!(event = %batch.event, "cannot build the batch file: {e}");
                Event::BatchFailed {
                    event: batch.event.clone(),
                    batch: batch.batch.clone(),
                    message: e.to_string(),
                }
            }
        };
        self.events.send(event);
        if ready {
            // A reviewer opens a new import soon: have its errors ready when a configuration
            // applies, rather than checking every cell when they ask.
            self.prepare_errors(&batch);
        }
    }
}
