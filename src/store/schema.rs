//! The IndexedDB schema, every version of it, in one place.
//!
//! Upgrades are additive (`idb.js`): opening at version N creates the stores and
//! indexes of N that are missing and leaves everything else with its data. A test
//! opens a database at the previous version, fills it, and reopens it at the current one.
//!
//! | version | change |
//! |---------|--------|
//! | 1 | `entities` (server state), `local` (unsynced local view), `queue` (outbox), `meta` |
//! | 2 | `conflicts` (local changes the server refused), `queue` index `byStatus` |
//! | 3 | `chained` (entities that may have more than one queued entry), seeded from `queue` |

use super::idb::StoreDef;

pub const CURRENT_VERSION: u32 = 3;

pub const ENTITIES: &str = "entities";
pub const LOCAL: &str = "local";
pub const QUEUE: &str = "queue";
pub const META: &str = "meta";
pub const CONFLICTS: &str = "conflicts";
/// Entity keys (`[entityType, id]`, out-of-line) of entities that have, or may
/// have, more than one queued entry. An entity not in it has at most one, so
/// settling its pushed entry is blind writes, with no read of its local record.
/// It may say "maybe" wrongly (that costs a read), never "one" wrongly.
pub const CHAINED: &str = "chained";

pub const BY_TYPE: &str = "byType";
pub const BY_ENTITY: &str = "byEntity";
pub const BY_STATUS: &str = "byStatus";

const ENTITY_KEY: &[&str] = &["entityType", "id"];

/// The stores at the current version.
pub const STORES: &[StoreDef] = &[
    StoreDef { name: ENTITIES, key_path: Some(ENTITY_KEY), indexes: &[(BY_TYPE, &["entityType"])], ..StoreDef::NEW },
    StoreDef { name: LOCAL, key_path: Some(ENTITY_KEY), indexes: &[(BY_TYPE, &["entityType"])], ..StoreDef::NEW },
    StoreDef { name: META, ..StoreDef::NEW },
    StoreDef {
        name: QUEUE,
        key_path: Some(&["id"]),
        auto_increment: true,
        indexes: &[(BY_ENTITY, &["entity", "entityId"]), (BY_STATUS, &["status"])],
        ..StoreDef::NEW
    },
    StoreDef { name: CONFLICTS, key_path: Some(&["mutationId"]), ..StoreDef::NEW },
    // Created at version 3 over a queue that may already hold several entries of
    // one entity: every queued entity is marked (a "maybe"), so none is settled blind.
    StoreDef { name: CHAINED, seed_from: Some((QUEUE, &["entity", "entityId"])), ..StoreDef::NEW },
];
