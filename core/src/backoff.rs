//! Retry delays: exponential backoff with full jitter (AWS architecture blog,
//! "Exponential Backoff And Jitter"), capped, with the server's `Retry-After`
//! taking precedence when it asks for longer.

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
    /// Attempts of one entry before it is set aside as failed; 0 = never.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base_ms: 1_000, cap_ms: 5 * 60_000, max_attempts: 10 }
    }
}

impl Backoff {
    /// Upper bound of the wait before retry number `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> u64 {
        let shift = attempt.saturating_sub(1).min(32);
        self.base_ms.saturating_mul(1u64 << shift).min(self.cap_ms)
    }

    /// The wait before retry `attempt`, for a uniform `unit` in [0, 1).
    pub fn delay(&self, attempt: u32, unit: f64, retry_after_ms: Option<u64>) -> u64 {
        let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 0.0 };
        let jittered = (self.ceiling(attempt) as f64 * unit) as u64;
        match retry_after_ms {
            Some(ra) => jittered.max(ra.min(self.cap_ms.max(ra))),
            None => jittered,
        }
    }

    pub fn exhausted(&self, attempts: u32) -> bool {
        self.max_attempts != 0 && attempts >= self.max_attempts
    }
}

/// Parses a `Retry-After` header: delta-seconds, or an HTTP date relative to `now_ms`.
pub fn parse_retry_after(value: &str, now_ms: f64, parse_date: impl Fn(&str) -> Option<f64>) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let at = parse_date(v)?;
    Some(if at > now_ms { (at - now_ms) as u64 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grows_then_caps() {
        let b = Backoff { base_ms: 100, cap_ms: 1000, max_attempts: 5 };
        assert_eq!(b.ceiling(1), 100);
        assert_eq!(b.ceiling(2), 200);
        assert_eq!(b.ceiling(4), 800);
        assert_eq!(b.ceiling(5), 1000);
        assert_eq!(b.ceiling(200), 1000);
        assert!(b.exhausted(5));
        assert!(!b.exhausted(4));
        assert!(!Backoff { max_attempts: 0, ..b }.exhausted(1000));
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let b = Backoff { base_ms: 100, cap_ms: 1000, max_attempts: 5 };
        assert_eq!(b.delay(1, 0.5, Some(3000)), 3000);
        assert_eq!(b.delay(1, 0.5, None), 50);
        assert_eq!(parse_retry_after("7", 0.0, |_| None), Some(7000));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1000.0, |_| Some(4000.0)), Some(3000));
        assert_eq!(parse_retry_after("soon", 0.0, |_| None), None);
    }

    proptest! {
        #[test]
        fn delay_within_ceiling(attempt in 0u32..100, unit in proptest::num::f64::ANY) {
            let b = Backoff::default();
            prop_assert!(b.delay(attempt, unit, None) <= b.ceiling(attempt));
        }
    }
}
