//! Handlers of the sync protocol: `POST /sync/push`, `GET /sync/pull`, `GET /health`.

use crate::apply::{self, valid_id, MAX_ID_LEN};
use crate::auth::AuthUser;
use crate::db::{self, Row};
use crate::http::{ApiError, JsonBody};
use crate::AppState;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use offline_sync_core::protocol::{PullResponse, PushRequest, PushResponse, Scope, DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT};
use serde::Deserialize;
use serde_json::{json, Value};

pub async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

pub async fn push(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    JsonBody(req): JsonBody<PushRequest<Value>>,
) -> Result<Json<PushResponse<Value>>, ApiError> {
    // The client id decides the same-client rule, so it must be a real id.
    if !valid_id(&req.client_id) {
        return Err(ApiError::bad_request(format!("clientId must be 1-{MAX_ID_LEN} characters")));
    }
    let admin = state.admin.clone();
    let results = state
        .db
        .call(move |c| {
            let out = apply::push(c, &user, &req)?;
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
fn parse_cursor(c: Option<&str>) -> Result<u64, ApiError> {
    match c {
        None | Some("") => Ok(0),
        Some(s) => s.parse().map_err(|_| {
            ApiError::bad_request(format!("invalid cursor {s:?}: pass back a cursor this server returned"))
        }),
    }
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
    let (u, sc) = (user.clone(), scope.clone());
    let mut rows = state.db.call(move |c| Ok(db::changes_since(c, &u, after, sc.as_deref(), limit + 1)?)).await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    // What is left after this page, so the client can show progress towards it
    // (after the last page nothing is: `hasMore: false` says so).
    let remaining = match (has_more, rows.last()) {
        (true, Some(last)) => {
            let seq = last.seq;
            Some(state.db.call(move |c| Ok(db::count_since(c, &user, seq, scope.as_deref())?)).await?)
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
