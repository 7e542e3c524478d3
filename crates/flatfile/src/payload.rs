//! Parsing one webhook request body into an [`Envelope`] and its [`Rows`].

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::rows::{Cell, Rows, RowsBuilder};

/// Longest `event.id` or batch id accepted; ids are UUIDs in practice.
const MAX_ID_LEN: usize = 256;

/// Everything about a request except its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// `event.id`: parts with the same id make up one import.
    pub event_id: String,
    /// `event.type` (`batch.update`, `batch:v1:upload`, …); empty when absent.
    pub event_type: String,
    /// `event.sequence.index` as sent: `0..=count`. Whether an import counts from 0 (real
    /// deliveries) or from 1 (the documentation) is decided per import, by the ledger.
    pub index: u32,
    /// `event.sequence.count` or `event.sequence.length`, at least 1.
    pub count: u32,
    /// The first index the sender's shape suggests, used only until the import's own indexes
    /// tell (see the ledger): 0 with `sequence.length` (real deliveries), 1 with
    /// `sequence.count` (the documentation) or without a sequence.
    pub likely_base: u32,
    /// `data.meta.batch.id`.
    pub batch_id: String,
    /// `data.meta.schema.id`, or else `data.meta.settings.id`.
    pub schema_id: Option<i64>,
    /// `data.meta.count` or `data.meta.length`: the rows the sender says this request holds.
    pub declared_rows: Option<u64>,
    /// Rows in `validRows`.
    pub valid_rows: u64,
    /// Rows in `invalidRows`.
    pub invalid_rows: u64,
    /// `data.customer` (who imported), as its JSON text exactly as sent; `None` when absent
    /// or `null`.
    pub customer: Option<String>,
}

impl Envelope {
    /// Whether the declared row count disagrees with the rows present (recorded, not rejected).
    pub fn count_mismatch(&self) -> bool {
        self.declared_rows
            .is_some_and(|d| d != self.valid_rows + self.invalid_rows)
    }
}

/// One parsed request: its envelope and its rows (`validRows` then `invalidRows`).
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub envelope: Envelope,
    pub rows: Rows,
}

/// Why a body is not an acceptable payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadErrorKind {
    /// The body is not JSON at all (HTTP 400).
    NotJson,
    /// JSON that breaks the contract: a field missing, of the wrong type or out of range (422).
    Contract,
}

/// A body that cannot be accepted, with a message that says where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PayloadError {
    pub kind: PayloadErrorKind,
    pub message: String,
}

impl PayloadError {
    fn contract(message: impl Into<String>) -> Self {
        PayloadError {
            kind: PayloadErrorKind::Contract,
            message: message.into(),
        }
    }
}

/// Parses and checks one request body.
pub fn parse(body: &[u8]) -> Result<Part, PayloadError> {
    parse_with::<false>(body)
}

/// [`parse`], with every cell kept as the text it was sent as: a string's value, a number's
/// or a boolean's JSON token (`1.50`, `1e3`, `true`), an object's JSON text. For "as sent"
/// exports, which must return each value exactly as it arrived.
pub fn parse_as_sent(body: &[u8]) -> Result<Part, PayloadError> {
    parse_with::<true>(body)
}

fn parse_with<const AS_SENT: bool>(body: &[u8]) -> Result<Part, PayloadError> {
    // Fast path without path tracking (which costs on every cell); a body that fails is parsed
    // again with tracking, only to say where it failed.
    let mut de = serde_json::Deserializer::from_slice(body);
    match RawPayload::<AS_SENT>::deserialize(&mut de).and_then(|raw| de.end().map(|()| raw)) {
        Ok(raw) => raw.check(),
        Err(_) => Err(explain(body)),
    }
}

/// The error of a body that does not parse, with the path of the field at fault.
fn explain(body: &[u8]) -> PayloadError {
    // Parsing stops at the first problem; a contract breach found early must not hide that the
    // body is not JSON at all further on.
    if let Err(syntax) = serde_json::from_slice::<de::IgnoredAny>(body) {
        return not_json(&syntax);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, RawPayload<false>>(&mut de) {
        Err(e) => path_error(e),
        Ok(_) => PayloadError::contract("the payload does not match the contract"),
    }
}

fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> PayloadError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let at = if path == "." {
                String::new()
            } else {
                format!("{path}: ")
            };
            PayloadError::contract(format!("{at}{}", strip_position(&inner)))
        }
        _ => not_json(&inner),
    }
}

fn not_json(e: &serde_json::Error) -> PayloadError {
    PayloadError {
        kind: PayloadErrorKind::NotJson,
        message: format!("the body is not valid JSON: {e}"),
    }
}

/// serde_json appends "at line L column C" to data errors; for contract errors the field path
/// says more, so the position is dropped.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[derive(Deserialize)]
struct RawPayload<'a, const AS_SENT: bool> {
    event: RawEvent,
    #[serde(borrow)]
    data: RawData<'a, AS_SENT>,
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type", default)]
    event_type: Option<String>,
    #[serde(default)]
    sequence: Option<RawSequence>,
}

#[derive(Deserialize)]
struct RawSequence {
    index: i64,
    /// The documentation's name for the number of requests…
    #[serde(default)]
    count: Option<i64>,
    /// …and the one real deliveries carry.
    #[serde(default)]
    length: Option<i64>,
}

#[derive(Deserialize)]
struct RawData<'a, const AS_SENT: bool> {
    meta: RawMeta,
    #[serde(default, borrow)]
    customer: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "validRows", default, deserialize_with = "rows::<_, AS_SENT>")]
    valid_rows: Rows,
    #[serde(
        rename = "invalidRows",
        default,
        deserialize_with = "rows::<_, AS_SENT>"
    )]
    invalid_rows: Rows,
}

#[derive(Deserialize)]
struct RawMeta {
    batch: RawBatch,
    #[serde(default)]
    schema: Option<RawId>,
    #[serde(default)]
    settings: Option<RawId>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    length: Option<u64>,
}

#[derive(Deserialize)]
struct RawBatch {
    id: String,
}

#[derive(Deserialize)]
struct RawId {
    #[serde(default)]
    id: Option<i64>,
}

impl<const AS_SENT: bool> RawPayload<'_, AS_SENT> {
    fn check(self) -> Result<Part, PayloadError> {
        let RawPayload { event, data } = self;
        check_id("event.id", &event.id)?;
        check_id("data.meta.batch.id", &data.meta.batch.id)?;
        // A request without `sequence` is a whole import in one part.
        let (index, count, likely_base) = match event.sequence {
            None => (1, 1, 1),
            Some(sequence) => {
                let likely_base = if sequence.length.is_some() { 0 } else { 1 };
                let (index, count) = sequence.check()?;
                (index, count, likely_base)
            }
        };
        // `"customer": null` says no more than a missing block.
        let customer = data
            .customer
            .map(|raw| raw.get())
            .filter(|raw| *raw != "null")
            .map(str::to_owned);
        let meta = data.meta;
        let envelope = Envelope {
            event_id: event.id,
            event_type: event.event_type.unwrap_or_default(),
            index,
            count,
            likely_base,
            batch_id: meta.batch.id,
            schema_id: meta
                .schema
                .and_then(|s| s.id)
                .or(meta.settings.and_then(|s| s.id)),
            declared_rows: meta.count.or(meta.length),
            valid_rows: data.valid_rows.len() as u64,
            invalid_rows: data.invalid_rows.len() as u64,
            customer,
        };
        let mut rows = data.valid_rows;
        rows.append(data.invalid_rows);
        Ok(Part { envelope, rows })
    }
}

impl RawSequence {
    /// `(index, count)`: the count from `count` or `length` (both: they must agree), the index
    /// as sent, anywhere in `0..=count` (0-based and 1-based imports both arrive).
    fn check(self) -> Result<(u32, u32), PayloadError> {
        let RawSequence {
            index,
            count,
            length,
        } = self;
        let (count, field) = match (count, length) {
            (Some(c), Some(l)) if c != l => {
                return Err(PayloadError::contract(format!(
                    "event.sequence.count is {c} but event.sequence.length is {l}; \
                     they must agree (one of them is enough)"
                )));
            }
            (Some(c), _) => (c, "count"),
            (None, Some(l)) => (l, "length"),
            (None, None) => {
                return Err(PayloadError::contract(
                    "event.sequence: missing field length (or count), the number of requests",
                ));
            }
        };
        if count < 1 {
            return Err(PayloadError::contract(format!(
                "event.sequence.{field} is {count}; it must be at least 1"
            )));
        }
        if index < 0 || index > count {
            return Err(PayloadError::contract(format!(
                "event.sequence.index is {index}; it must be between 0 and \
                 event.sequence.{field} ({count})"
            )));
        }
        let count = u32::try_from(count).map_err(|_| {
            PayloadError::contract(format!(
                "event.sequence.{field} is {count}; at most {} parts are accepted",
                u32::MAX
            ))
        })?;
        Ok((index as u32, count))
    }
}

fn check_id(field: &str, id: &str) -> Result<(), PayloadError> {
    if id.is_empty() {
        return Err(PayloadError::contract(format!("{field} is empty")));
    }
    if id.len() > MAX_ID_LEN {
        return Err(PayloadError::contract(format!(
            "{field} is {} bytes long; at most {MAX_ID_LEN} are accepted",
            id.len()
        )));
    }
    if id.chars().any(char::is_control) {
        return Err(PayloadError::contract(format!(
            "{field} contains control characters"
        )));
    }
    Ok(())
}

/// `validRows` / `invalidRows`: an array of flat objects, or `null` (no rows).
fn rows<'de, D: Deserializer<'de>, const AS_SENT: bool>(de: D) -> Result<Rows, D::Error> {
    struct RowsVisitor<const AS_SENT: bool>;
    impl<'de, const AS_SENT: bool> Visitor<'de> for RowsVisitor<AS_SENT> {
        type Value = Rows;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of row objects")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Rows, E> {
            Ok(Rows::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<Rows, E> {
            Ok(Rows::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
            let mut builder = RowsBuilder::default();
            while seq
                .next_element_seed(RowSeed {
                    builder: &mut builder,
                    as_sent: AS_SENT,
                })?
                .is_some()
            {}
            Ok(builder.finish())
        }
    }
    de.deserialize_any(RowsVisitor::<AS_SENT>)
}

/// One row object, written straight into the builder.
struct RowSeed<'b> {
    builder: &'b mut RowsBuilder,
    as_sent: bool,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let cell = map.next_value_seed(CellSeed {
                as_sent: self.as_sent,
            })?;
            self.builder.set(key, cell);
        }
        self.builder.end_row();
        Ok(())
    }
}

/// A row key, borrowed from the body when it holds no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        de.deserialize_str(KeyVisitor)
    }
}

/// A cell value: scalars as themselves, objects and arrays as their JSON text.
///
/// Read from the cell's raw JSON text rather than through serde's number visitors: an integer
/// beyond 64 bits would otherwise arrive as a lossy `f64`. Integers that fit `i64` are `Int`,
/// larger ones keep their exact digits as text; other numbers are parsed with Rust's correctly
/// rounded float parser. Strings without escapes are borrowed from the body. With `as_sent`,
/// numbers and booleans stay the text they were sent as.
struct CellSeed {
    as_sent: bool,
}

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell<'de>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Cell<'de>, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(de)?.get();
        let cell = if self.as_sent {
            cell_as_sent(raw)
        } else {
            cell(raw)
        };
        cell.map_err(de::Error::custom)
    }
}

fn cell_as_sent(raw: &str) -> Result<Cell<'_>, String> {
    match raw.as_bytes().first() {
        Some(b'"') => cell(raw),
        Some(b'n') => Ok(Cell::Null),
        Some(_) => Ok(Cell::Text(Cow::Borrowed(raw))),
        None => Err("an empty value".to_owned()),
    }
}

fn cell(raw: &str) -> Result<Cell<'_>, String> {
    let cell = match raw.as_bytes().first() {
        Some(b'"') => match raw.get(1..raw.len() - 1) {
            Some(inner) if !inner.contains('\\') => Cell::Text(Cow::Borrowed(inner)),
            _ => Cell::Text(Cow::Owned(
                serde_json::from_str::<String>(raw).map_err(|e| e.to_string())?,
            )),
        },
        Some(b'n') => Cell::Null,
        Some(b't') => Cell::Bool(true),
        Some(b'f') => Cell::Bool(false),
        Some(b'{' | b'[') => Cell::Text(Cow::Borrowed(raw)),
        Some(_) if raw.contains(['.', 'e', 'E']) => {
            Cell::Float(raw.parse::<f64>().map_err(|e| format!("{raw}: {e}"))?)
        }
        Some(_) => match raw.parse::<i64>() {
            Ok(i) => Cell::Int(i),
            // Beyond i64: kept exactly, as text.
            Err(_) => Cell::Text(Cow::Borrowed(raw)),
        },
        None => return Err("an empty value".to_owned()),
    };
    Ok(cell)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Values;
    use serde_json::json;

    fn body(v: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&v).expect("serialise")
    }

    fn payload(index: i64, count: i64) -> serde_json::Value {
        json!({
            "event": {"id": "ev-1", "type": "batch.update", "sequence": {"index": index, "count": count}},
            "data": {
                "meta": {"batch": {"id": "b-1"}, "schema": {"id": 8}, "count": 3},
                "validRows": [{"name": "Rack", "qty": 2}, {"name": "Desk", "qty": 5}],
                "invalidRows": [{"name": "", "color": "fuschia"}]
            }
        })
    }

    fn contract_error(v: serde_json::Value) -> String {
        let err = parse(&body(v)).expect_err("must be rejected");
        assert_eq!(err.kind, PayloadErrorKind::Contract, "{err}");
        err.message
    }

    #[test]
    fn parses_the_documented_payload() {
        let part = parse(&body(payload(2, 3))).expect("valid");
        let e = &part.envelope;
        assert_eq!(
            (e.event_id.as_str(), e.event_type.as_str(), e.index, e.count),
            ("ev-1", "batch.update", 2, 3)
        );
        assert_eq!((e.batch_id.as_str(), e.schema_id), ("b-1", Some(8)));
        assert_eq!(
            (e.valid_rows, e.invalid_rows, e.declared_rows),
            (2, 1, Some(3))
        );
        assert!(!e.count_mismatch());
        let names: Vec<_> = part
            .rows
            .columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["name", "qty", "color"]);
        assert_eq!(part.rows.len(), 3);
        assert_eq!(
            part.rows.columns()[1].values,
            Values::Int(vec![Some(2), Some(5), None])
        );
    }

    #[test]
    fn accepts_the_documented_variants() {
        let v = json!({
            "event": {"id": "ev", "type": "batch.upload", "sequence": {"index": 1, "count": 1}},
            "data": {"meta": {"batch": {"id": "b"}, "settings": {"id": null}, "length": 5}}
        });
        let part = parse(&body(v)).expect("valid");
        assert_eq!(part.envelope.schema_id, None);
        assert_eq!(part.envelope.declared_rows, Some(5));
        assert!(part.envelope.count_mismatch(), "5 declared, 0 present");
        assert!(part.rows.is_empty());

        let v = json!({
            "event": {"id": "ev", "type": "x", "sequence": {"index": 1, "count": 1}},
            "data": {"meta": {"batch": {"id": "b"}, "settings": {"id": 12}},
                     "validRows": [], "invalidRows": null}
        });
        assert_eq!(parse(&body(v)).expect("valid").envelope.schema_id, Some(12));
    }

    #[test]
    fn nested_values_are_kept_as_json_text_and_strings_are_not_retyped() {
        let v = json!({
            "event": {"id": "ev", "sequence": {"index": 1, "count": 1}},
            "data": {"meta": {"batch": {"id": "b"}},
                     "validRows": [{"zip": "00123", "tags": ["a", 1], "obj": {"k": true}, "big": 18446744073709551615u64}]}
        });
        let mut bytes = body(v);
        // Beyond 64 bits (serde_json's own Value could not even hold it).
        let at = bytes.len() - 4;
        bytes.splice(
            at..at,
            br#","huge":-123456789012345678901234567890"#.iter().copied(),
        );
        let part = parse(&bytes).expect("valid");
        let text: Vec<_> = part
            .rows
            .columns()
            .iter()
            .map(|c| c.values.to_text().get(0).map(str::to_owned))
            .collect();
        assert_eq!(
            text,
            [
                Some("00123".to_owned()),
                Some(r#"["a",1]"#.to_owned()),
                Some(r#"{"k":true}"#.to_owned()),
                Some("18446744073709551615".to_owned()),
                Some("-123456789012345678901234567890".to_owned()),
            ]
        );
        assert!(matches!(part.rows.columns()[0].values, Values::Text(_)));
    }

    #[test]
    fn not_json_is_its_own_kind() {
        for bad in [&b"{"[..], b"hello", b"", b"{\"event\":1} trailing"] {
            let err = parse(bad).expect_err("not JSON");
            assert_eq!(err.kind, PayloadErrorKind::NotJson, "{bad:?}: {err}");
        }
    }

    #[test]
    fn contract_breaches_name_the_field() {
        let mut v = payload(1, 1);
        v["event"].as_object_mut().expect("object").remove("id");
        assert!(contract_error(v).contains("event"), "missing id");

        assert!(contract_error(payload(-1, 3)).contains("event.sequence.index is -1"));
        assert!(contract_error(payload(4, 3)).contains("event.sequence.index is 4"));
        assert!(contract_error(payload(1, 0)).contains("event.sequence.count is 0"));

        let mut v = payload(1, 1);
        v["data"]["validRows"] = json!([{"a": 1}, "not a row"]);
        let msg = contract_error(v);
        assert!(
            msg.contains("data.validRows") && msg.contains("row object"),
            "{msg}"
        );

        let mut v = payload(1, 1);
        v["event"]["id"] = json!("");
        assert!(contract_error(v).contains("event.id is empty"));

        let mut v = payload(1, 1);
        v["data"]["meta"]["batch"] = json!({});
        assert!(contract_error(v).contains("data.meta.batch"));

        assert!(contract_error(json!([1, 2])).contains("invalid type"));
    }

    /// A body of the shape real Portal 2 deliveries have (Flatfile's "legacy payload").
    fn real_shaped(sequence: serde_json::Value) -> serde_json::Value {
        json!({
            "event": {"id": "ev-r", "type": "batch:v1:upload", "sequence": sequence},
            "data": {
                "meta": {"batch": {"id": "b-r"}, "settings": {"id": null}, "length": 2},
                "customer": {
                    "id": "7d3c", "userId": "u-42", "name": "{\"tenant\":\"acme\"}",
                    "email": null, "companyId": null, "companyName": "Acme", "teamId": 9,
                    "createdAt": "2026-11-01T10:00:00.000Z", "updatedAt": "2026-11-01T10:00:00.000Z",
                    "extra": [1, 2]
                },
                "validRows": [{"name": "Rack", "height_cm": "55"}],
                "invalidRows": [{"name": "", "height_cm": ""}]
            }
        })
    }

    #[test]
    fn parses_the_shape_real_deliveries_have() {
        let part = parse(&body(real_shaped(json!({"length": 1, "index": 0})))).expect("valid");
        let e = &part.envelope;
        assert_eq!((e.index, e.count, e.likely_base), (0, 1, 0));
        assert_eq!(e.event_type, "batch:v1:upload");
        assert_eq!(e.schema_id, None);
        assert!(!e.count_mismatch());
        // The customer block is kept as sent, extra keys and key order included.
        let customer = e.customer.as_deref().expect("customer");
        assert!(
            customer.starts_with(r#"{"id":"7d3c","userId":"u-42""#),
            "{customer}"
        );
        assert!(customer.ends_with(r#""extra":[1,2]}"#), "{customer}");
        // Cells stay text here; typing is the frame's business.
        assert!(matches!(part.rows.columns()[1].values, Values::Text(_)));

        let e = parse(&body(real_shaped(json!({"length": 3, "index": 2}))))
            .expect("valid")
            .envelope;
        assert_eq!((e.index, e.count), (2, 3));
        let e = parse(&body(real_shaped(json!({"count": 3, "index": 3}))))
            .expect("valid")
            .envelope;
        assert_eq!((e.index, e.count), (3, 3), "1-based, as documented");
        assert_eq!(e.likely_base, 1, "count: likely from 1");
        let e = parse(&body(real_shaped(
            json!({"count": 2, "length": 2, "index": 1}),
        )))
        .expect("valid")
        .envelope;
        assert_eq!((e.index, e.count), (1, 2), "both fields, agreeing");
    }

    #[test]
    fn sequence_breaches_say_which_field() {
        let msg = contract_error(real_shaped(json!({"count": 2, "length": 3, "index": 1})));
        assert!(
            msg.contains("count is 2 but event.sequence.length is 3"),
            "{msg}"
        );
        let msg = contract_error(real_shaped(json!({"length": 2, "index": 3})));
        assert!(
            msg.contains("index is 3") && msg.contains("length (2)"),
            "{msg}"
        );
        let msg = contract_error(real_shaped(json!({"length": 0, "index": 0})));
        assert!(msg.contains("event.sequence.length is 0"), "{msg}");
        let msg = contract_error(real_shaped(json!({"length": 2, "index": -1})));
        assert!(msg.contains("index is -1"), "{msg}");
        let msg = contract_error(real_shaped(json!({"index": 0})));
        assert!(msg.contains("missing field length"), "{msg}");
    }

    #[test]
    fn a_null_customer_is_no_customer() {
        let mut v = real_shaped(json!({"length": 1, "index": 0}));
        v["data"]["customer"] = json!(null);
        assert_eq!(parse(&body(v)).expect("valid").envelope.customer, None);
        let e = parse(&body(payload(1, 1))).expect("valid").envelope;
        assert_eq!(e.customer, None);
    }

    #[test]
    fn as_sent_keeps_every_cell_as_its_text() {
        let raw = br#"{"event":{"id":"e","sequence":{"index":0,"length":1}},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"a":1.50,"b":1e3,"c":true,"d":null,"e":"x\"y","f":[1, 2],"g":"","h":-0}]}}"#;
        let part = parse_as_sent(raw).expect("valid");
        let text: Vec<_> = part
            .rows
            .columns()
            .iter()
            .map(|c| {
                assert!(
                    matches!(c.values, Values::Text(_) | Values::Null(_)),
                    "{c:?}"
                );
                c.values.to_text().get(0).map(str::to_owned)
            })
            .collect();
        let expected = ["1.50", "1e3", "true"].map(|s| Some(s.to_owned()));
        assert_eq!(text[..3], expected);
        assert_eq!(text[3], None);
        assert_eq!(text[4].as_deref(), Some("x\"y"));
        assert_eq!(text[5].as_deref(), Some("[1, 2]"));
        assert_eq!(text[6].as_deref(), Some(""));
        assert_eq!(text[7].as_deref(), Some("-0"));
        assert_eq!(part.envelope, parse(raw).expect("valid").envelope);
    }

    #[test]
    fn a_request_without_sequence_is_a_single_part() {
        let mut v = payload(1, 1);
        v["event"]
            .as_object_mut()
            .expect("object")
            .remove("sequence");
        let e = parse(&body(v)).expect("valid").envelope;
        assert_eq!((e.index, e.count), (1, 1));
    }

    #[test]
    fn escaped_keys_and_values_are_decoded() {
        let raw = br#"{"event":{"id":"e","sequence":{"index":1,"count":1}},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"n\u00e4me":"caf\u00e9 \"x\""}]}}"#;
        let part = parse(raw).expect("valid");
        assert_eq!(part.rows.columns()[0].name, "näme");
        assert_eq!(
            part.rows.columns()[0].values.to_text().get(0),
            Some("café \"x\"")
        );
    }
}
