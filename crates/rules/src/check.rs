//! Checking an import's rows against a configuration, column by column.
//!
//! The rows come as a frame whose data columns hold the JSON values as sent (strings stay
//! strings: `"55"` is text), so every validator sees what Flatfile's importer saw. A cell is
//! empty when it is missing, `null` or `""`; only the `required*` validators look at empty
//! cells.

use std::collections::HashMap;

use polars::prelude::{Column, DataFrame, DataType};
use rayon::prelude::*;
use serde_json::Value;

use crate::config::{Config, Field, FieldValues, Quantifier, Rule, Validator};

/// One validator of one field, as a summary line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The field's key (the column).
    pub column: String,
    pub label: String,
    /// The validator's name (`required`, `regex_matches`, `select`, …).
    pub validator: String,
    /// The message a failing cell shows.
    pub message: String,
}

/// One failing cell: the row's position in the frame and the rule (an index into
/// [`Report::rules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CellError {
    pub row: u32,
    pub rule: u32,
}

/// Every failing cell of an import.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rules: Vec<RuleInfo>,
    /// Sorted by row, then by rule (field order, then validator order).
    pub errors: Vec<CellError>,
}

/// A cell as sent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sent<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Sent<'_> {
    fn is_empty(self) -> bool {
        matches!(self, Sent::Null | Sent::Str(""))
    }

    /// Strict equality with a configured value, as JavaScript's `===` (numbers by value).
    fn equals(self, value: &Value) -> bool {
        match (self, value) {
            (Sent::Null, Value::Null) => true,
            (Sent::Str(s), Value::String(t)) => s == t,
            (Sent::Int(i), Value::Number(n)) => n.as_f64() == Some(i as f64),
            (Sent::Float(f), Value::Number(n)) => n.as_f64() == Some(f),
            (Sent::Bool(b), Value::Bool(c)) => b == *c,
            _ => false,
        }
    }
}

/// A value's identity for `unique`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Str(&'a str),
    Int(i64),
    Float(u64),
    Bool(bool),
}

/// A non-empty cell's identity for `unique`; `None` for an empty cell, which repeats nothing.
fn key(cell: Sent<'_>) -> Option<Key<'_>> {
    match cell {
        Sent::Null | Sent::Str("") => None,
        Sent::Str(s) => Some(Key::Str(s)),
        Sent::Int(i) => Some(Key::Int(i)),
        Sent::Float(f) => Some(Key::Float(f.to_bits())),
        Sent::Bool(b) => Some(Key::Bool(b)),
    }
}

/// The cells of one column, or of a column the rows do not have (all missing).
struct Cells<'a> {
    column: Option<&'a Column>,
    height: usize,
}

impl<'a> Cells<'a> {
    fn iter(&self) -> Box<dyn Iterator<Item = Sent<'a>> + 'a> {
        let nulls = || -> Box<dyn Iterator<Item = Sent<'a>> + 'a> {
            Box::new(std::iter::repeat_n(Sent::Null, self.height))
        };
        let Some(column) = self.column else {
            return nulls();
        };
        // A column of nulls, or a type the frame builder does not make, holds no values.
        match column.dtype() {
            DataType::String => column.str().map_or_else(
                |_| nulls(),
                |c| Box::new(c.iter().map(|v| v.map_or(Sent::Null, Sent::Str))),
            ),
            DataType::Int64 => column.i64().map_or_else(
                |_| nulls(),
                |c| Box::new(c.iter().map(|v| v.map_or(Sent::Null, Sent::Int))),
            ),
            DataType::Float64 => column.f64().map_or_else(
                |_| nulls(),
                |c| Box::new(c.iter().map(|v| v.map_or(Sent::Null, Sent::Float))),
            ),
            DataType::Boolean => column.bool().map_or_else(
                |_| nulls(),
                |c| Box::new(c.iter().map(|v| v.map_or(Sent::Null, Sent::Bool))),
            ),
            _ => nulls(),
        }
    }
}

/// Every validator of the configuration, in field order: what [`CellError::rule`] indexes.
pub fn rules(config: &Config) -> Vec<RuleInfo> {
    config
        .fields
        .iter()
        .flat_map(|field| {
            field.validators.iter().map(move |validator| RuleInfo {
                column: field.key.clone(),
                label: field.label.clone(),
                validator: validator.name.clone(),
                message: message(config, field, validator),
            })
        })
        .collect()
}

/// Checks every row of `frame` (its data columns hold the values as sent) against `config`.
pub fn check(config: &Config, frame: &DataFrame) -> Report {
    check_with(config, frame, true)
}

/// [`check`] without the rules that compare a row with the others ([`across_rows`]): for a
/// frame of only some of an import's rows (those a correction changed), whose results for
/// every other rule are each row's own.
pub fn check_each_row(config: &Config, frame: &DataFrame) -> Report {
    check_with(config, frame, false)
}

/// Every column the rules of `config` read: the fields' own and those their validators look
/// at. A frame with only these (and `_row`, `_valid`) is checked as the whole row is.
pub fn columns_read(config: &Config) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for field in &config.fields {
        keys.push(&field.key);
        for validator in &field.validators {
            match &validator.rule {
                Rule::RequiredWith { fields, .. } | Rule::RequiredWithout { fields, .. } => {
                    keys.extend(fields.iter().map(String::as_str));
                }
                Rule::RequiredWithValues { values, .. }
                | Rule::RequiredWithoutValues { values, .. } => {
                    keys.extend(values.iter().map(|(k, _)| k.as_str()));
                }
                Rule::Required | Rule::Unique | Rule::Regex { .. } | Rule::Options => {}
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The rules whose result for a row depends on the other rows too (`unique`): each one's
/// index into [`rules`] and the field it reads.
pub fn across_rows(config: &Config) -> Vec<(u32, &str)> {
    config
        .fields
        .iter()
        .flat_map(|f| f.validators.iter().map(move |v| (f, v)))
        .enumerate()
        .filter(|(_, (_, v))| matches!(v.rule, Rule::Unique))
        .map(|(rule, (f, _))| (rule as u32, f.key.as_str()))
        .collect()
}

/// For `unique` over `column` (a whole column, its values as sent) with the cells at
/// `replaced_rows` holding `replaced` instead (its values in that order: the corrected cells):
/// the positions of the cells that hold one of the non-empty values in `values`, each with
/// whether its value is in more than one cell (then it fails). What changes when only the
/// cells holding `values` did: every other cell keeps its result.
pub fn repeats_among(
    column: &Column,
    replaced_rows: &[u32],
    replaced: &Column,
    values: &Column,
) -> Vec<(u32, bool)> {
    let wanted = Cells {
        column: Some(values),
        height: values.len(),
    };
    let mut holding: HashMap<Key<'_>, Vec<u32>> = wanted
        .iter()
        .filter_map(key)
        .map(|k| (k, Vec::new()))
        .collect();
    if holding.is_empty() {
        return Vec::new();
    }
    let instead = Cells {
        column: Some(replaced),
        height: replaced.len(),
    };
    let mut instead: Vec<(u32, Sent<'_>)> =
        replaced_rows.iter().copied().zip(instead.iter()).collect();
    instead.sort_unstable_by_key(|(row, _)| *row);
    let mut instead = instead.into_iter().peekable();
    // Most cells hold none of the few values: text of another length is passed over
    // without hashing it.
    const SHORT: usize = 128;
    let mut lengths = [false; SHORT];
    let (mut long, mut not_text) = (false, false);
    for key in holding.keys() {
        match key {
            Key::Str(s) if s.len() < SHORT => lengths[s.len()] = true,
            Key::Str(_) => long = true,
            _ => not_text = true,
        }
    }
    let cells = Cells {
        column: Some(column),
        height: column.len(),
    };
    for (row, cell) in cells.iter().enumerate() {
        let row = row as u32;
        let mut cell = cell;
        while let Some((_, replacement)) = instead.next_if(|(r, _)| *r == row) {
            cell = replacement;
        }
        let maybe = match cell {
            Sent::Null => false,
            Sent::Str(s) => lengths.get(s.len()).copied().unwrap_or(long),
            _ => not_text,
        };
        if maybe && let Some(rows) = key(cell).and_then(|k| holding.get_mut(&k)) {
            rows.push(row);
        }
    }
    let mut found: Vec<(u32, bool)> = holding
        .into_values()
        .flat_map(|rows| {
            let repeated = rows.len() > 1;
            rows.into_iter().map(move |row| (row, repeated))
        })
        .collect();
    found.sort_unstable();
    found
}

/// Where each value of a column is (its rows by the value's hash, sorted), so `unique` can
/// be judged again for a few values without reading the whole column: see
/// [`repeats_among_indexed`]. About 12 bytes a row.
#[derive(Debug, Default)]
pub struct ValueIndex {
    /// `(hash of the value, row)`, sorted; empty cells are left out.
    rows: Vec<(u64, u32)>,
}

fn hash_of(key: Key<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl ValueIndex {
    /// The index of `column` (its values as sent).
    pub fn new(column: &Column) -> ValueIndex {
        let cells = Cells {
            column: Some(column),
            height: column.len(),
        };
        let mut rows: Vec<(u64, u32)> = cells
            .iter()
            .enumerate()
            .filter_map(|(row, cell)| key(cell).map(|k| (hash_of(k), row as u32)))
            .collect();
        rows.par_sort_unstable();
        ValueIndex { rows }
    }

    /// The rows whose value has `key`'s hash (a collision is told apart by the caller).
    fn candidates(&self, key: Key<'_>) -> &[(u64, u32)] {
        let hash = hash_of(key);
        let from = self.rows.partition_point(|(h, _)| *h < hash);
        let to = from + self.rows[from..].partition_point(|(h, _)| *h == hash);
        &self.rows[from..to]
    }
}

/// One cell of `column`, as sent.
fn sent_at(column: &Column, row: u32) -> Sent<'_> {
    let row = row as usize;
    match column.dtype() {
        DataType::String => column
            .str()
            .ok()
            .and_then(|c| c.get(row))
            .map_or(Sent::Null, Sent::Str),
        DataType::Int64 => column
            .i64()
            .ok()
            .and_then(|c| c.get(row))
            .map_or(Sent::Null, Sent::Int),
        DataType::Float64 => column
            .f64()
            .ok()
            .and_then(|c| c.get(row))
            .map_or(Sent::Null, Sent::Float),
        DataType::Boolean => column
            .bool()
            .ok()
            .and_then(|c| c.get(row))
            .map_or(Sent::Null, Sent::Bool),
        _ => Sent::Null,
    }
}

/// [`repeats_among`] with `column`'s [`ValueIndex`]: the same answer, reading only the cells
/// that may hold one of `values` instead of every cell.
pub fn repeats_among_indexed(
    column: &Column,
    index: &ValueIndex,
    replaced_rows: &[u32],
    replaced: &Column,
    values: &Column,
) -> Vec<(u32, bool)> {
    let instead = Cells {
        column: Some(replaced),
        height: replaced.len(),
    };
    // The last correction of a cell is what it holds.
    let instead: HashMap<u32, Sent<'_>> =
        replaced_rows.iter().copied().zip(instead.iter()).collect();
    let wanted = Cells {
        column: Some(values),
        height: values.len(),
    };
    let mut keys: Vec<Key<'_>> = wanted.iter().filter_map(key).collect();
    keys.sort_unstable_by_key(|k| hash_of(*k));
    keys.dedup();
    let mut found = Vec::new();
    for wanted in keys {
        let mut rows: Vec<u32> = index
            .candidates(wanted)
            .iter()
            .map(|(_, row)| *row)
            .filter(|row| !instead.contains_key(row) && key(sent_at(column, *row)) == Some(wanted))
            .collect();
        rows.extend(
            instead
                .iter()
                .filter(|(_, cell)| key(**cell) == Some(wanted))
                .map(|(row, _)| *row),
        );
        let repeated = rows.len() > 1;
        found.extend(rows.into_iter().map(|row| (row, repeated)));
    }
    found.sort_unstable();
    found.dedup();
    found
}

fn check_with(config: &Config, frame: &DataFrame, across: bool) -> Report {
    let height = frame.height();
    let columns: HashMap<&str, &Column> = frame
        .columns()
        .iter()
        .map(|c| (c.name().as_str(), c))
        .collect();
    let cells = |key: &str| Cells {
        column: columns.get(key).copied(),
        height,
    };
    // Which cells are empty, per field the validators look at: computed once, in parallel.
    let mut keys: Vec<&str> = Vec::new();
    for field in &config.fields {
        for validator in &field.validators {
            match &validator.rule {
                Rule::RequiredWith { fields, .. } | Rule::RequiredWithout { fields, .. } => {
                    keys.push(&field.key);
                    keys.extend(fields.iter().map(String::as_str));
                }
                Rule::Required
                | Rule::RequiredWithValues { .. }
                | Rule::RequiredWithoutValues { .. } => keys.push(&field.key),
                _ => {}
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let empties: HashMap<&str, Vec<bool>> = keys
        .par_iter()
        .map(|key| (*key, cells(key).iter().map(Sent::is_empty).collect()))
        .collect();
    let empty = |key: &str| -> &[bool] { empties.get(key).map_or(&[][..], Vec::as_slice) };

    let validators: Vec<(u32, &Field, &Validator)> = config
        .fields
        .iter()
        .flat_map(|f| f.validators.iter().map(move |v| (f, v)))
        .enumerate()
        .map(|(rule, (f, v))| (rule as u32, f, v))
        .filter(|(_, _, v)| across || !matches!(v.rule, Rule::Unique))
        .collect();
    // Each validator reads its columns on its own: they run side by side.
    let found: Vec<Vec<CellError>> = validators
        .par_iter()
        .map(|&(rule, field, validator)| {
            let own = cells(&field.key);
            let failing: Vec<bool> = match &validator.rule {
                Rule::Required => empty(&field.key).to_vec(),
                Rule::RequiredWith { fields, q } => {
                    let others: Vec<&[bool]> = fields.iter().map(|k| empty(k)).collect();
                    required_when(empty(&field.key), height, |row| {
                        quantify(*q, &others, |e| !e[row])
                    })
                }
                Rule::RequiredWithout { fields, q } => {
                    let others: Vec<&[bool]> = fields.iter().map(|k| empty(k)).collect();
                    required_when(empty(&field.key), height, |row| {
                        quantify(*q, &others, |e| e[row])
                    })
                }
                Rule::RequiredWithValues { values, q } => {
                    let hits = matches(&cells, values);
                    let hits: Vec<&[bool]> = hits.iter().map(Vec::as_slice).collect();
                    required_when(empty(&field.key), height, |row| {
                        quantify(*q, &hits, |h| h[row])
                    })
                }
                Rule::RequiredWithoutValues { values, q } => {
                    let hits = matches(&cells, values);
                    required_when(empty(&field.key), height, |row| match q {
                        // Any listed field does not hold its values.
                        Quantifier::Any => hits.iter().any(|h| !h[row]),
                        // None of them does.
                        Quantifier::All => hits.iter().all(|h| !h[row]),
                    })
                }
                Rule::Unique => unique(&own),
                Rule::Regex {
                    regex, excludes, ..
                } => own
                    .iter()
                    .map(|cell| match cell {
                        // Only text is tested, and never an empty cell.
                        Sent::Str(s) if !s.is_empty() => regex.find(s).is_some() == *excludes,
                        _ => false,
                    })
                    .collect(),
                Rule::Options => own
                    .iter()
                    .map(|cell| !cell.is_empty() && !field.options.iter().any(|o| cell.equals(o)))
                    .collect(),
            };
            failing
                .iter()
                .enumerate()
                .filter(|(_, f)| **f)
                .map(|(row, _)| CellError {
                    row: row as u32,
                    rule,
                })
                .collect()
        })
        .collect();
    let mut report = Report {
        rules: rules(config),
        errors: found.into_iter().flatten().collect(),
    };
    report.errors.sort_unstable();
    report
}

/// Rows whose own cell is empty while `condition(row)` holds (none when the column is not
/// looked at, which cannot happen: every key is computed above).
fn required_when(
    own_empty: &[bool],
    height: usize,
    condition: impl Fn(usize) -> bool,
) -> Vec<bool> {
    (0..height)
        .map(|row| own_empty.get(row).copied().unwrap_or(true) && condition(row))
        .collect()
}

/// ANY / ALL of `lists` satisfy `test`. An empty list of fields never triggers.
fn quantify(q: Quantifier, lists: &[&[bool]], test: impl Fn(&[bool]) -> bool) -> bool {
    if lists.is_empty() {
        return false;
    }
    match q {
        Quantifier::Any => lists.iter().any(|l| test(l)),
        Quantifier::All => lists.iter().all(|l| test(l)),
    }
}

/// Per listed field, whether each row's cell is one of the given values.
fn matches<'a>(cells: &impl Fn(&str) -> Cells<'a>, values: &FieldValues) -> Vec<Vec<bool>> {
    values
        .iter()
        .map(|(key, wanted)| {
            cells(key)
                .iter()
                .map(|cell| wanted.iter().any(|w| cell.equals(w)))
                .collect()
        })
        .collect()
}

/// Every occurrence of a non-empty value that occurs more than once: one pass, remembering
/// where each value was first seen so that a repeat marks both.
fn unique(own: &Cells<'_>) -> Vec<bool> {
    use std::collections::hash_map::Entry;
    let mut failing = vec![false; own.height];
    let mut first: HashMap<Key<'_>, u32, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(own.height, foldhash::fast::RandomState::default());
    for (row, cell) in own.iter().enumerate() {
        let Some(key) = key(cell) else {
            continue;
        };
        match first.entry(key) {
            Entry::Occupied(seen) => {
                failing[*seen.get() as usize] = true;
                failing[row] = true;
            }
            Entry::Vacant(slot) => {
                slot.insert(row as u32);
            }
        }
    }
    failing
}

/// The message of a failing cell: the configuration's `error`, else one naming fields by
/// their labels.
fn message(config: &Config, field: &Field, validator: &Validator) -> String {
    if let Some(error) = &validator.error {
        return error.clone();
    }
    let labels = |keys: &[String]| -> Vec<String> {
        keys.iter().map(|k| config.label(k).to_owned()).collect()
    };
    let when = |q: Quantifier, parts: Vec<String>, single: &str, plural: &str| -> String {
        match (parts.len(), q) {
            (1, _) => format!("Required when {} {single}", parts[0]),
            (_, Quantifier::Any) => format!("Required when any of: {} {plural}", parts.join(", ")),
            (_, Quantifier::All) => format!("Required when all of: {} {plural}", parts.join(", ")),
        }
    };
    let conditions = |values: &FieldValues, verb: &str| -> Vec<String> {
        values
            .iter()
            .map(|(k, vs)| {
                let shown: Vec<String> = vs.iter().map(shown).collect();
                format!("{} {verb} {}", config.label(k), shown.join(" or "))
            })
            .collect()
    };
    match &validator.rule {
        Rule::Required => "Required".to_owned(),
        Rule::RequiredWith { fields, q } => when(*q, labels(fields), "is filled", "are filled"),
        Rule::RequiredWithout { fields, q } => when(*q, labels(fields), "is empty", "are empty"),
        Rule::RequiredWithValues { values, q } => {
            let parts = conditions(values, "is");
            match (parts.len(), q) {
                (1, _) => format!("Required when {}", parts[0]),
                (_, Quantifier::Any) => format!("Required when any of: {}", parts.join(", ")),
                (_, Quantifier::All) => format!("Required when all of: {}", parts.join(", ")),
            }
        }
        Rule::RequiredWithoutValues { values, q } => match q {
            Quantifier::Any => {
                let parts = conditions(values, "is not");
                match parts.len() {
                    1 => format!("Required when {}", parts[0]),
                    _ => format!("Required when any of: {}", parts.join(", ")),
                }
            }
            Quantifier::All => format!(
                "Required when none of: {}",
                conditions(values, "is").join(", ")
            ),
        },
        Rule::Unique => "Must be unique: this value is in more than one row".to_owned(),
        Rule::Regex {
            shown, excludes, ..
        } => match (pattern_in_words(shown), *excludes) {
            (Some(words), false) => format!("Must be {words}"),
            (Some(words), true) => format!("Must not be {words}"),
            (None, false) => format!("Must match {shown}"),
            (None, true) => format!("Must not match {shown}"),
        },
        Rule::Options => {
            let mut names: Vec<String> = field.options.iter().take(8).map(shown).collect();
            if field.options.len() > 8 {
                names.push("…".to_owned());
            }
            format!("Not one of the options: {}", names.join(", "))
        }
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A whole-value pattern a person can read in words: a list of values (`/^(1|0|yes|no)$/i` is
/// "one of 1, 0, yes, no (in any case)") or digits (`/^\d{5}$/` is "5 digits"). Anything
/// else is shown as the pattern it is.
pub(crate) fn pattern_in_words(shown: &str) -> Option<String> {
    let body = shown.strip_prefix('/')?;
    let (pattern, flags) = body.rsplit_once('/')?;
    let any_case = flags.contains('i');
    let whole = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let digits = |inner: &str| -> Option<String> {
        let rest = inner
            .strip_prefix("\\d")
            .or_else(|| inner.strip_prefix("[0-9]"))?;
        match rest {
            "+" => Some("digits only".to_owned()),
            _ => {
                let n: u32 = rest.strip_prefix('{')?.strip_suffix('}')?.parse().ok()?;
                Some(format!("{n} digit{}", if n == 1 { "" } else { "s" }))
            }
        }
    };
    if let Some(words) = digits(whole) {
        return Some(words);
    }
    let inner = whole
        .strip_prefix("(?:")
        .or_else(|| whole.strip_prefix('('))
        .and_then(|w| w.strip_suffix(')'))
        .unwrap_or(whole);
    let plain = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '@');
    let values: Vec<String> = inner
        .split('|')
        // A value is plain text: letters, digits and the like, with any dot escaped (an
        // unescaped one matches any character).
        .map(|v| {
            (!v.is_empty() && v.replace("\\.", "").chars().all(plain))
                .then(|| v.replace("\\.", "."))
        })
        .collect::<Option<_>>()?;
    let case = if any_case { " (in any case)" } else { "" };
    Some(match values.as_slice() {
        [one] => format!("{one}{case}"),
        many => format!("one of {}{case}", many.join(", ")),
    })
}
