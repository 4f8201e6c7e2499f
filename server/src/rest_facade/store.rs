//! What the REST facade does to the entities table: reads shaped like the app's
//! backend (`{"success":true,"data":...}`), and writes that go through the same
//! versioning, seq and scope rules as `/sync/push`, with `If-Match` as the
//! version check and `Idempotency-Key` as the replay log.

use crate::admin::Admin;
use crate::apply::{valid_id, MAX_ID_LEN};
use crate::http::ApiError;
use crate::store::{Conn, Reads, RecordedResponse, Row, RowWrite, StoreResult, Tx};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use offline_sync_core::merge;
use offline_sync_core::protocol::Op;
use offline_sync_core::scope::ScopeDef;
use serde_json::{json, Map, Value};

/// A facade answer: status, JSON body, and the ETag of the record it is about.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub etag: Option<String>,
    /// Answered from the Idempotency-Key record, not applied now.
    pub replayed: bool,
}

pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The record as the app sees it: the stored object, keyed by `id`.
pub fn record(row: &Row) -> Value {
    let mut m = match row.live_data() {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    m.insert("id".into(), Value::String(row.id.clone()));
    Value::Object(m)
}

impl Reply {
    pub fn ok(status: StatusCode, data: Value, etag: Option<String>) -> Reply {
        Reply { status, body: json!({"success": true, "data": data}), etag, replayed: false }
    }

    pub fn row(status: StatusCode, row: &Row) -> Reply {
        Reply::ok(status, record(row), Some(etag(row.version)))
    }

    pub fn error(status: StatusCode, message: impl Into<String>) -> Reply {
        Reply { status, body: json!({"success": false, "error": message.into()}), etag: None, replayed: false }
    }

    /// An error about an existing record (409, 412): the body carries the
    /// current record so the client can resolve without another request.
    pub fn error_with(status: StatusCode, message: impl Into<String>, row: &Row) -> Reply {
        let mut r = Reply::error(status, message);
        r.body["data"] = record(row);
        r.body["version"] = json!(row.version);
        r.etag = Some(etag(row.version));
        r
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body)).into_response();
        if let Some(tag) = self.etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
            res.headers_mut().insert(header::ETAG, tag);
        }
        if self.replayed {
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        res
    }
}

/// Whether an `If-Match` value names `version`: `*`, or a list of (possibly
/// weak) entity tags of which one is `"<version>"`.
pub fn if_match_ok(header: &str, version: u64) -> bool {
    let want = version.to_string();
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == want)
}

/// The request a write belongs to.
pub struct Ctx {
    pub user: String,
    pub client: String,
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub if_match: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// POST: a new record; 409 if it exists.
    Create,
    /// PUT: replace a record; 404 if it does not exist.
    Replace,
    /// PATCH: merge top-level fields; 404 if it does not exist.
    Merge,
    /// DELETE: tombstone; deleting a deleted record is a no-op 200.
    Delete,
    /// Merge if it exists, else create (progress updates).
    Upsert,
}

pub struct Write {
    pub entity_type: &'static str,
    /// `None`: the server assigns `srv-<n>`.
    pub id: Option<String>,
    pub kind: WriteKind,
    pub data: Map<String, Value>,
    /// A course that must exist (lessons, enrollments, progress belong to one).
    pub parent_course: Option<String>,
}

fn live(row: &Option<Row>) -> Option<&Row> {
    row.as_ref().filter(|r| !r.deleted)
}

pub fn course_is_live(c: &mut (impl Reads + ?Sized), user: &str, id: &str) -> StoreResult<bool> {
    Ok(c.get_row(user, "course", id)?.is_some_and(|r| !r.deleted))
}

/// Runs one facade write in its own transaction, honouring Idempotency-Key:
/// a key seen before answers its recorded response and applies nothing. Only
/// successful writes are recorded; a failed one changed nothing and may be retried.
pub fn write(c: &mut dyn Conn, admin: &Admin, ctx: &Ctx, w: Write) -> Result<Reply, ApiError> {
    let mut tx = c.transaction(&ctx.user)?;
    // A test fault: behave as the many APIs that ignore the key (still counted by it).
    let honour = !admin.ignores_idempotency_key(&ctx.user);
    if let Some(key) = ctx.idempotency_key.as_ref().filter(|_| honour) {
        if let Some(rec) = tx.recorded_response(&ctx.user, key)? {
            if rec.method != ctx.method || rec.path != ctx.path {
                return Ok(Reply::error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Idempotency-Key {key:?} was already used for {} {}", rec.method, rec.path),
                ));
            }
            return Ok(Reply {
                status: StatusCode::from_u16(rec.status).unwrap_or(StatusCode::OK),
                body: serde_json::from_str(&rec.body).unwrap_or(Value::Null),
                etag: rec.etag,
                replayed: true,
            });
        }
    }
    let reply = apply_write(&mut *tx, ctx, w)?;
    if !reply.status.is_success() {
        return Ok(reply); // dropping `tx` rolls back (e.g. a taken srv id)
    }
    if let Some(key) = ctx.idempotency_key.as_ref().filter(|_| honour) {
        let rec = RecordedResponse {
            method: ctx.method.clone(),
            path: ctx.path.clone(),
            status: reply.status.as_u16(),
            etag: reply.etag.clone(),
            body: reply.body.to_string(),
        };
        tx.record_response(&ctx.user, key, &rec)?;
    }
    tx.commit()?;
    if let Some(key) = &ctx.idempotency_key {
        admin.record_applied(&ctx.user, key);
    }
    Ok(reply)
}

fn new_id(tx: &mut dyn Tx, user: &str, entity_type: &str) -> StoreResult<String> {
    loop {
        let id = format!("srv-{}", tx.next_rest_id()?);
        // Someone may have picked such an id themselves.
        if tx.get_row(user, entity_type, &id)?.is_none() {
            return Ok(id);
        }
    }
}

fn apply_write(tx: &mut dyn Tx, ctx: &Ctx, w: Write) -> Result<Reply, ApiError> {
    let user = ctx.user.as_str();
    let ty = w.entity_type;
    if let Some(course) = &w.parent_course {
        if !course_is_live(tx, user, course)? {
            return Ok(Reply::error(StatusCode::NOT_FOUND, format!("course {course:?} not found")));
        }
    }
    let id = match w.id {
        Some(id) if valid_id(&id) => id,
        Some(_) => return Ok(Reply::error(StatusCode::BAD_REQUEST, format!("id must be 1-{MAX_ID_LEN} characters"))),
        None => new_id(tx, user, ty)?,
    };
    let row = tx.get_row(user, ty, &id)?;
    let current = live(&row);
    match (w.kind, current) {
        (WriteKind::Create, Some(r)) => {
            return Ok(Reply::error_with(StatusCode::CONFLICT, format!("{ty} {id:?} already exists"), r))
        }
        (WriteKind::Replace | WriteKind::Merge, None) => {
            return Ok(Reply::error(StatusCode::NOT_FOUND, format!("{ty} {id:?} not found")))
        }
        (WriteKind::Delete, None) => {
            return Ok(match &row {
                // Already deleted: DELETE is idempotent.
                Some(t) => Reply::ok(StatusCode::OK, json!({"id": id, "deleted": true}), Some(etag(t.version))),
                None => Reply::error(StatusCode::NOT_FOUND, format!("{ty} {id:?} not found")),
            });
        }
        _ => {}
    }
    if let Some(im) = &ctx.if_match {
        match current {
            Some(r) if if_match_ok(im, r.version) => {}
            Some(r) => {
                let msg = format!("{ty} {id:?} is at version {}, not {im}", r.version);
                return Ok(Reply::error_with(StatusCode::PRECONDITION_FAILED, msg, r));
            }
            None => {
                return Ok(Reply::error(
                    StatusCode::PRECONDITION_FAILED,
                    format!("If-Match given but {ty} {id:?} does not exist"),
                ))
            }
        }
    }
    let mut data = w.data;
    // Ids are immutable and always match the key.
    data.insert("id".into(), Value::String(id.clone()));
    let op = match (w.kind, current) {
        (WriteKind::Create | WriteKind::Replace, _) | (WriteKind::Upsert, None) => Op::Create,
        (WriteKind::Merge | WriteKind::Upsert, _) => Op::Update,
        (WriteKind::Delete, _) => Op::Delete,
    };
    let patch = (op != Op::Delete).then_some(Value::Object(data));
    let new = merge::apply(op, current.and_then(Row::live_data), patch.as_ref())
        .map_err(|e| ApiError::internal(format!("merge failed: {e}")))?;
    // The facade is the learning platform's own API: courses and what is under them.
    let next = RowWrite {
        entity_type: ty,
        id: &id,
        prev: row.as_ref(),
        data: new,
        client_id: &ctx.client,
        scopes: &[ScopeDef::course()],
    };
    let written = tx.write_row(user, next)?;
    Ok(match (w.kind, current) {
        (WriteKind::Delete, _) => {
            Reply::ok(StatusCode::OK, json!({"id": id, "deleted": true}), Some(etag(written.version)))
        }
        (WriteKind::Create, _) => Reply::row(StatusCode::CREATED, &written),
        _ => Reply::row(StatusCode::OK, &written),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_forms() {
        assert!(if_match_ok("\"3\"", 3));
        assert!(if_match_ok("W/\"3\"", 3));
        assert!(if_match_ok("\"1\", \"3\"", 3));
        assert!(if_match_ok("*", 9));
        assert!(!if_match_ok("\"2\"", 3));
        assert!(!if_match_ok("\"abc\"", 3));
    }
}
