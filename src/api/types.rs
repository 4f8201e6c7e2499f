//! TypeScript shapes of the values that cross the boundary as plain objects.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type MutationType = 'CREATE' | 'UPDATE' | 'DELETE';

/** An entity's data as the app stores it; always carries its `id`. */
export type EntityData = { id?: string | number; [field: string]: unknown };

export interface InitOptions {
  /** Base URL of the sync API. Default `/api`. */
  apiBaseUrl?: string;
  /** One IndexedDB database per namespace (use one per signed-in user). Default `offline-sync`. */
  namespace?: string;
  /** Returns the bearer token (sync or async). Called again once after a 401. Never stored. */
  getAuthToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Timeout of each request in ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Entities per pull page, 1..1000. Default 500. */
  pullPageSize?: number;
  /** Largest change payload accepted, in bytes of JSON. Default 1000000. */
  maxPayloadBytes?: number;
  /** First retry delay in ms (exponential backoff with full jitter). Default 1000. */
  retryBaseMs?: number;
  /** Longest retry delay in ms. Default 300000. */
  retryMaxMs?: number;
  /** Attempts before a change is set aside as failed; 0 = never. Default 10. */
  maxAttempts?: number;
  /**
   * URL of a service worker script to register as a module worker (the package's
   * standalone worker, or your own that calls `offline-sync/sw`). Omit it when your
   * app registers its worker itself. Background sync uses whichever worker is registered.
   */
  serviceWorker?: string | false;
}

/**
 * network: the server could not be reached or timed out (retried; never uses up attempts).
 * server: it answered 5xx/408/429 (retried with backoff, honouring Retry-After).
 * rejected: it refused a change for good (the change is set aside, see `failed()`).
 * auth: the token was refused twice (nothing dropped; sign in again).
 * protocol: its answer was not the protocol (retried). storage: IndexedDB failed. input: a bad call.
 */
export type SyncErrorKind = 'network' | 'server' | 'rejected' | 'auth' | 'protocol' | 'storage' | 'input';

export interface SyncResult {
  success: boolean;
  /** What went wrong, for a person; null when the sync succeeded. */
  error: string | null;
  errorKind: SyncErrorKind | null;
  /** Queued changes the server applied. */
  pushed: number;
  /** Server changes written locally. */
  pulled: number;
  /** Queued changes settled (applied, conflicted or set aside). */
  processed: number;
  /** Queued changes set aside as failed in this sync. */
  failed: number;
  /** Local changes refused as stale; the server's version won (see `conflicts()`). */
  conflicts: number;
  durationMs: number;
}

export interface QueueEntry {
  /** Position in the queue. */
  id: number;
  /** Stable id sent with the change; the server applies it once. */
  mutationId: string;
  type: MutationType;
  entity: string;
  entityId: string;
  payload: EntityData | null;
  baseVersion: number | null;
  createdAt: number;
  attempts: number;
  lastAttemptAt?: number;
  error?: string;
  status: 'pending' | 'failed';
}

export interface ServerEntity {
  entityType: string;
  id: string;
  version: number;
  deleted: boolean;
  data: EntityData | null;
}

export interface Conflict {
  mutationId: string;
  entityType: string;
  entityId: string;
  type: MutationType;
  /** The local change that lost. */
  local: EntityData | null;
  /** The server's version that won. */
  server: ServerEntity | null;
  at: number;
}

export interface OfflineSyncOptions {
  /** Auto-sync interval in ms. Default 60000; 0 disables auto-sync. */
  autoSyncInterval?: number;
  /** Sync when the device comes online. Default true. */
  syncOnOnline?: boolean;
  /** Sync when the page becomes visible. Default true. */
  syncOnVisibility?: boolean;
  /** Sync when the controller starts (component mount). Default true. */
  syncOnMount?: boolean;
  onSyncStart?: () => void;
  onSyncComplete?: (result: SyncResult) => void;
}

export interface SyncStatus {
  isRunning: boolean;
  /** Last successful sync, ms since the epoch. */
  lastSyncAt: number | null;
  /** Next automatic sync, ms since the epoch; null when none is scheduled. */
  nextSyncAt: number | null;
  /** Last sync error; cleared by the next good sync. */
  error: string | null;
  /** Syncs performed (finished, successful or not). */
  syncCount: number;
  /** Changes waiting for the server. */
  pendingCount: number;
  /** Changes set aside as failed (see `failed()`). */
  failedCount: number;
}

export interface OfflineSyncSnapshot {
  status: SyncStatus;
  isOnline: boolean;
}

export interface OfflineCourse {
  courseId: string;
  downloadedAt: number;
}
"#;
