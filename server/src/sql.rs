//! SQL both stores (`sqlite`, `postgres`) write alike: the tables and indexes
//! whose definitions read the same in both dialects, and the entity columns
//! every row query selects. One text, so the two schemas cannot drift apart.

/// The columns of an entity row, in the order each store's `row_from_sql` reads them.
pub const ROW_COLUMNS: &str = "entity_type, id, version, deleted, data, seq, created_seq, modified_by_client, scope";

/// The tables that hold a user's data: wiping the user empties them.
pub const USER_TABLES: [&str; 3] = ["entities", "mutation_log", "rest_idempotency"];

/// Run after each store's own schema, which creates `entities`. BIGINT is
/// 64 bits in PostgreSQL and, in SQLite, INTEGER (the same affinity).
pub const SHARED_SCHEMA: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS entities_by_seq ON entities (user_id, seq);
CREATE INDEX IF NOT EXISTS entities_by_scope ON entities (user_id, scope, seq);
CREATE INDEX IF NOT EXISTS entities_by_created ON entities (user_id, entity_type, created_seq);

-- Result of every mutation id a user has sent, so a retried push is answered
-- from here instead of being applied twice.
CREATE TABLE IF NOT EXISTS mutation_log (
    user_id     TEXT   NOT NULL,
    mutation_id TEXT   NOT NULL,
    result      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, mutation_id)
);

-- Recorded answers of REST writes sent with an Idempotency-Key.
CREATE TABLE IF NOT EXISTS rest_idempotency (
    user_id    TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    method     TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    etag       TEXT,
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, key)
);
";
