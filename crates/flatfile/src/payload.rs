//! Parsing one webhook request body into an [`Envelope`] and its [`Rows`].

pub(crate) mod cells;
pub mod odd;
mod scan;
mod words;

use serde::{Deserialize, Serialize, de};

use crate::rows::Rows;
use cells::rows;

/// Longest `event.id` or batch id accepted; ids are UUIDs in practice.
const MAX_ID_LEN: usize = 256;

/// Most parts one import may announce (`event.sequence.count`): 100 million rows at
/// Flatfile's 1,000 per part. A larger count is refused (422) rather than tracked as billions
/// of missing parts.
pub const MAX_PARTS: u32 = 100_000;

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
    /// For a Flatfile Platform sheet (see [`crate::workbook`]), its workbook and how its event
    /// id was made, as JSON text (see [`crate::workbook::Sheet::envelope`]); `None` for Portal 2.
    pub workbook: Option<String>,
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
    pub(crate) fn contract(message: impl Into<String>) -> Self {
        PayloadError {
            kind: PayloadErrorKind::Contract,
            message: message.into(),
        }
    }
}

/// Parses and checks one request body.
pub fn parse(body: &[u8]) -> Result<Part, PayloadError> {
    let checked = check_body(body)?;
    read_rows(body, checked)
}

/// [`parse`], with every cell kept as the text it was sent as: a string's value, a number's
/// or a boolean's JSON token (`1.50`, `1e3`, `true`), an object's JSON text. For "as sent"
/// exports, which must return each value exactly as it arrived.
pub fn parse_as_sent(body: &[u8]) -> Result<Part, PayloadError> {
    read_rows_with::<true>(body, check_body(body)?)
}

/// What [`parse`] checks, without reading the rows: the body's envelope, once it is known
/// that [`parse`] accepts it. Every cell is still scanned (well-formed JSON, valid UTF-8,
/// each row an object), but none is decoded or kept: what the answer to a request needs,
/// leaving the rows for later.
pub fn check(body: &[u8]) -> Result<Envelope, PayloadError> {
    check_body(body).map(|checked| checked.envelope)
}

/// A body [`check`]ed: its envelope, and where its rows are, so that [`read_rows`] reads them
/// later without going over the body again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub envelope: Envelope,
    /// `validRows` and `invalidRows`: the byte range from the first row to the end of the
    /// last (`None` for no rows) in the body as checked; `None` when the body was read from
    /// a changed copy (lone surrogates replaced, see [`odd`]).
    spans: Option<[Option<std::ops::Range<usize>>; 2]>,
}

/// [`check`], keeping where the rows are.
pub fn check_body(body: &[u8]) -> Result<Checked, PayloadError> {
    let whole = body;
    let strict = |body: &[u8]| {
        let mut de = serde_json::Deserializer::from_slice(body);
        match RawPayload::<Counted>::deserialize(&mut de).and_then(|raw| de.end().map(|()| raw)) {
            Ok(raw) => raw.check().map(|(envelope, valid, invalid)| {
                // Spans only of the body as given: a changed copy is another allocation.
                let spans = [valid.span_in(whole), invalid.span_in(whole)];
                let of_whole = spans
                    .iter()
                    .zip([&valid, &invalid])
                    .all(|(span, rows)| span.is_some() == rows.span.is_some());
                Checked {
                    envelope,
                    spans: of_whole.then_some(spans),
                }
            }),
            Err(_) => Err(explain(body)),
        }
    };
    odd::readable(body, strict)
}

/// The rows of a body [`check_body`] accepted: the same [`Part`] [`parse`] gives (an error
/// only if `checked` is not of this body).
pub fn read_rows(body: &[u8], checked: Checked) -> Result<Part, PayloadError> {
    read_rows_with::<false>(body, checked)
}

fn read_rows_with<const AS_SENT: bool>(
    body: &[u8],
    checked: Checked,
) -> Result<Part, PayloadError> {
    match scanned::<AS_SENT>(body, &checked) {
        Some(rows) => Ok(Part {
            envelope: checked.envelope,
            rows,
        }),
        // Read the serde way, which reads everything it accepts.
        None => parse_with::<AS_SENT>(body),
    }
}

/// The rows as the scanner reads them (valid, then invalid), or `None` when it cannot read
/// them exactly as serde would.
fn scanned<const AS_SENT: bool>(body: &[u8], checked: &Checked) -> Option<Rows> {
    let [valid, invalid] = checked.spans.as_ref()?;
    let counts = [checked.envelope.valid_rows, checked.envelope.invalid_rows];
    let mut read = [valid, invalid]
        .into_iter()
        .zip(counts)
        .map(|(span, count)| match span {
            None if count == 0 => Some(Rows::default()),
            None => None,
            Some(span) => {
                let text = std::str::from_utf8(body.get(span.clone())?).ok()?;
                scan::rows::<AS_SENT>(text, count)
            }
        });
    let mut rows = read.next()??;
    rows.append(read.next()??);
    Some(rows)
}

fn parse_with<const AS_SENT: bool>(body: &[u8]) -> Result<Part, PayloadError> {
    // Fast path without path tracking (which costs on every cell); a body that fails is parsed
    // again with tracking, only to say where it failed. A byte-order mark or lone surrogates
    // are read past (see [`odd`]).
    let strict = |body: &[u8]| {
        let mut de = serde_json::Deserializer::from_slice(body);
        match RawPayload::<Parsed<AS_SENT>>::deserialize(&mut de)
            .and_then(|raw| de.end().map(|()| raw))
        {
            Ok(raw) => raw
                .check()
                .map(|(envelope, Parsed(mut rows), Parsed(invalid))| {
                    rows.append(invalid);
                    Part { envelope, rows }
                }),
            Err(_) => Err(explain(body)),
        }
    };
    odd::readable(body, strict)
}

/// The error of a body that does not parse, with the path of the field at fault.
fn explain(body: &[u8]) -> PayloadError {
    // Parsing stops at the first problem; a contract breach found early must not hide that the
    // body is not JSON at all further on.
    if let Err(syntax) = serde_json::from_slice::<de::IgnoredAny>(body) {
        return not_json(&syntax);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, RawPayload<Parsed<false>>>(&mut de) {
        Err(e) => path_error(e),
        Ok(_) => PayloadError::contract("the payload does not match the contract"),
    }
}

fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> PayloadError {
    path_error_under("", e)
}

/// [`path_error`] for a value found at `prefix` in the body (`workbook.sheets[0].records`).
pub(crate) fn path_error_under(
    prefix: &str,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> PayloadError {
    let path = match (prefix, e.path().to_string()) {
        (prefix, path) if path == "." => prefix.to_owned(),
        ("", path) => path,
        (prefix, path) if path.starts_with('[') => format!("{prefix}{path}"),
        (prefix, path) => format!("{prefix}.{path}"),
    };
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let at = if path.is_empty() {
                String::new()
            } else {
                format!("{path}: ")
            };
            PayloadError::contract(format!(
                "{at}{}",
                words::json_words(&strip_position(&inner))
            ))
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

/// A body's payload, its rows read as `R`: [`Parsed`] rows, or only [`Counted`].
#[derive(Deserialize)]
#[serde(bound(deserialize = "R: Deserialize<'de> + Default"))]
struct RawPayload<'a, R> {
    event: RawEvent,
    #[serde(borrow)]
    data: RawData<'a, R>,
}

/// The rows of `validRows` or `invalidRows`, decoded into columns.
#[derive(Default)]
struct Parsed<const AS_SENT: bool>(Rows);

impl<'de, const AS_SENT: bool> Deserialize<'de> for Parsed<AS_SENT> {
    fn deserialize<D: de::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        rows::<_, AS_SENT>(de).map(Parsed)
    }
}

/// The rows of `validRows` or `invalidRows`, checked as [`Parsed`] checks them and counted,
/// with the addresses of the first row's start and the last row's end.
#[derive(Default)]
struct Counted {
    rows: u64,
    span: Option<(usize, usize)>,
}

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: de::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        cells::count_rows(de).map(|(rows, span)| Counted { rows, span })
    }
}

impl Counted {
    /// The rows' byte range in `body`, when they are in it.
    fn span_in(&self, body: &[u8]) -> Option<std::ops::Range<usize>> {
        let (start, end) = self.span?;
        let base = body.as_ptr() as usize;
        (start >= base && end <= base + body.len()).then(|| start - base..end - base)
    }
}

/// How many rows a row collection holds.
trait RowCount {
    fn count(&self) -> u64;
}

impl<const AS_SENT: bool> RowCount for Parsed<AS_SENT> {
    fn count(&self) -> u64 {
        self.0.len() as u64
    }
}

impl RowCount for Counted {
    fn count(&self) -> u64 {
        self.rows
    }
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
#[serde(bound(deserialize = "R: Deserialize<'de> + Default"))]
struct RawData<'a, R> {
    meta: RawMeta,
    #[serde(default, borrow)]
    customer: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "validRows", default)]
    valid_rows: R,
    #[serde(rename = "invalidRows", default)]
    invalid_rows: R,
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

impl<R: RowCount> RawPayload<'_, R> {
    /// The envelope, with the valid rows and the invalid ones.
    fn check(self) -> Result<(Envelope, R, R), PayloadError> {
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
            valid_rows: data.valid_rows.count(),
            invalid_rows: data.invalid_rows.count(),
            customer,
            workbook: None,
        };
        Ok((envelope, data.valid_rows, data.invalid_rows))
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
        if count > i64::from(MAX_PARTS) {
            return Err(PayloadError::contract(format!(
                "event.sequence.{field} is {count}; at most {MAX_PARTS} parts (100 million rows \
                 at Flatfile's 1,000 per part) are accepted in one import"
            )));
        }
        Ok((index as u32, count as u32))
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

#[cfg(test)]
mod tests;
