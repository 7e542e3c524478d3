//! The derived Parquet file of a complete batch: written atomically, read lazily.
//!
//! The file is a cache of the ledger. It is written to a unique temporary name in the same
//! directory and renamed into place, so a reader in another process sees either no file or
//! a whole one, and two writers racing to build the same batch cannot tear it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::{FramesError, FromText, Result, Typed};

/// Rows per row group: small enough that reading the first page touches one group.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Writes `df` to `path` atomically (temp file + fsync + rename).
pub fn write(df: &mut DataFrame, path: &Path) -> Result<()> {
    write_with(df, None, path)
}

/// Writes a typed batch frame to `path` atomically, with the columns typed from text in the
/// file's metadata (see [`from_text`]).
pub fn write_typed(typed: &mut Typed, path: &Path) -> Result<()> {
    let list = serde_json::to_string(&typed.from_text.0).map_err(|e| {
        FramesError::Polars(polars::error::PolarsError::ComputeError(
            e.to_string().into(),
        ))
    })?;
    let metadata = KeyValueMetadata::from_static(vec![
        (FromText::KEY.to_owned(), list),
        (TYPING_KEY.to_owned(), TYPING.to_owned()),
    ]);
    write_with(&mut typed.frame, Some(metadata), path)
}

/// The file metadata key naming the typing rules a batch file was built by, and the rules of
/// this build: 2 types money (text of one scale) as Decimal, where 1 left it text. A file of
/// other rules is a cache of the same ledger typed differently, built again when read.
const TYPING_KEY: &str = "hookgrid.typing";
const TYPING: &str = "2";

/// The value a file's footer holds under `key`.
fn footer_value(reader: &mut ParquetReader<File>, key: &str) -> Option<String> {
    reader
        .get_metadata()
        .ok()?
        .key_value_metadata()
        .as_ref()?
        .iter()
        .find(|kv| kv.key == key)?
        .value
        .clone()
}

fn write_with(df: &mut DataFrame, metadata: Option<KeyValueMetadata>, path: &Path) -> Result<()> {
    write_atomically(path, Access::Private, |file| {
        ParquetWriter::new(file)
            // LZ4 decodes faster than zstd; the cache is read far more often than written.
            .with_compression(ParquetCompression::Lz4Raw)
            .with_row_group_size(Some(ROW_GROUP_ROWS))
            .with_key_value_metadata(metadata)
            .finish(df)?;
        Ok(())
    })
}

/// Which columns of the batch file at `path` were typed from text; `None` when the file does
/// not say (written before it was recorded) or cannot be read. Reads only the footer.
pub fn from_text(path: &Path) -> Option<FromText> {
    let mut reader = ParquetReader::new(File::open(path).ok()?);
    let list = footer_value(&mut reader, FromText::KEY)?;
    serde_json::from_str(&list).ok().map(FromText)
}

/// Who may read a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// The owner only: the data dir's own files.
    Private,
    /// What any new file of the user gets under their umask (usually readable by others): an
    /// export is the user's own document.
    Document,
}

/// Writes a file through `write` into a temp file beside `path`, then renames it into place.
pub(crate) fn write_atomically(
    path: &Path,
    access: Access,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FramesError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = tempfile_in(dir, &name, access).map_err(io(dir))?;
    let mut out = BufWriter::new(tmp.reopen().map_err(io(tmp.path()))?);
    write(&mut out)?;
    out.flush().map_err(io(tmp.path()))?;
    out.get_ref().sync_all().map_err(io(tmp.path()))?;
    drop(out);
    tmp.persist(path).map_err(|e| FramesError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

fn tempfile_in(dir: &Path, name: &str, access: Access) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if access == Access::Document {
        use std::os::unix::fs::PermissionsExt;
        // The mode asked of open(2), which the umask then narrows, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = access;
    builder.tempfile_in(dir)
}

/// Opens a batch file lazily.
pub fn scan(path: &Path) -> Result<LazyFrame> {
    let args = ScanArgsParquet {
        glob: false,
        ..ScanArgsParquet::default()
    };
    Ok(LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        args,
    )?)
}

/// What a batch file's footer says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Soundness {
    /// Missing, unreadable, without the meta columns or with another number of rows.
    Damaged,
    /// Whole, but typed by other rules than this build's (see [`write_typed`]).
    OtherTyping,
    Sound,
}

/// Whether `path` holds a readable Parquet file with the meta columns and `expected_rows`
/// rows, typed by this build's rules. Reads only the footer, once.
pub fn soundness(path: &Path, expected_rows: u64) -> Soundness {
    let Ok(file) = File::open(path) else {
        return Soundness::Damaged;
    };
    let mut reader = ParquetReader::new(file);
    let Ok(schema) = reader.schema() else {
        return Soundness::Damaged;
    };
    let has_meta = crate::META_COLUMNS.iter().all(|c| schema.contains(c));
    if !has_meta || !reader.num_rows().is_ok_and(|n| n as u64 == expected_rows) {
        return Soundness::Damaged;
    }
    if footer_value(&mut reader, TYPING_KEY).as_deref() == Some(TYPING) {
        Soundness::Sound
    } else {
        Soundness::OtherTyping
    }
}

/// Whether `path` holds a whole batch file of `expected_rows` rows, typed by any rules.
pub fn is_sound(path: &Path, expected_rows: u64) -> bool {
    soundness(path, expected_rows) != Soundness::Damaged
}

/// Path of a batch's file inside `dir`.
pub fn batch_path(dir: &Path, key: i64) -> PathBuf {
    dir.join(format!("{key}.parquet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_and_truncation_is_detected() {
        let dir = tempfile::tempdir().expect("dir");
        let path = batch_path(dir.path(), 7);
        let mut df = df!(
            "_row" => [0i64, 1], "_part" => [1i32, 1], "_valid" => [true, false],
            "zip" => ["00123", "ß"]
        )
        .expect("df");
        write(&mut df, &path).expect("write");
        assert!(is_sound(&path, 2));
        assert!(!is_sound(&path, 3), "row count must match");
        let back = scan(&path).expect("scan").collect().expect("read");
        assert!(back.equals(&df));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("7.parquet")]);

        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
        assert!(!is_sound(&path, 2));
        assert!(!is_sound(&dir.path().join("missing.parquet"), 2));
    }

    #[test]
    fn a_typed_file_says_which_columns_were_typed_from_text() {
        let dir = tempfile::tempdir().expect("dir");
        let frame = df!(
            "_row" => [0i64], "_part" => [1i32], "_valid" => [true], "seats" => [55i64]
        )
        .expect("df");
        let plain = dir.path().join("1.parquet");
        write(&mut frame.clone(), &plain).expect("write");
        assert_eq!(from_text(&plain), None, "a file written without the list");
        let typed = dir.path().join("2.parquet");
        let from = FromText(vec!["seats".to_owned()]);
        write_typed(
            &mut Typed {
                frame: frame.clone(),
                from_text: from.clone(),
            },
            &typed,
        )
        .expect("write");
        assert_eq!(from_text(&typed), Some(from));
        assert!(
            scan(&typed)
                .expect("scan")
                .collect()
                .expect("read")
                .equals(&frame)
        );
        assert_eq!(from_text(&dir.path().join("missing.parquet")), None);
    }
}
