//! The SQL the ledger speaks, over either backend: a [`Conn`] runs a statement on SQLite
//! (rusqlite) or PostgreSQL (tokio-postgres), with the same text and the same parameters.
//!
//! Statements are written once, in the SQL both understand: `?1` placeholders (rewritten to
//! `$1` for PostgreSQL), `RETURNING id`, `ON CONFLICT`, `IS DISTINCT FROM`, `string_agg`,
//! `CAST(SUM(x) AS BIGINT)` (PostgreSQL's `SUM` of a `BIGINT` is a `NUMERIC`), and
//! `rfc3339_ms(ms)`, a function each backend defines (a Rust function registered on every
//! SQLite connection, an SQL function in the PostgreSQL schema). Where the two cannot share
//! a statement, [`Conn::is_postgres`] chooses.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::path::Path;

use crate::{LedgerError, Result};

/// A parameter or a column value, as both backends see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A Rust value bound as a statement parameter.
pub(crate) trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_values!(i64, i32, u32, u64, usize);

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}
impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        *self
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

/// The parameters of a statement: `()`, an array of one type, or [`params!`].
pub(crate) trait Params {
    fn values(&self) -> Vec<Value<'_>>;
}
impl Params for () {
    fn values(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}
impl Params for &[Value<'_>] {
    fn values(&self) -> Vec<Value<'_>> {
        self.to_vec()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

/// Parameters of mixed types, as rusqlite's macro of the same name.
macro_rules! params {
    ($($x:expr),* $(,)?) => {
        &[$(&$x as &dyn $crate::store::ToValue),*] as &[&dyn $crate::store::ToValue]
    };
}
pub(crate) use params;

/// Why a statement failed.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// A query that must give a row gave none.
    #[error("the query returned no rows")]
    NoRow,
    /// A column held a value of another type than the code reads.
    #[error("column {column}: {problem}")]
    Type { column: usize, problem: String },
}

impl SqlError {
    /// Whether the write failed because the disk (or the file system quota) is full.
    pub fn is_disk_full(&self) -> bool {
        match self {
            SqlError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            SqlError::Postgres(e) => e.code() == Some(&tokio_postgres::error::SqlState::DISK_FULL),
            _ => false,
        }
    }
}

pub(crate) type SqlResult<T> = std::result::Result<T, SqlError>;

/// A value read from a column, borrowed from its row.
pub(crate) trait FromValue: Sized {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i),
            Value::Bool(b) => Ok(b as i64),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
macro_rules! narrow_ints {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} does not fit {}", stringify!($t)))
            }
        }
    )*};
}
narrow_ints!(i32, u32, u64);

impl FromValue for bool {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        i64::from_value(v).map(|i| i != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.to_owned()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.to_vec()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result.
pub(crate) enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl Row<'_> {
    pub(crate) fn get<T: FromValue>(&self, column: usize) -> SqlResult<T> {
        self.with_value(column, |v| {
            T::from_value(v).map_err(|problem| SqlError::Type { column, problem })
        })
    }

    /// Calls `f` with a column's value as it is held, bytes unread until then: a body is
    /// never copied.
    pub(crate) fn with_value<T>(
        &self,
        column: usize,
        f: impl FnOnce(Value<'_>) -> SqlResult<T>,
    ) -> SqlResult<T> {
        f(self.value(column)?)
    }

    /// A column's value, borrowed from the row.
    pub(crate) fn value(&self, column: usize) -> SqlResult<Value<'_>> {
        match self {
            Row::Sqlite(r) => sqlite::value(r.get_ref(column)?, column),
            Row::Postgres(r) => postgres::value(r, column),
        }
    }
}

/// A connection (or the transaction it is in) of either backend, and the ledger it is of
/// (named in its errors).
pub(crate) struct Conn<'a> {
    at: &'a Path,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a postgres::PgConn),
}

impl<'a> Conn<'a> {
    pub(crate) fn sqlite(at: &'a Path, conn: &'a rusqlite::Connection) -> Conn<'a> {
        Conn {
            at,
            kind: Kind::Sqlite(conn),
        }
    }

    pub(crate) fn postgres(at: &'a Path, conn: &'a postgres::PgConn) -> Conn<'a> {
        Conn {
            at,
            kind: Kind::Postgres(conn),
        }
    }

    /// Whether this is PostgreSQL, where a statement must be written differently.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres(_))
    }

    /// The SQLite connection, for what only SQLite has (blob handles, pragmas).
    pub(crate) fn as_sqlite(&self) -> Option<&'a rusqlite::Connection> {
        match self.kind {
            Kind::Sqlite(c) => Some(c),
            Kind::Postgres(_) => None,
        }
    }

    /// Where the ledger is, for errors.
    pub(crate) fn at(&self) -> &'a Path {
        self.at
    }

    /// Runs a statement; how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        match self.kind {
            Kind::Sqlite(c) => c
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(rusqlite::params_from_iter(params.values())))
                .map_err(|e| db(self.at, e)),
            Kind::Postgres(c) => c.execute(sql, &params.values()).map_err(|e| db(self.at, e)),
        }
    }

    /// Runs statements with no parameters, one after another.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        match self.kind {
            Kind::Sqlite(c) => c.execute_batch(sql).map_err(|e| db(self.at, e)),
            Kind::Postgres(c) => c.execute_batch(sql).map_err(|e| db(self.at, e)),
        }
    }

    /// The first row of a query, mapped by `f`; [`SqlError::NoRow`] when there is none
    /// (`.optional()` makes that `None`).
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> SqlResult<T>,
    ) -> Result<T> {
        let mut f = Some(f);
        let mut found = None;
        self.each_row(sql, params, |r| {
            found = Some((f.take().expect("called once"))(r)?);
            Ok(false)
        })?;
        found.ok_or_else(|| db(self.at, SqlError::NoRow))
    }

    /// Every row of a query, mapped by `f`.
    pub(crate) fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> SqlResult<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each_row(sql, params, |r| {
            out.push(f(r)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Calls `f` with each row of a query, as it is read, until it says stop (`false`).
    pub(crate) fn each_row(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> SqlResult<bool>,
    ) -> Result<()> {
        match self.kind {
            Kind::Sqlite(c) => (|| {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params.values()))?;
                while let Some(r) = rows.next()? {
                    if !f(&Row::Sqlite(r))? {
                        break;
                    }
                }
                Ok(())
            })()
            .map_err(|e: SqlError| db(self.at, e)),
            Kind::Postgres(c) => c
                .each_row(sql, &params.values(), |r| f(&Row::Postgres(r)))
                .map_err(|e| db(self.at, e)),
        }
    }
}

/// `.optional()` on a query's result: no row is `None`, as rusqlite's extension does.
pub(crate) trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(LedgerError::Database {
                source: SqlError::NoRow,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The ledger's error for a failed statement on the ledger at `path`.
pub(crate) fn db(path: &Path, source: impl Into<SqlError>) -> LedgerError {
    LedgerError::Database {
        path: path.to_path_buf(),
        source: source.into(),
    }
}

/// Milliseconds since the Unix epoch as RFC 3339 UTC text with milliseconds
/// (`2026-12-03T17:45:12.345Z`), as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ', …)` writes it.
pub fn rfc3339_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Days to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1_000 % 60,
        in_day % 1_000
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339_ms;

    #[test]
    fn milliseconds_read_as_rfc3339_as_sqlite_writes_them() {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        for ms in [
            0_i64,
            1,
            999,
            86_399_999,
            951_782_400_000, // 2000-02-29
            1_764_787_512_345,
            4_102_444_799_999, // 2099-12-31T23:59:59.999
            1_709_164_800_123, // 2024-02-29
        ] {
            let sqlite: String = conn
                .query_row(
                    "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch')",
                    [ms],
                    |r| r.get(0),
                )
                .expect("strftime");
            assert_eq!(rfc3339_ms(ms), sqlite, "{ms}");
        }
    }
}
