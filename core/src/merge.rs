//! How each operation changes an entity's data. The server applies these rules to
//! its rows; the browser applies the same rules to its optimistic local copy (on JS
//! objects, with `Object.assign`), so what the app reads right after a change is
//! what the server will hold once it is applied.

use crate::protocol::Op;
use serde_json::{Map, Value};

/// The result of applying `op` with `data` to `current` (`None` = absent or deleted).
/// `None` in the result means the entity is deleted.
pub fn apply(op: Op, current: Option<&Value>, data: Option<&Value>) -> Result<Option<Value>, String> {
    match op {
        Op::Delete => Ok(None),
        Op::Create => match data {
            Some(Value::Object(m)) => Ok(Some(Value::Object(m.clone()))),
            _ => Err("CREATE needs an object as data".into()),
        },
        Op::Update => {
            let patch = match data {
                Some(Value::Object(m)) => m,
                _ => return Err("UPDATE needs an object as data".into()),
            };
            let mut base = match current {
                Some(Value::Object(m)) => m.clone(),
                Some(_) | None => return Err("UPDATE of an entity that does not exist".into()),
            };
            merge_into(&mut base, patch);
            Ok(Some(Value::Object(base)))
        }
    }
}

/// Shallow merge: top-level fields of `patch` replace those of `base`; fields it
/// does not name keep their values.
pub fn merge_into(base: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        base.insert(k.clone(), v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn update_keeps_unnamed_fields() {
        let cur = json!({"id": "c1", "title": "a", "level": 2});
        let out = apply(Op::Update, Some(&cur), Some(&json!({"title": "b"}))).unwrap();
        assert_eq!(out, Some(json!({"id": "c1", "title": "b", "level": 2})));
    }

    #[test]
    fn create_replaces_whole() {
        let cur = json!({"id": "c1", "title": "a", "level": 2});
        let out = apply(Op::Create, Some(&cur), Some(&json!({"id": "c1", "title": "b"}))).unwrap();
        assert_eq!(out, Some(json!({"id": "c1", "title": "b"})));
    }

    #[test]
    fn delete_and_errors() {
        assert_eq!(apply(Op::Delete, None, None).unwrap(), None);
        assert!(apply(Op::Update, None, Some(&json!({"a": 1}))).is_err());
        assert!(apply(Op::Update, Some(&json!({})), Some(&json!(3))).is_err());
        assert!(apply(Op::Create, None, None).is_err());
    }
}
