//! What the sync rules need from a database, as traits, so the same rules
//! (`apply`, the REST facade) run on SQLite (`sqlite`) and PostgreSQL
//! (`postgres`). Every method that touches user data takes the user id and
//! filters by it, so no code path can reach another user's rows.

use offline_sync_core::protocol::Entity;
use offline_sync_core::scope::ScopeDef;
use serde_json::Value;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A database failure (connection lost, constraint, bad stored JSON): the
/// request fails with a 500 and, inside a transaction, nothing is committed.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("sqlite: {e}"))
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError(format!("postgres: {e}"))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(format!("stored JSON: {e}"))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An entity row as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub entity_type: String,
    pub id: String,
    pub version: u64,
    pub deleted: bool,
    pub data: Option<Value>,
    /// Position of the last write in the user's change order: what pull
    /// cursors are made of.
    pub seq: u64,
    /// seq of the first write: stable order for REST lists.
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

    /// The row `w` makes at `seq`: the version and scope rules both stores share.
    pub fn next(w: RowWrite<'_>, seq: u64) -> Row {
        Row {
            entity_type: w.entity_type.to_string(),
            id: w.id.to_string(),
            version: w.prev.map_or(1, |p| p.version + 1),
            deleted: w.data.is_none(),
            scope: scope_of(w.scopes, w.entity_type, w.id, w.data.as_ref(), w.prev.and_then(|p| p.scope.as_deref())),
            data: w.data,
            seq,
            created_seq: w.prev.map_or(seq, |p| p.created_seq),
            modified_by_client: Some(w.client_id.to_string()),
        }
    }
}

/// One write of an entity, as `Tx::write_row` takes it: its new state (`data`,
/// `None` = tombstone) on top of `prev`, by `client_id`. `scopes`: the
/// server's scope declarations, which say the row's scope.
pub struct RowWrite<'a> {
    pub entity_type: &'a str,
    pub id: &'a str,
    pub prev: Option<&'a Row>,
    pub data: Option<Value>,
    pub client_id: &'a str,
    pub scopes: &'a [ScopeDef],
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

/// A page of a REST list: at most `limit` rows after the first `offset`.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Which pull scope a row belongs to under the server's declarations
/// (PROTOCOL.md §5; by default `course`: a course is its own scope, anything
/// whose data names a `courseId` belongs to that course). A tombstone has no
/// data, so it keeps the scope it had, or scoped pulls would never see the deletion.
pub fn scope_of(
    scopes: &[ScopeDef],
    entity_type: &str,
    id: &str,
    data: Option<&Value>,
    prev: Option<&str>,
) -> Option<String> {
    let field = |d: &Value, f: &str| d.get(f).and_then(Value::as_str).map(str::to_string);
    match data {
        Some(d) => offline_sync_core::scope::scope_of(scopes, entity_type, id, |f| field(d, f)).map(|s| s.key()),
        None if scopes.iter().any(|s| s.root == entity_type) => {
            offline_sync_core::scope::scope_of(scopes, entity_type, id, |_| None).map(|s| s.key())
        }
        None => prev.map(str::to_string),
    }
}

/// Reads, on a connection or inside a transaction.
pub trait Reads {
    fn get_row(&mut self, user: &str, entity_type: &str, id: &str) -> StoreResult<Option<Row>>;
    /// Rows of `user` changed after cursor `after`, oldest first, at most `limit`.
    fn changes_since(&mut self, user: &str, after: u64, scope: Option<&str>, limit: u32) -> StoreResult<Vec<Row>>;
    /// How many changes `changes_since` would answer after `after`, without a limit.
    fn count_since(&mut self, user: &str, after: u64, scope: Option<&str>) -> StoreResult<u64>;
    /// The largest cursor this store may have handed out to `user`.
    fn latest_seq(&mut self, user: &str) -> StoreResult<u64>;
    /// Live rows of one type (optionally of one scope) in creation order, with
    /// the total count, for paginated REST lists.
    fn list_live(&mut self, user: &str, ty: &str, scope: Option<&str>, page: Page) -> StoreResult<(Vec<Row>, u64)>;
    fn user_has_rows(&mut self, user: &str) -> StoreResult<bool>;
    /// The stored result (JSON) of a mutation id `user` sent before.
    fn logged_result(&mut self, user: &str, mutation_id: &str) -> StoreResult<Option<String>>;
    fn recorded_response(&mut self, user: &str, key: &str) -> StoreResult<Option<RecordedResponse>>;
}

/// A store whose reads another value makes (a connection's or a transaction's
/// query helper): `Reads` follows from `reads`, so no store forwards each read
/// by hand.
pub trait ReadsVia {
    type Via<'a>: Reads
    where
        Self: 'a;
    fn reads(&mut self) -> Self::Via<'_>;
}

impl<T: ReadsVia> Reads for T {
    fn get_row(&mut self, user: &str, entity_type: &str, id: &str) -> StoreResult<Option<Row>> {
        self.reads().get_row(user, entity_type, id)
    }
    fn changes_since(&mut self, user: &str, after: u64, scope: Option<&str>, limit: u32) -> StoreResult<Vec<Row>> {
        self.reads().changes_since(user, after, scope, limit)
    }
    fn count_since(&mut self, user: &str, after: u64, scope: Option<&str>) -> StoreResult<u64> {
        self.reads().count_since(user, after, scope)
    }
    fn latest_seq(&mut self, user: &str) -> StoreResult<u64> {
        self.reads().latest_seq(user)
    }
    fn list_live(&mut self, user: &str, ty: &str, scope: Option<&str>, page: Page) -> StoreResult<(Vec<Row>, u64)> {
        self.reads().list_live(user, ty, scope, page)
    }
    fn user_has_rows(&mut self, user: &str) -> StoreResult<bool> {
        self.reads().user_has_rows(user)
    }
    fn logged_result(&mut self, user: &str, mutation_id: &str) -> StoreResult<Option<String>> {
        self.reads().logged_result(user, mutation_id)
    }
    fn recorded_response(&mut self, user: &str, key: &str) -> StoreResult<Option<RecordedResponse>> {
        self.reads().recorded_response(user, key)
    }
}

/// One transaction of one user's writes. Dropped without `commit`, it rolls back.
pub trait Tx: Reads {
    /// Writes `w` for `user`, bumping the version and taking the user's next
    /// change position. Returns the row as written.
    fn write_row(&mut self, user: &str, w: RowWrite<'_>) -> StoreResult<Row>;
    /// Reads at once the log entries of `mutation_ids` and the rows of
    /// `entities` ((type, id) pairs) that this transaction is about to look
    /// up one by one, where one query is cheaper than many (PostgreSQL: a
    /// round trip each). Answers stay exact: the transaction holds the user's
    /// lock, so nobody else changes them meanwhile. By default nothing.
    fn prefetch(&mut self, _user: &str, _mutation_ids: &[&str], _entities: &[(&str, &str)]) -> StoreResult<()> {
        Ok(())
    }
    /// The next number of the REST facade's `srv-<n>` ids.
    fn next_rest_id(&mut self) -> StoreResult<u64>;
    fn log_result(&mut self, user: &str, mutation_id: &str, result_json: &str) -> StoreResult<()>;
    fn record_response(&mut self, user: &str, key: &str, rec: &RecordedResponse) -> StoreResult<()>;
    fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// A connection to either store.
pub trait Conn: Reads {
    /// Starts a transaction that writes `user`'s data. Transactions of one user
    /// run one after another (their change positions are taken in commit
    /// order, so a pull cursor never passes over a change committed later);
    /// different users' run side by side where the store allows it.
    fn transaction(&mut self, user: &str) -> StoreResult<Box<dyn Tx + '_>>;
    /// Deletes everything stored for `user` (rows, mutation log, idempotency
    /// records). Change positions never go back: cursors stay valid.
    fn wipe_user(&mut self, user: &str) -> StoreResult<()>;
}
