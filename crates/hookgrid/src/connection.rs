//! How Flatfile reaches the listener: starting it ([`server`]), the settings that say where it
//! listens and what it asks of a request ([`settings`]), what the connection panel shows of it
//! and what it asks of the shell running it ([`status`]), a tunnel for it ([`tunnel`]), the
//! test import sent through it ([`probe`]) and the periodic check that it is still reachable
//! ([`reach`]), and the limits that keep connections which send nothing from starving both
//! listeners ([`guard`]); with a shared PostgreSQL ledger, the settings every instance keeps
//! alike ([`shared`]).

pub mod guard;
pub(crate) mod probe;
pub mod reach;
pub mod server;
pub(crate) mod settings;
pub(crate) mod shared;
pub mod status;
pub mod tunnel;
