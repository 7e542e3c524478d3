//! Flatfile's own messages on a Flatfile Platform sheet's cells, as reasons beside a
//! configuration's: read from the stored workbook, grouped by field, level and message (one
//! [`MessageRule`] each), and held for the last import asked about.
//!
//! A corrected cell no longer carries Flatfile's messages: they judged the value as sent,
//! which the reviewer replaced (a configuration, when one applies, checks the new value).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use hookgrid_flatfile::workbook::{Level, parse_sheet};
use hookgrid_ledger::EventKey;

use super::derived::Flagged;
use crate::{Batch, Core, Error, Result};

/// One field, level and message of Flatfile's: the cells that carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageRule {
    pub(crate) column: String,
    pub(crate) label: String,
    pub(crate) level: Level,
    /// `None` for a cell marked invalid without a message.
    pub(crate) message: Option<String>,
    /// The message's `source` as sent (`custom-logic`, `required-constraint`, …).
    pub(crate) source: Option<String>,
}

impl MessageRule {
    /// The validator it stands for: Flatfile's `source`, else `flatfile`.
    pub(crate) fn validator(&self) -> &str {
        self.source.as_deref().unwrap_or("flatfile")
    }

    /// Its text, saying so when Flatfile sent none.
    pub(crate) fn text(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or("marked invalid by Flatfile, with no message")
    }

    /// Whether it explains why a record is invalid: an error that says something.
    pub(crate) fn explains(&self) -> bool {
        self.level == Level::Error && self.message.is_some()
    }
}

/// Flatfile's messages on one import's cells.
#[derive(Debug)]
pub(crate) struct SheetMessages {
    key: EventKey,
    /// The corrections tag they were read under (a correction drops its cell's messages).
    tag: String,
    pub(crate) rules: Vec<MessageRule>,
    /// Sorted by row, then rule.
    pub(crate) flagged: Vec<Flagged>,
}

impl SheetMessages {
    /// The messages on row `row`.
    pub(crate) fn of_row(&self, row: i64) -> impl Iterator<Item = &MessageRule> {
        let from = self.flagged.partition_point(|f| f.row < row);
        self.flagged[from..]
            .iter()
            .take_while(move |f| f.row == row)
            .filter_map(|f| self.rules.get(f.rule as usize))
    }
}

/// The last import's [`SheetMessages`].
#[derive(Debug, Default)]
pub(crate) struct HeldMessages(Mutex<Option<Arc<SheetMessages>>>);

impl Core {
    /// Flatfile's messages on `batch`'s cells; `None` when it is not a Flatfile Platform sheet.
    pub(crate) fn sheet_messages(&self, batch: &Batch) -> Result<Option<Arc<SheetMessages>>> {
        let Some(origin) = &batch.workbook else {
            return Ok(None);
        };
        let tag = self.ledger.corrections_tag(batch.key)?;
        let mut held = self.messages.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = held.as_ref()
            && known.key == batch.key
            && known.tag == tag
        {
            return Ok(Some(known.clone()));
        }
        let corrupt = |message: String| Error::Corrupt {
            event: batch.event.clone(),
            part: 1,
            message,
        };
        // A sheet's import is its one part: index 0.
        let body = self
            .ledger
            .part_body(batch.key, 0)?
            .ok_or_else(|| corrupt("its part is not stored".to_owned()))?;
        let sheet = parse_sheet(&body, &batch.batch, false)
            .map_err(|e| corrupt(e.message))?
            .ok_or_else(|| corrupt(format!("the stored workbook has no sheet {}", batch.batch)))?;
        let corrected: HashSet<(i64, String)> = self
            .live_cells(batch)?
            .into_iter()
            .map(|c| (c.row, c.column))
            .collect();
        let labels: HashMap<&str, &str> = origin
            .fields
            .iter()
            .map(|f| (f.key.as_str(), f.label.as_str()))
            .collect();
        let mut rules: Vec<MessageRule> = Vec::new();
        let mut index: HashMap<(String, Level, Option<String>), u32> = HashMap::new();
        let mut flagged = Vec::with_capacity(sheet.messages.len());
        for m in sheet.messages {
            let row = i64::from(m.row);
            if corrected.contains(&(row, m.field.clone())) {
                continue;
            }
            let rule = *index
                .entry((m.field.clone(), m.level, m.message.clone()))
                .or_insert_with(|| {
                    rules.push(MessageRule {
                        label: labels
                            .get(m.field.as_str())
                            .map_or_else(|| m.field.clone(), |l| (*l).to_owned()),
                        column: m.field.clone(),
                        level: m.level,
                        message: m.message.clone(),
                        source: m.source.clone(),
                    });
                    rules.len() as u32 - 1
                });
            flagged.push(Flagged {
                row,
                rule,
                valid: sheet.valid.get(m.row as usize).copied().unwrap_or(false),
            });
        }
        flagged.sort_by_key(|f| (f.row, f.rule));
        flagged.dedup_by_key(|f| (f.row, f.rule));
        let known = Arc::new(SheetMessages {
            key: batch.key,
            tag,
            rules,
            flagged,
        });
        *held = Some(known.clone());
        Ok(Some(known))
    }
}
