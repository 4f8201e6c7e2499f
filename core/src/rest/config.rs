//! The `rest` and `transport` options of `initOfflineSync`, validated into a
//! [`RestConfig`]. Every error names the option path at fault
//! (`rest.resources.course.update`), shown to the app as a `TypeError`.

use super::path::{JsonPath, PathTemplate};
use crate::config::{ConfigError, Raw};

/// A nested JS value as far as validation cares; implemented over `JsValue` in the
/// browser and over `serde_json::Value` in tests.
pub trait Tree: Sized {
    fn raw(&self) -> Raw;
    /// A property (`Raw::Undefined` when absent).
    fn get(&self, key: &str) -> Self;
    /// Own enumerable keys of an object, in order.
    fn keys(&self) -> Vec<String>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn parse(s: &str) -> Option<Method> {
        match s.to_ascii_uppercase().as_str() {
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }
}

/// How one kind of change is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: PathTemplate,
}

/// How a scope is read for one entity type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopePath {
    pub path: PathTemplate,
    /// Answers one record (the path has the shape of `item`, like `/courses/:courseId`),
    /// not a list.
    pub single: bool,
    /// For a course list: the placeholder's name, which is also the record field
    /// that links a record to its course (`:courseId` → `courseId`).
    pub link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pagination {
    /// One request answers the whole list.
    None,
    /// `?page=&limit=`, more pages while the page number is below `totalPages`.
    /// `total`, when given, is where the answer says how many records the whole
    /// list has (for progress; never guessed when absent).
    Page {
        page_param: String,
        limit_param: String,
        page_size: u32,
        first_page: u32,
        total_pages: JsonPath,
        total: Option<JsonPath>,
    },
}

/// One entity type's REST resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub entity_type: String,
    pub item: Option<PathTemplate>,
    pub id_field: String,
    pub list: JsonPath,
    pub record: JsonPath,
    pub create: Option<Route>,
    pub update: Option<Route>,
    pub delete: Option<Route>,
    pub pagination: Pagination,
    /// What a full sync lists.
    pub all: Option<ScopePath>,
    /// What downloading one instance of a named scope reads (`downloadCourse`:
    /// the `course` scope), by scope name.
    pub scopes: NamedPaths,
    pub version_field: Option<String>,
    pub if_match: bool,
    pub client_ids: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestConfig {
    /// In the order the app listed them (a full sync lists them in this order).
    pub resources: Vec<Resource>,
}

impl Resource {
    /// How this entity type's records of one instance of scope `name` are read.
    pub fn scope_path(&self, name: &str) -> Option<&ScopePath> {
        self.scopes.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }
}

impl RestConfig {
    pub fn resource(&self, entity_type: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.entity_type == entity_type)
    }
}

pub const RESOURCE_KEYS: &[&str] = &[
    "collection",
    "item",
    "idField",
    "list",
    "record",
    "create",
    "update",
    "delete",
    "pagination",
    "scope",
    "versionField",
    "ifMatch",
    "clientIds",
];
const PAGINATION_KEYS: &[&str] = &["style", "pageParam", "limitParam", "pageSize", "firstPage", "totalPages", "total"];
const ROUTE_KEYS: &[&str] = &["method", "path"];
const TRANSPORT_KEYS: &[&str] = &["request", "push", "pull"];

fn err(option: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { option: option.to_string(), message: message.into() }
}

fn bad(option: &str, expected: &str, got: &Raw) -> ConfigError {
    err(option, format!("must be {expected} (got {})", got.describe()))
}

fn known_keys<T: Tree>(t: &T, path: &str, known: &[&str]) -> Result<(), ConfigError> {
    for k in t.keys() {
        if !known.contains(&k.as_str()) {
            return Err(err(&format!("{path}.{k}"), format!("is not an option (known: {})", known.join(", "))));
        }
    }
    Ok(())
}

fn object<T: Tree>(t: &T, path: &str) -> Result<(), ConfigError> {
    match t.raw() {
        Raw::Object => Ok(()),
        other => Err(bad(path, "an object", &other)),
    }
}

/// A resource's options with `rest.defaults` under them.
struct Layer<'a, T> {
    own: &'a T,
    path: String,
    defaults: Option<&'a T>,
}

impl<T: Tree> Layer<'_, T> {
    /// The value and the option path it came from.
    fn get(&self, key: &str) -> (T, String) {
        let v = self.own.get(key);
        match (&v.raw(), self.defaults) {
            (Raw::Undefined, Some(d)) => (d.get(key), format!("rest.defaults.{key}")),
            _ => (v, format!("{}.{key}", self.path)),
        }
    }

    fn string(&self, key: &str) -> Result<Option<(String, String)>, ConfigError> {
        let (v, path) = self.get(key);
        match v.raw() {
            Raw::Undefined => Ok(None),
            Raw::String(s) => Ok(Some((s, path))),
            other => Err(bad(&path, "a string", &other)),
        }
    }

    fn name(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.string(key)? {
            Some((s, path)) if s.trim().is_empty() || s.contains('.') => {
                Err(err(&path, format!("must be a field name (got {s:?})")))
            }
            other => Ok(other.map(|(s, _)| s)),
        }
    }

    fn template(&self, key: &str) -> Result<Option<PathTemplate>, ConfigError> {
        match self.string(key)? {
            None => Ok(None),
            Some((s, path)) => PathTemplate::parse(&s).map(Some).map_err(|m| err(&path, m)),
        }
    }

    fn json_path(&self, key: &str) -> Result<JsonPath, ConfigError> {
        match self.string(key)? {
            None => Ok(JsonPath::default()),
            Some((s, path)) => JsonPath::parse(&s).map_err(|m| err(&path, m)),
        }
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        let (v, path) = self.get(key);
        match v.raw() {
            Raw::Undefined => Ok(default),
            Raw::Bool(b) => Ok(b),
            other => Err(bad(&path, "a boolean", &other)),
        }
    }
}

fn route_object<T: Tree>(v: &T, path: &str) -> Result<Route, ConfigError> {
    known_keys(v, path, ROUTE_KEYS)?;
    let method = match v.get("method").raw() {
        Raw::String(s) => Method::parse(&s)
            .ok_or_else(|| err(&format!("{path}.method"), format!("must be POST, PUT, PATCH or DELETE (got {s:?})")))?,
        other => return Err(bad(&format!("{path}.method"), "POST, PUT, PATCH or DELETE", &other)),
    };
    let path_opt = format!("{path}.path");
    let p = match v.get("path").raw() {
        Raw::String(s) => PathTemplate::parse(&s).map_err(|m| err(&path_opt, m))?,
        other => return Err(bad(&path_opt, "a path like \"/courses/:id\"", &other)),
    };
    Ok(Route { method, path: p })
}

/// `create`, `update` or `delete`: a verb (using `collection` or `item`), a
/// `{ method, path }`, or `false` for none.
fn route<T: Tree>(
    layer: &Layer<'_, T>,
    key: &str,
    default: Option<Route>,
    verbs: &[(&str, Method, Option<&PathTemplate>, &str)],
) -> Result<Option<Route>, ConfigError> {
    let (v, path) = layer.get(key);
    let expected = format!(
        "{}, {{ method, path }} or false",
        verbs.iter().map(|(name, ..)| format!("'{name}'")).collect::<Vec<_>>().join(", ")
    );
    match v.raw() {
        Raw::Undefined => Ok(default),
        Raw::Bool(false) => Ok(None),
        Raw::Object => route_object(&v, &path).map(Some),
        Raw::String(s) => {
            let Some((_, method, target, target_name)) = verbs.iter().find(|(n, ..)| n.eq_ignore_ascii_case(&s)) else {
                return Err(bad(&path, &expected, &Raw::String(s)));
            };
            match target {
                Some(t) => Ok(Some(Route { method: *method, path: (*t).clone() })),
                None => Err(err(&path, format!("'{s}' sends to `{target_name}`, which is not set"))),
            }
        }
        other => Err(bad(&path, &expected, &other)),
    }
}

fn pagination<T: Tree>(layer: &Layer<'_, T>) -> Result<Pagination, ConfigError> {
    let (v, path) = layer.get("pagination");
    match v.raw() {
        Raw::Undefined | Raw::Null | Raw::Bool(false) => return Ok(Pagination::None),
        Raw::Object => {}
        other => {
            return Err(bad(
                &path,
                "an object like { style: 'page', totalPages: 'data.pagination.totalPages' }, or false",
                &other,
            ))
        }
    }
    known_keys(&v, &path, PAGINATION_KEYS)?;
    let sub = Layer { own: &v, path: path.clone(), defaults: None };
    match sub.string("style")? {
        Some((s, _)) if s == "none" => return Ok(Pagination::None),
        None => {}
        Some((s, _)) if s == "page" => {}
        Some((s, p)) => return Err(err(&p, format!("must be 'page' or 'none' (got {s:?})"))),
    }
    let param = |key: &str, default: &str| -> Result<String, ConfigError> {
        match sub.string(key)? {
            None => Ok(default.into()),
            Some((s, p)) if s.is_empty() => Err(err(&p, "must be a query parameter name")),
            Some((s, _)) => Ok(s),
        }
    };
    let number = |key: &str, default: u32, min: u32, max: u32| -> Result<u32, ConfigError> {
        let (n, p) = sub.get(key);
        match n.raw() {
            Raw::Undefined => Ok(default),
            Raw::Number(x) if x.fract() == 0.0 && x >= min as f64 && x <= max as f64 => Ok(x as u32),
            other => Err(bad(&p, &format!("a whole number from {min} to {max}"), &other)),
        }
    };
    let total_pages = match sub.string("totalPages")? {
        Some((s, p)) => {
            let jp = JsonPath::parse(&s).map_err(|m| err(&p, m))?;
            if jp.is_root() {
                return Err(err(&p, "must name where the page count is, like \"data.pagination.totalPages\""));
            }
            jp
        }
        None => {
            return Err(err(
                &format!("{path}.totalPages"),
                "is required with style 'page': where the answer says how many pages there are, like \"data.pagination.totalPages\"",
            ))
        }
    };
    let total = match sub.string("total")? {
        Some((s, p)) => {
            let jp = JsonPath::parse(&s).map_err(|m| err(&p, m))?;
            if jp.is_root() {
                return Err(err(&p, "must name where the record count is, like \"data.pagination.total\""));
            }
            Some(jp)
        }
        None => None,
    };
    Ok(Pagination::Page {
        total,
        page_param: param("pageParam", "page")?,
        limit_param: param("limitParam", "limit")?,
        page_size: number("pageSize", 100, 1, 10_000)?,
        first_page: number("firstPage", 1, 0, 1)?,
        total_pages,
    })
}

/// Paths by scope name (`scope.course`, `scope.workspace`).
type NamedPaths = Vec<(String, ScopePath)>;

fn scopes<T: Tree>(
    layer: &Layer<'_, T>,
    collection: Option<&PathTemplate>,
    item: Option<&PathTemplate>,
) -> Result<(Option<ScopePath>, NamedPaths), ConfigError> {
    let default_all =
        collection.filter(|c| c.params().is_empty()).map(|c| ScopePath { path: c.clone(), single: false, link: None });
    let (v, path) = layer.get("scope");
    match v.raw() {
        Raw::Undefined => return Ok((default_all, Vec::new())),
        Raw::Object => {}
        other => return Err(bad(&path, "an object like { course: '/courses/:courseId/lessons' }", &other)),
    }
    let all_path = format!("{path}.all");
    let all = match v.get("all").raw() {
        Raw::Undefined => default_all,
        Raw::Bool(false) => None,
        Raw::String(s) => {
            let t = PathTemplate::parse(&s).map_err(|m| err(&all_path, m))?;
            if !t.params().is_empty() {
                return Err(err(
                    &all_path,
                    format!("is what a full sync lists, so it cannot have placeholders (got {s:?})"),
                ));
            }
            Some(ScopePath { path: t, single: false, link: None })
        }
        other => return Err(bad(&all_path, "a path, or false", &other)),
    };
    // Every other key is a named scope (`crate::scope`): the path that reads this
    // entity type's records of one instance of it.
    let mut named = Vec::new();
    for name in v.keys().into_iter().filter(|k| k != "all") {
        let scope_path = format!("{path}.{name}");
        if !crate::scope::valid_name(&name) {
            return Err(err(&scope_path, "is not a scope name (all, or a declared scope such as course)"));
        }
        match v.get(&name).raw() {
            Raw::String(s) => {
                let t = PathTemplate::parse(&s).map_err(|m| err(&scope_path, m))?;
                let params = t.params();
                if params.len() != 1 {
                    return Err(err(
                        &scope_path,
                        format!("must have exactly one placeholder, for the {name} id, like \"/courses/:courseId/lessons\" (got {s:?})"),
                    ));
                }
                let single = item.is_some_and(|i| i.same_shape(&t));
                let link = (!single).then(|| params[0].to_string());
                named.push((name, ScopePath { path: t, single, link }));
            }
            other => return Err(bad(&scope_path, "a path like \"/courses/:courseId/lessons\"", &other)),
        }
    }
    Ok((all, named))
}

fn resource<T: Tree>(entity_type: &str, own: &T, defaults: Option<&T>) -> Result<Resource, ConfigError> {
    let path = format!("rest.resources.{entity_type}");
    object(own, &path)?;
    known_keys(own, &path, RESOURCE_KEYS)?;
    let layer = Layer { own, path: path.clone(), defaults };
    let collection = layer.template("collection")?;
    let item = layer.template("item")?;
    if let Some(i) = &item {
        if !i.params().contains(&"id") {
            let (_, p) = layer.get("item");
            return Err(err(&p, format!("must contain the `:id` placeholder (got {:?})", i.as_str())));
        }
    }
    let id_field = layer.name("idField")?.unwrap_or_else(|| "id".into());
    let create = route(
        &layer,
        "create",
        collection.as_ref().map(|c| Route { method: Method::Post, path: c.clone() }),
        &[("POST", Method::Post, collection.as_ref(), "collection"), ("PUT", Method::Put, item.as_ref(), "item")],
    )?;
    let update = route(
        &layer,
        "update",
        item.as_ref().map(|i| Route { method: Method::Put, path: i.clone() }),
        &[("PUT", Method::Put, item.as_ref(), "item"), ("PATCH", Method::Patch, item.as_ref(), "item")],
    )?;
    let delete = route(
        &layer,
        "delete",
        item.as_ref().map(|i| Route { method: Method::Delete, path: i.clone() }),
        &[("DELETE", Method::Delete, item.as_ref(), "item")],
    )?;
    let (all, named) = scopes(&layer, collection.as_ref(), item.as_ref())?;
    if item.is_none() && create.is_none() && update.is_none() && delete.is_none() && all.is_none() && named.is_empty() {
        return Err(err(&path, "must give at least `collection` or `item`"));
    }
    Ok(Resource {
        entity_type: entity_type.to_string(),
        id_field,
        list: layer.json_path("list")?,
        record: layer.json_path("record")?,
        create,
        update,
        delete,
        pagination: pagination(&layer)?,
        all,
        scopes: named,
        item,
        version_field: layer.name("versionField")?,
        if_match: layer.boolean("ifMatch", true)?,
        client_ids: layer.boolean("clientIds", true)?,
    })
}

/// The `rest` option: `None` when absent.
pub fn rest_option<T: Tree>(rest: &T) -> Result<Option<RestConfig>, ConfigError> {
    match rest.raw() {
        Raw::Undefined | Raw::Null => return Ok(None),
        Raw::Object => {}
        other => return Err(bad("rest", "an object like { resources: { course: { ... } } }", &other)),
    }
    known_keys(rest, "rest", &["resources", "defaults"])?;
    let defaults = rest.get("defaults");
    let defaults = match defaults.raw() {
        Raw::Undefined => None,
        Raw::Object => {
            known_keys(&defaults, "rest.defaults", RESOURCE_KEYS)?;
            Some(&defaults)
        }
        other => return Err(bad("rest.defaults", "an object", &other)),
    };
    let resources = rest.get("resources");
    object(&resources, "rest.resources")?;
    let names = resources.keys();
    if names.is_empty() {
        return Err(err("rest.resources", "must name at least one entity type, like { course: { ... } }"));
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if name.len() > 200 {
            return Err(err("rest.resources", "entity types must be at most 200 characters"));
        }
        out.push(resource(&name, &resources.get(&name), defaults)?);
    }
    Ok(Some(RestConfig { resources: out }))
}

/// Which of the app's own functions the `transport` option gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Custom {
    /// None: our own fetch.
    None,
    /// `request(method, url, body, headers)`: the REST resources, through the app's HTTP client.
    Request,
    /// `push(mutations)` and `pull(scope, cursor, limit)`: the app's own transport.
    Functions,
}

/// The `transport` option, checked against whether `rest` was given.
pub fn transport_option<T: Tree>(t: &T, has_rest: bool) -> Result<Custom, ConfigError> {
    match t.raw() {
        Raw::Undefined | Raw::Null => return Ok(Custom::None),
        Raw::Object => {}
        other => return Err(bad("transport", "an object like { request } or { push, pull }", &other)),
    }
    known_keys(t, "transport", TRANSPORT_KEYS)?;
    let mut given = [false; 3];
    for (i, k) in TRANSPORT_KEYS.iter().enumerate() {
        match t.get(k).raw() {
            Raw::Undefined => {}
            Raw::Function => given[i] = true,
            other => return Err(bad(&format!("transport.{k}"), "a function", &other)),
        }
    }
    match given {
        [false, false, false] => Err(err("transport", "needs `request`, or `push` and `pull`")),
        [true, false, false] if has_rest => Ok(Custom::Request),
        [true, false, false] => Err(err(
            "transport.request",
            "is how the REST resources are reached, so it needs `rest.resources` (for a transport of your own, give `push` and `pull`)",
        )),
        [true, _, _] => Err(err("transport", "takes either `request`, or `push` and `pull`, not both")),
        [false, true, false] => Err(err("transport.pull", "must be a function when `transport.push` is given")),
        [false, false, true] => Err(err("transport.push", "must be a function when `transport.pull` is given")),
        [false, true, true] if has_rest => Err(err(
            "transport",
            "with `push` and `pull` replaces the built-in transports, so it cannot be combined with `rest` (use `transport.request` to reach the REST resources through your HTTP client)",
        )),
        [false, true, true] => Ok(Custom::Functions),
    }
}

#[cfg(test)]
pub(crate) mod tests;
