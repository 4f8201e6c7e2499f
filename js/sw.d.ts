// offline-sync/sw: Background Sync inside the app's service worker (see docs/background-sync.md).
import type { InitInput, InitOptions } from './wasm/offline_sync.js';

/** Options of installOfflineSync: initOfflineSync's (minus `serviceWorker`), plus where the .wasm is. */
export interface WorkerSyncOptions extends Omit<InitOptions, 'serviceWorker'> {
  /**
   * Where to fetch the WebAssembly module from, if not next to the package's glue
   * (`new URL('offline_sync_bg.wasm', import.meta.url)`, which bundlers resolve).
   */
  wasm?: InitInput | Promise<InitInput>;
}

/** The tag the engine registers when changes wait (same as `syncTag()`). */
export const SYNC_TAG: 'sync-offline-data';
/** The tag to register with `registration.periodicSync.register()`. */
export const PERIODIC_SYNC_TAG: 'offline-sync-periodic';
/** The `type` of the message sendAuthTokenToWorker posts. */
export const TOKEN_MESSAGE: 'offline-sync:token';

/**
 * Call once at the top level of the service worker script: listens for `sync` and
 * `periodicsync`; on an event of offline-sync's tags, loads the wasm module, runs
 * `initOfflineSync(options)` (once per worker start) and keeps the event alive
 * with `handleSyncEvent(event)`. Events of other tags are left alone.
 * `options` may be a function (sync or async) called on the first event.
 * Without `getAuthToken`, the token a page sent with sendAuthTokenToWorker() is used.
 * Declare the pages' `conflicts` here too, with the worker's own merge functions.
 * Throws outside a service worker and on a second call.
 */
export function installOfflineSync(
  options?: WorkerSyncOptions | (() => WorkerSyncOptions | Promise<WorkerSyncOptions>),
): void;

/**
 * Page side: posts the bearer token to this page's service worker, which keeps it
 * in memory only (lost when the browser stops the idle worker). `null` forgets it.
 * Resolves with whether a worker received it.
 */
export function sendAuthTokenToWorker(token: string | null): Promise<boolean>;
