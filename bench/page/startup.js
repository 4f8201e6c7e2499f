// Workload 4, start-up.

import { MODULE_URL, loadDexie, openDexie, openRaw } from './helpers.js';

// From import to ready (code loaded and compiled, database created and open), in a
// page of a fresh browser context: empty HTTP cache, no compiled code, no database.
export async function startup(impl, o) {
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
