//! The IndexedDB schema, every version of it, in one place.
//!
//! rexie's upgrades are declarative: a store missing from the builder is deleted.
//! So the builder for version N lists every store that exists at N, each with the
//! version it appeared in, and a test opens a database at the previous version,
//! fills it, and reopens it at the current one.
//!
//! | version | change |
//! |---------|--------|
//! | 1 | `entities` (server state), `local` (unsynced local view), `queue` (outbox), `meta` |
//! | 2 | `conflicts` (local changes the server refused), `queue` index `byStatus` |

use rexie::{Index, ObjectStore, RexieBuilder};

pub const CURRENT_VERSION: u32 = 2;

pub const ENTITIES: &str = "entities";
pub const LOCAL: &str = "local";
pub const QUEUE: &str = "queue";
pub const META: &str = "meta";
pub const CONFLICTS: &str = "conflicts";

pub const BY_TYPE: &str = "byType";
pub const BY_ENTITY: &str = "byEntity";
pub const BY_STATUS: &str = "byStatus";

/// Every store, for wiping a namespace.
pub const ALL_STORES: &[&str] = &[ENTITIES, LOCAL, QUEUE, META, CONFLICTS];

/// The builder for the database at `version` (the current one in production;
/// older ones only to test upgrades).
pub fn builder(name: &str, version: u32) -> RexieBuilder {
    let mut b = RexieBuilder::new(name)
        .version(version)
        .add_object_store(
            ObjectStore::new(ENTITIES)
                .key_path_array(["entityType", "id"])
                .add_index(Index::new(BY_TYPE, "entityType")),
        )
        .add_object_store(
            ObjectStore::new(LOCAL).key_path_array(["entityType", "id"]).add_index(Index::new(BY_TYPE, "entityType")),
        )
        .add_object_store(ObjectStore::new(META));
    let mut queue = ObjectStore::new(QUEUE)
        .key_path("id")
        .auto_increment(true)
        .add_index(Index::new_array(BY_ENTITY, ["entity", "entityId"]));
    if version >= 2 {
        queue = queue.add_index(Index::new(BY_STATUS, "status"));
        b = b.add_object_store(ObjectStore::new(CONFLICTS).key_path("mutationId"));
    }
    b.add_object_store(queue)
}
