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
}

/// Who imported, in a few words: the customer's `name` (or, when that is empty or holds JSON,
/// its `userId`, else `email`), then `companyName` when there is one. `None` without a
/// customer block.
pub fn customer_label(batch: &Batch) -> Option<String> {
    let customer = batch.customer.as_ref()?;
    let text = |key: &str| {
        customer
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let who = text("name")
        .filter(|n| !n.starts_with('{') && !n.starts_with('['))
        .or_else(|| text("userId"))
        .or_else(|| text("email"));
    match (who, text("companyName")) {
        (Some(who), Some(company)) => Some(format!("{who} · {company}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
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
            customer,
            first_received: String::new(),
            last_received: String::new(),
            last_received_ms: 0,
            completed_at: None,
        }
    }

    #[test]
    fn the_label_prefers_a_plain_name_then_the_user_id() {
        let label = |c: Value| customer_label(&batch(Some(c)));
        assert_eq!(
            label(json!({"name": "Ops", "userId": "u", "companyName": "Acme"})).as_deref(),
            Some("Ops · Acme")
        );
        assert_eq!(
            label(json!({"name": "{\"t\":1}", "userId": "u-9"})).as_deref(),
            Some("u-9")
        );
        assert_eq!(
            label(json!({"name": "", "email": "a@b"})).as_deref(),
            Some("a@b")
        );
        assert_eq!(
            label(json!({"companyName": "Acme"})).as_deref(),
            Some("Acme")
        );
        assert_eq!(label(json!({"teamId": 3})), None);
        assert_eq!(customer_label(&batch(None)), None);
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
