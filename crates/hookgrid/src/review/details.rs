//! One import in detail: who sent it, how its parts are numbered, each part as stored, what
//! is still missing, and each part's body exactly as it arrived.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::{Batch, BatchStatus, Error, Hookgrid, Result, ReviewEntry, StoredPart};

/// How an import numbers its parts (`event.sequence.index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Numbering {
    /// Index 0 is the first part (real deliveries).
    FromZero,
    /// Index 1 is the first part (Flatfile's documentation).
    FromOne,
    /// Only indexes that fit either have arrived; parts are numbered by the base the sender's
    /// shape suggests (`sequence.length`: from 0; `sequence.count`: from 1) until the first or
    /// the last one arrives.
    Unknown,
}

/// Parts `from..=to` (numbers from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PartRange {
    pub from: u32,
    pub to: u32,
}

/// Everything known about one import.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ImportDetails {
    #[serde(flatten)]
    #[ts(flatten)]
    pub batch: Batch,
    pub numbering: Numbering,
    /// `customer.name` read as JSON, when it holds a JSON object or array (integrators put
    /// their own context there).
    #[ts(type = "unknown")]
    pub customer_name_json: Option<Value>,
    /// Every stored part, by number.
    pub parts: Vec<StoredPart>,
    /// Parts not yet received, as ranges (empty when complete).
    pub missing: Vec<PartRange>,
    /// Seconds since the last part arrived, while the import is incomplete.
    #[ts(type = "number | null")]
    pub waiting_seconds: Option<u64>,
    /// Every review decision on it, oldest first (the newest is `review`).
    pub review_history: Vec<ReviewEntry>,
    /// A Flatfile Platform sheet: the cells its submit's answer sent back to Flatfile.
    pub sent_back: Option<hookgrid_ledger::SentBack>,
}

impl Hookgrid {
    /// The details of an import.
    pub fn details(&self, batch: &Batch) -> Result<ImportDetails> {
        let parts = self.core.ledger.parts(batch)?;
        let numbering = match batch.index_base {
            Some(0) => Numbering::FromZero,
            Some(_) => Numbering::FromOne,
            None => Numbering::Unknown,
        };
        let incomplete = batch.status == BatchStatus::Incomplete;
        let waiting_seconds = incomplete.then(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            (now - batch.last_received_ms).max(0) as u64 / 1000
        });
        Ok(ImportDetails {
            numbering,
            customer_name_json: batch.customer.as_ref().and_then(name_json),
            missing: missing(parts.iter().map(|p| p.part), batch.parts_expected),
            parts,
            waiting_seconds,
            review_history: self.review_history(batch)?,
            sent_back: self.core.ledger.sent_back(batch.key)?,
            batch: batch.clone(),
        })
    }

    /// Writes the body of part `number` (from 1) of an import to `out`, exactly as it
    /// arrived; returns its size.
    pub fn save_part_body(&self, batch: &Batch, number: u32, out: &Path) -> Result<u64> {
        let body = self.part_body(batch, number)?;
        std::fs::write(out, &body).map_err(crate::error::io(out))?;
        Ok(body.len() as u64)
    }

    /// The body of part `number` (from 1) of an import, exactly as it arrived.
    pub fn part_body(&self, batch: &Batch, number: u32) -> Result<Vec<u8>> {
        let no_part = || Error::NoSuchPart {
            batch: batch.batch.clone(),
            part: number,
        };
        let stored = self.core.ledger.parts(batch)?;
        let index = stored
            .iter()
            .find(|p| p.part == number)
            .map(|p| p.index)
            .ok_or_else(no_part)?;
        self.core
            .ledger
            .part_body(batch.key, index)?
            .ok_or_else(no_part)
    }
}

/// `customer.name` parsed, when it is JSON text of an object or an array.
fn name_json(customer: &Value) -> Option<Value> {
    let name = customer.get("name")?.as_str()?.trim();
    if !(name.starts_with('{') || name.starts_with('[')) {
        return None;
    }
    serde_json::from_str(name).ok()
}

/// The numbers in `1..=expected` not in `present` (sorted), as ranges. Never allocates per
/// missing part: a sender may announce four billion.
fn missing(present: impl Iterator<Item = u32>, expected: u32) -> Vec<PartRange> {
    let mut present: Vec<u32> = present.filter(|&p| p >= 1 && p <= expected).collect();
    present.sort_unstable();
    present.dedup();
    let mut ranges = Vec::new();
    // The first part not yet accounted for (u64: it may pass u32::MAX).
    let mut next = 1u64;
    for p in present {
        if u64::from(p) > next {
            ranges.push(PartRange {
                from: next as u32,
                to: p - 1,
            });
        }
        next = u64::from(p) + 1;
    }
    if next <= u64::from(expected) {
        ranges.push(PartRange {
            from: next as u32,
            to: expected,
        });
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_parts_are_ranges() {
        let r = |v: &[(u32, u32)]| -> Vec<PartRange> {
            v.iter().map(|&(from, to)| PartRange { from, to }).collect()
        };
        assert_eq!(missing([2, 5].into_iter(), 6), r(&[(1, 1), (3, 4), (6, 6)]));
        assert_eq!(missing([1, 2, 3].into_iter(), 3), r(&[]));
        assert_eq!(missing([].into_iter(), 2), r(&[(1, 2)]));
        assert_eq!(missing([1].into_iter(), u32::MAX), r(&[(2, u32::MAX)]));
        assert_eq!(
            missing([u32::MAX].into_iter(), u32::MAX),
            r(&[(1, u32::MAX - 1)])
        );
    }

    #[test]
    fn a_json_name_is_read_and_a_plain_one_is_not() {
        let c = json!({"name": " {\"tenant\": \"acme\", \"plan\": 2} "});
        assert_eq!(name_json(&c), Some(json!({"tenant": "acme", "plan": 2})));
        assert_eq!(name_json(&json!({"name": "Ops Team"})), None);
        assert_eq!(name_json(&json!({"name": "{not json"})), None);
        assert_eq!(name_json(&json!({"userId": "u"})), None);
    }
}
