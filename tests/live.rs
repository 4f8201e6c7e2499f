//! Live queries (`watch`, `watchEntity`) in a real browser against the reference
//! server: a local edit, a pull page, a settle, a conflict, `discardFailed` and a
//! change made by a second engine of the same namespace (a second tab's stand-in:
//! same database, same BroadcastChannel) each call back with the right result,
//! once per burst; changes that cannot touch the result do not; a stopped watcher
//! is never called again.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::SyncEngine;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// What a watcher was called with, in order.
struct Recorder {
    calls: Rc<RefCell<Vec<JsValue>>>,
    errors: Rc<RefCell<Vec<JsValue>>>,
    on_result: Closure<dyn FnMut(JsValue)>,
    on_error: Closure<dyn FnMut(JsValue)>,
}

impl Recorder {
    fn new() -> Recorder {
        let calls = Rc::new(RefCell::new(Vec::new()));
        let errors = Rc::new(RefCell::new(Vec::new()));
        let (c, e) = (calls.clone(), errors.clone());
        Recorder {
            calls,
            errors,
            on_result: Closure::new(move |r| c.borrow_mut().push(r)),
            on_error: Closure::new(move |r| e.borrow_mut().push(r)),
        }
    }
    fn count(&self) -> usize {
        assert!(self.errors.borrow().is_empty(), "watch error: {}", error_message(&self.errors.borrow()[0]));
        self.calls.borrow().len()
    }
    fn last(&self) -> JsValue {
        self.calls.borrow().last().cloned().expect("a result")
    }
    /// The titles of the last result (a list of entities).
    fn titles(&self) -> Vec<String> {
        js_sys::Array::from(&self.last()).iter().map(|r| s(&r, "title").unwrap_or_default()).collect()
    }
    fn watch(&self, e: &SyncEngine, et: &str, query: &str) -> js_sys::Function {
        e.watch(v(et), json(query), self.on_result.as_ref().clone(), self.on_error.as_ref().clone())
            .expect("a valid watch")
            .into()
    }
    fn watch_entity(&self, e: &SyncEngine, et: &str, id: &str) -> js_sys::Function {
        e.watch_entity(v(et), v(id), self.on_result.as_ref().clone(), self.on_error.as_ref().clone())
            .expect("a valid watch")
            .into()
    }
    /// Waits for call number `n` (1-based), then a while longer to see no more come.
    async fn exactly(&self, n: usize, what: &str) {
        wait_until(what, || self.count() >= n).await;
        sleep(300).await;
        assert_eq!(self.count(), n, "{what}: called once, not more (results: {})", self.dump());
    }
    fn dump(&self) -> String {
        self.calls.borrow().iter().map(stringify).collect::<Vec<_>>().join(" | ")
    }
}

const COURSE_1: &str = r#"{"where": {"courseId": "c1"}, "orderBy": "position"}"#;

fn lesson(course: &str, position: u32, title: &str) -> JsValue {
    json(&format!(r#"{{"courseId":"{course}","position":{position},"title":"{title}"}}"#))
}

#[wasm_bindgen_test]
async fn a_local_edit_calls_back_with_the_new_result() {
    let e = engine(&unique("ns-"), &unique("live"));
    let r = Recorder::new();
    let _stop = r.watch(&e, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    assert_eq!(r.titles(), Vec::<String>::new());
    ok(e.put(v("lesson"), v("b"), lesson("c1", 2, "B"))).await;
    r.exactly(2, "the put").await;
    assert_eq!(r.titles(), ["B"]);
    ok(e.put(v("lesson"), v("a"), lesson("c1", 1, "A"))).await;
    r.exactly(3, "a second put").await;
    assert_eq!(r.titles(), ["A", "B"], "in the query's order");
    ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("b"), json(r#"{"title":"B2"}"#))).await;
    r.exactly(4, "an update").await;
    assert_eq!(r.titles(), ["A", "B2"]);
    ok(e.remove(v("lesson"), v("a"))).await;
    r.exactly(5, "a remove").await;
    assert_eq!(r.titles(), ["B2"]);
    // Moved out of the course: no longer in the result.
    ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("b"), json(r#"{"courseId":"c2"}"#))).await;
    r.exactly(6, "an update that moves it out").await;
    assert_eq!(r.titles(), Vec::<String>::new());
}

#[wasm_bindgen_test]
async fn a_burst_of_local_changes_calls_back_once() {
    let e = engine(&unique("ns-"), &unique("live"));
    let r = Recorder::new();
    let _stop = r.watch(&e, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    // Twenty changes at once, as a loop that does not wait for each one would make.
    let all: js_sys::Array = (0..20)
        .map(|i| JsValue::from(e.put(v("lesson"), v(&format!("l{i:02}")), lesson("c1", i, &format!("T{i}")))))
        .collect();
    ok(js_sys::Promise::all(&all)).await;
    r.exactly(2, "the burst").await;
    assert_eq!(r.titles().len(), 20);
    assert_eq!(r.titles()[19], "T19");
}

#[wasm_bindgen_test]
async fn changes_that_cannot_touch_the_result_do_not_call_back() {
    let user = unique("live");
    let e = engine(&unique("ns-"), &user);
    ok(e.put(v("lesson"), v("a"), lesson("c1", 1, "A"))).await;
    sync(&e).await;
    let r = Recorder::new();
    let _stop = r.watch(&e, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    // Another entity type, a lesson of another course, one moved within the other course.
    ok(e.put(v("course"), v("c1"), json(r#"{"title":"Course"}"#))).await;
    ok(e.put(v("lesson"), v("x"), lesson("c2", 1, "X"))).await;
    ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("x"), json(r#"{"position":5}"#))).await;
    // A pull page of such changes, written by another client.
    let other = engine(&unique("ns-"), &user);
    for i in 0..60 {
        ok(other.put(v("lesson"), v(&format!("o{i}")), lesson("c9", i, "O"))).await;
    }
    sync(&other).await;
    sync(&e).await;
    sleep(300).await;
    assert_eq!(r.count(), 1, "no call for changes outside the result: {}", r.dump());
    // A change that does concern it still does.
    ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("x"), json(r#"{"courseId":"c1"}"#))).await;
    r.exactly(2, "a lesson moved into the course").await;
    assert_eq!(r.titles(), ["A", "X"]);
}

#[wasm_bindgen_test]
async fn a_pull_page_calls_back_once_with_what_it_brought() {
    let user = unique("live");
    let writer = engine(&unique("ns-"), &user);
    for i in 0..200 {
        ok(writer.put(v("lesson"), v(&format!("p{i:03}")), lesson("c1", i, &format!("P{i}")))).await;
    }
    sync(&writer).await;
    let e = engine_with(&unique("ns-"), &user, &[("pullPageSize", JsValue::from_f64(500.0))]);
    let r = Recorder::new();
    let _stop = r.watch(&e, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    sync(&e).await;
    r.exactly(2, "the pull page").await;
    let titles = r.titles();
    assert_eq!(titles.len(), 200);
    assert_eq!((titles[0].as_str(), titles[199].as_str()), ("P0", "P199"));
}

#[wasm_bindgen_test]
async fn a_settled_push_calls_back() {
    let user = unique("live");
    let e = engine(&unique("ns-"), &user);
    let r = Recorder::new();
    let _stop = r.watch_entity(&e, "lesson", "s");
    r.exactly(1, "the first result").await;
    assert!(r.last().is_undefined());
    ok(e.put(v("lesson"), v("s"), lesson("c1", 1, "S"))).await;
    r.exactly(2, "the put").await;
    // The pull after the push fails: only the settled push can call back.
    faults(&user, r#"{"failNext": {"count": 5, "status": 500, "path": "pull"}}"#).await;
    let res = ok(e.full_sync()).await;
    assert_eq!(num(&res, "pushed"), 1.0);
    assert_eq!(get(&res, "success"), JsValue::FALSE, "the pull failed");
    r.exactly(3, "the settled push").await;
    assert_eq!(s(&r.last(), "title").as_deref(), Some("S"));
    faults(&user, "{}").await;
}

#[wasm_bindgen_test]
async fn a_conflict_calls_back_with_the_server_copy() {
    let user = unique("live");
    let a = engine(&unique("ns-"), &user);
    let b = engine(&unique("ns-"), &user);
    ok(a.put(v("lesson"), v("k"), lesson("c1", 1, "base"))).await;
    sync(&a).await;
    sync(&b).await;
    ok(b.queue_mutation(v("UPDATE"), v("lesson"), v("k"), json(r#"{"title":"from B"}"#))).await;
    sync(&b).await;
    ok(a.queue_mutation(v("UPDATE"), v("lesson"), v("k"), json(r#"{"title":"from A"}"#))).await;
    let r = Recorder::new();
    let _stop = r.watch(&a, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    assert_eq!(r.titles(), ["from A"]);
    faults(&user, r#"{"failNext": {"count": 5, "status": 500, "path": "pull"}}"#).await;
    let res = ok(a.full_sync()).await;
    assert_eq!(num(&res, "conflicts"), 1.0);
    r.exactly(2, "the conflict").await;
    assert_eq!(r.titles(), ["from B"], "the server's copy won");
    faults(&user, "{}").await;
}

#[wasm_bindgen_test]
async fn discarding_a_failed_change_calls_back_with_the_view_without_it() {
    let user = unique("live");
    let e = engine(&unique("ns-"), &user);
    // An update of a lesson the server never had: refused for good.
    ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("g"), lesson("c1", 1, "lost cause"))).await;
    let r = Recorder::new();
    let _stop = r.watch(&e, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    assert_eq!(r.titles(), ["lost cause"]);
    let res = ok(e.full_sync()).await;
    assert_eq!(num(&res, "failed"), 1.0, "{}", stringify(&res));
    // The refused push settled: the change stays in the view, set aside as failed.
    r.exactly(2, "the refused push").await;
    assert_eq!(r.titles(), ["lost cause"]);
    assert_eq!(ok(e.discard_failed(JsValue::UNDEFINED)).await, JsValue::from_f64(1.0));
    r.exactly(3, "the discard").await;
    assert_eq!(r.titles(), Vec::<String>::new());
}

#[wasm_bindgen_test]
async fn a_change_in_another_context_calls_back() {
    let user = unique("live");
    let ns = unique("ns-");
    let here = engine(&ns, &user);
    let other = engine(&ns, &user);
    let r = Recorder::new();
    let _stop = r.watch(&here, "lesson", COURSE_1);
    r.exactly(1, "the first result").await;
    ok(other.put(v("lesson"), v("t"), lesson("c1", 1, "from the other tab"))).await;
    r.exactly(2, "the other context's change").await;
    assert_eq!(r.titles(), ["from the other tab"]);
    // A pull written by the other context, of another client's change.
    let writer = engine(&unique("ns-"), &user);
    ok(writer.put(v("lesson"), v("w"), lesson("c1", 0, "pulled there"))).await;
    sync(&writer).await;
    sync(&other).await;
    wait_until("the other context's pull", || r.titles().first().map(String::as_str) == Some("pulled there")).await;
    assert_eq!(r.titles(), ["pulled there", "from the other tab"]);
    // Another type there: nothing here.
    let n = r.count();
    ok(other.put(v("course"), v("c1"), json(r#"{"title":"C"}"#))).await;
    sleep(300).await;
    assert_eq!(r.count(), n);
}

#[wasm_bindgen_test]
async fn a_stopped_watcher_is_not_called_again() {
    let e = engine(&unique("ns-"), &unique("live"));
    let r = Recorder::new();
    let stop = r.watch(&e, "lesson", COURSE_1);
    let r2 = Recorder::new();
    let stop2 = r2.watch_entity(&e, "lesson", "a");
    r.exactly(1, "the first result").await;
    r2.exactly(1, "the entity's first result").await;
    ok(e.put(v("lesson"), v("a"), lesson("c1", 1, "A"))).await;
    r.exactly(2, "the put").await;
    r2.exactly(2, "the entity's put").await;
    assert_eq!(s(&r2.last(), "title").as_deref(), Some("A"));
    stop.call0(&JsValue::NULL).unwrap();
    stop2.call0(&JsValue::NULL).unwrap();
    // A second call does nothing.
    stop.call0(&JsValue::NULL).unwrap();
    ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("a"), json(r#"{"title":"A2"}"#))).await;
    sleep(300).await;
    assert_eq!((r.count(), r2.count()), (2, 2), "no call after stopping");
}

#[wasm_bindgen_test]
fn a_wrong_watch_is_a_type_error_at_once() {
    let e = engine(&unique("ns-"), &unique("live"));
    let f = js_sys::Function::new_no_args("");
    let err = e.watch(v("lesson"), json(r#"{"where": {"x": {"near": 1}}}"#), f.clone().into(), JsValue::UNDEFINED);
    let err = err.expect_err("a TypeError");
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("where.x.near"), "{}", error_message(&err));
    let err = e.watch(v("lesson"), JsValue::UNDEFINED, v("not a function"), JsValue::UNDEFINED).err().unwrap();
    assert!(error_message(&err).contains("onResult"), "{}", error_message(&err));
    let err = e.watch_entity(v(""), v("a"), f.into(), JsValue::UNDEFINED).err().unwrap();
    assert!(error_message(&err).contains("entity type"), "{}", error_message(&err));
}

/// The watchers' results after random changes, a few entities at a time (patched
/// without reading the type again) and in bursts (run again), against `query()`
/// of the same query: equal, order of ties included, after each step.
#[wasm_bindgen_test]
async fn live_results_equal_a_fresh_query_after_random_changes() {
    let e = engine(&unique("ns-"), &unique("live"));
    let mut rng = Rng(19);
    let queries = [
        r#"{"where": {"courseId": "c1"}, "orderBy": "position"}"#,
        r#"{"where": {"position": {"gte": 2}}, "orderBy": [{"field": "courseId", "direction": "desc"}, "title"]}"#,
        r#"{"where": {"courseId": {"in": ["c0", "c2"]}}}"#,
        r#"{"orderBy": "position", "limit": 5, "offset": 2}"#,
    ];
    let recs: Vec<Recorder> = queries.iter().map(|_| Recorder::new()).collect();
    let _stops: Vec<js_sys::Function> = recs.iter().zip(queries).map(|(r, q)| r.watch(&e, "lesson", q)).collect();
    for r in &recs {
        wait_until("the first result", || r.count() >= 1).await;
    }
    for step in 0..40 {
        // One change, or a burst of five.
        let n = if rng.chance(0.2) { 5 } else { 1 };
        let mut all = Vec::new();
        for _ in 0..n {
            let id = format!("l{}", rng.below(12));
            let p = match rng.below(4) {
                0 => e.remove(v("lesson"), v(&id)),
                1 => e.queue_mutation(
                    v("UPDATE"),
                    v("lesson"),
                    v(&id),
                    json(&format!(r#"{{"position":{}}}"#, rng.below(5))),
                ),
                _ => e.put(
                    v("lesson"),
                    v(&id),
                    lesson(&format!("c{}", rng.below(3)), rng.below(5) as u32, &format!("t{}", rng.below(3))),
                ),
            };
            all.push(JsValue::from(p));
        }
        // An UPDATE of an entity that is not there is refused: fine, the view stays.
        let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all_settled(
            &all.into_iter().collect::<js_sys::Array>(),
        ))
        .await;
        for (r, q) in recs.iter().zip(queries) {
            let fresh = canon(&ok(e.query(v("lesson"), json(q))).await);
            for _ in 0..100 {
                if canon(&r.last()) == fresh {
                    break;
                }
                sleep(20).await;
            }
            assert_eq!(canon(&r.last()), fresh, "step {step}, query {q}");
        }
    }
}
