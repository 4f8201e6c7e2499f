// The workloads, in the page. Three implementations do the same work on the same
// data against the same server: `wasm` (this module), `raw` (plain JavaScript on
// the IndexedDB API: the limit) and `dexie` (Dexie 4, bulkPut). bench/run.mjs calls
// `window.bench.<workload>(impl, options)` once per run, in a freshly loaded page.

import { ENTITY_TYPE, itemData, itemId, courseId, lessonData, lessonId, LESSONS_PER_COURSE } from '/data.js';

const MODULE_URL = '/pkg/offline_sync.js';
const DEXIE_URL = '/dexie/dexie.min.mjs';
const PUSH_BATCH = 100; // MAX_PUSH_BATCH of core/src/protocol.rs: the engine's batch

// ---------------------------------------------------------------- measuring

// Tasks of 50 ms or more on the main thread, as the browser reports them.
const longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  /* no longtask support: reported as null below */
}
const longTaskSupported = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const heap = () => performance.memory.usedJSHeapSize;

// The timed window: GC first (--js-flags=--expose-gc) so every run starts from the
// same floor, then sample the JS heap every 5 ms and keep the peak. `work` gets a
// `stop()` to end the window early (the push workload ends when the engine stops
// pushing, before its sync pulls the pushed entities back).
async function measured(work) {
  if (globalThis.gc) {
    gc();
    gc();
  }
  await sleep(20);
  const base = heap();
  let peak = base;
  const sample = () => {
    const u = heap();
    if (u > peak) peak = u;
  };
  const timer = setInterval(sample, 5);
  // bench/prof.mjs profiles only the measured window.
  if (window.profileHook) await window.profileHook('start');
  let end = null;
  const stop = () => {
    if (end === null) {
      end = performance.now();
      sample();
      clearInterval(timer);
    }
  };
  const t0 = performance.now();
  const extra = await work(stop);
  stop();
  if (window.profileHook) await window.profileHook('stop');
  // Long-task entries are delivered asynchronously: let them arrive.
  await sleep(150);
  const tasks = longTasks.filter((t) => t.start >= t0 - 1 && t.start < end);
  return {
    ms: end - t0,
    heapBase: base,
    heapPeak: peak,
    heapGrowth: peak - base,
    longestTaskMs: longTaskSupported ? Math.max(0, ...tasks.map((t) => t.duration)) : null,
    longTasks: longTaskSupported ? tasks.length : null,
    ...extra,
  };
}

// ---------------------------------------------------------------- fetch probe

// Every implementation goes through window.fetch (gloo-net calls it too). The probe
// only notes when the first pull request of a sync leaves, which is when the
// engine's push phase has ended.
const realFetch = window.fetch.bind(window);
let onPullRequest = null;
window.fetch = function (input, init) {
  if (onPullRequest) {
    const url = typeof input === 'string' ? input : input.url;
    if (url.includes('/sync/pull')) {
      const f = onPullRequest;
      onPullRequest = null;
      f(performance.now());
    }
  }
  return realFetch(input, init);
};

// ---------------------------------------------------------------- helpers

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

async function deleteDb(name) {
  await new Promise((resolve) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  });
}

let wasm = null; // { mod, exports }
async function loadModule() {
  if (!wasm) {
    const mod = await import(MODULE_URL);
    const exports = await mod.default();
    wasm = { mod, exports };
  }
  return wasm;
}

let Dexie = null;
async function loadDexie() {
  if (!Dexie) Dexie = (await import(DEXIE_URL)).default;
  return Dexie;
}

// The live-query workloads' offline-sync side declares the index their query fits
// (docs/queries.md, "When one is used": `{ where: { courseId }, orderBy: 'position' }`
// cannot use a [courseId, position] index, which leaves out lessons without a
// position; the sort of one course's 100 lessons is cheap).
const LIVE_INDEXES = { lesson: ['courseId'] };

function engineOptions(o, namespace, user) {
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
function openRaw(name) {
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

async function openDexie(name) {
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

const auth = (user) => ({ Authorization: `Bearer dev-${user}` });

async function fetchJson(url, init) {
  const resp = await fetch(url, init);
  if (!resp.ok) throw new Error(`${init?.method || 'GET'} ${url}: ${resp.status} ${await resp.text()}`);
  return resp.json();
}

function pullUrl(o, cursor) {
  let url = `${o.api}/sync/pull?limit=${o.pageSize}&scope=all`;
  if (cursor) url += `&cursor=${encodeURIComponent(cursor)}`;
  return url;
}

function mutationOf(rec) {
  return {
    mutationId: rec.mutationId,
    op: 'CREATE',
    entityType: rec.entityType,
    entityId: rec.id,
    baseVersion: null,
    data: rec.data,
  };
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------- 1. pull

async function pull(impl, o) {
  const name = `bench-pull-${impl}-${o.tag}`;
  await deleteDb(name);
  let out;
  if (impl === 'wasm') {
    const { mod, exports } = await loadModule();
    const engine = new mod.SyncEngine(engineOptions(o, name, o.user));
    await engine.clientId(); // database open before the window
    const memBefore = exports.memory.buffer.byteLength;
    out = await measured(async () => {
      const r = await engine.fullSync();
      if (!r.success) throw new Error(`fullSync failed: ${r.error}`);
      return { count: r.pulled };
    });
    out.wasmMemory = exports.memory.buffer.byteLength;
    out.wasmMemoryGrowth = out.wasmMemory - memBefore;
    engine.close();
  } else if (impl === 'raw') {
    const db = await openRaw(name);
    out = await measured(async () => {
      let cursor = '';
      let count = 0;
      for (;;) {
        const page = await fetchJson(pullUrl(o, cursor), { headers: auth(o.user) });
        const tx = db.transaction(['entities', 'meta'], 'readwrite');
        const entities = tx.objectStore('entities');
        for (const c of page.changes) {
          if (c.deleted) entities.delete([c.entityType, c.id]);
          else entities.put(c);
        }
        tx.objectStore('meta').put(page.cursor, 'cursor:all');
        await done(tx);
        count += page.changes.length;
        if (!page.hasMore) return { count };
        cursor = page.cursor;
      }
    });
    db.close();
  } else {
    const db = await openDexie(name);
    out = await measured(async () => {
      let cursor = '';
      let count = 0;
      for (;;) {
        const page = await fetchJson(pullUrl(o, cursor), { headers: auth(o.user) });
        const puts = page.changes.filter((c) => !c.deleted);
        const dels = page.changes.filter((c) => c.deleted).map((c) => [c.entityType, c.id]);
        await db.transaction('rw', db.entities, db.meta, async () => {
          await db.entities.bulkPut(puts);
          if (dels.length) await db.entities.bulkDelete(dels);
          await db.meta.put(page.cursor, 'cursor:all');
        });
        count += page.changes.length;
        if (!page.hasMore) return { count };
        cursor = page.cursor;
      }
    });
    db.close();
  }
  if (out.count !== o.expect) throw new Error(`${impl} pulled ${out.count}, expected ${o.expect}`);
  await deleteDb(name);
  return out;
}

// ---------------------------------------------------------------- 2. push

async function push(impl, o) {
  const name = `bench-push-${impl}-${o.tag}`;
  const user = `push-${impl}-${o.tag}`;
  const n = o.count;
  await deleteDb(name);
  let out;
  if (impl === 'wasm') {
    const { mod } = await loadModule();
    const engine = new mod.SyncEngine(engineOptions(o, name, user));
    await engine.clientId();
    // Untimed set-up: n dirty entities, queued through the public API.
    for (let i = 0; i < n; i += 250) {
      const calls = [];
      for (let j = i; j < Math.min(n, i + 250); j++) calls.push(engine.put(ENTITY_TYPE, itemId(j), itemData(j)));
      await Promise.all(calls);
    }
    if ((await engine.pendingCount()) !== n) throw new Error('set-up did not queue every entity');
    out = await measured(async (stop) => {
      // The window ends when the engine's first pull request leaves: its push
      // phase is over (every batch sent and settled in IndexedDB).
      onPullRequest = stop;
      const r = await engine.fullSync();
      onPullRequest = null;
      if (!r.success) throw new Error(`fullSync failed: ${r.error}`);
      return { count: r.pushed };
    });
    if ((await engine.pendingCount()) !== 0) throw new Error('entities still queued after the sync');
    engine.close();
  } else if (impl === 'raw') {
    const db = await openRaw(name);
    {
      const tx = db.transaction('entities', 'readwrite');
      const s = tx.objectStore('entities');
      for (let i = 0; i < n; i++) {
        s.put({ entityType: ENTITY_TYPE, id: itemId(i), version: 0, dirty: 1, mutationId: crypto.randomUUID(), data: itemData(i) });
      }
      await done(tx);
    }
    const clientId = crypto.randomUUID();
    out = await measured(async () => {
      const rtx = db.transaction('entities', 'readonly');
      const dirty = await req(rtx.objectStore('entities').index('dirty').getAll(1));
      let count = 0;
      for (let i = 0; i < dirty.length; i += PUSH_BATCH) {
        const batch = dirty.slice(i, i + PUSH_BATCH);
        const body = JSON.stringify({ clientId, mutations: batch.map(mutationOf) });
        const { results } = await fetchJson(`${o.api}/sync/push`, {
          method: 'POST',
          headers: { ...auth(user), 'Content-Type': 'application/json' },
          body,
        });
        const tx = db.transaction('entities', 'readwrite');
        const s = tx.objectStore('entities');
        for (const res of results) {
          if (res.status === 'applied' && res.entity) {
            s.put({ ...res.entity, dirty: 0 });
            count++;
          }
        }
        await done(tx);
      }
      return { count };
    });
    db.close();
  } else {
    const db = await openDexie(name);
    const recs = [];
    for (let i = 0; i < n; i++) {
      recs.push({ entityType: ENTITY_TYPE, id: itemId(i), version: 0, dirty: 1, mutationId: crypto.randomUUID(), data: itemData(i) });
    }
    await db.entities.bulkPut(recs);
    recs.length = 0;
    const clientId = crypto.randomUUID();
    out = await measured(async () => {
      const dirty = await db.entities.where('dirty').equals(1).toArray();
      let count = 0;
      for (let i = 0; i < dirty.length; i += PUSH_BATCH) {
        const batch = dirty.slice(i, i + PUSH_BATCH);
        const body = JSON.stringify({ clientId, mutations: batch.map(mutationOf) });
        const { results } = await fetchJson(`${o.api}/sync/push`, {
          method: 'POST',
          headers: { ...auth(user), 'Content-Type': 'application/json' },
          body,
        });
        const clean = results.filter((r) => r.status === 'applied' && r.entity).map((r) => ({ ...r.entity, dirty: 0 }));
        await db.entities.bulkPut(clean);
        count += clean.length;
      }
      return { count };
    });
    db.close();
  }
  if (out.count !== n) throw new Error(`${impl} pushed ${out.count}, expected ${n}`);
  await deleteDb(name);
  return out;
}

// ---------------------------------------------------------------- 3. queueMutation

// n changes, one after another, each awaited until its transaction committed.
// The baselines do what a hand-written outbox does: in one readwrite transaction,
// add the change to the queue and put the entity's local view.
async function queue(impl, o) {
  const name = `bench-queue-${impl}-${o.tag}`;
  const n = o.count;
  await deleteDb(name);
  const lat = new Float64Array(n);
  let out;
  const record = (i) => ({
    mutationId: crypto.randomUUID(),
    type: 'CREATE',
    entity: 'note',
    entityId: itemId(i),
    payload: itemData(i),
    baseVersion: null,
    createdAt: Date.now(),
    attempts: 0,
    status: 'pending',
  });
  if (impl === 'wasm') {
    const { mod } = await loadModule();
    const engine = new mod.SyncEngine(engineOptions(o, name, 'queue'));
    await engine.clientId();
    out = await measured(async () => {
      for (let i = 0; i < n; i++) {
        const data = itemData(i);
        const t = performance.now();
        await engine.queueMutation('CREATE', 'note', itemId(i), data);
        lat[i] = performance.now() - t;
      }
      return {};
    });
    if ((await engine.pendingCount()) !== n) throw new Error('not every change was queued');
    engine.close();
  } else if (impl === 'raw') {
    const db = await openRaw(name);
    out = await measured(async () => {
      for (let i = 0; i < n; i++) {
        const data = itemData(i);
        const t = performance.now();
        const tx = db.transaction(['queue', 'local'], 'readwrite');
        const rec = record(i);
        rec.payload = data;
        tx.objectStore('queue').add(rec);
        tx.objectStore('local').put({ entityType: 'note', id: rec.entityId, data, pending: 1 });
        await done(tx);
        lat[i] = performance.now() - t;
      }
      return {};
    });
    db.close();
  } else {
    const db = await openDexie(name);
    out = await measured(async () => {
      for (let i = 0; i < n; i++) {
        const data = itemData(i);
        const t = performance.now();
        await db.transaction('rw', db.queue, db.local, () => {
          const rec = record(i);
          rec.payload = data;
          db.queue.add(rec);
          db.local.put({ entityType: 'note', id: rec.entityId, data, pending: 1 });
        });
        lat[i] = performance.now() - t;
      }
      return {};
    });
    db.close();
  }
  const sorted = Array.from(lat).sort((a, b) => a - b);
  out.count = n;
  out.p50 = pct(sorted, 50);
  out.p99 = pct(sorted, 99);
  out.max = sorted[sorted.length - 1];
  out.mean = sorted.reduce((a, b) => a + b, 0) / n;
  await deleteDb(name);
  return out;
}

// ---------------------------------------------------------------- 4. start-up

// From import to ready (code loaded and compiled, database created and open), in a
// page of a fresh browser context: empty HTTP cache, no compiled code, no database.
async function startup(impl, o) {
  const name = `bench-startup-${impl}`;
  const t0 = performance.now();
  let db = null;
  const parts = {};
  if (impl === 'wasm') {
    const mod = await import(MODULE_URL);
    parts.importMs = performance.now() - t0;
    await mod.default();
    parts.instantiateMs = performance.now() - t0 - parts.importMs;
    await mod.initOfflineSync({ apiBaseUrl: o.api, namespace: name });
    parts.openMs = performance.now() - t0 - parts.importMs - parts.instantiateMs;
  } else if (impl === 'raw') {
    db = await openRaw(name);
  } else {
    await loadDexie();
    parts.importMs = performance.now() - t0;
    db = await openDexie(name);
    parts.openMs = performance.now() - t0 - parts.importMs;
  }
  const ms = performance.now() - t0;
  db?.close();
  return { ms, ...parts };
}

// ---------------------------------------------------------------- 5. live queries

// The live workloads' Dexie database, with `lessons` lessons over `courses` written
// in bulk (none: just opened, as the second tab's).
async function dexieLessons(D, name, lessons, courses) {
  const db = new D(name);
  db.version(1).stores({ lessons: 'id, courseId, [courseId+position]' });
  for (let i = 0; i < lessons; i += 10000) {
    const batch = [];
    for (let j = i; j < Math.min(lessons, i + 10000); j++) batch.push(lessonData(j, courses));
    await db.lessons.bulkPut(batch);
  }
  await db.open();
  return db;
}

// `o.lessons` lessons over lessons/100 courses in the local store (offline-sync: a
// full sync of a seeded user; the others: bulk writes of the same records). Then:
// one course's 100 lessons sorted by position (median of `o.queries` runs); a live
// query of them and `o.changes` title edits, each timed from the write's start to
// the callback that has the new title. Dexie as its docs say:
// `where('courseId').equals(c).sortBy('position')` and `liveQuery`; plain IndexedDB
// with a [courseId, position] index has no live query: its figure is the write
// plus the indexed read, the floor for a callback.
async function live(impl, o) {
  const name = `bench-live-${impl}-${o.tag}`;
  const courses = o.lessons / LESSONS_PER_COURSE;
  const c = 7 % courses;
  const course = courseId(c);
  const lessonOf = (k) => lessonId(c + (k % LESSONS_PER_COURSE) * courses);
  await deleteDb(name);
  const queryMs = [];
  const lat = new Float64Array(o.changes);
  const check = (rows) => {
    if (rows.length !== LESSONS_PER_COURSE || rows.some((r, k) => r.position !== k)) throw new Error(`wrong result: ${rows.length} rows`);
  };
  let setup = 0;
  const t0 = performance.now();
  if (impl === 'wasm') {
    const { mod } = await loadModule();
    const engine = new mod.SyncEngine({ ...engineOptions(o, name, o.user), indexes: LIVE_INDEXES });
    const r = await engine.fullSync();
    if (!r.success || r.pulled !== o.lessons) throw new Error(`fullSync: ${r.error ?? r.pulled}`);
    setup = performance.now() - t0;
    const q = { where: { courseId: course }, orderBy: 'position' };
    for (let k = 0; k < o.queries; k++) {
      const t = performance.now();
      check(await engine.query('lesson', q));
      queryMs.push(performance.now() - t);
    }
    let want = null;
    let got = null;
    const stop = engine.watch('lesson', q, (rows) => {
      if (want && rows.some((l) => l.title === want)) got?.();
    });
    for (let k = 0; k < o.changes; k++) {
      want = `edit ${k}`;
      const seen = new Promise((res) => (got = res));
      const t = performance.now();
      await engine.queueMutation('UPDATE', 'lesson', lessonOf(k), { title: want });
      await seen;
      lat[k] = performance.now() - t;
    }
    stop();
    engine.close();
  } else if (impl === 'raw') {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('lessons', { keyPath: 'id' }).createIndex('course', ['courseId', 'position']);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    for (let i = 0; i < o.lessons; i += 10000) {
      const tx = db.transaction('lessons', 'readwrite');
      for (let j = i; j < Math.min(o.lessons, i + 10000); j++) tx.objectStore('lessons').put(lessonData(j, courses));
      await done(tx);
    }
    setup = performance.now() - t0;
    const read = () => req(db.transaction('lessons').objectStore('lessons').index('course').getAll(IDBKeyRange.bound([course, -Infinity], [course, Infinity])));
    for (let k = 0; k < o.queries; k++) {
      const t = performance.now();
      check(await read());
      queryMs.push(performance.now() - t);
    }
    for (let k = 0; k < o.changes; k++) {
      const t = performance.now();
      const tx = db.transaction('lessons', 'readwrite');
      const store = tx.objectStore('lessons');
      const rec = await req(store.get(lessonOf(k)));
      store.put({ ...rec, title: `edit ${k}` });
      await done(tx);
      if (!(await read()).some((l) => l.title === `edit ${k}`)) throw new Error('edit not read back');
      lat[k] = performance.now() - t;
    }
    db.close();
  } else {
    const D = await loadDexie();
    const db = await dexieLessons(D, name, o.lessons, courses);
    setup = performance.now() - t0;
    const query = () => db.lessons.where('courseId').equals(course).sortBy('position');
    for (let k = 0; k < o.queries; k++) {
      const t = performance.now();
      check(await query());
      queryMs.push(performance.now() - t);
    }
    let want = null;
    let got = null;
    const sub = D.liveQuery(query).subscribe((rows) => {
      if (want && rows.some((l) => l.title === want)) got?.();
    });
    for (let k = 0; k < o.changes; k++) {
      want = `edit ${k}`;
      const seen = new Promise((res) => (got = res));
      const t = performance.now();
      await db.lessons.update(lessonOf(k), { title: want });
      await seen;
      lat[k] = performance.now() - t;
    }
    sub.unsubscribe();
    db.close();
  }
  await deleteDb(name);
  const sorted = Array.from(lat).sort((a, b) => a - b);
  const qs = queryMs.sort((a, b) => a - b);
  return { ms: pct(sorted, 50), setupMs: setup, queryMs: pct(qs, 50), p50: pct(sorted, 50), p99: pct(sorted, 99), changes: o.changes };
}

// offline-sync only: the full sync of the lessons user with `o.watchers` live
// queries open (one course each) against none: what the live queries cost a pull.
async function livePull(impl, o) {
  if (impl !== 'wasm') throw new Error('offline-sync only');
  const name = `bench-live-pull-${o.watchers}-${o.tag}`;
  await deleteDb(name);
  const courses = o.lessons / LESSONS_PER_COURSE;
  const { mod } = await loadModule();
  const engine = new mod.SyncEngine({ ...engineOptions(o, name, o.user), indexes: LIVE_INDEXES });
  await engine.clientId();
  let calls = 0;
  const stops = [];
  for (let k = 0; k < o.watchers; k++) {
    stops.push(engine.watch('lesson', { where: { courseId: courseId((k * 37) % courses) }, orderBy: 'position' }, () => calls++));
  }
  await sleep(100); // their first runs, over the empty store
  const out = await measured(async () => {
    const r = await engine.fullSync();
    if (!r.success || r.pulled !== o.lessons) throw new Error(`fullSync: ${r.error ?? r.pulled}`);
    return {};
  });
  await sleep(3000); // the live queries' run after the pull, outside the window
  out.calls = calls;
  stops.forEach((s) => s());
  engine.close();
  await deleteDb(name);
  return out;
}

// ---------------------------------------------------------------- 6. live queries across tabs

// A second context of the same origin: a same-origin iframe of this page stands in
// for a second tab (its own JS realm and its own module or Dexie instance; the same
// IndexedDB database and BroadcastChannel).
function secondTab() {
  return new Promise((resolve, reject) => {
    const f = document.createElement('iframe');
    f.src = '/';
    f.onload = () => resolve(f);
    f.onerror = () => reject(new Error('the second context did not load'));
    document.body.append(f);
  });
}

// What the second tab does: open the same database and edit lessons when told.
async function liveWriter(impl, o) {
  if (impl === 'wasm') {
    const { mod } = await loadModule();
    const engine = new mod.SyncEngine({ ...engineOptions(o, o.name, o.user), indexes: LIVE_INDEXES });
    await engine.clientId();
    return { edit: (id, title) => engine.queueMutation('UPDATE', 'lesson', id, { title }), close: () => engine.close() };
  }
  const db = await dexieLessons(await loadDexie(), o.name, 0, 0);
  return { edit: (id, title) => db.lessons.update(id, { title }), close: () => db.close() };
}

// A live query of one course's lessons here, `o.changes` title edits in the second
// tab, each timed from the edit's start there to the callback here that has it.
// offline-sync and Dexie only (plain IndexedDB has no live query).
async function liveTabs(impl, o) {
  if (impl === 'raw') throw new Error('no live query in plain IndexedDB');
  const name = `bench-tabs-${impl}-${o.tag}`;
  const courses = o.lessons / LESSONS_PER_COURSE;
  const c = 7 % courses;
  const course = courseId(c);
  const lessonOf = (k) => lessonId(c + (k % LESSONS_PER_COURSE) * courses);
  await deleteDb(name);
  const lat = new Float64Array(o.changes);
  let want = null;
  let got = null;
  const onRows = (rows) => {
    if (want && rows.some((l) => l.title === want)) got?.();
  };
  let stop;
  let close;
  if (impl === 'wasm') {
    const { mod } = await loadModule();
    const engine = new mod.SyncEngine({ ...engineOptions(o, name, o.user), indexes: LIVE_INDEXES });
    const r = await engine.fullSync();
    if (!r.success || r.pulled !== o.lessons) throw new Error(`fullSync: ${r.error ?? r.pulled}`);
    stop = engine.watch('lesson', { where: { courseId: course }, orderBy: 'position' }, onRows);
    close = () => engine.close();
  } else {
    const D = await loadDexie();
    const db = await dexieLessons(D, name, o.lessons, courses);
    const sub = D.liveQuery(() => db.lessons.where('courseId').equals(course).sortBy('position')).subscribe(onRows);
    stop = () => sub.unsubscribe();
    close = () => db.close();
  }
  const frame = await secondTab();
  for (let i = 0; i < 200 && !frame.contentWindow.bench?.ready; i++) await sleep(25);
  const writer = await frame.contentWindow.bench.liveWriter(impl, { ...o, name });
  try {
    for (let k = 0; k < o.changes; k++) {
      want = `tab edit ${k}`;
      const seen = new Promise((res, rej) => {
        got = res;
        setTimeout(() => rej(new Error(`edit ${k} never reached the first tab`)), 10000);
      });
      const t = performance.now();
      await writer.edit(lessonOf(k), want);
      await seen;
      lat[k] = performance.now() - t;
    }
  } finally {
    stop();
    writer.close();
    frame.remove();
    close();
  }
  await deleteDb(name);
  const sorted = Array.from(lat).sort((a, b) => a - b);
  return { ms: pct(sorted, 50), p50: pct(sorted, 50), p99: pct(sorted, 99), changes: o.changes };
}

window.bench = { pull, push, queue, startup, live, livePull, liveWriter, liveTabs, ready: true };
