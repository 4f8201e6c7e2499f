//! Reference server of the offline-sync protocol (`docs/PROTOCOL.md`): push and
//! pull over SQLite, bearer auth, and a test-only admin API for fault injection.
//! Tests start it in-process with [`serve`] on port 0.

pub mod admin;
pub mod apply;
pub mod auth;
pub mod bare_errors;
pub mod batch;
pub mod body_limit;
pub mod cli;
pub mod compression;
pub mod db;
pub mod http;
pub mod postgres;
pub mod rest_facade;
pub mod routes;
pub mod seed;
pub mod sql;
pub mod sqlite;
pub mod store;

use crate::admin::Admin;
use crate::auth::Auth;
use crate::bare_errors::JsonBareErrors;
use crate::db::{Db, DbLocation};
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{header, HeaderName, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::TokioIo;
use offline_sync_core::protocol::{PULL_PATH, PUSH_PATH};
use offline_sync_core::scope::ScopeDef;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Header in which clients send their client id on every request.
pub const CLIENT_HEADER: &str = "x-offline-sync-client";

/// Default request body limit: 5 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// Default limit of mutations in one push (the client sends at most
/// `MAX_PUSH_BATCH`, 100; the benchmark seeds with batches of 1000).
pub const DEFAULT_MAX_PUSH_MUTATIONS: usize = 1000;

/// Most headers in one request; more get 431 (from hyper, see `bare_errors`).
pub const MAX_HEADERS: usize = 100;
/// Most bytes of request line and headers together; more get 431.
pub const MAX_HEAD_BYTES: usize = 128 * 1024;

/// Everything the server needs to start; `cli` builds it from the command line.
#[derive(Clone, Debug)]
pub struct Options {
    pub addr: SocketAddr,
    pub db: DbLocation,
    /// `(token, user)` pairs.
    pub tokens: Vec<(String, String)>,
    pub dev_tokens: bool,
    pub enable_admin: bool,
    pub seed_demo: bool,
    pub max_body_bytes: usize,
    pub max_push_mutations: usize,
    /// Most PostgreSQL connections this process opens.
    pub pool_size: usize,
    /// Allow binding a non-loopback address.
    pub public: bool,
    /// Compress answers for clients that accept it (`--no-compression` turns it off).
    pub compress: bool,
    /// The named scopes (`--scope`); the seed's `course` when none is given.
    pub scopes: Vec<ScopeDef>,
}

impl Options {
    /// In-memory, loopback port 0, dev tokens and admin API on: what tests want.
    /// With `SYNC_SERVER_TEST_POSTGRES` set to a `postgres://` URL (as
    /// `scripts/test.sh` does), the store is that database instead, in a fresh
    /// schema of its own each time, so the same tests run against both stores.
    pub fn for_tests() -> Options {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: test_db(),
            tokens: Vec::new(),
            dev_tokens: true,
            enable_admin: true,
            seed_demo: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_push_mutations: DEFAULT_MAX_PUSH_MUTATIONS,
            pool_size: postgres::DEFAULT_POOL_SIZE,
            public: false,
            compress: true,
            scopes: offline_sync_core::scope::default_scopes(),
        }
    }
}

/// The store tests use: see [`Options::for_tests`].
pub fn test_db() -> DbLocation {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    match std::env::var("SYNC_SERVER_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => {
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            let schema = format!("t{}_{}_{n}", std::process::id(), db::now_nanos());
            DbLocation::Postgres { url, schema: Some(schema) }
        }
        _ => DbLocation::Memory,
    }
}

/// Shared state of all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<Auth>,
    pub admin: Arc<Admin>,
    pub max_body_bytes: usize,
    pub max_push_mutations: usize,
    /// Whether answers are compressed for clients that accept it (compression.rs).
    pub compress: bool,
    /// The named scopes this server declares (PROTOCOL.md §5).
    pub scopes: Arc<Vec<ScopeDef>>,
}

impl AppState {
    /// Opens the database (seeding it if asked) and builds the state.
    pub fn new(opts: &Options) -> anyhow::Result<AppState> {
        let db = Db::open(&opts.db, opts.pool_size)?;
        if opts.seed_demo {
            // Startup, before anything is served: blocking here is fine.
            let seeded = db.with_blocking(|c| Ok(seed::seed_demo(c)?)).map_err(|e| anyhow::anyhow!(e.message))?;
            if seeded {
                eprintln!("sync-server: seeded demo data for user \"demo\"");
            }
        }
        Ok(AppState {
            db,
            auth: Arc::new(Auth::new(&opts.tokens, opts.dev_tokens)?),
            admin: Arc::new(Admin::new(opts.enable_admin)),
            max_body_bytes: opts.max_body_bytes,
            max_push_mutations: opts.max_push_mutations,
            compress: opts.compress,
            scopes: Arc::new(opts.scopes.clone()),
        })
    }
}

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            // A push body may come gzip-compressed (compression.rs).
            header::CONTENT_ENCODING,
            HeaderName::from_static("idempotency-key"),
            header::IF_MATCH,
            HeaderName::from_static(CLIENT_HEADER),
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER, HeaderName::from_static("idempotent-replayed")])
        .max_age(Duration::from_secs(600))
}

/// All routes with their middleware.
pub fn router(state: AppState) -> Router {
    // Authenticated routes: auth runs first (outermost), then faults/stats.
    let sync = Router::new()
        .route(PUSH_PATH, post(routes::push))
        .route(PULL_PATH, get(routes::pull))
        .route_layer(from_fn_with_state(state.clone(), admin::faults))
        .route_layer(from_fn_with_state(state.clone(), auth::require_user));

    let mut app = Router::new()
        .route("/health", get(routes::health))
        .route("/auth/refresh", post(auth::refresh))
        .merge(sync)
        .merge(rest_facade::routes(state.clone()));
    if state.admin.enabled() {
        let admin = Router::new()
            .route("/__admin/faults", post(admin::set_faults))
            .route("/__admin/stats", get(admin::stats))
            .route("/__admin/reset", post(admin::reset))
            .route_layer(from_fn(admin::loopback_only));
        app = app.merge(admin);
    }
    let limit = state.max_body_bytes;
    app.fallback(http::not_found)
        // Ours reads a body over the limit through before it answers 413;
        // axum's (default 2 MB) would otherwise cut bodies below ours.
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(limit, body_limit::limit_body))
        .layer(from_fn_with_state(limit, http::json_errors))
        // Compressed answers and gzip push bodies (compression.rs: why it sits here).
        .layer(compression::layer(state.compress))
        .layer(cors())
        .with_state(state)
}

/// Lets a handler close its own connection without answering (see
/// `admin::break_connection`). Put in every request's extensions by [`serve`].
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

/// Binds `opts.addr` and serves in a background task. Returns the bound address
/// (useful with port 0) and the task.
pub async fn serve(opts: Options) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let state = AppState::new(&opts)?;
    serve_state(&opts, state).await
}

/// [`serve`] with state built by the caller, which keeps a clone of it (tests
/// reach the database through it).
pub async fn serve_state(opts: &Options, state: AppState) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    if !opts.addr.ip().is_loopback() && !opts.public {
        anyhow::bail!("refusing to listen on non-loopback address {} without --public", opts.addr);
    }
    if !state.auth.has_any() {
        eprintln!("sync-server: warning: no --token and no --dev-tokens: every request will get 401");
    }
    let app = router(state);
    let listener = TcpListener::bind(opts.addr).await?;
    let addr = listener.local_addr()?;
    Ok((addr, tokio::spawn(accept_loop(listener, app))))
}

/// Our own accept loop instead of `axum::serve`, so each connection can be
/// closed from inside a handler (the lost-acknowledgement fault).
async fn accept_loop(listener: TcpListener, app: Router) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // E.g. out of file descriptors: wait instead of spinning.
                eprintln!("sync-server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let k = kill.clone();
            let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                req.extensions_mut().insert(ConnKill(k.clone()));
                app.clone().oneshot(req)
            });
            let io = TokioIo::new(JsonBareErrors::new(stream));
            let conn = hyper::server::conn::http1::Builder::new()
                .max_headers(MAX_HEADERS)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(io, svc);
            tokio::select! {
                _ = conn => {}
                // Dropping the connection future closes the socket at once.
                _ = kill.notified() => {}
            }
        });
    }
}
