//! The SQLite store: the schema and every query, behind the `store` traits.
//! One connection serves everything (see `db::Db`), so transactions never
//! overlap and a server-wide counter is a safe cursor.

use crate::sql::{ROW_COLUMNS, SHARED_SCHEMA, USER_TABLES};
use crate::store::{now_ms, Conn, Page, Reads, ReadsVia, RecordedResponse, Row, RowWrite, StoreResult, Tx};
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
-- Indexes, mutation log and idempotency records: sql::SHARED_SCHEMA.

-- A counter rather than MAX(seq): seq must never go back, even after a user's
-- rows are wiped, or a client holding a cursor would skip new changes.
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('seq', 0);
-- Source of ids the REST facade assigns (srv-<n>) when a POST names none.
INSERT OR IGNORE INTO counters (name, value) VALUES ('rest_id', 0);
";

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

/// Takes the next value of counter `name` (`seq` or `rest_id`).
fn next_counter(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<u64> {
    tx.query_row("UPDATE counters SET value = value + 1 WHERE name = ?1 RETURNING value", [name], |r| {
        r.get::<_, i64>(0)
    })
    .map(|v| v as u64)
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
    conn.execute_batch(SHARED_SCHEMA)?;
    Ok(conn)
}

/// The reads, on the connection and inside a transaction alike (a
/// transaction derefs to its connection).
impl Reads for &Connection {
    fn get_row(&mut self, user: &str, entity_type: &str, id: &str) -> StoreResult<Option<Row>> {
        let sql = format!("SELECT {ROW_COLUMNS} FROM entities WHERE user_id = ?1 AND entity_type = ?2 AND id = ?3");
        Ok(self.query_row(&sql, params![user, entity_type, id], row_from_sql).optional()?)
    }

    fn changes_since(&mut self, user: &str, after: u64, scope: Option<&str>, limit: u32) -> StoreResult<Vec<Row>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM entities
             WHERE user_id = ?1 AND seq > ?2 AND (?3 IS NULL OR scope = ?3)
             ORDER BY seq LIMIT ?4"
        );
        let mut stmt = self.prepare_cached(&sql)?;
        let rows =
            stmt.query_map(params![user, i64::try_from(after).unwrap_or(i64::MAX), scope, limit as i64], row_from_sql)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn count_since(&mut self, user: &str, after: u64, scope: Option<&str>) -> StoreResult<u64> {
        let sql = "SELECT COUNT(*) FROM entities WHERE user_id = ?1 AND seq > ?2 AND (?3 IS NULL OR scope = ?3)";
        let n: i64 = self.prepare_cached(sql)?.query_row(params![user, after as i64, scope], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Server-wide: SQLite has one counter for everyone, and no cursor the
    /// server handed out is larger than its latest value.
    fn latest_seq(&mut self, _user: &str) -> StoreResult<u64> {
        let v: i64 = self.query_row("SELECT value FROM counters WHERE name = 'seq'", [], |r| r.get(0))?;
        Ok(v as u64)
    }

    fn list_live(&mut self, user: &str, ty: &str, scope: Option<&str>, page: Page) -> StoreResult<(Vec<Row>, u64)> {
        let filter = "user_id = ?1 AND entity_type = ?2 AND deleted = 0 AND (?3 IS NULL OR scope = ?3)";
        let total: i64 =
            self.query_row(&format!("SELECT COUNT(*) FROM entities WHERE {filter}"), params![user, ty, scope], |r| {
                r.get(0)
            })?;
        let mut stmt = self.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM entities WHERE {filter}
             ORDER BY created_seq LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt
            .query_map(params![user, ty, scope, page.limit as i64, page.offset as i64], row_from_sql)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((rows, total as u64))
    }

    fn user_has_rows(&mut self, user: &str) -> StoreResult<bool> {
        Ok(self.query_row("SELECT EXISTS (SELECT 1 FROM entities WHERE user_id = ?1)", params![user], |r| r.get(0))?)
    }

    fn logged_result(&mut self, user: &str, mutation_id: &str) -> StoreResult<Option<String>> {
        let sql = "SELECT result FROM mutation_log WHERE user_id = ?1 AND mutation_id = ?2";
        Ok(self.query_row(sql, params![user, mutation_id], |r| r.get(0)).optional()?)
    }

    fn recorded_response(&mut self, user: &str, key: &str) -> StoreResult<Option<RecordedResponse>> {
        let sql = "SELECT method, path, status, etag, body FROM rest_idempotency WHERE user_id = ?1 AND key = ?2";
        let rec = self
            .query_row(sql, params![user, key], |r| {
                Ok(RecordedResponse {
                    method: r.get(0)?,
                    path: r.get(1)?,
                    status: r.get::<_, i64>(2)? as u16,
                    etag: r.get(3)?,
                    body: r.get(4)?,
                })
            })
            .optional()?;
        Ok(rec)
    }
}

impl ReadsVia for Connection {
    type Via<'a> = &'a Connection;
    fn reads(&mut self) -> &Connection {
        self
    }
}

impl ReadsVia for Transaction<'_> {
    type Via<'a>
        = &'a Connection
    where
        Self: 'a;
    fn reads(&mut self) -> &Connection {
        self
    }
}

impl Tx for Transaction<'_> {
    /// The new state, on top of `prev`, at the next value of the server-wide
    /// change counter.
    fn write_row(&mut self, user: &str, w: RowWrite<'_>) -> StoreResult<Row> {
        let seq = next_counter(self, "seq")?;
        let row = Row::next(w, seq);
        let data_text = row.data.as_ref().map(Value::to_string);
        // Cached: preparing it again for every row costs more than running it.
        self.prepare_cached(
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

    fn next_rest_id(&mut self) -> StoreResult<u64> {
        Ok(next_counter(self, "rest_id")?)
    }

    fn log_result(&mut self, user: &str, mutation_id: &str, result_json: &str) -> StoreResult<()> {
        self.prepare_cached(
            "INSERT INTO mutation_log (user_id, mutation_id, result, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![user, mutation_id, result_json, now_ms()])?;
        Ok(())
    }

    fn record_response(&mut self, user: &str, key: &str, rec: &RecordedResponse) -> StoreResult<()> {
        self.execute(
            "INSERT INTO rest_idempotency (user_id, key, method, path, status, etag, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![user, key, rec.method, rec.path, rec.status as i64, rec.etag, rec.body, now_ms()],
        )?;
        Ok(())
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

    /// Deletes everything stored for `user` (rows, mutation log, idempotency records).
    fn wipe_user(&mut self, user: &str) -> StoreResult<()> {
        let tx = Connection::transaction(self)?;
        for table in USER_TABLES {
            tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [user])?;
        }
        Ok(tx.commit()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use offline_sync_core::scope::ScopeDef;
    use serde_json::json;

    fn write(tx: &mut dyn Tx) -> Row {
        let w = RowWrite {
            entity_type: "course",
            id: "c",
            prev: None,
            data: Some(json!({})),
            client_id: "x",
            scopes: &[ScopeDef::course()],
        };
        tx.write_row("u", w).unwrap()
    }

    #[test]
    fn seq_is_monotonic_across_wipes() {
        let mut c = open(None).unwrap();
        let mut tx = Conn::transaction(&mut c, "u").unwrap();
        let a = write(&mut *tx);
        tx.commit().unwrap();
        c.wipe_user("u").unwrap();
        let mut tx = Conn::transaction(&mut c, "u").unwrap();
        let b = write(&mut *tx);
        assert!(b.seq > a.seq);
        assert_eq!(b.version, 1);
    }
}
