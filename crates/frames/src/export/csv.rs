//! CSV export: UTF-8, header row, RFC 4180 quoting; nulls are empty fields.

use std::io::Write;

use polars::prelude::*;

use crate::Result;

pub(super) fn write(df: &mut DataFrame, sink: impl Write) -> Result<()> {
    CsvWriter::new(sink).include_header(true).finish(df)?;
    Ok(())
}
