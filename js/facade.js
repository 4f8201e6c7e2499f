// The engine's JS face: SyncEngineApi's methods (core.d.ts), each delegating to
// the wasm SyncEngine's method of the same name on the engine `current()` gives.
// The @satisfies makes the type test (tests/types, tsc with checkJs) fail when
// this list and SyncEngineApi differ by a name.
const ENGINE_METHODS = Object.keys(
  /** @satisfies {Record<keyof import('./core.js').SyncEngineApi, 1>} */ ({
    fullSync: 1, downloadCourse: 1, downloadScope: 1, queueMutation: 1, get: 1, list: 1, query: 1, put: 1, remove: 1,
    pendingCount: 1, pending: 1, failed: 1, retryFailed: 1, discardFailed: 1, conflicts: 1,
    resolveConflict: 1, dismissConflict: 1,
    offlineCourses: 1, offlineScopes: 1, clientId: 1, startedEmpty: 1, clearLocalData: 1,
  }),
);

/** `current` resolves with a wasm SyncEngine handle, freed after each call. */
export function engineFacade(current) {
  const call = (name) => async (...args) => {
    const e = await current();
    try {
      return await e[name](...args);
    } finally {
      e.free();
    }
  };
  return Object.freeze(Object.fromEntries(ENGINE_METHODS.map((m) => [m, call(m)])));
}
