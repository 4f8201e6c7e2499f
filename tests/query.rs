//! `query(entityType, { where, orderBy, limit, offset })` in a real browser on real
//! IndexedDB: every operator against a brute-force filter of `list()` on random
//! data (a property test with a fixed seed), the local view (unsynced changes in,
//! local deletes out, server data pulled), and wrong queries as TypeErrors naming
//! what is wrong.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::SyncEngine;
use std::cmp::Ordering;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn ids(list: &JsValue) -> Vec<String> {
    js_sys::Array::from(list).iter().map(|r| s(&r, "id").unwrap()).collect()
}

/// A field's value as the model sees it, in the documented order across kinds:
/// null < false < true < numbers < strings (no Dates in this data). `Other` (an
/// object, or the field missing) matches nothing and sorts last.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Other,
}

impl Val {
    fn json(&self) -> Option<String> {
        match self {
            Val::Null => Some("null".into()),
            Val::Bool(b) => Some(b.to_string()),
            Val::Num(n) => Some(n.to_string()),
            Val::Str(s) => Some(format!("\"{s}\"")),
            Val::Other => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Val::Null => 0,
            Val::Bool(_) => 1,
            Val::Num(_) => 2,
            Val::Str(_) => 4,
            Val::Other => 9,
        }
    }

    fn cmp(&self, o: &Val) -> Ordering {
        match (self, o) {
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            (Val::Num(a), Val::Num(b)) => a.partial_cmp(b).unwrap(),
            (Val::Str(a), Val::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&o.rank()),
        }
    }
}

fn random_val(rng: &mut Rng) -> Val {
    match rng.below(12) {
        0 => Val::Null,
        1 => Val::Bool(rng.below(2) == 1),
        2 => Val::Other,
        3..=7 => Val::Num(rng.below(10) as f64 - 3.0),
        _ => Val::Str(["a", "b", "ab", "B", "é", ""][rng.below(6) as usize].into()),
    }
}

struct Rec {
    id: String,
    x: Val,
    y: Val,
}

fn field<'a>(r: &'a Rec, f: &str) -> &'a Val {
    if f == "x" {
        &r.x
    } else {
        &r.y
    }
}

/// One condition: (field, op, values).
type Cond = (&'static str, &'static str, Vec<Val>);

fn holds(r: &Rec, (f, op, vals): &Cond) -> bool {
    let x = field(r, f);
    if *x == Val::Other {
        return false;
    }
    if *op == "in" {
        return vals.iter().any(|w| x.cmp(w) == Ordering::Equal);
    }
    let c = x.cmp(&vals[0]);
    match *op {
        "eq" => c == Ordering::Equal,
        "gt" => c == Ordering::Greater,
        "gte" => c != Ordering::Less,
        "lt" => c == Ordering::Less,
        _ => c != Ordering::Greater,
    }
}

fn condition_json(conds: &[Cond]) -> String {
    let mut by_field: Vec<(&str, Vec<String>)> = Vec::new();
    for (f, op, vals) in conds {
        let value = if *op == "in" {
            format!("[{}]", vals.iter().filter_map(Val::json).collect::<Vec<_>>().join(","))
        } else {
            vals[0].json().unwrap()
        };
        match by_field.iter_mut().find(|(g, _)| g == f) {
            Some((_, ops)) => ops.push(format!("\"{op}\":{value}")),
            None => by_field.push((f, vec![format!("\"{op}\":{value}")])),
        }
    }
    let fields: Vec<String> = by_field.iter().map(|(f, ops)| format!("\"{f}\":{{{}}}", ops.join(","))).collect();
    format!("{{{}}}", fields.join(","))
}

fn record_json(r: &Rec) -> String {
    let mut fields = vec![format!("\"id\":\"{}\"", r.id)];
    for (name, val) in [("x", &r.x), ("y", &r.y)] {
        match val.json() {
            Some(j) => fields.push(format!("\"{name}\":{j}")),
            // Either no field at all, or an object: both compare as nothing.
            None if r.id.ends_with('0') => fields.push(format!("\"{name}\":{{\"nested\":1}}")),
            None => {}
        }
    }
    format!("{{{}}}", fields.join(","))
}

#[wasm_bindgen_test]
async fn every_operator_matches_a_brute_force_filter_of_list() {
    let user = unique("qprop");
    let e = engine(&unique("ns-"), &user);
    // The same data in a namespace with declared indexes: the same results, read
    // through an index where one fits.
    let indexes = json(r#"{"thing":["x",["x","y"],"y"],"other":["x"]}"#);
    let ix = engine_with(&unique("ns-"), &user, &[("indexes", indexes)]);
    let mut rng = Rng(7);
    let mut recs = Vec::new();
    for i in 0..60 {
        let r = Rec { id: format!("r{i:02}"), x: random_val(&mut rng), y: random_val(&mut rng) };
        ok(e.put(v("thing"), v(&r.id), json(&record_json(&r)))).await;
        ok(ix.put(v("thing"), v(&r.id), json(&record_json(&r)))).await;
        recs.push(r);
    }
    // Changed after they were written: the index follows the local view.
    for r in recs.iter_mut().filter(|r| r.id.ends_with('3')) {
        r.x = random_val(&mut rng);
        for e in [&e, &ix] {
            ok(e.put(v("thing"), v(&r.id), json(&record_json(r)))).await;
        }
    }
    let indexed_before = offline_sync::indexed_query_count();
    // The records as list() gives them: in id order, which the model's ties keep.
    let listed = ids(&ok(e.list(v("thing"))).await);
    assert_eq!(listed, recs.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
    // Something else of another type never shows.
    ok(e.put(v("other"), v("r00"), json(r#"{"x":1}"#))).await;
    ok(ix.put(v("other"), v("r00"), json(r#"{"x":1}"#))).await;

    let ops = ["eq", "gt", "gte", "lt", "lte", "in"];
    for round in 0..200 {
        let mut conds: Vec<Cond> = Vec::new();
        for _ in 0..rng.below(3) {
            let f = if rng.below(2) == 0 { "x" } else { "y" };
            let op = ops[rng.below(6) as usize];
            let mut vals = Vec::new();
            for _ in 0..(if op == "in" { rng.below(4) } else { 1 }) {
                let mut val = random_val(&mut rng);
                while val == Val::Other {
                    val = random_val(&mut rng);
                }
                vals.push(val);
            }
            // One operator per field once (a JSON object keeps only the last of two).
            if !conds.iter().any(|(g, o, _)| *g == f && *o == op) {
                conds.push((f, op, vals));
            }
        }
        let order: Vec<(&str, bool)> =
            (0..rng.below(3)).map(|_| (if rng.below(2) == 0 { "x" } else { "y" }, rng.below(2) == 0)).collect();
        let offset = if rng.below(3) == 0 { Some(rng.below(10)) } else { None };
        let limit = if rng.below(3) == 0 { Some(rng.below(20)) } else { None };

        // The model: filter, a stable sort (ties in id order), then the page.
        let mut want: Vec<&Rec> = recs.iter().filter(|r| conds.iter().all(|c| holds(r, c))).collect();
        want.sort_by(|a, b| {
            for (f, asc) in &order {
                let (x, y) = (field(a, f), field(b, f));
                let c = match (*x == Val::Other, *y == Val::Other) {
                    (true, true) => Ordering::Equal,
                    (true, false) => return Ordering::Greater,
                    (false, true) => return Ordering::Less,
                    _ => x.cmp(y),
                };
                if c != Ordering::Equal {
                    return if *asc { c } else { c.reverse() };
                }
            }
            Ordering::Equal
        });
        let from = offset.unwrap_or(0) as usize;
        let want: Vec<String> = want
            .iter()
            .skip(from)
            .take(limit.map(|l| l as usize).unwrap_or(usize::MAX))
            .map(|r| r.id.clone())
            .collect();

        let mut q = vec![format!("\"where\":{}", condition_json(&conds))];
        let order_json: Vec<String> = order
            .iter()
            .map(|(f, asc)| format!("{{\"field\":\"{f}\",\"direction\":\"{}\"}}", if *asc { "asc" } else { "desc" }))
            .collect();
        q.push(format!("\"orderBy\":[{}]", order_json.join(",")));
        if let Some(o) = offset {
            q.push(format!("\"offset\":{o}"));
        }
        if let Some(l) = limit {
            q.push(format!("\"limit\":{l}"));
        }
        let query = format!("{{{}}}", q.join(","));
        let got = ids(&ok(e.query(v("thing"), json(&query))).await);
        assert_eq!(got, want, "round {round}: query {query}");
        let got = ids(&ok(ix.query(v("thing"), json(&query))).await);
        assert_eq!(got, want, "round {round}, with indexes: query {query}");
    }
    // Dozens of the random queries fix `x` or `y` to a string or a number.
    let indexed = offline_sync::indexed_query_count() - indexed_before;
    assert!(indexed >= 20, "only {indexed} of the queries read an index");
}

#[wasm_bindgen_test]
async fn queries_read_the_local_view_with_unsynced_changes() {
    let user = unique("qlocal");
    let a = engine(&unique("ns-"), &user);
    // `b` reads by an index: the server's copies and the local parts both.
    let b = engine_with(&unique("ns-"), &user, &[("indexes", json(r#"{"lesson":["courseId"]}"#))]);
    let indexed_before = offline_sync::indexed_query_count();
    for (id, course, pos) in [("l1", "c1", 2), ("l2", "c1", 1), ("l3", "c2", 1)] {
        ok(a.put(v("lesson"), v(id), json(&format!(r#"{{"courseId":"{course}","position":{pos}}}"#)))).await;
    }
    sync(&a).await;
    sync(&b).await;
    let q = json(r#"{"where":{"courseId":"c1"},"orderBy":"position"}"#);
    assert_eq!(ids(&ok(b.query(v("lesson"), q.clone())).await), ["l2", "l1"], "pulled from the server");
    // Unsynced: an edit moves a lesson, a new one is added, one is deleted.
    ok(b.queue_mutation(v("UPDATE"), v("lesson"), v("l3"), json(r#"{"courseId":"c1","position":0}"#))).await;
    ok(b.put(v("lesson"), v("l4"), json(r#"{"courseId":"c1","position":5}"#))).await;
    ok(b.remove(v("lesson"), v("l1"))).await;
    assert_eq!(ids(&ok(b.query(v("lesson"), q.clone())).await), ["l3", "l2", "l4"]);
    let desc = json(r#"{"where":{"courseId":"c1"},"orderBy":{"field":"position","direction":"desc"},"limit":2}"#);
    assert_eq!(ids(&ok(b.query(v("lesson"), desc)).await), ["l4", "l2"]);
    // No query: every entity of the type, in id order, as list() gives them.
    assert_eq!(ids(&ok(b.query(v("lesson"), JsValue::UNDEFINED)).await), ids(&ok(b.list(v("lesson"))).await));
    assert_eq!(offline_sync::indexed_query_count() - indexed_before, 3, "the three queries by course");
}

#[wasm_bindgen_test]
async fn a_wrong_index_declaration_is_a_type_error_naming_the_entity_and_field() {
    let indexes = json(r#"{"lesson":["courseId",5]}"#);
    let err = match SyncEngine::construct(options(&unique("ns-"), &unique("qix"), &[("indexes", indexes)])) {
        Ok(_) => panic!("a wrong declaration was accepted"),
        Err(e) => e,
    };
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("indexes.lesson[1]"), "{}", error_message(&err));
}

#[wasm_bindgen_test]
async fn a_wrong_query_is_a_type_error_naming_what_is_wrong() {
    let e = engine(&unique("ns-"), &unique("qbad"));
    for (query, names) in [
        (r#"{"wher":{}}"#, "query.wher is not a query option"),
        (r#"{"where":{"x":{"like":"a"}}}"#, "query.where.x.like is not an operator"),
        (r#"{"where":{"x":{}}}"#, "query.where.x needs one of"),
        (r#"{"where":{"x":{"in":"a"}}}"#, "query.where.x.in must be an array"),
        (
            r#"{"where":{"x":{"in":["a",{"b":1}]}}}"#,
            "query.where.x.in[1] must be a string, number, boolean, null or Date, not an object",
        ),
        (r#"{"where":{"x":[1]}}"#, "query.where.x must be a string, number, boolean, null or Date, not an array"),
        (r#"{"orderBy":[{"field":"x","direction":"up"}]}"#, "query.orderBy[0].direction must be 'asc' or 'desc'"),
        (r#"{"orderBy":3}"#, "query.orderBy must be a field name"),
        (r#"{"limit":-1}"#, "query.limit must be a whole number"),
        (r#"{"offset":1.5}"#, "query.offset must be a whole number"),
        (r#"[]"#, "query must be an object"),
    ] {
        let err = match wasm_bindgen_futures::JsFuture::from(e.query(v("thing"), json(query))).await {
            Ok(r) => panic!("{query} resolved with {}", stringify(&r)),
            Err(err) => err,
        };
        assert_eq!(error_name(&err), "TypeError", "{query}");
        assert_eq!(s(&err, "kind").as_deref(), Some("input"), "{query}");
        assert!(error_message(&err).contains(names), "{query}: {}", error_message(&err));
    }
    // An undefined condition value (a JS mistake: `{ courseId: undefined }`) is named too.
    let q = js_sys::Object::new();
    let w = js_sys::Object::new();
    js_sys::Reflect::set(&w, &v("courseId"), &JsValue::UNDEFINED).unwrap();
    js_sys::Reflect::set(&q, &v("where"), &w).unwrap();
    let err = rejects(e.query(v("thing"), q.into())).await;
    assert!(error_message(&err)
        .contains("query.where.courseId must be a string, number, boolean, null or Date, not undefined"));
    let err = rejects(e.query(JsValue::NULL, JsValue::UNDEFINED)).await;
    assert_eq!(error_name(&err), "TypeError");
}
