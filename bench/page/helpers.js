// What the workloads share: loading the module under test and Dexie, opening each
// implementation's database, the sync server's HTTP API, percentiles.

export const MODULE_URL = '/pkg/offline_sync.js';
const DEXIE_URL = '/dexie/dexie.min.mjs';

export function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

export async function deleteDb(name) {
  await new Promise((resolve) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  });
}

let wasm = null; // { mod, exports }
export async function loadModule() {
  if (!wasm) {
    const mod = await import(MODULE_URL);
    const exports = await mod.default();
    wasm = { mod, exports };
  }
  return wasm;
}

let Dexie = null;
export async function loadDexie() {
  if (!Dexie) Dexie = (await import(DEXIE_URL)).default;
  return Dexie;
}

// The live-query workloads' offline-sync side declares the index their query fits
// (docs/queries.md, "When one is used": `{ where: { courseId }, orderBy: 'position' }`
// cannot use a [courseId, position] index, which leaves out lessons without a
// position; the sort of one course's 100 lessons is cheap).
export const LIVE_INDEXES = { lesson: ['courseId'] };

export function engineOptions(o, namespace, user) {
  return {
    apiBaseUrl: o.api,
    namespace,
    getAuthToken: () => `dev-${user}`,
    pullPageSize: o.pageSize,
    requestTimeoutMs: 120000,
  };
}

// The raw implementation's schema: the same stores and indexes as the engine's
// `entities` (compound key, index on entityType) and `meta`; `dirty` and the queue
// for the push and queue workloads.
export function openRaw(name) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    const db = r.result;
    const entities = db.createObjectStore('entities', { keyPath: ['entityType', 'id'] });
    entities.createIndex('byType', 'entityType');
    entities.createIndex('dirty', 'dirty');
    db.createObjectStore('meta');
    db.createObjectStore('local', { keyPath: ['entityType', 'id'] });
    db.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
  };
  return req(r);
}

export async function openDexie(name) {
  const D = await loadDexie();
  const db = new D(name);
  db.version(1).stores({
    entities: '[entityType+id], entityType, dirty',
    meta: '',
    local: '[entityType+id]',
    queue: '++id',
  });
  await db.open();
  return db;
}

export const auth = (user) => ({ Authorization: `Bearer dev-${user}` });

export async function fetchJson(url, init) {
  const resp = await fetch(url, init);
  if (!resp.ok) throw new Error(`${init?.method || 'GET'} ${url}: ${resp.status} ${await resp.text()}`);
  return resp.json();
}

export function pullUrl(o, cursor) {
  let url = `${o.api}/sync/pull?limit=${o.pageSize}&scope=all`;
  if (cursor) url += `&cursor=${encodeURIComponent(cursor)}`;
  return url;
}

export function mutationOf(rec) {
  return {
    mutationId: rec.mutationId,
    op: 'CREATE',
    entityType: rec.entityType,
    entityId: rec.id,
    baseVersion: null,
    data: rec.data,
  };
}

export function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
