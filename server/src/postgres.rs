//! The PostgreSQL store: several server processes may share one database.
//!
//! Pull cursors are per-user change positions (`seq`), taken under a lock on
//! the user's row of `sync_users`: every transaction that writes a user's data
//! first locks that row (`INSERT .. ON CONFLICT DO UPDATE`, which locks it even
//! when it exists), reads the user's last position, numbers its changes after
//! it and stores the new last position before it commits. So one user's
//! changes are numbered in commit order, and a reader never sees position n+1
//! committed while n is not: a cursor cannot pass over a change committed late
//! by another process, as one taken from a sequence can (a transaction may
//! take a lower number and commit after one with a higher number). Other users'
//! rows are not locked: their writes go on side by side.
//!
//! Exactly-once: the mutation log's primary key is (user, mutation id), and a
//! push checks it under the same user lock, so a mutation id reaching two
//! processes at once is applied by the first and answered from the log by the
//! second.

mod pool;
mod reads;

use crate::sql::{ROW_COLUMNS, USER_TABLES};
use crate::store::{now_ms, Conn, ReadsVia, RecordedResponse, Row, RowWrite, StoreError, StoreResult, Tx};
use postgres::types::ToSql;
use postgres::{Client, Transaction};
use reads::{row_from_sql, PgReads, Prefetched, Statements};
use serde_json::Value;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sync_users (
    user_id TEXT   PRIMARY KEY,
    seq     BIGINT NOT NULL DEFAULT 0   -- last change position handed to the user's rows
);
CREATE TABLE IF NOT EXISTS entities (
    user_id            TEXT    NOT NULL,
    entity_type        TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    version            BIGINT  NOT NULL,
    deleted            BOOLEAN NOT NULL DEFAULT false,
    data               TEXT,
    seq                BIGINT  NOT NULL,
    created_seq        BIGINT  NOT NULL,
    modified_by_client TEXT,
    scope              TEXT,
    updated_at         BIGINT  NOT NULL,
    PRIMARY KEY (user_id, entity_type, id)
);
-- Indexes, mutation log and idempotency records: sql::SHARED_SCHEMA.
CREATE SEQUENCE IF NOT EXISTS rest_ids;
";

pub use pool::{off_runtime, Pool, DEFAULT_POOL_SIZE};

/// A connection as a `Conn`, with its prepared statements.
pub struct PgConn {
    pub client: Client,
    statements: Statements,
}

impl PgConn {
    pub fn new(client: Client) -> PgConn {
        PgConn { client, statements: Statements::default() }
    }
}

impl ReadsVia for PgConn {
    type Via<'a> = PgReads<'a, Client>;
    fn reads(&mut self) -> PgReads<'_, Client> {
        PgReads { client: &mut self.client, statements: &mut self.statements, prefetched: None }
    }
}

/// A transaction holding the lock on one user's `sync_users` row.
pub struct PgTx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut Statements,
    user: String,
    /// The user's last change position before this transaction.
    start: i64,
    /// The last position this transaction has taken.
    seq: i64,
    prefetched: Prefetched,
}

impl<'t> ReadsVia for PgTx<'t> {
    type Via<'a>
        = PgReads<'a, Transaction<'t>>
    where
        Self: 'a;
    fn reads(&mut self) -> PgReads<'_, Transaction<'t>> {
        PgReads { client: &mut self.tx, statements: self.statements, prefetched: Some((&self.user, &self.prefetched)) }
    }
}

/// Locks `user`'s row (creating it) and answers the user's last position.
fn lock_user(tx: &mut Transaction<'_>, statements: &mut Statements, user: &str) -> StoreResult<i64> {
    let sql = "INSERT INTO sync_users (user_id) VALUES ($1)
               ON CONFLICT (user_id) DO UPDATE SET seq = sync_users.seq RETURNING seq";
    let st = statements.get(tx, sql)?;
    Ok(tx.query_one(&st, &[&user])?.try_get(0)?)
}

impl PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        let st = self.statements.get(&mut self.tx, sql)?;
        Ok(self.tx.execute(&st, params)?)
    }

    fn check_user(&self, user: &str) -> StoreResult<()> {
        if user == self.user {
            return Ok(());
        }
        Err(StoreError(format!("a transaction of user {:?} cannot write user {user:?}'s data", self.user)))
    }
}

impl Tx for PgTx<'_> {
    fn write_row(&mut self, user: &str, w: RowWrite<'_>) -> StoreResult<Row> {
        self.check_user(user)?;
        self.seq += 1;
        let row = Row::next(w, self.seq as u64);
        let data_text = row.data.as_ref().map(Value::to_string);
        let seq = self.seq;
        self.execute(
            "INSERT INTO entities (user_id, entity_type, id, version, deleted, data, seq, created_seq,
                                   modified_by_client, scope, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (user_id, entity_type, id) DO UPDATE SET
                version = excluded.version, deleted = excluded.deleted, data = excluded.data,
                seq = excluded.seq, modified_by_client = excluded.modified_by_client,
                scope = excluded.scope, updated_at = excluded.updated_at",
            &[
                &user,
                &row.entity_type,
                &row.id,
                &(row.version as i64),
                &row.deleted,
                &data_text,
                &seq,
                &(row.created_seq as i64),
                &row.modified_by_client,
                &row.scope,
                &now_ms(),
            ],
        )?;
        self.prefetched.rows.insert((row.entity_type.clone(), row.id.clone()), Some(row.clone()));
        Ok(row)
    }

    fn prefetch(&mut self, user: &str, mutation_ids: &[&str], entities: &[(&str, &str)]) -> StoreResult<()> {
        self.check_user(user)?;
        let ids: Vec<&str> =
            mutation_ids.iter().copied().filter(|id| !self.prefetched.logged.contains_key(*id)).collect();
        if !ids.is_empty() {
            let sql = "SELECT mutation_id, result FROM mutation_log WHERE user_id = $1 AND mutation_id = ANY($2)";
            let st = self.statements.get(&mut self.tx, sql)?;
            for id in &ids {
                self.prefetched.logged.insert(id.to_string(), None);
            }
            for r in self.tx.query(&st, &[&user, &ids])? {
                self.prefetched.logged.insert(r.try_get(0)?, Some(r.try_get(1)?));
            }
        }
        let (types, idents): (Vec<&str>, Vec<&str>) = entities
            .iter()
            .filter(|(t, i)| !self.prefetched.rows.contains_key(&(t.to_string(), i.to_string())))
            .copied()
            .unzip();
        if !types.is_empty() {
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM entities WHERE user_id = $1
                 AND (entity_type, id) IN (SELECT * FROM unnest($2::TEXT[], $3::TEXT[]))"
            );
            let st = self.statements.get(&mut self.tx, &sql)?;
            for (t, i) in types.iter().zip(&idents) {
                self.prefetched.rows.insert((t.to_string(), i.to_string()), None);
            }
            for r in self.tx.query(&st, &[&user, &types, &idents])? {
                let row = row_from_sql(&r)?;
                self.prefetched.rows.insert((row.entity_type.clone(), row.id.clone()), Some(row));
            }
        }
        Ok(())
    }

    fn next_rest_id(&mut self) -> StoreResult<u64> {
        Ok(self.tx.query_one("SELECT nextval('rest_ids')", &[])?.try_get::<_, i64>(0)? as u64)
    }

    fn log_result(&mut self, user: &str, mutation_id: &str, result_json: &str) -> StoreResult<()> {
        self.check_user(user)?;
        self.execute(
            "INSERT INTO mutation_log (user_id, mutation_id, result, created_at) VALUES ($1, $2, $3, $4)",
            &[&user, &mutation_id, &result_json, &now_ms()],
        )?;
        self.prefetched.logged.insert(mutation_id.to_string(), Some(result_json.to_string()));
        Ok(())
    }

    fn record_response(&mut self, user: &str, key: &str, rec: &RecordedResponse) -> StoreResult<()> {
        self.check_user(user)?;
        self.execute(
            "INSERT INTO rest_idempotency (user_id, key, method, path, status, etag, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&user, &key, &rec.method, &rec.path, &i32::from(rec.status), &rec.etag, &rec.body, &now_ms()],
        )?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if self.seq != self.start {
            let sql = "UPDATE sync_users SET seq = $2 WHERE user_id = $1";
            let (user, seq) = (self.user.clone(), self.seq);
            self.execute(sql, &[&user, &seq])?;
        }
        Ok(self.tx.commit()?)
    }
}

impl Conn for PgConn {
    fn transaction(&mut self, user: &str) -> StoreResult<Box<dyn Tx + '_>> {
        let mut tx = self.client.transaction()?;
        let start = lock_user(&mut tx, &mut self.statements, user)?;
        Ok(Box::new(PgTx {
            tx,
            statements: &mut self.statements,
            user: user.to_string(),
            start,
            seq: start,
            prefetched: Prefetched::default(),
        }))
    }

    fn wipe_user(&mut self, user: &str) -> StoreResult<()> {
        let mut tx = self.client.transaction()?;
        // Under the lock, so no push of the user is half applied meanwhile; the
        // user's row stays, with its position: cursors never go back.
        lock_user(&mut tx, &mut self.statements, user)?;
        for table in USER_TABLES {
            tx.execute(format!("DELETE FROM {table} WHERE user_id = $1").as_str(), &[&user])?;
        }
        Ok(tx.commit()?)
    }
}
