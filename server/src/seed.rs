//! `--seed-demo`: a small catalogue for user `demo`, so the example app shows
//! something on first start. Written through the normal write path, so the rows
//! have versions, seqs and scopes like any other.

use crate::store::{Conn, RowWrite, StoreResult};
use serde_json::{json, Value};

pub const DEMO_USER: &str = "demo";
const SEED_CLIENT: &str = "seed";

const COURSES: &[(&str, &str, &str, &[&str])] = &[
    (
        "Rust Fundamentals",
        "Ownership, borrowing and the type system.",
        "beginner",
        &["Hello, Cargo", "Ownership", "Borrowing", "Enums and match"],
    ),
    (
        "WebAssembly in the Browser",
        "Compile Rust to Wasm and talk to JavaScript.",
        "intermediate",
        &["wasm-bindgen basics", "Calling JS from Rust", "Bundling"],
    ),
    (
        "IndexedDB Deep Dive",
        "Transactions, indexes and versioning.",
        "intermediate",
        &["Object stores", "Indexes", "Upgrades", "Quotas"],
    ),
    (
        "Offline-First Design",
        "Queues, sync and conflict resolution.",
        "advanced",
        &["Why offline-first", "Mutation queues", "Conflicts"],
    ),
    (
        "HTTP for App Developers",
        "Caching, retries and idempotency.",
        "beginner",
        &["Status codes", "Retries and backoff", "Idempotency keys"],
    ),
    (
        "Testing Async Code",
        "Deterministic tests for concurrent systems.",
        "advanced",
        &["Fakes and clocks", "Fault injection", "Property tests", "Flaky tests"],
    ),
];

/// Seeds the demo catalogue unless `demo` already has rows. Returns whether it did.
pub fn seed_demo(conn: &mut dyn Conn) -> StoreResult<bool> {
    if conn.user_has_rows(DEMO_USER)? {
        return Ok(false);
    }
    // The demo's catalogue is courses and their lessons: the seed's `course` scope.
    let scopes = offline_sync_core::scope::default_scopes();
    let mut tx = conn.transaction(DEMO_USER)?;
    let mut create = |entity_type: &str, id: &str, data: Value| {
        let w = RowWrite { entity_type, id, prev: None, data: Some(data), client_id: SEED_CLIENT, scopes: &scopes };
        tx.write_row(DEMO_USER, w)
    };
    for (i, (title, description, level, lessons)) in COURSES.iter().enumerate() {
        let course_id = format!("course-{}", i + 1);
        create(
            "course",
            &course_id,
            json!({"id": course_id, "title": title, "description": description, "level": level}),
        )?;
        for (j, lesson) in lessons.iter().enumerate() {
            let id = format!("lesson-{}-{}", i + 1, j + 1);
            create("lesson", &id, json!({"id": id, "courseId": course_id, "title": lesson, "position": j + 1}))?;
        }
    }
    tx.commit()?;
    Ok(true)
}
