//! A batch frame held in memory for the grid, which pages through the same view many times.
//!
//! The CLI reads one page per process and is best served lazily from the file. The grid asks
//! for page after page of one view, then changes the view: here the whole batch is read once,
//! a view is evaluated once into the list of its row positions (`_row`, in view order), and
//! each page is a `take` of at most a page of rows. Sorting a million rows happens once per
//! view, not once per scroll.

use polars::prelude::*;

use crate::page::Page;
use crate::values::{ColumnValues, column_values};
use crate::view::{evaluation_error, unknown_column};
use crate::{Result, View};

/// A batch in memory and the rows of the view last asked for.
#[derive(Debug)]
pub struct Browser {
    /// The whole batch in batch order, so `_row` is the row's position.
    frame: DataFrame,
    /// The view `rows` belongs to.
    view: View,
    /// Positions of the view's rows in view order; `None` for the identity view.
    rows: Option<IdxCa>,
}

impl Browser {
    /// Holds `frame`, a whole batch frame in batch order.
    pub fn new(frame: DataFrame) -> Browser {
        Browser {
            frame,
            view: View::default(),
            rows: None,
        }
    }

    /// The same batch with `changed` columns corrected: `frame` in place of the one held.
    /// The rows of the view evaluated last are kept when the view cannot have changed with
    /// those columns (it neither filters nor searches, and sorts on another column), else
    /// evaluated again on the next page.
    pub fn corrected(&mut self, frame: DataFrame, changed: &[String]) {
        self.frame = frame;
        let sorts_on_changed = self
            .view
            .sort
            .as_ref()
            .is_some_and(|s| changed.contains(&s.column));
        if self.view.filter.is_some() || self.view.search.is_some() || sorts_on_changed {
            self.view = View::default();
            self.rows = None;
        }
    }

    /// Rows `offset..offset + limit` of `view`, evaluating the view only when it changed.
    pub fn page(&mut self, view: &View, offset: usize, limit: usize) -> Result<Page> {
        if *view != self.view {
            self.rows = if view.is_identity() {
                None
            } else {
                Some(self.positions(view)?)
            };
            self.view = view.clone();
        }
        let (total, rows) = match &self.rows {
            None => {
                let total = self.frame.height();
                (total, self.frame.slice(offset as i64, limit))
            }
            Some(positions) => {
                let total = positions.len();
                let start = offset.min(total);
                let wanted = positions.slice(start as i64, limit.min(total - start));
                (total, self.frame.take(&wanted)?)
            }
        };
        Ok(Page {
            total,
            offset,
            rows,
        })
    }

    /// `column` of `view` summarised (see [`crate::values`]). The view the pages follow is
    /// reused when it is the one asked for; any other is evaluated without taking its place,
    /// so the grid's next page does not evaluate its own view again.
    pub fn column_values(&self, view: &View, column: &str, limit: usize) -> Result<ColumnValues> {
        let unsorted = |v: &View| View {
            sort: None,
            ..v.clone()
        };
        if unsorted(view) == unsorted(&self.view) {
            if self.frame.schema().get(column).is_none() {
                return Err(unknown_column(column, self.frame.schema()));
            }
            let cells = self.frame.select([column])?;
            let cells = match &self.rows {
                None => cells,
                Some(positions) => cells.take(positions)?,
            };
            return column_values(cells.lazy(), column, limit);
        }
        column_values(
            unsorted(view).apply(self.frame.clone().lazy())?,
            column,
            limit,
        )
    }

    /// The positions of `view`'s rows, in its order.
    fn positions(&self, view: &View) -> Result<IdxCa> {
        let selected = view
            .apply(self.frame.clone().lazy())?
            .select([col("_row").cast(IDX_DTYPE)])
            .collect()
            .map_err(evaluation_error)?;
        Ok(selected.column("_row")?.idx()?.rechunk().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RowSet, Sort};

    fn batch() -> DataFrame {
        df!(
            "_row" => [0i64, 1, 2, 3, 4],
            "_part" => [1i32, 1, 1, 2, 2],
            "_valid" => [true, false, true, true, false],
            "plan" => ["team", "solo", "team", "solo", "team"],
            "seats" => [5i64, 1, 12, 2, 30],
        )
        .expect("df")
    }

    fn column(page: &Page, name: &str) -> Vec<i64> {
        let c = page.rows.column(name).expect("column");
        c.i64().expect("i64").into_no_null_iter().collect()
    }

    #[test]
    fn pages_follow_the_view_in_its_order() {
        let mut b = Browser::new(batch());
        let all = b.page(&View::default(), 1, 2).expect("page");
        assert_eq!((all.total, column(&all, "_row")), (5, vec![1, 2]));

        let view = View {
            rows: RowSet::All,
            filter: Some("plan = 'team'".into()),
            search: None,
            sort: Some(Sort {
                column: "seats".into(),
                descending: true,
            }),
            errors: None,
            flagged: false,
        };
        let first = b.page(&view, 0, 2).expect("page");
        assert_eq!(first.total, 3);
        assert_eq!(column(&first, "seats"), [30, 12]);
        let rest = b.page(&view, 2, 2).expect("page");
        assert_eq!(column(&rest, "seats"), [5]);
        let past = b.page(&view, 9, 2).expect("page");
        assert_eq!((past.total, past.rows.height()), (3, 0));

        let invalid = View {
            rows: RowSet::Invalid,
            ..View::default()
        };
        let p = b.page(&invalid, 0, 10).expect("page");
        assert_eq!((p.total, column(&p, "_row")), (2, vec![1, 4]));
        // Back to the identity view: every row again, in batch order.
        let p = b.page(&View::default(), 0, 10).expect("page");
        assert_eq!(column(&p, "_row"), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_corrected_column_shows_at_once_and_a_view_on_it_is_evaluated_again() {
        let mut b = Browser::new(batch());
        let by = |column: &str| View {
            sort: Some(Sort {
                column: column.into(),
                descending: true,
            }),
            ..View::default()
        };
        assert_eq!(
            column(&b.page(&by("seats"), 0, 1).expect("page"), "seats"),
            [30]
        );
        let corrected = |seats: [i64; 5]| {
            let mut frame = batch();
            frame
                .with_column(Column::new("seats".into(), seats))
                .expect("column");
            frame
        };
        b.corrected(corrected([5, 1, 99, 2, 30]), &["seats".to_owned()]);
        let p = b.page(&by("seats"), 0, 2).expect("page");
        assert_eq!(
            column(&p, "seats"),
            [99, 30],
            "sorted again with the new value"
        );
        // A view on another column keeps its order and shows the new values.
        let p = b.page(&by("_row"), 0, 5).expect("page");
        assert_eq!(column(&p, "seats"), [30, 2, 99, 1, 5]);
        b.corrected(corrected([5, 1, 12, 2, 30]), &["seats".to_owned()]);
        let p = b.page(&by("_row"), 0, 5).expect("page");
        assert_eq!(column(&p, "seats"), [30, 2, 12, 1, 5]);
    }

    #[test]
    fn a_bad_view_is_an_error_and_the_last_good_one_stays() {
        let mut b = Browser::new(batch());
        let bad = View {
            filter: Some("nope > 1".into()),
            ..View::default()
        };
        assert!(b.page(&bad, 0, 10).is_err());
        let p = b.page(&View::default(), 0, 10).expect("page");
        assert_eq!(p.total, 5);
    }
}
