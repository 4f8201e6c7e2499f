import type { OfflineSyncOptions, OfflineSyncSnapshot, SyncResult } from './wasm/offline_sync.js';
import type { OfflineSyncClient } from './client.js';

export type { OfflineSyncOptions, OfflineSyncSnapshot, SyncStatus } from './wasm/offline_sync.js';

/**
 * The sync controller: online/offline and visibility triggers, the auto-sync
 * timer and the status. Touches nothing until `subscribe()` or `start()`.
 * Methods are bound: they can be passed around detached.
 */
export class OfflineSync {
  /**
   * A controller of `client` (from `createOfflineSync`), or of the page's default client.
   * @throws TypeError naming the option, on a bad value.
   */
  constructor(options?: OfflineSyncOptions, client?: OfflineSyncClient);
  /** The first subscriber activates the controller; when the last one leaves (and `start()` was not called) it deactivates. */
  subscribe(listener: () => void): () => void;
  getSnapshot(): OfflineSyncSnapshot;
  /** The snapshot for server rendering: defaults, online. */
  getServerSnapshot(): OfflineSyncSnapshot;
  /** Syncs now; joins the sync in flight, if any. */
  performSync(): Promise<SyncResult>;
  startAutoSync(): void;
  stopAutoSync(): void;
  /** Activates without a subscriber, until `stop()`. */
  start(): void;
  stop(): void;
  /** Releases everything for good. */
  dispose(): void;
  /** Replaces the options (e.g. callbacks from a later render). */
  setOptions(options?: OfflineSyncOptions): void;
}
