//! Named scopes: a subset of a user's entities that a client can sync on its own,
//! declared by the app (and by the server) as a name, the entity type of its root
//! and the field that links other entities to a root. The learning platform
//! declares `course` (root `course`, key `courseId`): a course and its lessons.
//! A team whose data is workspaces declares `workspace` the same way.

use crate::config::{ConfigError, Raw};
use crate::protocol::Scope;
use crate::rest::Tree;

/// One declared scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeDef {
    pub name: String,
    /// Entities of this type with id X are the root of `name:X`.
    pub root: String,
    /// Other entities are in `name:X` when their data's `key` field is X.
    pub key: String,
}

impl ScopeDef {
    /// The seed's scope, declared when the app declares none: `course`, its root
    /// the `course` entities, its lessons (and anything else) linked by `courseId`.
    pub fn course() -> ScopeDef {
        ScopeDef { name: "course".into(), root: "course".into(), key: "courseId".into() }
    }

    pub fn scope(&self, id: &str) -> Scope {
        Scope::named(&self.name, id)
    }
}

/// The scopes when nothing is declared: the seed's `course`.
pub fn default_scopes() -> Vec<ScopeDef> {
    vec![ScopeDef::course()]
}

/// A scope name: a letter, then letters, digits, `_` or `-`; at most 64 characters.
/// (No `:`, which separates the name from the id in `name:id`.)
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.chars().count() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The scope an entity belongs to under `defs`: the first declaration whose root
/// it is, else the first whose key its data has as a non-empty string. `field`
/// reads a field of the entity's data (`None`: absent or not a string).
pub fn scope_of(
    defs: &[ScopeDef],
    entity_type: &str,
    id: &str,
    field: impl Fn(&str) -> Option<String>,
) -> Option<Scope> {
    if let Some(d) = defs.iter().find(|d| d.root == entity_type) {
        return Some(d.scope(id));
    }
    defs.iter().find_map(|d| field(&d.key).filter(|v| !v.is_empty()).map(|v| d.scope(&v)))
}

/// The `scopes` option: `{ [name]: { root?: string, key: string } }` (`root`
/// defaults to the name). Absent: the seed's `course`.
pub fn scopes_option<T: Tree>(v: &T) -> Result<Vec<ScopeDef>, ConfigError> {
    let bad = |option: String, message: String| ConfigError { option, message };
    match v.raw() {
        Raw::Undefined | Raw::Null => return Ok(default_scopes()),
        Raw::Object => {}
        other => {
            return Err(bad(
                "scopes".into(),
                format!("must be an object like {{ course: {{ key: 'courseId' }} }} (got {})", other.describe()),
            ))
        }
    }
    let mut out = Vec::new();
    for name in v.keys() {
        let path = format!("scopes.{name}");
        if !valid_name(&name) {
            return Err(bad(
                path,
                "is not a scope name: a letter, then letters, digits, `_` or `-`, at most 64 characters".into(),
            ));
        }
        let def = v.get(&name);
        if def.raw() != Raw::Object {
            return Err(bad(
                path,
                format!("must be an object like {{ key: 'courseId' }} (got {})", def.raw().describe()),
            ));
        }
        if let Some(k) = def.keys().into_iter().find(|k| k != "root" && k != "key") {
            return Err(bad(format!("{path}.{k}"), "is not an option of a scope (root, key)".into()));
        }
        let text = |field: &str, default: Option<&str>| match def.get(field).raw() {
            Raw::String(s) if !s.is_empty() && s.chars().count() <= 200 => Ok(s),
            Raw::Undefined if default.is_some() => Ok(default.unwrap_or_default().to_string()),
            other => Err(bad(
                format!("{path}.{field}"),
                format!("must be a non-empty string of at most 200 characters (got {})", other.describe()),
            )),
        };
        out.push(ScopeDef { root: text("root", Some(&name))?, key: text("key", None)?, name });
    }
    if out.is_empty() {
        return Err(bad("scopes".into(), "must declare at least one scope, or be left out".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::config::tests::J;
    use serde_json::{json, Value};

    fn parse(v: Value) -> Result<Vec<ScopeDef>, ConfigError> {
        scopes_option(&J(Some(v)))
    }

    #[test]
    fn absent_means_the_seeds_course_scope() {
        assert_eq!(scopes_option(&J(None)).unwrap(), vec![ScopeDef::course()]);
    }

    #[test]
    fn a_declaration_names_its_root_and_key() {
        let d =
            parse(json!({ "workspace": { "key": "workspaceId" }, "team": { "root": "org", "key": "orgId" } })).unwrap();
        let find = |n: &str| d.iter().find(|s| s.name == n).cloned();
        assert_eq!(
            find("workspace"),
            Some(ScopeDef { name: "workspace".into(), root: "workspace".into(), key: "workspaceId".into() })
        );
        assert_eq!(find("team"), Some(ScopeDef { name: "team".into(), root: "org".into(), key: "orgId".into() }));
    }

    #[test]
    fn wrong_declarations_name_the_option() {
        let option = |v| parse(v).unwrap_err().option;
        assert_eq!(option(json!(5)), "scopes");
        assert_eq!(option(json!({})), "scopes");
        assert_eq!(option(json!({ "a:b": { "key": "k" } })), "scopes.a:b");
        assert_eq!(option(json!({ "9x": { "key": "k" } })), "scopes.9x");
        assert_eq!(option(json!({ "w": "workspaceId" })), "scopes.w");
        assert_eq!(option(json!({ "w": {} })), "scopes.w.key");
        assert_eq!(option(json!({ "w": { "key": "" } })), "scopes.w.key");
        assert_eq!(option(json!({ "w": { "key": "k", "root": 3 } })), "scopes.w.root");
        assert_eq!(option(json!({ "w": { "key": "k", "link": "x" } })), "scopes.w.link");
    }

    #[test]
    fn an_entity_is_in_the_scope_of_its_root_or_its_key() {
        let defs =
            vec![ScopeDef::course(), ScopeDef { name: "ws".into(), root: "workspace".into(), key: "wsId".into() }];
        let none = |_: &str| None;
        assert_eq!(scope_of(&defs, "course", "c1", none), Some(Scope::named("course", "c1")));
        assert_eq!(scope_of(&defs, "workspace", "w1", none), Some(Scope::named("ws", "w1")));
        let lesson = |f: &str| (f == "courseId").then(|| "c1".to_string());
        assert_eq!(scope_of(&defs, "lesson", "l1", lesson), Some(Scope::named("course", "c1")));
        let doc = |f: &str| (f == "wsId").then(|| "w9".to_string());
        assert_eq!(scope_of(&defs, "doc", "d1", doc), Some(Scope::named("ws", "w9")));
        assert_eq!(scope_of(&defs, "note", "n1", |_| Some(String::new())), None, "an empty key links to nothing");
        assert_eq!(scope_of(&defs, "note", "n1", none), None);
    }

    #[test]
    fn names() {
        for ok in ["course", "workspace", "a", "team_2", "org-unit"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "1x", "a:b", "a b", "é", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
