//! The sync status every tab shows, as a state machine: events in, a new snapshot
//! out, and a flag saying whether anything visible changed (so subscribers are
//! told, and React re-renders, only then).

use crate::error::{ErrorKind, SyncError};
use crate::message::for_person;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Status {
    pub is_running: bool,
    /// Milliseconds since the epoch.
    pub last_sync_at: Option<f64>,
    pub next_sync_at: Option<f64>,
    /// The last sync's failure, in words for a person (see `message`); the
    /// developer's words stay in the `SyncResult`.
    pub error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    /// False when the last sync could not reach the server although the device
    /// said it was online: the server, or the way to it, is down.
    pub server_reachable: bool,
    /// Syncs performed (finished, whether they succeeded or not).
    pub sync_count: u64,
    pub pending_count: u32,
    pub failed_count: u32,
    /// Conflicts held for the app to resolve (policy `manual`, or a merge that failed).
    pub conflict_count: u32,
    pub is_online: bool,
    /// How far a long pull has come; `None` when nothing long runs.
    pub progress: Option<Progress>,
}

/// What a long sync or download has done so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub phase: Phase,
    pub loaded: u32,
    /// What `loaded` counts towards, when the server said; never guessed.
    pub total: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    Push,
    Pull,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Push => "push",
            Phase::Pull => "pull",
        }
    }

    /// The phase of a name from `name` (another context's progress message).
    pub fn from_name(name: &str) -> Option<Phase> {
        [Phase::Push, Phase::Pull].into_iter().find(|p| p.name() == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Started,
    Finished {
        at: f64,
        error: Option<SyncError>,
        pending: u32,
        failed: u32,
    },
    Scheduled(Option<f64>),
    Online(bool),
    Counts {
        pending: u32,
        failed: u32,
    },
    /// Conflicts waiting for the app, as counted in the store.
    Conflicts(u32),
    /// The last good sync an earlier visit (or another context) stored.
    Restored {
        last_sync_at: f64,
    },
    /// A long pull went on (`Some`) or ended (`None`).
    Progress(Option<Progress>),
}

impl Status {
    pub fn new(is_online: bool) -> Self {
        Status { is_online, server_reachable: true, ..Default::default() }
    }

    /// Applies `ev`; returns whether the snapshot changed.
    pub fn apply(&mut self, ev: Event) -> bool {
        let before = self.clone();
        match ev {
            Event::Started => self.is_running = true,
            Event::Finished { at, error, pending, failed } => {
                self.is_running = false;
                self.progress = None;
                self.sync_count += 1;
                if error.is_none() {
                    self.last_sync_at = Some(at);
                }
                self.server_reachable = !matches!(&error, Some(e) if e.kind == ErrorKind::Network && self.is_online);
                self.error = error.as_ref().map(|e| for_person(e, self.is_online));
                self.error_kind = error.map(|e| e.kind);
                self.pending_count = pending;
                self.failed_count = failed;
            }
            Event::Scheduled(at) => self.next_sync_at = at,
            Event::Online(on) => self.is_online = on,
            Event::Counts { pending, failed } => {
                self.pending_count = pending;
                self.failed_count = failed;
            }
            Event::Conflicts(n) => self.conflict_count = n,
            Event::Progress(p) => self.progress = p,
            Event::Restored { last_sync_at } => {
                if self.last_sync_at.is_none_or(|t| t < last_sync_at) {
                    self.last_sync_at = Some(last_sync_at);
                }
            }
        }
        *self != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        let mut s = Status::new(true);
        assert!(s.apply(Event::Started));
        assert!(!s.apply(Event::Started), "no change, no notification");
        let down = SyncError::new(ErrorKind::Transient, "GET http://x/sync/pull answered 503: down");
        assert!(s.apply(Event::Finished { at: 5.0, error: Some(down.with_status(Some(503))), pending: 2, failed: 0 }));
        assert_eq!(s.error.as_deref(), Some("The server had a problem (HTTP 503). Your changes are kept on this device and will be sent on the next try."));
        assert_eq!(s.error_kind, Some(ErrorKind::Transient));
        assert!(s.server_reachable, "the server answered");
        assert_eq!(s.last_sync_at, None, "a failed sync is not a last sync");
        assert_eq!(s.sync_count, 1);
        s.apply(Event::Started);
        s.apply(Event::Finished { at: 9.0, error: None, pending: 0, failed: 0 });
        assert_eq!(s.error, None, "a good sync clears the error");
        assert_eq!(s.error_kind, None);
        assert_eq!(s.last_sync_at, Some(9.0));
        assert_eq!(s.sync_count, 2);
        assert!(!s.is_running);
        assert!(s.apply(Event::Scheduled(Some(100.0))));
        assert!(!s.apply(Event::Scheduled(Some(100.0))));
        assert!(s.apply(Event::Online(false)));
        assert!(s.apply(Event::Counts { pending: 3, failed: 1 }));
        assert!(s.apply(Event::Conflicts(2)));
        assert_eq!(s.conflict_count, 2);
        assert!(!s.apply(Event::Conflicts(2)), "the same count, no notification");
    }

    #[test]
    fn unreachable_server_is_not_offline() {
        let net = || Some(SyncError::new(ErrorKind::Network, "GET http://x failed: network error (Failed to fetch)"));
        let mut s = Status::new(true);
        s.apply(Event::Finished { at: 1.0, error: net(), pending: 0, failed: 0 });
        assert!(!s.server_reachable && s.is_online);
        assert_eq!(s.error_kind, Some(ErrorKind::Network));
        assert!(s.error.as_deref().is_some_and(|m| m.starts_with("Cannot reach the server")));
        s.apply(Event::Finished { at: 2.0, error: None, pending: 0, failed: 0 });
        assert!(s.server_reachable, "reached again");
        s.apply(Event::Online(false));
        s.apply(Event::Finished { at: 3.0, error: net(), pending: 0, failed: 0 });
        assert!(s.server_reachable, "offline says nothing about the server");
        assert!(s.error.as_deref().is_some_and(|m| m.starts_with("This device is offline")));
    }

    #[test]
    fn restored_last_sync_never_goes_back() {
        let mut s = Status::new(true);
        assert!(s.apply(Event::Restored { last_sync_at: 7.0 }));
        assert_eq!(s.last_sync_at, Some(7.0));
        s.apply(Event::Finished { at: 9.0, error: None, pending: 0, failed: 0 });
        assert!(!s.apply(Event::Restored { last_sync_at: 7.0 }), "an older stored time changes nothing");
        assert_eq!(s.last_sync_at, Some(9.0));
    }

    #[test]
    fn a_phase_is_read_back_from_its_name() {
        for p in [Phase::Push, Phase::Pull] {
            assert_eq!(Phase::from_name(p.name()), Some(p));
        }
        assert_eq!(Phase::from_name("sync"), None);
    }

    #[test]
    fn progress_shows_while_a_long_pull_runs() {
        let mut s = Status::new(true);
        let p = Progress { phase: Phase::Pull, loaded: 500, total: Some(5001) };
        assert!(s.apply(Event::Progress(Some(p))));
        assert_eq!(s.progress, Some(p));
        s.apply(Event::Finished { at: 1.0, error: None, pending: 0, failed: 0 });
        assert_eq!(s.progress, None, "a finished sync runs nothing long");
        s.apply(Event::Progress(Some(p)));
        assert!(s.apply(Event::Progress(None)));
    }
}
