import type { EntityData, Query, SyncResult } from './wasm/offline_sync.js';
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
/** What a live query hook returns: `isLoading` until the first result (and always during SSR). */
export interface LiveResult<T> {
  /** The latest result; `undefined` while loading. */
  data: T | undefined;
  isLoading: boolean;
  /** Why the query failed (a wrong query's `TypeError`, a storage error); the last data stays. */
  error: Error | undefined;
}

/**
 * The entities of a type that match `query` (docs/queries.md), kept current:
 * changes here, in other tabs and in the service worker re-render the component
 * when the result changed (an equal result does not). `T` is the entity's data type.
 */
export function useLiveQuery<T extends object = EntityData>(entity: string, query?: Query): LiveResult<T[]>;

/** One entity, kept current (`data` is `undefined` while loading and when there is none). */
export function useEntity<T extends object = EntityData>(entity: string, id: string): LiveResult<T>;
