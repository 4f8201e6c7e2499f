//! Values written in two languages stay one value: where JS needs one before the
//! wasm module is loaded (the hook's first snapshot, a service worker's tags),
//! it is written in js/ too, and this test, read from the sources natively
//! (`cargo test --workspace`), fails when the two differ.
#![cfg(not(target_arch = "wasm32"))]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeSet;
use std::fs;

fn read(path: &str) -> String {
    fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The string value of `const <name>: &str = "..."` in Rust source.
fn rust_const(src: &str, name: &str) -> String {
    let at = src.find(&format!("const {name}: &str = \"")).unwrap_or_else(|| panic!("no const {name}"));
    let rest = &src[at..];
    let start = rest.find('"').unwrap() + 1;
    let end = start + rest[start..].find('"').unwrap();
    rest[start..end].to_string()
}

/// The keys of the object literal that follows `marker` up to the closing `})`.
fn js_object_keys(src: &str, marker: &str) -> BTreeSet<String> {
    let at = src.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let body = &src[at + marker.len()..];
    let body = &body[..body.find("})").expect("the object's end")];
    body.split(',')
        .filter_map(|part| part.split(':').next())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

/// The status fields the wasm snapshot sets (`jsv::set(&status, "<key>", ...)`).
fn snapshot_keys(src: &str) -> BTreeSet<String> {
    let marker = "jsv::set(&status, \"";
    src.match_indices(marker)
        .map(|(i, _)| {
            let rest = &src[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn the_hooks_first_status_has_the_fields_of_the_wasm_status() {
    let js = js_object_keys(&read("js/controller.js"), "const DEFAULT_STATUS = Object.freeze({");
    let wasm = snapshot_keys(&read("src/controller/snapshot.rs"));
    assert!(!wasm.is_empty(), "no fields found in snapshot.rs");
    assert_eq!(js, wasm, "DEFAULT_STATUS in js/controller.js and the snapshot of src/controller/snapshot.rs differ");
}

#[test]
fn the_service_workers_tags_are_the_engines() {
    let rust = read("src/browser/background_sync.rs");
    let sw = read("js/sw.js");
    let types = read("js/sw.d.ts");
    for (js_name, rust_name) in [("SYNC_TAG", "SYNC_TAG"), ("PERIODIC_SYNC_TAG", "PERIODIC_TAG")] {
        let tag = rust_const(&rust, rust_name);
        assert!(sw.contains(&format!("export const {js_name} = '{tag}';")), "js/sw.js's {js_name} is not '{tag}'");
        assert!(types.contains(&format!("export const {js_name}: '{tag}';")), "js/sw.d.ts's {js_name} is not '{tag}'");
    }
}

#[test]
fn the_end_to_end_tests_and_the_benchmark_start_chromium_with_one_list_of_flags() {
    for file in ["e2e/lib.mjs", "bench/browser.mjs"] {
        let src = read(file);
        assert!(src.contains("from '../scripts/chromium.mjs'"), "{file} does not take scripts/chromium.mjs's flags");
        assert!(!src.contains("'--no-sandbox'"), "{file} lists flags of its own again");
    }
}

#[test]
fn idb_js_records_its_upgrades_under_the_meta_key_the_store_keeps_on_sign_out() {
    let key = rust_const(&read("src/records/meta.rs"), "UPGRADE");
    assert!(
        read("src/store/idb.js").contains(&format!("const UPGRADE_KEY = '{key}';")),
        "src/store/idb.js's UPGRADE_KEY is not '{key}' (src/records/meta.rs)"
    );
}

/// Every `const F_*: &str = "..."` of the record modules: the stored records' field names.
fn record_fields() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in ["queue", "entity", "conflict", "meta"] {
        let src = read(&format!("src/records/{file}.rs"));
        for (i, _) in src.match_indices("const F_") {
            let name: String = src[i + 6..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.insert(rust_const(&src[i..], &name));
        }
    }
    out
}

#[test]
fn the_store_names_a_stored_records_field_only_through_the_record_modules() {
    let fields = record_fields();
    assert!(fields.contains("lastAttemptAt") && fields.contains("resolution"), "record fields found: {fields:?}");
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{}/src/store", env!("CARGO_MANIFEST_DIR")))];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.to_string_lossy().ends_with("tests.rs") {
                files.push(p);
            }
        }
    }
    let mut found = Vec::new();
    for p in files {
        let text = fs::read_to_string(&p).unwrap();
        // Test modules build records of their own to check what the store does with them.
        let shipped = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
        for call in ["jsv::get(", "jsv::set(", "jsv::get_str(", "jsv::get_u64(", "jsv::get_f64("] {
            for (i, _) in shipped.match_indices(call) {
                let args = &shipped[i + call.len()..];
                let args = &args[..args.find(')').unwrap_or(args.len())];
                if let Some(name) = args.split(',').nth(1).and_then(|a| a.trim().strip_prefix('"')) {
                    let name = name.trim_end_matches('"');
                    if fields.contains(name) {
                        found.push(format!("{}: \"{name}\"", p.display()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "field names written out instead of taken from src/records: {found:?}");
}
