// offline-sync/sw: Background Sync inside the app's service worker.
//
//   import { installOfflineSync } from 'offline-sync/sw';
//   installOfflineSync({ apiBaseUrl: '/api', namespace: 'app-user-42', getAuthToken });
//
// installOfflineSync() must run while the worker script is first evaluated (top
// level, not in a promise or another event): browsers only wake a worker for the
// events it listened to then. The listeners are added synchronously; the wasm
// module is loaded and the engine opened only when a `sync`/`periodicsync` event
// of offline-sync's tags arrives, inside that event's waitUntil().
//
// Importing this file touches no browser API, so a page may import it too (for
// sendAuthTokenToWorker below).
import { ready, wasm } from './load.js';

/** The tag the engine registers when changes wait (the same as `syncTag()`). */
export const SYNC_TAG = 'sync-offline-data';
/** The tag to give `registration.periodicSync.register()` for periodic syncs. */
export const PERIODIC_SYNC_TAG = 'offline-sync-periodic';
/** The `type` of the message that hands the worker a token (sendAuthTokenToWorker). */
export const TOKEN_MESSAGE = 'offline-sync:token';

const OUR_TAGS = new Set([SYNC_TAG, PERIODIC_SYNC_TAG]);

// The token a page posted last; worker memory only (gone when the browser stops
// the worker), never written anywhere.
let postedToken = null;
let installed = false;

function isServiceWorkerScope(scope) {
  return (
    typeof scope.addEventListener === 'function' &&
    typeof scope.registration === 'object' &&
    scope.registration !== null &&
    typeof scope.skipWaiting === 'function'
  );
}

/**
 * Makes this service worker run offline-sync's background syncs. Call it once,
 * at the top level of the worker script. `options` are initOfflineSync's (same
 * `namespace` and `apiBaseUrl` as the pages), or a function returning them
 * (called once, on the first event). Without `getAuthToken`, the worker uses the
 * token a page sent with sendAuthTokenToWorker(). Declare the same `conflicts`
 * as the pages, with the worker's own merge functions (docs/conflicts.md): a page
 * cannot hand a function to the worker, and a sync here settles conflicts too.
 */
export function installOfflineSync(options = {}) {
  const scope = globalThis;
  if (!isServiceWorkerScope(scope)) {
    throw new Error('offline-sync/sw: installOfflineSync() belongs in a service worker script, not a page');
  }
  if (installed) {
    throw new Error('offline-sync/sw: installOfflineSync() was already called in this worker');
  }
  if (options === null || (typeof options !== 'object' && typeof options !== 'function')) {
    throw new TypeError('offline-sync/sw: options must be an object or a function returning one');
  }
  installed = true;

  let starting = null;
  const start = () => {
    if (!starting) {
      starting = (async () => {
        const o = { ...(typeof options === 'function' ? await options() : options) };
        const wasmInput = o.wasm;
        delete o.wasm;
        delete o.serviceWorker; // a worker registers no worker
        if (o.getAuthToken === undefined) o.getAuthToken = () => postedToken;
        await ready(wasmInput);
        await wasm.initOfflineSync(o);
      })();
      // A failed start (module not reachable, bad options) is tried again on the next event.
      starting.catch(() => { starting = null; });
    }
    return starting;
  };

  const onSync = (event) => {
    if (!OUR_TAGS.has(event.tag)) return; // another library's tag: not ours to answer
    event.waitUntil(
      (async () => {
        try {
          await start();
        } catch (e) {
          console.error('offline-sync/sw: could not start the engine for a background sync:', e);
          throw e; // rejected: the browser retries later (unless it was the last chance)
        }
        return wasm.handleSyncEvent(event);
      })(),
    );
  };
  scope.addEventListener('sync', onSync);
  scope.addEventListener('periodicsync', onSync);
  scope.addEventListener('message', (event) => {
    const d = event.data;
    if (d && typeof d === 'object' && d.type === TOKEN_MESSAGE) {
      postedToken = typeof d.token === 'string' && d.token !== '' ? d.token : null;
    }
  });
}

/**
 * Page side: hands the current bearer token to the service worker (kept in its
 * memory only). Call it after sign-in and whenever the token changes; `null`
 * forgets it (sign-out). Resolves with whether a worker got it.
 */
export async function sendAuthTokenToWorker(token) {
  const sw = globalThis.navigator?.serviceWorker;
  if (!sw) return false;
  const reg = await sw.getRegistration();
  const workers = [reg?.active, reg?.waiting, reg?.installing].filter(Boolean);
  for (const w of workers) w.postMessage({ type: TOKEN_MESSAGE, token: token ?? null });
  return workers.length > 0;
}
