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

use super::idb::StoreDef;

pub const CURRENT_VERSION: u32 = 2;

pub const ENTITIES: &str = "entities";
pub const LOCAL: &str = "local";
pub const QUEUE: &str = "queue";
pub const META: &str = "meta";
pub const CONFLICTS: &str = "conflicts";

pub const BY_TYPE: &str = "byType";
pub const BY_ENTITY: &str = "byEntity";
pub const BY_STATUS: &str = "byStatus";

const ENTITY_KEY: &[&str] = &["entityType", "id"];

/// The stores at the current version.
pub const STORES: &[StoreDef] = &[
    StoreDef {
        name: ENTITIES,
        key_path: Some(ENTITY_KEY),
        auto_increment: false,
        indexes: &[(BY_TYPE, &["entityType"])],
    },
    StoreDef { name: LOCAL, key_path: Some(ENTITY_KEY), auto_increment: false, indexes: &[(BY_TYPE, &["entityType"])] },
    StoreDef { name: META, key_path: None, auto_increment: false, indexes: &[] },
    StoreDef {
        name: QUEUE,
        key_path: Some(&["id"]),
        auto_increment: true,
        indexes: &[(BY_ENTITY, &["entity", "entityId"]), (BY_STATUS, &["status"])],
    },
    StoreDef { name: CONFLICTS, key_path: Some(&["mutationId"]), auto_increment: false, indexes: &[] },
];
