//! The ledger's tables, per backend: SQLite's grew migration by migration (version 18 is
//! where PostgreSQL's began); PostgreSQL's starts from that shape. Each backend counts its own
//! versions, and a ledger of a newer version than this build knows is refused.

pub(crate) mod postgres;
pub(crate) mod sqlite;
