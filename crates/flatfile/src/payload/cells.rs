//! The rows of a body, decoded straight into column builders: `validRows` and `invalidRows`,
//! each row object, its keys and its cells. No `serde_json::Value` tree is ever built.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::rows::{Cell, Rows, RowsBuilder};

/// `validRows` / `invalidRows`: an array of flat objects, or `null` (no rows).
pub(super) fn rows<'de, D: Deserializer<'de>, const AS_SENT: bool>(
    de: D,
) -> Result<Rows, D::Error> {
    struct RowsVisitor<const AS_SENT: bool>;
    impl<'de, const AS_SENT: bool> Visitor<'de> for RowsVisitor<AS_SENT> {
        type Value = Rows;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of row objects")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Rows, E> {
            Ok(Rows::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<Rows, E> {
            Ok(Rows::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
            let mut builder = RowsBuilder::default();
            while seq
                .next_element_seed(RowSeed {
                    builder: &mut builder,
                    as_sent: AS_SENT,
                })?
                .is_some()
            {}
            Ok(builder.finish())
        }
    }
    de.deserialize_any(RowsVisitor::<AS_SENT>)
}

/// How many rows an array holds, and the addresses where the first starts and the last ends.
pub(super) type Skimmed = (u64, Option<(usize, usize)>);

/// [`rows`] without keeping them: each row checked as [`rows`] reads it (an object of string
/// keys, each value well-formed JSON and valid UTF-8) and counted. No cell is decoded: each row
/// is skipped over whole, as serde_json skips a value, and its text checked for UTF-8 at once.
/// Also the addresses where the first row starts and the last one ends, so the rows can be
/// found again in the body (see [`super::scan`]).
pub(super) fn count_rows<'de, D: Deserializer<'de>>(de: D) -> Result<Skimmed, D::Error> {
    struct CountVisitor;
    impl<'de> Visitor<'de> for CountVisitor {
        type Value = Skimmed;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of row objects")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok((0, None))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok((0, None))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut count = 0;
            let mut span: Option<(usize, usize)> = None;
            while let Some(row) = seq.next_element::<&'de serde_json::value::RawValue>()? {
                // Well-formed JSON whatever it is; a row must be an object (keys are strings
                // in any JSON object), as `RowSeed` asks.
                let text = row.get();
                if !text.starts_with('{') {
                    return Err(de::Error::invalid_type(
                        de::Unexpected::Other("a value that is not an object"),
                        &"a row object",
                    ));
                }
                let (start, end) = (text.as_ptr() as usize, text.as_ptr() as usize + text.len());
                span = Some((span.map_or(start, |(s, _)| s), end));
                count += 1;
            }
            Ok((count, span))
        }
    }
    de.deserialize_any(CountVisitor)
}

/// One row object, written straight into the builder.
struct RowSeed<'b> {
    builder: &'b mut RowsBuilder,
    as_sent: bool,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let cell = map.next_value_seed(CellSeed {
                as_sent: self.as_sent,
            })?;
            self.builder.set(key, cell);
        }
        self.builder.end_row();
        Ok(())
    }
}

/// A row key, borrowed from the body when it holds no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        de.deserialize_str(KeyVisitor)
    }
}

/// Whether `float` is exactly the number `raw` says, as a float can say it: what it prints
/// as (the shortest text that reads back as it) is the same decimal. Overflow (`1e400` →
/// inf), underflow (`1e-400` → 0) and more digits than a float keeps fail. Up to 15
/// significant digits in a float's normal range always hold, so most cells are decided by a
/// count of digits alone.
fn float_holds(raw: &str, float: f64) -> bool {
    if !float.is_finite() {
        return false;
    }
    let digits = raw
        .bytes()
        .take_while(|b| !matches!(b, b'e' | b'E'))
        .filter(u8::is_ascii_digit)
        .skip_while(|d| *d == b'0')
        .count();
    if float == 0.0 {
        // 0.0, 0e5 hold; 1e-400 does not.
        return digits == 0;
    }
    if digits <= 15 && float.abs() >= f64::MIN_POSITIVE {
        return true;
    }
    decimal(raw) == decimal(&format!("{float:e}"))
}

/// A number's text as (negative, significant digits, exponent of the last digit), so that
/// `1.50`, `15e-1` and `1.5e0` are the same.
fn decimal(text: &str) -> (bool, String, i64) {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = whole.chars().chain(fraction.chars()).collect();
    let mut exponent = exponent - fraction.len() as i64;
    let trimmed = all.trim_start_matches('0');
    let significant = trimmed.trim_end_matches('0');
    exponent += (trimmed.len() - significant.len()) as i64;
    (negative, significant.to_owned(), exponent)
}

/// A cell value: scalars as themselves, objects and arrays as their JSON text.
///
/// Read from the cell's raw JSON text rather than through serde's number visitors: an integer
/// beyond 64 bits would otherwise arrive as a lossy `f64`. Integers that fit `i64` are `Int`,
/// larger ones keep their exact digits as text; other numbers are parsed with Rust's correctly
/// rounded float parser. Strings without escapes are borrowed from the body. With `as_sent`,
/// numbers and booleans stay the text they were sent as.
struct CellSeed {
    as_sent: bool,
}

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell<'de>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Cell<'de>, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(de)?.get();
        let cell = if self.as_sent {
            cell_as_sent(raw)
        } else {
            cell(raw)
        };
        cell.map_err(de::Error::custom)
    }
}

pub(crate) fn cell_as_sent(raw: &str) -> Result<Cell<'_>, String> {
    match raw.as_bytes().first() {
        Some(b'"') => cell(raw),
        Some(b'n') => Ok(Cell::Null),
        Some(_) => Ok(Cell::Text(Cow::Borrowed(raw))),
        None => Err("an empty value".to_owned()),
    }
}

pub(crate) fn cell(raw: &str) -> Result<Cell<'_>, String> {
    let cell = match raw.as_bytes().first() {
        Some(b'"') => match raw.get(1..raw.len() - 1) {
            Some(inner) if !inner.contains('\\') => Cell::Text(Cow::Borrowed(inner)),
            _ => Cell::Text(Cow::Owned(
                serde_json::from_str::<String>(raw).map_err(|e| e.to_string())?,
            )),
        },
        Some(b'n') => Cell::Null,
        Some(b't') => Cell::Bool(true),
        Some(b'f') => Cell::Bool(false),
        Some(b'{' | b'[') => Cell::Text(Cow::Borrowed(raw)),
        Some(_) if raw.contains(['.', 'e', 'E']) => {
            let float = raw.parse::<f64>().map_err(|e| format!("{raw}: {e}"))?;
            if float_holds(raw, float) {
                Cell::Float(float)
            } else {
                // Beyond a float (1e400, 1e-400, 30 digits): kept exactly, as text.
                Cell::Text(Cow::Borrowed(raw))
            }
        }
        Some(_) => match raw.parse::<i64>() {
            Ok(i) => Cell::Int(i),
            // Beyond i64: kept exactly, as text.
            Err(_) => Cell::Text(Cow::Borrowed(raw)),
        },
        None => return Err("an empty value".to_owned()),
    };
    Ok(cell)
}
