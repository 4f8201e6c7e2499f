// The IndexedDB primitives the store is built on, as promises.
//
// Hand-written rather than a Rust wrapper crate: a request here costs one promise,
// not a Rust future and two closures, and a batch of writes is one call from wasm
// (the push and the pull write hundreds of records per transaction). Batches issue
// their requests without a handler each (but the last of a slice): IndexedDB runs a
// transaction's requests in order, so the last one's success means every one
// succeeded, and a failure aborts the transaction, which `done` reports with the
// first error.

// `ixs`: the app's declared indexes on `entities`, `[name, keyPath]`, their names
// starting `ix:`. Declaring another set upgrades the database in place (a version
// above `version`): the upgrade creates and deletes those indexes, IndexedDB fills
// a new one from the records, data and queue stay.
export async function open(name, version, stores, ixs = []) {
  let db;
  try {
    db = await openAt(name, version, stores, ixs, version);
  } catch (e) {
    if (e?.name !== 'VersionError') throw e;
    // Past `version`: by declared indexes (ours, or another tab's of this release),
    // open it as it is; by a newer release of the app, this page must not write
    // into its schema: the VersionError stands, and the engine asks for a reload.
    db = await openAt(name, undefined, stores, ixs, version);
    if (!(await upgradedByIndexes(db, version))) {
      db.close();
      throw e;
    }
  }
  if (!upToDate(db, stores, ixs)) {
    const next = db.version + 1;
    db.close();
    db = await openAt(name, next, stores, ixs, version);
  }
  return db;
}

// Each upgrade this module makes records, in `meta`, the version it produced and
// the schema version of the code that made it: a database past our schema version
// is ours to use only when its last upgrade was an index change by code of a
// schema no newer than ours.
const UPGRADE_KEY = 'idbUpgrade';

function upgradedByIndexes(db, schema) {
  if (!db.objectStoreNames.contains('meta')) return Promise.resolve(false);
  return new Promise((resolve) => {
    const r = db.transaction('meta').objectStore('meta').get(UPGRADE_KEY);
    r.onsuccess = () => resolve(r.result?.version === db.version && r.result.schema <= schema);
    r.onerror = () => resolve(false);
  });
}

// Whether the database has every store and index of `stores`, no retired store
// left, and exactly the declared indexes `ixs`.
function upToDate(db, stores, ixs) {
  const names = db.objectStoreNames;
  if (stores.some((s) => !names.contains(s.name) || (s.absorbs && names.contains(s.absorbs[0])))) return false;
  const tx = db.transaction(Array.from(names), 'readonly');
  const ok = stores.every((s) => s.indexes.every(([n]) => tx.objectStore(s.name).indexNames.contains(n)));
  const es = names.contains('entities') ? tx.objectStore('entities') : null;
  const have = es ? Array.from(es.indexNames).filter((n) => n.startsWith('ix:')) : [];
  return ok && have.length === ixs.length && ixs.every(([n]) => have.includes(n));
}

function openAt(name, version, stores, ixs, schema) {
  return new Promise((resolve, reject) => {
    // Private windows of older browsers (Firefox before 115) and some embedded web
    // views have none: say so, rather than "undefined is not an object".
    if (typeof indexedDB === 'undefined' || !indexedDB) {
      throw new Error('IndexedDB is not available in this browsing context (an older browser\'s private window, or a web view without it): nothing can be stored offline');
    }
    const r = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    // Additive upgrades: a store or index that exists stays with its data.
    r.onupgradeneeded = () => {
      const db = r.result;
      for (const s of stores) {
        const existed = db.objectStoreNames.contains(s.name);
        const os = existed
          ? r.transaction.objectStore(s.name)
          : db.createObjectStore(s.name, s.keyPath == null ? {} : { keyPath: s.keyPath, autoIncrement: !!s.autoIncrement });
        for (const [index, keyPath] of s.indexes) if (!os.indexNames.contains(index)) os.createIndex(index, keyPath);
        if (!existed && s.seedFrom && db.objectStoreNames.contains(s.seedFrom[0])) seed(r.transaction, os, s.seedFrom);
        if (s.absorbs && db.objectStoreNames.contains(s.absorbs[0])) absorb(db, r.transaction, os, s.absorbs);
      }
      // The declared indexes: exactly `ixs`. A record whose key path does not give
      // a valid key (a missing field, a boolean, null, an object) is left out.
      // (Tests open databases of other stores.)
      if (db.objectStoreNames.contains('meta')) {
        r.transaction.objectStore('meta').put({ version: db.version, schema }, UPGRADE_KEY);
      }
      if (!db.objectStoreNames.contains('entities')) return;
      const es = r.transaction.objectStore('entities');
      for (const n of Array.from(es.indexNames)) if (n.startsWith('ix:') && !ixs.some(([m]) => m === n)) es.deleteIndex(n);
      for (const [n, keyPath] of ixs) if (!es.indexNames.contains(n)) es.createIndex(n, keyPath);
    };
    r.onsuccess = () => {
      const db = r.result;
      // Another tab upgrading must not wait for this one: close, and the engine
      // reopens (and so upgrades) on its next call.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    r.onerror = () => reject(r.error);
    // It waits (and opens once that tab lets go); say why in the meantime.
    r.onblocked = () =>
      console.warn(
        `offline-sync: opening IndexedDB "${name}" waits for another tab that still has an older version of it open; reload or close that tab`,
      );
  });
}

// Calls `visit` with a cursor at each record of `store`, in an upgrade, then `end`.
function eachRecord(store, visit, end = () => {}) {
  const c = store.openCursor();
  c.onsuccess = () => {
    const cur = c.result;
    if (!cur) return end();
    visit(cur);
    cur.continue();
  };
}

// A store created in an upgrade, filled from an older one in the same (versionchange)
// transaction: the database opens only once every record is written.
function seed(tx, target, [from, fields]) {
  eachRecord(tx.objectStore(from), (cur) => {
    // A record without those fields (none of ours) is no key: skipped, since a throw
    // here would abort the upgrade and leave the database unopenable.
    try {
      target.put(1, fields.map((f) => cur.value[f]));
    } catch (_) {}
  });
}

// A retired store folded into `target`, in the same (versionchange) transaction:
// each record (less its key fields) becomes the `field` of `target`'s record of the
// same key, one made from the key when there is none. The retired store is deleted
// once every record was read, so an upgrade that fails half-way (an abort) leaves
// the old version whole.
function absorb(db, tx, target, [from, field]) {
  const visit = (cur) => {
    const { entityType, id, ...part } = cur.value || {};
    // Marks it for the `byDirty` index whatever wrote it.
    part.dirty = 1;
    const key = cur.primaryKey;
    target.get(key).onsuccess = (e) => {
      try {
        target.put({ ...(e.target.result || { entityType: key[0], id: key[1] }), [field]: part });
      } catch (_) {
        // A value that cannot be stored under this key (none of ours): passed over,
        // since a throw here would leave the database unopenable.
      }
    };
  };
  eachRecord(tx.objectStore(from), visit, () => db.deleteObjectStore(from));
}

export function begin(db, names, write) {
  const tx = db.transaction(names, write ? 'readwrite' : 'readonly');
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new DOMException('the transaction was aborted', 'AbortError'));
  });
  // Handled here so an aborted transaction nobody waits for is not reported as an
  // unhandled rejection; `done` still rejects for whoever awaits it.
  done.catch(() => {});
  return { tx, done };
}

export const done = (t) => t.done;
export const close = (db) => db.close();

export const abortTx = (t) => abort(t.tx);

function abort(tx) {
  try {
    tx.abort();
  } catch (_) {
    // Already committed or aborted.
  }
}

export const objectStore = (t, name) => t.tx.objectStore(name);
export const index = (s, name) => s.index(name);

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

// A request that throws as it is made (a value that cannot be cloned, a bad key)
// aborts its transaction, as a failed one does: never half a transaction.
function op(s, make) {
  try {
    return req(make());
  } catch (e) {
    abort(s.transaction || s.objectStore.transaction);
    return Promise.reject(e);
  }
}

export const get = (s, key) => op(s, () => s.get(key));
export const getAll = (s, range, count) => op(s, () => s.getAll(range, count));
export const getAllKeys = (s, range, count) => op(s, () => s.getAllKeys(range, count));
export const count = (s, range) => op(s, () => s.count(range));
export const put = (s, value, key) => op(s, () => (key === undefined ? s.put(value) : s.put(value, key)));
export const del = (s, key) => op(s, () => s.delete(key));
export const clear = (s) => op(s, () => s.clear());

function lastOf(requests) {
  return requests.length ? req(requests[requests.length - 1]) : Promise.resolve();
}

// Writes a batch in slices of about SLICE_MS of main-thread time each (the
// structured clone of every value happens on the main thread): a page of 500
// records never makes one long task, on a slow device no more than on a fast one,
// and the transaction stays the same. A transaction only takes requests inside its
// request callbacks, so the next slice is issued from the success event of the
// first request of the one before, while the rest of that slice is still being
// written: the IndexedDB backend always has the next slice waiting.
const SLICE_MS = 8;

// A request that throws (a value that cannot be cloned, a record without its key)
// aborts the transaction: a batch is written whole or not at all. A request that
// fails aborts it too, and every later request of its slice fails with it, so the
// last one's error settles the promise.
function chunked(s, items, issue, sliceMs = SLICE_MS) {
  return new Promise((resolve, reject) => {
    if (!items.length) return resolve();
    const next = (from) => {
      const t0 = performance.now();
      let i = from;
      let first;
      let last;
      try {
        do {
          last = issue(items[i]);
          if (i === from) first = last;
          i++;
        } while (i < items.length && performance.now() - t0 < sliceMs);
      } catch (e) {
        reject(e);
        abort(s.transaction);
        return;
      }
      if (i < items.length) first.onsuccess = () => next(i);
      else last.onsuccess = () => resolve();
      last.onerror = () => reject(last.error);
    };
    next(0);
  });
}

// `sliceMs` (tests): 0 makes every request a slice of its own.
export const putMany = (s, values, sliceMs) => chunked(s, values, (v) => s.put(v), sliceMs);
export const deleteMany = (s, keys) => chunked(s, keys, (k) => s.delete(k));

export function getMany(s, keys) {
  let requests;
  try {
    requests = keys.map((k) => s.get(k));
  } catch (e) {
    abort(s.transaction);
    return Promise.reject(e);
  }
  return lastOf(requests).then(() => requests.map((r) => r.result));
}

// One read-then-write transaction with no trip through wasm futures between its
// steps (a change the app makes is this, and its latency is what the app feels).
// `reads` are [store, how, key, index?] with how 'get', 'count' or 'last' (the
// record at the highest key). Once all answered, `decide(results)` (Rust) returns
// either { more: [reads] }, read next (their results are appended), or
// { writes: [[store, how, value, key?]] with how 'put', 'add' or 'delete', result }:
// the writes go out together, and this resolves with `result` once committed.
export function readThenWrite(db, names, reads, decide) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, 'readwrite');
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onabort = () => reject(tx.error || new DOMException('the transaction was aborted', 'AbortError'));
    const out = [];
    const step = () => {
      try {
        const plan = decide(out);
        if (plan.more) return read(plan.more);
        result = plan.result;
        issue(tx, plan.writes);
      } catch (e) {
        // A value that cannot be cloned throws here: nothing of this change is written.
        reject(e);
        abort(tx);
      }
    };
    const read = (batch) => {
      let left = batch.length;
      const at = out.length;
      batch.forEach(([name, how, key, index], i) => {
        let s = tx.objectStore(name);
        if (index) s = s.index(index);
        const r = how === 'count' ? s.count(key) : how === 'last' ? s.openCursor(null, 'prev') : s.get(key);
        r.onsuccess = () => {
          out[at + i] = how === 'last' ? (r.result ? r.result.value : undefined) : r.result;
          if (--left === 0) step();
        };
      });
      if (!batch.length) step();
    };
    read(reads);
  });
}

// Writes made on the guess that a key holds no record, checked by IndexedDB itself:
// the record of that key is written with `add`, which fails with a ConstraintError
// when the key holds one; a failed request aborts its transaction before it can
// commit, so nothing of it is written. One round trip, and not even a read.
// Resolves with `result` once committed, with undefined when the guess was wrong.
export function addUnlessHeld(db, names, writes, result) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, 'readwrite');
    tx.oncomplete = () => resolve(result);
    tx.onabort = () =>
      tx.error?.name === 'ConstraintError'
        ? resolve(undefined)
        : reject(tx.error || new DOMException('the transaction was aborted', 'AbortError'));
    try {
      issue(tx, writes);
    } catch (e) {
      reject(e);
      abort(tx);
    }
  });
}

function issue(tx, writes) {
  for (const [name, how, value, key] of writes) {
    const s = tx.objectStore(name);
    if (how === 'delete') s.delete(value);
    else if (how === 'add') s.add(value);
    else if (key === undefined) s.put(value);
    else s.put(value, key);
  }
}

export const only = (v) => IDBKeyRange.only(v);
export const between = (lo, hi) => IDBKeyRange.bound(lo, hi);
export const above = (lo) => IDBKeyRange.lowerBound(lo, true);
