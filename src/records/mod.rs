//! The shapes of the records the store keeps and the transports read or answer,
//! with every field name, in one place: a queue entry (`queue`), an entity record
//! and a change from the server (`entity`), a conflict record (`conflict`), the
//! namespace's small facts (`meta`), and what a transport answers about a push or
//! a complete list (`answer`). Records stay JS objects end to end (a serde
//! round trip per record costs wasm size and main-thread time, docs/performance.md);
//! these are typed views over them, with accessors.
//!
//! Below the store and the transports, which both use it and never each other's
//! internals (docs/ARCHITECTURE.md, checked by tests/layers.rs).

pub mod answer;
pub mod conflict;
pub mod entity;
pub mod meta;
pub mod queue;
