//! Why rows are invalid: importer configurations, which import each applies to, and what
//! their rules say of an import's rows (each cell's errors are in [`derived`]).

mod derived;
mod recheck;

use std::collections::HashSet;

use hookgrid_ledger::{ConfigChoice, ConfigScope, StoredConfig};
use hookgrid_rules::{Config, Problem};
use serde::Serialize;
use ts_rs::TS;

use crate::{Batch, Core, Error, Event, Hookgrid, Result, View};

pub(crate) use derived::{Explained, remove_errors_files};
use derived::{Explanation, RowErrors};

/// One validator of the configuration and how many rows it flags in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RuleCount {
    pub column: String,
    pub label: String,
    pub validator: String,
    pub message: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// A validator of the configuration that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SkippedValidator {
    pub field: String,
    pub validator: String,
    pub message: String,
}

/// Why an import's rows are invalid, by rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorSummary {
    /// The configuration's name, and why it applies to this import.
    pub config: String,
    pub choice: ConfigChoice,
    /// Every validator, the ones flagging most rows first.
    pub rules: Vec<RuleCount>,
    /// Rows with at least one error.
    #[ts(type = "number")]
    pub rows_with_errors: u64,
    /// Rows Flatfile marked invalid that no validator explains (a reason outside this
    /// configuration, e.g. a Data Hook).
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
    pub is_default: bool,
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
            is_default: self.stored.is_default,
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
    pub fn add_config(
        &self,
        name: &str,
        body: &[u8],
        scope: Option<ConfigScope>,
    ) -> Result<ConfigDetails> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::BadConfig("a configuration needs a name".to_owned()));
        }
        let config = Config::parse(body).map_err(|e| Error::BadConfig(e.to_string()))?;
        let text = std::str::from_utf8(body)
            .map_err(|_| Error::BadConfig("the configuration is not UTF-8 text".to_owned()))?;
        let stored = self.core.ledger.add_config(name, text, scope)?;
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
        let _ = self.core.events.send(Event::ConfigsChanged {});
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
    pub fn errors(&self, batch: &Batch) -> Result<Option<ErrorSummary>> {
        let (known, choice) = match self.core.explanation(batch)? {
            Explanation::Nothing => return Ok(None),
            Explanation::Unfit {
                name,
                choice,
                reason,
            } => return Ok(Some(unfit(name, choice, &reason))),
            Explanation::Known(known, choice) => (known, choice),
        };
        Ok(Some(summarise(&known, choice, batch, &known.columns)))
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

/// One error of one cell, for `rows --with-errors` and the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CellProblem {
    pub column: String,
    pub validator: String,
    pub message: String,
}

impl Hookgrid {
    /// The errors of the rows `rows` (`_row` values), row by row in the order given; `None`
    /// when no configuration applies.
    pub fn row_errors(&self, batch: &Batch, rows: &[i64]) -> Result<Option<Vec<Vec<CellProblem>>>> {
        let Some((known, _)) = self.core.row_errors(batch)? else {
            return Ok(None);
        };
        Ok(Some(
            rows.iter()
                .map(|row| {
                    known
                        .of_row(*row)
                        .map(|r| CellProblem {
                            column: r.column.clone(),
                            validator: r.validator.clone(),
                            message: r.message.clone(),
                        })
                        .collect()
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

    /// Each failing cell's column and message by `_row`, for a spreadsheet; `None` when no
    /// configuration applies.
    pub(crate) fn cell_marks(
        &self,
        batch: &Batch,
    ) -> Result<Option<hookgrid_frames::export::xlsx::CellMarks>> {
        let Some((known, _)) = self.row_errors(batch)? else {
            return Ok(None);
        };
        let mut marks = hookgrid_frames::export::xlsx::CellMarks::default();
        for f in &known.flagged {
            if let Some(r) = known.rules.get(f.rule as usize) {
                marks
                    .failing
                    .entry(f.row)
                    .or_default()
                    .push((r.column.clone(), r.message.clone()));
            }
        }
        Ok(Some(marks))
    }

    /// The `_row`s a view's `errors` selects, when it has one.
    pub(crate) fn error_rows(&self, batch: &Batch, view: &View) -> Result<Option<Vec<i64>>> {
        let Some(wanted) = &view.errors else {
            return Ok(None);
        };
        let (known, _) = self
            .row_errors(batch)?
            .ok_or_else(|| self.unexplained(batch))?;
        let rules = &known.rules;
        if let Some(column) = &wanted.column
            && !rules.iter().any(|r| &r.column == column)
        {
            return Err(Error::Frames(hookgrid_frames::FramesError::UnknownColumn {
                name: column.clone(),
                available: rules
                    .iter()
                    .map(|r| r.column.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", "),
            }));
        }
        let mut rows: Vec<i64> = known
            .flagged
            .iter()
            .filter(|f| {
                wanted
                    .column
                    .as_ref()
                    .is_none_or(|c| rules.get(f.rule as usize).is_some_and(|r| &r.column == c))
            })
            .map(|f| f.row)
            .collect();
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
        config: name,
        choice,
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

fn summarise(
    known: &RowErrors,
    choice: ConfigChoice,
    batch: &Batch,
    columns: &[String],
) -> ErrorSummary {
    let mut counts = vec![0u64; known.rules.len()];
    let (mut rows_with_errors, mut flagged_valid) = (0u64, 0u64);
    let mut last = None;
    for f in &known.flagged {
        if let Some(n) = counts.get_mut(f.rule as usize) {
            *n += 1;
        }
        if last != Some(f.row) {
            last = Some(f.row);
            rows_with_errors += 1;
            flagged_valid += u64::from(f.valid);
        }
    }
    let mut counted: Vec<RuleCount> = known
        .rules
        .iter()
        .zip(counts)
        .map(|(r, rows)| RuleCount {
            column: r.column.clone(),
            label: r.label.clone(),
            validator: r.validator.clone(),
            message: r.message.clone(),
            rows,
        })
        .collect();
    // The rules catching most rows first; equal counts keep the configuration's order.
    counted.sort_by_key(|r| std::cmp::Reverse(r.rows));
    let config = &known.config;
    let fields: HashSet<&str> = config.fields.iter().map(|f| f.key.as_str()).collect();
    let present: HashSet<&str> = columns.iter().map(String::as_str).collect();
    ErrorSummary {
        config: known.name.clone(),
        choice,
        rules: counted,
        rows_with_errors,
        unexplained_invalid: batch
            .invalid
            .saturating_sub(rows_with_errors - flagged_valid),
        flagged_valid,
        unknown_columns: columns
            .iter()
            .filter(|c| !fields.contains(c.as_str()))
            .cloned()
            .collect(),
        missing_fields: config
            .fields
            .iter()
            .filter(|f| !present.contains(f.key.as_str()))
            .map(|f| f.key.clone())
            .collect(),
        skipped: skipped(config),
        fits: known.fit.fits,
        does_not_fit: known.fit.reason.as_ref().map(|r| {
            format!(
                "configuration {} does not fit this import: {r} (applied because it was given \
                 to this import)",
                known.name
            )
        }),
    }
}
