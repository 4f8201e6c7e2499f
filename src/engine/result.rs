//! What a sync reports back.

use crate::failure::SyncError;

/// What a sync does: everything, or only send the queue (the push at once after a
/// local change, which leaves pulls to the interval).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum SyncKind {
    #[default]
    Full,
    Push,
}

#[derive(Clone, Debug, Default)]
pub struct SyncResult {
    pub kind: SyncKind,
    pub success: bool,
    pub error: Option<SyncError>,
    /// Queued changes the server applied.
    pub pushed: u32,
    /// Server changes written to the local store.
    pub pulled: u32,
    /// Queued changes settled one way or another (applied, conflicted or set aside).
    pub processed: u32,
    /// Queued changes set aside as failed during this sync.
    pub failed: u32,
    /// Local changes the server refused as stale (server wins; see `conflicts()`).
    pub conflicts: u32,
    pub duration_ms: f64,
}
