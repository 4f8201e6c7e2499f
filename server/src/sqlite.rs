//! The SQLite store: the schema and every query, behind the `store` traits.
//! One connection serves everything (see `db::Db`), so transactions never
//! overlap and a server-wide counter is a safe cursor.

use crate::store::{now_ms, Conn, Reads, RecordedResponse, Row, StoreResult, Tx};
use offline_sync_core::scope::ScopeDef;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use std::path::Path;

const SCHEMA: &str = "
-- One row per (user, entity). Entity ids are unique only per user and type, so the
-- user is part of the key: a guessed id of another user's entity matches nothing.
CREATE TABLE IF NOT EXISTS entities (
    user_id            TEXT    NOT NULL,
    entity_type        TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    version            INTEGER NOT NULL,
    deleted            INTEGER NOT NULL DEFAULT 0,
    data               TEXT,               -- JSON object; NULL for tombstones
    seq                INTEGER NOT NULL,   -- server-wide change counter of the last write
    created_seq        INTEGER NOT NULL,   -- seq of the first write: stable order for REST lists
    modified_by_client TEXT,
    scope              TEXT,               -- 'course:<id>' or NULL
    updated_at         INTEGER NOT NULL,   -- ms since epoch, for people reading the db
    PRIMARY KEY (user_id, entity_type, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS entities_by_seq ON entities (user_id, seq);
CREATE INDEX IF NOT EXISTS entities_by_scope ON entities (user_id, scope, seq);
CREATE INDEX IF NOT EXISTS entities_by_created ON entities (user_id, entity_type, created_seq);

-- Result of every mutation id a user has sent, so a retried push is answered
-- from here instead of being applied twice.
CREATE TABLE IF NOT EXISTS mutation_log (
    user_id     TEXT    NOT NULL,
    mutation_id TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, mutation_id)
);

-- Recorded answers of REST writes sent with an Idempotency-Key.
CREATE TABLE IF NOT EXISTS rest_idempotency (
    user_id    TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    method     TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    etag       TEXT,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- A counter rather than MAX(seq): seq must never go back, even after a user's
-- rows are wiped, or a client holding a cursor would skip new changes.
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('seq', 0);
-- Source of ids the REST facade assigns (srv-<n>) when a POST names none.
INSERT OR IGNORE INTO counters (name, value) VALUES ('rest_id', 0);
";

const ROW_COLUMNS: &str = "entity_type, id, version, deleted, data, seq, created_seq, modified_by_client, scope";

fn row_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let data: Option<String> = r.get(4)?;
    Ok(Row {
        entity_type: r.get(0)?,
        id: r.get(1)?,
        version: r.get::<_, i64>(2)? as u64,
        deleted: r.get::<_, i64>(3)? != 0,
        // Only this module writes `data`, always from a serialised Value.
        data: data.and_then(|s| serde_json::from_str(&s).ok()),
        seq: r.get::<_, i64>(5)? as u64,
        created_seq: r.get::<_, i64>(6)? as u64,
        modified_by_client: r.get(7)?,
        scope: r.get(8)?,
    })
}

fn get_row(c: &Connection, user: &str, entity_type: &str, id: &str) -> rusqlite::Result<Option<Row>> {
    c.query_row(
        &format!("SELECT {ROW_COLUMNS} FROM entities WHERE user_id = ?1 AND entity_type = ?2 AND id = ?3"),
        params![user, entity_type, id],
        row_from_sql,
    )
    .optional()
}

/// Takes the next value of counter `name` (`seq` or `rest_id`).
fn next_counter(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<u64> {
    tx.query_row("UPDATE counters SET value = value + 1 WHERE name = ?1 RETURNING value", [name], |r| {
        r.get::<_, i64>(0)
    })
    .map(|v| v as u64)
}

/// The latest value taken of the server-wide change counter: no cursor the
/// server handed out is larger.
fn latest_seq(c: &Connection) -> rusqlite::Result<u64> {
    c.query_row("SELECT value FROM counters WHERE name = 'seq'", [], |r| r.get::<_, i64>(0)).map(|v| v as u64)
}

/// Takes the next value of the server-wide change counter.
fn next_seq(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    next_counter(tx, "seq")
}

/// Writes the new state of an entity (`None` = tombstone) on top of `prev`,
/// bumping the version and taking a new seq. Returns the row as written.
#[allow(clippy::too_many_arguments)]
fn write_row(
    tx: &Transaction<'_>,
    user: &str,
    entity_type: &str,
    id: &str,
    prev: Option<&Row>,
    data: Option<Value>,
    client_id: &str,
    scopes: &[ScopeDef],
) -> rusqlite::Result<Row> {
    let seq = next_seq(tx)?;
    let row = Row::next(entity_type, id, prev, data, client_id, seq, scopes);
    let data_text = row.data.as_ref().map(Value::to_string);
    // Cached: preparing it again for every row costs more than running it.
    tx.prepare_cached(
        "INSERT INTO entities (user_id, entity_type, id, version, deleted, data, seq, created_seq,
                               modified_by_client, scope, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (user_id, entity_type, id) DO UPDATE SET
            version = excluded.version, deleted = excluded.deleted, data = excluded.data,
            seq = excluded.seq, modified_by_client = excluded.modified_by_client,
            scope = excluded.scope, updated_at = excluded.updated_at",
    )?
    .execute(params![
        user,
        row.entity_type,
        row.id,
        row.version as i64,
        row.deleted as i64,
        data_text,
        row.seq as i64,
        row.created_seq as i64,
        row.modified_by_client,
        row.scope,
        now_ms(),
    ])?;
    Ok(row)
}

/// Rows of `user` changed after `after`, oldest first, at most `limit`.
fn changes_since(
    c: &Connection,
    user: &str,
    after: u64,
    scope: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<Row>> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM entities
         WHERE user_id = ?1 AND seq > ?2 AND (?3 IS NULL OR scope = ?3)
         ORDER BY seq LIMIT ?4"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows =
        stmt.query_map(params![user, i64::try_from(after).unwrap_or(i64::MAX), scope, limit as i64], row_from_sql)?;
    rows.collect()
}

/// How many changes `changes_since` would answer after `after`, without a limit.
fn count_since(c: &Connection, user: &str, after: u64, scope: Option<&str>) -> rusqlite::Result<u64> {
    let sql = "SELECT COUNT(*) FROM entities WHERE user_id = ?1 AND seq > ?2 AND (?3 IS NULL OR scope = ?3)";
    let n: i64 = c.prepare_cached(sql)?.query_row(params![user, after as i64, scope], |r| r.get(0))?;
    Ok(n as u64)
}

/// Live (not deleted) rows of one type, optionally only those of one scope, in
/// creation order, with the total count, for paginated REST lists.
fn list_live(
    c: &Connection,
    user: &str,
    entity_type: &str,
    scope: Option<&str>,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<(Vec<Row>, u64)> {
    let filter = "user_id = ?1 AND entity_type = ?2 AND deleted = 0 AND (?3 IS NULL OR scope = ?3)";
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM entities WHERE {filter}"),
        params![user, entity_type, scope],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM entities WHERE {filter}
         ORDER BY created_seq LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt
        .query_map(params![user, entity_type, scope, limit as i64, offset as i64], row_from_sql)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total as u64))
}

fn logged_result(c: &Connection, user: &str, mutation_id: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT result FROM mutation_log WHERE user_id = ?1 AND mutation_id = ?2",
        params![user, mutation_id],
        |r| r.get(0),
    )
    .optional()
}

fn log_result(tx: &Transaction<'_>, user: &str, mutation_id: &str, result_json: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO mutation_log (user_id, mutation_id, result, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![user, mutation_id, result_json, now_ms()])?;
    Ok(())
}

fn recorded_response(c: &Connection, user: &str, key: &str) -> rusqlite::Result<Option<RecordedResponse>> {
    c.query_row(
        "SELECT method, path, status, etag, body FROM rest_idempotency WHERE user_id = ?1 AND key = ?2",
        params![user, key],
        |r| {
            Ok(RecordedResponse {
                method: r.get(0)?,
                path: r.get(1)?,
                status: r.get::<_, i64>(2)? as u16,
                etag: r.get(3)?,
                body: r.get(4)?,
            })
        },
    )
    .optional()
}

fn record_response(tx: &Transaction<'_>, user: &str, key: &str, rec: &RecordedResponse) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO rest_idempotency (user_id, key, method, path, status, etag, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![user, key, rec.method, rec.path, rec.status as i64, rec.etag, rec.body, now_ms()],
    )?;
    Ok(())
}

fn user_has_rows(c: &Connection, user: &str) -> rusqlite::Result<bool> {
    c.query_row("SELECT EXISTS (SELECT 1 FROM entities WHERE user_id = ?1)", params![user], |r| r.get(0))
}

/// Deletes everything stored for `user` (rows, mutation log, idempotency records).
fn wipe_user(c: &mut Connection, user: &str) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    for table in ["entities", "mutation_log", "rest_idempotency"] {
        tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [user])?;
    }
    tx.commit()
}

/// Opens (creating if needed) the database at `path`, or in memory.
pub fn open(path: Option<&Path>) -> rusqlite::Result<Connection> {
    let conn = match path {
        None => Connection::open_in_memory()?,
        Some(path) => {
            let c = Connection::open(path)?;
            c.pragma_update(None, "journal_mode", "WAL")?;
            c.pragma_update(None, "synchronous", "NORMAL")?;
            c
        }
    };
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// The reads, on the connection and inside a transaction alike.
macro_rules! reads {
    ($t:ty) => {
        impl Reads for $t {
            fn get_row(&mut self, user: &str, entity_type: &str, id: &str) -> StoreResult<Option<Row>> {
                Ok(get_row(self, user, entity_type, id)?)
            }
            fn changes_since(
                &mut self,
                user: &str,
                after: u64,
                scope: Option<&str>,
                limit: u32,
            ) -> StoreResult<Vec<Row>> {
                Ok(changes_since(self, user, after, scope, limit)?)
            }
            fn count_since(&mut self, user: &str, after: u64, scope: Option<&str>) -> StoreResult<u64> {
                Ok(count_since(self, user, after, scope)?)
            }
            /// Server-wide: SQLite has one counter for everyone.
            fn latest_seq(&mut self, _user: &str) -> StoreResult<u64> {
                Ok(latest_seq(self)?)
            }
            fn list_live(
                &mut self,
                user: &str,
                entity_type: &str,
                scope: Option<&str>,
                offset: u64,
                limit: u64,
            ) -> StoreResult<(Vec<Row>, u64)> {
                Ok(list_live(self, user, entity_type, scope, offset, limit)?)
            }
            fn user_has_rows(&mut self, user: &str) -> StoreResult<bool> {
                Ok(user_has_rows(self, user)?)
            }
            fn logged_result(&mut self, user: &str, mutation_id: &str) -> StoreResult<Option<String>> {
                Ok(logged_result(self, user, mutation_id)?)
            }
            fn recorded_response(&mut self, user: &str, key: &str) -> StoreResult<Option<RecordedResponse>> {
                Ok(recorded_response(self, user, key)?)
            }
        }
    };
}

reads!(Connection);
reads!(Transaction<'_>);

impl Tx for Transaction<'_> {
    fn write_row(
        &mut self,
        user: &str,
        entity_type: &str,
        id: &str,
        prev: Option<&Row>,
        data: Option<Value>,
        client_id: &str,
        scopes: &[ScopeDef],
    ) -> StoreResult<Row> {
        Ok(write_row(self, user, entity_type, id, prev, data, client_id, scopes)?)
    }
    fn next_rest_id(&mut self) -> StoreResult<u64> {
        Ok(next_counter(self, "rest_id")?)
    }
    fn log_result(&mut self, user: &str, mutation_id: &str, result_json: &str) -> StoreResult<()> {
        Ok(log_result(self, user, mutation_id, result_json)?)
    }
    fn record_response(&mut self, user: &str, key: &str, rec: &RecordedResponse) -> StoreResult<()> {
        Ok(record_response(self, user, key, rec)?)
    }
    fn commit(self: Box<Self>) -> StoreResult<()> {
        Ok((*self).commit()?)
    }
}

impl Conn for Connection {
    /// Plain `BEGIN`: the one connection is never shared, so nothing overlaps.
    fn transaction(&mut self, _user: &str) -> StoreResult<Box<dyn Tx + '_>> {
        Ok(Box::new(Connection::transaction(self)?))
    }
    fn wipe_user(&mut self, user: &str) -> StoreResult<()> {
        Ok(wipe_user(self, user)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seq_is_monotonic_across_wipes() {
        let mut c = open(None).unwrap();
        let tx = Connection::transaction(&mut c).unwrap();
        let a = write_row(&tx, "u", "course", "c", None, Some(json!({})), "x", &[ScopeDef::course()]).unwrap();
        tx.commit().unwrap();
        wipe_user(&mut c, "u").unwrap();
        let tx = Connection::transaction(&mut c).unwrap();
        let b = write_row(&tx, "u", "course", "c", None, Some(json!({})), "x", &[ScopeDef::course()]).unwrap();
        assert!(b.seq > a.seq);
        assert_eq!(b.version, 1);
    }
}
