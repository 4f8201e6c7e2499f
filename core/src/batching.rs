//! Splitting a push into requests within the protocol's limits: at most
//! `MAX_PUSH_BATCH` mutations and `MAX_PUSH_BYTES` bytes of body each, which
//! every server accepts (PROTOCOL.md §3.4). Mutations keep their order.

use std::ops::Range;

/// Splits mutations whose JSON takes `sizes` bytes each into runs, in order,
/// each sent as one request: at most `max_count` mutations and, with
/// `envelope` bytes around them and a comma between two, at most `max_bytes`.
/// Runs are as long as the limits allow. A mutation too large to fit even
/// alone is a run of its own, which the caller refuses instead of sending.
pub fn split_batch(sizes: &[usize], envelope: usize, max_bytes: usize, max_count: usize) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, envelope);
    for (i, &size) in sizes.iter().enumerate() {
        let comma = usize::from(i > start);
        let fits = i - start < max_count && bytes + comma + size <= max_bytes;
        if i > start && !fits {
            runs.push(start..i);
            start = i;
            bytes = envelope + size;
        } else {
            bytes += comma + size;
        }
    }
    if start < sizes.len() {
        runs.push(start..sizes.len());
    }
    runs
}

/// Bytes of the body that sends the mutations of `run` (see [`split_batch`]).
pub fn body_bytes(sizes: &[usize], envelope: usize, run: Range<usize>) -> usize {
    let n = run.len();
    envelope + sizes[run].iter().sum::<usize>() + n.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(split_batch(&[], 10, 100, 3), Vec::<Range<usize>>::new());
        // 10 + 40 + 1 + 40 = 91 fits; a third would not.
        assert_eq!(split_batch(&[40, 40, 40], 10, 100, 5), [0..2, 2..3]);
        assert_eq!(split_batch(&[1, 1, 1, 1, 1], 10, 100, 2), [0..2, 2..4, 4..5]);
        // Too large alone: a run of its own, the others around it unharmed.
        assert_eq!(split_batch(&[10, 500, 10], 10, 100, 5), [0..1, 1..2, 2..3]);
        assert_eq!(body_bytes(&[40, 40, 40], 10, 0..2), 91);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn runs_cover_in_order_within_limits_and_greedy(
            sizes in prop::collection::vec(0usize..400, 0..60),
            envelope in 0usize..50,
            max_bytes in 50usize..1000,
            max_count in 1usize..10,
        ) {
            let runs = split_batch(&sizes, envelope, max_bytes, max_count);
            let mut next = 0;
            for (k, r) in runs.iter().enumerate() {
                prop_assert_eq!(r.start, next);
                prop_assert!(!r.is_empty() && r.len() <= max_count);
                prop_assert!(r.len() == 1 || body_bytes(&sizes, envelope, r.clone()) <= max_bytes);
                // Greedy: the next mutation would not have fitted.
                if k + 1 < runs.len() {
                    let longer = r.start..r.end + 1;
                    prop_assert!(longer.len() > max_count || body_bytes(&sizes, envelope, longer) > max_bytes);
                }
                next = r.end;
            }
            prop_assert_eq!(next, sizes.len());
        }
    }
}
