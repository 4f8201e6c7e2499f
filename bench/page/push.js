// Workload 2, push: `o.count` locally changed entities sent to the server.

import { ENTITY_TYPE, itemData, itemId } from '/data.js';
import { measured } from './measure.js';
import { onNextPull } from './probe.js';
import { auth, deleteDb, done, engineOptions, fetchJson, loadModule, mutationOf, openDexie, openRaw, req } from './helpers.js';

const PUSH_BATCH = 100; // MAX_PUSH_BATCH of core/src/protocol.rs: the engine's batch

// One batch sent to the server as a plain loop would (the baselines), its results.
async function pushBatch(o, user, clientId, batch) {
  const body = JSON.stringify({ clientId, mutations: batch.map(mutationOf) });
  const { results } = await fetchJson(`${o.api}/sync/push`, {
    method: 'POST',
    headers: { ...auth(user), 'Content-Type': 'application/json' },
    body,
  });
  return results;
}

export async function push(impl, o) {
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
      onNextPull(stop);
      const r = await engine.fullSync();
      onNextPull(null);
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
        const results = await pushBatch(o, user, clientId, batch);
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
        const results = await pushBatch(o, user, clientId, batch);
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
