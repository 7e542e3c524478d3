//! One webhook body in: checked (signature, payload), committed to the ledger and only then
//! acknowledged, or kept in the quarantine with its reason.

use hookgrid_flatfile::workbook::{is_workbook, opens_as_workbook, parse_workbook};
use hookgrid_flatfile::{PayloadError, PayloadErrorKind, check_body};
use hookgrid_frames::Validity;
use hookgrid_ledger::{Commit, LedgerError, WorkbookSheet};

use crate::intake::assembly::HeldPart;
use crate::review::browse::Loaded;
use crate::{Core, Event, Hookgrid, QuarantineKind, Result};

/// A request's Standard Webhooks headers (see [`crate::intake::signature`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signed {
    pub id: Option<String>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
}

/// What the listener knows of a request besides its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrival {
    /// Its Standard Webhooks headers.
    pub signed: Signed,
    /// The address it came through (`host[:port]`, from `X-Forwarded-Host` or `Host`).
    pub via: Option<String>,
    /// Its `Content-Encoding`, when it has one.
    pub encoding: Option<String>,
    /// The most a compressed body may decode to.
    pub max_decoded: usize,
}

/// A request that was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `false` for an identical repeat of a stored part.
    pub stored: bool,
    pub event: String,
    pub batch: String,
    /// The part's number, from 1, whichever base the import's indexes use.
    pub part: u32,
    /// `event.sequence.index` as sent.
    pub index: u32,
    pub of: u32,
    /// For a Flatfile Platform workbook, its sheets and its answer (then `event` and `batch`
    /// are the workbook's id, and `stored` says whether any sheet was new); `None` for a
    /// Portal 2 part.
    pub workbook: Option<WorkbookReceipt>,
}

/// What a workbook's submit came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookReceipt {
    pub sheets: Vec<SheetReceipt>,
    /// The body to answer with: `{}`, or the cells sent back (see [`crate::intake::sendback`]).
    pub answer: serde_json::Value,
}

impl Receipt {
    /// What was acknowledged, in words: `part 2 of 3 of batch B`, or `workbook W (sheets
    /// Contacts, Orders)`.
    pub fn what(&self) -> String {
        match &self.workbook {
            None => format!("part {} of {} of batch {}", self.part, self.of, self.batch),
            Some(workbook) => {
                let names: Vec<&str> = workbook.sheets.iter().map(|s| s.name.as_str()).collect();
                format!("workbook {} (sheets {})", self.event, names.join(", "))
            }
        }
    }
}

/// One sheet of an acknowledged workbook: the import it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SheetReceipt {
    /// `false` for a sheet stored before (an identical resubmit, or a sheet unchanged while
    /// another changed).
    pub stored: bool,
    /// Its import's event (see [`hookgrid_flatfile::workbook::EventFrom`]) and batch (the
    /// sheet id).
    pub event: String,
    pub batch: String,
    pub name: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// A request that was not acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Bad or conflicting input; kept in the quarantine under `quarantine_id`.
    #[error("{message}")]
    Rejected {
        kind: QuarantineKind,
        message: String,
        quarantine_id: i64,
    },
    /// A compressed body decodes to more than the size limit (nothing is kept: a bomb).
    #[error("the body decodes to more than {0} bytes")]
    TooLarge(usize),
    /// Nothing could be stored (disk full, unwritable data dir); the sender should retry.
    #[error("the request could not be stored: {0}")]
    Storage(#[from] LedgerError),
}

impl IngestError {
    /// Whether storage failed because the disk is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, IngestError::Storage(e) if e.is_disk_full())
    }
}

impl Hookgrid {
    /// A request as the listener received it: its body decoded (a `Content-Encoding`), then
    /// [`Hookgrid::ingest_signed`], then the address it came through noted on its import.
    pub fn ingest_request(&self, body: &[u8], arrival: Arrival) -> Result<Receipt, IngestError> {
        let Arrival {
            signed,
            via,
            encoding,
            max_decoded,
        } = arrival;
        let body = match crate::intake::encoding::decode(encoding.as_deref(), body, max_decoded) {
            Ok(decoded) => decoded,
            Err(crate::intake::encoding::Undecodable::TooLarge) => {
                return Err(IngestError::TooLarge(max_decoded));
            }
            Err(crate::intake::encoding::Undecodable::Invalid(message)) => {
                // Kept as it came (still compressed), with why.
                return Err(self
                    .core
                    .reject(QuarantineKind::NotJson, message, None, body)?);
            }
        };
        let body = &*body;
        let via = via.as_deref();
        let receipt = self.ingest_signed(body, signed)?;
        if let Some(via) = via {
            let events: Vec<&str> = match &receipt.workbook {
                Some(workbook) => workbook.sheets.iter().map(|s| s.event.as_str()).collect(),
                None => vec![receipt.event.as_str()],
            };
            for event in events {
                if let Err(e) = self.core.ledger.note_arrival(event, via) {
                    // The part is stored; only where it came from is missing.
                    tracing::warn!("cannot note where event {event} came from: {e}");
                }
            }
        }
        Ok(receipt)
    }

    /// [`Hookgrid::ingest`] for a request with these signature headers: with a signing secret
    /// configured, a request whose signature does not verify is quarantined, not ingested.
    pub fn ingest_signed(&self, body: &[u8], signed: Signed) -> Result<Receipt, IngestError> {
        self.core.refresh_signing();
        let checked = {
            let signing = self.core.signing.read().unwrap_or_else(|p| p.into_inner());
            signing.as_ref().map(|secret| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                secret.verify(
                    signed.id.as_deref(),
                    signed.timestamp.as_deref(),
                    signed.signature.as_deref(),
                    body,
                    now,
                )
            })
        };
        if let Some(Err(e)) = checked {
            let message = format!("the request is not signed with the signing secret: {e}");
            return Err(self
                .core
                .reject(QuarantineKind::Signature, message, None, body)?);
        }
        self.ingest(body)
    }

    /// Parses, checks and durably stores one webhook body. Blocking: call it off the async
    /// runtime. Returns only after the part (or its quarantine entry) is committed.
    pub fn ingest(&self, body: &[u8]) -> Result<Receipt, IngestError> {
        let (receipt, completed) = self.core.ingest(body)?;
        for import in completed {
            self.build_completed(import);
        }
        Ok(receipt)
    }
}

/// Why a body was not stored, before it is quarantined.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) kind: QuarantineKind,
    pub(crate) message: String,
    /// `event.id` and `event.sequence.index`, when the body got far enough to say.
    pub(crate) event: Option<(String, u32)>,
}

impl Refusal {
    /// A body that does not parse: not JSON, or JSON that breaks the contract.
    fn of(e: PayloadError) -> Refusal {
        let kind = match e.kind {
            PayloadErrorKind::NotJson => QuarantineKind::NotJson,
            PayloadErrorKind::Contract => QuarantineKind::Contract,
        };
        Refusal {
            kind,
            message: e.message,
            event: None,
        }
    }
}

/// What storing a body came to: a receipt (and the imports it completed, with their parts),
/// or a refusal.
pub(crate) type Admission = Result<(Receipt, Vec<Loaded>), Refusal>;

impl Core {
    pub(crate) fn ingest(&self, body: &[u8]) -> Result<(Receipt, Vec<Loaded>), IngestError> {
        self.admit(body)?.or_else(|refusal| {
            let event = refusal.event.as_ref().map(|(e, i)| (e.as_str(), *i));
            Err(self.reject(refusal.kind, refusal.message, event, body)?)
        })
    }

    /// Parses, checks and commits a body; a refusal is returned, not yet quarantined. A body
    /// that is not a Portal 2 part is tried as a Flatfile Platform workbook (a top-level
    /// `workbook` object) before it is refused.
    pub(crate) fn admit(&self, body: &[u8]) -> Result<Admission, LedgerError> {
        // The plugin's shape is told by its first key, without reading a workbook as a part.
        if opens_as_workbook(body) {
            return self.admit_workbook(body);
        }
        // Only what the answer needs: the rows are read by the worker once the part is stored,
        // from where the check found them.
        let checked = match check_body(body) {
            Ok(checked) => checked,
            Err(_) if is_workbook(body) => return self.admit_workbook(body),
            Err(e) => return Ok(Err(Refusal::of(e))),
        };
        let envelope = &checked.envelope;
        let receipt = |stored, part| Receipt {
            stored,
            event: envelope.event_id.clone(),
            batch: envelope.batch_id.clone(),
            part,
            index: envelope.index,
            of: envelope.count,
            workbook: None,
        };
        // Commit and queue the rows' reading holding the import, so the worker reads every
        // part this process stored before it builds the import a later part completes.
        let holding = self.assembly.commit_of(&[envelope.event_id.as_str()]);
        match self.announce(self.ledger.commit_part(envelope, body))? {
            Commit::Stored {
                event,
                part,
                completed,
                parts_received,
            } => {
                // Made before the check goes to the worker with its envelope; sent once the
                // import is let go.
                let stored = receipt(true, part);
                let announced = Event::PartStored {
                    event: envelope.event_id.clone(),
                    batch: envelope.batch_id.clone(),
                    part,
                    of: envelope.count,
                    received: parts_received,
                    count_mismatch: envelope.count_mismatch(),
                };
                self.read_later(event, body, checked);
                drop(holding);
                self.events.send(announced);
                // The worker announces the completion: its counts need a read of the ledger,
                // which the sender of this last part should not wait for.
                Ok(Ok((
                    stored,
                    completed
                        .then_some((event, parts_received))
                        .into_iter()
                        .collect(),
                )))
            }
            Commit::Duplicate { part, .. } => Ok(Ok((receipt(false, part), Vec::new()))),
            Commit::Conflict { reason } => Ok(Err(Refusal {
                kind: QuarantineKind::Conflict,
                message: reason,
                event: Some((envelope.event_id.clone(), envelope.index)),
            })),
        }
    }

    /// [`Core::admit`] for a workbook: every sheet an import of one part, all committed in one
    /// transaction (or, when one contradicts what is stored, none).
    fn admit_workbook(&self, body: &[u8]) -> Result<Admission, LedgerError> {
        let workbook = match parse_workbook(body) {
            Ok(workbook) => workbook,
            Err(e) => return Ok(Err(Refusal::of(e))),
        };
        // Checked before the commit, so what is sent back is kept with the sheets it is about.
        let sent_back = self.rejections(&workbook)?;
        let answer = crate::intake::sendback::answer(&workbook, &sent_back);
        let sheets: Vec<WorkbookSheet> = workbook
            .sheets
            .iter()
            .zip(sent_back)
            .map(|(sheet, sent_back)| WorkbookSheet {
                envelope: sheet.envelope(&workbook),
                digest: sheet.digest,
                sent_back,
            })
            .collect();
        // As for a part: committed and handed to the assembly holding its imports.
        let events: Vec<&str> = sheets
            .iter()
            .map(|s| s.envelope.event_id.as_str())
            .collect();
        let holding = self.assembly.commit_of(&events);
        let outcomes = self.announce(self.ledger.commit_workbook(&sheets, body))?;
        if let Some((reason, envelope)) = outcomes.iter().zip(&sheets).find_map(|(c, s)| match c {
            Commit::Conflict { reason } => Some((reason.clone(), &s.envelope)),
            _ => None,
        }) {
            return Ok(Err(Refusal {
                kind: QuarantineKind::Conflict,
                message: reason,
                event: Some((envelope.event_id.clone(), envelope.index)),
            }));
        }
        let share = body.len() / workbook.sheets.len().max(1);
        let mut completed = Vec::new();
        let mut receipts = Vec::with_capacity(workbook.sheets.len());
        let mut stored_events = Vec::new();
        for ((sheet, outcome), WorkbookSheet { envelope, .. }) in
            workbook.sheets.into_iter().zip(outcomes).zip(&sheets)
        {
            let stored = matches!(outcome, Commit::Stored { .. });
            receipts.push(SheetReceipt {
                stored,
                event: envelope.event_id.clone(),
                batch: envelope.batch_id.clone(),
                name: sheet.name.clone(),
                rows: sheet.valid.len() as u64,
            });
            if let Commit::Stored {
                event,
                completed: done,
                ..
            } = outcome
            {
                self.assembly.lock().add(
                    event,
                    HeldPart {
                        index: 0,
                        valid: Validity::Each(sheet.valid),
                        rows: sheet.rows,
                        records: Some(sheet.records),
                    },
                    share,
                );
                stored_events.push(envelope);
                if done {
                    // A sheet is the one part of its import.
                    completed.push((event, 1));
                }
            }
        }
        drop(holding);
        for envelope in stored_events {
            self.events.send(Event::PartStored {
                event: envelope.event_id.clone(),
                batch: envelope.batch_id.clone(),
                part: 1,
                of: 1,
                received: 1,
                count_mismatch: false,
            });
        }
        let receipt = Receipt {
            stored: receipts.iter().any(|s| s.stored),
            event: workbook.id.clone(),
            batch: workbook.id,
            part: 1,
            index: 0,
            of: 1,
            workbook: Some(WorkbookReceipt {
                sheets: receipts,
                answer,
            }),
        };
        Ok(Ok((receipt, completed)))
    }

    /// Quarantines a body; the returned error is what the sender is told.
    pub(crate) fn reject(
        &self,
        kind: QuarantineKind,
        message: String,
        event: Option<(&str, u32)>,
        body: &[u8],
    ) -> Result<IngestError, IngestError> {
        let id = self.announce(self.ledger.quarantine(kind, &message, event, body))?;
        self.events.send(Event::RequestQuarantined {
            id,
            kind,
            reason: message.clone(),
        });
        Ok(IngestError::Rejected {
            kind,
            message,
            quarantine_id: id,
        })
    }

    /// Passes a ledger write through, announcing a failure: every write a request makes
    /// (its part, or its quarantine entry) goes through here.
    pub(crate) fn announce<T>(&self, written: Result<T, LedgerError>) -> Result<T, LedgerError> {
        match &written {
            Ok(_) => self.storing_works(),
            Err(e) => {
                self.storing_failed(e);
                self.events.send(Event::StorageFailed {
                    disk_full: e.is_disk_full(),
                    message: e.to_string(),
                });
            }
        }
        written
    }
}
