//! Flatfile Platform workbooks, as the `@flatfile/plugin-webhook-egress` plugin posts them on
//! submit: `{"workbook": {…, "sheets": [{…, "config": {"fields": […]}, "records": […]}]}}`.
//!
//! Each sheet becomes one import. Its columns follow `config.fields` (by key; a key a record
//! carries that no field names comes after them, so nothing sent is dropped), each record is a
//! row with its `valid` and its `id`, and every cell's `messages` are kept as Flatfile's own
//! reasons. A message's `type` is `error`, `warn` or `info`; a cell marked `valid: false` with
//! no message at all still failed, which [`CellMessage::message`] `None` says.
//!
//! Where the plugin's document and real bodies may differ, both are read: `messages` missing or
//! `null`, `config` missing (then the columns come from the records), `name` missing (the slug
//! or id stands in), extra keys anywhere (ignored here; the body is stored whole).

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::Envelope;
use crate::payload::cells::{cell, cell_as_sent};
use crate::payload::{PayloadError, path_error_under};
use crate::rows::{Rows, RowsBuilder};

/// One submitted workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    pub id: String,
    pub name: Option<String>,
    pub space_id: Option<String>,
    pub environment_id: Option<String>,
    pub sheets: Vec<Sheet>,
}

/// One sheet of a workbook: one import.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The sheet's id: the import's batch.
    pub id: String,
    /// The sheet's name, else its slug, else its id.
    pub name: String,
    pub slug: Option<String>,
    /// `config.fields`, in order.
    pub fields: Vec<SheetField>,
    /// A stable id of this submit of the sheet: the import's event (see [`EventFrom`]).
    pub event_id: String,
    pub event_from: EventFrom,
    /// One row per record, columns by field key.
    pub rows: Rows,
    /// Each record's `valid` (a record without one is valid unless a cell has an error).
    pub valid: Vec<bool>,
    /// Each record's `id`.
    pub records: Vec<String>,
    /// Flatfile's messages on the cells, by row (record position) then field order.
    pub messages: Vec<CellMessage>,
    /// SHA-256 of the sheet's `records` exactly as sent: a sheet submitted again under the same
    /// event with other records contradicts the one stored.
    pub digest: [u8; 32],
}

/// A field of a sheet's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetField {
    pub key: String,
    /// The field's `label`, else its key.
    pub label: String,
    /// `string`, `number`, `boolean`, `date`, `enum`, `reference`, … as sent.
    pub kind: Option<String>,
}

/// What a sheet's event id is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFrom {
    /// `<sheet id>:<commitId>`.
    Commit,
    /// `<sheet id>:<versionId>` (no `commitId`).
    Version,
    /// `<sheet id>:<digest of the records as sent>` (neither): an identical resubmit has the
    /// same id, an edited one another.
    Digest,
}

impl EventFrom {
    /// How the event id was made, in words.
    pub fn as_str(self) -> &'static str {
        match self {
            EventFrom::Commit => "commitId",
            EventFrom::Version => "versionId",
            EventFrom::Digest => "records digest",
        }
    }
}

/// How much a message weighs: only an error makes a record invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Level {
    Error,
    Warn,
    Info,
}

impl Level {
    /// `error`, `warn` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
        }
    }

    /// A message's `type`. Flatfile documents `error`, `warn` and `info`; `warning` is read as
    /// `warn`, and any other word as `info` (kept, never counted as an error).
    fn of(kind: Option<&str>) -> Level {
        match kind.map(str::to_ascii_lowercase).as_deref() {
            Some("error") => Level::Error,
            Some("warn" | "warning") => Level::Warn,
            _ => Level::Info,
        }
    }
}

/// One of Flatfile's messages on a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellMessage {
    /// The record's position in its sheet, from 0.
    pub row: u32,
    /// The field's key.
    pub field: String,
    pub level: Level,
    /// The text; `None` for a cell marked invalid without any message.
    pub message: Option<String>,
    /// `source` as sent (`custom-logic`, `required-constraint`, …).
    pub source: Option<String>,
}

/// Whether `body` opens with a `workbook` key (after a byte-order mark and white space): the
/// shape the webhook-egress plugin sends, told without reading the rest. A workbook whose
/// first key is another is still found by [`is_workbook`].
pub fn opens_as_workbook(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut rest = body.trim_ascii_start();
    let Some(after) = rest.strip_prefix(b"{") else {
        return false;
    };
    rest = after.trim_ascii_start();
    let Some(after) = rest.strip_prefix(b"\"workbook\"") else {
        return false;
    };
    after.trim_ascii_start().starts_with(b":")
}

/// Whether `body` is a workbook (a top-level `workbook` object) rather than a Portal 2.0
/// payload. Reads past every value without keeping any.
pub fn is_workbook(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Sniff {
        #[serde(default)]
        workbook: Option<AnObject>,
    }
    /// Any object, its keys ignored.
    struct AnObject;
    impl<'de> Deserialize<'de> for AnObject {
        fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = AnObject;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<AnObject, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(AnObject)
                }
            }
            de.deserialize_map(Visit)
        }
    }
    let body = crate::odd::readable_bytes(body);
    serde_json::from_slice::<Sniff>(&body).is_ok_and(|s| s.workbook.is_some())
}

/// Parses a workbook body; every cell typed as JSON types it (a string stays a string).
pub fn parse_workbook(body: &[u8]) -> Result<Workbook, PayloadError> {
    parse_with(body, false)
}

/// [`parse_workbook`] with every cell kept as the text it was sent as (see
/// [`crate::parse_as_sent`]).
pub fn parse_workbook_as_sent(body: &[u8]) -> Result<Workbook, PayloadError> {
    parse_with(body, true)
}

fn parse_with(body: &[u8], as_sent: bool) -> Result<Workbook, PayloadError> {
    let body = crate::odd::readable_bytes(body);
    let raw: RawBody<'_> = at_path(&body, "")?;
    let workbook = raw.workbook;
    if workbook.id.is_empty() {
        return Err(PayloadError::contract("workbook.id: must not be empty"));
    }
    if workbook.sheets.is_empty() {
        return Err(PayloadError::contract(
            "workbook.sheets: the workbook has no sheets, so there is nothing to import",
        ));
    }
    for (i, sheet) in workbook.sheets.iter().enumerate() {
        if let Some(j) = workbook.sheets[..i].iter().position(|s| s.id == sheet.id) {
            return Err(PayloadError::contract(format!(
                "workbook.sheets[{i}].id: {} is also the id of workbook.sheets[{j}]; each sheet \
                 is an import of its own",
                sheet.id
            )));
        }
    }
    // Sheets are independent: read side by side (the first error in sheet order is the one
    // reported).
    use rayon::prelude::*;
    let sheets = workbook
        .sheets
        .into_par_iter()
        .enumerate()
        .map(|(i, sheet)| sheet.read(&format!("workbook.sheets[{i}]"), as_sent))
        .collect::<Result<Vec<Sheet>, PayloadError>>()?;
    Ok(Workbook {
        id: workbook.id,
        name: workbook.name,
        space_id: workbook.space_id,
        environment_id: workbook.environment_id,
        sheets,
    })
}

/// The sheet `id` of a stored workbook body, parsed as [`parse_workbook`] (or, with
/// `as_sent`, [`parse_workbook_as_sent`]) would; the other sheets' records are not read.
/// `None` when the body has no such sheet.
pub fn parse_sheet(body: &[u8], id: &str, as_sent: bool) -> Result<Option<Sheet>, PayloadError> {
    let body = crate::odd::readable_bytes(body);
    let raw: RawBody<'_> = at_path(&body, "")?;
    let Some((i, sheet)) = raw
        .workbook
        .sheets
        .into_iter()
        .enumerate()
        .find(|(_, s)| s.id == id)
    else {
        return Ok(None);
    };
    sheet
        .read(&format!("workbook.sheets[{i}]"), as_sent)
        .map(Some)
}

/// What a sheet's import keeps of its workbook (the `workbook` of its [`Envelope`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SheetOrigin {
    /// The workbook's id, name, space and environment.
    pub id: String,
    pub name: Option<String>,
    pub space_id: Option<String>,
    pub environment_id: Option<String>,
    /// The sheet's name and slug.
    pub sheet: String,
    pub slug: Option<String>,
    /// What the event id is made of: `commitId`, `versionId` or `records digest`.
    pub event_from: String,
    /// The sheet's fields, in order: key, label (the grid's header), type.
    pub fields: Vec<OriginField>,
}

/// One field of [`SheetOrigin::fields`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct OriginField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl Sheet {
    /// The sheet as one import of a single part: its event, its batch (the sheet id), its
    /// valid and invalid records, and its [`SheetOrigin`] as the envelope's `workbook`.
    pub fn envelope(&self, workbook: &Workbook) -> Envelope {
        let valid = self.valid.iter().filter(|v| **v).count() as u64;
        let origin = SheetOrigin {
            id: workbook.id.clone(),
            name: workbook.name.clone(),
            space_id: workbook.space_id.clone(),
            environment_id: workbook.environment_id.clone(),
            sheet: self.name.clone(),
            slug: self.slug.clone(),
            event_from: self.event_from.as_str().to_owned(),
            fields: self
                .fields
                .iter()
                .map(|f| OriginField {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    kind: f.kind.clone(),
                })
                .collect(),
        };
        Envelope {
            event_id: self.event_id.clone(),
            event_type: WORKBOOK_EVENT_TYPE.to_owned(),
            index: 0,
            count: 1,
            likely_base: 0,
            batch_id: self.id.clone(),
            schema_id: None,
            declared_rows: None,
            valid_rows: valid,
            invalid_rows: self.valid.len() as u64 - valid,
            customer: None,
            workbook: Some(serde_json::to_string(&origin).expect("plain fields serialize")),
        }
    }
}

/// A records response of Flatfile's API (`GET /sheets/{id}/records`: `{"data": {"records":
/// […], "versionId", …}}`) as the workbook body of one sheet named `sheet` (its id, name and,
/// lowercased, its slug), so a file pulled with the API imports as a submit would. The records
/// are kept byte for byte inside; the workbook's id is `file:<sheet>`.
pub fn records_as_workbook(body: &[u8], sheet: &str) -> Result<Vec<u8>, PayloadError> {
    #[derive(Deserialize)]
    struct Response<'a> {
        #[serde(borrow)]
        data: Data<'a>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data<'a> {
        #[serde(borrow)]
        records: &'a RawValue,
        #[serde(default)]
        version_id: Option<String>,
        #[serde(default)]
        commit_id: Option<String>,
    }
    let sheet = sheet.trim();
    if sheet.is_empty() {
        return Err(PayloadError::contract("the sheet's name must not be empty"));
    }
    let body = crate::odd::readable_bytes(body);
    let response: Response<'_> = at_path(&body, "")?;
    let data = response.data;
    if !data.records.get().trim_start().starts_with('[') {
        return Err(PayloadError::contract(
            "data.records: must be an array of records",
        ));
    }
    let text = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let mut out = format!(
        r#"{{"workbook":{{"id":{},"name":{},"sheets":[{{"id":{},"name":{},"slug":{}"#,
        text(&format!("file:{sheet}")),
        text(sheet),
        text(sheet),
        text(sheet),
        text(&sheet.to_lowercase()),
    );
    for (key, value) in [
        ("versionId", &data.version_id),
        ("commitId", &data.commit_id),
    ] {
        if let Some(value) = value {
            out.push_str(&format!(r#","{key}":{}"#, text(value)));
        }
    }
    out.push_str(r#","records":"#);
    out.push_str(data.records.get());
    out.push_str("}]}}");
    Ok(out.into_bytes())
}

/// The `type` of a sheet's import (Portal 2 imports carry their `event.type`).
pub const WORKBOOK_EVENT_TYPE: &str = "workbook:submit";

/// `T` from `json`, an error naming the field at fault (under `prefix`) when it is not one.
/// Read without tracking where it is (a third faster on a workbook of a million cells); only
/// a body that fails is read again with the path, for the message.
fn at_path<'a, T: Deserialize<'a>>(json: &'a [u8], prefix: &str) -> Result<T, PayloadError> {
    if let Ok(value) = serde_json::from_slice(json) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| path_error_under(prefix, e))
}

#[derive(Deserialize)]
struct RawBody<'a> {
    #[serde(borrow)]
    workbook: RawWorkbook<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawWorkbook<'a> {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    space_id: Option<String>,
    #[serde(default)]
    environment_id: Option<String>,
    #[serde(borrow)]
    sheets: Vec<RawSheet<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSheet<'a> {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    config: Option<RawSheetConfig>,
    /// Kept as sent: parsed below, and digested when the sheet has no commit or version.
    #[serde(default, borrow)]
    records: Option<&'a RawValue>,
    #[serde(default)]
    commit_id: Option<String>,
    #[serde(default)]
    version_id: Option<String>,
}

#[derive(Deserialize)]
struct RawSheetConfig {
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
struct RawField {
    key: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    id: String,
    #[serde(default, borrow)]
    values: Option<Pairs<'a>>,
    #[serde(default)]
    valid: Option<bool>,
}

#[derive(Deserialize)]
struct RawCell<'a> {
    #[serde(default, borrow)]
    value: Option<&'a RawValue>,
    #[serde(default)]
    valid: Option<bool>,
    #[serde(default)]
    messages: Option<Vec<RawMessage>>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// A record's `values`: an object read as its pairs, in order.
struct Pairs<'a>(Vec<(Key<'a>, RawCell<'a>)>);

/// A field key, borrowed from the body unless it holds an escape.
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'a>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        de.deserialize_str(KeyVisitor(std::marker::PhantomData))
    }
}

impl<'a> RawSheet<'a> {
    fn read(self, at: &str, as_sent: bool) -> Result<Sheet, PayloadError> {
        if self.id.is_empty() {
            return Err(PayloadError::contract(format!(
                "{at}.id: must not be empty"
            )));
        }
        let fields: Vec<SheetField> = self
            .config
            .map(|c| c.fields)
            .unwrap_or_default()
            .into_iter()
            .map(|f| SheetField {
                label: f
                    .label
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| f.key.clone()),
                key: f.key,
                kind: f.kind,
            })
            .collect();
        let records_json = self.records.map_or("[]", RawValue::get);
        let records: Vec<RawRecord<'_>> = if records_json == "null" {
            Vec::new()
        } else {
            at_path(records_json.as_bytes(), &format!("{at}.records"))?
        };
        let digest: [u8; 32] = Sha256::digest(records_json.as_bytes()).into();
        let (event_id, event_from) = match (self.commit_id, self.version_id) {
            (Some(commit), _) if !commit.is_empty() => {
                (format!("{}:{commit}", self.id), EventFrom::Commit)
            }
            (_, Some(version)) if !version.is_empty() => {
                (format!("{}:{version}", self.id), EventFrom::Version)
            }
            _ => {
                let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                (format!("{}:{hex}", self.id), EventFrom::Digest)
            }
        };
        let mut builder = RowsBuilder::with_columns(fields.iter().map(|f| f.key.as_str()));
        let mut valid = Vec::with_capacity(records.len());
        let mut ids = Vec::with_capacity(records.len());
        let mut messages = Vec::new();
        for (row, record) in records.into_iter().enumerate() {
            let at_record = || format!("{at}.records[{row}]");
            if record.id.is_empty() {
                return Err(PayloadError::contract(format!(
                    "{}.id: must not be empty",
                    at_record()
                )));
            }
            let mut has_error = false;
            for (key, cell_in) in record.values.map(|p| p.0).unwrap_or_default() {
                let value = cell_in.value.map_or("null", RawValue::get);
                let parsed = if as_sent {
                    cell_as_sent(value)
                } else {
                    cell(value)
                };
                let parsed = parsed.map_err(|e| {
                    PayloadError::contract(format!("{}.values.{}.value: {e}", at_record(), key.0))
                })?;
                let before = messages.len();
                for m in cell_in.messages.unwrap_or_default() {
                    let level = Level::of(m.kind.as_deref());
                    has_error |= level == Level::Error;
                    messages.push(CellMessage {
                        row: row as u32,
                        field: key.0.clone().into_owned(),
                        level,
                        message: m.message,
                        source: m.source,
                    });
                }
                if cell_in.valid == Some(false)
                    && !messages[before..].iter().any(|m| m.level == Level::Error)
                {
                    // Failed, and Flatfile said nothing of why.
                    has_error = true;
                    messages.push(CellMessage {
                        row: row as u32,
                        field: key.0.clone().into_owned(),
                        level: Level::Error,
                        message: None,
                        source: None,
                    });
                }
                builder.set(key.0, parsed);
            }
            builder.end_row();
            valid.push(record.valid.unwrap_or(!has_error));
            ids.push(record.id);
        }
        let name = self
            .name
            .filter(|n| !n.is_empty())
            .or_else(|| self.slug.clone())
            .unwrap_or_else(|| self.id.clone());
        Ok(Sheet {
            id: self.id,
            name,
            slug: self.slug,
            fields,
            event_id,
            event_from,
            rows: builder.finish(),
            valid,
            records: ids,
            messages,
            digest,
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct PairsVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for PairsVisitor<'a> {
            type Value = Pairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of cells")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Pairs<'a>, E> {
                Ok(Pairs(Vec::new()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Pairs<'a>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<Key<'a>>()? {
                    let cell: RawCell<'a> = map.next_value()?;
                    pairs.push((key, cell));
                }
                Ok(Pairs(pairs))
            }
        }
        de.deserialize_any(PairsVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests;
