//! Each format written into a temp dir and read back with a real reader.

use super::*;
use crate::view::View;

fn batch() -> DataFrame {
    df!(
        "_row" => [0i64, 1, 2],
        "_part" => [1i32, 1, 2],
        "_valid" => [true, false, true],
        "zip" => [Some("00123"), Some("0042"), None],
        "city" => ["München", "東京", "a \"quoted\", comma\nnewline"],
        "seats" => [Some(3i64), None, Some(40)]
    )
    .expect("df")
}

fn read_csv(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0)) // everything as text: check the bytes, not a guess
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .expect("reader")
        .finish()
        .expect("read csv")
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).expect("open"))
        .finish()
        .expect("read parquet")
}

/// A column as text, as a CSV reader that infers nothing sees it.
fn text(df: &DataFrame, column: &str) -> Vec<Option<String>> {
    let values = df.column(column).expect(column).str().expect("text column");
    values.iter().map(|v| v.map(str::to_owned)).collect()
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn parquet_round_trips_types_text_and_leading_zeros() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out.parquet");
    let n = export(batch().lazy(), &out, ExportOptions::default(), None, None).expect("export");
    assert_eq!(n, 3);
    let back = read_parquet(&out);
    assert_eq!(names(&back), ["_valid", "zip", "city", "seats"]);
    let expected = batch().drop_many(["_row", "_part"]);
    assert!(back.equals_missing(&expected), "{back}\n{expected}");
}

#[test]
fn csv_round_trips_text_exactly() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("OUT.CSV");
    let options = ExportOptions {
        rows: RowSet::All,
        meta: true,
        ..ExportOptions::default()
    };
    export(batch().lazy(), &out, options, None, None).expect("export");
    let back = read_csv(&out);
    assert_eq!(
        names(&back),
        ["_row", "_part", "_valid", "zip", "city", "seats"]
    );
    let zip = text(&back, "zip");
    assert_eq!(zip, [Some("00123".into()), Some("0042".into()), None]);
    let city = text(&back, "city");
    assert_eq!(
        city,
        [
            Some("München".into()),
            Some("東京".into()),
            Some("a \"quoted\", comma\nnewline".into())
        ]
    );
    let valid = text(&back, "_valid");
    assert_eq!(
        valid,
        [
            Some("true".into()),
            Some("false".into()),
            Some("true".into())
        ]
    );
}

#[test]
fn a_view_exports_only_its_rows_without_validity_when_it_is_constant() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("valid.csv");
    let view = View {
        rows: RowSet::Valid,
        filter: Some("seats > 10".into()),
        ..View::default()
    };
    let lf = view.apply(batch().lazy()).expect("view");
    let n = export(
        lf,
        &out,
        ExportOptions {
            rows: RowSet::Valid,
            meta: false,
            ..ExportOptions::default()
        },
        None,
        None,
    )
    .expect("export");
    assert_eq!(n, 1);
    let back = read_csv(&out);
    assert_eq!(names(&back), ["zip", "city", "seats"]);
    assert_eq!(back.height(), 1);
}

#[test]
fn unknown_extensions_and_the_source_file_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let err = export(
        batch().lazy(),
        &dir.path().join("x.xls"),
        ExportOptions::default(),
        None,
        None,
    )
    .expect_err("format");
    assert!(matches!(err, FramesError::UnknownFormat(_)), "{err}");

    let source = dir.path().join("1.parquet");
    crate::store::write(&mut batch(), &source).expect("write");
    let before = std::fs::read(&source).expect("read");
    let lf = crate::store::scan(&source).expect("scan");
    let err = export(
        lf,
        &dir.path().join(".").join("1.parquet"),
        ExportOptions::default(),
        Some(&source),
        None,
    )
    .expect_err("overwrite");
    assert!(matches!(err, FramesError::WouldOverwriteSource(_)), "{err}");
    assert_eq!(std::fs::read(&source).expect("read"), before);
}

#[test]
fn as_sent_writes_the_rows_the_typed_view_selects_with_their_text() {
    let typed = df!(
        "_row" => [0i64, 1, 2],
        "_part" => [1i32, 1, 2],
        "_valid" => [true, false, true],
        "h" => [Some(55i64), None, Some(9)]
    )
    .expect("df");
    let as_sent = df!(
        "_row" => [0i64, 1, 2],
        "_part" => [1i32, 1, 2],
        "_valid" => [true, false, true],
        "h" => ["55", "", "9"]
    )
    .expect("df");
    // Typed, 9 < 55: a numeric sort and a numeric filter, then the text as sent.
    let view = View {
        filter: Some("h > 1".into()),
        sort: Some("h".parse().expect("sort")),
        ..View::default()
    };
    let dir = tempfile::tempdir().expect("dir");
    for name in ["out.csv", "out.parquet"] {
        let out = dir.path().join(name);
        let viewed = view.apply(typed.clone().lazy()).expect("view");
        let n = export_as_sent(viewed, &as_sent, &out, ExportOptions::default(), None, None)
            .expect("export");
        assert_eq!(n, 2);
        let back = if name.ends_with(".csv") {
            read_csv(&out)
        } else {
            read_parquet(&out)
        };
        assert_eq!(names(&back), ["_valid", "h"]);
        assert_eq!(
            text(&back, "h"),
            [Some("9".into()), Some("55".into())],
            "{name}"
        );
    }
}

#[test]
fn a_view_larger_than_a_sheet_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("big.xlsx");
    let rows = xlsx::MAX_ROWS as i64 + 1;
    let big = DataFrame::new(
        rows as usize,
        vec![Column::new("_row".into(), (0..rows).collect::<Vec<i64>>())],
    )
    .expect("frame");
    let err = export(big.lazy(), &out, ExportOptions::default(), None, None).expect_err("too big");
    assert!(
        matches!(
            err,
            FramesError::TooManyRows {
                rows: 1_048_576,
                max: 1_048_575
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("export to .csv or .parquet"),
        "{err}"
    );
    assert!(!out.exists());
}

/// The process's umask, as `/proc/self/status` reports it.
#[cfg(target_os = "linux")]
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .expect("Umask line");
    u32::from_str_radix(line.trim(), 8).expect("octal")
}

#[cfg(target_os = "linux")]
#[test]
fn exports_are_readable_as_the_umask_allows_and_the_batch_file_stays_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    let dir = tempfile::tempdir().expect("dir");
    for name in ["out.csv", "out.parquet", "out.xlsx"] {
        let out = dir.path().join(name);
        export(batch().lazy(), &out, ExportOptions::default(), None, None).expect(name);
        assert_eq!(mode(&out), 0o666 & !umask(), "{name}");
    }
    let cache = dir.path().join("1.parquet");
    crate::store::write(&mut batch(), &cache).expect("batch file");
    assert_eq!(mode(&cache), 0o600);
}

#[test]
fn a_csv_for_people_has_a_byte_order_mark_and_no_formulas_a_csv_for_programs_is_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let df = df!(
        "name" => ["Chloé", "=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "@SUM(1)", "-5"],
        "amount" => [-1.5, 2.0, 3.0, -4.0, 5.0]
    )
    .expect("frame");
    let write = |csv: CsvFor, name: &str| {
        let out = dir.path().join(name);
        let options = ExportOptions {
            rows: RowSet::All,
            meta: false,
            csv,
        };
        export(df.clone().lazy(), &out, options, None, None).expect("export");
        std::fs::read(&out).expect("read")
    };
    let people = write(CsvFor::People, "people.csv");
    assert!(people.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    // Read back by a real CSV reader, as a spreadsheet would get the cells.
    let mut reader = ::csv::Reader::from_reader(&people[3..]);
    let cells: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("Chloé".to_owned(), "-1.5".to_owned()),
            (
                "'=HYPERLINK(\"http://evil\",\"x\")".to_owned(),
                "2.0".to_owned()
            ),
            ("'+1+2".to_owned(), "3.0".to_owned()),
            ("'@SUM(1)".to_owned(), "-4.0".to_owned()),
            ("-5".to_owned(), "5.0".to_owned()),
        ]
    );
    let raw = write(CsvFor::PeopleRaw, "raw.csv");
    assert!(raw.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&raw).contains("\n+1+2,"));
    let programs = write(CsvFor::Programs, "programs.csv");
    assert!(
        programs.starts_with(b"name,amount\n"),
        "no mark, cells untouched"
    );
    assert!(String::from_utf8_lossy(&programs).contains("\n@SUM(1),"));
}
