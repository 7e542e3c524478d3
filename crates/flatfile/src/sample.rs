//! Sample imports in the shape Flatfile sends them: for the "send test event" check, for
//! examples and for benchmarks. Deterministic: the same arguments give the same bytes.

use serde_json::{Map, Value, json};

/// One request as Flatfile sends it: part `index` of `count` of `event`, for `batch`
/// (schema 8), with the given row arrays.
pub fn request(
    event: &str,
    batch: &str,
    index: u32,
    count: u32,
    valid: Value,
    invalid: Value,
) -> Value {
    json!({
        "event": {"id": event, "type": "batch.update", "sequence": {"count": count, "index": index}},
        "data": {
            "meta": {"batch": {"id": batch}, "schema": {"id": 8}},
            "validRows": valid,
            "invalidRows": invalid
        }
    })
}

/// A `data.customer` block as real deliveries carry it; the integrator put its own context
/// into `name`, as JSON text.
pub fn customer() -> Value {
    json!({
        "id": "5d1c9a7e-0b7f-4a8e-9a51-3f0c2a6f1b44",
        "userId": "ops-7",
        "name": "{\"tenant\":\"acme-eu\",\"plan\":\"business\"}",
        "email": "ops@acme.example",
        "companyId": null,
        "companyName": "Acme GmbH",
        "teamId": 3311,
        "createdAt": "2026-10-02T08:14:51.000Z",
        "updatedAt": "2026-11-20T16:02:09.000Z"
    })
}

/// One request in the shape real Portal 2 deliveries have (Flatfile's "legacy payload"):
/// `batch:v1:upload`, `sequence.length` with a 0-based `index`, `settings.id` null, `length`,
/// the [`customer`] block, and every cell a string. Rows are sent as given.
pub fn delivery(
    event: &str,
    batch: &str,
    index: u32,
    length: u32,
    valid: Value,
    invalid: Value,
) -> Value {
    let rows = valid.as_array().map_or(0, Vec::len) + invalid.as_array().map_or(0, Vec::len);
    json!({
        "event": {"id": event, "type": "batch:v1:upload", "sequence": {"length": length, "index": index}},
        "data": {
            "meta": {"batch": {"id": batch}, "settings": {"id": null}, "length": rows},
            "customer": customer(),
            "validRows": valid,
            "invalidRows": invalid
        }
    })
}

/// [`delivery`] as the bytes that are posted.
pub fn delivery_body(
    event: &str,
    batch: &str,
    index: u32,
    length: u32,
    valid: Value,
    invalid: Value,
) -> Vec<u8> {
    delivery(event, batch, index, length, valid, invalid)
        .to_string()
        .into_bytes()
}

/// [`request`] as the bytes that are posted.
pub fn request_body(
    event: &str,
    batch: &str,
    index: u32,
    count: u32,
    valid: Value,
    invalid: Value,
) -> Vec<u8> {
    request(event, batch, index, count, valid, invalid)
        .to_string()
        .into_bytes()
}

/// A generated import of `parts` requests with `rows_per_part` rows each.
#[derive(Debug, Clone)]
pub struct SampleBatch {
    pub event_id: String,
    pub batch_id: String,
    pub parts: u32,
    pub rows_per_part: u32,
    /// Every n-th row is invalid (0: none).
    pub invalid_every: u32,
}

/// Data columns of a sample row (all text, as Flatfile sends spreadsheet cells).
pub const SAMPLE_COLUMNS: [&str; 14] = [
    "customer_id",
    "name",
    "email",
    "company",
    "plan",
    "seats",
    "country",
    "city",
    "postcode",
    "phone",
    "sku",
    "color",
    "signup_date",
    "notes",
];

const PLANS: [&str; 4] = ["free", "team", "business", "enterprise"];
const COUNTRIES: [(&str, &str); 6] = [
    ("DE", "München"),
    ("FR", "Saint-Étienne"),
    ("JP", "東京"),
    ("US", "Portland"),
    ("BR", "São Paulo"),
    ("GB", "Leeds"),
];
const COLORS: [&str; 5] = ["black", "white", "red", "fuschia", "teal"];

impl SampleBatch {
    /// Body of request `index` (1-based).
    pub fn body(&self, index: u32) -> Vec<u8> {
        let mut valid = Vec::new();
        let mut invalid = Vec::new();
        for r in 0..self.rows_per_part {
            let n = u64::from(index - 1) * u64::from(self.rows_per_part) + u64::from(r);
            let row = Self::row(n);
            if self.invalid_every > 0 && n % u64::from(self.invalid_every) == 0 {
                invalid.push(row);
            } else {
                valid.push(row);
            }
        }
        let mut payload = request(
            &self.event_id,
            &self.batch_id,
            index,
            self.parts,
            Value::Array(valid),
            Value::Array(invalid),
        );
        payload["data"]["meta"]["count"] = json!(self.rows_per_part);
        serde_json::to_vec(&payload).unwrap_or_default()
    }

    /// Row `n` of the import (0-based across all parts).
    pub fn row(n: u64) -> Value {
        let (country, city) = COUNTRIES[(n % 6) as usize];
        let mut row = Map::new();
        let cells: [String; 14] = [
            format!("C{n:08}"),
            format!("Customer {n}"),
            format!("customer{n}@example.com"),
            format!("Company {} GmbH & Co.", n % 9973),
            PLANS[(n % 4) as usize].to_owned(),
            ((n * 7) % 250).to_string(),
            country.to_owned(),
            city.to_owned(),
            format!("{:05}", n % 100_000),
            format!("+49 30 {:07}", n % 10_000_000),
            format!("{:06}", (n * 31) % 1_000_000),
            COLORS[(n % 5) as usize].to_owned(),
            format!("2026-{:02}-{:02}", n % 12 + 1, n % 28 + 1),
            format!("Imported from spreadsheet row {}; checked by ops", n + 2),
        ];
        for (name, cell) in SAMPLE_COLUMNS.iter().zip(cells) {
            row.insert((*name).to_owned(), Value::String(cell));
        }
        Value::Object(row)
    }
}

/// An importer configuration of [`SampleBatch::row`]'s 14 fields, 19 validators (three
/// `unique`, row-local rules of every kind), which the sample's rows fit.
pub fn config() -> Value {
    let regex = |r: &str| json!({"validate": "regex_matches", "regex": r});
    let select = |key: &str, values: &[&str]| {
        let options: Vec<_> = values
            .iter()
            .map(|v| json!({"value": v, "label": v}))
            .collect();
        json!({"key": key, "type": "select", "options": options})
    };
    json!({"type": "Customers", "fields": [
        {"key": "customer_id", "validators": [
            {"validate": "required"}, {"validate": "unique"}, regex(r"^C\d{8}$")]},
        {"key": "name", "validators": [{"validate": "required"}]},
        {"key": "email", "label": "Email", "validators": [
            {"validate": "required"}, {"validate": "unique"},
            {"validate": "regex_matches", "regex": r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
             "regexFlags": {"ignoreCase": true}}]},
        {"key": "company", "validators": [{"validate": "required_with", "fields": ["email"]}]},
        select("plan", &["free", "team", "business"]),
        {"key": "seats", "validators": [regex(r"^\d+$"),
            {"validate": "required_with_values", "fieldValues": {"plan": ["team", "business"]}}]},
        select("country", &["DE", "FR", "US", "GB", "JP"]),
        {"key": "city", "validators": [{"validate": "required_without", "fields": ["postcode"]}]},
        {"key": "postcode", "validators": [regex(r"^\d{5}$")]},
        {"key": "phone", "validators": [{"validate": "regex_excludes", "regex": r"^\+1"}]},
        {"key": "sku", "validators": [{"validate": "unique"}]},
        select("color", &["black", "white", "red", "teal"]),
        {"key": "signup_date", "validators": [regex(r"^\d{4}-\d{2}-\d{2}$")]},
        {"key": "notes", "validators": [
            {"validate": "regex_excludes", "regex": r"(?<=row )0\b"}]}
    ]})
}

/// A workbook as `@flatfile/plugin-webhook-egress` posts it on submit, holding `sheets` (see
/// [`sheet`]).
pub fn workbook(sheets: Vec<Value>) -> Value {
    json!({"workbook": {
        "id": "us_wb_5fA2kQ", "name": "Q4 contacts", "spaceId": "us_sp_Hn3x",
        "environmentId": "us_env_Tq81", "createdAt": "2026-12-01T09:00:00.000Z",
        "updatedAt": "2026-12-01T09:30:00.000Z", "labels": [], "metadata": {},
        "sheets": sheets
    }})
}

/// One sheet of a [`workbook`]: its fields (`(key, label, type)`), its records (see
/// [`record`]), and its `commitId` (none: the receiver digests its records instead).
pub fn sheet(
    id: &str,
    name: &str,
    commit: Option<&str>,
    fields: &[(&str, &str, &str)],
    records: Vec<Value>,
) -> Value {
    let fields: Vec<Value> = fields
        .iter()
        .map(|(key, label, kind)| json!({"key": key, "label": label, "type": kind, "constraints": []}))
        .collect();
    let valid = records.iter().filter(|r| r["valid"] == true).count();
    let mut sheet = json!({
        "id": id, "workbookId": "us_wb_5fA2kQ", "name": name, "slug": name.to_lowercase(),
        "config": {"name": name, "slug": name.to_lowercase(), "fields": fields},
        "success": true, "records": records,
        "counts": {"total": records.len(), "valid": valid, "error": records.len() - valid}
    });
    if let Some(commit) = commit {
        sheet["commitId"] = json!(commit);
        sheet["versionId"] = json!(commit);
    }
    sheet
}

/// A record of a [`sheet`]: its cells by field key (see [`cell`]); valid unless a cell
/// carries an error.
pub fn record(id: &str, values: Value) -> Value {
    let failed = values.as_object().is_some_and(|cells| {
        cells.values().any(|c| {
            c["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["type"] == "error"))
        })
    });
    json!({"id": id, "values": values, "valid": !failed, "metadata": {}})
}

/// A cell of a [`record`] with Flatfile's messages on it (`(type, message)`: `error`, `warn`
/// or `info`).
pub fn cell(value: Value, messages: &[(&str, &str)]) -> Value {
    let failed = messages.iter().any(|(kind, _)| *kind == "error");
    let messages: Vec<Value> = messages
        .iter()
        .map(|(kind, text)| json!({"type": kind, "message": text, "source": "custom-logic"}))
        .collect();
    json!({"value": value, "valid": !failed, "messages": messages,
           "updatedAt": "2026-12-01T09:29:00.000Z"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_bodies_parse_and_split_rows() {
        let batch = SampleBatch {
            event_id: "ev".into(),
            batch_id: "b".into(),
            parts: 3,
            rows_per_part: 10,
            invalid_every: 4,
        };
        let part = crate::parse(&batch.body(2)).expect("sample must be valid");
        assert_eq!((part.envelope.index, part.envelope.count), (2, 3));
        // Rows 10..20: multiples of 4 are 12 and 16.
        assert_eq!(
            (part.envelope.valid_rows, part.envelope.invalid_rows),
            (8, 2)
        );
        assert_eq!(part.rows.columns().len(), SAMPLE_COLUMNS.len());
        assert_eq!(batch.body(2), batch.body(2));
    }

    #[test]
    fn a_delivery_has_the_real_shape() {
        let body = delivery_body("e", "b", 0, 2, json!([{"h": "55"}]), json!([{"h": ""}]));
        let part = crate::parse(&body).expect("valid");
        let e = part.envelope;
        assert_eq!(
            (e.index, e.count, e.event_type.as_str()),
            (0, 2, "batch:v1:upload")
        );
        assert_eq!((e.declared_rows, e.schema_id), (Some(2), None));
        assert!(
            e.customer
                .is_some_and(|c| c.contains("\"userId\":\"ops-7\""))
        );
    }
}
