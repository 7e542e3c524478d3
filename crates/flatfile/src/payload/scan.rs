//! Reading the rows a check has already skimmed, without serde: a body's rows are a thousand
//! flat objects of short strings, where serde's visitors cost more than the JSON itself.
//!
//! The scanner reads only what it can read exactly as [`super::cells`] would (objects whose
//! keys have no escapes and whose values are strings, numbers, `true`, `false` or `null`) and
//! gives up on anything else (an escaped key, a nested value, anything that is not JSON), so
//! the caller reads that body the serde way instead. It never reads a body differently: each
//! cell goes through the same [`cell`] / [`cell_as_sent`] into the same [`RowsBuilder`].

use std::borrow::Cow;

use super::cells::{cell, cell_as_sent};
use crate::rows::{Cell, Rows, RowsBuilder};

/// The rows in `text` (row objects separated by commas, as inside a JSON array), if the
/// scanner reads them all and finds `expected` of them; `None` to read them with serde.
pub(super) fn rows<const AS_SENT: bool>(text: &str, expected: u64) -> Option<Rows> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut builder = RowsBuilder::default();
    let mut found = 0u64;
    loop {
        scanner.row::<AS_SENT>(&mut builder)?;
        found += 1;
        scanner.whitespace();
        if scanner.at == scanner.bytes.len() {
            break;
        }
        scanner.eat(b',')?;
        scanner.whitespace();
    }
    (found == expected).then(|| builder.finish())
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// JSON's whitespace, as serde_json skips it.
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// One row object into `builder`.
    fn row<const AS_SENT: bool>(&mut self, builder: &mut RowsBuilder) -> Option<()> {
        self.eat(b'{')?;
        self.whitespace();
        if self.peek()? == b'}' {
            self.at += 1;
            builder.end_row();
            return Some(());
        }
        loop {
            let (key, escaped) = self.string()?;
            if escaped {
                return None;
            }
            self.whitespace();
            self.eat(b':')?;
            self.whitespace();
            let cell = match self.value()? {
                // A string without escapes is its text, whatever the mode.
                (raw, false) if raw.starts_with('"') => Cell::Text(Cow::Borrowed(unquoted(raw))),
                (raw, _) if AS_SENT => cell_as_sent(raw).ok()?,
                (raw, _) => cell(raw).ok()?,
            };
            builder.set(Cow::Borrowed(unquoted(key)), cell);
            self.whitespace();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.whitespace();
                }
                b'}' => {
                    self.at += 1;
                    break;
                }
                _ => return None,
            }
        }
        builder.end_row();
        Some(())
    }

    /// A string with its quotes, and whether it holds an escape (which [`cell`] decodes and
    /// checks). `None` for a raw control character or a string that does not end.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let start = self.at;
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            self.at += special(self.bytes.get(self.at..)?)?;
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    // Both ends are quotes, so the slice is on character boundaries.
                    return Some((self.text.get(start..self.at)?, escaped));
                }
                b'\\' => {
                    escaped = true;
                    // The escaped byte is never the string's end (`\"`); `\uXXXX` holds no
                    // quote or backslash.
                    self.at += 2;
                }
                _ => return None,
            }
        }
    }

    /// A scalar value's JSON text, and whether it is a string with escapes; `None` for an
    /// object or array (serde reads those).
    fn value(&mut self) -> Option<(&'a str, bool)> {
        let plain = |raw| (raw, false);
        match self.peek()? {
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number().map(plain),
            b't' => self.literal("true").map(plain),
            b'f' => self.literal("false").map(plain),
            b'n' => self.literal("null").map(plain),
            _ => None,
        }
    }

    fn literal(&mut self, word: &'static str) -> Option<&'a str> {
        let end = self.at + word.len();
        let found = self.text.get(self.at..end)?;
        (found == word).then(|| {
            self.at = end;
            found
        })
    }

    /// A number as JSON writes one: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        self.text.get(start..self.at)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

/// A string's text between its quotes.
fn unquoted(raw: &str) -> &str {
    &raw[1..raw.len() - 1]
}

/// Where the first `"`, `\\` or control character of `bytes` is, eight bytes at a time.
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte of `word` below `n` sets its high bit here; bytes above the lowest one found may
    // be set wrongly, and only the lowest is used.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        let found = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, expected: u64) -> Option<Rows> {
        rows::<false>(text, expected)
    }

    #[test]
    fn flat_rows_of_every_scalar_are_read() {
        let rows = read(
            r#"{"a": "x", "b": 1, "c": -2.5e3, "d": true, "e": null},
               {"a": "y\"z", "f": false, "a": "again"} , {}"#,
            3,
        )
        .expect("read");
        assert_eq!(rows.len(), 3);
        let names: Vec<_> = rows.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d", "e", "f"]);
        let a = rows.columns()[0].values.to_text();
        assert_eq!(a.get(1), Some("again"), "the last of a repeated key wins");
    }

    #[test]
    fn the_first_quote_backslash_or_control_character_is_found_at_any_position() {
        for len in 0..20 {
            for at in 0..len {
                for byte in [b'"', b'\\', 0x00, 0x1f] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes that are none of them around it: high ones, a space, 0x7f.
                    for (i, b) in bytes.iter_mut().enumerate() {
                        *b = [b'a', 0xc3, b' ', 0x7f, 0x21, 0x5d][i % 6];
                    }
                    bytes[at] = byte;
                    if at + 1 < len {
                        bytes[at + 1] = b'"';
                    }
                    assert_eq!(special(&bytes), Some(at), "{bytes:?}");
                }
            }
            assert_eq!(special(&vec![b'a'; len]), None);
        }
    }

    #[test]
    fn what_it_does_not_read_exactly_is_left_to_serde() {
        for (text, why) in [
            (r#"{"a": {"nested": 1}}"#, "a nested value"),
            (r#"{"a": [1]}"#, "an array value"),
            (r#"{"k\u0041": 1}"#, "an escaped key"),
            ("{\"a\": \"tab\tinside\"}", "a raw control character"),
            (r#"{"a": 01}"#, "a number with a leading zero"),
            (r#"{"a": 1.}"#, "a number without decimals"),
            (r#"{"a": tru}"#, "a cut literal"),
            (r#"{"a": "\ud800"}"#, "a lone surrogate"),
            (r#"{"a": "cut"#, "a string that does not end"),
            (r#"{"a": 1,}"#, "a trailing comma"),
            (r#"{"a": 1} {"b": 2}"#, "rows without a comma"),
        ] {
            assert!(read(text, 1).is_none() && read(text, 2).is_none(), "{why}");
        }
        assert!(
            read(r#"{"a": 1}, {"a": 2}"#, 3).is_none(),
            "a count that differs"
        );
    }
}
