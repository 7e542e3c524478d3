//! Rows of one request, stored column by column as they are parsed.
//!
//! A million-row batch arrives as a thousand requests that must be held until the last one
//! lands, so rows are never kept as `serde_json::Value` trees: each cell goes straight into a
//! typed column, and text lives in one contiguous buffer per column. A column starts untyped
//! and is promoted as values arrive (integers → floats → text); promotion to text renders the
//! values already held as their JSON text, so nothing is lost.
//!
//! Real deliveries send every cell as a string (`"55"`, `""` for empty). A text column also
//! tracks its [`Shape`] as values arrive: whether every non-empty value reads back exactly as
//! an integer, a number or a boolean. The frame builder types such columns; the parser only
//! measures, and never changes a value.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::shape::Shape;

/// One cell as it arrives, before it is stored in a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string, or JSON text for values that have no typed column (objects, arrays, integers
    /// beyond `i64`).
    Text(Cow<'a, str>),
}

/// The values of one column, in row order.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Only nulls so far (or a column of nulls).
    Null(usize),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Text),
}

/// Strings of a column in one buffer; `ends[i]` is where value `i` ends in `data`.
#[derive(Debug, Clone)]
pub struct Text {
    data: String,
    ends: Vec<usize>,
    present: Vec<bool>,
    /// The shape of the values held, kept as they arrive…
    shape: Shape,
    /// …unless a value was taken back ([`Text::pop`]); then it is measured again when asked.
    stale: bool,
}

impl Default for Text {
    fn default() -> Self {
        Text {
            data: String::new(),
            ends: Vec::new(),
            present: Vec::new(),
            shape: Shape::EMPTY,
            stale: false,
        }
    }
}

impl PartialEq for Text {
    /// Equal values; the shape follows from them.
    fn eq(&self, other: &Text) -> bool {
        self.data == other.data && self.ends == other.ends && self.present == other.present
    }
}

impl Text {
    fn push(&mut self, value: Option<&str>) {
        if let Some(value) = value {
            self.data.push_str(value);
            // Once a value is plain text, no later value can type the column.
            if self.shape != Shape::TEXT {
                self.shape = self.shape.and(Shape::of(value));
            }
        }
        self.ends.push(self.data.len());
        self.present.push(value.is_some());
    }

    fn pop(&mut self) {
        if self.ends.pop().is_some() {
            self.present.pop();
            self.data.truncate(self.ends.last().copied().unwrap_or(0));
            self.stale = true;
        }
    }

    /// What every non-empty value reads back exactly as (nulls do not count).
    pub fn shape(&self) -> Shape {
        if self.stale {
            self.iter()
                .flatten()
                .fold(Shape::EMPTY, |s, v| s.and(Shape::of(v)))
        } else {
            self.shape
        }
    }

    /// Number of values (null or not).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column holds no values at all.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Value `i`, `None` for null.
    pub fn get(&self, i: usize) -> Option<&str> {
        if !self.present[i] {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..self.ends[i]])
    }

    /// Values in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Appends all of `other`'s values, copying its buffer once.
    fn extend(&mut self, other: &Text) {
        let base = self.data.len();
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|end| end + base));
        self.present.extend_from_slice(&other.present);
        self.shape = self.shape.and(other.shape);
        self.stale |= other.stale;
    }
}

impl Values {
    /// Number of values (null or not).
    pub fn len(&self) -> usize {
        match self {
            Values::Null(n) => *n,
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// Whether the column holds no values at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&mut self, cell: Cell<'_>) {
        match (&mut *self, cell) {
            (Values::Null(n), Cell::Null) => *n += 1,
            (Values::Int(v), Cell::Null) => v.push(None),
            (Values::Float(v), Cell::Null) => v.push(None),
            (Values::Bool(v), Cell::Null) => v.push(None),
            (Values::Text(v), Cell::Null) => v.push(None),
            (Values::Int(v), Cell::Int(i)) => v.push(Some(i)),
            (Values::Float(v), Cell::Float(f)) => v.push(Some(f)),
            (Values::Float(v), Cell::Int(i)) => v.push(Some(i as f64)),
            (Values::Bool(v), Cell::Bool(b)) => v.push(Some(b)),
            (Values::Text(v), cell) => v.push(Some(&cell_text(&cell))),
            (Values::Null(n), cell) => {
                let n = *n;
                *self = match cell {
                    Cell::Int(i) => Values::Int(nulls_then(n, i)),
                    Cell::Float(f) => Values::Float(nulls_then(n, f)),
                    Cell::Bool(b) => Values::Bool(nulls_then(n, b)),
                    Cell::Text(_) => {
                        let mut text = Text::default();
                        (0..n).for_each(|_| text.push(None));
                        text.push(Some(&cell_text(&cell)));
                        Values::Text(text)
                    }
                    Cell::Null => unreachable!("null handled above"),
                };
            }
            (Values::Int(v), Cell::Float(f)) => {
                let mut floats = ints_as_floats(v);
                floats.push(Some(f));
                *self = Values::Float(floats);
            }
            (_, cell) => {
                let mut text = self.to_text();
                text.push(Some(&cell_text(&cell)));
                *self = Values::Text(text);
            }
        }
    }

    /// An empty column of the same type.
    fn empty_like(&self) -> Values {
        match self {
            Values::Null(_) => Values::Null(0),
            Values::Int(_) => Values::Int(Vec::new()),
            Values::Float(_) => Values::Float(Vec::new()),
            Values::Bool(_) => Values::Bool(Vec::new()),
            Values::Text(_) => Values::Text(Text::default()),
        }
    }

    fn pop(&mut self) {
        match self {
            Values::Null(n) => *n = n.saturating_sub(1),
            Values::Int(v) => drop(v.pop()),
            Values::Float(v) => drop(v.pop()),
            Values::Bool(v) => drop(v.pop()),
            Values::Text(v) => v.pop(),
        }
    }

    /// This column's values as text: numbers and booleans as their JSON text.
    pub fn to_text(&self) -> Text {
        let mut text = Text::default();
        match self {
            Values::Null(n) => (0..*n).for_each(|_| text.push(None)),
            Values::Int(v) => v
                .iter()
                .for_each(|x| text.push(x.map(|x| x.to_string()).as_deref())),
            Values::Float(v) => v
                .iter()
                .for_each(|x| text.push(x.map(float_text).as_deref())),
            Values::Bool(v) => v
                .iter()
                .for_each(|x| text.push(x.map(|b| if b { "true" } else { "false" }))),
            Values::Text(v) => text = v.clone(),
        }
        text
    }
}

fn nulls_then<T>(n: usize, last: T) -> Vec<Option<T>> {
    let mut v = Vec::with_capacity(n + 1);
    v.resize_with(n, || None);
    v.push(Some(last));
    v
}

/// JSON text of a float, as serde_json writes it (`1.5`, `1e300`); non-finite floats cannot
/// come from JSON but are written as `null`-free text all the same.
fn float_text(f: f64) -> String {
    serde_json::Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string())
}

fn cell_text<'a>(cell: &'a Cell<'_>) -> Cow<'a, str> {
    match cell {
        Cell::Null => Cow::Borrowed(""),
        Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Cell::Int(i) => Cow::Owned(i.to_string()),
        Cell::Float(f) => Cow::Owned(float_text(*f)),
        Cell::Text(s) => Cow::Borrowed(s),
    }
}

/// A named column of one request's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: Values,
}

/// Rows of one request in column form. Columns are in first-seen key order; a key missing
/// from a row is null in that row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    columns: Vec<Column>,
    len: usize,
}

impl Rows {
    /// The columns, in first-seen key order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves a column's values out, leaving that column empty: for consumers that copy the
    /// rows elsewhere column by column and want the memory back as they go.
    pub fn take_column(&mut self, name: &str) -> Option<Values> {
        self.columns
            .iter_mut()
            .find(|c| c.name == name)
            .map(|c| std::mem::replace(&mut c.values, Values::Null(0)))
    }

    /// Appends `other`'s rows after this one's; columns new to `self` are added after the
    /// existing ones (so first-seen order holds across both).
    pub fn append(&mut self, other: Rows) {
        let mut other_columns: Vec<Option<Column>> = other.columns.into_iter().map(Some).collect();
        for column in &mut self.columns {
            let found = other_columns
                .iter_mut()
                .find(|c| c.as_ref().is_some_and(|c| c.name == column.name))
                .and_then(Option::take);
            match found {
                Some(c) => append_values(&mut column.values, c.values),
                None => append_values(&mut column.values, Values::Null(other.len)),
            }
        }
        for column in other_columns.into_iter().flatten() {
            let mut values = Values::Null(self.len);
            append_values(&mut values, column.values);
            self.columns.push(Column {
                name: column.name,
                values,
            });
        }
        self.len += other.len;
    }
}

/// Appends `tail` to `head`, promoting to the type that holds both.
fn append_values(head: &mut Values, tail: Values) {
    match (&mut *head, tail) {
        (Values::Null(a), Values::Null(b)) => *a += b,
        (Values::Int(a), Values::Int(b)) => a.extend(b),
        (Values::Float(a), Values::Float(b)) => a.extend(b),
        (Values::Float(a), Values::Int(b)) => a.extend(ints_as_floats(&b)),
        (Values::Bool(a), Values::Bool(b)) => a.extend(b),
        (Values::Text(a), Values::Text(b)) => a.extend(&b),
        (_, Values::Null(n)) => (0..n).for_each(|_| head.push(Cell::Null)),
        (Values::Text(a), tail) => a.extend(&tail.to_text()),
        (Values::Null(n), tail) => {
            // The leading nulls take the tail's type.
            let n = *n;
            *head = tail.empty_like();
            (0..n).for_each(|_| head.push(Cell::Null));
            append_values(head, tail);
        }
        (Values::Int(a), Values::Float(b)) => {
            let mut floats = ints_as_floats(a);
            floats.extend(b);
            *head = Values::Float(floats);
        }
        (_, tail) => {
            let mut text = head.to_text();
            text.extend(&tail.to_text());
            *head = Values::Text(text);
        }
    }
}

fn ints_as_floats(ints: &[Option<i64>]) -> Vec<Option<f64>> {
    ints.iter().map(|i| i.map(|i| i as f64)).collect()
}

/// Builds [`Rows`] one cell at a time, in document order.
#[derive(Debug, Default)]
pub(crate) struct RowsBuilder {
    rows: Rows,
    index: HashMap<String, usize>,
    /// Row number + 1 in which each column last received a value (0 = never).
    stamp: Vec<usize>,
    /// Position of the next key within the current row, to guess its column without hashing.
    position: usize,
}

impl RowsBuilder {
    /// A builder whose first columns are `names`, in that order, whether or not any row
    /// holds them.
    pub(crate) fn with_columns<'a>(names: impl IntoIterator<Item = &'a str>) -> RowsBuilder {
        let mut builder = RowsBuilder::default();
        for name in names {
            if builder.index.contains_key(name) {
                continue;
            }
            builder
                .index
                .insert(name.to_owned(), builder.rows.columns.len());
            builder.rows.columns.push(Column {
                name: name.to_owned(),
                values: Values::Null(0),
            });
            builder.stamp.push(0);
        }
        builder
    }

    pub(crate) fn set(&mut self, key: Cow<'_, str>, cell: Cell<'_>) {
        let row = self.rows.len + 1;
        let guess = self.position;
        self.position += 1;
        let column = match self.rows.columns.get(guess) {
            Some(c) if c.name == key => guess,
            _ => match self.index.get(key.as_ref()) {
                Some(&i) => i,
                None => {
                    let i = self.rows.columns.len();
                    self.index.insert(key.to_string(), i);
                    self.rows.columns.push(Column {
                        name: key.into_owned(),
                        values: Values::Null(self.rows.len),
                    });
                    self.stamp.push(0);
                    i
                }
            },
        };
        let values = &mut self.rows.columns[column].values;
        if self.stamp[column] == row {
            // The same key twice in one object: the last one wins, as in JSON.parse.
            values.pop();
        }
        values.push(cell);
        self.stamp[column] = row;
    }

    pub(crate) fn end_row(&mut self) {
        let row = self.rows.len + 1;
        for (column, stamp) in self.rows.columns.iter_mut().zip(&mut self.stamp) {
            if *stamp != row {
                column.values.push(Cell::Null);
            }
        }
        self.rows.len = row;
        self.position = 0;
    }

    pub(crate) fn finish(self) -> Rows {
        self.rows
    }
}

#[cfg(test)]
mod tests;
