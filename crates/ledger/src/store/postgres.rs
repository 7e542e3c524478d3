//! The PostgreSQL side of [`super::Conn`]: a small pool of tokio-postgres connections driven
//! by a runtime of the ledger's own, so the ledger's calls stay synchronous (as SQLite's are)
//! whether the caller is a plain thread or a task of another runtime.
//!
//! Why tokio-postgres: it is the client the `postgres` crate wraps, without that crate's
//! per-connection runtime (which refuses to run inside another runtime); sqlx would bring a
//! second SQLite beside rusqlite's.
//!
//! Writes are serialised by advisory locks held for their transaction, across every instance
//! on the database, as SQLite serialises a file's writers: a write takes the ledger's lock
//! outright; a part's commit shares it and takes its event's own lock, so parts of different
//! imports commit side by side (their fsyncs grouped by the server) while two parts of one
//! import, or anything else, wait their turn. Dedupe, conflicts and completion need no other
//! locking.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::{StreamExt, pin_mut};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{AsyncMessage, Client, NoTls, Statement};

use super::{Conn, SqlError, SqlResult, Value, db};
use crate::{LedgerError, Result};

/// The key of the ledger's advisory lock ("hookgrid" in ASCII).
const WRITE_LOCK: i64 = 0x686f_6f6b_6772_6964;
/// The first key of an event's advisory lock (two 32-bit keys: apart from the one above).
const EVENT_LOCKS: i32 = 0x6867;
/// The key of the lock announcements are written under ("changes" in ASCII), apart from the
/// ledger's: announcing never waits for a commit of data, nor a commit for it.
const CHANGES_LOCK: i64 = 0x0063_6861_6e67_6573;

/// What a write transaction locks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Locks<'a> {
    /// The whole ledger.
    All,
    /// These events (by `event.id`) only: a commit of their parts.
    Events(&'a [&'a str]),
    /// The announcements only (see `changes.rs`), so they commit in the order of their
    /// sequence numbers.
    Changes,
}
/// Connections kept open between calls.
const IDLE: usize = 8;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection, with the statements it has prepared.
pub(crate) struct PgConn {
    client: Client,
    statements: RefCell<HashMap<String, Statement>>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn").finish_non_exhaustive()
    }
}

/// A PostgreSQL ledger's connections.
pub(crate) struct Postgres {
    /// The URL without its password: what errors name.
    shown: PathBuf,
    config: tokio_postgres::Config,
    runtime: Option<tokio::runtime::Runtime>,
    idle: Mutex<Vec<PgConn>>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("shown", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Dropped inside another runtime (a server stopping), a runtime may not block.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Whether `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with its password left out, for messages.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

impl Postgres {
    /// Connects to the database at `url` (one connection, to know it answers).
    pub(crate) fn connect(url: &str) -> Result<Postgres> {
        let shown = PathBuf::from(shown_url(url));
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| db(&shown, e))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("hookgrid");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hookgrid-postgres")
            .enable_all()
            .build()
            .map_err(|e| LedgerError::Backend {
                at: shown.clone(),
                problem: format!("cannot start the database client's runtime: {e}"),
            })?;
        let pg = Postgres {
            shown,
            config,
            runtime: Some(runtime),
            idle: Mutex::new(Vec::new()),
        };
        let first = pg.open()?;
        pg.put(first);
        Ok(pg)
    }

    pub(crate) fn shown(&self) -> &Path {
        &self.shown
    }

    fn open(&self) -> Result<PgConn> {
        let rt = self.runtime.as_ref().expect("a runtime until dropped");
        let config = self.config.clone();
        let connected =
            block_on(rt.spawn(async move { config.connect(NoTls).await })).map_err(|e| {
                LedgerError::Backend {
                    at: self.shown.clone(),
                    problem: format!("the database client stopped: {e}"),
                }
            })?;
        let (client, connection) = connected.map_err(|e| db(&self.shown, e))?;
        // Runs until the client is dropped or the server goes away; a broken connection is
        // then seen by the client (`is_closed`) and never reused.
        rt.spawn(connection);
        Ok(PgConn {
            client,
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// A connection of its own that `LISTEN`s on `channel` (letters, digits and `_`):
    /// each notification is one message on what it returns, until the connection breaks
    /// (then the receiver is disconnected) or it is dropped.
    pub(crate) fn listen(&self, channel: &str) -> Result<Listening> {
        let rt = self.runtime.as_ref().expect("a runtime until dropped");
        let config = self.config.clone();
        debug_assert!(
            channel
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
        // Quoted, so it is the very name `pg_notify` is given (unquoted names are lowercased).
        let listen = format!("LISTEN \"{channel}\"");
        let (heard, hears) = std::sync::mpsc::channel();
        let listened = block_on(rt.spawn(async move {
            let (client, mut connection) = config.connect(NoTls).await?;
            // The connection's messages are read as they come; notifications among them.
            tokio::spawn(async move {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(Ok(message)) = messages.next().await {
                    if let AsyncMessage::Notification(_) = message
                        && heard.send(()).is_err()
                    {
                        break;
                    }
                }
            });
            client.batch_execute(&listen).await?;
            Ok::<_, tokio_postgres::Error>(client)
        }))
        .map_err(|e| LedgerError::Backend {
            at: self.shown.clone(),
            problem: format!("the database client stopped: {e}"),
        })?;
        let client = listened.map_err(|e| db(&self.shown, e))?;
        Ok(Listening {
            _client: client,
            hears,
        })
    }

    fn take(&self) -> Result<PgConn> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(c) if !c.client.is_closed() => Ok(c),
            _ => self.open(),
        }
    }

    fn put(&self, conn: PgConn) {
        if conn.client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE {
            idle.push(conn);
        }
    }

    /// Runs `f` on a connection of the pool, outside a transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        let conn = self.take()?;
        let out = f(&Conn::postgres(&self.shown, &conn));
        self.put(conn);
        out
    }

    /// Runs `f` in a transaction holding the ledger's write lock; committed when `f` says
    /// so (the `bool`), rolled back otherwise or on an error.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<(T, bool)>) -> Result<T> {
        self.write_locked(Locks::All, f)
    }

    /// [`Postgres::write`], holding `locks`.
    pub(crate) fn write_locked<T>(
        &self,
        locks: Locks<'_>,
        f: impl FnOnce(&Conn<'_>) -> Result<(T, bool)>,
    ) -> Result<T> {
        let conn = self.take()?;
        let out = (|| {
            // The transaction begun and its locks taken in one round trip.
            conn.execute_batch(&begin_locked(locks))
                .map_err(|e| db(&self.shown, e))?;
            match f(&Conn::postgres(&self.shown, &conn)) {
                Ok((v, true)) => {
                    conn.execute_batch("COMMIT")
                        .map_err(|e| db(&self.shown, e))?;
                    Ok(v)
                }
                Ok((v, false)) => {
                    conn.execute_batch("ROLLBACK")
                        .map_err(|e| db(&self.shown, e))?;
                    Ok(v)
                }
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        })();
        self.put(conn);
        out
    }
}

/// A connection that listens (see [`Postgres::listen`]).
pub(crate) struct Listening {
    /// Kept so the connection stays open.
    _client: Client,
    pub(crate) hears: std::sync::mpsc::Receiver<()>,
}

/// `BEGIN` and the advisory locks `locks` asks for, as one batch of statements (the keys
/// are numbers this code makes, never text from outside).
fn begin_locked(locks: Locks<'_>) -> String {
    match locks {
        Locks::All => format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK});"),
        Locks::Changes => format!("BEGIN; SELECT pg_advisory_xact_lock({CHANGES_LOCK});"),
        Locks::Events(events) => {
            let mut sql = format!("BEGIN; SELECT pg_advisory_xact_lock_shared({WRITE_LOCK});");
            // In one order, so two commits of the same events never wait on each other.
            let mut keys: Vec<i32> = events.iter().map(|e| event_key(e)).collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                sql.push_str(&format!(
                    " SELECT pg_advisory_xact_lock({EVENT_LOCKS}, {key});"
                ));
            }
            sql
        }
    }
}

/// An event's lock key: 32 bits of its id's SHA-256 (two events that share one merely wait
/// for each other).
fn event_key(event_id: &str) -> i32 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(event_id.as_bytes());
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

impl PgConn {
    fn statement(&self, sql: &str) -> SqlResult<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let prepared = block_on(self.client.prepare(&placeholders(sql)))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), prepared.clone());
        Ok(prepared)
    }

    pub(super) fn execute(&self, sql: &str, params: &[Value<'_>]) -> SqlResult<usize> {
        let stmt = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        Ok(block_on(self.client.execute(&stmt, &params))? as usize)
    }

    pub(super) fn execute_batch(&self, sql: &str) -> SqlResult<()> {
        Ok(block_on(self.client.batch_execute(sql))?)
    }

    pub(super) fn each_row(
        &self,
        sql: &str,
        params: &[Value<'_>],
        mut f: impl FnMut(&tokio_postgres::Row) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        let stmt = self.statement(sql)?;
        // Rows are read as they arrive: an import's bodies are never all held at once.
        block_on(async {
            let rows = self
                .client
                .query_raw(&stmt, params.iter().map(|p| p as &(dyn ToSql + Sync)))
                .await?;
            pin_mut!(rows);
            while let Some(row) = rows.next().await {
                if !f(&row?)? {
                    break;
                }
            }
            Ok(())
        })
    }
}

/// `?1` placeholders as PostgreSQL's `$1`, outside quoted text and names.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '?') => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) if *ty == Type::BOOL => (i != 0).to_sql(ty, out),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                Type::INT4 => i32::from(b).to_sql(ty, out),
                _ => i64::from(b).to_sql(ty, out),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            // SQLite keeps any value in any column: text in a blob column is its bytes.
            Value::Text(s) if *ty == Type::BYTEA => s.as_bytes().to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column of `row` as a [`Value`], by its type.
pub(super) fn value(row: &tokio_postgres::Row, column: usize) -> SqlResult<Value<'_>> {
    let ty = row
        .columns()
        .get(column)
        .ok_or(SqlError::Type {
            column,
            problem: "no such column".into(),
        })?
        .type_()
        .clone();
    let read = |e: tokio_postgres::Error| SqlError::Type {
        column,
        problem: e.to_string(),
    };
    Ok(match ty {
        Type::INT8 => opt(
            row.try_get::<_, Option<i64>>(column).map_err(read)?,
            Value::Int,
        ),
        Type::INT4 => opt(row.try_get::<_, Option<i32>>(column).map_err(read)?, |i| {
            Value::Int(i64::from(i))
        }),
        Type::INT2 => opt(row.try_get::<_, Option<i16>>(column).map_err(read)?, |i| {
            Value::Int(i64::from(i))
        }),
        Type::BOOL => opt(
            row.try_get::<_, Option<bool>>(column).map_err(read)?,
            Value::Bool,
        ),
        Type::FLOAT8 => opt(
            row.try_get::<_, Option<f64>>(column).map_err(read)?,
            Value::Real,
        ),
        Type::FLOAT4 => opt(row.try_get::<_, Option<f32>>(column).map_err(read)?, |f| {
            Value::Real(f64::from(f))
        }),
        Type::BYTEA => opt(
            row.try_get::<_, Option<&[u8]>>(column).map_err(read)?,
            Value::Blob,
        ),
        _ => opt(
            row.try_get::<_, Option<&str>>(column).map_err(read)?,
            Value::Text,
        ),
    })
}

fn opt<'a, T>(v: Option<T>, f: impl FnOnce(T) -> Value<'a>) -> Value<'a> {
    v.map_or(Value::Null, f)
}

/// A PostgreSQL error with what the server said (tokio-postgres's own text is only "db
/// error").
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut s = format!(
                "{}: {} (SQLSTATE {})",
                d.severity(),
                d.message(),
                d.code().code()
            );
            if let Some(detail) = d.detail() {
                s.push_str(&format!("; {detail}"));
            }
            s
        }
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{placeholders, shown_url};

    #[test]
    fn placeholders_are_rewritten_outside_quotes() {
        assert_eq!(
            placeholders("SELECT ?1, '?2', \"a?\" FROM t WHERE x = ?3"),
            "SELECT $1, '?2', \"a?\" FROM t WHERE x = $3"
        );
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            shown_url("postgres://hg:s3cret@db.example:5432/hookgrid?sslmode=disable"),
            "postgres://hg@db.example:5432/hookgrid?sslmode=disable"
        );
        assert_eq!(
            shown_url("postgresql://db/hookgrid"),
            "postgresql://db/hookgrid"
        );
    }
}
