//! SQLite storage: the schema and every query. Every query that touches user data
//! takes the user id and filters by it, so no code path can reach another user's rows.

use crate::http::ApiError;
use offline_sync_core::protocol::Entity;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Where the database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLocation {
    File(PathBuf),
    Memory,
}

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

/// One shared connection behind a mutex: SQLite serialises writers anyway, and
/// a single connection makes `:memory:` databases work. The mutex is tokio's,
/// which is fair (first come, first served): a long push applies in chunks, one
/// `call` each, and a request that asked for the database during one chunk gets
/// it before the next chunk does, so it waits one chunk, not the whole push.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    waiting: Arc<AtomicUsize>,
}

/// The database held by [`Db::hold`]; released when dropped.
pub struct Held(#[allow(dead_code)] OwnedMutexGuard<Connection>);

impl Db {
    pub fn open(loc: &DbLocation) -> anyhow::Result<Db> {
        let conn = match loc {
            DbLocation::Memory => Connection::open_in_memory()?,
            DbLocation::File(path) => {
                let c = Connection::open(path)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
        };
        conn.execute_batch(SCHEMA)?;
        Ok(Db { conn: Arc::new(Mutex::new(conn)), waiting: Arc::default() })
    }

    /// Runs `f` with the connection on the blocking pool, once the requests that
    /// asked before this one are done. The work finishes (and commits) even if
    /// the request that started it is dropped midway.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let mut conn = self.acquire().await;
        // A panic inside a transaction rolls it back and drops the guard, so
        // the connection stays consistent.
        tokio::task::spawn_blocking(move || f(&mut conn))
            .await
            .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    async fn acquire(&self) -> OwnedMutexGuard<Connection> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = self.conn.clone().lock_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// Holds the database until the answer is dropped: requests that need it
    /// queue meanwhile, in order. For tests of that queue.
    pub async fn hold(&self) -> Held {
        Held(self.acquire().await)
    }

    /// How many requests are waiting for the database right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Runs `f` on the current thread; for startup (before anything is served)
    /// and tests only.
    pub fn with_blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut c = self.conn.try_lock().expect("the database is not in use before the server starts");
        f(&mut c)
    }
}

/// An entity row as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub entity_type: String,
    pub id: String,
    pub version: u64,
    pub deleted: bool,
    pub data: Option<Value>,
    pub seq: u64,
    pub created_seq: u64,
    pub modified_by_client: Option<String>,
    pub scope: Option<String>,
}

impl Row {
    pub fn to_entity(&self) -> Entity<Value> {
        Entity {
            entity_type: self.entity_type.clone(),
            id: self.id.clone(),
            version: self.version,
            deleted: self.deleted,
            data: if self.deleted { None } else { self.data.clone() },
        }
    }

    /// The row's data, or `None` when it is a tombstone.
    pub fn live_data(&self) -> Option<&Value> {
        if self.deleted {
            None
        } else {
            self.data.as_ref()
        }
    }
}

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

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn get_row(c: &Connection, user: &str, entity_type: &str, id: &str) -> rusqlite::Result<Option<Row>> {
    c.query_row(
        &format!("SELECT {ROW_COLUMNS} FROM entities WHERE user_id = ?1 AND entity_type = ?2 AND id = ?3"),
        params![user, entity_type, id],
        row_from_sql,
    )
    .optional()
}

/// Takes the next value of counter `name` (`seq` or `rest_id`).
pub fn next_counter(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<u64> {
    tx.query_row("UPDATE counters SET value = value + 1 WHERE name = ?1 RETURNING value", [name], |r| {
        r.get::<_, i64>(0)
    })
    .map(|v| v as u64)
}

/// The latest value taken of the server-wide change counter: no cursor the
/// server handed out is larger.
pub fn latest_seq(c: &Connection) -> rusqlite::Result<u64> {
    c.query_row("SELECT value FROM counters WHERE name = 'seq'", [], |r| r.get::<_, i64>(0)).map(|v| v as u64)
}

/// Takes the next value of the server-wide change counter.
pub fn next_seq(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    next_counter(tx, "seq")
}

/// Which pull scope a row belongs to: a course is its own scope; anything whose
/// data names a `courseId` belongs to that course. A tombstone has no data, so
/// it keeps the scope it had, or scoped pulls would never see the deletion.
pub fn scope_of(entity_type: &str, id: &str, data: Option<&Value>, prev: Option<&str>) -> Option<String> {
    if entity_type == "course" {
        return Some(format!("course:{id}"));
    }
    match data {
        Some(d) => d.get("courseId").and_then(Value::as_str).map(|c| format!("course:{c}")),
        None => prev.map(str::to_string),
    }
}

/// Writes the new state of an entity (`None` = tombstone) on top of `prev`,
/// bumping the version and taking a new seq. Returns the row as written.
pub fn write_row(
    tx: &Transaction<'_>,
    user: &str,
    entity_type: &str,
    id: &str,
    prev: Option<&Row>,
    data: Option<Value>,
    client_id: &str,
) -> rusqlite::Result<Row> {
    let seq = next_seq(tx)?;
    let row = Row {
        entity_type: entity_type.to_string(),
        id: id.to_string(),
        version: prev.map_or(1, |p| p.version + 1),
        deleted: data.is_none(),
        scope: scope_of(entity_type, id, data.as_ref(), prev.and_then(|p| p.scope.as_deref())),
        data,
        seq,
        created_seq: prev.map_or(seq, |p| p.created_seq),
        modified_by_client: Some(client_id.to_string()),
    };
    let data_text = row.data.as_ref().map(Value::to_string);
    tx.execute(
        "INSERT INTO entities (user_id, entity_type, id, version, deleted, data, seq, created_seq,
                               modified_by_client, scope, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (user_id, entity_type, id) DO UPDATE SET
            version = excluded.version, deleted = excluded.deleted, data = excluded.data,
            seq = excluded.seq, modified_by_client = excluded.modified_by_client,
            scope = excluded.scope, updated_at = excluded.updated_at",
        params![
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
        ],
    )?;
    Ok(row)
}

/// Rows of `user` changed after `after`, oldest first, at most `limit`.
pub fn changes_since(
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
pub fn count_since(c: &Connection, user: &str, after: u64, scope: Option<&str>) -> rusqlite::Result<u64> {
    let sql = "SELECT COUNT(*) FROM entities WHERE user_id = ?1 AND seq > ?2 AND (?3 IS NULL OR scope = ?3)";
    let n: i64 = c.prepare_cached(sql)?.query_row(params![user, after as i64, scope], |r| r.get(0))?;
    Ok(n as u64)
}

/// Live (not deleted) rows of one type, optionally only those of one scope, in
/// creation order, with the total count, for paginated REST lists.
pub fn list_live(
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

pub fn logged_result(c: &Connection, user: &str, mutation_id: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT result FROM mutation_log WHERE user_id = ?1 AND mutation_id = ?2",
        params![user, mutation_id],
        |r| r.get(0),
    )
    .optional()
}

pub fn log_result(tx: &Transaction<'_>, user: &str, mutation_id: &str, result_json: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO mutation_log (user_id, mutation_id, result, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user, mutation_id, result_json, now_ms()],
    )?;
    Ok(())
}

/// A REST answer recorded under an Idempotency-Key.
#[derive(Clone, Debug)]
pub struct RecordedResponse {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub etag: Option<String>,
    pub body: String,
}

pub fn recorded_response(c: &Connection, user: &str, key: &str) -> rusqlite::Result<Option<RecordedResponse>> {
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

pub fn record_response(tx: &Transaction<'_>, user: &str, key: &str, rec: &RecordedResponse) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO rest_idempotency (user_id, key, method, path, status, etag, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![user, key, rec.method, rec.path, rec.status as i64, rec.etag, rec.body, now_ms()],
    )?;
    Ok(())
}

pub fn user_has_rows(c: &Connection, user: &str) -> rusqlite::Result<bool> {
    c.query_row("SELECT EXISTS (SELECT 1 FROM entities WHERE user_id = ?1)", params![user], |r| r.get(0))
}

/// Deletes everything stored for `user` (rows, mutation log, idempotency records).
pub fn wipe_user(c: &mut Connection, user: &str) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    for table in ["entities", "mutation_log", "rest_idempotency"] {
        tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [user])?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes() {
        assert_eq!(scope_of("course", "c1", None, None).as_deref(), Some("course:c1"));
        let lesson = json!({"courseId": "c2"});
        assert_eq!(scope_of("lesson", "l1", Some(&lesson), None).as_deref(), Some("course:c2"));
        assert_eq!(scope_of("lesson", "l1", None, Some("course:c2")).as_deref(), Some("course:c2"));
        assert_eq!(scope_of("note", "n", Some(&json!({"courseId": 3})), None), None);
    }

    #[test]
    fn seq_is_monotonic_across_wipes() {
        let db = Db::open(&DbLocation::Memory).unwrap();
        let mut c = db.conn.try_lock().unwrap();
        let tx = c.transaction().unwrap();
        let a = write_row(&tx, "u", "course", "c", None, Some(json!({})), "x").unwrap();
        tx.commit().unwrap();
        wipe_user(&mut c, "u").unwrap();
        let tx = c.transaction().unwrap();
        let b = write_row(&tx, "u", "course", "c", None, Some(json!({})), "x").unwrap();
        assert!(b.seq > a.seq);
        assert_eq!(b.version, 1);
    }
}
