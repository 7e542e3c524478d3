//! Parquet export: zstd, readable by every Parquet reader; column types kept.

use std::io::Write;

use polars::prelude::*;

use crate::Result;

pub(super) fn write(df: &mut DataFrame, sink: impl Write) -> Result<()> {
    ParquetWriter::new(sink)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)?;
    Ok(())
}
