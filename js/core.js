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

// Live queries answer at once with their stop function, so they are not async
// wrappers like the rest: once the module is loaded the engine's watch runs right
// away (a wrong query throws its TypeError to the caller); before, it starts when
// the module is (a TypeError then goes to onError, or the console).
const LIVE = ['watch', 'watchEntity'];

// SyncEngineApi's methods (core.d.ts), each delegating to the wasm SyncEngine's
// method of the same name. The @satisfies makes the type test (tests/types, tsc
// with checkJs) fail when this list and SyncEngineApi differ by a name.
const ENGINE_METHODS = Object.keys(
  /** @satisfies {Record<keyof import('./core.js').SyncEngineApi, 1>} */ ({
    fullSync: 1, downloadCourse: 1, queueMutation: 1, get: 1, list: 1, query: 1, put: 1, remove: 1,
    pendingCount: 1, pending: 1, failed: 1, retryFailed: 1, discardFailed: 1, conflicts: 1,
    offlineCourses: 1, clientId: 1, clearLocalData: 1, watch: 1, watchEntity: 1,
  }),
).filter((m) => !LIVE.includes(m));

const live = (name) => (...args) => {
  const run = () => {
    const e = wasm.getSyncEngine();
    try {
      return e[name](...args);
    } finally {
      e.free();
    }
  };
  if (isReady()) return run();
  let stop = null;
  let stopped = false;
  settled().then(() => {
    if (!stopped) stop = run();
  }).catch((err) => {
    const onError = args[3];
    if (typeof onError === 'function') onError(err);
    else console.error(err);
  });
  return () => {
    stopped = true;
    stop?.();
  };
};

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
    engine = Object.freeze(Object.fromEntries([
      ...ENGINE_METHODS.map((m) => [m, call(m)]),
      ...LIVE.map((m) => [m, live(m)]),
    ]));
  }
  return engine;
}

export { OfflineSync } from './controller.js';
export { isOfflineSyncError } from './errors.js';
