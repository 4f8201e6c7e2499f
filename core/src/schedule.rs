//! When the next automatic sync runs: the shortest interval any active controller
//! asked for, or sooner after a failed sync (backoff), never sooner than the server
//! asked with `Retry-After`.

use crate::backoff::Backoff;

/// What the scheduler knows after the last sync.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct LastSync {
    /// Consecutive failed syncs that are worth retrying (0 after a success).
    pub failures: u32,
    /// Milliseconds the server asked us to wait, if it did.
    pub retry_after_ms: Option<u64>,
}

/// Milliseconds until the next automatic sync, or `None` for no automatic sync.
/// `intervals` are the auto-sync intervals of active controllers (0 = off);
/// `unit` is uniform in [0, 1) for the jitter.
pub fn next_delay(intervals: &[u32], last: LastSync, backoff: &Backoff, unit: f64) -> Option<u64> {
    let interval = intervals.iter().copied().filter(|&i| i > 0).min()? as u64;
    if last.failures == 0 {
        return Some(interval);
    }
    let retry = backoff.delay(last.failures, unit, last.retry_after_ms).max(250);
    // Backoff shortens the wait after a failure, but a Retry-After is honoured
    // even when it is longer than the interval.
    Some(match last.retry_after_ms {
        Some(ra) => retry.max(ra),
        None => retry.min(interval),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff { base_ms: 1000, cap_ms: 60_000, max_attempts: 5 };

    #[test]
    fn shortest_active_interval_wins() {
        assert_eq!(next_delay(&[60_000, 5_000, 0], LastSync::default(), &B, 0.5), Some(5_000));
        assert_eq!(next_delay(&[0, 0], LastSync::default(), &B, 0.5), None);
        assert_eq!(next_delay(&[], LastSync::default(), &B, 0.5), None);
    }

    #[test]
    fn failures_back_off_within_the_interval() {
        let l = |failures| LastSync { failures, retry_after_ms: None };
        assert_eq!(next_delay(&[60_000], l(1), &B, 0.99), Some(990));
        assert_eq!(next_delay(&[60_000], l(3), &B, 0.5), Some(2_000));
        assert_eq!(next_delay(&[3_000], l(10), &B, 0.99), Some(3_000), "never later than the interval");
        assert_eq!(next_delay(&[60_000], l(1), &B, 0.0), Some(250), "never a busy loop");
    }

    #[test]
    fn retry_after_is_honoured() {
        let l = LastSync { failures: 1, retry_after_ms: Some(120_000) };
        assert_eq!(next_delay(&[60_000], l, &B, 0.1), Some(120_000));
    }
}
