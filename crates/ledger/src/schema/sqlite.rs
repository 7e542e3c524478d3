//! The SQLite schema's versions. `PRAGMA user_version` records the version; each migration
//! moves the file one version forward inside a transaction, so a crash mid-migration leaves
//! the old version.

use std::path::Path;

use rusqlite::Connection;

use crate::{LedgerError, Result, db};

/// Migrations in order; entry `n` moves version `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 → 1: events, their parts, and the quarantine.
    "CREATE TABLE events (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id       TEXT    NOT NULL UNIQUE,
        batch_id       TEXT    NOT NULL,
        event_type     TEXT    NOT NULL,
        schema_id      INTEGER,
        part_count     INTEGER NOT NULL CHECK (part_count >= 1),
        first_received INTEGER NOT NULL,
        last_received  INTEGER NOT NULL,
        completed_at   INTEGER
    );
    CREATE INDEX events_batch ON events (batch_id);
    CREATE TABLE parts (
        id            INTEGER PRIMARY KEY,
        event         INTEGER NOT NULL REFERENCES events (id),
        idx           INTEGER NOT NULL CHECK (idx >= 1),
        received_at   INTEGER NOT NULL,
        declared_rows INTEGER,
        valid_rows    INTEGER NOT NULL,
        invalid_rows  INTEGER NOT NULL,
        body_sha256   BLOB    NOT NULL,
        body          BLOB    NOT NULL,
        UNIQUE (event, idx)
    );
    CREATE TABLE quarantine (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at INTEGER NOT NULL,
        kind        TEXT    NOT NULL,
        reason      TEXT    NOT NULL,
        event_id    TEXT,
        part_index  INTEGER,
        body        BLOB    NOT NULL
    );",
    // 1 → 2: retention deletes imports by when they last received a part.
    "CREATE INDEX events_last_received ON events (last_received);",
    // 2 → 3: real deliveries count parts from 0, so a part's index is kept as sent and each
    // import records which base it uses (NULL: not known yet; every earlier import counted
    // from 1) and, until then, the base its first part's shape suggests. Imports keep who sent them (`data.customer`, as sent), and parts how often an
    // identical copy arrived again. SQLite cannot relax a CHECK in place: parts is rebuilt.
    "CREATE TABLE parts_v3 (
        id            INTEGER PRIMARY KEY,
        event         INTEGER NOT NULL REFERENCES events (id),
        idx           INTEGER NOT NULL CHECK (idx >= 0),
        received_at   INTEGER NOT NULL,
        declared_rows INTEGER,
        valid_rows    INTEGER NOT NULL,
        invalid_rows  INTEGER NOT NULL,
        body_sha256   BLOB    NOT NULL,
        body          BLOB    NOT NULL,
        duplicates    INTEGER NOT NULL DEFAULT 0,
        UNIQUE (event, idx)
    );
    INSERT INTO parts_v3 (id, event, idx, received_at, declared_rows, valid_rows, invalid_rows,
                          body_sha256, body)
        SELECT id, event, idx, received_at, declared_rows, valid_rows, invalid_rows,
               body_sha256, body
        FROM parts;
    DROP TABLE parts;
    ALTER TABLE parts_v3 RENAME TO parts;
    ALTER TABLE events ADD COLUMN index_base INTEGER CHECK (index_base IN (0, 1));
    UPDATE events SET index_base = 1;
    ALTER TABLE events ADD COLUMN likely_base INTEGER NOT NULL DEFAULT 1
        CHECK (likely_base IN (0, 1));
    ALTER TABLE events ADD COLUMN customer TEXT;",
    // 3 → 4: importer configurations (why rows are invalid), which imports each applies to
    // (a schema id, or the default for all), and imports given one by hand.
    "CREATE TABLE configs (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        name       TEXT    NOT NULL UNIQUE,
        body       TEXT    NOT NULL,
        for_schema INTEGER,
        is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
        added_at   INTEGER NOT NULL
    );
    CREATE TABLE config_use (
        event  INTEGER PRIMARY KEY REFERENCES events (id),
        config INTEGER NOT NULL REFERENCES configs (id)
    );",
    // 4 → 5: the public address (host) each import last arrived through, from the request's
    // X-Forwarded-Host or Host: a tunnel address that changed since is then noticed.
    "ALTER TABLE events ADD COLUMN arrived_via TEXT;",
    // 5 → 6: who may use a team server, and what they did. Secrets (API tokens, sessions) are
    // kept only as SHA-256 hashes, looked up by id; passwords as argon2id PHC strings.
    "CREATE TABLE users (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT    NOT NULL UNIQUE,
        role          TEXT    NOT NULL CHECK (role IN ('admin', 'reviewer', 'viewer')),
        password_hash TEXT    NOT NULL,
        created_at    INTEGER NOT NULL,
        last_sign_in  INTEGER
    );
    CREATE TABLE api_tokens (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        label      TEXT    NOT NULL,
        hash       BLOB    NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (user, label)
    );
    CREATE TABLE sessions (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        hash       BLOB    NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions (user);
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     INTEGER NOT NULL,
        user   TEXT    NOT NULL,
        action TEXT    NOT NULL,
        target TEXT    NOT NULL
    );",
    // 6 → 7: the digest of every derived file (an import's Parquet, its errors files) as it
    // was written, by file name: checked when the file is opened, so a damaged or swapped file
    // is rebuilt from the ledger instead of read.
    "CREATE TABLE derived_files (
        name       TEXT    PRIMARY KEY,
        digest     BLOB    NOT NULL,
        bytes      INTEGER NOT NULL,
        written_at INTEGER NOT NULL
    );",
    // 7 → 8: the ledger's own id, which the data dir keeps beside it (`ledger.id`): a ledger
    // made afresh (a 0-byte file) or brought from elsewhere in its place is told apart from
    // the one this data dir has held, before its empty list is shown.
    "CREATE TABLE ledger_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO ledger_meta (key, value) VALUES ('id', lower(hex(randomblob(16))));",
    // 8 → 9: a rejected request tried again and still refused, and one a person dismissed
    // (kept with its body, out of the list and its count).
    "ALTER TABLE quarantine ADD COLUMN retried_at INTEGER;
    ALTER TABLE quarantine ADD COLUMN dismissed_at INTEGER;
    ALTER TABLE quarantine ADD COLUMN dismissed_by TEXT;",
    // 9 → 10: imports given no configuration on purpose: none applies to them automatically.
    "CREATE TABLE config_none (
        event INTEGER PRIMARY KEY REFERENCES events (id)
    );",
    // 10 → 11: an import's data columns (a JSON array, in its table's order), recorded when
    // its table is built: the list tells two imports from one sender apart by them, and
    // tells which configuration fits without reading a file.
    "ALTER TABLE events ADD COLUMN columns TEXT;",
    // 11 → 12: review decisions, a history per import (one event) that only grows: its newest
    // entry is where the import stands.
    "CREATE TABLE reviews (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        event   INTEGER NOT NULL REFERENCES events (id),
        status  TEXT    NOT NULL
                CHECK (status IN ('new', 'in_review', 'approved', 'rejected')),
        note    TEXT,
        by_user TEXT    NOT NULL,
        at      INTEGER NOT NULL
    );
    CREATE INDEX reviews_event ON reviews (event, id);",
    // 12 → 13: flagged rows, one flag per row (`_row`) of an import, with its note.
    "CREATE TABLE flags (
        event   INTEGER NOT NULL REFERENCES events (id),
        row     INTEGER NOT NULL CHECK (row >= 0),
        note    TEXT    NOT NULL,
        by_user TEXT    NOT NULL,
        at      INTEGER NOT NULL,
        PRIMARY KEY (event, row)
    ) WITHOUT ROWID;",
    // 13 → 14: corrections, a reviewer's value for one cell in place of what was sent (which
    // is never changed); a reverted one is kept, marked so.
    "CREATE TABLE corrections (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        event       INTEGER NOT NULL REFERENCES events (id),
        row         INTEGER NOT NULL CHECK (row >= 0),
        col         TEXT    NOT NULL,
        sent        TEXT    NOT NULL,
        value       TEXT    NOT NULL,
        by_user     TEXT    NOT NULL,
        at          INTEGER NOT NULL,
        reverted_at INTEGER,
        reverted_by TEXT
    );
    CREATE INDEX corrections_event ON corrections (event, id);",
    // 14 → 15: a page of the grid reads the corrections of its own rows only.
    "CREATE INDEX corrections_row ON corrections (event, row) WHERE reverted_at IS NULL;",
    // 15 → 16: each import counts its live corrections and every change to them, kept by
    // triggers in the transaction of the change, so a page reads both from its event's row
    // instead of counting ten thousand index entries.
    "ALTER TABLE events ADD COLUMN corrections_live INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN corrections_changes INTEGER NOT NULL DEFAULT 0;
    UPDATE events SET
        corrections_live = (SELECT COUNT(*) FROM corrections c
                            WHERE c.event = events.id AND c.reverted_at IS NULL),
        corrections_changes = (SELECT COUNT(*) + COUNT(c.reverted_at) FROM corrections c
                               WHERE c.event = events.id);
    CREATE TRIGGER corrections_made AFTER INSERT ON corrections BEGIN
        UPDATE events SET corrections_live = corrections_live + (NEW.reverted_at IS NULL),
                          corrections_changes = corrections_changes + 1
        WHERE id = NEW.event;
    END;
    CREATE TRIGGER corrections_reverted AFTER UPDATE OF reverted_at ON corrections
    WHEN OLD.reverted_at IS NULL AND NEW.reverted_at IS NOT NULL BEGIN
        UPDATE events SET corrections_live = corrections_live - 1,
                          corrections_changes = corrections_changes + 1
        WHERE id = NEW.event;
    END;
    CREATE TRIGGER corrections_removed AFTER DELETE ON corrections BEGIN
        UPDATE events SET corrections_live = corrections_live - (OLD.reverted_at IS NULL),
                          corrections_changes = corrections_changes + 1
        WHERE id = OLD.event;
    END;",
    // 16 → 17: a Flatfile Platform workbook arrives as one body holding several sheets, each
    // an import of one part. The body is kept once (`bodies`) and each sheet's part points at
    // it, its own `body` left empty; `body_sha256` is then the digest of the sheet's records,
    // so an unchanged sheet of a resubmitted workbook is a repeat, not a contradiction. A
    // sheet's import keeps its workbook (id, name, space, environment, fields) as JSON text.
    "CREATE TABLE bodies (
        id     INTEGER PRIMARY KEY,
        sha256 BLOB    NOT NULL UNIQUE,
        body   BLOB    NOT NULL
    );
    ALTER TABLE parts ADD COLUMN body_id INTEGER REFERENCES bodies (id);
    CREATE INDEX parts_body ON parts (body_id) WHERE body_id IS NOT NULL;
    ALTER TABLE events ADD COLUMN workbook TEXT;",
    // 17 → 18: a configuration may apply to a Flatfile Platform sheet by its slug, and may
    // send the cells it rejects back to Flatfile in the answer to the submit; what was sent
    // back is kept with each sheet's import.
    "ALTER TABLE configs ADD COLUMN for_sheet TEXT;
    ALTER TABLE configs ADD COLUMN send_back INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sent_back (
        event    INTEGER PRIMARY KEY REFERENCES events (id),
        config   TEXT    NOT NULL,
        rejected INTEGER NOT NULL,
        listed   INTEGER NOT NULL,
        answer   TEXT    NOT NULL
    );",
    // 18 → 19: a part's body is kept compressed when that saves space (see `body.rs`):
    // `body_codec` says how (0: as sent, every row before this version), `body_size` is its
    // size as sent. The table is rebuilt with the body last: SQLite keeps a large value in a
    // chain of overflow pages, and a column stored after it (`duplicates`, `body_id`, these
    // two) is reached only by walking that chain, so listing an import's parts read every
    // page of every body.
    "CREATE TABLE parts_v19 (
        id            INTEGER PRIMARY KEY,
        event         INTEGER NOT NULL REFERENCES events (id),
        idx           INTEGER NOT NULL CHECK (idx >= 0),
        received_at   INTEGER NOT NULL,
        declared_rows INTEGER,
        valid_rows    INTEGER NOT NULL,
        invalid_rows  INTEGER NOT NULL,
        duplicates    INTEGER NOT NULL DEFAULT 0,
        body_id       INTEGER REFERENCES bodies (id),
        body_codec    INTEGER NOT NULL DEFAULT 0,
        body_size     INTEGER,
        body_sha256   BLOB    NOT NULL,
        body          BLOB    NOT NULL,
        UNIQUE (event, idx)
    );
    INSERT INTO parts_v19 (id, event, idx, received_at, declared_rows, valid_rows, invalid_rows,
                           duplicates, body_id, body_sha256, body)
        SELECT id, event, idx, received_at, declared_rows, valid_rows, invalid_rows,
               duplicates, body_id, body_sha256, body
        FROM parts;
    DROP TABLE parts;
    ALTER TABLE parts_v19 RENAME TO parts;
    CREATE INDEX parts_body ON parts (body_id) WHERE body_id IS NOT NULL;",
];

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    loop {
        // The version is read inside the write lock: two processes opening a new data dir
        // at once must not both apply the same migration.
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| db(path, e))?;
        let step = migrate_one(conn, path);
        let done = match step {
            Ok(done) => done,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        };
        conn.execute_batch("COMMIT").map_err(|e| db(path, e))?;
        if done {
            return Ok(());
        }
    }
}

/// Applies the next migration; `Ok(true)` when the schema is already current.
fn migrate_one(conn: &Connection, path: &Path) -> Result<bool> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| db(path, e))?;
    if found > VERSION {
        return Err(LedgerError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: VERSION,
        });
    }
    let Some(sql) = MIGRATIONS.get(found as usize) else {
        return Ok(true);
    };
    conn.execute_batch(sql).map_err(|e| db(path, e))?;
    conn.execute_batch(&format!("PRAGMA user_version = {}", found + 1))
        .map_err(|e| db(path, e))?;
    Ok(false)
}
