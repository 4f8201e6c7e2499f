//! The database handle every handler uses: SQLite (one connection behind a
//! fair lock, the embedded default) or PostgreSQL (a pool; several server
//! processes may share the database). Either way a handler's work runs as a
//! closure on a `store::Conn`, on the blocking pool.

use crate::http::ApiError;
use crate::postgres::Pool;
pub use crate::store::{scope_of, Conn, Reads, RecordedResponse, Row, Tx};
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit};

/// Nanoseconds since the epoch (for names that must not repeat across runs).
pub fn now_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// Where the database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLocation {
    File(PathBuf),
    Memory,
    /// A `postgres://` URL, and optionally a schema to create and work in
    /// (tests give each server its own).
    Postgres {
        url: String,
        schema: Option<String>,
    },
}

#[derive(Clone)]
pub struct Db {
    inner: Inner,
    waiting: Arc<AtomicUsize>,
}

#[derive(Clone)]
enum Inner {
    /// One shared connection behind a mutex: SQLite serialises writers anyway,
    /// and a single connection makes `:memory:` databases work. The mutex is
    /// tokio's, which is fair (first come, first served): a long push applies
    /// in chunks, one `call` each, and a request that asked for the database
    /// during one chunk gets it before the next chunk does, so it waits one
    /// chunk, not the whole push.
    Sqlite(Arc<Mutex<Connection>>),
    Postgres(Arc<Pool>),
}

/// What [`Db::hold`] holds; released when dropped.
pub enum Held {
    Sqlite(#[allow(dead_code)] OwnedMutexGuard<Connection>),
    Postgres(#[allow(dead_code)] OwnedSemaphorePermit),
}

impl Db {
    /// `pool_size`: most PostgreSQL connections at once (SQLite has one).
    pub fn open(loc: &DbLocation, pool_size: usize) -> anyhow::Result<Db> {
        let inner = match loc {
            DbLocation::Memory => Inner::Sqlite(Arc::new(Mutex::new(crate::sqlite::open(None)?))),
            DbLocation::File(path) => Inner::Sqlite(Arc::new(Mutex::new(crate::sqlite::open(Some(path))?))),
            DbLocation::Postgres { url, schema } => {
                Inner::Postgres(Arc::new(Pool::open(url, schema.as_deref(), pool_size)?))
            }
        };
        Ok(Db { inner, waiting: Arc::default() })
    }

    /// Whether this is the PostgreSQL store.
    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, Inner::Postgres(_))
    }

    /// Runs `f` with a connection on the blocking pool, once the requests that
    /// asked before this one are done (SQLite) or a pooled connection is free
    /// (PostgreSQL). The work finishes (and commits) even if the request that
    /// started it is dropped midway.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, ApiError> + Send + 'static,
    {
        let joined = match self.hold().await {
            // A panic inside a transaction rolls it back and drops the guard,
            // so the connection stays consistent.
            Held::Sqlite(mut conn) => tokio::task::spawn_blocking(move || f(&mut *conn)).await,
            Held::Postgres(permit) => {
                let Inner::Postgres(pool) = &self.inner else { unreachable!("a permit comes from the pool") };
                let pool = pool.clone();
                tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    pool.with_client(f)
                })
                .await
            }
        };
        joined.map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Holds the database (SQLite) or one pooled connection (PostgreSQL) until
    /// the answer is dropped: requests that need it queue meanwhile, in order.
    pub async fn hold(&self) -> Held {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let held = match &self.inner {
            Inner::Sqlite(c) => Held::Sqlite(c.clone().lock_owned().await),
            Inner::Postgres(p) => Held::Postgres(p.permit().await),
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        held
    }

    /// How many requests are waiting for the database right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Runs `f` on the current thread; for startup (before anything is served)
    /// and tests only.
    pub fn with_blocking<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, ApiError> + Send,
    ) -> Result<T, ApiError> {
        match &self.inner {
            Inner::Sqlite(c) => {
                let mut c = c.try_lock().expect("the database is not in use before the server starts");
                f(&mut *c)
            }
            Inner::Postgres(p) => crate::postgres::off_runtime(|| p.with_client(f)),
        }
    }
}
