//! What happened, announced to whoever listens: the CLI log and the desktop UI.

use hookgrid_ledger::{QuarantineKind, ReviewStatus};

use crate::RetryOutcome;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One thing that happened to the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum Event {
    /// A new part is durable.
    PartStored {
        event: String,
        batch: String,
        part: u32,
        of: u32,
        /// Parts of this import stored so far.
        received: u32,
        /// The part holds a different number of rows than its `data.meta` declares.
        count_mismatch: bool,
    },
    /// The last missing part arrived; the batch's frame is being built.
    BatchCompleted {
        event: String,
        batch: String,
        #[ts(type = "number")]
        valid: u64,
        #[ts(type = "number")]
        invalid: u64,
    },
    /// The batch's frame is written and can be opened.
    BatchReady {
        event: String,
        batch: String,
        #[ts(type = "number")]
        rows: u64,
    },
    /// Building the batch's frame failed (the parts stay in the ledger).
    BatchFailed {
        event: String,
        batch: String,
        message: String,
    },
    /// An import was deleted (by the user, or by the retention setting).
    BatchDeleted { event: String, batch: String },
    /// A request could not be stored at all (disk full, unwritable data dir); its sender was
    /// told to retry. `storage_recovered` says when storing works again.
    StorageFailed { disk_full: bool, message: String },
    /// Storing works again after `storage_failed` (a request was stored, or `/healthz`'s
    /// test write succeeded).
    StorageRecovered {},
    /// A rejected request was tried again: stored (and gone from the quarantine), or still
    /// refused (and kept, with its new reason).
    RequestRetried {
        #[ts(type = "number")]
        id: i64,
        outcome: RetryOutcome,
    },
    /// Rejected requests were dismissed: out of the list and its count.
    RequestsDismissed {
        #[ts(type = "number[]")]
        ids: Vec<i64>,
    },
    /// A request came to an old or wrong webhook URL (see [`crate::WrongDoor`]).
    WrongToken {
        #[ts(type = "number")]
        count: u64,
    },
    /// The public URL did not answer twice in a row: Flatfile cannot reach Hookgrid.
    Unreachable { url: String, message: String },
    /// The public URL answers again (or is no longer set).
    Reachable { url: String },
    /// A configuration was added, replaced or removed, or given to (or taken from) an import:
    /// which configuration explains which import may have changed.
    ConfigsChanged {},
    /// A reviewer set where an import stands (`hookgrid review`, the import's header).
    ReviewChanged {
        event: String,
        batch: String,
        status: ReviewStatus,
        by: String,
    },
    /// A cell of an import was corrected, or a correction reverted.
    CorrectionsChanged { event: String, batch: String },
    /// Rows of an import were flagged, given a new note, or unflagged.
    FlagsChanged { event: String, batch: String },
    /// A request was rejected and kept in the quarantine.
    RequestQuarantined {
        #[ts(type = "number")]
        id: i64,
        kind: QuarantineKind,
        reason: String,
    },
}
