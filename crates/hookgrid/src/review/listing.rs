//! Finding imports: the list filtered by status and by text, each import with what tells it
//! apart from its neighbours (its columns, the configuration that explains it).

use std::collections::HashMap;

use hookgrid_ledger::ConfigChoice;
use hookgrid_rules::Config;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::{Batch, BatchStatus, Hookgrid, Result, ReviewStatus};

/// An import as a list shows it: the ledger's record, and the configuration its rows are
/// checked against.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ListedBatch {
    #[serde(flatten)]
    #[ts(flatten)]
    pub batch: Batch,
    /// The configuration that explains its rows: the one given to it by hand, or the one
    /// chosen automatically when it fits the import's columns; `null` when none does (or its
    /// columns are not known yet).
    pub config: Option<String>,
}

/// Which imports a list shows. The default shows all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct BatchFilter {
    /// Text found, ignoring case, in the batch id, event id, event type, schema/settings id,
    /// a column's name, any value of the customer block, or a sheet's workbook (its id, name,
    /// space or environment) or name.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub status: Option<BatchStatus>,
    /// Only imports where their review stands so.
    #[serde(default)]
    #[ts(optional)]
    pub review: Option<ReviewStatus>,
}

impl BatchFilter {
    /// Whether an import passes the filter.
    pub fn matches(&self, batch: &Batch) -> bool {
        if self.status.is_some_and(|s| s != batch.status)
            || self.review.is_some_and(|r| r != batch.review.status)
        {
            return false;
        }
        let Some(needle) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return true;
        };
        let needle = needle.to_lowercase();
        let found = |text: &str| text.to_lowercase().contains(&needle);
        found(&batch.batch)
            || found(&batch.event)
            || found(&batch.event_type)
            || batch.schema.is_some_and(|s| found(&s.to_string()))
            || batch.columns.iter().flatten().any(|c| found(c))
            || batch.customer.as_ref().is_some_and(|c| any_text(c, &found))
            || batch.workbook.as_ref().is_some_and(|w| {
                [
                    Some(&w.id),
                    w.name.as_ref(),
                    w.space_id.as_ref(),
                    w.environment_id.as_ref(),
                ]
                .into_iter()
                .flatten()
                .chain([&w.sheet])
                .any(|t| found(t))
            })
    }
}

/// Whether any scalar inside `value` (keys aside) satisfies `found`.
fn any_text(value: &Value, found: &impl Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => found(s),
        Value::Number(n) => found(&n.to_string()),
        Value::Array(items) => items.iter().any(|v| any_text(v, found)),
        Value::Object(map) => map.values().any(|v| any_text(v, found)),
        Value::Bool(_) | Value::Null => false,
    }
}

impl Hookgrid {
    /// The imports that pass `filter`, newest first.
    pub fn find_batches(&self, filter: &BatchFilter) -> Result<Vec<Batch>> {
        let mut batches = self.batches()?;
        batches.retain(|b| filter.matches(b));
        Ok(batches)
    }

    /// The `limit` newest imports that pass `filter`, and how many pass it. Without a
    /// filter only those are read, not the whole ledger: the app asks on every part that
    /// arrives.
    pub fn find_newest_batches(
        &self,
        filter: &BatchFilter,
        limit: u32,
    ) -> Result<(u64, Vec<Batch>)> {
        if *filter == BatchFilter::default() {
            return Ok(self.core.ledger.newest_batches(limit)?);
        }
        let mut batches = self.find_batches(filter)?;
        let total = batches.len() as u64;
        batches.truncate(limit as usize);
        Ok((total, batches))
    }

    /// `batches` as a list shows them, each with the configuration that explains it (the
    /// same choice, and the same fit, as its reasons: [`Hookgrid::errors`]).
    pub fn listed(&self, batches: Vec<Batch>) -> Result<Vec<ListedBatch>> {
        // Configurations are few and imports many: each is read once per list.
        let mut parsed: HashMap<i64, Option<Config>> = HashMap::new();
        batches
            .into_iter()
            .map(|batch| {
                let config = match self.core.ledger.config_for(&batch)? {
                    None => None,
                    Some((stored, ConfigChoice::Chosen)) => Some(stored.name),
                    Some((stored, _)) => {
                        let config = parsed
                            .entry(stored.id)
                            .or_insert_with(|| Config::parse(stored.body.as_bytes()).ok());
                        let fits = match (config, &batch.columns) {
                            (Some(config), Some(columns)) => {
                                hookgrid_rules::fit(config, columns).fits
                            }
                            _ => false,
                        };
                        fits.then_some(stored.name)
                    }
                };
                Ok(ListedBatch { batch, config })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn batch(customer: Option<Value>) -> Batch {
        Batch {
            key: hookgrid_ledger::EventKey(1),
            index_base: Some(0),
            likely_base: 0,
            batch: "b-7f3a".into(),
            event: "e-19c2".into(),
            revision: 1,
            event_type: "batch:v1:upload".into(),
            schema: Some(42),
            status: BatchStatus::Incomplete,
            parts_received: 1,
            parts_expected: 2,
            valid: 1,
            invalid: 0,
            declared_rows: None,
            mismatched_parts: 0,
            mismatched: Vec::new(),
            customer_label: customer.as_ref().and_then(hookgrid_ledger::customer_label),
            customer,
            first_received: String::new(),
            last_received: String::new(),
            last_received_ms: 0,
            completed_at: None,
            arrived_via: None,
            columns: Some(vec!["sku".into(), "weight_kg".into()]),
            workbook: None,
            review: hookgrid_ledger::Review::default(),
        }
    }

    #[test]
    fn the_filter_finds_ids_types_schemas_columns_and_customer_values() {
        let b = batch(Some(
            json!({"name": "{\"tenant\":\"Globex\"}", "teamId": 77}),
        ));
        let search = |s: &str| BatchFilter {
            search: Some(s.into()),
            status: None,
            review: None,
        };
        for hit in [
            "7F3A",
            "e-19",
            "v1:upload",
            "42",
            "globex",
            "77",
            "WEIGHT",
            "  ",
        ] {
            assert!(search(hit).matches(&b), "{hit}");
        }
        for miss in ["teamId", "nothing", "43"] {
            assert!(!search(miss).matches(&b), "{miss}");
        }
        let complete = BatchFilter {
            search: None,
            status: Some(BatchStatus::Complete),
            review: None,
        };
        assert!(!complete.matches(&b));
        assert!(BatchFilter::default().matches(&b));
    }
}
