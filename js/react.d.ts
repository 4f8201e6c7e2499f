import type { SyncResult } from './wasm/offline_sync.js';
import type { OfflineSyncOptions, SyncStatus } from './controller.js';
import type { OfflineSyncClient } from './client.js';
import type { SyncEngineApi } from './core.js';
import type { ReactNode, ReactElement } from 'react';

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

/**
 * Gives the components below a client of `createOfflineSync`: their
 * `useOfflineSync` and `useSyncEngine` use it instead of the page's default
 * client. The client is the app's to create (once, outside render) and close.
 */
export function OfflineSyncProvider(props: { client: OfflineSyncClient; children?: ReactNode }): ReactElement;

/** The nearest provider's client; `null` under none (the page's default client). */
export function useOfflineSyncClient(): OfflineSyncClient | null;

/** The engine of the nearest provider's client, else the page's (`getSyncEngine()`). */
export function useSyncEngine(): SyncEngineApi;
