//! Why rows are invalid: importer configurations, which import each applies to, and what
//! their rules say of an import's rows (each cell's errors are in [`derived`]).

mod derived;
mod flatfile;
mod recheck;

use std::collections::HashSet;

use hookgrid_ledger::{ConfigChoice, ConfigScope, StoredConfig};
use hookgrid_rules::{Config, Problem};
use serde::Serialize;
use ts_rs::TS;

use crate::{Batch, Core, Error, Event, Hookgrid, Result, View};

pub(crate) use derived::{Explained, remove_errors_files};
use derived::{Explanation, Flagged, RowErrors};
pub(crate) use flatfile::HeldMessages;
use flatfile::SheetMessages;
pub use hookgrid_flatfile::workbook::Level;

/// Where a reason comes from: Flatfile's own message on the cell (a Flatfile Platform sheet),
/// or a rule of the importer configuration attached here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Source {
    Flatfile,
    Configuration,
}

/// One validator of the configuration, or one message of Flatfile's on a field, and how many
/// rows it flags in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RuleCount {
    pub column: String,
    pub label: String,
    /// The validator's name; for Flatfile's messages, their `source` (else `flatfile`).
    pub validator: String,
    pub message: String,
    #[ts(type = "number")]
    pub rows: u64,
    pub source: Source,
    /// A configuration's rules are errors; Flatfile's messages are `error`, `warn` or `info`,
    /// and only an error makes a row invalid.
    pub level: Level,
}

/// A validator of the configuration that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SkippedValidator {
    pub field: String,
    pub validator: String,
    pub message: String,
}

/// Why an import's rows are invalid, by rule: the configuration's, and on a Flatfile Platform
/// sheet Flatfile's own messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorSummary {
    /// The configuration's name, and why it applies to this import; `null` for a sheet that
    /// only Flatfile's messages explain.
    pub config: Option<String>,
    pub choice: Option<ConfigChoice>,
    /// Every validator and message, errors first, the ones flagging most rows first.
    pub rules: Vec<RuleCount>,
    /// Rows with at least one error (warnings and notes aside).
    #[ts(type = "number")]
    pub rows_with_errors: u64,
    /// Rows Flatfile marked invalid that nothing explains: no validator flags them and Flatfile
    /// sent no error message on them (a reason outside this configuration, e.g. a Data Hook).
    #[ts(type = "number")]
    pub unexplained_invalid: u64,
    /// Rows Flatfile marked valid that a validator flags (the configuration may have changed).
    #[ts(type = "number")]
    pub flagged_valid: u64,
    /// Columns in the rows that the configuration does not know (custom columns).
    pub unknown_columns: Vec<String>,
    /// Fields of the configuration that no row has.
    pub missing_fields: Vec<String>,
    pub skipped: Vec<SkippedValidator>,
    /// Whether the configuration fits the import's columns. One chosen automatically that
    /// does not is not applied (`rules` empty, nothing flagged); one given to the import by
    /// hand (`choice` `chosen`) applies anyway.
    pub fits: bool,
    /// Why it does not fit, as a sentence ("configuration contacts does not fit this import:
    /// none of its fields are here").
    pub does_not_fit: Option<String>,
}

/// A configuration as stored, with what was read from it.
#[derive(Debug, Clone)]
pub struct ConfigDetails {
    pub stored: StoredConfig,
    pub config: Config,
}

/// A field of a configuration, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    /// `string`, `checkbox` or `select`.
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub kind: String,
    /// The validators' names, in order (`select` for a select field's options).
    pub validators: Vec<String>,
}

/// A configuration as `schema show --json` and the app's Schemas view show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ConfigView {
    pub name: String,
    #[ts(type = "number | null")]
    pub for_schema: Option<i64>,
    /// For Flatfile Platform sheets with this slug.
    pub for_sheet: Option<String>,
    pub is_default: bool,
    /// Whether the cells it rejects are sent back to Flatfile.
    pub send_back: bool,
    pub added_at: String,
    pub fields: Vec<FieldView>,
    pub skipped: Vec<SkippedValidator>,
    /// The configuration as it was saved (JSON), to edit it.
    pub body: String,
}

impl ConfigDetails {
    /// What is shown of it.
    pub fn view(&self) -> ConfigView {
        ConfigView {
            name: self.stored.name.clone(),
            for_schema: self.stored.for_schema,
            for_sheet: self.stored.for_sheet.clone(),
            is_default: self.stored.is_default,
            send_back: self.stored.send_back,
            added_at: self.stored.added_at.clone(),
            fields: self
                .config
                .fields
                .iter()
                .map(|f| FieldView {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    kind: match f.kind {
                        hookgrid_rules::FieldKind::String => "string",
                        hookgrid_rules::FieldKind::Checkbox => "checkbox",
                        hookgrid_rules::FieldKind::Select => "select",
                    }
                    .to_owned(),
                    validators: f.validators.iter().map(|v| v.name.clone()).collect(),
                })
                .collect(),
            skipped: skipped(&self.config),
            body: self.stored.body.clone(),
        }
    }
}

fn skipped(config: &Config) -> Vec<SkippedValidator> {
    config
        .problems
        .iter()
        .map(
            |Problem {
                 field,
                 validator,
                 message,
             }| SkippedValidator {
                field: field.clone(),
                validator: validator.clone(),
                message: message.clone(),
            },
        )
        .collect()
}

impl Hookgrid {
    /// Adds an importer configuration (the settings object or its `fields` array), or replaces
    /// the one with that name. Refused, and nothing stored, when it is not a configuration.
    /// With `send_back` true, a Flatfile Platform workbook's submit is answered with the cells
    /// it rejects (see [`crate::intake::sendback`]); `None` keeps what a replaced one had.
    pub fn add_config(
        &self,
        name: &str,
        body: &[u8],
        scope: Option<ConfigScope>,
        send_back: Option<bool>,
    ) -> Result<ConfigDetails> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::BadConfig("a configuration needs a name".to_owned()));
        }
        let config = Config::parse(body).map_err(|e| Error::BadConfig(e.to_string()))?;
        let text = std::str::from_utf8(body)
            .map_err(|_| Error::BadConfig("the configuration is not UTF-8 text".to_owned()))?;
        if let Some(ConfigScope::Sheet(slug)) = &scope
            && slug.trim().is_empty()
        {
            return Err(Error::BadConfig(
                "a sheet's slug must not be empty".to_owned(),
            ));
        }
        let stored = self.core.ledger.add_config(name, text, scope, send_back)?;
        self.configs_changed();
        Ok(ConfigDetails { stored, config })
    }

    /// Every configuration, by name.
    pub fn configs(&self) -> Result<Vec<StoredConfig>> {
        Ok(self.core.ledger.configs()?)
    }

    /// The configuration named `name`, read.
    pub fn config(&self, name: &str) -> Result<ConfigDetails> {
        let stored = self
            .core
            .ledger
            .config(name)?
            .ok_or_else(|| Error::NoSuchConfig(name.to_owned()))?;
        let config =
            Config::parse(stored.body.as_bytes()).map_err(|e| Error::BadConfig(e.to_string()))?;
        Ok(ConfigDetails { stored, config })
    }

    /// Removes a configuration.
    pub fn remove_config(&self, name: &str) -> Result<()> {
        if self.core.ledger.remove_config(name)? {
            self.configs_changed();
            Ok(())
        } else {
            Err(Error::NoSuchConfig(name.to_owned()))
        }
    }

    /// Gives the configuration `name` to one import (`None`: back to the automatic choice).
    pub fn use_config(&self, batch: &Batch, name: Option<&str>) -> Result<()> {
        self.core
            .ledger
            .use_config(batch.key, name)
            .map_err(|e| match e {
                hookgrid_ledger::LedgerError::NoSuchConfig(n) => Error::NoSuchConfig(n),
                other => Error::Ledger(other),
            })?;
        self.configs_changed();
        Ok(())
    }

    /// Tells every window that which configuration explains which import may have changed.
    fn configs_changed(&self) {
        self.core.events.send(Event::ConfigsChanged {});
    }

    /// Every configuration, read, as shown.
    pub fn config_views(&self) -> Result<Vec<ConfigView>> {
        self.configs()?
            .iter()
            .map(|c| self.config(&c.name).map(|d| d.view()))
            .collect()
    }

    /// Why the import's rows are invalid, under the configuration that applies to it; `None`
    /// when none does. The first call per import and configuration checks every cell; later
    /// ones read the derived file.
    /// On a Flatfile Platform sheet, Flatfile's own messages are reasons too, with or without
    /// a configuration.
    pub fn errors(&self, batch: &Batch) -> Result<Option<ErrorSummary>> {
        let sheet = self.core.sheet_messages(batch)?;
        let config = match self.core.explanation(batch)? {
            Explanation::Nothing => None,
            Explanation::Unfit {
                name,
                choice,
                reason,
            } => {
                let mut summary = unfit(name, choice, &reason);
                if let Some(sheet) = &sheet {
                    // Flatfile's messages still explain what they explain.
                    let explained = summarise(None, Some(sheet), batch);
                    summary.rules = explained.rules;
                    summary.rows_with_errors = explained.rows_with_errors;
                    summary.unexplained_invalid = explained.unexplained_invalid;
                }
                return Ok(Some(summary));
            }
            Explanation::Known(known, choice) => Some((known, choice)),
        };
        if config.is_none() && sheet.is_none() {
            return Ok(None);
        }
        Ok(Some(summarise(
            config.as_ref().map(|(k, c)| (k.as_ref(), *c)),
            sheet.as_deref(),
            batch,
        )))
    }

    /// Gives one import no configuration on purpose: none applies to it automatically
    /// ([`Hookgrid::use_config`] with a name, or with `None` for the automatic choice, undoes it).
    pub fn use_no_config(&self, batch: &Batch) -> Result<()> {
        self.core.ledger.use_no_config(batch.key)?;
        self.configs_changed();
        Ok(())
    }

    /// The configuration given to the import by hand, if one was.
    pub fn chosen_config(&self, batch: &Batch) -> Result<Option<String>> {
        Ok(self.core.ledger.chosen_config(batch.key)?)
    }

    /// Whether the import was given no configuration on purpose.
    pub fn has_no_config(&self, batch: &Batch) -> Result<bool> {
        Ok(self.core.ledger.has_no_config(batch.key)?)
    }
}

/// One reason on one cell, for `rows --with-errors` and the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CellProblem {
    pub column: String,
    pub validator: String,
    pub message: String,
    pub source: Source,
    pub level: Level,
}

impl CellProblem {
    fn of_rule(r: &hookgrid_rules::RuleInfo) -> CellProblem {
        CellProblem {
            column: r.column.clone(),
            validator: r.validator.clone(),
            message: r.message.clone(),
            source: Source::Configuration,
            level: Level::Error,
        }
    }

    fn of_message(m: &flatfile::MessageRule) -> CellProblem {
        CellProblem {
            column: m.column.clone(),
            validator: m.validator().to_owned(),
            message: m.text().to_owned(),
            source: Source::Flatfile,
            level: m.level,
        }
    }
}

impl Hookgrid {
    /// The reasons on the rows `rows` (`_row` values), row by row in the order given: the
    /// configuration's, then Flatfile's own; `None` when neither applies.
    pub fn row_errors(&self, batch: &Batch, rows: &[i64]) -> Result<Option<Vec<Vec<CellProblem>>>> {
        let known = self.core.row_errors(batch)?;
        let sheet = self.core.sheet_messages(batch)?;
        if known.is_none() && sheet.is_none() {
            return Ok(None);
        }
        Ok(Some(
            rows.iter()
                .map(|row| {
                    let mut problems: Vec<CellProblem> = known
                        .iter()
                        .flat_map(|(k, _)| k.of_row(*row).map(CellProblem::of_rule))
                        .collect();
                    if let Some(sheet) = &sheet {
                        problems.extend(sheet.of_row(*row).map(CellProblem::of_message));
                    }
                    problems
                })
                .collect(),
        ))
    }

    /// [`Hookgrid::row_errors`], failing with [`Error::NoConfig`] when no configuration
    /// applies.
    pub fn row_errors_required(
        &self,
        batch: &Batch,
        rows: &[i64],
    ) -> Result<Vec<Vec<CellProblem>>> {
        self.row_errors(batch, rows)?
            .ok_or_else(|| self.core.unexplained(batch))
    }
}

/// `email: Must be a valid email address; plan: Not one of the options: …`, the text form of
/// a row's errors in files.
pub(crate) fn errors_text(problems: &[CellProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.column, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Core {
    /// The error for reasons asked of an import that nothing explains: none applies, or the
    /// one that would does not fit it.
    pub(crate) fn unexplained(&self, batch: &Batch) -> Error {
        match self.explanation(batch) {
            Ok(Explanation::Unfit { name, reason, .. }) => Error::DoesNotFit {
                batch: batch.batch.clone(),
                config: name,
                reason,
            },
            _ => Error::NoConfig {
                batch: batch.batch.clone(),
            },
        }
    }

    /// Each failing cell's column and message by `_row`, for a spreadsheet (Flatfile's
    /// warnings and notes as notes that leave the cell's colour); `None` when nothing explains
    /// the import.
    pub(crate) fn cell_marks(
        &self,
        batch: &Batch,
    ) -> Result<Option<hookgrid_frames::export::xlsx::CellMarks>> {
        let known = self.row_errors(batch)?;
        let sheet = self.sheet_messages(batch)?;
        if known.is_none() && sheet.is_none() {
            return Ok(None);
        }
        let mut marks = hookgrid_frames::export::xlsx::CellMarks::default();
        if let Some((known, _)) = &known {
            for f in &known.flagged {
                if let Some(r) = known.rules.get(f.rule as usize) {
                    marks
                        .failing
                        .entry(f.row)
                        .or_default()
                        .push((r.column.clone(), r.message.clone()));
                }
            }
        }
        if let Some(sheet) = &sheet {
            for f in &sheet.flagged {
                let Some(m) = sheet.rules.get(f.rule as usize) else {
                    continue;
                };
                let (marked, text) = match m.level {
                    Level::Error => (&mut marks.failing, m.text().to_owned()),
                    Level::Warn => (&mut marks.notes, format!("Warning: {}", m.text())),
                    Level::Info => (&mut marks.notes, format!("Note: {}", m.text())),
                };
                marked
                    .entry(f.row)
                    .or_default()
                    .push((m.column.clone(), text));
            }
        }
        Ok(Some(marks))
    }

    /// The `_row`s a view's `errors` selects, when it has one.
    pub(crate) fn error_rows(&self, batch: &Batch, view: &View) -> Result<Option<Vec<i64>>> {
        let Some(wanted) = &view.errors else {
            return Ok(None);
        };
        let known = self.row_errors(batch)?;
        let sheet = self.sheet_messages(batch)?;
        if known.is_none() && sheet.is_none() {
            return Err(self.unexplained(batch));
        }
        let rules = known
            .as_ref()
            .map(|(k, _)| k.rules.as_slice())
            .unwrap_or_default();
        // Only errors select rows: Flatfile's warnings and notes do not make a row invalid.
        let messages = sheet
            .as_ref()
            .map(|s| s.rules.as_slice())
            .unwrap_or_default();
        let columns: std::collections::BTreeSet<&str> = rules
            .iter()
            .map(|r| r.column.as_str())
            .chain(messages.iter().map(|m| m.column.as_str()))
            .collect();
        if let Some(column) = &wanted.column
            && !columns.contains(column.as_str())
        {
            return Err(Error::Frames(hookgrid_frames::FramesError::UnknownColumn {
                name: column.clone(),
                available: columns.into_iter().collect::<Vec<_>>().join(", "),
            }));
        }
        let in_column = |column: &str| wanted.column.as_deref().is_none_or(|c| c == column);
        let mut rows: Vec<i64> = known
            .iter()
            .flat_map(|(k, _)| k.flagged.iter())
            .filter(|f| {
                rules
                    .get(f.rule as usize)
                    .is_some_and(|r| in_column(&r.column))
            })
            .map(|f| f.row)
            .collect();
        if let Some(sheet) = &sheet {
            rows.extend(
                sheet
                    .flagged
                    .iter()
                    .filter(|f| {
                        messages
                            .get(f.rule as usize)
                            .is_some_and(|m| m.level == Level::Error && in_column(&m.column))
                    })
                    .map(|f| f.row),
            );
            rows.sort_unstable();
        }
        rows.dedup();
        Ok(Some(rows))
    }
}

/// The summary of an import's errors: rows per rule, and what the rules do not explain.
/// The summary of a configuration that would apply but does not fit: nothing explained.
fn unfit(name: String, choice: ConfigChoice, reason: &str) -> ErrorSummary {
    ErrorSummary {
        does_not_fit: Some(format!(
            "configuration {name} does not fit this import: {reason}"
        )),
        config: Some(name),
        choice: Some(choice),
        rules: Vec::new(),
        rows_with_errors: 0,
        unexplained_invalid: 0,
        flagged_valid: 0,
        unknown_columns: Vec::new(),
        missing_fields: Vec::new(),
        skipped: Vec::new(),
        fits: false,
    }
}

/// How many rows the cells of `a` and `b` (each in row order) fall in, and how many of those
/// Flatfile marked valid: one pass, nothing collected (a million-row import has as many
/// failing cells, and the strip's counts are asked again after every correction).
fn rows_counted<'a>(
    a: impl Iterator<Item = &'a Flagged>,
    b: impl Iterator<Item = &'a Flagged>,
) -> (u64, u64) {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    let (mut rows, mut valid, mut last) = (0, 0, None);
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.row < x.row => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        let Some(f) = next else { break };
        if last != Some(f.row) {
            rows += 1;
            valid += u64::from(f.valid);
            last = Some(f.row);
        }
    }
    (rows, valid)
}

/// The summary of what explains an import: the configuration that applies (when one does)
/// and Flatfile's own messages (on a Flatfile Platform sheet).
fn summarise(
    config: Option<(&RowErrors, ConfigChoice)>,
    sheet: Option<&SheetMessages>,
    batch: &Batch,
) -> ErrorSummary {
    let mut counted: Vec<RuleCount> = Vec::new();
    if let Some((known, _)) = config {
        let mut counts = vec![0u64; known.rules.len()];
        for f in &known.flagged {
            if let Some(n) = counts.get_mut(f.rule as usize) {
                *n += 1;
            }
        }
        counted.extend(known.rules.iter().zip(counts).map(|(r, rows)| RuleCount {
            column: r.column.clone(),
            label: r.label.clone(),
            validator: r.validator.clone(),
            message: r.message.clone(),
            rows,
            source: Source::Configuration,
            level: Level::Error,
        }));
    }
    if let Some(sheet) = sheet {
        let mut counts = vec![0u64; sheet.rules.len()];
        for f in &sheet.flagged {
            if let Some(n) = counts.get_mut(f.rule as usize) {
                *n += 1;
            }
        }
        counted.extend(sheet.rules.iter().zip(counts).map(|(m, rows)| RuleCount {
            column: m.column.clone(),
            label: m.label.clone(),
            validator: m.validator().to_owned(),
            message: m.text().to_owned(),
            rows,
            source: Source::Flatfile,
            level: m.level,
        }));
    }
    // Errors first, then the rules catching most rows; equal counts keep their order (the
    // configuration's, then Flatfile's).
    counted.sort_by_key(|r| (r.level, std::cmp::Reverse(r.rows)));

    // The rows with an error, and the rows whose invalidity something explains: the
    // configuration's flags, and Flatfile's errors (those with a message, for the latter).
    let config_flags = config
        .map(|(k, _)| k.flagged.as_slice())
        .unwrap_or_default();
    let sheet_errors = |explaining: bool| {
        sheet.into_iter().flat_map(move |s| {
            s.flagged.iter().filter(move |f| {
                s.rules
                    .get(f.rule as usize)
                    .is_some_and(|m| m.level == Level::Error && (!explaining || m.explains()))
            })
        })
    };
    let (with_errors, _) = rows_counted(config_flags.iter(), sheet_errors(false));
    let (explained, explained_valid) = rows_counted(config_flags.iter(), sheet_errors(true));
    let explained_invalid = explained - explained_valid;
    let (_, flagged_valid) = rows_counted(config_flags.iter(), std::iter::empty());

    let (unknown_columns, missing_fields, skipped_validators) = match config {
        Some((known, _)) => {
            let fields: HashSet<&str> =
                known.config.fields.iter().map(|f| f.key.as_str()).collect();
            let present: HashSet<&str> = known.columns.iter().map(String::as_str).collect();
            (
                known
                    .columns
                    .iter()
                    .filter(|c| !fields.contains(c.as_str()))
                    .cloned()
                    .collect(),
                known
                    .config
                    .fields
                    .iter()
                    .filter(|f| !present.contains(f.key.as_str()))
                    .map(|f| f.key.clone())
                    .collect(),
                skipped(&known.config),
            )
        }
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    ErrorSummary {
        config: config.map(|(k, _)| k.name.clone()),
        choice: config.map(|(_, c)| c),
        rules: counted,
        rows_with_errors: with_errors,
        unexplained_invalid: batch.invalid.saturating_sub(explained_invalid),
        flagged_valid,
        unknown_columns,
        missing_fields,
        skipped: skipped_validators,
        fits: config.is_none_or(|(k, _)| k.fit.fits),
        does_not_fit: config.and_then(|(known, _)| {
            known.fit.reason.as_ref().map(|r| {
                format!(
                    "configuration {} does not fit this import: {r} (applied because it was \
                     given to this import)",
                    known.name
                )
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::{Flagged, rows_counted};

    #[test]
    fn rows_are_counted_once_across_both_lists_of_cells() {
        let cells = |list: &[(i64, bool)]| -> Vec<Flagged> {
            list.iter()
                .map(|&(row, valid)| Flagged {
                    row,
                    rule: 0,
                    valid,
                })
                .collect()
        };
        let config = cells(&[(1, false), (1, false), (4, true), (9, false)]);
        let sheet = cells(&[(0, false), (4, true), (5, true), (9, false), (12, false)]);
        assert_eq!(rows_counted(config.iter(), sheet.iter()), (6, 2));
        assert_eq!(rows_counted(config.iter(), std::iter::empty()), (3, 1));
        assert_eq!(rows_counted(std::iter::empty(), sheet.iter()), (5, 2));
        assert_eq!(rows_counted(std::iter::empty(), std::iter::empty()), (0, 0));
    }
}
