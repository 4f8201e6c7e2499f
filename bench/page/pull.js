// Workload 1, pull: a full sync of a seeded user into an empty database.

import { measured } from './measure.js';
import { auth, deleteDb, done, engineOptions, fetchJson, loadModule, openDexie, openRaw, pullUrl } from './helpers.js';

export async function pull(impl, o) {
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
