//! Imports as the ledger reports them: [`Batch`] (one event, a revision of its batch), its
//! stored parts, and the query that reads them.

use hookgrid_flatfile::workbook::SheetOrigin;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::reviews::{REVIEW_JOIN, Review, review_at, review_columns};
use crate::store::{Row, SqlResult};
use crate::{EventKey, rfc3339};

/// Whether every part of an import has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BatchStatus {
    Complete,
    Incomplete,
}

/// One import as the ledger knows it: one event, a revision of its batch.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Batch {
    #[serde(skip)]
    pub key: EventKey,
    /// The index its first part has: 0 (real deliveries) or 1 (the documentation); `None`
    /// while only indexes in between have arrived, which fit either.
    #[serde(skip)]
    pub index_base: Option<u32>,
    /// The base parts are numbered by while `index_base` is unknown (see
    /// [`hookgrid_flatfile::Envelope::likely_base`]).
    #[serde(skip)]
    pub likely_base: u32,
    /// `data.meta.batch.id`.
    pub batch: String,
    /// `event.id`.
    pub event: String,
    /// 1 for the first event seen with this batch id, 2 for the next, …
    pub revision: u32,
    #[serde(rename = "type")]
    pub event_type: String,
    #[ts(type = "number | null")]
    pub schema: Option<i64>,
    pub status: BatchStatus,
    pub parts_received: u32,
    pub parts_expected: u32,
    #[ts(type = "number")]
    pub valid: u64,
    #[ts(type = "number")]
    pub invalid: u64,
    /// Sum of `data.meta.count` over the parts that declared one.
    #[ts(type = "number | null")]
    pub declared_rows: Option<u64>,
    /// Parts whose declared row count differs from the rows they hold.
    pub mismatched_parts: u32,
    /// Their part numbers, in order.
    pub mismatched: Vec<u32>,
    /// `data.customer` as sent (who imported), or `null`.
    #[ts(type = "Record<string, unknown> | null")]
    pub customer: Option<serde_json::Value>,
    /// Who imported, in a few words (see [`customer_label`]); what the list and the CLI show.
    /// For a Flatfile Platform sheet, its workbook's name, space and environment.
    pub customer_label: Option<String>,
    /// For a Flatfile Platform sheet: its workbook, the sheet's name and fields, and what its
    /// event id is made of; `null` for Portal 2.
    pub workbook: Option<SheetOrigin>,
    /// RFC 3339, UTC.
    pub first_received: String,
    pub last_received: String,
    /// `last_received` in Unix milliseconds.
    #[serde(skip)]
    pub last_received_ms: i64,
    pub completed_at: Option<String>,
    /// The address (`host[:port]`) its last part came through, as the request named it.
    pub arrived_via: Option<String>,
    /// Its data columns, in its table's order (meta columns aside); `null` until its table
    /// is first built.
    pub columns: Option<Vec<String>>,
    /// Where it stands with its reviewers.
    pub review: Review,
}

impl Batch {
    /// Whether any part's declared row count disagrees with its rows.
    pub fn count_mismatch(&self) -> bool {
        self.mismatched_parts > 0
    }

    /// The number people see for the part with this `event.sequence.index`: 1 for the first
    /// part whichever base the import uses. While the base is unknown, indexes are read by
    /// the base the sender's shape suggests.
    pub fn part_number(&self, index: u32) -> u32 {
        part_number(index, self.index_base, self.likely_base)
    }

    /// The import's total rows so far.
    pub fn rows(&self) -> u64 {
        self.valid + self.invalid
    }
}

/// See [`Batch::part_number`].
pub(crate) fn part_number(index: u32, base: Option<u32>, likely_base: u32) -> u32 {
    (index + 1).saturating_sub(base.unwrap_or(likely_base))
}

/// One stored part of an import, for its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StoredPart {
    /// Its number, from 1.
    pub part: u32,
    /// `event.sequence.index` as sent.
    pub index: u32,
    /// RFC 3339, UTC.
    pub received_at: String,
    #[ts(type = "number | null")]
    pub declared_rows: Option<u64>,
    #[ts(type = "number")]
    pub valid: u64,
    #[ts(type = "number")]
    pub invalid: u64,
    /// Body size in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
    /// How many identical copies arrived after it.
    pub duplicates: u32,
    /// The declared row count disagrees with the rows present.
    pub count_mismatch: bool,
}

/// The query behind [`Batch`], with a `WHERE` filter (before the grouping) and an order.
pub(crate) fn batch_select(filter: &str, order: &str) -> String {
    format!(
        "SELECT e.id, e.batch_id, e.event_id,
                (SELECT COUNT(*) FROM events o WHERE o.batch_id = e.batch_id AND o.id <= e.id),
                e.event_type, e.schema_id, e.part_count,
                COUNT(p.idx), CAST(COALESCE(SUM(p.valid_rows), 0) AS BIGINT),
                CAST(COALESCE(SUM(p.invalid_rows), 0) AS BIGINT),
                CAST(SUM(p.declared_rows) AS BIGINT),
                string_agg(CAST(CASE WHEN p.declared_rows != p.valid_rows + p.invalid_rows
                                     THEN p.idx END AS TEXT), ','),
                {first}, {last}, {completed}, e.index_base, e.customer, e.last_received, e.likely_base,
                e.arrived_via, e.columns, e.workbook, {review}
         FROM events e LEFT JOIN parts p ON p.event = e.id {REVIEW_JOIN}
         {filter} GROUP BY e.id, r.id {order}",
        review = review_columns(),
        first = rfc3339("e.first_received"),
        last = rfc3339("e.last_received"),
        completed = rfc3339("e.completed_at"),
    )
}

pub(crate) fn batch_row(r: &Row<'_>) -> SqlResult<Batch> {
    let expected: u32 = r.get(6)?;
    let received: u32 = r.get(7)?;
    let index_base: Option<u32> = r.get(15)?;
    let likely_base: u32 = r.get(18)?;
    // string_agg without an order: the numbers are sorted here.
    let mut mismatched: Vec<u32> = r
        .get::<Option<String>>(11)?
        .unwrap_or_default()
        .split(',')
        .filter_map(|i| i.parse().ok())
        .map(|i| part_number(i, index_base, likely_base))
        .collect();
    mismatched.sort_unstable();
    // Kept as sent; text that is not JSON (never written by this ledger) reads as a string.
    let customer = r
        .get::<Option<String>>(16)?
        .map(|text| serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)));
    // Written by this ledger from a parsed sheet; anything else reads as unknown.
    let workbook: Option<SheetOrigin> = r
        .get::<Option<String>>(21)?
        .and_then(|text| serde_json::from_str(&text).ok());
    let label = customer
        .as_ref()
        .and_then(customer_label)
        .or_else(|| workbook.as_ref().map(workbook_label));
    Ok(Batch {
        key: EventKey(r.get(0)?),
        index_base,
        likely_base,
        batch: r.get(1)?,
        event: r.get(2)?,
        revision: r.get(3)?,
        event_type: r.get(4)?,
        schema: r.get(5)?,
        status: if received >= expected {
            BatchStatus::Complete
        } else {
            BatchStatus::Incomplete
        },
        parts_expected: expected,
        parts_received: received,
        valid: r.get(8)?,
        invalid: r.get(9)?,
        declared_rows: r.get(10)?,
        mismatched_parts: mismatched.len() as u32,
        mismatched,
        customer,
        first_received: r.get(12)?,
        last_received: r.get(13)?,
        last_received_ms: r.get(17)?,
        completed_at: r.get(14)?,
        arrived_via: r.get(19)?,
        // Written by this ledger as a JSON array of strings; anything else reads as unknown.
        columns: r
            .get::<Option<String>>(20)?
            .and_then(|text| serde_json::from_str(&text).ok()),
        customer_label: label,
        workbook,
        review: review_at(r, 22)?,
    })
}

/// Where a Flatfile Platform sheet came from, in a few words: its workbook's name (else id),
/// then its space and environment.
pub fn workbook_label(origin: &SheetOrigin) -> String {
    let name = origin.name.as_deref().filter(|n| !n.trim().is_empty());
    [
        Some(name.unwrap_or(&origin.id)),
        origin.space_id.as_deref(),
        origin.environment_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// Who imported, in a few words: the customer's `name` (or, when that is empty or holds JSON,
/// its `userId`, else `email`), then `companyName` when there is one.
pub fn customer_label(customer: &Value) -> Option<String> {
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

    #[test]
    fn the_customer_label_prefers_a_plain_name_then_the_user_id() {
        let label = |c: Value| customer_label(&c);
        assert_eq!(
            label(json!({"name": "Ops", "userId": "u", "companyName": "Acme"})).as_deref(),
            Some("Ops · Acme")
        );
        assert_eq!(
            label(json!({"name": " {\"t\":1}", "userId": "u-9"})).as_deref(),
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
    }
}
