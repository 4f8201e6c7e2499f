//! Declared indexes: `indexes: { lesson: ['courseId', ['courseId', 'position']] }`,
//! for each entity type the fields (one, or several: a compound index) that
//! `query()` may look up by instead of reading every entity of the type.

use crate::config::{ConfigError, Raw};
use crate::rest::Tree;

/// One declared index: an entity type and its fields, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDef {
    pub entity_type: String,
    pub fields: Vec<String>,
}

impl IndexDef {
    /// The IndexedDB index names that serve it: one over the server's data, one
    /// over the local part (`s`, `l`). Field names hold no `,` or `:` (identifiers).
    pub fn store_name(&self, part: char) -> String {
        format!("ix:{}:{}:{part}", self.entity_type, self.fields.join(","))
    }
}

/// A field an index can name: an identifier (a letter, `_` or `$`, then those or
/// digits), as an IndexedDB key path's component must be; at most 200 characters.
pub fn valid_field(f: &str) -> bool {
    let mut chars = f.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && f.len() <= 200
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The `indexes` option: `{ [entityType]: Array<field | field[]> }`. Absent: none.
pub fn indexes_option<T: Tree>(v: &T) -> Result<Vec<IndexDef>, ConfigError> {
    let bad = |option: String, message: String| ConfigError { option, message };
    match v.raw() {
        Raw::Undefined | Raw::Null => return Ok(Vec::new()),
        Raw::Object => {}
        other => {
            return Err(bad(
                "indexes".into(),
                format!("must be an object like {{ lesson: ['courseId'] }} (got {})", other.describe()),
            ))
        }
    }
    let mut out: Vec<IndexDef> = Vec::new();
    for et in v.keys() {
        let path = format!("indexes.{et}");
        if et.is_empty() || et.len() > 200 {
            return Err(bad(path, "is not an entity type: 1 to 200 characters".into()));
        }
        let list = v.get(&et);
        for (i, item) in items(&list, &path)?.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let fields = match item.raw() {
                Raw::String(s) => vec![s],
                Raw::Other("array") => {
                    let mut fs = Vec::new();
                    for (j, f) in items(item, &at)?.iter().enumerate() {
                        match f.raw() {
                            Raw::String(s) => fs.push((s, format!("{at}[{j}]"))),
                            other => {
                                return Err(bad(
                                    format!("{at}[{j}]"),
                                    format!("must be a field name (got {})", other.describe()),
                                ))
                            }
                        }
                    }
                    if fs.is_empty() {
                        return Err(bad(at, "must name at least one field".into()));
                    }
                    for (f, p) in &fs {
                        if !valid_field(f) {
                            return Err(bad(p.clone(), not_a_field(f)));
                        }
                    }
                    fs.into_iter().map(|(f, _)| f).collect()
                }
                other => {
                    return Err(bad(at, format!("must be a field name or an array of them (got {})", other.describe())))
                }
            };
            if fields.len() == 1 && !valid_field(&fields[0]) {
                return Err(bad(at, not_a_field(&fields[0])));
            }
            if fields.iter().enumerate().any(|(k, f)| fields[..k].contains(f)) {
                return Err(bad(at, "names a field twice".into()));
            }
            let def = IndexDef { entity_type: et.clone(), fields };
            if !out.contains(&def) {
                out.push(def);
            }
        }
    }
    Ok(out)
}

fn not_a_field(f: &str) -> String {
    format!("`{f}` is not an indexable field name: a letter, `_` or `$`, then letters, digits, `_` or `$` (no dots)")
}

/// The elements of an array option.
fn items<T: Tree>(list: &T, path: &str) -> Result<Vec<T>, ConfigError> {
    let n = match (list.raw(), list.get("length").raw()) {
        (Raw::Other("array"), Raw::Number(n)) => n as usize,
        (other, _) => {
            return Err(ConfigError {
                option: path.to_string(),
                message: format!("must be an array of fields, like ['courseId'] (got {})", other.describe()),
            })
        }
    };
    Ok((0..n).map(|i| list.get(&i.to_string())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::config::tests::J;
    use serde_json::{json, Value};

    fn parse(v: Value) -> Result<Vec<IndexDef>, ConfigError> {
        indexes_option(&J(Some(v)))
    }

    #[test]
    fn absent_declares_none() {
        assert_eq!(indexes_option(&J(None)).unwrap(), vec![]);
    }

    #[test]
    fn single_and_compound_indexes() {
        let d = parse(json!({ "lesson": ["courseId", ["courseId", "position"], "courseId"], "course": ["updatedAt"] }))
            .unwrap();
        let def = |et: &str, fs: &[&str]| IndexDef {
            entity_type: et.into(),
            fields: fs.iter().map(|f| f.to_string()).collect(),
        };
        assert_eq!(
            d,
            // (serde_json's objects keep their keys sorted)
            vec![def("course", &["updatedAt"]), def("lesson", &["courseId"]), def("lesson", &["courseId", "position"])]
        );
        assert_eq!(d[2].store_name('s'), "ix:lesson:courseId,position:s");
    }

    #[test]
    fn a_wrong_declaration_names_the_entity_and_field() {
        let option = |v| parse(v).unwrap_err().option;
        assert_eq!(option(json!(["lesson"])), "indexes");
        assert_eq!(option(json!({ "lesson": "courseId" })), "indexes.lesson");
        assert_eq!(option(json!({ "lesson": ["courseId", 5] })), "indexes.lesson[1]");
        assert_eq!(option(json!({ "lesson": ["course.id"] })), "indexes.lesson[0]");
        assert_eq!(option(json!({ "lesson": [[]] })), "indexes.lesson[0]");
        assert_eq!(option(json!({ "lesson": [["courseId", ""]] })), "indexes.lesson[0][1]");
        assert_eq!(option(json!({ "lesson": [["a", "a"]] })), "indexes.lesson[0]");
        let e = parse(json!({ "lesson": ["ok", { "f": 1 }] })).unwrap_err();
        assert!(e.to_string().contains("indexes.lesson[1]"), "{e}");
    }
}
