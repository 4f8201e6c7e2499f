//! The sync status every tab shows, as a state machine: events in, a new snapshot
//! out, and a flag saying whether anything visible changed (so subscribers are
//! told, and React re-renders, only then).

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Status {
    pub is_running: bool,
    /// Milliseconds since the epoch.
    pub last_sync_at: Option<f64>,
    pub next_sync_at: Option<f64>,
    pub error: Option<String>,
    /// Syncs performed (finished, whether they succeeded or not).
    pub sync_count: u64,
    pub pending_count: u32,
    pub failed_count: u32,
    pub is_online: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Started,
    Finished { at: f64, error: Option<String>, pending: u32, failed: u32 },
    Scheduled(Option<f64>),
    Online(bool),
    Counts { pending: u32, failed: u32 },
}

impl Status {
    pub fn new(is_online: bool) -> Self {
        Status { is_online, ..Default::default() }
    }

    /// Applies `ev`; returns whether the snapshot changed.
    pub fn apply(&mut self, ev: Event) -> bool {
        let before = self.clone();
        match ev {
            Event::Started => self.is_running = true,
            Event::Finished { at, error, pending, failed } => {
                self.is_running = false;
                self.sync_count += 1;
                if error.is_none() {
                    self.last_sync_at = Some(at);
                }
                self.error = error;
                self.pending_count = pending;
                self.failed_count = failed;
            }
            Event::Scheduled(at) => self.next_sync_at = at,
            Event::Online(on) => self.is_online = on,
            Event::Counts { pending, failed } => {
                self.pending_count = pending;
                self.failed_count = failed;
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
        assert!(s.apply(Event::Finished { at: 5.0, error: Some("down".into()), pending: 2, failed: 0 }));
        assert_eq!(s.error.as_deref(), Some("down"));
        assert_eq!(s.last_sync_at, None, "a failed sync is not a last sync");
        assert_eq!(s.sync_count, 1);
        s.apply(Event::Started);
        s.apply(Event::Finished { at: 9.0, error: None, pending: 0, failed: 0 });
        assert_eq!(s.error, None, "a good sync clears the error");
        assert_eq!(s.last_sync_at, Some(9.0));
        assert_eq!(s.sync_count, 2);
        assert!(!s.is_running);
        assert!(s.apply(Event::Scheduled(Some(100.0))));
        assert!(!s.apply(Event::Scheduled(Some(100.0))));
        assert!(s.apply(Event::Online(false)));
        assert!(s.apply(Event::Counts { pending: 3, failed: 1 }));
    }
}
