//! `Content-Encoding` of a webhook body: a body sent compressed (`gzip`, `deflate`) is
//! decoded before it is read and stored, under the same size bound as a plain body, so a
//! small body that inflates past it (a "gzip bomb") is refused as too large without ever
//! being held whole.

use std::borrow::Cow;
use std::io::Read;

/// Why a body could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Undecodable {
    /// It decodes to more than the limit.
    TooLarge,
    /// It is not what its encoding says, or the encoding is not one this reads.
    Invalid(String),
}

/// The encodings read, for messages.
const READ: &str = "gzip, deflate and identity";

/// `body` as sent before `encoding` (the `Content-Encoding` header's value), at most `limit`
/// bytes of it.
pub(crate) fn decode<'a>(
    encoding: Option<&str>,
    body: &'a [u8],
    limit: usize,
) -> Result<Cow<'a, [u8]>, Undecodable> {
    let Some(encoding) = encoding else {
        return Ok(Cow::Borrowed(body));
    };
    let mut decoded = Cow::Borrowed(body);
    // Listed in the order they were applied: undone last first.
    for coding in encoding.split(',').map(str::trim).rev() {
        decoded = match coding.to_ascii_lowercase().as_str() {
            "" | "identity" => decoded,
            "gzip" | "x-gzip" => Cow::Owned(inflate(
                flate2::read::MultiGzDecoder::new(&*decoded),
                coding,
                limit,
            )?),
            // "deflate" is zlib-wrapped by the standard; some senders send it raw.
            "deflate" => match inflate(flate2::read::ZlibDecoder::new(&*decoded), coding, limit) {
                Ok(inflated) => Cow::Owned(inflated),
                Err(Undecodable::TooLarge) => return Err(Undecodable::TooLarge),
                Err(Undecodable::Invalid(_)) => Cow::Owned(inflate(
                    flate2::read::DeflateDecoder::new(&*decoded),
                    coding,
                    limit,
                )?),
            },
            other => {
                return Err(Undecodable::Invalid(format!(
                    "Content-Encoding: {other} is not one Hookgrid reads ({READ}); send the \
                     body uncompressed or gzip-compressed"
                )));
            }
        };
    }
    Ok(decoded)
}

fn inflate(reader: impl Read, coding: &str, limit: usize) -> Result<Vec<u8>, Undecodable> {
    let mut out = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            Undecodable::Invalid(format!(
                "the body is sent with Content-Encoding: {coding} but cannot be decoded: {e}"
            ))
        })?;
    if out.len() > limit {
        return Err(Undecodable::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("write");
        encoder.finish().expect("finish")
    }

    #[test]
    fn gzip_and_deflate_are_decoded_and_identity_passes() {
        let json = br#"{"event":{"id":"e"}}"#;
        assert_eq!(
            decode(Some("gzip"), &gzip(json), 1024).expect("gzip"),
            &json[..]
        );
        assert_eq!(
            decode(Some("X-GZIP"), &gzip(json), 1024).expect("x-gzip"),
            &json[..]
        );
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(json).expect("write");
        let zlib = zlib.finish().expect("finish");
        assert_eq!(
            decode(Some("deflate"), &zlib, 1024).expect("zlib"),
            &json[..]
        );
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(json).expect("write");
        let raw = raw.finish().expect("finish");
        assert_eq!(
            decode(Some("deflate"), &raw, 1024).expect("raw deflate"),
            &json[..]
        );
        assert!(matches!(decode(None, json, 1024), Ok(Cow::Borrowed(_))));
        assert!(matches!(
            decode(Some("identity"), json, 1024),
            Ok(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn a_bomb_is_too_large_and_garbage_is_invalid() {
        let bomb = gzip(&vec![b' '; 10 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
        assert_eq!(
            decode(Some("gzip"), &bomb, 1024 * 1024),
            Err(Undecodable::TooLarge)
        );
        assert!(matches!(
            decode(Some("gzip"), b"{\"not\":\"gzip\"}", 1024),
            Err(Undecodable::Invalid(m)) if m.contains("Content-Encoding: gzip")
        ));
        assert!(matches!(
            decode(Some("br"), b"...", 1024),
            Err(Undecodable::Invalid(m)) if m.contains("br is not one")
        ));
    }
}
