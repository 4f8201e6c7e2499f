//! What the REST transport does: which request a queued change becomes, what an
//! answer's status means, and how a scope is read page by page with an opaque
//! cursor that never leaves the next sync half-way through a list.

use super::config::{Method, Pagination, Resource, RestConfig, Route, ScopePath};
use super::path::{encode_component, PathTemplate};
use crate::protocol::{Op, Scope};

/// What goes in the body of a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    None,
    /// The fields the change names (a POST of a new record, a PATCH).
    Change,
    /// The whole record after the change (a PUT replaces).
    Full,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WritePlan<'a> {
    pub method: Method,
    pub path: &'a PathTemplate,
    pub body: Body,
    /// Whether the request is about a record the server has, so `If-Match` applies.
    pub conditional: bool,
}

fn missing_route(r: &Resource, op: Op, key: &str) -> String {
    format!(
        "no REST route to {} a {}: set `rest.resources.{}.{key}`",
        op.as_str().to_ascii_lowercase(),
        r.entity_type,
        r.entity_type
    )
}

/// The request for a queued change. `exists`: the server had the record when the
/// change was made (a CREATE of such a record replaces it).
pub fn plan_write(r: &Resource, op: Op, exists: bool) -> Result<WritePlan<'_>, String> {
    fn pick<'a>(r: &Resource, op: Op, route: &'a Option<Route>, key: &str) -> Result<&'a Route, String> {
        route.as_ref().ok_or_else(|| missing_route(r, op, key))
    }
    let (route, body, conditional) = match (op, exists) {
        (Op::Create, false) => (pick(r, op, &r.create, "create")?, None, false),
        // A CREATE of a record the server has replaces it.
        (Op::Create, true) => (pick(r, op, &r.update, "update")?, Some(Body::Full), true),
        (Op::Update, _) => (pick(r, op, &r.update, "update")?, None, true),
        (Op::Delete, _) => (pick(r, op, &r.delete, "delete")?, Some(Body::None), true),
    };
    // A PUT replaces, so it carries the whole record; other verbs carry the change.
    let body = body.unwrap_or(if route.method == Method::Put { Body::Full } else { Body::Change });
    Ok(WritePlan { method: route.method, path: &route.path, body, conditional })
}

/// What an answer to a write means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteAnswer {
    /// Applied; the record is in the answer (or is what was sent).
    Applied,
    /// Applied, or had been: the record no longer exists.
    Gone,
    /// Refused as stale (412, or 409 to a create); the server's record wins.
    Conflict,
    /// Refused for good.
    Rejected,
}

/// Classifies a 2xx or a permanent 4xx (401, 408, 429 and 5xx never get here:
/// they are retried as errors).
pub fn classify_write(op: Op, exists: bool, status: u16) -> WriteAnswer {
    match status {
        200..=299 if op == Op::Delete => WriteAnswer::Gone,
        200..=299 => WriteAnswer::Applied,
        // A DELETE of something already gone did what it wanted (and is what a
        // retried DELETE sees on a backend that ignores Idempotency-Key).
        404 | 410 if op == Op::Delete => WriteAnswer::Gone,
        // Deleted on the server since the app saw it: like the protocol, the
        // server wins and the local change is kept as a conflict.
        404 | 410 if exists => WriteAnswer::Conflict,
        412 => WriteAnswer::Conflict,
        409 if op == Op::Create => WriteAnswer::Conflict,
        _ => WriteAnswer::Rejected,
    }
}

/// An `If-Match` value from a version field: a strong entity tag.
pub fn version_tag(value: &str) -> String {
    format!("\"{}\"", value.replace('"', ""))
}

/// One list (or record) read while pulling a scope.
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    pub resource: &'a Resource,
    pub path: &'a ScopePath,
}

/// What a scope reads, in order: for a full sync every resource's `scope.all`, for
/// one instance of a named scope every resource's path for that name
/// (`downloadCourse`: `scope.course`).
pub fn steps<'a>(cfg: &'a RestConfig, scope: &Scope) -> Vec<Step<'a>> {
    cfg.resources
        .iter()
        .filter_map(|r| {
            let p = match scope {
                Scope::All => r.all.as_ref(),
                Scope::Named { name, .. } => r.scope_path(name),
            };
            p.map(|path| Step { resource: r, path })
        })
        .collect()
}

/// The id a scope path's placeholder stands for.
pub fn scope_id(scope: &Scope) -> Option<&str> {
    scope.id()
}

/// Where a pull is in a scope: which step, which page, and the run that stamps
/// every record listed, so the end of a list can remove what it did not list
/// even when the list was read across several syncs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    pub run: String,
    pub step: usize,
    pub page: u32,
    /// The step's entity type, so a changed configuration starts over.
    pub entity_type: String,
}

const CURSOR_PREFIX: &str = "rest1";

/// The cursor stored after a scope was read to its end: the next pull starts
/// over (a REST list has no "changes since").
pub const DONE: &str = "";

impl ListCursor {
    pub fn encode(&self) -> String {
        format!("{CURSOR_PREFIX}:{}:{}:{}:{}", self.run, self.step, self.page, self.entity_type)
    }

    pub fn decode(s: &str) -> Option<ListCursor> {
        let mut it = s.splitn(5, ':');
        if it.next()? != CURSOR_PREFIX {
            return None;
        }
        let run = it.next()?.to_string();
        let step = it.next()?.parse().ok()?;
        let page = it.next()?.parse().ok()?;
        let entity_type = it.next()?.to_string();
        (!run.is_empty()).then_some(ListCursor { run, step, page, entity_type })
    }

    /// Where to go on from a stored cursor; `None`: start over with a new run.
    pub fn resume(cursor: Option<&str>, steps: &[Step<'_>]) -> Option<ListCursor> {
        let c = ListCursor::decode(cursor?)?;
        let step = steps.get(c.step)?;
        (step.resource.entity_type == c.entity_type).then_some(c)
    }

    pub fn start(run: String, steps: &[Step<'_>]) -> Option<ListCursor> {
        let first = steps.first()?;
        Some(ListCursor {
            run,
            step: 0,
            page: first_page(first.resource),
            entity_type: first.resource.entity_type.clone(),
        })
    }

    /// The position after this page: the next page, the next step, or `None`
    /// when the scope is done.
    pub fn advance(&self, steps: &[Step<'_>], more_pages: bool) -> Option<ListCursor> {
        if more_pages {
            return Some(ListCursor { page: self.page + 1, ..self.clone() });
        }
        let next = steps.get(self.step + 1)?;
        Some(ListCursor {
            run: self.run.clone(),
            step: self.step + 1,
            page: first_page(next.resource),
            entity_type: next.resource.entity_type.clone(),
        })
    }
}

pub fn first_page(r: &Resource) -> u32 {
    match &r.pagination {
        Pagination::Page { first_page, .. } => *first_page,
        Pagination::None => 0,
    }
}

/// The query that asks for `page` (`page=2&limit=100`), if the list is paged.
pub fn page_query(p: &Pagination, page: u32) -> Option<String> {
    match p {
        Pagination::None => None,
        Pagination::Page { page_param, limit_param, page_size, .. } => {
            Some(format!("{}={page}&{}={page_size}", encode_component(page_param), encode_component(limit_param)))
        }
    }
}

/// Appends a query to a rendered path that may already have one.
pub fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        None => path.to_string(),
        Some(q) if path.contains('?') => format!("{path}&{q}"),
        Some(q) => format!("{path}?{q}"),
    }
}

/// Most pages one list may have; a larger `totalPages` is a wrong answer, not a list.
pub const MAX_PAGES: f64 = 1_000_000.0;

/// Whether another page follows `page`, given the answer's `totalPages` (the
/// number found where `pagination.totalPages` points, if any).
pub fn more_pages(p: &Pagination, page: u32, total_pages: Option<f64>) -> Result<bool, String> {
    let Pagination::Page { first_page, total_pages: at, .. } = p else { return Ok(false) };
    match total_pages {
        Some(t) if t.is_finite() && t >= 0.0 && t.fract() == 0.0 && t <= MAX_PAGES => {
            let read = (page - first_page + 1) as f64;
            Ok(read < t)
        }
        Some(t) => Err(format!("has {} at {at}, which is not a page count", crate::config::format_number(t))),
        None => Err(format!("has no page count at {at}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::tests::{app_config, parse};
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_become_requests() {
        let c = app_config();
        let course = c.resource("course").unwrap();
        let p = plan_write(course, Op::Create, false).unwrap();
        assert_eq!((p.method, p.path.as_str(), p.body, p.conditional), (Method::Post, "/courses", Body::Change, false));
        let p = plan_write(course, Op::Update, true).unwrap();
        assert_eq!(
            (p.method, p.path.as_str(), p.body, p.conditional),
            (Method::Patch, "/courses/:id", Body::Change, true)
        );
        let p = plan_write(course, Op::Create, true).unwrap();
        assert_eq!((p.method, p.body), (Method::Patch, Body::Full), "a CREATE of a record the server has replaces it");
        let p = plan_write(course, Op::Delete, true).unwrap();
        assert_eq!((p.method, p.path.as_str(), p.body), (Method::Delete, "/courses/:id", Body::None));
        let lesson = c.resource("lesson").unwrap();
        assert_eq!(plan_write(lesson, Op::Create, false).unwrap().path.as_str(), "/courses/:courseId/lessons");
        let enr = c.resource("enrollment").unwrap();
        assert_eq!(plan_write(enr, Op::Update, true).unwrap().path.as_str(), "/enrollments/:id/status");
        let e = plan_write(enr, Op::Delete, true).unwrap_err();
        assert_eq!(e, "no REST route to delete a enrollment: set `rest.resources.enrollment.delete`");
        let put =
            parse(json!({"resources": {"note": {"collection": "/notes", "item": "/notes/:id"}}})).unwrap().unwrap();
        let note = put.resource("note").unwrap();
        assert_eq!(plan_write(note, Op::Update, true).unwrap().body, Body::Full, "a PUT sends the whole record");
    }

    #[test]
    fn answers() {
        use WriteAnswer::*;
        assert_eq!(classify_write(Op::Create, false, 201), Applied);
        assert_eq!(classify_write(Op::Update, true, 204), Applied);
        assert_eq!(classify_write(Op::Delete, true, 200), Gone);
        assert_eq!(classify_write(Op::Delete, true, 404), Gone);
        assert_eq!(classify_write(Op::Delete, true, 410), Gone);
        assert_eq!(classify_write(Op::Update, true, 404), Conflict);
        assert_eq!(classify_write(Op::Update, false, 404), Rejected);
        assert_eq!(classify_write(Op::Update, true, 412), Conflict);
        assert_eq!(classify_write(Op::Delete, true, 412), Conflict);
        assert_eq!(classify_write(Op::Create, false, 409), Conflict);
        assert_eq!(classify_write(Op::Update, true, 409), Rejected);
        assert_eq!(classify_write(Op::Create, false, 400), Rejected);
        assert_eq!(classify_write(Op::Create, false, 422), Rejected);
        assert_eq!(version_tag("3"), "\"3\"");
        assert_eq!(version_tag("a\"b"), "\"ab\"");
    }

    #[test]
    fn scopes_and_cursors() {
        let c = app_config();
        let all = steps(&c, &Scope::All);
        assert_eq!(all.iter().map(|s| s.resource.entity_type.as_str()).collect::<Vec<_>>(), ["course", "enrollment"]);
        let course = Scope::course("c1");
        let dl = steps(&c, &course);
        assert_eq!(
            dl.iter().map(|s| s.resource.entity_type.as_str()).collect::<Vec<_>>(),
            ["course", "lesson", "progress"]
        );
        assert_eq!(scope_id(&course), Some("c1"));

        let start = ListCursor::start("r1".into(), &all).unwrap();
        assert_eq!((start.step, start.page), (0, 1));
        let enc = start.encode();
        assert_eq!(ListCursor::decode(&enc), Some(start.clone()));
        assert_eq!(ListCursor::resume(Some(&enc), &all), Some(start.clone()));
        let p2 = start.advance(&all, true).unwrap();
        assert_eq!((p2.step, p2.page, p2.run.as_str()), (0, 2, "r1"));
        let s2 = p2.advance(&all, false).unwrap();
        assert_eq!((s2.step, s2.page, s2.entity_type.as_str()), (1, 1, "enrollment"));
        assert_eq!(s2.advance(&all, false), None, "the scope is done");

        // Anything not ours, or not matching the configuration, starts over.
        assert_eq!(ListCursor::resume(None, &all), None);
        assert_eq!(ListCursor::resume(Some(DONE), &all), None);
        assert_eq!(ListCursor::resume(Some("1234"), &all), None);
        assert_eq!(ListCursor::resume(Some(&s2.encode()), &dl), None, "step 1 of a download is lessons");
        let far = ListCursor { step: 7, ..s2.clone() };
        assert_eq!(ListCursor::resume(Some(&far.encode()), &all), None);
        assert_eq!(ListCursor::start("r".into(), &[]), None);
        // Entity types may contain the separator.
        let odd = ListCursor { run: "r".into(), step: 0, page: 3, entity_type: "a:b".into() };
        assert_eq!(ListCursor::decode(&odd.encode()), Some(odd));
        let progress = dl[2];
        assert_eq!(first_page(progress.resource), 0);
    }

    #[test]
    fn pages() {
        let c = app_config();
        let p = &c.resource("course").unwrap().pagination;
        assert_eq!(page_query(p, 2).as_deref(), Some("page=2&limit=100"));
        assert_eq!(page_query(&Pagination::None, 0), None);
        assert_eq!(with_query("/courses", Some("page=1")), "/courses?page=1");
        assert_eq!(with_query("/lessons?courseId=c", Some("page=1")), "/lessons?courseId=c&page=1");
        assert_eq!(with_query("/x", None), "/x");
        assert_eq!(more_pages(p, 1, Some(3.0)), Ok(true));
        assert_eq!(more_pages(p, 2, Some(3.0)), Ok(true));
        assert_eq!(more_pages(p, 3, Some(3.0)), Ok(false));
        assert_eq!(more_pages(p, 1, Some(0.0)), Ok(false), "an empty list has 0 pages");
        assert_eq!(more_pages(p, 4, Some(3.0)), Ok(false), "a list that shrank meanwhile ends");
        assert!(more_pages(p, 1, None).unwrap_err().contains("`data.pagination.totalPages`"));
        assert!(more_pages(p, 1, Some(1.5)).is_err());
        assert!(more_pages(p, 1, Some(f64::INFINITY)).is_err());
        assert_eq!(more_pages(&Pagination::None, 0, None), Ok(false));
        let zero =
            parse(json!({"resources": {"n": {"collection": "/n", "pagination": {"firstPage": 0, "totalPages": "t"}}}}))
                .unwrap()
                .unwrap();
        let zp = &zero.resource("n").unwrap().pagination;
        assert_eq!(more_pages(zp, 0, Some(2.0)), Ok(true));
        assert_eq!(more_pages(zp, 1, Some(2.0)), Ok(false));
    }
}
