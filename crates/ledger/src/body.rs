//! How a part's body is kept: compressed with LZ4 (a block, its size in `body_size`), or as
//! sent when that would not save anything (`body_codec` says which). Every reader gets the
//! bytes exactly as they arrived; a body's digest is always of those bytes.
//!
//! Why: a part is acknowledged once its body is durable, and the time that takes grows with
//! the bytes written and synced. JSON rows shrink four- to tenfold, so the commit writes and
//! syncs a fraction of the body (and the checkpoint copies a fraction into the file), for about
//! a third of a millisecond of compression on a 350 KB part.

use std::borrow::Cow;

use crate::{LedgerError, Result};

/// `body_codec`: the bytes are the body as sent.
pub(crate) const AS_SENT: i64 = 0;
/// `body_codec`: the bytes are an LZ4 block of `body_size` bytes.
pub(crate) const LZ4: i64 = 1;

/// Bodies smaller than this are kept as sent: a one-row part saves nothing worth a codec.
const SMALLEST_PACKED: usize = 4 * 1024;

/// A body as it is written: its codec, its bytes and its size as sent.
#[derive(Debug)]
pub(crate) struct Packed<'a> {
    pub(crate) codec: i64,
    pub(crate) bytes: Cow<'a, [u8]>,
    pub(crate) size: i64,
}

impl Packed<'_> {
    /// The same, owning its bytes (to wait in a queue beyond the caller's borrow).
    pub(crate) fn into_owned(self) -> Packed<'static> {
        Packed {
            codec: self.codec,
            bytes: Cow::Owned(self.bytes.into_owned()),
            size: self.size,
        }
    }
}

/// `body` as it will be stored.
pub(crate) fn pack(body: &[u8]) -> Packed<'_> {
    let size = i64::try_from(body.len()).unwrap_or(i64::MAX);
    let as_sent = || Packed {
        codec: AS_SENT,
        bytes: Cow::Borrowed(body),
        size,
    };
    if body.len() < SMALLEST_PACKED || i32::try_from(body.len()).is_err() {
        return as_sent();
    }
    match lz4::block::compress(body, None, false) {
        // Kept packed only when it saves at least an eighth.
        Ok(packed) if packed.len() < body.len() - body.len() / 8 => Packed {
            codec: LZ4,
            bytes: Cow::Owned(packed),
            size,
        },
        _ => as_sent(),
    }
}

/// The body as sent, from what is stored. `what` names it for an error (`part 3 of event 12`).
pub(crate) fn unpack<'a>(
    codec: i64,
    size: Option<i64>,
    stored: &'a [u8],
    what: impl FnOnce() -> String,
) -> Result<Cow<'a, [u8]>> {
    read(codec, size, stored).map_err(|problem| LedgerError::BodyDamaged {
        what: what(),
        problem,
    })
}

fn read(codec: i64, size: Option<i64>, stored: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    match codec {
        AS_SENT => Ok(Cow::Borrowed(stored)),
        LZ4 => {
            let size = size
                .and_then(|s| i32::try_from(s).ok())
                .ok_or("its size is missing")?;
            let body = lz4::block::decompress(stored, Some(size))
                .map_err(|e| format!("it does not decompress: {e}"))?;
            if body.len() != size as usize {
                return Err(format!(
                    "it decompresses to {} bytes, not the {size} stored",
                    body.len()
                ));
            }
            Ok(Cow::Owned(body))
        }
        other => Err(format!(
            "it is kept in a form this version does not know ({other})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Vec<u8> {
        let row = r#"{"email":"a@example.com","name":"Customer","plan":"team"}"#;
        format!("[{}]", vec![row; n].join(",")).into_bytes()
    }

    #[test]
    fn a_body_comes_back_exactly_as_sent_whichever_way_it_was_kept() {
        for body in [rows(1), rows(1_000), b"\x00\xff not JSON at all".to_vec()] {
            let packed = pack(&body);
            let back = unpack(packed.codec, Some(packed.size), &packed.bytes, String::new)
                .expect("unpacked");
            assert_eq!(back.as_ref(), body.as_slice());
        }
    }

    #[test]
    fn rows_are_kept_packed_and_small_or_random_bodies_as_sent() {
        let big = rows(1_000);
        let packed = pack(&big);
        assert_eq!(packed.codec, LZ4);
        assert!(packed.bytes.len() * 4 < big.len(), "{}", packed.bytes.len());
        assert_eq!(pack(&rows(1)).codec, AS_SENT, "too small to be worth it");
        // Bytes with no repeats do not shrink: kept as sent.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..64 * 1024)
            .map(|_| {
                // xorshift64: no repeats for LZ4 to find.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        assert_eq!(pack(&noise).codec, AS_SENT);
    }

    #[test]
    fn a_damaged_packed_body_is_an_error_naming_it() {
        let big = rows(1_000);
        let packed = pack(&big);
        let cut = &packed.bytes[..packed.bytes.len() / 2];
        let e = unpack(LZ4, Some(packed.size), cut, || {
            "part 3 of event 12".to_owned()
        })
        .expect_err("damaged");
        assert!(e.to_string().contains("part 3 of event 12"), "{e}");
        let e = unpack(LZ4, None, &packed.bytes, || "part 3".to_owned()).expect_err("no size");
        assert!(e.to_string().contains("size is missing"), "{e}");
        let e = unpack(7, Some(1), b"x", || "part 3".to_owned()).expect_err("unknown");
        assert!(e.to_string().contains("does not know"), "{e}");
    }
}
