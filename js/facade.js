// The engine's JS face: SyncEngineApi's methods (core.d.ts), each delegating to the
// wasm SyncEngine's method of the same name, for getSyncEngine() and each client's
// `engine`. The @satisfies makes the type test (tests/types, tsc with checkJs) fail
// when this list and SyncEngineApi differ by a name.
const METHODS = Object.keys(
  /** @satisfies {Record<keyof import('./core.js').SyncEngineApi, 1>} */ ({
    fullSync: 1, downloadCourse: 1, downloadScope: 1, queueMutation: 1, get: 1, list: 1, query: 1, put: 1, remove: 1,
    pendingCount: 1, pending: 1, failed: 1, retryFailed: 1, discardFailed: 1, conflicts: 1,
    resolveConflict: 1, dismissConflict: 1,
    offlineCourses: 1, offlineScopes: 1, clientId: 1, startedEmpty: 1, clearLocalData: 1, watch: 1, watchEntity: 1,
  }),
);

// Live queries answer at once with their stop function, so they are not async
// wrappers like the rest: once the module is loaded the engine's watch runs right
// away (a wrong query throws its TypeError to the caller); before, it starts when
// the module is (a TypeError then goes to onError, or the console).
const LIVE = ['watch', 'watchEntity'];

/**
 * `current` resolves with a wasm SyncEngine handle (loading the module first);
 * `now` gives one at once, or null while the module is not loaded. Each handle is
 * freed after its call.
 */
export function engineFacade(current, now) {
  const once = (e, name, args) => {
    try {
      return e[name](...args);
    } finally {
      e.free();
    }
  };
  const call = (name) => async (...args) => once(await current(), name, args);
  const live = (name) => (...args) => {
    const e = now();
    if (e) return once(e, name, args);
    let stop = null;
    let stopped = false;
    current().then((e) => {
      if (stopped) e.free();
      else stop = once(e, name, args);
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
  return Object.freeze(Object.fromEntries(METHODS.map((m) => [m, LIVE.includes(m) ? live(m) : call(m)])));
}
