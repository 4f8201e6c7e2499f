//! The layers of the wasm crate point one way (docs/ARCHITECTURE.md): a module
//! may use modules of its own layer or below, never above. Read from the source,
//! natively (`cargo test --workspace`), so an import that points up fails the
//! test command, naming the file and the import.
#![cfg(not(target_arch = "wasm32"))]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer, lowest first. `core` (pure
/// rules, its own crate) is below all of them.
const LAYERS: &[(&str, u8)] = &[
    // support: errors, JS value access, futures
    ("failure", 0),
    ("jsv", 0),
    ("task", 0),
    // the shapes of the records kept and sent, below both the store and the transports
    ("records", 0),
    // thin browser adapters: IndexedDB, fetch, browser events, the backends
    ("store", 1),
    ("http", 1),
    ("browser", 1),
    ("transport", 1),
    ("engine", 2),
    ("controller", 3),
    // the wasm-bindgen surface
    ("api", 4),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a source text names through `crate::`, grouped
/// imports (`crate::{a, b::c}`) included.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.insert(name);
            }
        } else {
            out.insert(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out
}

/// Every `(file, imported module)` whose layer is above the file's own.
fn upward_imports(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut up = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let Some(own) = layer(&top) else { continue }; // lib.rs: the crate root sees everything
        for m in crate_modules(&fs::read_to_string(&f).unwrap()) {
            if let Some(l) = layer(&m) {
                if l > own {
                    up.push(format!("{} (layer {own}) uses crate::{m} (layer {l})", rel.display()));
                }
            }
        }
    }
    up
}

#[test]
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut unknown = Vec::new();
    for entry in fs::read_dir(&src).unwrap().flatten() {
        let path = entry.path();
        let is_module = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
        let name = entry.file_name().to_string_lossy().trim_end_matches(".rs").to_string();
        if is_module && name != "lib" && layer(&name).is_none() {
            unknown.push(name);
        }
    }
    assert!(unknown.is_empty(), "give these modules a layer in tests/layers.rs and docs/ARCHITECTURE.md: {unknown:?}");
}

#[test]
fn no_import_points_up() {
    let up = upward_imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(up.is_empty(), "imports pointing up a layer (docs/ARCHITECTURE.md):\n{}", up.join("\n"));
}

/// The transports read queue entries and answer outcomes through `records`, never
/// through the store's internals: the two adapters of layer 1 that meet in a push
/// stay apart.
#[test]
fn transports_never_import_the_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("transport"), &mut files);
    files.push(src.join("http.rs"));
    let bad: Vec<String> = files
        .iter()
        .filter(|f| crate_modules(&fs::read_to_string(f).unwrap()).contains("store"))
        .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert!(bad.is_empty(), "transports that import crate::store (use crate::records): {bad:?}");
}

#[test]
fn the_check_sees_grouped_and_nested_imports() {
    let found = crate_modules("use crate::{engine::Engine, jsv};\nlet x = crate::api::current();");
    assert_eq!(found, ["api", "engine", "jsv"].iter().map(|s| s.to_string()).collect());
}
