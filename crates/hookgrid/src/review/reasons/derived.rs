//! Every cell's errors under a configuration: computed from the rows as sent (printed back
//! from the import's typed file when that gives them exactly, else parsed from the stored
//! bodies), kept as a derived file beside the import's Parquet (`<key>.errors-<hash>.parquet`: `_row`, `rule`,
//! `valid`; `<hash>` names the configuration's text, so a changed one is computed again), and
//! the last import's held in memory so the grid's pages read no file. A correction checks
//! again only the rows it changed (see [`super::recheck`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hookgrid_frames::{Typing, store};
use hookgrid_ledger::{ConfigChoice, EventKey, StoredConfig};
use hookgrid_rules::{Config, RuleInfo};
use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::recheck::{CheckedWith, json_schema};
use crate::{Batch, BatchStatus, Core, Error, Result};

/// One import's errors under one configuration.
#[derive(Debug)]
pub(crate) struct RowErrors {
    pub(crate) key: EventKey,
    /// [`version`] of the configuration and the corrections tag these were computed under.
    pub(crate) version: String,
    /// [`version`] of the configuration alone.
    pub(crate) config_version: String,
    /// The corrected cells the rows were checked with; `None` when they were not checked
    /// from the batch file (then a correction checks every row again).
    pub(crate) checked_with: Option<CheckedWith>,
    pub(crate) name: String,
    pub(crate) config: Config,
    /// What [`Flagged::rule`] indexes.
    pub(crate) rules: Vec<RuleInfo>,
    /// Sorted by row, then rule. Empty when the configuration does not fit and was not given
    /// to the import by hand: then nothing was checked.
    pub(crate) flagged: Vec<Flagged>,
    /// Whether the configuration fits the import's columns (see [`hookgrid_rules::fit`]).
    pub(crate) fit: hookgrid_rules::Fit,
    /// The import's data columns, as the fit was judged on.
    pub(crate) columns: Vec<String>,
}

/// What explains an import's rows.
pub(crate) enum Explanation {
    /// No configuration applies (none, or none on purpose).
    Nothing,
    /// One would apply automatically but does not fit the import: it explains nothing.
    Unfit {
        name: String,
        choice: ConfigChoice,
        reason: String,
    },
    /// The errors under the configuration that applies, and why it does.
    Known(Arc<RowErrors>, ConfigChoice),
}

/// One failing cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flagged {
    pub(crate) row: i64,
    pub(crate) rule: u32,
    /// Whether Flatfile marked the row valid.
    pub(crate) valid: bool,
}

impl RowErrors {
    /// The failing cells of row `row`.
    pub(crate) fn of_row(&self, row: i64) -> impl Iterator<Item = &RuleInfo> {
        let from = self.flagged.partition_point(|f| f.row < row);
        self.flagged[from..]
            .iter()
            .take_while(move |f| f.row == row)
            .filter_map(|f| self.rules.get(f.rule as usize))
    }
}

/// A held or computed [`RowErrors`] as what it explains: nothing when it did not fit and
/// was chosen automatically.
fn explained(known: Arc<RowErrors>, choice: ConfigChoice) -> Explanation {
    if known.fit.fits || choice == ConfigChoice::Chosen {
        return Explanation::Known(known, choice);
    }
    Explanation::Unfit {
        name: known.name.clone(),
        choice,
        reason: known.fit.reason.clone().unwrap_or_default(),
    }
}

/// The last import's [`RowErrors`].
#[derive(Debug, Default)]
pub(crate) struct Explained {
    held: Mutex<Option<Arc<RowErrors>>>,
    /// Keeps two writers of the derived file apart.
    writing: Mutex<()>,
}

/// A configuration's identity for derived files: a short hash of its text.
fn version(stored: &StoredConfig) -> String {
    Sha256::digest(stored.body.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Core {
    /// The errors of `batch` under the configuration that applies to it, and why it applies;
    /// `None` when none does, or when the one chosen automatically does not fit it.
    pub(crate) fn row_errors(
        &self,
        batch: &Batch,
    ) -> Result<Option<(Arc<RowErrors>, ConfigChoice)>> {
        Ok(match self.explanation(batch)? {
            Explanation::Known(known, choice) => Some((known, choice)),
            Explanation::Nothing | Explanation::Unfit { .. } => None,
        })
    }

    /// What explains `batch`'s rows. Held in memory, else read from the derived file, else
    /// computed. A configuration chosen automatically that does not fit the import's columns
    /// is not checked at all: its reasons would be invented.
    pub(crate) fn explanation(&self, batch: &Batch) -> Result<Explanation> {
        let Some((stored, choice)) = self.ledger.config_for(batch)? else {
            return Ok(Explanation::Nothing);
        };
        let by_hand = choice == ConfigChoice::Chosen;
        // Corrections change what the rules see: the reasons are of the corrected rows.
        let config_version = version(&stored);
        let version = format!(
            "{config_version}{}",
            self.ledger.corrections_tag(batch.key)?
        );
        let mut held = self
            .explained
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(known) = held.as_ref()
            && known.key == batch.key
            && batch.status == BatchStatus::Complete
            // Held unchecked (it did not fit), and now given by hand: check it below.
            && (known.fit.fits || !by_hand)
        {
            if known.version == version {
                return Ok(explained(known.clone(), choice));
            }
            if known.config_version == config_version {
                match self.rechecked(batch, known, &version) {
                    Ok(Some(rechecked)) => {
                        let rechecked = Arc::new(rechecked);
                        *held = Some(rechecked.clone());
                        return Ok(explained(rechecked, choice));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(
                        event = %batch.event,
                        "cannot check only the corrected rows ({e}): checking every row"
                    ),
                }
            }
        }
        let config = Config::parse(stored.body.as_bytes())
            .map_err(|e| Error::BadConfig(format!("{}: {e}", stored.name)))?;
        let columns = self.data_columns(batch)?;
        let fit = hookgrid_rules::fit(&config, &columns);
        let (flagged, checked_with) = if fit.fits || by_hand {
            self.flagged(batch, &config, &version)?
        } else {
            (Vec::new(), None)
        };
        let known = Arc::new(RowErrors {
            key: batch.key,
            flagged,
            rules: hookgrid_rules::rules(&config),
            version,
            config_version,
            checked_with,
            name: stored.name,
            config,
            fit,
            columns,
        });
        *held = Some(known.clone());
        Ok(explained(known, choice))
    }

    /// The import's data columns (its frame's, without the meta columns).
    pub(crate) fn data_columns(&self, batch: &Batch) -> Result<Vec<String>> {
        // Corrections change values, never columns.
        let (frame, _) = self.frame_as_received(batch)?;
        let schema = frame
            .clone()
            .collect_schema()
            .map_err(hookgrid_frames::FramesError::from)?;
        Ok(hookgrid_frames::data_columns(&schema))
    }

    /// Computes and keeps the errors of a complete import under the configuration that
    /// applies to it, if any (the worker, once the import's file is written).
    pub(crate) fn prepare_errors(&self, batch: &Batch) {
        let started = std::time::Instant::now();
        match self.explanation(batch) {
            Ok(Explanation::Nothing) => {}
            Ok(Explanation::Unfit { name, reason, .. }) => tracing::info!(
                event = %batch.event,
                "configuration {name} does not fit this import ({reason}): its rows are not \
                 checked against it"
            ),
            Ok(Explanation::Known(known, _)) => {
                tracing::info!(
                    event = %batch.event,
                    "checked {} rows: {} cell errors in {} ms",
                    batch.rows(),
                    known.flagged.len(),
                    started.elapsed().as_millis()
                );
                self.keep_errors(batch, &known);
            }
            Err(e) => tracing::warn!(event = %batch.event, "cannot check the rows: {e}"),
        }
    }

    /// Checks `batch` again after a correction (a thread of its own) and, once no other
    /// correction has followed for a moment, keeps the result in its derived file: writing it
    /// takes longer than the check, and a reviewer fixing cells one after another needs only
    /// the last one written.
    pub(crate) fn recheck_corrected(&self, batch: &Batch) {
        const QUIET: std::time::Duration = std::time::Duration::from_millis(1500);
        match self.explanation(batch) {
            Ok(Explanation::Known(known, _)) => {
                std::thread::sleep(QUIET);
                self.keep_errors(batch, &known);
            }
            Ok(Explanation::Nothing | Explanation::Unfit { .. }) => {}
            Err(e) => tracing::warn!(event = %batch.event, "cannot check the corrected rows: {e}"),
        }
    }

    /// Every failing cell of `batch`: read from the derived file for this configuration when
    /// it is there, else computed (and kept when the import is complete); and what they were
    /// checked with, when a correction can check only its rows.
    pub(crate) fn flagged(
        &self,
        batch: &Batch,
        config: &Config,
        version: &str,
    ) -> Result<(Vec<Flagged>, Option<CheckedWith>)> {
        // Read once: the cells checked are the cells kept beside the result.
        let cells = self.live_cells(batch)?;
        let path = self.errors_path(batch, version);
        if batch.status == BatchStatus::Complete
            && self.derived_intact(&path)
            && let Ok(df) = store::scan(&path).and_then(|f| Ok(f.collect()?))
            && let Ok(flagged) = from_frame(&df)
        {
            let checked_with = self
                .sent_file(batch, config)
                .and_then(|(file, from_text)| json_schema(&file, &from_text, &cells).ok())
                .map(|schema| CheckedWith::new(&cells, schema));
            return Ok((flagged, checked_with));
        }
        let from_file = self.json_frame_from_file(batch, config);
        let checkable = from_file.is_some();
        let frame = match from_file {
            Some(frame) => frame,
            None => hookgrid_frames::frame_with(self.parts(batch, Vec::new())?, Typing::Json)?,
        };
        // Re-checked as corrected: a fixed cell is no longer flagged, a new mistake is.
        let frame = hookgrid_frames::corrected::overlay(frame.lazy(), &cells)?
            .collect()
            .map_err(hookgrid_frames::FramesError::from)?;
        let valid = frame
            .column("_valid")
            .and_then(|c| c.bool().cloned())
            .map_err(hookgrid_frames::FramesError::from)?;
        let flagged: Vec<Flagged> = hookgrid_rules::check(config, &frame)
            .errors
            .iter()
            .map(|e| Flagged {
                row: i64::from(e.row),
                rule: e.rule,
                valid: valid.get(e.row as usize).unwrap_or(false),
            })
            .collect();
        if batch.status == BatchStatus::Complete && !self.ledger.is_read_only() {
            self.write_errors(batch, &flagged, &path)?;
        }
        let checked_with =
            checkable.then(|| CheckedWith::new(&cells, frame.schema().as_ref().clone()));
        Ok((flagged, checked_with))
    }

    fn write_errors(&self, batch: &Batch, flagged: &[Flagged], path: &Path) -> Result<()> {
        let mut df = to_frame(flagged).map_err(hookgrid_frames::FramesError::from)?;
        remove_errors_files(&self.dir.batches(), batch.key.0, Some(path));
        store::write(&mut df, path)?;
        self.derived_written(path)
    }

    /// Writes `known`'s derived file when it is still the import's latest and not written
    /// yet (rows checked again after a correction are kept off the request that asked).
    fn keep_errors(&self, batch: &Batch, known: &RowErrors) {
        if batch.status != BatchStatus::Complete || self.ledger.is_read_only() {
            return;
        }
        let _one_writer = self
            .explained
            .writing
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let path = self.errors_path(batch, &known.version);
        let latest = {
            let held = self
                .explained
                .held
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            held.as_ref()
                .is_some_and(|h| h.key == known.key && h.version == known.version)
        };
        if !latest || self.derived_intact(&path) {
            return;
        }
        if let Err(e) = self.write_errors(batch, &known.flagged, &path) {
            tracing::warn!(event = %batch.event, "cannot keep the rows' errors: {e}");
        }
    }

    /// The batch file and the columns it typed from text, when the rows as sent can be read
    /// from it exactly (see [`Core::json_frame_from_file`]).
    pub(crate) fn sent_file(
        &self,
        batch: &Batch,
        config: &Config,
    ) -> Option<(PathBuf, hookgrid_frames::FromText)> {
        if batch.status != BatchStatus::Complete
            || config.tells_empty_from_null()
            || !self.batch_file_intact(batch)
        {
            return None;
        }
        let path = self.batch_path(batch.key);
        let from_text = store::from_text(&path)?;
        Some((path, from_text))
    }

    /// The rows as sent, read from the import's typed file when it can give them back exactly
    /// (see [`hookgrid_frames::FromText`]): much faster than parsing every stored body.
    fn json_frame_from_file(&self, batch: &Batch, config: &Config) -> Option<DataFrame> {
        let (path, from_text) = self.sent_file(batch, config)?;
        let typed = store::scan(&path).ok()?.collect().ok()?;
        from_text.json_typed(typed).ok()
    }

    fn errors_path(&self, batch: &Batch, version: &str) -> PathBuf {
        self.dir
            .batches()
            .join(format!("{}.errors-{version}.parquet", batch.key.0))
    }
}

pub(crate) fn to_frame(flagged: &[Flagged]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        flagged.len(),
        vec![
            Column::new(
                "_row".into(),
                flagged.iter().map(|f| f.row).collect::<Vec<_>>(),
            ),
            Column::new(
                "rule".into(),
                flagged.iter().map(|f| f.rule).collect::<Vec<_>>(),
            ),
            Column::new(
                "valid".into(),
                flagged.iter().map(|f| f.valid).collect::<Vec<_>>(),
            ),
        ],
    )
}

fn from_frame(df: &DataFrame) -> PolarsResult<Vec<Flagged>> {
    let rows = df.column("_row")?.i64()?;
    let rules = df.column("rule")?.u32()?;
    let valid = df.column("valid")?.bool()?;
    Ok(rows
        .into_no_null_iter()
        .zip(rules.into_no_null_iter())
        .zip(valid.iter().map(|v| v.unwrap_or(false)))
        .map(|((row, rule), valid)| Flagged { row, rule, valid })
        .collect())
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
