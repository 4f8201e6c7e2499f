// Loads the WebAssembly module once (internal to offline-sync).
import init, * as wasm from './wasm/offline_sync.js';

export { wasm };

let loading = null;
let loaded = false;

/**
 * Instantiates the wasm module, once however many callers; resolves when it is
 * ready. `input` (only the first call's counts) overrides where the .wasm is
 * fetched from; by default it sits next to the glue, found via import.meta.url.
 */
export function ready(input) {
  if (!loading) {
    loading = init(input === undefined ? undefined : { module_or_path: input }).then(
      () => { loaded = true; },
      (e) => {
        loading = null; // let a later call try again (e.g. back online)
        throw new Error(`offline-sync: could not load its WebAssembly module: ${e?.message ?? e}`, { cause: e });
      },
    );
  }
  return loading;
}

/** Whether `ready()` has resolved (so constructors and snapshots are synchronous). */
export const isReady = () => loaded;

let configuring = null; // the latest initOfflineSync() in flight

/** Records an initOfflineSync() in flight (see settled()). */
export function trackInit(p) {
  configuring = p;
  const clear = () => { if (configuring === p) configuring = null; };
  p.then(clear, clear);
}

/**
 * Resolves when the module is loaded and no initOfflineSync() is in flight, so
 * `initOfflineSync(o); getSyncEngine().list('course')` uses the engine of `o`.
 */
export async function settled() {
  await ready();
  if (configuring) await configuring.catch(() => {});
}

/**
 * Each OfflineSyncClient's builder of its wasm client (internal): how an
 * OfflineSync controller of that client reaches it once the module is loaded.
 */
export const wasmClients = new WeakMap();
