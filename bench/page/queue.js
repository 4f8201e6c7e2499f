// Workload 3, queueMutation: the latency of one local change.

import { itemData, itemId } from '/data.js';
import { measured } from './measure.js';
import { deleteDb, done, engineOptions, loadModule, openDexie, openRaw, pct } from './helpers.js';

// n changes, one after another, each awaited until its transaction committed.
// The baselines do what a hand-written outbox does: in one readwrite transaction,
// add the change to the queue and put the entity's local view.
export async function queue(impl, o) {
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
