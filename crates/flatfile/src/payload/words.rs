//! A contract error in JSON's words. serde describes what it expected in Rust's terms (`struct
//! RawMeta`, `a sequence`, `i64`): the parser's own type names mean nothing to the person who
//! reads why a request was refused, and must not reach them.

/// `message` (serde's) with every Rust term said as JSON says it.
pub(crate) fn json_words(message: &str) -> String {
    // A JSON array where an object belongs: serde reads an array as a struct's fields in
    // order, and says so as a length.
    if message.starts_with("invalid length ") && message.contains("expected struct ") {
        return "invalid type: array, expected an object".to_owned();
    }
    let mut text = replace_named(message, "expected struct ", "expected an object");
    text = replace_named(
        &text,
        "expected enum ",
        "expected one of the documented values",
    );
    for (rust, json) in [
        ("invalid type: map", "invalid type: object"),
        ("invalid type: sequence", "invalid type: array"),
        ("invalid type: floating point", "invalid type: number"),
        ("expected a map", "expected an object"),
        ("expected a sequence", "expected an array"),
        ("expected a borrowed string", "expected a string"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
    ] {
        text = text.replace(rust, json);
    }
    for int in ["i64", "i32", "u64", "u32", "u16", "u8", "usize"] {
        text = replace_word(&text, &format!("expected {int}"), "expected a whole number");
    }
    text
}

/// Replaces `prefix` and the identifier after it with `with`.
fn replace_named(text: &str, prefix: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at]);
        out.push_str(with);
        let after = &rest[at + prefix.len()..];
        let name = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        rest = &after[name..];
    }
    out.push_str(rest);
    out
}

/// Replaces `word` where it is not part of a longer word.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let after = &rest[at + word.len()..];
        let whole = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if whole { with } else { word });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_terms_become_json_ones() {
        for (serde, said) in [
            (
                "invalid type: integer `1`, expected struct RawMeta",
                "invalid type: integer `1`, expected an object",
            ),
            (
                "invalid length 0, expected struct RawEvent with 3 elements",
                "invalid type: array, expected an object",
            ),
            (
                "invalid type: string \"a\", expected i64",
                "invalid type: string \"a\", expected a whole number",
            ),
            (
                "invalid type: floating point `1.5`, expected u32",
                "invalid type: number `1.5`, expected a whole number",
            ),
            (
                "invalid type: map, expected a sequence",
                "invalid type: object, expected an array",
            ),
            ("expected u3200 rows", "expected u3200 rows"),
            ("missing field `meta`", "missing field `meta`"),
        ] {
            assert_eq!(json_words(serde), said, "{serde}");
        }
    }
}
