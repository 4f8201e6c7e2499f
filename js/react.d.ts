import type { SyncResult } from './wasm/offline_sync.js';
import type { OfflineSyncOptions, SyncStatus } from './controller.js';

export interface UseOfflineSyncResult {
  status: SyncStatus;
  isOnline: boolean;
  /** Syncs now (joins the sync in flight). */
  performSync: () => Promise<SyncResult>;
  startAutoSync: () => void;
  stopAutoSync: () => void;
}

/**
 * The old `useOfflineSync(config)`, backed by an `OfflineSync` controller: one
 * set of listeners and one timer per mounted component, released on unmount.
 */
export function useOfflineSync(options?: OfflineSyncOptions): UseOfflineSyncResult;
