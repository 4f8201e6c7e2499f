//! The IndexedDB schema, every version of it, in one place.
//!
//! Upgrades are additive (`idb.js`): opening at version N creates the stores and
//! indexes of N that are missing and leaves everything else with its data. The one
//! store ever retired (`local`, at version 4) is folded into the store that replaced
//! it in the same upgrade transaction, and only then deleted. Tests open databases at
//! earlier versions, fill them, and reopen them at the current one.
//!
//! | version | change |
//! |---------|--------|
//! | 1 | `entities` (server state), `local` (unsynced local view), `queue` (outbox), `meta` |
//! | 2 | `conflicts` (local changes the server refused), `queue` index `byStatus` |
//! | 3 | `chained` (entities that may have more than one queued entry), seeded from `queue` |
//! | 4 | `local` folded into `entities` (a record's `local` field), index `byDirty`; `local` deleted |

use super::idb::StoreDef;
use offline_sync_core::indexes::IndexDef;
use wasm_bindgen::JsValue;

pub const CURRENT_VERSION: u32 = 4;

/// The app's declared indexes (`indexes` option) as indexes of `entities`, two for
/// each: one over the server's data (`data.f`), one over the local part
/// (`local.data.f`), both led by `entityType`. A query reads both and keeps the
/// records whose view matches (a record's view is its local part when it has one);
/// IndexedDB leaves out a record whose fields are no valid key (missing, boolean,
/// null, an object), and so every deleted view. They are not numbered versions: a
/// database whose declared indexes differ opens one version above its own, and the
/// upgrade creates and deletes them (`idb.js` `open`), records and queue kept.
pub fn declared(indexes: &[IndexDef]) -> js_sys::Array {
    let out = js_sys::Array::new();
    for d in indexes {
        for (part, prefix) in [('s', "data."), ('l', "local.data.")] {
            let path: js_sys::Array = std::iter::once(JsValue::from_str("entityType"))
                .chain(d.fields.iter().map(|f| JsValue::from_str(&format!("{prefix}{f}"))))
                .collect();
            out.push(&js_sys::Array::of2(&JsValue::from_str(&d.store_name(part)), &path));
        }
    }
    out
}

/// One record per entity: the server's state (`version`, `data`, `deleted`, `etag`,
/// as pulled) and, while the entity has unsynced changes, its local view in the
/// field `local` (`view::F_LOCAL`). One record, so settling a pushed change is one
/// put and a read of what the app sees is one get.
pub const ENTITIES: &str = "entities";
pub const QUEUE: &str = "queue";
pub const META: &str = "meta";
pub const CONFLICTS: &str = "conflicts";
/// Entity keys (`[entityType, id]`, out-of-line) of entities that have, or may
/// have, more than one queued entry. An entity not in it has at most one, so
/// settling its pushed entry is a blind write, with no read of its record.
/// It may say "maybe" wrongly (that costs a read), never "one" wrongly.
pub const CHAINED: &str = "chained";

pub const BY_TYPE: &str = "byType";
pub const BY_ENTITY: &str = "byEntity";
pub const BY_STATUS: &str = "byStatus";
/// The entities with a local view (`local.dirty` is set on every one, and only
/// there): a pull finds which records of a page it must not overwrite blindly.
pub const BY_DIRTY: &str = "byDirty";

/// The store `entities` took over at version 4.
pub const RETIRED_LOCAL: &str = "local";

const ENTITY_KEY: &[&str] = &["entityType", "id"];

/// The stores at the current version.
pub const STORES: &[StoreDef] = &[
    StoreDef {
        name: ENTITIES,
        key_path: Some(ENTITY_KEY),
        indexes: &[(BY_TYPE, &["entityType"]), (BY_DIRTY, &["local.dirty"])],
        // A database from before version 4: each `local` record becomes the `local`
        // field of its entity's record (one is made when the server has none).
        absorbs: Some((RETIRED_LOCAL, "local")),
        ..StoreDef::NEW
    },
    META_STORE,
    QUEUE_STORE,
    CONFLICTS_STORE,
    CHAINED_STORE,
];

/// The stores at version 3, as it shipped, for upgrade tests; version 2 is these
/// without `chained` (the last).
#[cfg(test)]
pub const V3: &[StoreDef] = &[
    StoreDef { name: ENTITIES, key_path: Some(ENTITY_KEY), indexes: &[(BY_TYPE, &["entityType"])], ..StoreDef::NEW },
    StoreDef {
        name: RETIRED_LOCAL,
        key_path: Some(ENTITY_KEY),
        indexes: &[(BY_TYPE, &["entityType"])],
        ..StoreDef::NEW
    },
    META_STORE,
    QUEUE_STORE,
    CONFLICTS_STORE,
    CHAINED_STORE,
];

// The stores unchanged since version 3.
const META_STORE: StoreDef = StoreDef { name: META, ..StoreDef::NEW };
const QUEUE_STORE: StoreDef = StoreDef {
    name: QUEUE,
    key_path: Some(&["id"]),
    auto_increment: true,
    indexes: &[(BY_ENTITY, &["entity", "entityId"]), (BY_STATUS, &["status"])],
    ..StoreDef::NEW
};
const CONFLICTS_STORE: StoreDef = StoreDef { name: CONFLICTS, key_path: Some(&["mutationId"]), ..StoreDef::NEW };
// Created at version 3 over a queue that may already hold several entries of one
// entity: every queued entity is marked (a "maybe"), so none is settled blind.
const CHAINED_STORE: StoreDef =
    StoreDef { name: CHAINED, seed_from: Some((QUEUE, &["entity", "entityId"])), ..StoreDef::NEW };
