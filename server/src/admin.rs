//! Test-only administration: per-user fault injection and request statistics.
//! Everything is keyed by user so test suites running in parallel against one
//! server (each with its own user) cannot disturb each other.

use crate::auth::{valid_user, AuthUser};
use crate::http::{ApiError, JsonBody};
use crate::{AppState, ConnKill, CLIENT_HEADER};
use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, OriginalUri, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which requests a `failNext` fault hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathMatch {
    Push,
    Pull,
    Rest,
    #[default]
    Any,
}

fn default_fail_status() -> u16 {
    503
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailNext {
    pub count: u32,
    #[serde(default = "default_fail_status")]
    pub status: u16,
    #[serde(default)]
    pub path: PathMatch,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryAfter {
    pub count: u32,
    pub seconds: u64,
}

/// Body of `POST /__admin/faults`; it replaces all faults of `user`. Unknown
/// fields are refused so a misspelt fault cannot silently do nothing.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultsRequest {
    pub user: String,
    pub fail_next: Option<FailNext>,
    pub delay_ms: Option<u64>,
    /// Writes are applied and committed, then the answer waits this long: a client
    /// that dies meanwhile (a closed tab) never learns that its change went in.
    pub delay_after_apply_ms: Option<u64>,
    /// The first this many writes answer at once; `delayAfterApplyMs` holds the
    /// ones after them (a client reloaded after k of n answers were read).
    pub delay_after_apply_skip: Option<u32>,
    /// The REST facade ignores `Idempotency-Key`, as many real APIs do: a repeated
    /// write is applied again (and counted again under its key).
    pub ignore_idempotency_key: Option<bool>,
    pub drop_after_apply: Option<u32>,
    pub malformed_next: Option<u32>,
    pub retry_after: Option<RetryAfter>,
    pub expire_token_once: Option<bool>,
}

#[derive(Debug, Default)]
struct UserState {
    faults: FaultsRequest,
    stats: StatsResponse,
    /// Idempotency-Keys of REST writes whose success answer was sent.
    answered_keys: std::collections::HashSet<String>,
    in_flight: HashMap<String, u32>,
}

/// A user's statistics, kept as `GET /__admin/stats` answers them.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsResponse {
    apply_counts: BTreeMap<String, u64>,
    push_requests: u64,
    /// Push requests whose body came gzip-compressed.
    gzip_push_requests: u64,
    pull_requests: u64,
    rest_requests: u64,
    /// REST writes received (POST, PUT, PATCH, DELETE), whatever their answer.
    rest_writes: u64,
    /// Writes the server applied whose answer never reached the client: the
    /// connection closed (a reload, a timeout, `dropAfterApply`) before it was sent.
    lost_answers: u64,
    /// REST writes that came again after the answer to their key was sent: a
    /// change the client was told about and sent anyway (never legitimate).
    resent_after_answer: u64,
    max_concurrent: BTreeMap<String, u32>,
}

/// What a request is, for fault matching and counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Push,
    Pull,
    RestRead,
    RestWrite,
    Other,
}

impl Kind {
    pub fn of(method: &Method, path: &str) -> Kind {
        use offline_sync_core::protocol::{PULL_PATH, PUSH_PATH};
        if path == PUSH_PATH {
            Kind::Push
        } else if path == PULL_PATH {
            Kind::Pull
        } else if path.starts_with("/api/") && method == Method::GET {
            Kind::RestRead
        } else if path.starts_with("/api/") {
            Kind::RestWrite
        } else {
            Kind::Other
        }
    }

    fn matches(self, p: PathMatch) -> bool {
        match p {
            PathMatch::Any => true,
            PathMatch::Push => self == Kind::Push,
            PathMatch::Pull => self == Kind::Pull,
            PathMatch::Rest => matches!(self, Kind::RestRead | Kind::RestWrite),
        }
    }

    /// Requests that change data, which `dropAfterApply` acts on.
    fn writes(self) -> bool {
        matches!(self, Kind::Push | Kind::RestWrite)
    }
}

/// Per-user faults and statistics. Disabled (a no-op) without `--enable-admin`,
/// so a production server keeps no per-mutation bookkeeping.
#[derive(Debug, Default)]
pub struct Admin {
    enabled: bool,
    users: Mutex<HashMap<String, UserState>>,
}

impl Admin {
    pub fn new(enabled: bool) -> Admin {
        Admin { enabled, users: Mutex::default() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn with<T>(&self, user: &str, f: impl FnOnce(&mut UserState) -> T) -> T {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        f(users.entry(user.to_string()).or_default())
    }

    /// Counts one real application of a change, keyed by mutation id or
    /// Idempotency-Key. A replay answered from the log is not counted.
    pub fn record_applied(&self, user: &str, key: &str) {
        if self.enabled {
            self.with(user, |s| *s.stats.apply_counts.entry(key.to_string()).or_default() += 1);
        }
    }

    /// Whether the REST facade is to ignore `Idempotency-Key` for `user`.
    pub fn ignores_idempotency_key(&self, user: &str) -> bool {
        self.enabled && self.with(user, |s| s.faults.ignore_idempotency_key == Some(true))
    }

    fn set_faults(&self, f: FaultsRequest) {
        self.with(&f.user.clone(), |s| s.faults = f);
    }

    fn stats(&self, user: &str) -> StatsResponse {
        self.with(user, |s| s.stats.clone())
    }

    fn reset(&self, user: &str) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.remove(user);
    }

    /// Counts the request and marks it in flight until the guard is dropped
    /// (which also happens when the connection is dropped mid-request).
    fn begin(self: &Arc<Self>, user: &str, client: &str, kind: Kind) -> InFlight {
        self.with(user, |s| {
            match kind {
                Kind::Push => s.stats.push_requests += 1,
                Kind::Pull => s.stats.pull_requests += 1,
                Kind::RestRead => s.stats.rest_requests += 1,
                Kind::RestWrite => {
                    s.stats.rest_requests += 1;
                    s.stats.rest_writes += 1;
                }
                Kind::Other => {}
            }
            let n = s.in_flight.entry(client.to_string()).or_default();
            *n += 1;
            let n = *n;
            let max = s.stats.max_concurrent.entry(client.to_string()).or_default();
            *max = (*max).max(n);
        });
        InFlight { admin: self.clone(), user: user.to_string(), client: client.to_string() }
    }
}

struct InFlight {
    admin: Arc<Admin>,
    user: String,
    client: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.admin.with(&self.user, |s| {
            if let Some(n) = s.in_flight.get_mut(&self.client) {
                *n = n.saturating_sub(1);
            }
        });
    }
}

/// An applied write whose answer has not been handed to the connection yet: if the
/// request is dropped first (the client went away), its answer was lost.
struct LostAnswer {
    admin: Arc<Admin>,
    user: String,
    armed: bool,
}

impl Drop for LostAnswer {
    fn drop(&mut self) {
        if self.armed {
            self.admin.with(&self.user, |s| s.stats.lost_answers += 1);
        }
    }
}

/// Takes one from a fault counter; true if it was positive.
fn take(n: &mut Option<u32>) -> bool {
    match n {
        Some(c) if *c > 0 => {
            *c -= 1;
            true
        }
        _ => false,
    }
}

fn error_response(status: StatusCode, message: &str) -> Response {
    ApiError::new(status, message).into_response()
}

/// Middleware on authenticated routes: applies the user's faults and counts
/// requests. Runs after authentication, so it knows the user.
pub async fn faults(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let admin = state.admin.clone();
    let user = match req.extensions().get::<AuthUser>() {
        Some(u) if admin.enabled => u.0.clone(),
        _ => return next.run(req).await,
    };
    // Inside `nest` the URI lost its prefix; the original one has it.
    let path = req.extensions().get::<OriginalUri>().map_or(req.uri().path(), |u| u.0.path());
    let kind = Kind::of(req.method(), path);
    let client = req.headers().get(CLIENT_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("(no client id)").to_string();

    let expired = admin.with(&user, |s| s.faults.expire_token_once.take() == Some(true));
    if expired {
        return error_response(StatusCode::UNAUTHORIZED, "access token expired");
    }
    let _in_flight = admin.begin(&user, &client, kind);
    if kind == Kind::Push && req.extensions().get::<crate::compression::CameGzipped>().is_some() {
        admin.with(&user, |s| s.stats.gzip_push_requests += 1);
    }
    let key = (kind == Kind::RestWrite)
        .then(|| req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string))
        .flatten();
    if let Some(k) = &key {
        admin.with(&user, |s| {
            if s.answered_keys.contains(k) {
                s.stats.resent_after_answer += 1;
            }
        });
    }
    let delay = admin.with(&user, |s| s.faults.delay_ms.unwrap_or(0));
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let retry_after = admin.with(&user, |s| match &mut s.faults.retry_after {
        Some(r) if r.count > 0 => {
            r.count -= 1;
            Some(r.seconds)
        }
        _ => None,
    });
    if let Some(secs) = retry_after {
        let mut res = error_response(StatusCode::TOO_MANY_REQUESTS, "injected fault: too many requests");
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return res;
    }
    let fail = admin.with(&user, |s| match &mut s.faults.fail_next {
        Some(f) if f.count > 0 && kind.matches(f.path) => {
            f.count -= 1;
            Some(f.status)
        }
        _ => None,
    });
    if let Some(status) = fail {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return error_response(status, &format!("injected fault: status {}", status.as_u16()));
    }

    let kill = req.extensions().get::<ConnKill>().cloned();
    let res = next.run(req).await;
    // From here on an applied write's answer can be lost: counted unless it is sent.
    let mut unsent = (kind.writes() && res.status().is_success()).then(|| LostAnswer {
        admin: admin.clone(),
        user: user.clone(),
        armed: true,
    });
    let delay_after = admin.with(&user, |s| match s.faults.delay_after_apply_ms {
        Some(ms) if kind.writes() && !take(&mut s.faults.delay_after_apply_skip) => ms,
        _ => 0,
    });
    if delay_after > 0 && res.status().is_success() {
        tokio::time::sleep(Duration::from_millis(delay_after)).await;
    }

    let drop_conn =
        kind.writes() && res.status().is_success() && admin.with(&user, |s| take(&mut s.faults.drop_after_apply));
    if drop_conn {
        return break_connection(kill).await;
    }
    // A truncated answer is as lost as one never sent: the client cannot read it.
    if admin.with(&user, |s| take(&mut s.faults.malformed_next)) {
        return truncate(res).await;
    }
    if let Some(u) = unsent.as_mut() {
        u.armed = false;
        if let Some(k) = key {
            admin.with(&user, |s| s.answered_keys.insert(k));
        }
    }
    res
}

/// The lost acknowledgement: the change is committed, but the client gets no
/// answer. Served by our accept loop, the connection is closed before any byte
/// of the response is written; otherwise (router mounted elsewhere) the best we
/// can do is a response whose body fails after the headers.
async fn break_connection(kill: Option<ConnKill>) -> Response {
    match kill {
        Some(k) => {
            k.0.notify_one();
            // The connection task drops this future when it closes the socket.
            std::future::pending::<Response>().await
        }
        None => {
            let stream = futures_util::stream::once(async {
                Err::<axum::body::Bytes, _>(std::io::Error::other("injected: connection dropped"))
            });
            Response::new(Body::from_stream(stream))
        }
    }
}

/// A 200 whose body is the first half of the real one: valid headers, invalid JSON.
async fn truncate(res: Response) -> Response {
    let body = to_bytes(res.into_body(), usize::MAX).await.unwrap_or_default();
    let cut = body.slice(..body.len() / 2);
    let mut out = Response::new(Body::from(cut));
    out.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    out
}

/// Middleware on admin routes: only loopback peers; everyone else sees the
/// same 404 as for a disabled admin API.
pub async fn loopback_only(req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>();
    match peer {
        Some(ConnectInfo(addr)) if addr.ip().is_loopback() => next.run(req).await,
        _ => crate::http::not_found(req).await.into_response(),
    }
}

fn check_user(user: &str) -> Result<(), ApiError> {
    if valid_user(user) {
        Ok(())
    } else {
        Err(ApiError::bad_request("user must be 1-64 characters of A-Z a-z 0-9 _ -"))
    }
}

/// `POST /__admin/faults`
pub async fn set_faults(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<FaultsRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_user(&body.user)?;
    if let Some(f) = &body.fail_next {
        if !(400..=599).contains(&f.status) {
            return Err(ApiError::bad_request("failNext.status must be 400..=599"));
        }
    }
    state.admin.set_faults(body);
    Ok(Json(serde_json::json!({"ok": true})))
}

#[derive(Deserialize)]
pub struct UserQuery {
    user: Option<String>,
}

/// `GET /__admin/stats?user=u`
pub async fn stats(State(state): State<AppState>, Query(q): Query<UserQuery>) -> Result<Json<StatsResponse>, ApiError> {
    let user = q.user.ok_or_else(|| ApiError::bad_request("missing ?user="))?;
    check_user(&user)?;
    Ok(Json(state.admin.stats(&user)))
}

#[derive(Deserialize)]
pub struct ResetRequest {
    user: String,
}

/// `POST /__admin/reset`: wipes the user's rows, logs, faults and statistics.
pub async fn reset(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ResetRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_user(&body.user)?;
    let user = body.user.clone();
    state.db.call(move |c| Ok(c.wipe_user(&user)?)).await?;
    state.admin.reset(&body.user);
    Ok(Json(serde_json::json!({"ok": true})))
}
