//! Reading imports: finding one, paging through a view of it (also for the grid, which holds
//! one import in memory), and the frames behind them.

use std::path::PathBuf;
use std::sync::Arc;

use hookgrid_flatfile::workbook::parse_sheet;
use hookgrid_flatfile::{parse, parse_as_sent};
use hookgrid_frames::{IntoLazy, LazyFrame, PartRows, Validity, store};
use rayon::prelude::*;

use crate::intake::assembly::HeldPart;
use crate::review::browse;
use crate::{Batch, BatchStatus, Core, Error, Hookgrid, Page, Result, View};

impl Hookgrid {
    /// Every import, newest first.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        Ok(self.core.ledger.batches()?)
    }

    /// Finds an import by batch id, event id, or a unique prefix of either. A batch id with
    /// several events (revisions) means its newest one.
    pub fn resolve(&self, selector: &str) -> Result<Batch> {
        let selector = selector.trim();
        if selector.is_empty() {
            return Err(Error::NotFound(selector.to_owned()));
        }
        // The grid names imports by event id on every page it fetches: one row, not the list.
        if let Some(b) = self.core.ledger.batch_by_event(selector)? {
            return Ok(b);
        }
        let batches = self.batches()?;
        // Newest first, so the first match on a batch id is its latest revision.
        if let Some(b) = batches.iter().find(|b| b.batch == selector) {
            return Ok(b.clone());
        }
        let matches: Vec<&Batch> = batches
            .iter()
            .filter(|b| b.event.starts_with(selector) || b.batch.starts_with(selector))
            .collect();
        match matches.as_slice() {
            [] => Err(Error::NotFound(selector.to_owned())),
            [one] => Ok((*one).clone()),
            [first, rest @ ..] if rest.iter().all(|b| b.batch == first.batch) => {
                Ok((*first).clone())
            }
            many => Err(Error::Ambiguous {
                selector: selector.to_owned(),
                candidates: many
                    .iter()
                    .take(5)
                    .map(|b| b.event.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// One page of a view over an import (complete or not).
    pub fn page(&self, batch: &Batch, view: &View, offset: usize, limit: usize) -> Result<Page> {
        crate::error::contained(|| {
            Ok(hookgrid_frames::page::page(
                self.core.viewed(batch, view)?,
                offset,
                limit,
            )?)
        })
    }

    /// One column of a view summarised over the whole view: distinct, empty and missing
    /// counts and the `limit` most common values with their counts.
    pub fn column_values(
        &self,
        batch: &Batch,
        view: &View,
        column: &str,
        limit: usize,
    ) -> Result<hookgrid_frames::ColumnValues> {
        // The order of the rows does not change their values.
        let view = View {
            sort: None,
            ..view.clone()
        };
        crate::error::contained(|| {
            Ok(hookgrid_frames::values::column_values(
                self.core.viewed(batch, &view)?,
                column,
                limit,
            )?)
        })
    }

    /// [`Hookgrid::column_values`] for `client` of [`Hookgrid::browse`]: from the import held
    /// in memory when it is held, else from the import's file.
    pub fn browse_column_values(
        &self,
        client: &str,
        batch: &Batch,
        view: &View,
        column: &str,
        limit: usize,
    ) -> Result<hookgrid_frames::ColumnValues> {
        if view.errors.is_none() {
            let held = crate::error::contained(|| {
                self.core
                    .browsing
                    .values_if_held(client, browse::id(batch), view, column, limit)
            })?;
            if let Some(values) = held {
                return Ok(values);
            }
        }
        self.column_values(batch, view, column, limit)
    }

    /// One page of a view over an import, for a client that pages through it many times (the
    /// grid; `client` names it: one per sign-in on a team server): the import is read into
    /// memory once and each view evaluated once, so later pages and views are fast. Each
    /// client has one import open; imports held for all clients stay within the memory budget
    /// (see [`Hookgrid::set_memory_budget`]). The first page of an import not yet held is read
    /// straight from its file while the import loads in the background.
    pub fn browse(
        &self,
        client: &str,
        batch: &Batch,
        view: &View,
        offset: usize,
        limit: usize,
    ) -> Result<Page> {
        crate::error::contained(|| self.browse_held(client, batch, view, offset, limit))
    }

    fn browse_held(
        &self,
        client: &str,
        batch: &Batch,
        view: &View,
        offset: usize,
        limit: usize,
    ) -> Result<Page> {
        if view.errors.is_some() || view.flagged {
            // Rows with errors come from the configuration's derived file, flagged rows from
            // the ledger, not from the held frame.
            return self.page(batch, view, offset, limit);
        }
        let id = browse::id(batch);
        let browsing = &self.core.browsing;
        if let Some(page) = browsing.page_if_held(client, id, view, offset, limit)? {
            return Ok(page);
        }
        if view.is_identity() || !browsing.wants_loading(client, id) {
            // The page is read before the import starts loading: both run on Polars' threads,
            // and the first page is what the user is waiting for. An import too big for the
            // memory budget is always read from its file.
            let page = self.page(batch, view, offset, limit)?;
            if browsing.start_loading(id) {
                let core = Arc::clone(&self.core);
                let batch = batch.clone();
                let spawned = std::thread::Builder::new()
                    .name("hookgrid-browse".into())
                    .spawn(move || {
                        let frame = core.frame_in_memory(&batch);
                        core.browsing.finish_loading(browse::id(&batch), frame);
                    });
                if let Err(e) = spawned {
                    browsing.finish_loading(
                        id,
                        Err(Error::Internal(format!("cannot start a thread: {e}"))),
                    );
                }
            }
            return Ok(page);
        }
        browsing.load(client, id, || self.core.frame_in_memory(batch))?;
        match browsing.page_if_held(client, id, view, offset, limit)? {
            Some(page) => Ok(page),
            // Let go at once (over the budget, closed, deleted): from the file.
            None => self.page(batch, view, offset, limit),
        }
    }

    /// `client` closed its import: it is let go of unless another client has it open.
    pub fn close_browse(&self, client: &str) {
        self.core.browsing.close(client);
    }

    /// Sets the memory budget of the imports held for [`Hookgrid::browse`] (2 GiB by default),
    /// letting go of the least recently used ones past it.
    pub fn set_memory_budget(&self, bytes: u64) {
        self.core.browsing.set_budget(bytes);
    }

    /// Bytes the imports held for [`Hookgrid::browse`] take now.
    pub fn held_bytes(&self) -> u64 {
        self.core.browsing.held_bytes()
    }

    /// `PRAGMA integrity_check` of the ledger.
    pub fn integrity_check(&self) -> Result<std::result::Result<(), String>> {
        Ok(self.core.ledger.integrity_check()?)
    }

    /// Path of an import's derived Parquet file (it may not exist yet).
    pub fn batch_file(&self, batch: &Batch) -> PathBuf {
        self.core.batch_path(batch.key)
    }
}

impl Core {
    /// All parts of an import: those held in memory, the rest parsed again from the ledger.
    pub(crate) fn parts(&self, batch: &Batch, mut held: Vec<HeldPart>) -> Result<Vec<PartRows>> {
        if held.len() as u32 != batch.parts_received {
            let have: std::collections::HashSet<u32> = held.iter().map(|p| p.index).collect();
            held.extend(self.parse_stored(batch, |index| !have.contains(&index), false)?);
        }
        Ok(held
            .into_iter()
            .map(|p| PartRows {
                number: batch.part_number(p.index),
                valid: p.valid,
                rows: p.rows,
                records: p.records,
            })
            .collect())
    }

    /// The stored parts of an import that `wanted` picks (by index as sent), parsed again on
    /// every core (with `as_sent`, every cell kept as the text it was sent as): bodies are
    /// read in sequence and parsed a chunk at a time, so at most a chunk of bodies is held at
    /// once. A Flatfile Platform sheet's part is its sheet of the stored workbook.
    fn parse_stored(
        &self,
        batch: &Batch,
        wanted: impl Fn(u32) -> bool,
        as_sent: bool,
    ) -> Result<Vec<HeldPart>> {
        const CHUNK: usize = 32;
        let sheet = batch.workbook.is_some().then_some(batch.batch.as_str());
        let read = |index: u32, body: &[u8]| -> Result<HeldPart> {
            let corrupt = |e| corrupt(batch, index, e);
            match sheet {
                None => {
                    let part = if as_sent {
                        parse_as_sent(body)
                    } else {
                        parse(body)
                    };
                    // Numbered by the index it was stored under (the one it was sent with).
                    Ok(HeldPart {
                        index,
                        ..HeldPart::from(part.map_err(corrupt)?)
                    })
                }
                Some(id) => {
                    let sheet = parse_sheet(body, id, as_sent).map_err(corrupt)?;
                    let sheet = sheet.ok_or_else(|| Error::Corrupt {
                        event: batch.event.clone(),
                        part: batch.part_number(index),
                        message: format!("the stored workbook has no sheet {id}"),
                    })?;
                    Ok(HeldPart {
                        index,
                        valid: Validity::Each(sheet.valid),
                        rows: sheet.rows,
                        records: Some(sheet.records),
                    })
                }
            }
        };
        let mut parsed = Vec::new();
        let mut chunk: Vec<(u32, Vec<u8>)> = Vec::with_capacity(CHUNK);
        let flush = |chunk: &mut Vec<(u32, Vec<u8>)>, parsed: &mut Vec<HeldPart>| {
            let done: Vec<Result<HeldPart>> = chunk
                .par_drain(..)
                .map(|(index, body)| read(index, &body))
                .collect();
            for part in done {
                parsed.push(part?);
            }
            Ok::<(), Error>(())
        };
        self.ledger.for_each_part(batch.key, |index, body| {
            if wanted(index) {
                chunk.push((index, body.to_vec()));
                if chunk.len() == CHUNK {
                    flush(&mut chunk, &mut parsed)?;
                }
            }
            Ok::<(), Error>(())
        })??;
        flush(&mut chunk, &mut parsed)?;
        Ok(parsed)
    }

    /// All parts of an import parsed again from the ledger, every cell as the text it was
    /// sent as.
    pub(crate) fn parts_as_sent(&self, batch: &Batch) -> Result<Vec<PartRows>> {
        Ok(self
            .parse_stored(batch, |_| true, true)?
            .into_iter()
            .map(|p| PartRows {
                number: batch.part_number(p.index),
                valid: p.valid,
                rows: p.rows,
                records: p.records,
            })
            .collect())
    }

    /// `view` over the import's frame, with the rows with errors it may ask for.
    pub(crate) fn viewed(&self, batch: &Batch, view: &View) -> Result<LazyFrame> {
        let (frame, _) = self.frame(batch)?;
        Ok(view.apply_with(frame, self.outside(batch, view)?)?)
    }

    /// The whole import in memory.
    pub(crate) fn frame_in_memory(&self, batch: &Batch) -> Result<hookgrid_frames::DataFrame> {
        let (frame, _) = self.frame(batch)?;
        Ok(frame
            .collect()
            .map_err(hookgrid_frames::FramesError::from)?)
    }

    /// The import's frame, corrected: its Parquet file when complete (rebuilt first if missing or
    /// unreadable), else built in memory from the parts stored so far (and also when a
    /// missing file cannot be written: the data dir is a read-only copy).
    pub(crate) fn frame(&self, batch: &Batch) -> Result<(LazyFrame, Option<PathBuf>)> {
        let (frame, path) = self.frame_as_received(batch)?;
        Ok((self.corrected(batch, frame)?, path))
    }

    /// The import's frame as Flatfile sent it, before any correction (see [`Core::frame`]).
    pub(crate) fn frame_as_received(&self, batch: &Batch) -> Result<(LazyFrame, Option<PathBuf>)> {
        if batch.status == BatchStatus::Incomplete {
            let typed = hookgrid_frames::frame(self.parts(batch, Vec::new())?)?;
            return Ok((typed.frame.lazy(), None));
        }
        let path = self.batch_path(batch.key);
        if !self.batch_file_intact(batch) {
            let mut typed = hookgrid_frames::frame(self.parts(batch, Vec::new())?)?;
            if self.ledger.is_read_only() {
                // A read-only copy of a data dir: read as it is, built in memory.
                return Ok((typed.frame.lazy(), None));
            }
            self.write_batch_file(batch.key, &mut typed)?;
        }
        Ok((store::scan(&path)?, Some(path)))
    }
}

fn corrupt(batch: &Batch, index: u32, e: hookgrid_flatfile::PayloadError) -> Error {
    Error::Corrupt {
        event: batch.event.clone(),
        part: batch.part_number(index),
        message: e.message,
    }
}
