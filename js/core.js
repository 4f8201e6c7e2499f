// offline-sync, without React: loads the WebAssembly module on first use and
// exposes the engine and the sync controller. Importing this file touches no
// browser API (window, document, IndexedDB, fetch): only calls do, so SSR can
// import it. There is no top-level await.
import { trackInit, isReady, ready, settled, wasm } from './load.js';

export { ready, isReady };

/** Loads the module, then configures the page's engine and opens its database. */
export function initOfflineSync(options) {
  const p = ready().then(() => wasm.initOfflineSync(options));
  trackInit(p);
  return p;
}

const ENGINE_METHODS = [
  'fullSync', 'downloadCourse', 'queueMutation', 'get', 'list', 'put', 'remove',
  'pendingCount', 'pending', 'failed', 'retryFailed', 'discardFailed', 'conflicts',
  'offlineCourses', 'clientId', 'clearLocalData',
];

let engine = null;

/**
 * The page's engine (configured by initOfflineSync, defaults otherwise). Synchronous:
 * each method loads the module first if needed, then delegates to it.
 */
export function getSyncEngine() {
  if (!engine) {
    const call = (name) => async (...args) => {
      await settled();
      const e = wasm.getSyncEngine(); // the current engine: initOfflineSync may replace it
      try {
        return await e[name](...args);
      } finally {
        e.free();
      }
    };
    engine = Object.freeze(Object.fromEntries(ENGINE_METHODS.map((m) => [m, call(m)])));
  }
  return engine;
}

export { OfflineSync } from './controller.js';
export { isOfflineSyncError } from './errors.js';
