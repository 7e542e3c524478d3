//! Flatfile Portal 2.0 webhook payloads: the types of one request and the checks of the
//! contract (the README's "The webhook" section): the documented shape and the one real
//! deliveries carry (`sequence.length`, 0-based indexes, `data.customer`, text-only cells).
//!
//! Also today's Flatfile Platform workbooks, as the webhook-egress plugin posts them
//! ([`workbook`]): each sheet an import of one part, with Flatfile's own cell messages.
//!
//! This crate parses bytes into a [`Part`] and says precisely what is wrong when it cannot.
//! It does no I/O and knows nothing of storage or dataframes; callers decide what to do with
//! a [`PayloadError`] (the listener quarantines the body and answers 400 or 422).

mod payload;
mod rows;
pub mod sample;
mod shape;
pub mod workbook;

pub use payload::{
    Checked, Envelope, MAX_PARTS, Part, PayloadError, PayloadErrorKind, check, check_body, odd,
    parse, parse_as_sent, read_rows,
};
pub use rows::{Cell, Column, Rows, Text, Values};
pub use shape::{Decimals, MAX_DECIMAL_DIGITS, Shape};
