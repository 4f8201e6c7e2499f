//! The pure core of offline-sync: everything that decides, nothing that does I/O.
//!
//! The browser crate and the reference server both build on these modules, so the
//! wire format and the rules cannot drift between them, and every rule here is
//! unit-tested natively in milliseconds.

pub mod backoff;
pub mod batching;
pub mod config;
pub mod error;
pub mod id;
pub mod indexes;
pub mod keyed;
pub mod merge;
pub mod message;
pub mod protocol;
pub mod queue;
pub mod rest;
pub mod schedule;
pub mod scope;
pub mod status;
