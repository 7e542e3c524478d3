//! Finding imports: the list filtered by status and by text.

use serde::Deserialize;
use serde_json::Value;
use ts_rs::TS;

use crate::{Batch, BatchStatus, Hookgrid, Result};

/// Which imports a list shows. The default shows all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct BatchFilter {
    /// Text found, ignoring case, in the batch id, event id, event type, schema/settings id,
    /// or any value of the customer block.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub status: Option<BatchStatus>,
}

impl BatchFilter {
    /// Whether an import passes the filter.
    pub fn matches(&self, batch: &Batch) -> bool {
        if self.status.is_some_and(|s| s != batch.status) {
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
            || batch.customer.as_ref().is_some_and(|c| any_text(c, &found))
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
        }
    }

    #[test]
    fn the_filter_finds_ids_types_schemas_and_customer_values() {
        let b = batch(Some(
            json!({"name": "{\"tenant\":\"Globex\"}", "teamId": 77}),
        ));
        let search = |s: &str| BatchFilter {
            search: Some(s.into()),
            status: None,
        };
        for hit in ["7F3A", "e-19", "v1:upload", "42", "globex", "77", "  "] {
            assert!(search(hit).matches(&b), "{hit}");
        }
        for miss in ["teamId", "nothing", "43"] {
            assert!(!search(miss).matches(&b), "{miss}");
        }
        let complete = BatchFilter {
            search: None,
            status: Some(BatchStatus::Complete),
        };
        assert!(!complete.matches(&b));
        assert!(BatchFilter::default().matches(&b));
    }
}
