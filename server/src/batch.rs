//! Decoding a push body. Only a batch that is not one (not a JSON object, a bad
//! `clientId`, `mutations` not an array of objects) fails the whole request; a
//! mutation that is an object but not a valid mutation becomes that mutation's
//! `rejected` result, so the valid ones that travelled with it still go through
//! (PROTOCOL.md §6).

use crate::apply::{valid_id, MAX_ID_LEN};
use offline_sync_core::protocol::{field, Mutation, Op};
use serde_json::{Map, Value};

/// A well-formed push: its client id and each mutation as decoded.
pub struct Batch {
    pub client_id: String,
    pub items: Vec<Item>,
}

/// One element of `mutations`.
pub enum Item {
    Valid(Mutation<Value>),
    /// An object that is not a mutation; `mutation_id` is its `mutationId` when
    /// that is a string (else empty), which the result echoes.
    Malformed {
        mutation_id: String,
        error: String,
    },
}

impl Item {
    pub fn mutation_id(&self) -> &str {
        match self {
            Item::Valid(m) => &m.mutation_id,
            Item::Malformed { mutation_id, .. } => mutation_id,
        }
    }

    /// About the bytes of the mutation's JSON, without writing it: what a
    /// chunk of the push is measured in.
    pub fn size(&self) -> usize {
        match self {
            Item::Valid(m) => {
                m.mutation_id.len() + m.entity_type.len() + m.entity_id.len() + m.data.as_ref().map_or(0, json_size)
            }
            Item::Malformed { mutation_id, error } => mutation_id.len() + error.len(),
        }
    }

    fn decode(map: Map<String, Value>) -> Item {
        let mutation_id = map.get(field::MUTATION_ID).and_then(Value::as_str).unwrap_or_default().to_string();
        match mutation(map) {
            Ok(m) => Item::Valid(m),
            Err(e) => Item::Malformed { mutation_id, error: format!("invalid mutation: {e}") },
        }
    }
}

/// The fields of a mutation, each checked with a message naming it (serde's
/// would not say which field had the wrong type).
fn mutation(mut map: Map<String, Value>) -> Result<Mutation<Value>, String> {
    let mut text = |name: &str| match map.remove(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(format!("{name} is missing")),
        Some(_) => Err(format!("{name} must be a string")),
    };
    let mutation_id = text(field::MUTATION_ID)?;
    let op = text(field::OP)?;
    let op = Op::parse(&op).ok_or_else(|| format!("op must be CREATE, UPDATE or DELETE, not {op:?}"))?;
    let entity_type = text(field::ENTITY_TYPE)?;
    let entity_id = text(field::ENTITY_ID)?;
    let base_version = match map.remove(field::BASE_VERSION) {
        None | Some(Value::Null) => None,
        Some(v) => {
            Some(v.as_u64().ok_or_else(|| format!("baseVersion must be a non-negative integer or null, not {v}"))?)
        }
    };
    let data = map.remove(field::DATA).filter(|d| !d.is_null());
    Ok(Mutation { mutation_id, op, entity_type, entity_id, base_version, data })
}

fn json_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.iter().map(|x| json_size(x) + 1).sum::<usize>(),
        Value::Object(o) => 2 + o.iter().map(|(k, x)| k.len() + 4 + json_size(x)).sum::<usize>(),
    }
}

/// The batch in `body`, or why the request as a whole is a 400.
pub fn decode(body: &[u8]) -> Result<Batch, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))?;
    let Value::Object(mut body) = value else {
        return Err("the body must be a JSON object with `clientId` and `mutations`".into());
    };
    // The client id decides the same-client rule, so it must be a real id.
    let client_id = match body.remove(field::CLIENT_ID) {
        Some(Value::String(s)) if valid_id(&s) => s,
        _ => return Err(format!("clientId must be a string of 1-{MAX_ID_LEN} characters")),
    };
    let Some(Value::Array(list)) = body.remove(field::MUTATIONS) else {
        return Err("mutations must be an array".into());
    };
    let mut items = Vec::with_capacity(list.len());
    for (i, m) in list.into_iter().enumerate() {
        match m {
            Value::Object(map) => items.push(Item::decode(map)),
            _ => return Err(format!("mutations[{i}] must be an object")),
        }
    }
    Ok(Batch { client_id, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        decode(body.as_bytes()).err().expect("refused")
    }

    #[test]
    fn whole_batch_errors() {
        assert!(err("{").contains("invalid JSON"));
        assert!(err("[]").contains("JSON object"));
        assert!(err(r#"{"mutations":[]}"#).contains("clientId"));
        assert!(err(r#"{"clientId":5,"mutations":[]}"#).contains("clientId"));
        assert!(err(r#"{"clientId":"c"}"#).contains("mutations"));
        assert!(err(r#"{"clientId":"c","mutations":{}}"#).contains("mutations"));
        assert!(err(r#"{"clientId":"c","mutations":[{}, 3]}"#).contains("mutations[1]"));
    }

    #[test]
    fn per_mutation_errors() {
        let b = decode(
            br#"{"clientId":"c","mutations":[
                {"mutationId":"a","op":"PATCH","entityType":"t","entityId":"i"},
                {"mutationId":"b","op":"DELETE","entityType":"t","entityId":"i"},
                {"op":"DELETE","entityType":"t","entityId":"i"},
                {"mutationId":"d","op":"CREATE","entityType":"t","entityId":"i","baseVersion":-1,"data":{}}
            ]}"#,
        )
        .unwrap();
        let ids: Vec<&str> = b.items.iter().map(Item::mutation_id).collect();
        assert_eq!(ids, ["a", "b", "", "d"]);
        assert!(matches!(&b.items[0], Item::Malformed { error, .. } if error.contains("PATCH")));
        assert!(matches!(b.items[1], Item::Valid(_)));
        assert!(matches!(&b.items[2], Item::Malformed { error, .. } if error.contains("mutationId")));
        assert!(matches!(&b.items[3], Item::Malformed { error, .. } if error.contains("-1")));
    }
}
