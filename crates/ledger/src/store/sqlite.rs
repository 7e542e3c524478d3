//! The SQLite side of [`super::Conn`]: values in and out, and the functions the ledger's
//! statements call, registered on every connection.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::{SqlError, SqlResult, Value, rfc3339_ms};

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Bool(b) => ValueRef::Integer(i64::from(b)),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

pub(super) fn value(v: ValueRef<'_>, column: usize) -> SqlResult<Value<'_>> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(std::str::from_utf8(t).map_err(|e| SqlError::Type {
            column,
            problem: format!("text that is not UTF-8: {e}"),
        })?),
        ValueRef::Blob(b) => Value::Blob(b),
    })
}

/// Defines on `conn` the functions the ledger's statements share with PostgreSQL.
pub(crate) fn define_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "rfc3339_ms",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<i64>>(0)?.map(rfc3339_ms)),
    )
}
