//! Wire types of the sync protocol (see `docs/PROTOCOL.md`).
//!
//! The payload type `D` is generic: the server uses `serde_json::Value`, while the
//! browser never decodes payloads into Rust at all and reads only the envelope
//! fields, by the names in [`field`]. A test below pins those names to what serde
//! writes, so the two readings cannot drift.

use serde::{Deserialize, Serialize};

/// Path of the push endpoint, relative to the API base URL.
pub const PUSH_PATH: &str = "/sync/push";
/// Path of the pull endpoint, relative to the API base URL.
pub const PULL_PATH: &str = "/sync/pull";
/// Largest page a client may ask the server for.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// Page size the client asks for unless configured otherwise.
pub const DEFAULT_PULL_LIMIT: u32 = 500;
/// Most mutations the client sends in one push request, and the fewest every
/// server accepts in one (PROTOCOL.md §3.4).
pub const MAX_PUSH_BATCH: usize = 100;
/// Largest push body, in bytes of UTF-8 JSON, the client sends, and the
/// smallest limit every server accepts (PROTOCOL.md §3.4). A change too large
/// to go alone in one is set aside as failed without being sent.
pub const MAX_PUSH_BYTES: usize = 5 * 1024 * 1024;

/// JSON field names of the envelope, as the browser reads them with `Reflect`.
pub mod field {
    pub const CLIENT_ID: &str = "clientId";
    pub const MUTATIONS: &str = "mutations";
    pub const MUTATION_ID: &str = "mutationId";
    pub const OP: &str = "op";
    pub const ENTITY_TYPE: &str = "entityType";
    pub const ENTITY_ID: &str = "entityId";
    pub const ID: &str = "id";
    pub const BASE_VERSION: &str = "baseVersion";
    pub const DATA: &str = "data";
    pub const RESULTS: &str = "results";
    pub const STATUS: &str = "status";
    pub const ENTITY: &str = "entity";
    pub const ERROR: &str = "error";
    pub const VERSION: &str = "version";
    pub const DELETED: &str = "deleted";
    pub const CHANGES: &str = "changes";
    pub const CURSOR: &str = "cursor";
    pub const HAS_MORE: &str = "hasMore";
    pub const REMAINING: &str = "remaining";
}

/// The three kinds of change an app can make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Op {
    /// Sets the whole entity (creating it, or replacing it when `baseVersion` is given).
    Create,
    /// Merges the top-level fields of `data` into the entity.
    Update,
    /// Deletes the entity, leaving a tombstone.
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "CREATE",
            Op::Update => "UPDATE",
            Op::Delete => "DELETE",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        match s {
            "CREATE" => Some(Op::Create),
            "UPDATE" => Some(Op::Update),
            "DELETE" => Some(Op::Delete),
            _ => None,
        }
    }
}

/// `POST /sync/push` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
pub struct PushRequest<D> {
    pub client_id: String,
    pub mutations: Vec<Mutation<D>>,
}

/// One queued change. `mutation_id` is assigned once, when the change is queued,
/// and is what makes a retried push idempotent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
pub struct Mutation<D> {
    pub mutation_id: String,
    pub op: Op,
    pub entity_type: String,
    pub entity_id: String,
    /// Server version the change was based on; `None` when the client never saw
    /// the entity on the server.
    #[serde(default)]
    pub base_version: Option<u64>,
    #[serde(default)]
    pub data: Option<D>,
}

/// `POST /sync/push` response body: one result per mutation, in request order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
pub struct PushResponse<D> {
    pub results: Vec<MutationResult<D>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MutationStatus {
    /// Applied now, or earlier under the same mutation id (the stored result is replayed).
    Applied,
    /// Not applied: the entity changed on the server since `baseVersion`; `entity` is the server's copy.
    Conflict,
    /// Not applied and never will be (invalid change); `error` says why.
    Rejected,
}

impl MutationStatus {
    pub fn parse(s: &str) -> Option<MutationStatus> {
        match s {
            "applied" => Some(MutationStatus::Applied),
            "conflict" => Some(MutationStatus::Conflict),
            "rejected" => Some(MutationStatus::Rejected),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
pub struct MutationResult<D> {
    pub mutation_id: String,
    pub status: MutationStatus,
    /// The entity as the server holds it after this result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<Entity<D>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An entity as the server holds it. This is also the exact record the browser
/// stores for server state, so a pulled change is written to IndexedDB as it came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
pub struct Entity<D> {
    pub entity_type: String,
    pub id: String,
    pub version: u64,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub data: Option<D>,
}

/// `GET /sync/pull?cursor=&limit=&scope=` response body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
pub struct PullResponse<D> {
    /// Changes after the request's cursor, oldest first; deleted entities are
    /// tombstones (`deleted: true`, no data).
    pub changes: Vec<Entity<D>>,
    /// Opaque; pass it back to get the next page. Stored by the client only after
    /// the page was written.
    pub cursor: String,
    pub has_more: bool,
    /// Changes of the scope after this page, when the server knows (protocol 1.1;
    /// absent from older servers): what a client's progress counts towards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
}

/// A pull scope: everything of the user, or one instance of a scope the app and
/// the server declare (`crate::scope`): `course:42` is course 42 and its lessons.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    Named { name: String, id: String },
}

impl Scope {
    pub fn named(name: &str, id: &str) -> Scope {
        Scope::Named { name: name.to_string(), id: id.to_string() }
    }

    /// The seed's scope: one course and what belongs to it.
    pub fn course(id: &str) -> Scope {
        Scope::named("course", id)
    }

    /// Query-string form (`all`, `<name>:<id>`), also the key of the stored cursor.
    pub fn key(&self) -> String {
        match self {
            Scope::All => "all".to_string(),
            Scope::Named { name, id } => format!("{name}:{id}"),
        }
    }

    /// The scope's name; `None` for `all`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Named { name, .. } => Some(name),
        }
    }

    /// The id of the scope's root; `None` for `all`.
    pub fn id(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Named { id, .. } => Some(id),
        }
    }

    /// `all` (or nothing), or `<name>:<id>` with a valid name and a non-empty id.
    /// Whether the name is declared is the caller's to check.
    pub fn parse(s: &str) -> Option<Scope> {
        if s.is_empty() || s == "all" {
            return Some(Scope::All);
        }
        let (name, id) = s.split_once(':')?;
        (crate::scope::valid_name(name) && !id.is_empty()).then(|| Scope::named(name, id))
    }
}

/// Body of every non-2xx answer of the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn keys(v: &Value) -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn field_names_match_serde() {
        let m = Mutation::<Value> {
            mutation_id: "m".into(),
            op: Op::Update,
            entity_type: "course".into(),
            entity_id: "c1".into(),
            base_version: Some(3),
            data: Some(json!({"title": "x"})),
        };
        let v = serde_json::to_value(&m).unwrap();
        for f in [field::MUTATION_ID, field::OP, field::ENTITY_TYPE, field::ENTITY_ID, field::BASE_VERSION, field::DATA]
        {
            assert!(keys(&v).contains(&f.to_string()), "{f} missing in {v}");
        }
        assert_eq!(v[field::OP], "UPDATE");

        let e =
            Entity::<Value> { entity_type: "course".into(), id: "c1".into(), version: 1, deleted: false, data: None };
        let v = serde_json::to_value(&e).unwrap();
        for f in [field::ENTITY_TYPE, field::ID, field::VERSION, field::DELETED, field::DATA] {
            assert!(keys(&v).contains(&f.to_string()), "{f} missing in {v}");
        }

        let p = PullResponse::<Value> { changes: vec![], cursor: "0".into(), has_more: false, remaining: None };
        let v = serde_json::to_value(&p).unwrap();
        for f in [field::CHANGES, field::CURSOR, field::HAS_MORE] {
            assert!(keys(&v).contains(&f.to_string()));
        }
        let r = PushRequest::<Value> { client_id: "c".into(), mutations: vec![] };
        let v = serde_json::to_value(&r).unwrap();
        assert!(keys(&v).contains(&field::CLIENT_ID.to_string()));
        assert!(keys(&v).contains(&field::MUTATIONS.to_string()));
        let r = MutationResult::<Value> {
            mutation_id: "m".into(),
            status: MutationStatus::Conflict,
            entity: Some(e),
            error: Some("e".into()),
        };
        let v = serde_json::to_value(&r).unwrap();
        for f in [field::MUTATION_ID, field::STATUS, field::ENTITY, field::ERROR] {
            assert!(keys(&v).contains(&f.to_string()));
        }
        assert_eq!(v[field::STATUS], "conflict");
    }

    #[test]
    fn op_round_trips() {
        for op in [Op::Create, Op::Update, Op::Delete] {
            assert_eq!(Op::parse(op.as_str()), Some(op));
        }
        assert_eq!(Op::parse("PATCH"), None);
        assert_eq!(Op::parse("create"), None);
    }

    #[test]
    fn scope_keys() {
        assert_eq!(Scope::parse("all"), Some(Scope::All));
        assert_eq!(Scope::parse(""), Some(Scope::All));
        assert_eq!(Scope::parse("course:42"), Some(Scope::course("42")));
        assert_eq!(Scope::parse("workspace:w:1"), Some(Scope::named("workspace", "w:1")), "an id may hold a colon");
        assert_eq!(Scope::parse("course:"), None);
        assert_eq!(Scope::parse(":1"), None);
        assert_eq!(Scope::parse("9:1"), None);
        assert_eq!(Scope::course("a").key(), "course:a");
    }

    #[test]
    fn missing_optional_fields_default() {
        let m: Mutation<Value> = serde_json::from_value(json!({
            "mutationId": "m", "op": "DELETE", "entityType": "course", "entityId": "c"
        }))
        .unwrap();
        assert_eq!(m.base_version, None);
        assert_eq!(m.data, None);
    }
}
