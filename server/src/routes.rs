//! Handlers of the sync protocol: `POST /sync/push`, `GET /sync/pull`, `GET /health`.

use crate::apply;
use crate::auth::AuthUser;
use crate::batch;
use crate::db::{self, Row};
use crate::http::{self, ApiError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use offline_sync_core::protocol::{PullResponse, PushResponse, Scope, DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT};
use serde::Deserialize;
use serde_json::{json, Value};

pub async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

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
    let admin = state.admin.clone();
    let results = state
        .db
        .call(move |c| {
            let out = apply::push(c, &user, &batch.client_id, &batch.items)?;
            // Counted here, on the blocking thread, so a request dropped after
            // the commit is still counted.
            for id in &out.applied {
                admin.record_applied(&user, id);
            }
            Ok(out.results)
        })
        .await?;
    Ok(Json(PushResponse { results }))
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
        Some(Some(s @ Scope::Course(_))) => Some(s.key()),
        Some(None) => return Err(ApiError::bad_request("invalid scope: use \"all\" or \"course:<id>\"")),
    };
    // One row more than asked tells whether another page exists.
    let mut rows = state
        .db
        .call(move |c| {
            check_cursor(after, db::latest_seq(c)?)?;
            Ok(db::changes_since(c, &user, after, scope.as_deref(), limit + 1)?)
        })
        .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let cursor = match rows.last() {
        Some(r) => r.seq.to_string(),
        None => q.cursor.filter(|c| !c.is_empty()).unwrap_or_else(|| "0".into()),
    };
    Ok(Json(PullResponse { changes: rows.iter().map(Row::to_entity).collect(), cursor, has_more }))
}
