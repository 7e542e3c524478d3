//! Checking again only what a correction changed. Every rule but `unique` judges a row by its
//! own cells, so the rows whose corrected cells changed are read from the batch file, corrected
//! and checked again, and their results take the old ones' place. A `unique` rule on a changed
//! column is judged again for every row holding a value that was or now is in a changed cell;
//! the other rows keep their result. When a change turns a column's type (the first `"n/a"` in
//! a column of numbers makes it text for every row), every row is checked again.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use hookgrid_frames::corrected::{Cell, overlay, overlay_rows};
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
    /// Columns a `unique` rule reads, whole and as sent (with each row's `_valid`), once read:
    /// what was sent never changes, so every later version of these errors shares them.
    sent_columns: Arc<Mutex<HashMap<String, SentColumn>>>,
}

/// A column as sent, whole, each row's `_valid`, and where each of its values is (built with
/// the column, so a correction finds the rows holding a value without reading them all).
type SentColumn = Arc<(
    polars::prelude::Column,
    Vec<bool>,
    hookgrid_rules::ValueIndex,
)>;

impl CheckedWith {
    /// `cells` in the order they were made (the newest of a cell wins).
    pub(crate) fn new(cells: &[Cell], schema: Schema) -> CheckedWith {
        CheckedWith {
            cells: effective(cells),
            schema,
            sent_columns: Arc::default(),
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
        // Only the columns the rules read: a row group of every column costs several times as
        // much to read.
        let read: Vec<&str> = hookgrid_rules::columns_read(&known.config)
            .into_iter()
            .filter(|c| before.schema.get(c).is_some())
            .collect();
        let selected = ["_row", "_valid"].into_iter().chain(read.iter().copied());
        let sent = only_rows(store::scan(&file)?, &rows)
            .select(selected.map(col).collect::<Vec<_>>())
            .collect()
            .map_err(FramesError::from)?;
        let sent = from_text.json_typed(sent)?;
        let live: Vec<Cell> = live
            .into_iter()
            .filter(|c| read.contains(&c.column.as_str()))
            .collect();
        let only: HashSet<i64> = rows.iter().copied().collect();
        let after = overlay_rows(sent.clone().lazy(), &live, Some(&only))?
            .collect()
            .map_err(FramesError::from)?;
        let same_types = after
            .schema()
            .iter()
            .all(|(name, dtype)| before.schema.get(name) == Some(dtype));
        if !same_types {
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
        let changed_rows = &only;
        let across = hookgrid_rules::across_rows(&known.config);
        // Per `unique` rule on a changed column: the rows judged again.
        let mut judged: HashMap<u32, HashSet<i64>> = HashMap::new();
        let unique_on_changed: Vec<(u32, &str)> = across
            .iter()
            .copied()
            .filter(|(_, column)| columns.contains(column))
            .collect();
        if !unique_on_changed.is_empty() {
            let before_cells: Vec<Cell> = before
                .cells()
                .into_iter()
                .filter(|c| read.contains(&c.column.as_str()))
                .collect();
            let before_rows = overlay_rows(sent.lazy(), &before_cells, Some(&only))?
                .collect()
                .map_err(FramesError::from)?;
            for (rule, column) in unique_on_changed {
                let sent_column = sent_column(&before.sent_columns, &file, &from_text, column)?;
                let (sent, valid, index) = sent_column.as_ref();
                let dtype = after
                    .column(column)
                    .map_err(FramesError::from)?
                    .dtype()
                    .clone();
                // A column made text by a correction compares its sent values as text too (and
                // its index, of the values as typed, no longer applies).
                let indexed = sent.dtype() == &dtype;
                let sent = if indexed {
                    sent.clone()
                } else {
                    sent.cast(&dtype).map_err(FramesError::from)?
                };
                let (replaced_rows, replaced) = corrected_cells(&sent, column, &live)?;
                let values = before_rows
                    .column(column)
                    .and_then(|b| {
                        let mut values = b.clone();
                        values.append(after.column(column)?)?;
                        Ok(values)
                    })
                    .map_err(FramesError::from)?;
                let mut rows_judged = changed_rows.clone();
                let repeats = if indexed {
                    hookgrid_rules::repeats_among_indexed(
                        &sent,
                        index,
                        &replaced_rows,
                        &replaced,
                        &values,
                    )
                } else {
                    hookgrid_rules::repeats_among(&sent, &replaced_rows, &replaced, &values)
                };
                for (row, repeated) in repeats {
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
        let keep = |f: &Flagged| match judged.get(&f.rule) {
            Some(rows) => !rows.contains(&f.row),
            None => is_across(f.rule) || !changed_rows.contains(&f.row),
        };
        // Every row whose old results `keep` may drop.
        let touched: BTreeSet<i64> = changed_rows
            .iter()
            .chain(judged.values().flatten())
            .copied()
            .collect();
        let flagged = merged(&known.flagged, &touched, keep, fresh);
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
                sent_columns: before.sent_columns.clone(),
            }),
            name: known.name.clone(),
            config: known.config.clone(),
            rules: known.rules.clone(),
            flagged,
            fit: known.fit.clone(),
            columns: known.columns.clone(),
        }))
    }
}

/// `column` of the batch file whole and as sent, from `cache` once read.
fn sent_column(
    cache: &Mutex<HashMap<String, SentColumn>>,
    file: &Path,
    from_text: &FromText,
    column: &str,
) -> Result<SentColumn> {
    if let Some(held) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(column) {
        return Ok(held.clone());
    }
    let read = store::scan(file)?
        .select([col("_row"), col("_valid"), col(column)])
        .collect()
        .map_err(FramesError::from)?;
    let read = from_text.json_typed(read)?;
    let valid = read
        .column("_valid")
        .and_then(|c| c.bool().cloned())
        .map_err(FramesError::from)?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    let sent = read.column(column).map_err(FramesError::from)?.clone();
    let index = hookgrid_rules::ValueIndex::new(&sent);
    let sent: SentColumn = Arc::new((sent, valid, index));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(column.to_owned(), sent.clone());
    Ok(sent)
}

/// The corrected cells of `column` (whole, as sent): their rows and their values as the rules
/// see them, typed as the corrected column is.
fn corrected_cells(
    sent: &polars::prelude::Column,
    column: &str,
    live: &[Cell],
) -> Result<(Vec<u32>, polars::prelude::Column)> {
    let cells: Vec<Cell> = live
        .iter()
        .filter(|c| c.column == column)
        .cloned()
        .collect();
    let rows: BTreeSet<u32> = cells
        .iter()
        .filter_map(|c| u32::try_from(c.row).ok())
        .filter(|r| (*r as usize) < sent.len())
        .collect();
    let rows: Vec<u32> = rows.into_iter().collect();
    let at = polars::prelude::IdxCa::from_vec("at".into(), rows.clone());
    let values = sent.take(&at).map_err(FramesError::from)?;
    let row_numbers = polars::prelude::Column::new(
        "_row".into(),
        rows.iter().map(|r| i64::from(*r)).collect::<Vec<i64>>(),
    );
    let frame = DataFrame::new(rows.len(), vec![row_numbers, values]).map_err(FramesError::from)?;
    let corrected = overlay(frame.lazy(), &cells)?
        .collect()
        .map_err(FramesError::from)?;
    let replaced = corrected.column(column).map_err(FramesError::from)?.clone();
    Ok((rows, replaced))
}

/// `known` (failing cells in (row, rule) order) with the cells of `touched` rows that `keep`
/// refuses left out and `fresh` (failing cells of rows checked again) put in, in (row, rule)
/// order; a cell in both is kept once, as `fresh` has it. The stretches between touched rows
/// are copied whole: a correction touches a handful of a million rows, and a lookup per cell
/// cost more than the check itself.
fn merged(
    known: &[Flagged],
    touched: &BTreeSet<i64>,
    keep: impl Fn(&Flagged) -> bool,
    mut fresh: Vec<Flagged>,
) -> Vec<Flagged> {
    fresh.sort_unstable_by_key(|f| (f.row, f.rule));
    fresh.dedup_by_key(|f| (f.row, f.rule));
    let rows: BTreeSet<i64> = touched
        .iter()
        .copied()
        .chain(fresh.iter().map(|f| f.row))
        .collect();
    let mut out = Vec::with_capacity(known.len() + fresh.len());
    let (mut from, mut fresh_from) = (0, 0);
    for row in rows {
        let lo = from + known[from..].partition_point(|f| f.row < row);
        let hi = lo + known[lo..].partition_point(|f| f.row == row);
        out.extend_from_slice(&known[from..lo]);
        let fresh_to = fresh_from + fresh[fresh_from..].partition_point(|f| f.row == row);
        let new = &fresh[fresh_from..fresh_to];
        let start = out.len();
        out.extend(
            known[lo..hi]
                .iter()
                .filter(|f| keep(f) && !new.iter().any(|n| n.rule == f.rule))
                .copied(),
        );
        out.extend_from_slice(new);
        out[start..].sort_unstable_by_key(|f| f.rule);
        (from, fresh_from) = (hi, fresh_to);
    }
    out.extend_from_slice(&known[from..]);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::merged;
    use crate::review::reasons::derived::Flagged;

    fn cells(list: &[(i64, u32)]) -> Vec<Flagged> {
        list.iter()
            .map(|&(row, rule)| Flagged {
                row,
                rule,
                valid: row % 2 == 0,
            })
            .collect()
    }

    fn pairs(list: &[Flagged]) -> Vec<(i64, u32)> {
        list.iter().map(|f| (f.row, f.rule)).collect()
    }

    #[test]
    fn a_merge_keeps_untouched_rows_drops_what_keep_refuses_and_adds_fresh_cells_in_order() {
        let known = cells(&[(0, 1), (0, 3), (2, 1), (2, 2), (5, 1), (7, 3), (9, 1)]);
        // Row 2 checked again: its rule 2 cell is gone, rule 4 new, rule 1 found again.
        // Row 5's rule 1 was judged again and kept; row 6 had nothing and now fails rule 2.
        let fresh = cells(&[(6, 2), (2, 4), (2, 1)]);
        let touched = BTreeSet::from([2, 5]);
        let keep = |f: &Flagged| !(f.row == 2 && f.rule == 2);
        let out = merged(&known, &touched, keep, fresh);
        assert_eq!(
            pairs(&out),
            [
                (0, 1),
                (0, 3),
                (2, 1),
                (2, 4),
                (5, 1),
                (6, 2),
                (7, 3),
                (9, 1)
            ]
        );
        // Rows outside `touched` are kept even where `keep` would refuse them: only touched
        // rows were judged again.
        let out = merged(&known, &BTreeSet::new(), |_| false, Vec::new());
        assert_eq!(pairs(&out), pairs(&known));
        // Every cell of a touched row refused, nothing fresh: the row is clear.
        let out = merged(&known, &BTreeSet::from([0, 9]), |_| false, Vec::new());
        assert_eq!(pairs(&out), [(2, 1), (2, 2), (5, 1), (7, 3)]);
    }
}
