//! The shape of a text column: what its values read back exactly as. Measured while a body is
//! parsed, one value at a time, so a column stops being checked at its first plain text.

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

    /// The shape of plain text: no type fits, so a column stops being checked.
    pub(crate) const TEXT: Shape = Shape {
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
