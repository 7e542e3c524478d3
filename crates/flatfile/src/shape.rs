//! The shape of a text column: what its values read back exactly as. Measured while a body is
//! parsed, one value at a time, so a column stops being checked at its first plain text.

/// What every non-empty value of a text column reads back exactly as.
///
/// A value "reads back exactly" as a type when parsing it and printing the result gives the
/// same text: `"55"`, `"-3"`, `"1.5"`, `"true"` do; `"0055"`, `"+5"`, `"1.50"`,
/// `"1e3"`, `" 5"`, `"TRUE"` and integers beyond 64 bits do not. `""` is empty and fits any
/// type (it becomes null in a typed column).
///
/// Money is the exception to "prints back as a float": `"2815711.30"` does not, but a column
/// whose every value has the same number of decimals (see [`Decimals`]) reads back exactly as
/// a decimal of that scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Every non-empty value is an integer that fits `i64`.
    pub ints: bool,
    /// Every non-empty value is a number whose `f64` prints back as the same text (integers
    /// up to 2^53 and some beyond, decimals in their shortest form).
    pub numbers: bool,
    /// Every non-empty value is `true` or `false`.
    pub bools: bool,
    /// How many decimals every non-empty value has, when they all have the same.
    pub decimals: Decimals,
    /// At least one value is non-empty (a column of only `""` stays text).
    pub filled: bool,
}

/// The scale shared by every non-empty value: `"19.90"` and `"-0.05"` have 2 decimals, so a
/// column of such values is a decimal of scale 2, and printing it with 2 decimals gives each
/// value back. Values of up to 38 digits count (what an `i128` decimal holds); `"-0.00"`
/// does not (it prints back as `"0.00"`), nor does an integer (scale 0 is an integer column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decimals {
    /// No value yet: any scale fits.
    Any,
    Exactly(u8),
    /// Values of different scales, or a value that is not a decimal.
    No,
}

impl Decimals {
    fn and(self, other: Decimals) -> Decimals {
        match (self, other) {
            (Decimals::Any, x) | (x, Decimals::Any) => x,
            (Decimals::Exactly(a), Decimals::Exactly(b)) if a == b => Decimals::Exactly(a),
            _ => Decimals::No,
        }
    }
}

/// Digits an `i128` decimal holds in full.
pub const MAX_DECIMAL_DIGITS: usize = 38;

impl Shape {
    /// The shape of no values at all: fits every type, and is not filled.
    pub const EMPTY: Shape = Shape {
        ints: true,
        numbers: true,
        bools: true,
        decimals: Decimals::Any,
        filled: false,
    };

    /// The shape of plain text: no type fits, so a column stops being checked.
    pub(crate) const TEXT: Shape = Shape {
        ints: false,
        numbers: false,
        bools: false,
        decimals: Decimals::No,
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
                Some((ints, numbers, decimals)) => Shape {
                    ints,
                    numbers,
                    decimals,
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
            decimals: self.decimals.and(other.decimals),
            filled: self.filled || other.filled,
        }
    }

    /// Whether the values are all of one non-text type.
    pub fn is_typed(self) -> bool {
        let decimals = matches!(self.decimals, Decimals::Exactly(_));
        self.filled && (self.ints || self.numbers || self.bools || decimals)
    }
}

/// `(is an i64, is a number that prints back, its decimals)` for text in canonical number
/// form, else `None`.
fn number_shape(value: &str) -> Option<(bool, bool, Decimals)> {
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
                return Some((false, true, Decimals::No));
            }
            let i = value.parse::<i64>().ok()?;
            // Up to 2^53 every integer is an f64; beyond, only some print back as sent.
            let number = i.unsigned_abs() <= 1 << 53 || (i as f64).to_string() == value;
            Some((true, number, Decimals::No))
        }
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // Rust prints an f64 as the shortest text that reads back to it, without exponent:
            // the form a number typed into a spreadsheet cell has.
            let number = value
                .parse::<f64>()
                .is_ok_and(|x| x.is_finite() && x.to_string() == value);
            let negative_zero =
                value.starts_with('-') && !digits.bytes().any(|b| (b'1'..=b'9').contains(&b));
            let decimals = if whole.len() + f.len() <= MAX_DECIMAL_DIGITS && !negative_zero {
                Decimals::Exactly(f.len() as u8)
            } else {
                Decimals::No
            };
            (number || decimals != Decimals::No).then_some((false, number, decimals))
        }
        Some(_) => None,
    }
}
