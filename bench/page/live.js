// Workload 5, live queries in one tab: a query's and a live query's latency
// (`live`), and what open live queries cost a pull (`livePull`).

import { courseId, lessonData, lessonId, LESSONS_PER_COURSE } from '/data.js';
import { measured, sleep } from './measure.js';
import { LIVE_INDEXES, deleteDb, done, engineOptions, loadDexie, loadModule, pct, req } from './helpers.js';

// The live workloads' Dexie database, with `lessons` lessons over `courses` written
// in bulk (none: just opened, as the second tab's).
export async function dexieLessons(D, name, lessons, courses) {
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

// The course a live workload watches, of `o.lessons` lessons over lessons/100
// courses, and its k-th edit's lesson (one of the course's, in turn).
export function watched(o) {
  const courses = o.lessons / LESSONS_PER_COURSE;
  const c = 7 % courses;
  return { courses, course: courseId(c), lessonOf: (k) => lessonId(c + (k % LESSONS_PER_COURSE) * courses) };
}

// `o.lessons` lessons over lessons/100 courses in the local store (offline-sync: a
// full sync of a seeded user; the others: bulk writes of the same records). Then:
// one course's 100 lessons sorted by position (median of `o.queries` runs); a live
// query of them and `o.changes` title edits, each timed from the write's start to
// the callback that has the new title. Dexie as its docs say:
// `where('courseId').equals(c).sortBy('position')` and `liveQuery`; plain IndexedDB
// with a [courseId, position] index has no live query: its figure is the write
// plus the indexed read, the floor for a callback.
export async function live(impl, o) {
  const name = `bench-live-${impl}-${o.tag}`;
  const { courses, course, lessonOf } = watched(o);
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
export async function livePull(impl, o) {
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
