//! Committing one part: which import it joins, whether it is new, a repeat or a
//! contradiction, and whether it completes its import.
//!
//! Imports count their parts from 0 (real deliveries) or from 1 (Flatfile's documentation).
//! The base is decided per import by the parts themselves: index 0 means 0-based, index N
//! (the count) means 1-based, and indexes in between fit either, so the base stays open until
//! a part at either end arrives; meanwhile parts are numbered by the base the first part's
//! shape suggests (`sequence.length`: 0, `sequence.count`: 1), which a later end can only
//! confirm for the usual senders. An import cannot hold both 0 and N. An import is complete
//! when N distinct indexes are stored: with indexes in `0..=N` and not both ends, N distinct
//! ones always include an end, so a complete import always knows its base.

use crate::body::{self, Packed};
use crate::store::{Conn, OptionalExtension, params};
use crate::{Commit, EventKey, Result, part_number};
use hookgrid_flatfile::Envelope;

/// Where a part's body is kept.
pub(crate) enum BodyAt<'a> {
    /// In the part's own row (a Portal 2 request is one part), as [`crate::body::pack`] put it.
    Own(&'a Packed<'a>),
    /// In `bodies`, shared with the other sheets of its workbook: called for the row's id
    /// only when the part is new, so a repeated workbook writes no body.
    Shared(&'a mut dyn FnMut() -> Result<i64>),
}

/// An import as stored before this part.
struct Known {
    id: i64,
    count: u32,
    batch: String,
    base: Option<u32>,
    likely_base: u32,
}

pub(crate) fn commit_in(
    tx: &Conn<'_>,
    envelope: &Envelope,
    body: BodyAt<'_>,
    hash: &[u8],
    now: i64,
) -> Result<Commit> {
    let existing: Option<Known> = tx
        .query_row(
            "SELECT id, part_count, batch_id, index_base, likely_base FROM events
             WHERE event_id = ?1",
            [&envelope.event_id],
            |r| {
                Ok(Known {
                    id: r.get(0)?,
                    count: r.get(1)?,
                    batch: r.get(2)?,
                    base: r.get(3)?,
                    likely_base: r.get(4)?,
                })
            },
        )
        .optional()?;
    let (event, base, likely_base) = match existing {
        Some(known) => {
            if let Some(reason) = contradiction(&known, envelope) {
                return Ok(Commit::Conflict { reason });
            }
            (known.id, known.base, known.likely_base)
        }
        None => {
            let id = tx.query_row(
                "INSERT INTO events (event_id, batch_id, event_type, schema_id, part_count,
                                     first_received, last_received, likely_base, workbook)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8) RETURNING id",
                params![
                    envelope.event_id,
                    envelope.batch_id,
                    envelope.event_type,
                    envelope.schema_id,
                    envelope.count,
                    now,
                    envelope.likely_base,
                    envelope.workbook
                ],
                |r| r.get(0),
            )?;
            (id, None, envelope.likely_base)
        }
    };
    let base = base.or(base_shown_by(envelope));
    let part = part_number(envelope.index, base, likely_base);
    let stored: Option<Vec<u8>> = tx
        .query_row(
            "SELECT body_sha256 FROM parts WHERE event = ?1 AND idx = ?2",
            params![event, envelope.index],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(h) if h == hash => {
            tx.execute(
                "UPDATE parts SET duplicates = duplicates + 1 WHERE event = ?1 AND idx = ?2",
                params![event, envelope.index],
            )?;
            return Ok(Commit::Duplicate {
                event: EventKey(event),
                part,
            });
        }
        Some(_) => {
            return Ok(Commit::Conflict {
                reason: if envelope.workbook.is_some() {
                    format!(
                        "sheet {} was already stored under event {} with other records; a \
                         sheet changed after its commit cannot be the same submit",
                        envelope.batch_id, envelope.event_id
                    )
                } else {
                    format!(
                        "part {part} (index {}) of event {} was already stored with a \
                         different body",
                        envelope.index, envelope.event_id
                    )
                },
            });
        }
        None => {}
    }
    let (own, codec, size, shared): (&[u8], i64, Option<i64>, Option<i64>) = match body {
        BodyAt::Own(packed) => (&packed.bytes, packed.codec, Some(packed.size), None),
        BodyAt::Shared(id) => (&[], body::AS_SENT, None, Some(id()?)),
    };
    tx.execute(
        "INSERT INTO parts (event, idx, received_at, declared_rows, valid_rows, invalid_rows,
                            body_sha256, body, body_id, body_codec, body_size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            event,
            envelope.index,
            now,
            envelope.declared_rows,
            envelope.valid_rows,
            envelope.invalid_rows,
            hash,
            own,
            shared,
            codec,
            size
        ],
    )?;
    let received: u32 = tx.query_row(
        "SELECT COUNT(*) FROM parts WHERE event = ?1",
        [event],
        |r| r.get(0),
    )?;
    let completed = received == envelope.count;
    tx.execute(
        "UPDATE events SET last_received = ?2,
                completed_at = CASE WHEN CAST(?3 AS BOOLEAN) THEN ?2 ELSE completed_at END,
                index_base = COALESCE(index_base, ?4),
                customer = COALESCE(customer, ?5)
         WHERE id = ?1",
        params![event, now, completed, base, envelope.customer],
    )?;
    Ok(Commit::Stored {
        event: EventKey(event),
        part,
        completed,
        parts_received: received,
    })
}

/// The base a part's index proves: 0 at the bottom end, 1 at the top end. With one part,
/// index 0 and index 1 are the two ends.
fn base_shown_by(envelope: &Envelope) -> Option<u32> {
    if envelope.index == 0 {
        Some(0)
    } else if envelope.index == envelope.count {
        Some(1)
    } else {
        None
    }
}

/// Why a part cannot belong to the import it names, if it cannot.
fn contradiction(known: &Known, envelope: &Envelope) -> Option<String> {
    let event = &envelope.event_id;
    if known.count != envelope.count {
        return Some(format!(
            "event {event} was announced with {} parts (event.sequence count/length); this \
             part says {}",
            known.count, envelope.count
        ));
    }
    if known.batch != envelope.batch_id {
        return Some(format!(
            "event {event} belongs to batch {}; this part says batch {}",
            known.batch, envelope.batch_id
        ));
    }
    let n = known.count;
    match (known.base, base_shown_by(envelope)) {
        (Some(0), Some(1)) => Some(format!(
            "event {event} counts its parts from 0 (index 0 is stored), so its last index is \
             {}; this part has index {n}. An import cannot hold both index 0 and index {n}",
            n - 1
        )),
        (Some(1), Some(0)) => Some(format!(
            "event {event} counts its parts from 1 (index {n} is stored); this part has index \
             0. An import cannot hold both index 0 and index {n}"
        )),
        _ => None,
    }
}
