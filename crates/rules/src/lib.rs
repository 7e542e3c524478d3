//! Why a row is invalid: a Flatfile importer configuration (its fields and their validators)
//! read as Flatfile's importer reads it, and checked against an import's rows.
//!
//! Flatfile's webhook says only *that* a row is invalid. The rules are in the configuration
//! the integrator passed to `new FlatfileImporter(licenseKey, settings)`; [`Config::parse`]
//! reads that object (or its `fields` array) and [`check`] re-runs every validator over the
//! values as sent. Regexes are ECMAScript, through `regress`, so they behave as in a browser.
//!
//! This crate knows nothing of storage: callers hand it a frame and keep the [`Report`].

mod check;
mod config;
mod fit;

pub use check::{
    CellError, Report, RuleInfo, ValueIndex, across_rows, check, check_each_row, columns_read,
    repeats_among, repeats_among_indexed, rules,
};
pub use config::{Config, Field, FieldKind, FieldValues, Problem, Quantifier, Rule, Validator};
pub use fit::{Fit, fit};

/// A configuration that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("not an importer configuration: {0}")]
    Invalid(String),
}

#[cfg(test)]
mod tests;
