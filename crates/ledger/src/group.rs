//! Group commit for a SQLite ledger: parts that wait for the writer at the same time are
//! committed in one transaction, so several senders share one fsync instead of queueing for
//! one each.
//!
//! A part joins the queue, then waits for the writer. Whoever gets it first commits every part
//! queued by then, itself among them, and writes each part's outcome into its slot; a part
//! whose slot is filled when its turn comes returns at once. Every outcome is written only
//! after the transaction is durable, so no part is answered before it is on disk. One part
//! that cannot be written (the disk full) must not fail the others: the group is then rolled
//! back and each part committed on its own, with its own outcome.

use std::sync::{Arc, Mutex, MutexGuard};

use hookgrid_flatfile::Envelope;
use rusqlite::{Connection, TransactionBehavior};

use crate::body::Packed;
use crate::store::{Conn, db};
use crate::{Commit, Result, commit};

/// A part waiting to be committed.
pub(crate) struct Queued {
    envelope: Envelope,
    body: Packed<'static>,
    hash: Vec<u8>,
    now: i64,
    outcome: Mutex<Option<Result<Commit>>>,
}

/// Parts waiting for the writer.
#[derive(Default)]
pub(crate) struct Waiting {
    parts: Mutex<Vec<Arc<Queued>>>,
    /// Transactions begun for parts, so a test sees parts share one.
    #[cfg(test)]
    pub(crate) transactions: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiting").finish_non_exhaustive()
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Outcomes and a queue of parts stay consistent whatever panicked while one was held.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Waiting {
    /// Commits one part, with every other part waiting for the writer at the time.
    pub(crate) fn commit(
        &self,
        path: &std::path::Path,
        writer: &Mutex<Connection>,
        envelope: &Envelope,
        body: Packed<'_>,
        hash: Vec<u8>,
        now: i64,
    ) -> Result<Commit> {
        let me = Arc::new(Queued {
            envelope: envelope.clone(),
            body: body.into_owned(),
            hash,
            now,
            outcome: Mutex::new(None),
        });
        locked(&self.parts).push(me.clone());
        let mut conn = locked(writer);
        if let Some(outcome) = locked(&me.outcome).take() {
            // Committed by the part that had the writer before this one.
            return outcome;
        }
        let group = std::mem::take(&mut *locked(&self.parts));
        #[cfg(test)]
        self.transactions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match commit_all(path, &mut conn, &group) {
            Ok(outcomes) => {
                for (part, outcome) in group.iter().zip(outcomes) {
                    *locked(&part.outcome) = Some(Ok(outcome));
                }
            }
            Err(_) => {
                for part in &group {
                    let alone = commit_all(path, &mut conn, std::slice::from_ref(part))
                        .map(|mut o| o.pop().expect("one outcome"));
                    *locked(&part.outcome) = Some(alone);
                }
            }
        }
        drop(conn);
        locked(&me.outcome)
            .take()
            .expect("committed with its group")
    }
}

impl Waiting {
    /// How many parts wait for the writer now.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        locked(&self.parts).len()
    }
}

/// Commits `parts` in one transaction; their outcomes in order.
fn commit_all(
    path: &std::path::Path,
    conn: &mut Connection,
    parts: &[Arc<Queued>],
) -> Result<Vec<Commit>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| db(path, e))?;
    let c = Conn::sqlite(path, &tx);
    let outcomes = parts
        .iter()
        .map(|p| {
            // A conflict writes nothing, so it never keeps the others from being stored.
            commit::commit_in(
                &c,
                &p.envelope,
                commit::BodyAt::Own(&p.body),
                &p.hash,
                p.now,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    tx.commit().map_err(|e| db(path, e))?;
    Ok(outcomes)
}
