//! What happened, announced to whoever listens: the CLI log, the desktop UI, the review
//! listener's event stream, and (on a PostgreSQL ledger) the other instances' (see
//! [`shared`]).

pub(crate) mod shared;

use hookgrid_ledger::{QuarantineKind, ReviewStatus};
use tokio::sync::broadcast;

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
    BatchDeleted {
        event: String,
        batch: String,
        /// Its number in the ledger: which files each instance derived from it.
        #[ts(type = "number")]
        key: i64,
    },
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
    /// Events may have been missed (another instance on the ledger started again, or this
    /// one lost track of theirs for a while): read everything again.
    Resync {},
}

impl Event {
    /// Whether reviewers of the other instances on a shared ledger need to hear it: what
    /// happened to the data, not this instance's own health, door or tunnel.
    pub(crate) fn is_shared(&self) -> bool {
        !matches!(
            self,
            Event::StorageFailed { .. }
                | Event::StorageRecovered {}
                | Event::WrongToken { .. }
                | Event::Unreachable { .. }
                | Event::Reachable { .. }
                | Event::Resync {}
        )
    }
}

/// Where events go: this process's listeners and, on a PostgreSQL ledger, the ledger's list
/// of announcements (see [`shared`]).
#[derive(Debug)]
pub(crate) struct Bus {
    /// Everything heard: this process's events and, once followed, the other instances'.
    all: broadcast::Sender<Event>,
    /// This process's own events only.
    own: broadcast::Sender<Event>,
    /// To the thread that announces events to the other instances.
    outbox: Option<shared::Outbox>,
}

impl Bus {
    /// A bus for this process only.
    pub(crate) fn local() -> Bus {
        Bus {
            all: broadcast::channel(1024).0,
            own: broadcast::channel(1024).0,
            outbox: None,
        }
    }

    /// A bus that also announces what is shared through `outbox`.
    pub(crate) fn announcing(outbox: shared::Outbox) -> Bus {
        Bus {
            outbox: Some(outbox),
            ..Bus::local()
        }
    }

    /// Tells every listener (and the other instances, when it is shared).
    pub(crate) fn send(&self, event: Event) {
        if let Some(outbox) = &self.outbox
            && event.is_shared()
        {
            outbox.send(&event);
        }
        // Nobody listening is not a failure.
        let _ = self.own.send(event.clone());
        let _ = self.all.send(event);
    }

    /// Tells this process's listeners what another instance announced.
    pub(crate) fn heard(&self, event: Event) {
        let _ = self.all.send(event);
    }

    /// Every event, this process's and the other instances' it follows.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.all.subscribe()
    }

    /// This process's own events.
    pub(crate) fn subscribe_own(&self) -> broadcast::Receiver<Event> {
        self.own.subscribe()
    }

    /// Waits (a little) until what was sent so far is announced.
    pub(crate) fn flush(&self) {
        if let Some(outbox) = &self.outbox {
            outbox.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_happened_to_the_data_is_shared_and_an_instance_s_own_health_is_not() {
        let shared = [
            Event::PartStored {
                event: "e".into(),
                batch: "b".into(),
                part: 1,
                of: 2,
                received: 1,
                count_mismatch: false,
            },
            Event::BatchDeleted {
                event: "e".into(),
                batch: "b".into(),
                key: 1,
            },
            Event::ConfigsChanged {},
            Event::FlagsChanged {
                event: "e".into(),
                batch: "b".into(),
            },
        ];
        let own = [
            Event::StorageFailed {
                disk_full: true,
                message: "full".into(),
            },
            Event::StorageRecovered {},
            Event::WrongToken { count: 1 },
            Event::Unreachable {
                url: "https://x".into(),
                message: "down".into(),
            },
            Event::Reachable {
                url: "https://x".into(),
            },
            Event::Resync {},
        ];
        assert!(shared.iter().all(Event::is_shared));
        assert!(!own.iter().any(Event::is_shared));
    }

    #[test]
    fn a_local_bus_tells_its_own_listeners_and_heard_events_reach_only_the_all_stream() {
        let bus = Bus::local();
        let (mut all, mut own) = (bus.subscribe(), bus.subscribe_own());
        bus.send(Event::ConfigsChanged {});
        bus.heard(Event::Resync {});
        assert_eq!(all.try_recv().ok(), Some(Event::ConfigsChanged {}));
        assert_eq!(all.try_recv().ok(), Some(Event::Resync {}));
        assert_eq!(own.try_recv().ok(), Some(Event::ConfigsChanged {}));
        assert!(
            own.try_recv().is_err(),
            "another instance's event is not this one's"
        );
    }
}
