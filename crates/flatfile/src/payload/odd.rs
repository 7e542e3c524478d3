//! Bodies real senders produce that a strict JSON parser refuses, made readable without
//! changing what is stored (the body is kept exactly as sent; this is how it is read):
//!
//! - a UTF-8 byte-order mark before the JSON (some HTTP clients and editors write one);
//! - lone UTF-16 surrogate escapes (`"\ud800"`): JavaScript's `JSON.stringify` writes them
//!   for a string cut through an emoji, and serde_json refuses them. Each lone one reads as
//!   U+FFFD, the replacement character; a proper pair stays the character it encodes.

use std::borrow::Cow;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `body` without a leading byte-order mark.
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// `body` with each lone surrogate escape replaced by `\uFFFD`; `None` when it has none.
/// Only escapes inside strings are looked at (a `\u` elsewhere is a syntax error anyway).
pub(crate) fn lone_surrogates_replaced(body: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(body, i) else {
            // `\"`, `\\`, `\n`…: skip the escaped byte too.
            i += 2;
            continue;
        };
        let high = (0xD800..0xDC00).contains(&unit);
        let low = (0xDC00..0xE000).contains(&unit);
        if high
            && let Some(next) = escape_at(body, i + 6)
            && (0xDC00..0xE000).contains(&next)
        {
            i += 12;
            continue;
        }
        if high || low {
            let out = out.get_or_insert_with(|| Vec::with_capacity(body.len()));
            out.extend_from_slice(&body[copied..i]);
            out.extend_from_slice(b"\\uFFFD");
            copied = i + 6;
        }
        i += 6;
    }
    out.map(|mut out| {
        out.extend_from_slice(&body[copied..]);
        out
    })
}

/// The UTF-16 unit of a `\uXXXX` escape starting at `at`.
fn escape_at(body: &[u8], at: usize) -> Option<u32> {
    let escape = body.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    u32::from_str_radix(hex, 16).ok()
}

/// `body` as it is read: without a byte-order mark, and with lone surrogates replaced when
/// it has any (looked for only when `strict` failed, so a clean body costs nothing more).
pub fn readable<T, E>(body: &[u8], strict: impl Fn(&[u8]) -> Result<T, E>) -> Result<T, E> {
    let body = without_bom(body);
    match strict(body) {
        Ok(parsed) => Ok(parsed),
        Err(e) => match lone_surrogates_replaced(body) {
            Some(fixed) => strict(&fixed),
            None => Err(e),
        },
    }
}

/// [`readable`]'s text, for callers that keep it: borrowed unless something was replaced.
pub fn readable_bytes(body: &[u8]) -> Cow<'_, [u8]> {
    let body = without_bom(body);
    match lone_surrogates_replaced(body) {
        Some(fixed) => Cow::Owned(fixed),
        None => Cow::Borrowed(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(s: &str) -> Option<String> {
        lone_surrogates_replaced(s.as_bytes()).map(|b| String::from_utf8(b).expect("utf-8"))
    }

    #[test]
    fn lone_surrogates_become_the_replacement_character_and_pairs_stay() {
        assert_eq!(
            replaced(r#"{"a":"\ud800"}"#).as_deref(),
            Some(r#"{"a":"\uFFFD"}"#)
        );
        assert_eq!(
            replaced(r#"{"a":"x\uDC00y"}"#).as_deref(),
            Some(r#"{"a":"x\uFFFDy"}"#)
        );
        assert_eq!(
            replaced(r#"["\ud83d\ude00","\ud83d"]"#).as_deref(),
            Some(r#"["\ud83d\ude00","\uFFFD"]"#)
        );
        // A high surrogate followed by another high one: both lone.
        assert_eq!(
            replaced(r#""\ud800\ud801""#).as_deref(),
            Some(r#""\uFFFD\uFFFD""#)
        );
        // An escaped backslash before `u` is not an escape.
        assert_eq!(replaced(r#""\\ud800""#), None);
        assert_eq!(replaced(r#"{"plain":"é \u00e9"}"#), None);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(without_bom(b"{}"), b"{}");
    }

    #[test]
    fn what_serde_refuses_reads_after_the_repair() {
        let body = br#"{"name":"cut \ud83d"}"#;
        assert!(serde_json::from_slice::<serde_json::Value>(body).is_err());
        let value: serde_json::Value =
            readable(body, |b| serde_json::from_slice(b)).expect("readable");
        assert_eq!(value["name"], "cut \u{FFFD}");
    }
}
