//! Handlers of the sync protocol: `POST /sync/push`, `GET /sync/pull`, `GET /health`.

use crate::apply;
use crate::auth::AuthUser;
use crate::batch::{self, Batch, Item};
use crate::http::{self, ApiError};
use crate::store::Row;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use offline_sync_core::batching::split_batch;
use offline_sync_core::protocol::{
    MutationResult, PullResponse, PushResponse, Scope, DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

/// Most mutations applied per transaction (and per hold of the database): a
/// longer push is applied in chunks, so other requests wait for one chunk at
/// most. A client's batch (`MAX_PUSH_BATCH`) fits in one.
pub const APPLY_CHUNK: usize = 100;
/// Most bytes of mutations (about their JSON) per chunk, past the first
/// mutation: 100 mutations of 50 KB each would hold the database for half a
/// second.
pub const APPLY_CHUNK_BYTES: usize = 256 * 1024;

pub async fn push(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushResponse<Value>>, ApiError> {
    http::require_json(&headers)?;
    let batch = batch::decode(&body).map_err(ApiError::bad_request)?;
    drop(body);
    let (n, max) = (batch.items.len(), state.max_push_mutations);
    if n > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("too many mutations in one push: {n} (this server takes at most {max}): send smaller batches"),
        ));
    }
    // Its own task: a push whose client went away still finishes, as one
    // whose answer is lost after the commit does.
    let results = tokio::spawn(apply_in_chunks(state, user, batch))
        .await
        .map_err(|e| ApiError::internal(format!("push task failed: {e}")))??;
    Ok(Json(PushResponse { results }))
}

/// Applies a batch in order, in chunks of `APPLY_CHUNK` mutations and
/// `APPLY_CHUNK_BYTES` bytes at most (a larger mutation goes alone), one
/// transaction each, letting go of the database between chunks. Each mutation
/// commits with its log entry, so a batch cut short by a failure is answered
/// from the log when resent.
async fn apply_in_chunks(state: AppState, user: String, batch: Batch) -> Result<Vec<MutationResult<Value>>, ApiError> {
    let client: Arc<str> = batch.client_id.into();
    let sizes: Vec<usize> = batch.items.iter().map(Item::size).collect();
    let items = Arc::new(batch.items);
    let mut results = Vec::with_capacity(items.len());
    for run in split_batch(&sizes, 0, APPLY_CHUNK_BYTES, APPLY_CHUNK) {
        let (admin, user, client, items) = (state.admin.clone(), user.clone(), client.clone(), items.clone());
        let scopes = state.scopes.clone();
        let chunk = state
            .db
            .call(move |c| {
                let out = apply::push(c, &user, &client, &items[run], &scopes)?;
                // Counted here, on the blocking thread, so a request dropped
                // after the commit is still counted.
                for id in &out.applied {
                    admin.record_applied(&user, id);
                }
                Ok(out.results)
            })
            .await?;
        results.extend(chunk);
    }
    Ok(results)
}

/// Query of `GET /sync/pull`. Fields are strings so bad values get our own 400.
#[derive(Deserialize)]
pub struct PullQuery {
    cursor: Option<String>,
    limit: Option<String>,
    scope: Option<String>,
}

/// The cursor is the seq of the last change the client has; "" means none.
/// Only the form the server writes is accepted (decimal digits, no sign, no
/// leading zero), so a cursor is either one this server could have handed out
/// or a 400; whether it is not ahead of the server is checked against the
/// database (`check_cursor`).
fn parse_cursor(c: Option<&str>) -> Result<u64, ApiError> {
    let s = match c {
        None | Some("") => return Ok(0),
        Some(s) => s,
    };
    let canonical = s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    match s.parse::<u64>() {
        Ok(n) if canonical => Ok(n),
        _ => Err(ApiError::bad_request(format!("invalid cursor {s:?}: pass back a cursor this server returned"))),
    }
}

/// A cursor past the latest change was never handed out: the server's data was
/// restored from an older backup, or the client talks to another server. Taking
/// it would skip every change until the counter caught up, silently.
fn check_cursor(after: u64, latest: u64) -> Result<(), ApiError> {
    if after <= latest {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "cursor \"{after}\" was never handed out by this server (its latest change is {latest}): \
         pull again from the beginning, without a cursor"
    )))
}

fn parse_limit(l: Option<&str>) -> Result<u32, ApiError> {
    let Some(s) = l else {
        return Ok(DEFAULT_PULL_LIMIT);
    };
    match s.parse::<u32>() {
        Ok(n) if (1..=MAX_PULL_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(format!("invalid limit {s:?}: must be an integer from 1 to {MAX_PULL_LIMIT}"))),
    }
}

pub async fn pull(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse<Value>>, ApiError> {
    let after = parse_cursor(q.cursor.as_deref())?;
    let limit = parse_limit(q.limit.as_deref())?;
    let scope = match q.scope.as_deref().map(Scope::parse) {
        None | Some(Some(Scope::All)) => None,
        Some(Some(s @ Scope::Named { .. })) if state.scopes.iter().any(|d| Some(d.name.as_str()) == s.name()) => {
            Some(s.key())
        }
        _ => {
            let names: Vec<String> = state.scopes.iter().map(|d| format!("\"{}:<id>\"", d.name)).collect();
            return Err(ApiError::bad_request(format!("invalid scope: use \"all\" or {}", names.join(", "))));
        }
    };
    // One row more than asked tells whether another page exists.
    let (u, sc) = (user.clone(), scope.clone());
    let mut rows = state
        .db
        .call(move |c| {
            check_cursor(after, c.latest_seq(&u)?)?;
            Ok(c.changes_since(&u, after, sc.as_deref(), limit + 1)?)
        })
        .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    // What is left after this page, so the client can show progress towards it
    // (after the last page nothing is: `hasMore: false` says so).
    let remaining = match (has_more, rows.last()) {
        (true, Some(last)) => {
            let seq = last.seq;
            Some(state.db.call(move |c| Ok(c.count_since(&user, seq, scope.as_deref())?)).await?)
        }
        _ => None,
    };
    let cursor = match rows.last() {
        Some(r) => r.seq.to_string(),
        None => q.cursor.filter(|c| !c.is_empty()).unwrap_or_else(|| "0".into()),
    };
    let changes = rows.iter().map(Row::to_entity).collect();
    Ok(Json(PullResponse { changes, cursor, has_more, remaining }))
}
