//! Why rows are invalid: importer configurations, which import each applies to, and every
//! cell's errors under it, computed once per import and configuration and kept as a derived
//! file beside the import's Parquet (`<key>.errors-<hash>.parquet`: `_row`, `rule`, `valid`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use hookgrid_frames::{IntoLazy, Typing, store};
use hookgrid_ledger::{ConfigChoice, ConfigScope, StoredConfig};
use hookgrid_rules::{Config, Problem, RuleInfo};
use polars::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::{Batch, BatchStatus, Core, Error, Hookgrid, Result, View};

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

/// The errors of one import under one configuration, as `(_row, rule)` pairs sorted by row.
#[derive(Debug)]
pub(crate) struct RowErrors {
    key: hookgrid_ledger::EventKey,
    config: (i64, String),
    rules: Vec<RuleInfo>,
    pairs: Vec<(i64, u32)>,
}

/// The last import's [`RowErrors`], so the grid's pages need no file read.
#[derive(Debug, Default)]
pub(crate) struct Explained(std::sync::Mutex<Option<std::sync::Arc<RowErrors>>>);

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
            })
    }

    /// Why the import's rows are invalid, under the configuration that applies to it; `None`
    /// when none does. The first call per import and configuration checks every cell; later
    /// ones read the derived file.
    pub fn errors(&self, batch: &Batch) -> Result<Option<ErrorSummary>> {
        let Some((stored, choice)) = self.core.ledger.config_for(batch)? else {
            return Ok(None);
        };
        let config = Config::parse(stored.body.as_bytes())
            .map_err(|e| Error::BadConfig(format!("{}: {e}", stored.name)))?;
        let errors = self.core.cell_errors(batch, &stored, &config)?;
        let rules = hookgrid_rules::rules(&config);
        let (frame, _) = self.core.frame(batch)?;
        let schema = frame
            .clone()
            .collect_schema()
            .map_err(hookgrid_frames::FramesError::from)?;
        let columns: Vec<String> = schema
            .iter_names()
            .map(|n| n.to_string())
            .filter(|n| !hookgrid_frames::META_COLUMNS.contains(&n.as_str()))
            .collect();
        summarise(
            stored.name,
            choice,
            &config,
            rules,
            &errors,
            batch,
            &columns,
        )
        .map(Some)
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
        let Some(known) = self.core.errors_by_rule(batch)? else {
            return Ok(None);
        };
        Ok(Some(
            rows.iter()
                .map(|row| {
                    let from = known.pairs.partition_point(|(r, _)| r < row);
                    known.pairs[from..]
                        .iter()
                        .take_while(|(r, _)| r == row)
                        .filter_map(|(_, rule)| known.rules.get(*rule as usize))
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
            .ok_or_else(|| Error::NoConfig {
                batch: batch.batch.clone(),
            })
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
    /// The configuration's rules and every `(_row, rule)` error, sorted by row; `None` when no
    /// configuration applies. The last import's are kept in memory.
    pub(crate) fn errors_by_rule(
        &self,
        batch: &Batch,
    ) -> Result<Option<std::sync::Arc<RowErrors>>> {
        let Some((stored, _)) = self.ledger.config_for(batch)? else {
            return Ok(None);
        };
        let version = (stored.id, stored.added_at.clone());
        let mut held = self.explained.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = held.as_ref()
            && known.key == batch.key
            && known.config == version
            && batch.status == BatchStatus::Complete
        {
            return Ok(Some(known.clone()));
        }
        let config = Config::parse(stored.body.as_bytes())
            .map_err(|e| Error::BadConfig(format!("{}: {e}", stored.name)))?;
        let df = self.cell_errors(batch, &stored, &config)?;
        let polars = |e: PolarsError| Error::Frames(e.into());
        let rows = df
            .column("_row")
            .and_then(|c| c.i64().cloned())
            .map_err(polars)?;
        let rule = df
            .column("rule")
            .and_then(|c| c.u32().cloned())
            .map_err(polars)?;
        let known = std::sync::Arc::new(RowErrors {
            key: batch.key,
            config: version,
            rules: hookgrid_rules::rules(&config),
            pairs: rows
                .into_no_null_iter()
                .zip(rule.into_no_null_iter())
                .collect(),
        });
        *held = Some(known.clone());
        Ok(Some(known))
    }

    /// Computes and keeps the errors of a complete import under the configuration that
    /// applies to it, if any (the worker, once the import's file is written).
    pub(crate) fn prepare_errors(&self, batch: &Batch) {
        let started = std::time::Instant::now();
        match self.errors_by_rule(batch) {
            Ok(None) => {}
            Ok(Some(known)) => tracing::info!(
                event = %batch.event,
                "checked {} rows: {} cell errors in {} ms",
                batch.rows(),
                known.pairs.len(),
                started.elapsed().as_millis()
            ),
            Err(e) => tracing::warn!(event = %batch.event, "cannot check the rows: {e}"),
        }
    }

    /// Each failing cell's column and message by `_row`, for a spreadsheet; `None` when no
    /// configuration applies.
    pub(crate) fn cell_marks(
        &self,
        batch: &Batch,
    ) -> Result<Option<hookgrid_frames::export::xlsx::CellMarks>> {
        let Some(known) = self.errors_by_rule(batch)? else {
            return Ok(None);
        };
        let mut marks = hookgrid_frames::export::xlsx::CellMarks::new();
        for (row, rule) in &known.pairs {
            if let Some(r) = known.rules.get(*rule as usize) {
                marks
                    .entry(*row)
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
        let known = self.errors_by_rule(batch)?.ok_or_else(|| Error::NoConfig {
            batch: batch.batch.clone(),
        })?;
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
            .pairs
            .iter()
            .filter(|(_, rule)| {
                wanted
                    .column
                    .as_ref()
                    .is_none_or(|c| rules.get(*rule as usize).is_some_and(|r| &r.column == c))
            })
            .map(|(row, _)| *row)
            .collect();
        rows.dedup();
        Ok(Some(rows))
    }

    /// Every failing cell of `batch` under `config`: `_row`, `rule`, `valid`. Read from the
    /// derived file when it is there for this configuration; else computed (and kept when the
    /// import is complete).
    pub(crate) fn cell_errors(
        &self,
        batch: &Batch,
        stored: &StoredConfig,
        config: &Config,
    ) -> Result<DataFrame> {
        let path = self.errors_path(batch, stored);
        if batch.status == BatchStatus::Complete
            && let Ok(df) = store::scan(&path).and_then(|f| Ok(f.collect()?))
        {
            return Ok(df);
        }
        let frame = hookgrid_frames::frame_with(self.parts(batch, Vec::new())?, Typing::Json)?;
        let report = hookgrid_rules::check(config, &frame);
        let valid = frame
            .column("_valid")
            .and_then(|c| c.bool().cloned())
            .map_err(hookgrid_frames::FramesError::from)?;
        let rows: Vec<i64> = report.errors.iter().map(|e| i64::from(e.row)).collect();
        let rule: Vec<u32> = report.errors.iter().map(|e| e.rule).collect();
        let flags: Vec<bool> = report
            .errors
            .iter()
            .map(|e| valid.get(e.row as usize).unwrap_or(false))
            .collect();
        let mut df = DataFrame::new(
            rows.len(),
            vec![
                Column::new("_row".into(), rows),
                Column::new("rule".into(), rule),
                Column::new("valid".into(), flags),
            ],
        )
        .map_err(hookgrid_frames::FramesError::from)?;
        if batch.status == BatchStatus::Complete {
            remove_errors_files(&self.dir.batches(), batch.key.0, Some(&path));
            store::write(&mut df, &path)?;
        }
        Ok(df)
    }

    fn errors_path(&self, batch: &Batch, stored: &StoredConfig) -> PathBuf {
        let hash = Sha256::digest(stored.body.as_bytes());
        let short: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.dir
            .batches()
            .join(format!("{}.errors-{short}.parquet", batch.key.0))
    }
}

/// Removes an import's derived errors files, all of them or all but `keep`.
pub(crate) fn remove_errors_files(dir: &Path, key: i64, keep: Option<&Path>) {
    let prefix = format!("{key}.errors-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry.file_name().to_string_lossy().starts_with(&prefix);
        if ours && keep != Some(path.as_path()) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn summarise(
    config_name: String,
    choice: ConfigChoice,
    config: &Config,
    rules: Vec<RuleInfo>,
    errors: &DataFrame,
    batch: &Batch,
    columns: &[String],
) -> Result<ErrorSummary> {
    let polars = |e: PolarsError| Error::Frames(e.into());
    let rule = errors
        .column("rule")
        .and_then(|c| c.u32().cloned())
        .map_err(polars)?;
    let mut counts = vec![0u64; rules.len()];
    for r in rule.into_no_null_iter() {
        if let Some(n) = counts.get_mut(r as usize) {
            *n += 1;
        }
    }
    let by_row = errors
        .clone()
        .lazy()
        .group_by([col("_row")])
        .agg([col("valid").first()])
        .collect()
        .map_err(polars)?;
    let valid_flags = by_row
        .column("valid")
        .and_then(|c| c.bool().cloned())
        .map_err(polars)?;
    let flagged_valid = valid_flags.sum().unwrap_or(0) as u64;
    let rows_with_errors = by_row.height() as u64;
    let explained_invalid = rows_with_errors - flagged_valid;
    let mut counted: Vec<RuleCount> = rules
        .into_iter()
        .zip(counts)
        .map(|(r, rows)| RuleCount {
            column: r.column,
            label: r.label,
            validator: r.validator,
            message: r.message,
            rows,
        })
        .collect();
    // The rules catching most rows first; equal counts keep the configuration's order.
    counted.sort_by_key(|r| std::cmp::Reverse(r.rows));
    let known: HashSet<&str> = config.fields.iter().map(|f| f.key.as_str()).collect();
    let present: HashSet<&str> = columns.iter().map(String::as_str).collect();
    Ok(ErrorSummary {
        config: config_name,
        choice,
        rules: counted,
        rows_with_errors,
        unexplained_invalid: batch.invalid.saturating_sub(explained_invalid),
        flagged_valid,
        unknown_columns: columns
            .iter()
            .filter(|c| !known.contains(c.as_str()))
            .cloned()
            .collect(),
        missing_fields: config
            .fields
            .iter()
            .filter(|f| !present.contains(f.key.as_str()))
            .map(|f| f.key.clone())
            .collect(),
        skipped: config
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
            .collect(),
    })
}
