//! The PostgreSQL connection pool: connections opened as needed, handed out
//! first come, first served, each with its prepared statements.

use super::{PgConn, SCHEMA};
use crate::http::ApiError;
use crate::sql::SHARED_SCHEMA;
use crate::store::Conn;
use postgres::NoTls;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most connections one server process opens, unless told otherwise.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// Runs `f` on a thread of its own: the `postgres` client drives its own
/// runtime, which must not run inside the server's async threads.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
}

/// Connections to one database (and schema), opened as needed, at most
/// `size` in use at once; waiters are served first come, first served.
pub struct Pool {
    config: postgres::Config,
    schema: Option<String>,
    idle: Mutex<Vec<PgConn>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    /// Connects once to create the schema (and the tables, if missing).
    pub fn open(url: &str, schema: Option<&str>, size: usize) -> anyhow::Result<Pool> {
        let config: postgres::Config = url.parse()?;
        if let Some(s) = schema {
            anyhow::ensure!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "schema name {s:?}: use a-z, 0-9 and _"
            );
        }
        let pool = Pool {
            config,
            schema: schema.map(str::to_string),
            idle: Mutex::default(),
            permits: Arc::new(Semaphore::new(size.max(1))),
        };
        off_runtime(|| -> anyhow::Result<()> {
            let mut c = pool.connect()?;
            let mut tx = c.client.transaction()?;
            // Two processes starting at once would race on CREATE .. IF NOT EXISTS.
            tx.execute("SELECT pg_advisory_xact_lock(727274)", &[])?;
            tx.batch_execute(SCHEMA)?;
            tx.batch_execute(SHARED_SCHEMA)?;
            tx.commit()?;
            pool.idle.lock().unwrap_or_else(|e| e.into_inner()).push(c);
            Ok(())
        })?;
        Ok(pool)
    }

    /// A new connection (in the pool's schema), outside the pool.
    pub fn connect(&self) -> Result<PgConn, postgres::Error> {
        let mut c = self.config.connect(NoTls)?;
        if let Some(s) = &self.schema {
            c.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"))?;
        }
        Ok(PgConn::new(c))
    }

    /// A turn at one of the pool's connections.
    pub async fn permit(&self) -> OwnedSemaphorePermit {
        self.permits.clone().acquire_owned().await.expect("the pool's semaphore is never closed")
    }

    /// Runs `f` on an idle connection (or a new one), then keeps the
    /// connection unless it broke. Blocking: call it holding a permit, off the
    /// async threads.
    pub fn with_client<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut client = match idle {
            Some(c) if !c.client.is_closed() => c,
            _ => self.connect().map_err(|e| ApiError::internal(format!("cannot connect to PostgreSQL: {e}")))?,
        };
        let out = f(&mut client);
        if !client.client.is_closed() {
            self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(client);
        }
        out
    }
}

impl Drop for Pool {
    /// Each client owns a small runtime, which may not be dropped on an async
    /// thread.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        if !idle.is_empty() {
            std::thread::spawn(move || drop(idle));
        }
    }
}
