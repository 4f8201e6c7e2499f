// Workload 6, live queries across tabs: an edit in a second tab reaching a live
// query in this one.

import { sleep } from './measure.js';
import { LIVE_INDEXES, deleteDb, engineOptions, loadDexie, loadModule, pct } from './helpers.js';
import { dexieLessons, watched } from './live.js';

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
export async function liveWriter(impl, o) {
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
export async function liveTabs(impl, o) {
  if (impl === 'raw') throw new Error('no live query in plain IndexedDB');
  const name = `bench-tabs-${impl}-${o.tag}`;
  const { courses, course, lessonOf } = watched(o);
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
