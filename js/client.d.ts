import type { InitOptions } from './wasm/offline_sync.js';
import type { SyncEngineApi } from './core.js';
import type { OfflineSync, OfflineSyncOptions } from './controller.js';

/**
 * A client of its own: one namespace (database), its engine, status and
 * controllers, apart from the page's default client (`initOfflineSync`). Give it
 * to `<OfflineSyncProvider client>` so `useOfflineSync` below uses it.
 */
export class OfflineSyncClient {
  /** @throws TypeError naming the option, on a bad value (once the module is loaded; else from `ready()`). */
  constructor(options?: InitOptions);
  /** This client's engine: the methods of `getSyncEngine()`, on its own database. */
  readonly engine: SyncEngineApi;
  /** Loads the module and opens the database; sends what an earlier visit left queued. */
  ready(): Promise<void>;
  /** A sync controller of this client. */
  controller(options?: OfflineSyncOptions): OfflineSync;
  /** Stops its timer and listeners and closes its database; queued changes stay for the next client. */
  close(): void;
}

/** `new OfflineSyncClient(options)`. */
export function createOfflineSync(options?: InitOptions): OfflineSyncClient;
