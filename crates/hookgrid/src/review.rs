//! Where an import is read: finding one and paging through views of it ([`query`]), the
//! imports held in memory for the grid ([`browse`]), the list ([`listing`]), one import's
//! details ([`details`]) and one row as sent ([`row`]), exports ([`export`]), deleting
//! ([`retention`]), why rows are invalid ([`reasons`]) and what reviewers decided
//! ([`decisions`]), flagged ([`flags`]) and corrected ([`corrections`]).

pub(crate) mod browse;
pub(crate) mod corrections;
pub(crate) mod decisions;
pub(crate) mod details;
pub(crate) mod export;
pub(crate) mod flags;
pub(crate) mod listing;
pub(crate) mod query;
pub(crate) mod reasons;
pub(crate) mod replace;
pub(crate) mod retention;
pub(crate) mod row;
