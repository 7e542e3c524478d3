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
    /// The errors of the rows `rows` (`_row` values), row by row in the order given. Fails
    /// with [`Error::NoConfig`] when no configuration applies.
    pub fn row_errors_required(
        &self,
        batch: &Batch,
        rows: &[i64],
    ) -> Result<Vec<Vec<CellProblem>>> {
        let (rules, errors) = self
            .core
            .errors_by_rule(batch)?
            .ok_or_else(|| Error::NoConfig {
                batch: batch.batch.clone(),
            })?;
        let mut by_row: std::collections::HashMap<i64, Vec<CellProblem>> =
            std::collections::HashMap::new();
        let wanted: HashSet<i64> = rows.iter().copied().collect();
        for (row, rule) in errors {
            if wanted.contains(&row)
                && let Some(r) = rules.get(rule as usize)
            {
                by_row.entry(row).or_default().push(CellProblem {
                    column: r.column.clone(),
                    validator: r.validator.clone(),
                    message: r.message.clone(),
                });
            }
        }
        Ok(rows
            .iter()
            .map(|r| by_row.remove(r).unwrap_or_default())
            .collect())
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
    /// configuration applies.
    #[allow(clippy::type_complexity)]
    pub(crate) fn errors_by_rule(
        &self,
        batch: &Batch,
    ) -> Result<Option<(Vec<RuleInfo>, Vec<(i64, u32)>)>> {
        let Some((stored, _)) = self.ledger.config_for(batch)? else {
            return Ok(None);
        };
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
        let pairs = rows
            .into_no_null_iter()
            .zip(rule.into_no_null_iter())
            .collect();
        Ok(Some((hookgrid_rules::rules(&config), pairs)))
    }

    /// Computes and keeps the errors of a complete import under the configuration that
    /// applies to it, if any (the worker, once the import's file is written).
    pub(crate) fn prepare_errors(&self, batch: &Batch) {
        let started = std::time::Instant::now();
        match self.errors_by_rule(batch) {
            Ok(None) => {}
            Ok(Some((_, errors))) => tracing::info!(
                event = %batch.event,
                "checked {} rows: {} cell errors in {} ms",
                batch.rows(),
                errors.len(),
                started.elapsed().as_millis()
            ),
            Err(e) => tracing::warn!(event = %batch.event, "cannot check the rows: {e}"),
        }
    }

    /// The `_row`s a view's `errors` selects, when it has one.
    pub(crate) fn error_rows(&self, batch: &Batch, view: &View) -> Result<Option<Vec<i64>>> {
        let Some(wanted) = &view.errors else {
            return Ok(None);
        };
        let (rules, errors) = self.errors_by_rule(batch)?.ok_or_else(|| Error::NoConfig {
            batch: batch.batch.clone(),
        })?;
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
        let mut rows: Vec<i64> = errors
            .into_iter()
            .filter(|(_, rule)| {
                wanted
                    .column
                    .as_ref()
                    .is_none_or(|c| rules.get(*rule as usize).is_some_and(|r| &r.column == c))
            })
            .map(|(row, _)| row)
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
