//! Decimal columns: money sent as text (`"2815711.30"`), kept as Polars `Decimal` so it sorts,
//! compares and exports as a number, and printed back with its scale so every value reads as
//! it was sent. Polars' own printing follows process-wide settings (trimmed zeros, thousands
//! separators), so the text is made here.

/// Every decimal column is as wide as an `i128` holds: values of one import never overflow it,
/// and one precision keeps a column's parts of one type.
pub const PRECISION: usize = hookgrid_flatfile::MAX_DECIMAL_DIGITS;

/// `text` as a decimal of `scale` (its digits without the point), for text whose shape has that
/// scale (see [`hookgrid_flatfile::Decimals`]); `""` and anything else is null.
pub(crate) fn parse(text: &str, scale: u8) -> Option<i128> {
    let (whole, fraction) = text.split_once('.')?;
    if fraction.len() != usize::from(scale) {
        return None;
    }
    let (negative, whole) = match whole.strip_prefix('-') {
        Some(w) => (true, w),
        None => (false, whole),
    };
    let mut value: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

/// A decimal printed with exactly its scale's decimals: `Shown(-5, 2)` is `-0.05`.
#[derive(Debug, Clone, Copy)]
pub struct Shown(pub i128, pub usize);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Shown(value, scale) = *self;
        let sign = if value < 0 { "-" } else { "" };
        let digits = value.unsigned_abs().to_string();
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// A decimal's text with exactly `scale` decimals (see [`Shown`]).
pub fn text(value: i128, scale: usize) -> String {
    Shown(value, scale).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_as_the_same_decimal() {
        for (sent, scale, value) in [
            ("2815711.30", 2, 281571130),
            ("-0.05", 2, -5),
            ("0.50", 2, 50),
            ("4.9", 1, 49),
            ("0.000", 3, 0),
        ] {
            assert_eq!(parse(sent, scale), Some(value), "{sent}");
            assert_eq!(text(value, usize::from(scale)), sent);
        }
        assert_eq!(parse("1.5", 2), None, "another scale");
        assert_eq!(parse("", 2), None, "empty is null");
        assert_eq!(parse("12", 2), None);
        let widest = format!("{}.5", "9".repeat(37));
        assert_eq!(text(parse(&widest, 1).expect("fits"), 1), widest);
    }
}
