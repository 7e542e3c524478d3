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

/// What every non-empty value of a text column reads back exactly as.
///
/// A value "reads back exactly" as a type when parsing it and printing the result gives the
/// same text: `"55"`, `"-3"`, `"1.5"`, `"true"` do; `"0055"`, `"+5"`, `"1.50"`,
/// `"1e3"`, `" 5"`, `"TRUE"` and integers beyond 64 bits do not. `""` is empty and fits any
/// type (it becomes null in a typed column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Every non-empty value is an integer that fits `i64`.
    pub ints: bool,
    /// Every non-empty value is a number whose `f64` prints back as the same text (integers
    /// up to 2^53 and some beyond, decimals in their shortest form).
    pub numbers: bool,
    /// Every non-empty value is `true` or `false`.
    pub bools: bool,
    /// At least one value is non-empty (a column of only `""` stays text).
    pub filled: bool,
}

impl Shape {
    /// The shape of no values at all: fits every type, and is not filled.
    pub const EMPTY: Shape = Shape {
        ints: true,
        numbers: true,
        bools: true,
        filled: false,
    };

    const TEXT: Shape = Shape {
        ints: false,
        numbers: false,
        bools: false,
        filled: true,
    };

    /// The shape of one value.
    pub fn of(value: &str) -> Shape {
        match value {
            "" => Shape::EMPTY,
            "true" | "false" => Shape {
                bools: true,
                ..Shape::TEXT
            },
            _ => match number_shape(value) {
                Some((ints, numbers)) => Shape {
                    ints,
                    numbers,
                    ..Shape::TEXT
                },
                None => Shape::TEXT,
            },
        }
    }

    /// The shape of two sets of values together.
    pub fn and(self, other: Shape) -> Shape {
        Shape {
            ints: self.ints && other.ints,
            numbers: self.numbers && other.numbers,
            bools: self.bools && other.bools,
            filled: self.filled || other.filled,
        }
    }

    /// Whether the values are all of one non-text type.
    pub fn is_typed(self) -> bool {
        self.filled && (self.ints || self.numbers || self.bools)
    }
}

/// `(is an i64, is a number that prints back)` for text in canonical number form, else `None`.
fn number_shape(value: &str) -> Option<(bool, bool)> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let canonical_whole = whole == "0"
        || (!whole.is_empty()
            && !whole.starts_with('0')
            && whole.bytes().all(|b| b.is_ascii_digit()));
    if !canonical_whole {
        return None;
    }
    match fraction {
        None => {
            // As an integer "-0" prints back as "0"; as a float it keeps its sign.
            if value == "-0" {
                return Some((false, true));
            }
            let i = value.parse::<i64>().ok()?;
            // Up to 2^53 every integer is an f64; beyond, only some print back as sent.
            let number = i.unsigned_abs() <= 1 << 53 || (i as f64).to_string() == value;
            Some((true, number))
        }
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // Rust prints an f64 as the shortest text that reads back to it, without exponent:
            // the form a number typed into a spreadsheet cell has.
            let x = value.parse::<f64>().ok()?;
            (x.is_finite() && x.to_string() == value).then_some((false, true))
        }
        Some(_) => None,
    }
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
mod tests {
    use super::*;

    fn build(rows: &[&[(&str, Cell<'static>)]]) -> Rows {
        let mut b = RowsBuilder::default();
        for row in rows {
            for (k, v) in row.iter() {
                b.set(Cow::Borrowed(k), v.clone());
            }
            b.end_row();
        }
        b.finish()
    }

    fn text(values: &Values) -> Vec<Option<String>> {
        values
            .to_text()
            .iter()
            .map(|x| x.map(str::to_owned))
            .collect()
    }

    #[test]
    fn missing_keys_are_null_and_new_keys_back_fill() {
        let rows = build(&[
            &[("a", Cell::Int(1))],
            &[("b", Cell::Text("x".into()))],
            &[("a", Cell::Int(3)), ("b", Cell::Null)],
        ]);
        assert_eq!(rows.len(), 3);
        let names: Vec<_> = rows.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            rows.columns()[0].values,
            Values::Int(vec![Some(1), None, Some(3)])
        );
        assert_eq!(
            text(&rows.columns()[1].values),
            [None, Some("x".into()), None]
        );
    }

    #[test]
    fn ints_promote_to_floats_then_to_text_keeping_their_json_text() {
        let rows = build(&[
            &[("n", Cell::Int(7))],
            &[("n", Cell::Float(2.5))],
            &[("n", Cell::Bool(true))],
            &[("n", Cell::Text("00123".into()))],
        ]);
        assert_eq!(
            text(&rows.columns()[0].values),
            [
                Some("7.0".into()),
                Some("2.5".into()),
                Some("true".into()),
                Some("00123".into())
            ]
        );
    }

    #[test]
    fn a_repeated_key_in_one_row_keeps_the_last_value() {
        let rows = build(&[
            &[("a", Cell::Int(1)), ("a", Cell::Int(2))],
            &[("a", Cell::Int(3))],
        ]);
        assert_eq!(
            rows.columns()[0].values,
            Values::Int(vec![Some(2), Some(3)])
        );
    }

    #[test]
    fn append_unions_columns_in_first_seen_order_and_promotes() {
        let mut head = build(&[&[("a", Cell::Int(1)), ("b", Cell::Bool(true))]]);
        let tail = build(&[&[("c", Cell::Text("z".into())), ("a", Cell::Float(0.5))]]);
        head.append(tail);
        assert_eq!(head.len(), 2);
        let names: Vec<_> = head.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(
            head.columns()[0].values,
            Values::Float(vec![Some(1.0), Some(0.5)])
        );
        assert_eq!(
            head.columns()[1].values,
            Values::Bool(vec![Some(true), None])
        );
        assert_eq!(text(&head.columns()[2].values), [None, Some("z".into())]);
    }

    #[test]
    fn append_of_text_onto_text_keeps_every_value() {
        let mut head = build(&[&[("a", Cell::Text("héllo".into()))], &[("a", Cell::Null)]]);
        head.append(build(&[
            &[("a", Cell::Text("".into()))],
            &[("a", Cell::Text("東京".into()))],
        ]));
        assert_eq!(
            text(&head.columns()[0].values),
            [
                Some("héllo".into()),
                None,
                Some(String::new()),
                Some("東京".into())
            ]
        );
    }

    #[test]
    fn shapes_accept_only_values_that_read_back_exactly() {
        let typed = |v: &str| {
            let s = Shape::of(v);
            (s.ints, s.numbers, s.bools)
        };
        for v in ["55", "-3", "0", "9007199254740992"] {
            assert_eq!(typed(v), (true, true, false), "{v}");
        }
        // An i64, but not exactly an f64; the next one is.
        assert_eq!(typed("9007199254740993"), (true, false, false));
        assert_eq!(typed("9007199254740994"), (true, true, false));
        // -0.0 prints as "-0", but no integer does.
        assert_eq!(typed("-0"), (false, true, false));
        for v in ["1.5", "-0.25", "19.99", "0.1", "123456.789"] {
            assert_eq!(typed(v), (false, true, false), "{v}");
        }
        assert_eq!(typed("true"), (false, false, true));
        assert_eq!(typed("false"), (false, false, true));
        for v in [
            "0055",
            "+5",
            "-00",
            "-0.0",
            "1.50",
            "1e3",
            " 5",
            "5 ",
            "1.",
            ".5",
            "-",
            "0.0",
            "1.0",
            "TRUE",
            "True",
            "12345678901234567890",
            "1_000",
            "0x10",
            "NaN",
            "inf",
            "1,5",
            "١٢",
            "99999999999999999999.5",
        ] {
            assert_eq!(typed(v), (false, false, false), "{v}");
        }
        assert_eq!(Shape::of(""), Shape::EMPTY);
        assert!(!Shape::EMPTY.is_typed(), "only empty values: stays text");
    }

    #[test]
    fn a_text_column_tracks_its_shape_through_pops_and_appends() {
        let rows = build(&[
            &[("n", Cell::Text("5".into()))],
            &[("n", Cell::Text("".into()))],
            &[("n", Cell::Null)],
        ]);
        let Values::Text(t) = &rows.columns()[0].values else {
            panic!("text column")
        };
        assert!(t.shape().ints && t.shape().filled);
        // A repeated key replaces a non-number with a number: measured again.
        let rows = build(&[&[("n", Cell::Text("x".into())), ("n", Cell::Text("7".into()))]]);
        let Values::Text(t) = &rows.columns()[0].values else {
            panic!("text column")
        };
        assert!(t.shape().ints, "{:?}", t.shape());
        let mut head = build(&[&[("n", Cell::Text("1.5".into()))]]);
        head.append(build(&[&[("n", Cell::Text("2".into()))]]));
        let Values::Text(t) = &head.columns()[0].values else {
            panic!("text column")
        };
        assert_eq!((t.shape().ints, t.shape().numbers), (false, true));
        head.append(build(&[&[("n", Cell::Text("n/a".into()))]]));
        let Values::Text(t) = &head.columns()[0].values else {
            panic!("text column")
        };
        assert!(!t.shape().is_typed());
    }

    #[test]
    fn append_of_text_onto_ints_renders_ints_as_text() {
        let mut head = build(&[&[("a", Cell::Int(10))]]);
        head.append(build(&[&[("a", Cell::Text("x".into()))]]));
        assert_eq!(
            text(&head.columns()[0].values),
            [Some("10".into()), Some("x".into())]
        );
    }
}
