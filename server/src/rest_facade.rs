//! A REST facade in the shape of the app's real backend (`/api/v2`, see
//! `server/README.md`), over the same users and entities table as the sync
//! protocol: a change made through either is seen by both. It lets the client's
//! REST transport be tested against something that behaves like the real API,
//! including `If-Match`, `Idempotency-Key` and token expiry.

mod store;

pub use store::{if_match_ok, Reply};

use crate::apply::{valid_id, MAX_ID_LEN};
use crate::auth::AuthUser;
use crate::http::{ApiError, JsonBody};
use crate::store::Page;
use crate::{admin, auth, AppState, CLIENT_HEADER};
use axum::extract::{FromRequestParts, OriginalUri, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post, MethodRouter};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{course_is_live, record, Ctx, Write, WriteKind};

pub const PREFIX: &str = "/api/v2";
const DEFAULT_PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;
/// Last writer recorded for REST writes that send no `X-Offline-Sync-Client`.
const ANONYMOUS_CLIENT: &str = "rest";

/// Resource kinds: entity type and the key of its list in a page.
#[derive(Clone, Copy)]
struct Res {
    ty: &'static str,
    list_key: &'static str,
}
const COURSE: Res = Res { ty: "course", list_key: "courses" };
const LESSON: Res = Res { ty: "lesson", list_key: "lessons" };
const ENROLLMENT: Res = Res { ty: "enrollment", list_key: "enrollments" };
const PROGRESS: Res = Res { ty: "progress", list_key: "progress" };

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Ctx, ApiError> {
        let text = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let user = parts
            .extensions
            .get::<AuthUser>()
            .ok_or_else(|| ApiError::internal("facade route without authentication"))?
            .0
            .clone();
        // From the raw bytes: `to_str` drops any value with a non-ASCII byte,
        // and a write whose key is dropped is no longer idempotent.
        let key = match parts.headers.get("idempotency-key").map(|v| std::str::from_utf8(v.as_bytes())) {
            None => None,
            Some(Ok(k)) if valid_id(k) => Some(k.to_string()),
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "Idempotency-Key must be 1-{MAX_ID_LEN} characters of UTF-8"
                )))
            }
        };
        Ok(Ctx {
            user,
            client: text(CLIENT_HEADER).filter(|c| !c.is_empty()).unwrap_or_else(|| ANONYMOUS_CLIENT.into()),
            method: parts.method.to_string(),
            // The full path (`nest` strips the prefix from `uri`), as recorded with
            // an Idempotency-Key.
            path: parts.extensions.get::<OriginalUri>().map_or(parts.uri.path(), |u| u.0.path()).to_string(),
            idempotency_key: key,
            if_match: text(header::IF_MATCH.as_str()),
        })
    }
}

pub fn routes(state: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/courses", list_and_create(COURSE))
        .route("/courses/{id}", one_record(COURSE))
        .route(
            "/courses/{course_id}/lessons",
            get(|s, c, Path(course): Path<String>, q| list(s, c, q, LESSON, Some(course)))
                .post(|s, c, Path(course): Path<String>, b| create(s, c, b, LESSON, Some(course))),
        )
        .route("/lessons", get(lessons_by_query))
        .route("/lessons/{id}", one_record(LESSON))
        .route("/enrollments", list_and_create(ENROLLMENT))
        .route("/enrollments/{id}/status", patch(enrollment_status))
        .route("/progress/update", post(progress_update))
        .route("/progress/course/{id}", get(course_progress))
        .route_layer(from_fn_with_state(state.clone(), admin::faults))
        .route_layer(from_fn_with_state(state, auth::require_user));
    Router::new().nest(PREFIX, api).route(&format!("{PREFIX}/auth/refresh"), post(auth::refresh))
}

/// `GET` (a page) and `POST` of the top-level records of `res`.
fn list_and_create(res: Res) -> MethodRouter<AppState> {
    get(move |s, c, q| list(s, c, q, res, None)).post(move |s, c, b| create(s, c, b, res, None))
}

/// `GET`, `PUT`, `PATCH` and `DELETE` of one record of `res`, by id.
fn one_record(res: Res) -> MethodRouter<AppState> {
    get(move |s, c, Path(id)| one(s, c, res, id))
        .put(move |s, c, Path(id), b| change(s, c, res, id, WriteKind::Replace, b))
        .patch(move |s, c, Path(id), b| change(s, c, res, id, WriteKind::Merge, b))
        .delete(move |s, c, Path(id)| remove(s, c, res, id))
}

/// `?page=&limit=` (and `courseId` for `GET /lessons`).
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    limit: Option<String>,
    #[serde(rename = "courseId")]
    course_id: Option<String>,
}

fn parse_page(q: &PageQuery) -> Result<(u64, u64), ApiError> {
    let num = |v: &Option<String>, name: &str, default: u64, max: u64| match v.as_deref() {
        None | Some("") => Ok(default),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!("{name} must be an integer from 1 to {max}"))),
        },
    };
    Ok((num(&q.page, "page", 1, 1_000_000)?, num(&q.limit, "limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?))
}

fn course_not_found(id: &str) -> Reply {
    Reply::error(StatusCode::NOT_FOUND, format!("course {id:?} not found"))
}

/// A page of live records of `res`, optionally only those of one course.
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
    res: Res,
    course: Option<String>,
) -> Result<Reply, ApiError> {
    let (page, limit) = parse_page(&q)?;
    state
        .db
        .call(move |c| {
            if let Some(course) = &course {
                if !course_is_live(c, &ctx.user, course)? {
                    return Ok(course_not_found(course));
                }
            }
            let scope = course.map(|id| format!("course:{id}"));
            let (rows, total) =
                c.list_live(&ctx.user, res.ty, scope.as_deref(), Page { offset: (page - 1) * limit, limit })?;
            let mut data = Map::new();
            data.insert(res.list_key.into(), rows.iter().map(record).collect());
            data.insert(
                "pagination".into(),
                json!({"page": page, "limit": limit, "total": total, "totalPages": total.div_ceil(limit)}),
            );
            Ok(Reply::ok(StatusCode::OK, Value::Object(data), None))
        })
        .await
}

/// `GET /lessons?courseId=`: the old client's way to list a course's lessons.
async fn lessons_by_query(s: State<AppState>, ctx: Ctx, q: Query<PageQuery>) -> Result<Reply, ApiError> {
    let course = q.course_id.clone().filter(|c| !c.is_empty());
    list(s, ctx, q, LESSON, course).await
}

async fn one(State(state): State<AppState>, ctx: Ctx, res: Res, id: String) -> Result<Reply, ApiError> {
    state
        .db
        .call(move |c| {
            Ok(match c.get_row(&ctx.user, res.ty, &id)? {
                Some(r) if !r.deleted => Reply::row(StatusCode::OK, &r),
                _ => Reply::error(StatusCode::NOT_FOUND, format!("{} {id:?} not found", res.ty)),
            })
        })
        .await
}

async fn run(state: AppState, ctx: Ctx, w: Write) -> Result<Reply, ApiError> {
    let admin = state.admin.clone();
    state.db.call(move |c| store::write(c, &admin, &ctx, w)).await
}

fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad_request("the body must be a JSON object")),
    }
}

/// The id a POST body names, if any; numbers are accepted and kept as strings.
fn body_id(m: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match m.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::bad_request("id must be a string")),
    }
}

fn course_id_field(m: &Map<String, Value>) -> Result<String, ApiError> {
    match m.get("courseId") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(ApiError::bad_request("courseId (a string) is required")),
    }
}

/// POST: creates a record. Lessons get the course of their path; enrollments
/// name theirs in the body. Either way the course must exist.
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(body): JsonBody<Value>,
    res: Res,
    course: Option<String>,
) -> Result<Reply, ApiError> {
    let mut data = object(body)?;
    let id = body_id(&data)?;
    let parent = match (res.ty, course) {
        (_, Some(course)) => {
            data.insert("courseId".into(), Value::String(course.clone()));
            Some(course)
        }
        ("enrollment", None) => Some(course_id_field(&data)?),
        _ => None,
    };
    run(state, ctx, Write { entity_type: res.ty, id, kind: WriteKind::Create, data, parent_course: parent }).await
}

/// PUT (replace) or PATCH (merge) of an existing record.
async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    res: Res,
    id: String,
    kind: WriteKind,
    JsonBody(body): JsonBody<Value>,
) -> Result<Reply, ApiError> {
    let data = object(body)?;
    run(state, ctx, Write { entity_type: res.ty, id: Some(id), kind, data, parent_course: None }).await
}

async fn remove(State(state): State<AppState>, ctx: Ctx, res: Res, id: String) -> Result<Reply, ApiError> {
    let w = Write { entity_type: res.ty, id: Some(id), kind: WriteKind::Delete, data: Map::new(), parent_course: None };
    run(state, ctx, w).await
}

/// `PATCH /enrollments/:id/status` with `{"status": "..."}`: the only way the
/// real API changes an enrollment.
async fn enrollment_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Reply, ApiError> {
    let status = match object(body)?.remove("status") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => return Err(ApiError::bad_request("status (a non-empty string) is required")),
    };
    let mut data = Map::new();
    data.insert("status".into(), Value::String(status));
    run(
        state,
        ctx,
        Write { entity_type: ENROLLMENT.ty, id: Some(id), kind: WriteKind::Merge, data, parent_course: None },
    )
    .await
}

/// `POST /progress/update`: merges into the progress record of the course (and
/// lesson, when given), creating it on first use. Its id is the body's `id`, or
/// `<courseId>` / `<courseId>:<lessonId>`.
async fn progress_update(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(body): JsonBody<Value>,
) -> Result<Reply, ApiError> {
    let data = object(body)?;
    let course = course_id_field(&data)?;
    let id = match (body_id(&data)?, data.get("lessonId")) {
        (Some(id), _) => id,
        (None, Some(Value::String(l))) => format!("{course}:{l}"),
        (None, Some(Value::Number(l))) => format!("{course}:{l}"),
        (None, _) => course.clone(),
    };
    let w =
        Write { entity_type: PROGRESS.ty, id: Some(id), kind: WriteKind::Upsert, data, parent_course: Some(course) };
    run(state, ctx, w).await
}

/// `GET /progress/course/:id`: every progress record of the course.
async fn course_progress(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Reply, ApiError> {
    state
        .db
        .call(move |c| {
            if !course_is_live(c, &ctx.user, &id)? {
                return Ok(course_not_found(&id));
            }
            let scope = format!("course:{id}");
            let (rows, _) =
                c.list_live(&ctx.user, PROGRESS.ty, Some(&scope), Page { offset: 0, limit: i64::MAX as u64 })?;
            let records: Vec<Value> = rows.iter().map(record).collect();
            Ok(Reply::ok(StatusCode::OK, json!({"courseId": id, PROGRESS.list_key: records}), None))
        })
        .await
}
