//! Flatfile Portal 2.0 webhook payloads: the types of one request and the checks of the
//! contract (see `DESIGN.md`, "The webhook contract").
//!
//! This crate parses bytes into a [`Part`] and says precisely what is wrong when it cannot.
//! It does no I/O and knows nothing of storage or dataframes; callers decide what to do with
//! a [`PayloadError`] (the listener quarantines the body and answers 400 or 422).

mod payload;
mod rows;
pub mod sample;

pub use payload::{Envelope, Part, PayloadError, PayloadErrorKind, parse};
pub use rows::{Cell, Column, Rows, Text, Values};
