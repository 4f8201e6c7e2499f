//! Property tests over the pure decoding, queue and scheduling code: whatever the
//! server sends and whatever order changes arrive in, nothing here panics, loses
//! order, or folds into a change that may already have reached the server.
//!
//! Case counts are bounded (see `config`) so `cargo test` stays fast in CI.

use offline_sync_core::backoff::{parse_retry_after, Backoff};
use offline_sync_core::config::{controller_options, engine_options, Raw};
use offline_sync_core::error::{classify_status, ErrorKind};
use offline_sync_core::merge;
use offline_sync_core::protocol::{
    ErrorBody, Mutation, MutationResult, Op, PullResponse, PushRequest, PushResponse, Scope,
};
use offline_sync_core::queue::{fold, sendable, EntryMeta, EntryState, Fold};
use offline_sync_core::schedule::{next_delay, LastSync};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashSet;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, max_shrink_iters: 256, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------- decoding

/// Arbitrary JSON, a few levels deep, with the protocol's field names mixed in
/// so that near-misses of the real shapes are generated often.
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("results".to_string()),
        Just("mutationId".to_string()),
        Just("status".to_string()),
        Just("entity".to_string()),
        Just("entityType".to_string()),
        Just("id".to_string()),
        Just("version".to_string()),
        Just("deleted".to_string()),
        Just("data".to_string()),
        Just("changes".to_string()),
        Just("cursor".to_string()),
        Just("hasMore".to_string()),
        Just("error".to_string()),
        "[a-z]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        prop_oneof![
            Just("applied".to_string()),
            Just("conflict".to_string()),
            Just("rejected".to_string()),
            Just("CREATE".to_string()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Valid answers of the server, to mutate byte by byte.
fn valid_bodies() -> Vec<Vec<u8>> {
    let entity = json!({"entityType": "course", "id": "c1", "version": 2, "deleted": false, "data": {"id": "c1"}});
    vec![
        serde_json::to_vec(&json!({"results": [
            {"mutationId": "m1", "status": "applied", "entity": entity},
            {"mutationId": "m2", "status": "rejected", "error": "entity not found"},
        ]}))
        .unwrap(),
        serde_json::to_vec(&json!({"changes": [entity], "cursor": "17", "hasMore": true})).unwrap(),
        serde_json::to_vec(&json!({"clientId": "c", "mutations": [
            {"mutationId": "m", "op": "UPDATE", "entityType": "course", "entityId": "c1", "baseVersion": 3,
             "data": {"title": "x"}}
        ]}))
        .unwrap(),
    ]
}

fn decode_all(bytes: &[u8]) {
    // Only "does not panic" is asserted; errors are the expected outcome.
    let _ = serde_json::from_slice::<PushResponse<Value>>(bytes);
    let _ = serde_json::from_slice::<PullResponse<Value>>(bytes);
    let _ = serde_json::from_slice::<PushRequest<Value>>(bytes);
    let _ = serde_json::from_slice::<Mutation<Value>>(bytes);
    let _ = serde_json::from_slice::<MutationResult<Value>>(bytes);
    let _ = serde_json::from_slice::<ErrorBody>(bytes);
    let _ = serde_json::from_slice::<Value>(bytes);
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn decoding_mutated_valid_bodies_never_panics(
        which in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = valid_bodies()[which].clone();
        for (at, byte, how) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => bytes.truncate(i),
                _ => bytes.insert(i, byte),
            }
        }
        decode_all(&bytes);
    }

    #[test]
    fn decoding_arbitrary_json_never_panics_and_round_trips(v in arb_json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        decode_all(&bytes);
        // Whatever decodes as a protocol answer encodes back to something that
        // decodes to the same value (no field silently changes meaning).
        if let Ok(p) = serde_json::from_value::<PushResponse<Value>>(v.clone()) {
            let again: PushResponse<Value> = serde_json::from_slice(&serde_json::to_vec(&p).unwrap()).unwrap();
            prop_assert_eq!(again, p);
        }
        if let Ok(p) = serde_json::from_value::<PullResponse<Value>>(v.clone()) {
            let again: PullResponse<Value> = serde_json::from_slice(&serde_json::to_vec(&p).unwrap()).unwrap();
            prop_assert_eq!(again, p);
        }
    }

    #[test]
    fn deeply_nested_input_is_an_error_not_a_stack_overflow(depth in 1usize..5000, open in "[\\[{]") {
        let mut s = String::new();
        for _ in 0..depth {
            s.push_str(if open == "[" { "[" } else { "{\"a\":" });
        }
        decode_all(s.as_bytes());
    }

    #[test]
    fn scope_keys_round_trip(id in ".{1,40}") {
        let s = Scope::course(&id);
        prop_assert_eq!(Scope::parse(&s.key()), Some(s));
    }

    #[test]
    fn op_parse_is_exact(s in ".{0,10}") {
        if let Some(op) = Op::parse(&s) {
            prop_assert_eq!(op.as_str(), s.as_str());
        }
    }
}

// ---------------------------------------------------------------- queue rules

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![Just(Op::Create), Just(Op::Update), Just(Op::Delete)]
}

fn arb_state() -> impl Strategy<Value = EntryState> {
    prop_oneof![3 => Just(EntryState::Pending), 1 => Just(EntryState::Failed)]
}

/// A queue over a handful of entities (so entities repeat), in seq order.
fn arb_queue() -> impl Strategy<Value = Vec<EntryMeta>> {
    prop::collection::vec((0u8..2, 0u8..4, arb_op(), arb_state(), 0u32..3, prop::option::of(1u64..5)), 0..40).prop_map(
        |rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (t, id, op, state, attempts, base_version))| EntryMeta {
                    seq: i as u64 + 1,
                    entity_type: ["course", "lesson"][t as usize].to_string(),
                    entity_id: format!("e{id}"),
                    op,
                    state,
                    attempts,
                    base_version,
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn sendable_keeps_order_respects_limit_and_failed_entries(q in arb_queue(), limit in 0usize..50) {
        let picked = sendable(&q, limit);
        prop_assert!(picked.len() <= limit, "more than the limit");
        prop_assert!(picked.windows(2).all(|w| w[0] < w[1]), "queue order kept: {:?}", picked);
        for &i in &picked {
            prop_assert!(i < q.len());
            prop_assert_eq!(q[i].state, EntryState::Pending, "only pending entries are sent");
            let blocked = q[..i].iter().any(|e| {
                e.state == EntryState::Failed && e.entity_type == q[i].entity_type && e.entity_id == q[i].entity_id
            });
            prop_assert!(!blocked, "entry {} is behind a failed entry of its entity", i);
        }
        // Nothing sendable is skipped before the last picked one (no gaps), and if
        // fewer than `limit` were picked, nothing sendable was left out at all.
        let eligible: Vec<usize> = (0..q.len())
            .filter(|&i| {
                q[i].state == EntryState::Pending
                    && !q[..i].iter().any(|e| {
                        e.state == EntryState::Failed
                            && e.entity_type == q[i].entity_type
                            && e.entity_id == q[i].entity_id
                    })
            })
            .collect();
        let expect: Vec<usize> = eligible.iter().copied().take(limit).collect();
        prop_assert_eq!(picked, expect);
    }

    #[test]
    fn sending_in_rounds_keeps_per_entity_order(q in arb_queue(), limit in 1usize..8) {
        // Send batch after batch, as the engine does, until nothing is sendable; each
        // entity's entries must leave in seq order, and a failed entry holds back
        // everything after it for its entity for good.
        let mut left = q.clone();
        let mut sent: Vec<EntryMeta> = Vec::new();
        loop {
            let picked = sendable(&left, limit);
            if picked.is_empty() {
                break;
            }
            let set: HashSet<usize> = picked.iter().copied().collect();
            sent.extend(picked.iter().map(|&i| left[i].clone()));
            left = left.into_iter().enumerate().filter(|(i, _)| !set.contains(i)).map(|(_, e)| e).collect();
        }
        let mut last_seq: std::collections::HashMap<(String, String), u64> = Default::default();
        for e in &sent {
            let k = (e.entity_type.clone(), e.entity_id.clone());
            let prev = last_seq.insert(k, e.seq).unwrap_or(0);
            prop_assert!(prev < e.seq, "entity order broken");
        }
        for e in &left {
            if e.state == EntryState::Pending {
                prop_assert!(
                    q.iter().any(|f| f.state == EntryState::Failed
                        && f.seq < e.seq
                        && f.entity_type == e.entity_type
                        && f.entity_id == e.entity_id),
                    "pending entry {} left unsent without a failed entry before it", e.seq
                );
            }
        }
    }

    #[test]
    fn fold_only_into_an_unsent_pending_tail_of_the_same_entity(
        q in arb_queue(),
        t in 0u8..2,
        id in 0u8..4,
        op in arb_op(),
    ) {
        let et = ["course", "lesson"][t as usize];
        let eid = format!("e{id}");
        let tail = q.last();
        let d = fold(tail, et, &eid, op);
        if d != Fold::Append {
            let t = tail.expect("a fold needs a tail");
            prop_assert_eq!(t.attempts, 0, "folded into an entry that may have reached the server");
            prop_assert_eq!(t.state, EntryState::Pending, "folded into a failed entry");
            prop_assert_eq!(t.entity_type.as_str(), et);
            prop_assert_eq!(t.entity_id.as_str(), eid.as_str());
            prop_assert!(t.op != Op::Delete, "a delete is never folded into");
        }
        if let Fold::DropTail = d {
            let t = tail.unwrap();
            prop_assert_eq!(t.op, Op::Create);
            prop_assert_eq!(t.base_version, None, "only a create the server never saw is dropped");
            prop_assert_eq!(op, Op::Delete);
        }
    }

    #[test]
    fn folding_is_equivalent_to_sending_both(
        base in prop::option::of(prop::collection::btree_map("[a-c]", 0i32..5, 0..3)),
        first in (arb_op(), prop::collection::btree_map("[a-c]", 0i32..5, 0..3)),
        second in (arb_op(), prop::collection::btree_map("[a-c]", 0i32..5, 0..3)),
    ) {
        // What the server holds after applying tail then new, versus the folded entry.
        let obj = |m: &std::collections::BTreeMap<String, i32>| {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
        };
        let current = base.as_ref().map(obj);
        let (op1, d1) = (first.0, obj(&first.1));
        let (op2, d2) = (second.0, obj(&second.1));
        let tail = EntryMeta {
            seq: 1,
            entity_type: "course".into(),
            entity_id: "x".into(),
            op: op1,
            state: EntryState::Pending,
            attempts: 0,
            base_version: current.as_ref().map(|_| 1),
        };
        let apply = |op, cur: Option<&Value>, data: &Value| -> Option<Option<Value>> {
            let data = if op == Op::Delete { None } else { Some(data) };
            merge::apply(op, cur, data).ok()
        };
        let Some(after1) = apply(op1, current.as_ref(), &d1) else { return Ok(()) };
        let Some(both) = apply(op2, after1.as_ref(), &d2) else { return Ok(()) };
        match fold(Some(&tail), "course", "x", op2) {
            Fold::Append => {}
            Fold::Replace { op } => {
                let folded = apply(op, current.as_ref(), &d2);
                prop_assert_eq!(folded, Some(both));
            }
            Fold::MergeIntoTail { op } => {
                let mut merged = d1.as_object().unwrap().clone();
                merge::merge_into(&mut merged, d2.as_object().unwrap());
                let folded = apply(op, current.as_ref(), &Value::Object(merged));
                prop_assert_eq!(folded, Some(both));
            }
            Fold::DropTail => {
                // The server never saw the entity; sending nothing leaves it absent.
                prop_assert!(current.is_none());
                prop_assert_eq!(both, None);
            }
        }
    }
}

// ---------------------------------------------------------------- backoff and schedule

fn arb_backoff() -> impl Strategy<Value = Backoff> {
    (1u64..100_000, 0u64..1_000_000, 0u32..20).prop_map(|(base, extra, max_attempts)| Backoff {
        base_ms: base,
        cap_ms: base + extra,
        max_attempts,
    })
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn backoff_is_capped_and_grows(b in arb_backoff(), attempt in 0u32..200, unit in any::<f64>()) {
        let c = b.ceiling(attempt);
        prop_assert!(c <= b.cap_ms);
        prop_assert!(c >= b.base_ms.min(b.cap_ms));
        prop_assert!(b.ceiling(attempt + 1) >= c, "ceilings never shrink");
        let d = b.delay(attempt, unit, None);
        prop_assert!(d <= c, "full jitter stays under the ceiling");
    }

    #[test]
    fn full_jitter_spans_the_whole_range(b in arb_backoff(), attempt in 1u32..40) {
        prop_assert_eq!(b.delay(attempt, 0.0, None), 0);
        let top = b.delay(attempt, 0.999_999, None);
        prop_assert!(top + 1 + b.ceiling(attempt) / 1000 >= b.ceiling(attempt));
    }

    #[test]
    fn retry_after_is_a_floor(b in arb_backoff(), attempt in 0u32..50, unit in 0.0f64..1.0, ra in 0u64..10_000_000) {
        let d = b.delay(attempt, unit, Some(ra));
        prop_assert!(d >= ra, "Retry-After honoured");
        prop_assert!(d <= ra.max(b.ceiling(attempt)));
    }

    #[test]
    fn next_delay_bounds(
        intervals in prop::collection::vec(0u32..200_000, 0..4),
        failures in 0u32..40,
        ra in prop::option::of(0u64..1_000_000),
        b in arb_backoff(),
        unit in any::<f64>(),
    ) {
        let last = LastSync { failures, retry_after_ms: ra };
        let d = next_delay(&intervals, last, &b, unit);
        let min_interval = intervals.iter().copied().filter(|&i| i > 0).min();
        match min_interval {
            None => prop_assert_eq!(d, None, "no active interval, nothing scheduled"),
            Some(iv) => {
                let d = d.expect("an active interval schedules");
                let iv = iv as u64;
                if failures == 0 {
                    prop_assert_eq!(d, iv);
                } else if let Some(ra) = ra {
                    prop_assert!(d >= ra, "never sooner than Retry-After");
                    prop_assert!(d <= ra.max(b.ceiling(failures)).max(250));
                } else {
                    prop_assert!(d <= iv, "backoff never waits longer than the interval");
                    prop_assert!(d >= iv.min(250), "never a busy loop");
                    prop_assert!(d <= b.ceiling(failures).max(250));
                }
            }
        }
    }

    #[test]
    fn parse_retry_after_never_panics(s in ".{0,30}", now in any::<f64>(), date in prop::option::of(any::<f64>())) {
        let r = parse_retry_after(&s, now, |_| date);
        if let Ok(secs) = s.trim().parse::<u64>() {
            prop_assert_eq!(r, Some(secs.saturating_mul(1000)));
        }
    }

    #[test]
    fn every_status_is_classified(status in 100u16..1000) {
        let k = classify_status(status);
        match status {
            401 => prop_assert_eq!(k, ErrorKind::Auth),
            408 | 425 | 429 => prop_assert!(k.is_retryable()),
            400..=499 => prop_assert_eq!(k, ErrorKind::Permanent),
            500..=599 => prop_assert!(k.is_retryable(), "5xx is retried"),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- options

fn arb_raw() -> impl Strategy<Value = Raw> {
    prop_oneof![
        Just(Raw::Undefined),
        Just(Raw::Null),
        any::<bool>().prop_map(Raw::Bool),
        any::<f64>().prop_map(Raw::Number),
        (-10.0f64..1e9).prop_map(Raw::Number),
        ".{0,8}".prop_map(Raw::String),
        Just(Raw::Function),
        Just(Raw::Object),
        Just(Raw::Other("symbol")),
        Just(Raw::Other("bigint")),
        Just(Raw::Other("array")),
    ]
}

const ENGINE_OPTIONS: &[&str] = &[
    "apiBaseUrl",
    "namespace",
    "getAuthToken",
    "requestTimeoutMs",
    "pullPageSize",
    "maxPayloadBytes",
    "retryBaseMs",
    "retryMaxMs",
    "maxAttempts",
];
const CONTROLLER_OPTIONS: &[&str] =
    &["autoSyncInterval", "syncOnOnline", "syncOnVisibility", "syncOnMount", "onSyncStart", "onSyncComplete"];

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn bad_options_name_the_option(values in prop::collection::vec(arb_raw(), 9)) {
        let src = |name: &str| {
            ENGINE_OPTIONS.iter().position(|n| *n == name).map(|i| values[i].clone()).unwrap_or(Raw::Undefined)
        };
        match engine_options(&src) {
            Ok(o) => {
                prop_assert!(o.request_timeout_ms >= 1);
                prop_assert!(o.backoff.base_ms <= o.backoff.cap_ms);
                prop_assert!(!o.namespace.trim().is_empty());
            }
            Err(e) => {
                prop_assert!(ENGINE_OPTIONS.contains(&e.option.as_str()), "unknown option {}", e.option);
                let named = format!("`{}`", e.option);
                prop_assert!(e.to_string().contains(&named), "{}", e);
            }
        }
        let src = |name: &str| {
            CONTROLLER_OPTIONS.iter().position(|n| *n == name).map(|i| values[i].clone()).unwrap_or(Raw::Undefined)
        };
        if let Err(e) = controller_options(&src) {
            prop_assert!(CONTROLLER_OPTIONS.contains(&e.option.as_str()), "unknown option {}", e.option);
        }
    }
}
