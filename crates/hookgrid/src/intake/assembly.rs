//! Parsed rows of imports still waiting for parts.
//!
//! Holding rows here means the last part of a million-row import only costs building the
//! frame, not parsing a thousand bodies again. It is only a cache of the ledger: when it grows
//! past its budget (many large imports left incomplete, or a sender that never finishes), the
//! oldest imports are dropped from memory and re-read from the ledger when they complete.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use hookgrid_flatfile::Rows;
use hookgrid_ledger::EventKey;

/// Body bytes of parsed rows held before the oldest imports are dropped from memory.
const BUDGET_BYTES: usize = 512 * 1024 * 1024;

/// Locks that commits of one import's parts take in turn (by its `event.id`'s hash).
const STRIPES: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct Assembly {
    inner: Mutex<Pending>,
    /// Held from a part's commit until its rows are added: the worker that builds a
    /// just-completed import never misses a part of this process committed a moment before,
    /// while parts of different imports commit side by side.
    stripes: [Mutex<()>; STRIPES],
}

#[derive(Debug, Default)]
pub(crate) struct Pending {
    imports: HashMap<EventKey, Held>,
    bytes: usize,
    clock: u64,
}

/// One parsed part, by the index it was sent with (its number is only known once the import's
/// base is).
#[derive(Debug)]
pub(crate) struct HeldPart {
    pub index: u32,
    /// Which of `rows` are valid.
    pub valid: hookgrid_frames::Validity,
    pub rows: Rows,
    /// Each row's record id (a Flatfile Platform sheet).
    pub records: Option<Vec<String>>,
}

impl From<hookgrid_flatfile::Part> for HeldPart {
    /// A Portal 2 part as parsed: its valid rows first, then its invalid ones.
    fn from(part: hookgrid_flatfile::Part) -> HeldPart {
        HeldPart {
            index: part.envelope.index,
            valid: hookgrid_frames::Validity::First(part.envelope.valid_rows as usize),
            rows: part.rows,
            records: None,
        }
    }
}

#[derive(Debug)]
struct Held {
    parts: Vec<HeldPart>,
    bytes: usize,
    touched: u64,
}

impl Assembly {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Pending> {
        // Pending rows are a cache; after a panic elsewhere they are still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds these imports (by `event.id`) for a commit of their parts and the adding of
    /// their rows; taken in one order, so two commits never wait on each other in a circle.
    pub(crate) fn commit_of(&self, events: &[&str]) -> Vec<MutexGuard<'_, ()>> {
        let mut stripes: Vec<usize> = events.iter().map(|e| stripe(e)).collect();
        stripes.sort_unstable();
        stripes.dedup();
        stripes
            .into_iter()
            .map(|i| self.stripes[i].lock().unwrap_or_else(|p| p.into_inner()))
            .collect()
    }
}

fn stripe(event_id: &str) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    event_id.hash(&mut hasher);
    (hasher.finish() % STRIPES as u64) as usize
}

impl Pending {
    /// Holds one part's rows; `bytes` is its body size, the measure of the budget.
    pub(crate) fn add(&mut self, key: EventKey, rows: HeldPart, bytes: usize) {
        self.clock += 1;
        let held = self.imports.entry(key).or_insert(Held {
            parts: Vec::new(),
            bytes: 0,
            touched: 0,
        });
        held.parts.push(rows);
        held.bytes += bytes;
        held.touched = self.clock;
        self.bytes += bytes;
        while self.bytes > BUDGET_BYTES && self.imports.len() > 1 {
            let oldest = self
                .imports
                .iter()
                .filter(|(k, _)| **k != key)
                .min_by_key(|(_, h)| h.touched)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => drop(self.take(k)),
                None => break,
            }
        }
    }

    /// Takes the rows held for an import (possibly none, or only some of its parts).
    pub(crate) fn take(&mut self, key: EventKey) -> Vec<HeldPart> {
        match self.imports.remove(&key) {
            Some(held) => {
                self.bytes -= held.bytes;
                held.parts
            }
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(index: u32) -> HeldPart {
        HeldPart {
            index,
            valid: hookgrid_frames::Validity::First(0),
            rows: Rows::default(),
            records: None,
        }
    }

    #[test]
    fn the_oldest_imports_are_dropped_past_the_budget() {
        let assembly = Assembly::default();
        let mut p = assembly.lock();
        p.add(EventKey(1), rows(1), BUDGET_BYTES / 2);
        p.add(EventKey(2), rows(1), BUDGET_BYTES / 2);
        p.add(EventKey(2), rows(2), 10);
        assert!(p.take(EventKey(1)).is_empty(), "oldest import dropped");
        assert_eq!(p.take(EventKey(2)).len(), 2);
        assert_eq!(p.bytes, 0);
    }
}
