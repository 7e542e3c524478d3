//! Where a request enters: the webhook listener's routes ([`http`]), the checks a request
//! passes ([`token`], [`signature`]), a compressed body decoded ([`encoding`]), storing it ([`ingest`]), the parts of incomplete imports
//! waiting in memory ([`assembly`]), the worker that writes a completed import's file
//! ([`worker`]), requests to a wrong token ([`doors`]) and the quarantine ([`rejected`]).

pub(crate) mod assembly;
pub(crate) mod doors;
pub(crate) mod encoding;
pub(crate) mod file;
pub mod http;
pub(crate) mod ingest;
pub(crate) mod rejected;
pub mod sendback;
pub mod signature;
pub mod token;
pub(crate) mod worker;
