//! Validation of the `rest` and `transport` options, and the [`Tree`] over
//! `serde_json` that the tests of `plan.rs`, `scope.rs` and `indexes.rs` build
//! options with (arrays read as JS reads them: `length`, then `0`, `1`, ...).

use super::*;
use serde_json::{json, Value};

/// `serde_json::Value` as a [`Tree`]; `None` is `undefined`.
#[derive(Clone)]
pub struct J(pub Option<Value>);

impl Tree for J {
    fn raw(&self) -> Raw {
        match &self.0 {
            None => Raw::Undefined,
            Some(Value::Null) => Raw::Null,
            Some(Value::Bool(b)) => Raw::Bool(*b),
            Some(Value::Number(n)) => Raw::Number(n.as_f64().unwrap_or(f64::NAN)),
            Some(Value::String(s)) if s == "<fn>" => Raw::Function,
            Some(Value::String(s)) => Raw::String(s.clone()),
            Some(Value::Array(_)) => Raw::Other("array"),
            Some(Value::Object(_)) => Raw::Object,
        }
    }
    fn get(&self, key: &str) -> J {
        J(match &self.0 {
            Some(Value::Array(a)) if key == "length" => Some(json!(a.len())),
            Some(Value::Array(a)) => key.parse::<usize>().ok().and_then(|i| a.get(i)).cloned(),
            v => v.as_ref().and_then(|v| v.get(key)).cloned(),
        })
    }
    fn keys(&self) -> Vec<String> {
        match &self.0 {
            Some(Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

pub fn parse(v: Value) -> Result<Option<RestConfig>, ConfigError> {
    rest_option(&J(Some(v)))
}

/// The worked configuration of docs/rest.md for the app's backend.
pub fn app_config() -> RestConfig {
    parse(json!({
        "defaults": {
            "record": "data",
            "update": "PATCH",
            "pagination": { "style": "page", "pageSize": 100, "totalPages": "data.pagination.totalPages" }
        },
        "resources": {
            "course": {
                "collection": "/courses", "item": "/courses/:id", "list": "data.courses",
                "scope": { "course": "/courses/:courseId" }
            },
            "lesson": {
                "collection": "/courses/:courseId/lessons", "item": "/lessons/:id", "list": "data.lessons",
                "scope": { "course": "/courses/:courseId/lessons" }
            },
            "enrollment": {
                "collection": "/enrollments", "list": "data.enrollments",
                "update": { "method": "PATCH", "path": "/enrollments/:id/status" }, "delete": false
            },
            "progress": {
                "create": { "method": "POST", "path": "/progress/update" },
                "update": { "method": "POST", "path": "/progress/update" },
                "delete": false, "list": "data.progress", "pagination": false,
                "scope": { "course": "/progress/course/:courseId" }
            }
        }
    }))
    .unwrap()
    .unwrap()
}

#[test]
fn the_app_backend_configures() {
    let c = app_config();
    // (serde_json sorts keys; in the browser they keep the app's order.)
    assert_eq!(
        c.resources.iter().map(|r| r.entity_type.as_str()).collect::<Vec<_>>(),
        ["course", "enrollment", "lesson", "progress"]
    );
    let course = c.resource("course").unwrap();
    assert_eq!(course.id_field, "id");
    assert_eq!(course.record.segments(), ["data"], "from defaults");
    assert_eq!(course.list.segments(), ["data", "courses"]);
    assert_eq!(course.create, Some(Route { method: Method::Post, path: PathTemplate::parse("/courses").unwrap() }));
    assert_eq!(course.update.as_ref().unwrap().method, Method::Patch);
    assert_eq!(course.delete.as_ref().unwrap().path.as_str(), "/courses/:id");
    assert_eq!(course.all.as_ref().unwrap().path.as_str(), "/courses", "a full sync lists the collection");
    let cs = course.scope_path("course").unwrap();
    assert!(cs.single, "/courses/:courseId has the shape of the item path");
    assert_eq!(cs.link, None);
    assert!(matches!(course.pagination, Pagination::Page { page_size: 100, first_page: 1, .. }));
    let lesson = c.resource("lesson").unwrap();
    assert!(lesson.all.is_none(), "a collection with placeholders is not listed by a full sync");
    let ls = lesson.scope_path("course").unwrap();
    assert!(!ls.single);
    assert_eq!(ls.link.as_deref(), Some("courseId"));
    assert_eq!(lesson.create.as_ref().unwrap().path.params(), ["courseId"]);
    let enr = c.resource("enrollment").unwrap();
    assert_eq!(enr.update.as_ref().unwrap().path.as_str(), "/enrollments/:id/status");
    assert!(enr.delete.is_none());
    assert!(enr.item.is_none());
    let prog = c.resource("progress").unwrap();
    assert_eq!(prog.pagination, Pagination::None);
    assert!(prog.all.is_none());
    assert!(prog.if_match && prog.client_ids);
}

#[test]
fn bare_array_api_keyed_underscore_id() {
    let c = parse(json!({ "resources": { "note": {
        "collection": "/notes", "item": "/notes/:id", "idField": "_id", "clientIds": false, "versionField": "__v"
    }}}))
    .unwrap()
    .unwrap();
    let n = c.resource("note").unwrap();
    assert!(n.list.is_root() && n.record.is_root(), "bare bodies by default");
    assert_eq!(n.id_field, "_id");
    assert!(!n.client_ids);
    assert_eq!(n.version_field.as_deref(), Some("__v"));
    assert_eq!(n.update.as_ref().unwrap().method, Method::Put, "PUT by default");
    assert_eq!(n.pagination, Pagination::None);
}

fn error(v: Value) -> ConfigError {
    parse(v).unwrap_err()
}

#[test]
fn errors_name_the_option_path() {
    assert_eq!(parse(Value::Null).unwrap(), None);
    assert_eq!(error(json!("x")).option, "rest");
    assert_eq!(error(json!({})).option, "rest.resources");
    assert_eq!(error(json!({"resources": {}})).option, "rest.resources");
    assert_eq!(error(json!({"resourses": {}})).option, "rest.resourses");
    let e = error(json!({"resources": {"course": {"collection": "/courses", "idfield": "id"}}}));
    assert_eq!(e.option, "rest.resources.course.idfield");
    assert!(e.message.contains("known: collection, item"), "{e}");
    let e = error(json!({"resources": {"course": {"collection": "courses"}}}));
    assert_eq!(e.option, "rest.resources.course.collection");
    assert!(e.to_string().starts_with("offline-sync: option `rest.resources.course.collection` must be a path"), "{e}");
    let e = error(json!({"resources": {"course": {"item": "/courses/:courseId"}}}));
    assert_eq!(e.option, "rest.resources.course.item");
    assert!(e.message.contains(":id"));
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "update": "POST"}}}));
    assert_eq!(e.option, "rest.resources.course.update");
    assert!(e.message.contains("'PUT', 'PATCH', { method, path } or false"), "{e}");
    let e = error(json!({"resources": {"course": {"collection": "/c", "update": "PATCH"}}}));
    assert!(e.message.contains("`item`, which is not set"), "{e}");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "update": {"method": "GET", "path": "/x"}}}}));
    assert_eq!(e.option, "rest.resources.course.update.method");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "update": {"method": "PUT"}}}}));
    assert_eq!(e.option, "rest.resources.course.update.path");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "pagination": {"style": "page"}}}}));
    assert_eq!(e.option, "rest.resources.course.pagination.totalPages");
    let e = error(
        json!({"resources": {"course": {"item": "/c/:id", "pagination": {"style": "cursor", "totalPages": "x"}}}}),
    );
    assert_eq!(e.option, "rest.resources.course.pagination.style");
    let e =
        error(json!({"resources": {"course": {"item": "/c/:id", "pagination": {"totalPages": "t", "pageSize": 0}}}}));
    assert_eq!(e.option, "rest.resources.course.pagination.pageSize");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "scope": {"course": "/c/:a/:b"}}}}));
    assert_eq!(e.option, "rest.resources.course.scope.course");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "scope": {"all": "/c/:x"}}}}));
    assert_eq!(e.option, "rest.resources.course.scope.all");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "scope": {"mine": "/x"}}}}));
    assert_eq!(e.option, "rest.resources.course.scope.mine");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "ifMatch": "yes"}}}));
    assert_eq!(e.option, "rest.resources.course.ifMatch");
    let e = error(json!({"resources": {"course": {"item": "/c/:id", "idField": ""}}}));
    assert_eq!(e.option, "rest.resources.course.idField");
    let e = error(json!({"resources": {"course": {"list": "data.courses"}}}));
    assert_eq!(e.option, "rest.resources.course");
    assert!(e.message.contains("at least `collection` or `item`"));
    let e = error(json!({"resources": {"course": {"collection": "/c", "list": "data..x"}}}));
    assert_eq!(e.option, "rest.resources.course.list");
    let e = error(json!({"defaults": {"update": "PUSH"}, "resources": {"course": {"item": "/c/:id"}}}));
    assert_eq!(e.option, "rest.defaults.update", "a bad default is named where it was written");
    let e = error(json!({"defaults": {"colection": "/c"}, "resources": {"course": {"item": "/c/:id"}}}));
    assert_eq!(e.option, "rest.defaults.colection");
}

#[test]
fn explicit_scope_all_and_opt_out() {
    let c = parse(json!({"resources": {
        "lesson": {"collection": "/courses/:courseId/lessons", "item": "/lessons/:id", "scope": {"all": "/lessons"}},
        "course": {"collection": "/courses", "item": "/courses/:id", "scope": {"all": false}, "create": "PUT"}
    }}))
    .unwrap()
    .unwrap();
    assert_eq!(c.resource("lesson").unwrap().all.as_ref().unwrap().path.as_str(), "/lessons");
    let course = c.resource("course").unwrap();
    assert!(course.all.is_none());
    assert_eq!(course.create, Some(Route { method: Method::Put, path: PathTemplate::parse("/courses/:id").unwrap() }));
}

fn transport(v: Value, has_rest: bool) -> Result<Custom, ConfigError> {
    transport_option(&J(Some(v)), has_rest)
}

#[test]
fn transport_combinations() {
    assert_eq!(transport_option(&J(None), false).unwrap(), Custom::None);
    assert_eq!(transport(json!({"request": "<fn>"}), true).unwrap(), Custom::Request);
    assert_eq!(transport(json!({"push": "<fn>", "pull": "<fn>"}), false).unwrap(), Custom::Functions);
    assert_eq!(transport(json!({"request": "<fn>"}), false).unwrap_err().option, "transport.request");
    assert_eq!(transport(json!({"push": "<fn>"}), false).unwrap_err().option, "transport.pull");
    assert_eq!(transport(json!({"pull": "<fn>"}), false).unwrap_err().option, "transport.push");
    assert_eq!(transport(json!({"push": "<fn>", "pull": "x"}), false).unwrap_err().option, "transport.pull");
    assert_eq!(transport(json!({"push": "<fn>", "pull": "<fn>"}), true).unwrap_err().option, "transport");
    assert_eq!(
        transport(json!({"push": "<fn>", "pull": "<fn>", "request": "<fn>"}), true).unwrap_err().option,
        "transport"
    );
    assert_eq!(transport(json!({}), false).unwrap_err().option, "transport");
    assert_eq!(transport(json!({"fetch": "<fn>"}), false).unwrap_err().option, "transport.fetch");
    assert_eq!(transport(json!(3), false).unwrap_err().option, "transport");
}
