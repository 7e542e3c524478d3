//! CSV export: UTF-8, header row, RFC 4180 quoting; nulls are empty fields.

use std::path::Path;

use polars::prelude::*;

use crate::Result;
use crate::store::{Access, write_atomically};

pub(super) fn write(df: &mut DataFrame, out: &Path) -> Result<()> {
    write_atomically(out, Access::Document, |file| {
        CsvWriter::new(file).include_header(true).finish(df)?;
        Ok(())
    })
}
