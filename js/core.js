// offline-sync, without React: loads the WebAssembly module on first use and
// exposes the engine and the sync controller. Importing this file touches no
// browser API (window, document, IndexedDB, fetch): only calls do, so SSR can
// import it. There is no top-level await.
import { trackInit, isReady, ready, settled, wasm } from './load.js';
import { engineFacade } from './facade.js';

export { ready, isReady };

/** Loads the module, then configures the page's engine and opens its database. */
export function initOfflineSync(options) {
  const p = ready().then(() => wasm.initOfflineSync(options));
  trackInit(p);
  return p;
}

let engine = null;

/**
 * The page's engine (configured by initOfflineSync, defaults otherwise). Synchronous:
 * each method loads the module first if needed, then delegates to it.
 */
export function getSyncEngine() {
  // The current engine on each call: initOfflineSync may replace it.
  return (engine ??= engineFacade(
    async () => {
      await settled();
      return wasm.getSyncEngine();
    },
    () => (isReady() ? wasm.getSyncEngine() : null),
  ));
}

export { OfflineSync } from './controller.js';
export { isOfflineSyncError } from './errors.js';
export { createOfflineSync, OfflineSyncClient } from './client.js';
export { onlineManager, focusManager } from './managers.js';
