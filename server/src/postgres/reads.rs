//! The PostgreSQL reads, on a connection or in a transaction (both
//! `GenericClient`), through each connection's prepared statements.

use crate::sql::ROW_COLUMNS;
use crate::store::{Page, Reads, RecordedResponse, Row, StoreResult};
use postgres::types::ToSql;
use postgres::{GenericClient, Statement};
use std::collections::HashMap;

pub(super) fn row_from_sql(r: &postgres::Row) -> StoreResult<Row> {
    let data: Option<String> = r.try_get(4)?;
    Ok(Row {
        entity_type: r.try_get(0)?,
        id: r.try_get(1)?,
        version: r.try_get::<_, i64>(2)? as u64,
        deleted: r.try_get(3)?,
        data: data.map(|s| serde_json::from_str(&s)).transpose()?,
        seq: r.try_get::<_, i64>(5)? as u64,
        created_seq: r.try_get::<_, i64>(6)? as u64,
        modified_by_client: r.try_get(7)?,
        scope: r.try_get(8)?,
    })
}

fn cursor(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

/// Prepared statements of one connection, by their SQL: a query sent as text
/// is prepared and then executed, two round trips; a prepared one is one.
#[derive(Default)]
pub struct Statements(HashMap<String, Statement>);

impl Statements {
    pub(super) fn get<C: GenericClient>(&mut self, c: &mut C, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(sql)?;
        self.0.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

/// What a transaction's `prefetch` read of its user's data, kept up to date by
/// its writes: reads of that user answer from here before asking the database.
#[derive(Default)]
pub(super) struct Prefetched {
    pub rows: HashMap<(String, String), Option<Row>>,
    pub logged: HashMap<String, Option<String>>,
}

/// The reads of a connection or a transaction.
pub struct PgReads<'a, C> {
    pub(super) client: &'a mut C,
    pub(super) statements: &'a mut Statements,
    /// In a transaction: its user, and what it prefetched of that user's data.
    pub(super) prefetched: Option<(&'a str, &'a Prefetched)>,
}

impl<'a, C: GenericClient> PgReads<'a, C> {
    fn prefetched(&self, user: &str) -> Option<&'a Prefetched> {
        self.prefetched.filter(|(u, _)| *u == user).map(|(_, p)| p)
    }

    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<postgres::Row>> {
        let st = self.statements.get(self.client, sql)?;
        Ok(self.client.query_opt(&st, params)?)
    }

    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<postgres::Row> {
        let st = self.statements.get(self.client, sql)?;
        Ok(self.client.query_one(&st, params)?)
    }

    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<postgres::Row>> {
        let st = self.statements.get(self.client, sql)?;
        Ok(self.client.query(&st, params)?)
    }
}

impl<C: GenericClient> Reads for PgReads<'_, C> {
    fn get_row(&mut self, user: &str, entity_type: &str, id: &str) -> StoreResult<Option<Row>> {
        if let Some(r) = self.prefetched(user).and_then(|p| p.rows.get(&(entity_type.to_string(), id.to_string()))) {
            return Ok(r.clone());
        }
        let sql = format!("SELECT {ROW_COLUMNS} FROM entities WHERE user_id = $1 AND entity_type = $2 AND id = $3");
        self.query_opt(sql.as_str(), &[&user, &entity_type, &id])?.as_ref().map(row_from_sql).transpose()
    }

    fn changes_since(&mut self, user: &str, after: u64, scope: Option<&str>, limit: u32) -> StoreResult<Vec<Row>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM entities
             WHERE user_id = $1 AND seq > $2 AND ($3::TEXT IS NULL OR scope = $3)
             ORDER BY seq LIMIT $4"
        );
        let rows = self.query(sql.as_str(), &[&user, &cursor(after), &scope, &i64::from(limit)])?;
        rows.iter().map(row_from_sql).collect()
    }

    fn count_since(&mut self, user: &str, after: u64, scope: Option<&str>) -> StoreResult<u64> {
        let sql = "SELECT COUNT(*) FROM entities WHERE user_id = $1 AND seq > $2 AND ($3::TEXT IS NULL OR scope = $3)";
        Ok(self.query_one(sql, &[&user, &cursor(after), &scope])?.try_get::<_, i64>(0)? as u64)
    }

    fn latest_seq(&mut self, user: &str) -> StoreResult<u64> {
        let r = self.query_opt("SELECT seq FROM sync_users WHERE user_id = $1", &[&user])?;
        Ok(r.map(|r| r.try_get::<_, i64>(0)).transpose()?.unwrap_or(0) as u64)
    }

    fn list_live(&mut self, user: &str, ty: &str, scope: Option<&str>, page: Page) -> StoreResult<(Vec<Row>, u64)> {
        let filter = "user_id = $1 AND entity_type = $2 AND NOT deleted AND ($3::TEXT IS NULL OR scope = $3)";
        let total: i64 = self
            .query_one(format!("SELECT COUNT(*) FROM entities WHERE {filter}").as_str(), &[&user, &ty, &scope])?
            .try_get(0)?;
        let sql = format!("SELECT {ROW_COLUMNS} FROM entities WHERE {filter} ORDER BY created_seq LIMIT $4 OFFSET $5");
        let (limit, offset) = (cursor(page.limit), cursor(page.offset));
        let rows = self.query(sql.as_str(), &[&user, &ty, &scope, &limit, &offset])?;
        Ok((rows.iter().map(row_from_sql).collect::<StoreResult<_>>()?, total as u64))
    }

    fn user_has_rows(&mut self, user: &str) -> StoreResult<bool> {
        Ok(self.query_one("SELECT EXISTS (SELECT 1 FROM entities WHERE user_id = $1)", &[&user])?.try_get(0)?)
    }

    fn logged_result(&mut self, user: &str, mutation_id: &str) -> StoreResult<Option<String>> {
        if let Some(r) = self.prefetched(user).and_then(|p| p.logged.get(mutation_id)) {
            return Ok(r.clone());
        }
        let sql = "SELECT result FROM mutation_log WHERE user_id = $1 AND mutation_id = $2";
        Ok(self.query_opt(sql, &[&user, &mutation_id])?.map(|r| r.try_get(0)).transpose()?)
    }

    fn recorded_response(&mut self, user: &str, key: &str) -> StoreResult<Option<RecordedResponse>> {
        let sql = "SELECT method, path, status, etag, body FROM rest_idempotency WHERE user_id = $1 AND key = $2";
        let Some(r) = self.query_opt(sql, &[&user, &key])? else {
            return Ok(None);
        };
        Ok(Some(RecordedResponse {
            method: r.try_get(0)?,
            path: r.try_get(1)?,
            status: r.try_get::<_, i32>(2)? as u16,
            etag: r.try_get(3)?,
            body: r.try_get(4)?,
        }))
    }
}
