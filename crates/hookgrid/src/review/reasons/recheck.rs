//! Checking again only what a correction changed. Every rule but `unique` judges a row by its
//! own cells, so the rows whose corrected cells changed are read from the batch file, corrected
//! and checked again, and their results take the old ones' place. A `unique` rule on a changed
//! column is judged again for every row holding a value that was or now is in a changed cell;
//! the other rows keep their result. When a change turns a column's type (the first `"n/a"` in
//! a column of numbers makes it text for every row), every row is checked again.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use hookgrid_frames::corrected::{Cell, overlay};
use hookgrid_frames::{FramesError, FromText, IntoLazy, only_rows, store};
use polars::prelude::{DataFrame, DataType, Schema, col};

use super::derived::{Flagged, RowErrors};
use crate::{Batch, Core, Result};

/// The corrected cells an import's rows were checked with, and the types the rules saw.
#[derive(Debug)]
pub(crate) struct CheckedWith {
    /// The effective corrected value of each cell, by row and column.
    cells: HashMap<(i64, String), String>,
    schema: Schema,
}

impl CheckedWith {
    /// `cells` in the order they were made (the newest of a cell wins).
    pub(crate) fn new(cells: &[Cell], schema: Schema) -> CheckedWith {
        CheckedWith {
            cells: effective(cells),
            schema,
        }
    }

    fn cells(&self) -> Vec<Cell> {
        self.cells
            .iter()
            .map(|((row, column), value)| Cell {
                row: *row,
                column: column.clone(),
                value: value.clone(),
            })
            .collect()
    }
}

fn effective(cells: &[Cell]) -> HashMap<(i64, String), String> {
    cells
        .iter()
        .map(|c| ((c.row, c.column.clone()), c.value.clone()))
        .collect()
}

/// The schema the rules see: the batch file's, its columns typed from text as text, with
/// `cells` corrected. Reads only the file's footer.
pub(crate) fn json_schema(file: &Path, from_text: &FromText, cells: &[Cell]) -> Result<Schema> {
    let mut schema = store::scan(file)?
        .collect_schema()
        .map_err(FramesError::from)?
        .as_ref()
        .clone();
    for name in &from_text.0 {
        if let Some(dtype) = schema.get_mut(name) {
            *dtype = DataType::String;
        }
    }
    let empty = DataFrame::empty_with_schema(&schema);
    Ok(overlay(empty.lazy(), cells)?
        .collect_schema()
        .map_err(FramesError::from)?
        .as_ref()
        .clone())
}

impl Core {
    /// `known` (the import's errors before its latest corrections) brought up to date by
    /// checking only what changed; `None` when every row must be checked again.
    pub(crate) fn rechecked(
        &self,
        batch: &Batch,
        known: &RowErrors,
        version: &str,
    ) -> Result<Option<RowErrors>> {
        let Some(before) = &known.checked_with else {
            return Ok(None);
        };
        let Some((file, from_text)) = self.sent_file(batch, &known.config) else {
            return Ok(None);
        };
        let live = self.live_cells(batch)?;
        let now = effective(&live);
        let changed: Vec<&(i64, String)> = now
            .iter()
            .filter(|(cell, value)| before.cells.get(*cell) != Some(*value))
            .map(|(cell, _)| cell)
            .chain(before.cells.keys().filter(|cell| !now.contains_key(*cell)))
            .collect();
        let rows: BTreeSet<i64> = changed.iter().map(|(row, _)| *row).collect();
        let columns: HashSet<&str> = changed.iter().map(|(_, column)| column.as_str()).collect();
        let rows: Vec<i64> = rows.into_iter().collect();

        // The changed rows as sent, then as they read before and after the change.
        let sent = only_rows(store::scan(&file)?, &rows)
            .collect()
            .map_err(FramesError::from)?;
        let sent = from_text.json_typed(sent)?;
        let after = overlay(sent.clone().lazy(), &live)?
            .collect()
            .map_err(FramesError::from)?;
        if after.schema().as_ref() != &before.schema {
            return Ok(None);
        }
        let row_of = after
            .column("_row")
            .and_then(|c| c.i64().cloned())
            .map_err(FramesError::from)?;
        let valid_of = after
            .column("_valid")
            .and_then(|c| c.bool().cloned())
            .map_err(FramesError::from)?;
        let mut fresh: Vec<Flagged> = hookgrid_rules::check_each_row(&known.config, &after)
            .errors
            .iter()
            .filter_map(|e| {
                Some(Flagged {
                    row: row_of.get(e.row as usize)?,
                    rule: e.rule,
                    valid: valid_of.get(e.row as usize).unwrap_or(false),
                })
            })
            .collect();
        let changed_rows: HashSet<i64> = rows.iter().copied().collect();
        let across = hookgrid_rules::across_rows(&known.config);
        // Per `unique` rule on a changed column: the rows judged again.
        let mut judged: HashMap<u32, HashSet<i64>> = HashMap::new();
        let unique_on_changed: Vec<(u32, &str)> = across
            .iter()
            .copied()
            .filter(|(_, column)| columns.contains(column))
            .collect();
        if !unique_on_changed.is_empty() {
            let before_rows = overlay(sent.lazy(), &before.cells())?
                .collect()
                .map_err(FramesError::from)?;
            for (rule, column) in unique_on_changed {
                let (whole, valid) = self.whole_column(&file, &from_text, column, &live)?;
                let values = before_rows
                    .column(column)
                    .and_then(|b| {
                        let mut values = b.clone();
                        values.append(after.column(column)?)?;
                        Ok(values)
                    })
                    .map_err(FramesError::from)?;
                let mut rows_judged = changed_rows.clone();
                for (row, repeated) in hookgrid_rules::repeats_among(&whole, &values) {
                    let row = i64::from(row);
                    rows_judged.insert(row);
                    if repeated {
                        fresh.push(Flagged {
                            row,
                            rule,
                            valid: valid.get(row as usize).copied().unwrap_or(false),
                        });
                    }
                }
                judged.insert(rule, rows_judged);
            }
        }
        let is_across = |rule: u32| across.iter().any(|(r, _)| *r == rule);
        let mut flagged: Vec<Flagged> = known
            .flagged
            .iter()
            .copied()
            .filter(|f| match judged.get(&f.rule) {
                Some(rows) => !rows.contains(&f.row),
                None => is_across(f.rule) || !changed_rows.contains(&f.row),
            })
            .chain(fresh)
            .collect();
        flagged.sort_unstable_by_key(|f| (f.row, f.rule));
        flagged.dedup_by_key(|f| (f.row, f.rule));
        tracing::debug!(
            event = %batch.event,
            "checked {} corrected rows again: {} cell errors",
            rows.len(),
            flagged.len()
        );
        Ok(Some(RowErrors {
            key: known.key,
            version: version.to_owned(),
            config_version: known.config_version.clone(),
            checked_with: Some(CheckedWith {
                cells: now,
                schema: before.schema.clone(),
            }),
            name: known.name.clone(),
            config: known.config.clone(),
            rules: known.rules.clone(),
            flagged,
            fit: known.fit.clone(),
            columns: known.columns.clone(),
        }))
    }

    /// One column of the batch file whole, as the rules see it (as sent, then corrected), in
    /// row order, and each row's `_valid`.
    fn whole_column(
        &self,
        file: &Path,
        from_text: &FromText,
        column: &str,
        live: &[Cell],
    ) -> Result<(polars::prelude::Column, Vec<bool>)> {
        let read = store::scan(file)?
            .select([col("_row"), col("_valid"), col(column)])
            .collect()
            .map_err(FramesError::from)?;
        let read = from_text.json_typed(read)?;
        let cells: Vec<Cell> = live
            .iter()
            .filter(|c| c.column == column)
            .cloned()
            .collect();
        let corrected = overlay(read.lazy(), &cells)?
            .collect()
            .map_err(FramesError::from)?;
        let valid = corrected
            .column("_valid")
            .and_then(|c| c.bool().cloned())
            .map_err(FramesError::from)?
            .iter()
            .map(|v| v.unwrap_or(false))
            .collect();
        let whole = corrected.column(column).map_err(FramesError::from)?.clone();
        Ok((whole, valid))
    }
}
