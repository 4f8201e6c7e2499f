//! A seeded chaos run: three clients of one user make a few hundred changes over
//! several sync rounds while the reference server injects random faults (5xx,
//! timeouts, lost acknowledgements, truncated answers, 429 with Retry-After,
//! expired tokens) and some changes are refused for good. At the end the server
//! must hold exactly what a model of the changes says (nothing lost), every
//! mutation id must have been applied once (nothing duplicated), and every
//! client must read what the server holds.
//!
//! The seed is printed; rerun one with `CHAOS_SEED=<n>` at compile time, e.g.
//! `CHAOS_SEED=42 SYNC_SERVER_URL=... wasm-pack test --headless --chrome --test chaos`.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::SyncEngine;
use std::collections::{BTreeMap, BTreeSet};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Picked because its run hits every kind of fault.
const DEFAULT_SEED: u64 = 1;
const ROUNDS: u32 = 12;
const CLIENTS: usize = 3;
/// Share of syncs that run with a fault armed.
const FAULT_RATE: f64 = 0.45;
/// Share of changes the server will refuse (UPDATE of an entity that never existed).
const REJECT_RATE: f64 = 0.03;
const TIMEOUT_MS: f64 = 400.0;

fn seed() -> u64 {
    let s = option_env!("CHAOS_SEED").unwrap_or("");
    let s = s.trim();
    if s.is_empty() {
        return DEFAULT_SEED;
    }
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .unwrap_or_else(|_| panic!("CHAOS_SEED must be a number, got {s:?}"))
}

/// An entity's data as the model holds it: field → JSON literal.
type Data = BTreeMap<String, String>;

fn to_json(d: &Data) -> String {
    let fields: Vec<String> = d.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", fields.join(","))
}

struct Client {
    name: char,
    engine: SyncEngine,
    /// What this client's changes should leave on the server, by `type/id`.
    model: BTreeMap<String, Option<Data>>,
    ghosts: BTreeSet<String>,
    ids: BTreeSet<String>,
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// One random change by `c`, reflected in its model. Returns whether it was a
/// change the server will refuse.
async fn random_change(c: &mut Client, rng: &mut Rng, k: u64) -> bool {
    if rng.chance(REJECT_RATE) {
        let id = format!("{}-ghost-{k}", c.name);
        let mid = ok(c.engine.queue_mutation(v("UPDATE"), v("course"), v(&id), json(&format!(r#"{{"u{k}":{k}}}"#))));
        let mid = mid.await.as_string().unwrap();
        c.ghosts.insert(mid.clone());
        c.ids.insert(mid);
        return true;
    }
    let et = *rng.pick(&["course", "lesson"]);
    let id = format!("{}-{et}-{}", c.name, rng.below(20));
    let key = format!("{et}/{id}");
    let live = matches!(c.model.get(&key), Some(Some(_)));
    let roll = rng.below(100);
    let mid = if live && roll < 55 {
        // UPDATE: a field of its own, so a lost update shows in the final state.
        let field = format!("u{k}");
        let p = ok(c.engine.queue_mutation(v("UPDATE"), v(et), v(&id), json(&format!(r#"{{"{field}":{k}}}"#))));
        let mid = p.await;
        if let Some(Some(d)) = c.model.get_mut(&key) {
            d.insert(field, k.to_string());
        }
        mid
    } else if live && roll < 80 {
        let mid = ok(c.engine.remove(v(et), v(&id))).await;
        c.model.insert(key, None);
        mid
    } else {
        // CREATE (or replace): the whole object.
        let mid = ok(c.engine.put(v(et), v(&id), json(&format!(r#"{{"gen":{k},"by":"{}"}}"#, c.name)))).await;
        let mut d = Data::new();
        d.insert("id".into(), format!("\"{id}\""));
        d.insert("gen".into(), k.to_string());
        d.insert("by".into(), format!("\"{}\"", c.name));
        c.model.insert(key, Some(d));
        mid
    };
    c.ids.insert(mid.as_string().unwrap());
    false
}

/// Arms one random fault for the next sync; returns its name.
async fn arm_fault(user: &str, rng: &mut Rng) -> &'static str {
    let (name, spec) = match rng.below(6) {
        0 => {
            let status = rng.pick(&[500, 502, 503, 504]);
            let path = rng.pick(&["push", "pull", "any"]);
            let count = 1 + rng.below(2);
            ("5xx", format!(r#"{{"failNext": {{"count": {count}, "status": {status}, "path": "{path}"}}}}"#))
        }
        1 => ("timeout", format!(r#"{{"delayMs": {}}}"#, TIMEOUT_MS as u32 * 3)),
        2 => ("lost-ack", r#"{"dropAfterApply": 1}"#.to_string()),
        3 => ("malformed", r#"{"malformedNext": 1}"#.to_string()),
        4 => ("429", r#"{"retryAfter": {"count": 1, "seconds": 1}}"#.to_string()),
        _ => ("401", r#"{"expireTokenOnce": true}"#.to_string()),
    };
    faults(user, &spec).await;
    name
}

/// What a client reads locally, in the same shape.
async fn local_state(e: &SyncEngine) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for et in ["course", "lesson"] {
        for d in js_sys::Array::from(&ok(e.list(v(et))).await).iter() {
            out.insert(format!("{et}/{}", s(&d, "id").unwrap()), canon(&d));
        }
    }
    out
}

#[wasm_bindgen_test]
async fn chaos_nothing_lost_nothing_applied_twice() {
    let seed = seed();
    console_log!("chaos: seed={seed} (set CHAOS_SEED at compile time to replay another)");
    let mut rng = Rng(seed);
    let user = unique("chaos");
    let started = js_sys::Date::now();
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|i| {
            let name = (b'a' + i as u8) as char;
            // maxAttempts left at its default: entries that used it up are counted
            // and retried at the end like an app would.
            let extra = [("requestTimeoutMs", JsValue::from_f64(TIMEOUT_MS))];
            Client {
                name,
                engine: engine_with(&unique(&format!("chaos-{name}-")), &user, &extra),
                model: BTreeMap::new(),
                ghosts: BTreeSet::new(),
                ids: BTreeSet::new(),
            }
        })
        .collect();

    let (mut mutations, mut rejected, mut armed, mut failed_syncs) = (0u64, 0u64, 0u64, 0u64);
    let mut fault_names: BTreeMap<&str, u32> = BTreeMap::new();
    for _round in 0..ROUNDS {
        // Each client changes things, in a random order of clients.
        let mut order: Vec<usize> = (0..CLIENTS).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for &i in &order {
            for _ in 0..(6 + rng.below(7)) {
                mutations += 1;
                if random_change(&mut clients[i], &mut rng, mutations).await {
                    rejected += 1;
                }
            }
        }
        for &i in &order {
            let fault = if rng.chance(FAULT_RATE) { Some(arm_fault(&user, &mut rng).await) } else { None };
            let r = ok(clients[i].engine.full_sync()).await;
            if let Some(f) = fault {
                armed += 1;
                *fault_names.entry(f).or_default() += 1;
                faults(&user, "{}").await;
            }
            if get(&r, "success") != JsValue::TRUE {
                failed_syncs += 1;
                let kind = s(&r, "errorKind").unwrap_or_default();
                assert!(
                    ["network", "server", "protocol"].contains(&kind.as_str()),
                    "only the injected kinds of failure: {}",
                    stringify(&r)
                );
                assert!(fault.is_some(), "a sync without a fault failed: {}", stringify(&r));
            }
        }
    }

    // Calm: every client syncs until its queue is empty; changes that used up their
    // attempts are put back once, as an app would after showing them.
    faults(&user, "{}").await;
    // Let requests the server is still sleeping on (timeouts) finish.
    gloo_timers::future::TimeoutFuture::new(TIMEOUT_MS as u32 * 3 + 200).await;
    let mut gave_up = 0;
    for c in clients.iter() {
        let failed = js_sys::Array::from(&ok(c.engine.failed()).await);
        let retry = js_sys::Array::new();
        for f in failed.iter() {
            if !c.ghosts.contains(&s(&f, "mutationId").unwrap()) {
                retry.push(&get(&f, "mutationId"));
            }
        }
        gave_up += retry.length();
        if retry.length() > 0 {
            ok(c.engine.retry_failed(retry.into())).await;
        }
    }
    for _pass in 0..2 {
        for c in clients.iter() {
            let r = ok(c.engine.full_sync()).await;
            assert_eq!(get(&r, "success"), JsValue::TRUE, "client {} after the storm: {}", c.name, stringify(&r));
        }
    }

    // The server holds exactly the model: every client's changes, in order.
    let mut expected = BTreeMap::new();
    for c in &clients {
        for (k, d) in &c.model {
            if let Some(d) = d {
                expected.insert(k.clone(), to_json(d));
            }
        }
    }
    let actual = server_state(&user).await;
    let mut lost = 0;
    for (k, want) in &expected {
        if actual.get(k) != Some(want) {
            lost += 1;
            console_log!("chaos: {k}: expected {want}, server has {:?}", actual.get(k));
        }
    }
    for k in actual.keys().filter(|k| !expected.contains_key(*k)) {
        lost += 1;
        console_log!("chaos: {k} is on the server but should not be: {}", actual[k]);
    }

    // Every applied mutation id exactly once; nothing the clients did not send; no
    // refused change applied.
    let counts = get(&stats(&user).await, "applyCounts");
    let all_ids: BTreeSet<&String> = clients.iter().flat_map(|c| c.ids.iter()).collect();
    let mut duplicated = 0;
    for k in js_sys::Object::keys(counts.unchecked_ref::<js_sys::Object>()).iter() {
        let k = k.as_string().unwrap();
        let n = num(&counts, &k);
        if n != 1.0 {
            duplicated += 1;
            console_log!("chaos: mutation {k} applied {n} times");
        }
        assert!(all_ids.contains(&k), "the server applied {k}, which no client sent");
    }
    for c in &clients {
        for g in &c.ghosts {
            assert!(get(&counts, g).is_undefined(), "refused change {g} was applied");
        }
    }

    // Each client: nothing pending, exactly its refused changes set aside (with the
    // server's reason), and once those are discarded it reads what the server holds.
    for c in &clients {
        assert_eq!(ok(c.engine.pending_count()).await, JsValue::from_f64(0.0), "client {}", c.name);
        let failed = js_sys::Array::from(&ok(c.engine.failed()).await);
        let ids: BTreeSet<String> = failed.iter().map(|f| s(&f, "mutationId").unwrap()).collect();
        assert_eq!(ids, c.ghosts, "client {}: only refused changes are set aside", c.name);
        for f in failed.iter() {
            assert!(s(&f, "error").unwrap_or_default().contains("entity not found"), "{}", stringify(&f));
        }
        ok(c.engine.discard_failed(JsValue::UNDEFINED)).await;
        let local = local_state(&c.engine).await;
        assert_eq!(local, actual, "client {} reads what the server holds", c.name);
    }

    let secs = (js_sys::Date::now() - started) / 1000.0;
    let kinds: Vec<String> = fault_names.iter().map(|(k, n)| format!("{k}:{n}")).collect();
    console_log!(
        "chaos seed={seed} mutations={mutations} rounds={ROUNDS} clients={CLIENTS} faults={armed} [{}] failedSyncs={failed_syncs} rejected={rejected} gaveUp={gave_up} entities={} lost={lost} duplicated={duplicated} ({secs:.1} s)",
        kinds.join(" "),
        actual.len()
    );
    assert_eq!(lost, 0, "changes lost (seed {seed})");
    assert_eq!(duplicated, 0, "changes applied twice (seed {seed})");
}
