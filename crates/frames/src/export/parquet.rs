//! Parquet export: zstd, readable by every Parquet reader; column types kept.

use std::path::Path;

use polars::prelude::*;

use crate::Result;
use crate::store::{Access, write_atomically};

pub(super) fn write(df: &mut DataFrame, out: &Path) -> Result<()> {
    write_atomically(out, Access::Document, |file| {
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)?;
        Ok(())
    })
}
